//! A Parquet shard of sessions for the Hugging Face Hub, whose dataset viewer and `datasets` library read
//! Parquet natively. One row per session: the `meta` fields people filter on as columns, `messages` as a list
//! of `{role, content, timestamp, kind, thinking, tool_calls}` (the shape chat fine-tuning expects), tool calls
//! as JSON text, and the whole `meta` as JSON text so nothing of v1 is lost.
//!
//! Written with parquet's column API (no arrow): rows are buffered as columns and flushed as a row group every
//! [`ROW_GROUP_BYTES`], so memory is bounded by the row group, not the shard.

use std::fs::File;
use std::sync::Arc;

use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, DataType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::parser::parse_message_type;

use crate::schema::Session;

/// The Parquet schema of a shard. Leaf order here is the order columns are written in `flush`.
pub const SCHEMA: &str = "
message session {
  required binary source_agent (STRING);
  required binary session_id (STRING);
  optional binary parent_session_id (STRING);
  optional binary project_hash (STRING);
  optional binary title (STRING);
  optional binary model (STRING);
  optional int64 start_time;
  optional int64 end_time;
  optional double quality_score;
  optional group messages (LIST) {
    repeated group list {
      required group element {
        required binary role (STRING);
        required binary content (STRING);
        optional int64 timestamp;
        optional binary kind (STRING);
        optional binary thinking (STRING);
        optional binary tool_calls (STRING);
      }
    }
  }
  required binary meta (STRING);
}";

/// Text buffered before a row group is written.
const ROW_GROUP_BYTES: usize = 64 << 20;

// Definition levels (Dremel): a present optional top-level field is 1; in `messages` (optional list of
// required elements) an empty list is 1, a message 2, and a message's optional field present 3.
const LIST_EMPTY: i16 = 1;
const MESSAGE: i16 = 2;
const MESSAGE_FIELD: i16 = 3;

pub struct ParquetShard {
    writer: SerializedFileWriter<File>,
    rows: Rows,
}

impl ParquetShard {
    pub fn create(file: File) -> parquet::errors::Result<ParquetShard> {
        let schema = Arc::new(parse_message_type(SCHEMA)?);
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
            .set_created_by(format!("codercrucible {}", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(ParquetShard {
            writer: SerializedFileWriter::new(file, schema, Arc::new(props))?,
            rows: Rows::default(),
        })
    }

    pub fn push(&mut self, s: &Session) -> parquet::errors::Result<()> {
        self.rows.push(s);
        if self.rows.bytes >= ROW_GROUP_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes what is buffered and the footer.
    pub fn finish(mut self) -> parquet::errors::Result<()> {
        self.flush()?;
        self.writer.close()?;
        Ok(())
    }

    fn flush(&mut self) -> parquet::errors::Result<()> {
        if self.rows.count == 0 {
            return Ok(());
        }
        let r = std::mem::take(&mut self.rows);
        let mut g = self.writer.next_row_group()?;
        column::<ByteArrayType>(&mut g, &r.source_agent, None, None)?;
        column::<ByteArrayType>(&mut g, &r.session_id, None, None)?;
        for c in [&r.parent_session_id, &r.project_hash, &r.title, &r.model] {
            column::<ByteArrayType>(&mut g, &c.values, Some(&c.def), None)?;
        }
        for c in [&r.start_time, &r.end_time] {
            column::<Int64Type>(&mut g, &c.values, Some(&c.def), None)?;
        }
        let q = &r.quality_score;
        column::<DoubleType>(&mut g, &q.values, Some(&q.def), None)?;
        let (def, rep) = (Some(&r.message_def[..]), Some(&r.message_rep[..]));
        column::<ByteArrayType>(&mut g, &r.role, def, rep)?;
        column::<ByteArrayType>(&mut g, &r.content, def, rep)?;
        let ts = &r.timestamp;
        column::<Int64Type>(&mut g, &ts.values, Some(&ts.def), rep)?;
        for c in [&r.kind, &r.thinking, &r.tool_calls] {
            column::<ByteArrayType>(&mut g, &c.values, Some(&c.def), rep)?;
        }
        column::<ByteArrayType>(&mut g, &r.meta, None, None)?;
        g.close()?;
        Ok(())
    }
}

fn column<T: DataType>(
    g: &mut SerializedRowGroupWriter<'_, File>,
    values: &[T::T],
    def: Option<&[i16]>,
    rep: Option<&[i16]>,
) -> parquet::errors::Result<()> {
    let mut c = g
        .next_column()?
        .expect("the schema has a column for every buffer");
    c.typed::<T>().write_batch(values, def, rep)?;
    c.close()
}

/// Values of one optional column and their definition levels.
struct Optional<T> {
    values: Vec<T>,
    def: Vec<i16>,
}

impl<T> Default for Optional<T> {
    fn default() -> Self {
        Optional {
            values: Vec::new(),
            def: Vec::new(),
        }
    }
}

impl<T> Optional<T> {
    fn push(&mut self, v: Option<T>, present: i16, absent: i16) {
        match v {
            Some(v) => {
                self.values.push(v);
                self.def.push(present);
            }
            None => self.def.push(absent),
        }
    }
}

/// A row group being buffered, column by column.
#[derive(Default)]
struct Rows {
    count: usize,
    bytes: usize,
    source_agent: Vec<ByteArray>,
    session_id: Vec<ByteArray>,
    parent_session_id: Optional<ByteArray>,
    project_hash: Optional<ByteArray>,
    title: Optional<ByteArray>,
    model: Optional<ByteArray>,
    start_time: Optional<i64>,
    end_time: Optional<i64>,
    quality_score: Optional<f64>,
    message_def: Vec<i16>,
    message_rep: Vec<i16>,
    role: Vec<ByteArray>,
    content: Vec<ByteArray>,
    timestamp: Optional<i64>,
    kind: Optional<ByteArray>,
    thinking: Optional<ByteArray>,
    tool_calls: Optional<ByteArray>,
    meta: Vec<ByteArray>,
}

impl Rows {
    fn push(&mut self, s: &Session) {
        let text = |v: &str| ByteArray::from(v.as_bytes().to_vec());
        let opt = |v: &Option<String>| v.as_deref().map(text);
        let m = &s.meta;
        self.source_agent.push(text(&m.source_agent));
        self.session_id.push(text(&m.session_id));
        self.parent_session_id.push(opt(&m.parent_session_id), 1, 0);
        self.project_hash.push(opt(&m.project_hash), 1, 0);
        self.title.push(opt(&m.title), 1, 0);
        self.model.push(opt(&m.model), 1, 0);
        self.start_time.push(m.start_time, 1, 0);
        self.end_time.push(m.end_time, 1, 0);
        self.quality_score.push(m.quality_score, 1, 0);
        let meta = serde_json::to_vec(m).expect("meta serializes");
        self.bytes += meta.len();
        self.meta.push(ByteArray::from(meta));

        if s.messages.is_empty() {
            self.message_def.push(LIST_EMPTY);
            self.message_rep.push(0);
            for c in [&mut self.kind, &mut self.thinking, &mut self.tool_calls] {
                c.def.push(LIST_EMPTY);
            }
            self.timestamp.def.push(LIST_EMPTY);
        }
        for (i, msg) in s.messages.iter().enumerate() {
            self.message_def.push(MESSAGE);
            self.message_rep.push(if i == 0 { 0 } else { 1 });
            self.role.push(text(msg.role.as_str()));
            self.content.push(text(&msg.content));
            self.timestamp.push(msg.timestamp, MESSAGE_FIELD, MESSAGE);
            self.kind.push(opt(&msg.kind), MESSAGE_FIELD, MESSAGE);
            let thinking = msg.annotations.thinking.as_ref();
            self.thinking
                .push(thinking.map(|t| text(t)), MESSAGE_FIELD, MESSAGE);
            let calls = &msg.annotations.tool_calls;
            let calls = (!calls.is_empty())
                .then(|| ByteArray::from(serde_json::to_vec(calls).expect("tool calls serialize")));
            self.bytes += msg.content.len()
                + thinking.map_or(0, String::len)
                + calls.as_ref().map_or(0, ByteArray::len);
            self.tool_calls.push(calls, MESSAGE_FIELD, MESSAGE);
        }
        self.count += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Message, Meta, Role, ToolCall};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::{ListAccessor, RowAccessor};

    fn sessions() -> Vec<Session> {
        let mut a = Session::new(Meta::new("codex", "s1"));
        a.meta.title = Some("Fix the parser".into());
        a.meta.start_time = Some(1_700_000_000);
        a.meta.quality_score = Some(0.75);
        a.messages
            .push(Message::new(0, Role::User, "why does it fail?"));
        let mut reply = Message::new(1, Role::Assistant, "Because of CRLF.");
        reply.timestamp = Some(1_700_000_010);
        reply.annotations.thinking = Some("look at line endings".into());
        reply.annotations.tool_calls.push(ToolCall {
            id: Some("c1".into()),
            name: "shell".into(),
            args: serde_json::json!({"cmd": "file x.csv"}),
            result: Some("CRLF line terminators".into()),
            is_error: Some(false),
            extra: Default::default(),
        });
        a.messages.push(reply);
        let empty = Session::new(Meta::new("aider", "s2"));
        let mut c = Session::new(Meta::new("gemini", "s3"));
        c.messages.push(Message::new(0, Role::User, "ünïcödé ✓"));
        vec![a, empty, c]
    }

    #[test]
    fn sessions_read_back_row_by_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.parquet");
        let mut w = ParquetShard::create(File::create(&path).unwrap()).unwrap();
        for s in sessions() {
            w.push(&s).unwrap();
        }
        w.finish().unwrap();

        let r = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        assert_eq!(r.metadata().file_metadata().num_rows(), 3);
        let rows: Vec<_> = r.get_row_iter(None).unwrap().map(Result::unwrap).collect();
        assert_eq!(rows[0].get_string(0).unwrap(), "codex");
        assert_eq!(rows[0].get_string(4).unwrap(), "Fix the parser");
        assert_eq!(rows[0].get_long(6).unwrap(), 1_700_000_000);
        assert_eq!(rows[0].get_double(8).unwrap(), 0.75);
        let msgs = rows[0].get_list(9).unwrap();
        assert_eq!(msgs.len(), 2);
        let reply = msgs.get_group(1).unwrap();
        assert_eq!(reply.get_string(0).unwrap(), "assistant");
        assert_eq!(reply.get_string(1).unwrap(), "Because of CRLF.");
        assert_eq!(reply.get_long(2).unwrap(), 1_700_000_010);
        assert_eq!(reply.get_string(4).unwrap(), "look at line endings");
        let calls: serde_json::Value = serde_json::from_str(reply.get_string(5).unwrap()).unwrap();
        assert_eq!(calls[0]["result"], "CRLF line terminators");
        let first = msgs.get_group(0).unwrap();
        assert!(first.get_long(2).is_err(), "no timestamp is null");

        assert_eq!(rows[1].get_string(1).unwrap(), "s2");
        assert_eq!(rows[1].get_list(9).unwrap().len(), 0);
        let meta: serde_json::Value =
            serde_json::from_str(rows[1].get_string(10).unwrap()).unwrap();
        assert_eq!(meta["source_agent"], "aider");
        let third = rows[2].get_list(9).unwrap();
        assert_eq!(
            third.get_group(0).unwrap().get_string(1).unwrap(),
            "ünïcödé ✓"
        );
    }
}
