//! Messages in the OpenAI wire format (snake_case, as users paste them), read and checked
//! in one pass so an error can name the first bad message and field.

use super::error::{LlmError, Result};
use crate::prelude::*;
use crate::wire::json::{JResult, Json, JsonError, JsonWriter, Kind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    System,
    Developer,
    User,
    Assistant,
    Tool,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::Developer => "developer",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
    fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "system" => Role::System,
            "developer" => Role::Developer,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "tool" => Role::Tool,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImageUrl {
    pub url: String,
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct InputAudio {
    pub data: String,
    pub format: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ContentPart {
    Text { text: String },
    ImageUrl { image_url: ImageUrl },
    InputAudio { input_audio: InputAudio },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    Text(String),
    Parts(Vec<ContentPart>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionCall {
    pub name: String,
    pub arguments: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolCall {
    pub id: String,
    pub kind: String,
    pub function: FunctionCall,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: Option<Content>,
    pub name: Option<String>,
    pub tool_calls: Option<Vec<ToolCall>>,
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

    /// Writes the message in the wire format.
    pub fn write(&self, w: &mut JsonWriter) {
        w.begin_obj()
            .key("role")
            .str(self.role.as_str())
            .key("content");
        match &self.content {
            None => w.null(),
            Some(Content::Text(t)) => w.str(t),
            Some(Content::Parts(parts)) => {
                w.begin_arr();
                for p in parts {
                    w.begin_obj();
                    match p {
                        ContentPart::Text { text } => {
                            w.key("type").str("text").key("text").str(text)
                        }
                        ContentPart::ImageUrl { image_url } => {
                            w.key("type")
                                .str("image_url")
                                .key("image_url")
                                .begin_obj()
                                .key("url")
                                .str(&image_url.url);
                            w.opt_str("detail", image_url.detail.as_deref()).end_obj()
                        }
                        ContentPart::InputAudio { input_audio } => w
                            .key("type")
                            .str("input_audio")
                            .key("input_audio")
                            .begin_obj()
                            .key("data")
                            .str(&input_audio.data)
                            .key("format")
                            .str(&input_audio.format)
                            .end_obj(),
                    };
                    w.end_obj();
                }
                w.end_arr()
            }
        };
        w.opt_str("name", self.name.as_deref());
        if let Some(calls) = &self.tool_calls {
            w.key("tool_calls");
            write_tool_calls(w, calls);
        }
        w.opt_str("tool_call_id", self.tool_call_id.as_deref());
        w.end_obj();
    }
}

/// Tool calls in the wire format (they are the same in requests and in our answers).
pub fn write_tool_calls(w: &mut JsonWriter, calls: &[ToolCall]) {
    w.begin_arr();
    for c in calls {
        w.begin_obj()
            .key("id")
            .str(&c.id)
            .key("type")
            .str(&c.kind)
            .key("function")
            .begin_obj();
        w.key("name")
            .str(&c.function.name)
            .key("arguments")
            .str(&c.function.arguments);
        w.end_obj().end_obj();
    }
    w.end_arr();
}

pub fn write_messages(w: &mut JsonWriter, messages: &[Message]) {
    w.begin_arr();
    for m in messages {
        m.write(w);
    }
    w.end_arr();
}

const ROLES: &str = "\"system\", \"developer\", \"user\", \"assistant\" or \"tool\"";

fn bad(index: usize, field: &str, what: impl Into<String>, hint: &str) -> LlmError {
    LlmError::invalid_input(format!("messages[{index}].{field}: {}", what.into()), hint)
}

/// Reads messages from JSON (as JSON.stringify gives them), naming the first bad message
/// and field. Unknown message fields are ignored, as the service ignores them.
pub fn parse_messages(json: &str) -> Result<Vec<Message>> {
    let not_json = |e: JsonError| {
        LlmError::invalid_input(
            format!("messages are not valid JSON: {e}"),
            "Pass an array of { role, content } objects.",
        )
    };
    let mut p = Json::new(json);
    match p.kind() {
        Ok(Kind::Array) => {}
        Ok(k) => {
            return Err(LlmError::invalid_input(
                format!("messages must be an array, got {}", k.name()),
                "Pass an array like [{ role: \"user\", content: \"Hello\" }].",
            ))
        }
        Err(_) if json.trim().is_empty() => {
            return Err(LlmError::invalid_input(
                "messages must be an array, got nothing",
                "Pass an array like [{ role: \"user\", content: \"Hello\" }].",
            ))
        }
        Err(e) => return Err(not_json(e)),
    }
    let mut out = Vec::new();
    let mut failure: Option<LlmError> = None;
    let walked = p.arr(|p, i| match read_message(p, i) {
        Ok(m) => {
            out.push(m);
            Ok(())
        }
        Err(Ok(e)) => {
            failure = Some(e);
            Err(JsonError {
                pos: 0,
                what: "invalid message",
            })
        }
        Err(Err(e)) => Err(e),
    });
    if let Some(e) = failure {
        return Err(e);
    }
    walked.and_then(|_| p.end()).map_err(not_json)?;
    if out.is_empty() {
        return Err(LlmError::invalid_input(
            "messages is empty",
            "Pass at least one message, e.g. [{ role: \"user\", content: \"Hello\" }].",
        ));
    }
    Ok(out)
}

/// Err(Ok(_)): a bad message (stop and report it); Err(Err(_)): not JSON.
type Read<T> = core::result::Result<T, core::result::Result<LlmError, JsonError>>;

fn invalid<T>(e: LlmError) -> Read<T> {
    Err(Ok(e))
}

/// Runs a JSON read, keeping a message error found inside it.
fn within<T>(slot: &mut Option<LlmError>, r: JResult<T>) -> Read<T> {
    match (slot.take(), r) {
        (Some(e), _) => Err(Ok(e)),
        (None, Ok(v)) => Ok(v),
        (None, Err(e)) => Err(Err(e)),
    }
}

fn expect_string(p: &mut Json, i: usize, field: &str, hint: &str) -> Read<String> {
    match p.kind().map_err(Err)? {
        Kind::String => Ok(p.str().map_err(Err)?.into_owned()),
        k => invalid(bad(
            i,
            field,
            format!("must be a string, got {}", k.name()),
            hint,
        )),
    }
}

fn read_message(p: &mut Json, i: usize) -> Read<Message> {
    let k = p.kind().map_err(Err)?;
    if k != Kind::Object {
        return invalid(LlmError::invalid_input(
            format!("messages[{i}] must be an object, got {}", k.name()),
            "Each message is { role, content }.",
        ));
    }
    let mut role: Option<String> = None;
    let mut content: Option<Content> = None;
    let mut content_seen = false;
    let mut name = None;
    let mut tool_calls = None;
    let mut tool_call_id = None;
    let mut err: Option<LlmError> = None;
    let r = p.obj(|p, key| {
        let step: Read<()> = (|| {
            match key.as_ref() {
                "role" => {
                    role = Some(expect_string(
                        p,
                        i,
                        "role",
                        &format!("Use one of {ROLES}."),
                    )?)
                }
                "content" => {
                    content_seen = true;
                    content = match p.kind().map_err(Err)? {
                        Kind::Null => {
                            p.skip().map_err(Err)?;
                            None
                        }
                        Kind::String => Some(Content::Text(p.str().map_err(Err)?.into_owned())),
                        Kind::Array => Some(Content::Parts(read_parts(p, i)?)),
                        k => {
                            return invalid(bad(
                                i,
                                "content",
                                format!("must be a string or an array of parts, got {}", k.name()),
                                "Use a string, or parts like { type: \"text\", text }.",
                            ))
                        }
                    }
                }
                "name" => name = Some(expect_string(p, i, "name", "Omit name or give a string.")?),
                "tool_call_id" => {
                    tool_call_id = Some(expect_string(
                        p,
                        i,
                        "tool_call_id",
                        "Set tool_call_id to the id of the call this answers.",
                    )?)
                }
                "tool_calls" => tool_calls = Some(read_tool_calls(p, i)?),
                _ => p.skip().map_err(Err)?,
            }
            Ok(())
        })();
        match step {
            Ok(()) => Ok(()),
            Err(Ok(e)) => {
                err = Some(e);
                Err(JsonError {
                    pos: 0,
                    what: "invalid message",
                })
            }
            Err(Err(e)) => Err(e),
        }
    });
    within(&mut err, r)?;
    let role = match role {
        None => {
            return invalid(bad(
                i,
                "role",
                "is missing",
                &format!("Set role to {ROLES}."),
            ))
        }
        Some(r) => match Role::parse(&r) {
            Some(r) => r,
            None => {
                return invalid(bad(
                    i,
                    "role",
                    format!("\"{r}\" is not a chat role"),
                    &format!("Use {ROLES}."),
                ))
            }
        },
    };
    let tool_calls: Option<Vec<ToolCall>> = tool_calls.filter(|c: &Vec<ToolCall>| !c.is_empty());
    match &content {
        Some(Content::Parts(parts)) => {
            if parts.is_empty() {
                return invalid(bad(
                    i,
                    "content",
                    "is an empty array",
                    "Give at least one content part, or a string.",
                ));
            }
            for (j, part) in parts.iter().enumerate() {
                if let ContentPart::ImageUrl { .. } = part {
                    if role != Role::User {
                        return invalid(bad(
                            i,
                            &format!("content[{j}]"),
                            format!("an image part in a {} message", role.as_str()),
                            "Images go in user messages.",
                        ));
                    }
                }
            }
        }
        Some(Content::Text(_)) => {}
        None if role == Role::Assistant && tool_calls.is_some() => {}
        None => {
            let _ = content_seen;
            return invalid(bad(
                i,
                "content",
                "is missing or null",
                "Only an assistant message with tool_calls may omit content.",
            ));
        }
    }
    if role == Role::Tool && tool_call_id.as_deref().map_or(true, str::is_empty) {
        return invalid(bad(
            i,
            "tool_call_id",
            "is missing on a tool message",
            "A tool message answers a tool call: set tool_call_id to the call's id.",
        ));
    }
    Ok(Message {
        role,
        content,
        name,
        tool_calls,
        tool_call_id,
    })
}

fn read_parts(p: &mut Json, i: usize) -> Read<Vec<ContentPart>> {
    let mut parts = Vec::new();
    let mut err: Option<LlmError> = None;
    let r = p.arr(|p, j| match read_part(p, i, j) {
        Ok(part) => {
            parts.push(part);
            Ok(())
        }
        Err(Ok(e)) => {
            err = Some(e);
            Err(JsonError {
                pos: 0,
                what: "invalid part",
            })
        }
        Err(Err(e)) => Err(e),
    });
    within(&mut err, r)?;
    Ok(parts)
}

fn read_part(p: &mut Json, i: usize, j: usize) -> Read<ContentPart> {
    let field = format!("content[{j}]");
    if p.kind().map_err(Err)? != Kind::Object {
        return invalid(bad(
            i,
            &field,
            "must be an object",
            "A part is { type: \"text\", text } or { type: \"image_url\", image_url: { url } }.",
        ));
    }
    let mut kind: Option<String> = None;
    let mut text: Option<String> = None;
    let mut url: Option<String> = None;
    let mut detail: Option<String> = None;
    let mut detail_bad = false;
    let mut data: Option<String> = None;
    let mut format: Option<String> = None;
    let mut text_bad = false;
    let r = p.obj(|p, k| {
        match k.as_ref() {
            "type" if p.kind()? == Kind::String => kind = Some(p.str()?.into_owned()),
            "text" if p.kind()? == Kind::String => text = Some(p.str()?.into_owned()),
            "text" => {
                text_bad = true;
                p.skip()?
            }
            "image_url" if p.kind()? == Kind::Object => p.obj(|p, k| {
                match k.as_ref() {
                    "url" if p.kind()? == Kind::String => url = Some(p.str()?.into_owned()),
                    "detail" if p.kind()? == Kind::String => detail = Some(p.str()?.into_owned()),
                    "detail" => {
                        detail_bad = true;
                        p.skip()?
                    }
                    _ => p.skip()?,
                }
                Ok(())
            })?,
            "input_audio" if p.kind()? == Kind::Object => p.obj(|p, k| {
                match k.as_ref() {
                    "data" if p.kind()? == Kind::String => data = Some(p.str()?.into_owned()),
                    "format" if p.kind()? == Kind::String => format = Some(p.str()?.into_owned()),
                    _ => p.skip()?,
                }
                Ok(())
            })?,
            _ => p.skip()?,
        }
        Ok(())
    });
    r.map_err(Err)?;
    match kind.as_deref() {
        Some("text") => match text {
            Some(text) if !text_bad => Ok(ContentPart::Text { text }),
            _ => invalid(bad(
                i,
                &format!("{field}.text"),
                "must be a string",
                "A text part is { type: \"text\", text: \"...\" }.",
            )),
        },
        Some("image_url") => {
            let url = url.unwrap_or_default();
            if !(url.starts_with("https://")
                || url.starts_with("http://")
                || url.starts_with("data:image/"))
            {
                return invalid(bad(
                    i,
                    &format!("{field}.image_url.url"),
                    "must be an http(s) URL or a data:image/... URL",
                    "Use getAnswerWithVision to send bytes or Blobs; it encodes them for you.",
                ));
            }
            if detail_bad || !matches!(detail.as_deref(), None | Some("auto" | "low" | "high")) {
                return invalid(bad(
                    i,
                    &format!("{field}.image_url.detail"),
                    "must be \"auto\", \"low\" or \"high\"",
                    "Omit detail to let the service choose.",
                ));
            }
            Ok(ContentPart::ImageUrl {
                image_url: ImageUrl { url, detail },
            })
        }
        Some("input_audio") => match (data, format.as_deref()) {
            (Some(data), Some(f @ ("wav" | "mp3"))) => Ok(ContentPart::InputAudio {
                input_audio: InputAudio {
                    data,
                    format: f.to_string(),
                },
            }),
            _ => invalid(bad(
                i,
                &field,
                "input_audio needs base64 data and format \"wav\" or \"mp3\"",
                "An audio part is { type: \"input_audio\", input_audio: { data, format } }.",
            )),
        },
        None => invalid(bad(
            i,
            &format!("{field}.type"),
            "is missing",
            "Use \"text\", \"image_url\" or \"input_audio\".",
        )),
        Some(other) => invalid(bad(
            i,
            &format!("{field}.type"),
            format!("\"{other}\" is not a content part type"),
            "Use \"text\", \"image_url\" or \"input_audio\".",
        )),
    }
}

fn read_tool_calls(p: &mut Json, i: usize) -> Read<Vec<ToolCall>> {
    if p.kind().map_err(Err)? != Kind::Array {
        return invalid(bad(
            i,
            "tool_calls",
            "must be an array",
            "Use [{ id, type: \"function\", function: { name, arguments } }].",
        ));
    }
    let mut calls = Vec::new();
    let mut broken: Option<usize> = None;
    p.arr(|p, j| {
        let mut id = None;
        let mut kind = None;
        let mut name = None;
        let mut arguments = None;
        if p.kind()? != Kind::Object {
            broken.get_or_insert(j);
            return p.skip();
        }
        p.obj(|p, k| {
            match k.as_ref() {
                "id" if p.kind()? == Kind::String => id = Some(p.str()?.into_owned()),
                "type" if p.kind()? == Kind::String => kind = Some(p.str()?.into_owned()),
                "function" if p.kind()? == Kind::Object => p.obj(|p, k| {
                    match k.as_ref() {
                        "name" if p.kind()? == Kind::String => name = Some(p.str()?.into_owned()),
                        "arguments" if p.kind()? == Kind::String => {
                            arguments = Some(p.str()?.into_owned())
                        }
                        _ => p.skip()?,
                    }
                    Ok(())
                })?,
                _ => p.skip()?,
            }
            Ok(())
        })?;
        match (id, name, arguments) {
            (Some(id), Some(name), Some(arguments)) => calls.push(ToolCall {
                id,
                kind: kind.unwrap_or_else(|| "function".into()),
                function: FunctionCall { name, arguments },
            }),
            _ => {
                broken.get_or_insert(j);
            }
        }
        Ok(())
    })
    .map_err(Err)?;
    if let Some(j) = broken {
        return invalid(bad(
            i,
            &format!("tool_calls[{j}]"),
            "needs id, function.name and function.arguments (a JSON string)",
            "Copy tool calls back exactly as the model returned them.",
        ));
    }
    Ok(calls)
}

/// Checks typed messages (the Rust API) by the same rules as the JSON path.
pub fn validate_messages(messages: &[Message]) -> Result<()> {
    let mut w = JsonWriter::new();
    write_messages(&mut w, messages);
    parse_messages(&w.finish()).map(|_| ())
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
