//! Deserialization of the schema's structs, keeping unknown fields in `extra`.
//!
//! serde's `#[serde(flatten)]` would do the same, but it first buffers every object into an intermediate tree
//! and then deserializes from that, parsing each session twice. These visitors read each field once, straight
//! into its type; a field they do not know goes to `extra` as a `serde_json::Value`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::{Annotations, Attachment, Extra, Message, Meta, Session, ToolCall, Usage};

/// A map key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// Implements `Deserialize` for a struct whose unknown fields go to `extra`.
///
/// `required` fields must be present; `optional` ones default when absent. Each entry is `field: "json key"`.
macro_rules! deserialize_with_extra {
    ($ty:ident, $what:literal,
     required { $($req:ident : $req_key:literal),* $(,)? }
     optional { $($opt:ident : $opt_key:literal),* $(,)? }) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($what)
                    }
                    #[allow(non_snake_case)]
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$ty, A::Error> {
                        $(let mut $req = None;)*
                        $(let mut $opt = None;)*
                        let mut extra = Extra::new();
                        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                            match key.as_ref() {
                                $($req_key => {
                                    if $req.is_some() {
                                        return Err(de::Error::duplicate_field($req_key));
                                    }
                                    $req = Some(map.next_value()?);
                                })*
                                $($opt_key => {
                                    if $opt.is_some() {
                                        return Err(de::Error::duplicate_field($opt_key));
                                    }
                                    $opt = Some(map.next_value()?);
                                })*
                                _ => {
                                    let value = map.next_value()?;
                                    extra.insert(key.into_owned(), value);
                                }
                            }
                        }
                        Ok($ty {
                            $($req: $req.ok_or_else(|| de::Error::missing_field($req_key))?,)*
                            $($opt: $opt.unwrap_or_default(),)*
                            extra,
                        })
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}

deserialize_with_extra!(Session, "a session object",
    required { meta: "meta" }
    optional { messages: "messages" });

deserialize_with_extra!(Meta, "a meta object",
required { source_agent: "source_agent", session_id: "session_id", schema_version: "schema_version" }
optional {
    project_hash: "project_hash", start_time: "start_time", end_time: "end_time",
    quality_score: "quality_score", parent_session_id: "parent_session_id", title: "title", model: "model",
    project_path: "project_path", git_branch: "git_branch", agent_version: "agent_version", usage: "usage",
    scrub: "scrub", tags: "tags",
});

deserialize_with_extra!(Usage, "a usage object",
required {}
optional {
    input_tokens: "input_tokens", output_tokens: "output_tokens", cache_read_tokens: "cache_read_tokens",
    cache_write_tokens: "cache_write_tokens", reasoning_tokens: "reasoning_tokens",
});

deserialize_with_extra!(Message, "a message object",
required { index: "index", role: "role" }
optional {
    content: "content", timestamp: "timestamp", annotations: "annotations", model: "model", kind: "kind",
    attachments: "attachments",
});

deserialize_with_extra!(Annotations, "an annotations object",
    required {}
    optional { file_refs: "file_refs", tool_calls: "tool_calls", thinking: "thinking" });

deserialize_with_extra!(ToolCall, "a tool call object",
    required { name: "name" }
    optional { id: "id", args: "args", result: "result", is_error: "is_error" });

deserialize_with_extra!(Attachment, "an attachment object",
    required { kind: "type" }
    optional { media_type: "media_type", name: "name", bytes: "bytes", sha256: "sha256" });
