//! The byte scan every parser loop here is built on.
//!
//! The release build optimises for size (`opt-level = "z"`), which stops LLVM inlining
//! `Iterator::position` and its closure: the hot scans became a call per byte. Forcing this
//! one small loop inline keeps them tight while the rest of the module stays small
//! (bench/OPTIMIZATIONS.md has the numbers).

/// Index of the first byte at or after `from` that satisfies `hit`.
#[inline(always)]
pub fn find_from(b: &[u8], from: usize, hit: impl Fn(u8) -> bool) -> Option<usize> {
    let mut i = from;
    while let Some(&c) = b.get(i) {
        if hit(c) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Index of the first CR or LF at or after `from`. SSE lines run to hundreds of bytes
/// (one chunk of JSON each), so this checks eight bytes per step ("SWAR": the zero-byte
/// test on a u64), then finishes byte by byte.
#[inline]
pub fn find_line_end(b: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(w) = b.get(i..i + 8).and_then(|c| <[u8; 8]>::try_from(c).ok()) {
        let w = u64::from_le_bytes(w);
        let (lf, cr) = (w ^ (ONES * 0x0a), w ^ (ONES * 0x0d));
        // A byte of lf/cr is zero where w has '\n'/'\r'. The lowest flagged byte of each
        // test is exact (false flags only appear above a true one), so their OR is too.
        let hits = ((lf.wrapping_sub(ONES) & !lf) | (cr.wrapping_sub(ONES) & !cr)) & HIGH;
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    find_from(b, i, |c| c == b'\n' || c == b'\r')
}

/// Byte classes for the JSON scans: one table load per byte instead of a chain of compares.
pub const STRING_END: u8 = 1; // '"', '\\' or a control character: ends a plain run in a string

pub static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = STRING_END;
        c += 1;
    }
    t[b'"' as usize] = STRING_END;
    t[b'\\' as usize] = STRING_END;
    t
};

/// Index of the first byte at or after `from` whose class has any bit of `class`.
#[inline(always)]
pub fn find_class(b: &[u8], from: usize, class: u8) -> Option<usize> {
    find_from(b, from, |c| CLASS[c as usize] & class != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_are_found_at_every_offset() {
        for len in 0..40 {
            for at in 0..=len {
                for from in 0..=at.min(len) {
                    for end in [b'\n', b'\r'] {
                        let mut b: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                        // Bytes that differ from CR/LF by one bit must not match.
                        if len > 3 {
                            b[len / 2] = 0x0b;
                            b[len / 3] = 0x8a;
                        }
                        let want = if at < len {
                            b[at] = end;
                            b.iter()
                                .skip(from)
                                .position(|&c| c == b'\n' || c == b'\r')
                                .map(|p| p + from)
                        } else {
                            None
                        };
                        assert_eq!(
                            find_line_end(&b, from),
                            want,
                            "len {len} at {at} from {from}"
                        );
                    }
                }
            }
        }
    }
}
