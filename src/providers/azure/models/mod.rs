//! One module per model family; each owns its parameter transforms (design doc §2).

pub mod gpt_4_1;
pub mod gpt_4_1_mini;
pub mod gpt_4o;
pub mod o_series;
