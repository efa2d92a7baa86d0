//! Messages in the OpenAI wire format (snake_case, as users paste them) and their validation.

use super::error::{LlmError, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    Developer,
    User,
    Assistant,
    Tool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageUrl {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputAudio {
    pub data: String,
    pub format: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    Text { text: String },
    ImageUrl { image_url: ImageUrl },
    InputAudio { input_audio: InputAudio },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Content {
    Text(String),
    Parts(Vec<ContentPart>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCall {
    pub name: String,
    pub arguments: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub function: FunctionCall,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: Option<Content>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    pub fn user(text: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: Some(Content::Text(text.into())),
            name: None,
            tool_calls: None,
            tool_call_id: None,
        }
    }
    pub fn system(text: impl Into<String>) -> Self {
        Message {
            role: Role::System,
            ..Message::user(text)
        }
    }
    pub fn assistant(text: impl Into<String>) -> Self {
        Message {
            role: Role::Assistant,
            ..Message::user(text)
        }
    }

    /// The text parts of the content, concatenated (images and audio are not text).
    pub fn text(&self) -> String {
        match &self.content {
            None => String::new(),
            Some(Content::Text(t)) => t.clone(),
            Some(Content::Parts(parts)) => parts
                .iter()
                .filter_map(|p| match p {
                    ContentPart::Text { text } => Some(text.as_str()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

const ROLES: &str = "\"system\", \"developer\", \"user\", \"assistant\" or \"tool\"";

fn bad(index: usize, field: &str, what: impl Into<String>, hint: &str) -> LlmError {
    LlmError::invalid_input(format!("messages[{index}].{field}: {}", what.into()), hint)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses and validates messages from JSON, naming the first bad message and field.
/// Checking the raw JSON first gives better errors than serde's (which cannot name the
/// message index), and the typed parse afterwards cannot fail on anything we checked.
pub fn parse_messages(json: &str) -> Result<Vec<Message>> {
    let value: Value = serde_json::from_str(json).map_err(|e| {
        LlmError::invalid_input(
            format!("messages are not valid JSON: {e}"),
            "Pass an array of { role, content } objects.",
        )
    })?;
    validate_messages_value(&value)?;
    serde_json::from_value(value).map_err(|e| {
        LlmError::invalid_input(
            format!("messages: {e}"),
            "Each message is { role, content } in the OpenAI chat format.",
        )
    })
}

pub fn validate_messages_value(value: &Value) -> Result<()> {
    let list = value.as_array().ok_or_else(|| {
        LlmError::invalid_input(
            format!("messages must be an array, got {}", type_name(value)),
            "Pass an array like [{ role: \"user\", content: \"Hello\" }].",
        )
    })?;
    if list.is_empty() {
        return Err(LlmError::invalid_input(
            "messages is empty",
            "Pass at least one message, e.g. [{ role: \"user\", content: \"Hello\" }].",
        ));
    }
    for (i, m) in list.iter().enumerate() {
        let obj = m.as_object().ok_or_else(|| {
            LlmError::invalid_input(
                format!("messages[{i}] must be an object, got {}", type_name(m)),
                "Each message is { role, content }.",
            )
        })?;
        let role = match obj.get("role") {
            Some(Value::String(r)) => r.as_str(),
            Some(other) => {
                return Err(bad(
                    i,
                    "role",
                    format!("must be a string, got {}", type_name(other)),
                    "Use one of the chat roles.",
                ))
            }
            None => {
                return Err(bad(
                    i,
                    "role",
                    "is missing",
                    &format!("Set role to {ROLES}."),
                ))
            }
        };
        if !matches!(role, "system" | "developer" | "user" | "assistant" | "tool") {
            return Err(bad(
                i,
                "role",
                format!("\"{role}\" is not a chat role"),
                &format!("Use {ROLES}."),
            ));
        }
        let has_tool_calls =
            matches!(obj.get("tool_calls"), Some(Value::Array(a)) if !a.is_empty());
        match obj.get("content") {
            Some(Value::String(_)) => {}
            Some(Value::Null) | None if role == "assistant" && has_tool_calls => {}
            Some(Value::Null) | None => {
                return Err(bad(
                    i,
                    "content",
                    "is missing or null",
                    "Only an assistant message with tool_calls may omit content.",
                ))
            }
            Some(Value::Array(parts)) => {
                if parts.is_empty() {
                    return Err(bad(
                        i,
                        "content",
                        "is an empty array",
                        "Give at least one content part, or a string.",
                    ));
                }
                for (j, p) in parts.iter().enumerate() {
                    validate_part(i, j, p, role)?;
                }
            }
            Some(other) => {
                return Err(bad(
                    i,
                    "content",
                    format!(
                        "must be a string or an array of parts, got {}",
                        type_name(other)
                    ),
                    "Use a string, or parts like { type: \"text\", text }.",
                ))
            }
        }
        if let Some(v) = obj.get("name") {
            if !v.is_string() {
                return Err(bad(
                    i,
                    "name",
                    format!("must be a string, got {}", type_name(v)),
                    "Omit name or give a string.",
                ));
            }
        }
        if role == "tool"
            && !matches!(obj.get("tool_call_id"), Some(Value::String(s)) if !s.is_empty())
        {
            return Err(bad(
                i,
                "tool_call_id",
                "is missing on a tool message",
                "A tool message answers a tool call: set tool_call_id to the call's id.",
            ));
        }
        if let Some(calls) = obj.get("tool_calls") {
            let calls = calls.as_array().ok_or_else(|| {
                bad(
                    i,
                    "tool_calls",
                    "must be an array",
                    "Use [{ id, type: \"function\", function: { name, arguments } }].",
                )
            })?;
            for (j, c) in calls.iter().enumerate() {
                let ok = c.get("id").map_or(false, Value::is_string)
                    && c.get("function")
                        .and_then(|f| f.get("name"))
                        .map_or(false, Value::is_string)
                    && c.get("function")
                        .and_then(|f| f.get("arguments"))
                        .map_or(false, Value::is_string);
                if !ok {
                    return Err(bad(
                        i,
                        &format!("tool_calls[{j}]"),
                        "needs id, function.name and function.arguments (a JSON string)",
                        "Copy tool calls back exactly as the model returned them.",
                    ));
                }
            }
        }
    }
    Ok(())
}

fn validate_part(i: usize, j: usize, p: &Value, role: &str) -> Result<()> {
    let field = format!("content[{j}]");
    let kind = p.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "text" => {
            if !p.get("text").map_or(false, Value::is_string) {
                return Err(bad(
                    i,
                    &format!("{field}.text"),
                    "must be a string",
                    "A text part is { type: \"text\", text: \"...\" }.",
                ));
            }
        }
        "image_url" => {
            if role != "user" {
                return Err(bad(
                    i,
                    &field,
                    format!("an image part in a {role} message"),
                    "Images go in user messages.",
                ));
            }
            let url = p
                .get("image_url")
                .and_then(|u| u.get("url"))
                .and_then(Value::as_str)
                .unwrap_or("");
            if !(url.starts_with("https://")
                || url.starts_with("http://")
                || url.starts_with("data:image/"))
            {
                return Err(bad(
                    i,
                    &format!("{field}.image_url.url"),
                    "must be an http(s) URL or a data:image/... URL",
                    "Use getAnswerWithVision to send bytes or Blobs; it encodes them for you.",
                ));
            }
            if let Some(d) = p.get("image_url").and_then(|u| u.get("detail")) {
                if !matches!(d.as_str(), Some("auto" | "low" | "high")) {
                    return Err(bad(
                        i,
                        &format!("{field}.image_url.detail"),
                        "must be \"auto\", \"low\" or \"high\"",
                        "Omit detail to let the service choose.",
                    ));
                }
            }
        }
        "input_audio" => {
            let a = p.get("input_audio");
            let ok = a
                .and_then(|a| a.get("data"))
                .map_or(false, Value::is_string)
                && matches!(
                    a.and_then(|a| a.get("format")).and_then(Value::as_str),
                    Some("wav" | "mp3")
                );
            if !ok {
                return Err(bad(
                    i,
                    &field,
                    "input_audio needs base64 data and format \"wav\" or \"mp3\"",
                    "An audio part is { type: \"input_audio\", input_audio: { data, format } }.",
                ));
            }
        }
        "" => {
            return Err(bad(
                i,
                &format!("{field}.type"),
                "is missing",
                "Use \"text\", \"image_url\" or \"input_audio\".",
            ))
        }
        other => {
            return Err(bad(
                i,
                &format!("{field}.type"),
                format!("\"{other}\" is not a content part type"),
                "Use \"text\", \"image_url\" or \"input_audio\".",
            ))
        }
    }
    Ok(())
}

/// Validates already-typed messages (the Rust API), with the same rules as the JSON path.
pub fn validate_messages(messages: &[Message]) -> Result<()> {
    let value = serde_json::to_value(messages)
        .map_err(|e| LlmError::invalid_input(format!("messages: {e}"), "Check the messages."))?;
    validate_messages_value(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_msg(json: &str) -> String {
        parse_messages(json).unwrap_err().message
    }

    #[test]
    fn accepts_the_openai_shapes() {
        let m = parse_messages(
            r#"[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA==","detail":"low"}}]},
               {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
               {"role":"tool","tool_call_id":"c1","content":"42"}]"#,
        )
        .unwrap();
        assert_eq!(m.len(), 4);
        assert_eq!(m[1].text(), "hi");
    }

    #[test]
    fn names_the_first_bad_message_and_field() {
        assert_eq!(
            code_msg(r#"[{"role":"user","content":"a"},{"role":"bot","content":"b"}]"#),
            "messages[1].role: \"bot\" is not a chat role"
        );
        assert_eq!(
            code_msg(r#"[{"role":"user"}]"#),
            "messages[0].content: is missing or null"
        );
        assert!(code_msg(
            r#"[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x"}}]}]"#
        )
        .starts_with("messages[0].content[0].image_url.url"));
        assert!(
            code_msg(r#"[{"role":"tool","content":"x"}]"#).starts_with("messages[0].tool_call_id")
        );
        assert_eq!(code_msg("[]"), "messages is empty");
        assert!(code_msg(r#"{"role":"user"}"#).starts_with("messages must be an array"));
    }
}
