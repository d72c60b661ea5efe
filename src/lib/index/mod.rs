//! The search index: a tantivy directory holding one document per message chunk (see [`document`]),
//! written by `cc-index` and read by `cc-grep`.
//!
//! tantivy provides storage, postings, positions, field lengths and atomic commits; ranking is our own
//! BM25F ([`bm25f`]) computed over those postings, because tantivy's scorer is BM25 per field and summing
//! per-field BM25 saturates each field separately, which is exactly what BM25F exists to avoid.

pub mod bm25f;
pub mod docbits;
pub mod docstore;
pub mod document;
pub mod rebuild;
pub mod schema;
pub mod tokenizer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::indexer::{NoMergePolicy, UserOperation};
use tantivy::schema::Term;
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::SegmentMeta;
use tantivy::{Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, TantivyDocument};

use crate::code::CodeFacts;
use crate::schema::Session;

use schema::Fields;

/// Bumped whenever the schema, tokenizer or document layout changes.
pub const FORMAT_VERSION: u32 = 5;
const FORMAT_FILE: &str = "codercrucible-index-format";
/// tree-sitter facts by content hash, kept from run to run (see [`crate::code::facts::FactCache`]).
const FACTS_FILE: &str = "codercrucible-code-facts";

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("no index at {0}: build one with `cc-extract --all | cc-index`")]
    Missing(PathBuf),
    #[error("index at {dir} has format {found}, this version reads format {FORMAT_VERSION}: rebuild it with `cc-extract --all | cc-index --rebuild`")]
    Version { dir: PathBuf, found: String },
    #[error("index at {0}: {1}")]
    Tantivy(PathBuf, #[source] tantivy::TantivyError),
    #[error("index at {0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
}

/// `$XDG_DATA_HOME/codercrucible/index`, else `~/.local/share/codercrucible/index`.
pub fn default_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        })?;
    Some(base.join("codercrucible").join("index"))
}

/// FNV-1a: stable across builds and platforms, which `std`'s hasher is not, so it can live on disk.
pub fn hash64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

pub fn session_key(agent: &str, id: &str) -> String {
    format!("{agent}\u{1f}{id}")
}

/// What the format file says, or None when the directory holds no index.
pub fn found_format(dir: &Path) -> Option<String> {
    if !dir.join("meta.json").exists() {
        return None;
    }
    Some(
        std::fs::read_to_string(dir.join(FORMAT_FILE))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into()),
    )
}

fn register(index: &Index) {
    index
        .tokenizers()
        .register(schema::TOKENIZER, tokenizer::CodeTokenizer::default());
    index
        .tokenizers()
        .register(schema::KEY_TOKENIZER, tokenizer::KeyTokenizer::default());
}

/// Documents handed to the writer and not yet taken by an indexing thread, at most (beyond one
/// session's). tantivy's queue holds 10 000 batches, and a batch here is a whole session: without this
/// bound, memory would grow with the sessions' size.
const IN_FLIGHT_DOCS: u64 = 8192;

/// An open index with its field handles.
pub struct Store {
    pub dir: PathBuf,
    pub index: Index,
    pub fields: Fields,
}

impl Store {
    /// Opens an index for reading; a missing index or another format is an error.
    pub fn open(dir: &Path) -> Result<Store, IndexError> {
        match found_format(dir) {
            None => return Err(IndexError::Missing(dir.to_path_buf())),
            Some(f) if f != FORMAT_VERSION.to_string() => {
                return Err(IndexError::Version {
                    dir: dir.to_path_buf(),
                    found: f,
                })
            }
            Some(_) => {}
        }
        let index =
            Index::open_in_dir(dir).map_err(|e| IndexError::Tantivy(dir.to_path_buf(), e))?;
        register(&index);
        let (_, fields) = schema::build();
        Ok(Store {
            dir: dir.to_path_buf(),
            index,
            fields,
        })
    }

    /// Creates an empty index in `dir`, which must not hold one.
    pub fn create(dir: &Path) -> Result<Store, IndexError> {
        let io = |e| IndexError::Io(dir.to_path_buf(), e);
        std::fs::create_dir_all(dir).map_err(io)?;
        let (schema, fields) = schema::build();
        // zstd stores the snippet text in about 60 % of what lz4 needs; the store is the largest part
        // of the index and is read only for the few hits shown. Level 9 makes it 6 % smaller than
        // level 3 for 10 % more indexing time; decompression costs the same. Larger blocks would
        // shrink it more but cost every hit shown a longer decompression.
        let settings = IndexSettings {
            docstore_compression: Compressor::Zstd(ZstdCompressor {
                compression_level: Some(9),
            }),
            docstore_blocksize: 32 * 1024,
            ..IndexSettings::default()
        };
        let index = Index::builder()
            .schema(schema)
            .settings(settings)
            .create_in_dir(dir)
            .map_err(|e| IndexError::Tantivy(dir.to_path_buf(), e))?;
        std::fs::write(dir.join(FORMAT_FILE), format!("{FORMAT_VERSION}\n")).map_err(io)?;
        register(&index);
        Ok(Store {
            dir: dir.to_path_buf(),
            index,
            fields,
        })
    }

    pub fn reader(&self) -> Result<IndexReader, IndexError> {
        self.index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| IndexError::Tantivy(self.dir.clone(), e))
    }

    /// A writer; code facts cached by the index at `facts_from` (this one, or the one being rebuilt)
    /// are reused.
    pub fn writer(&self, threads: usize, facts_from: &Path) -> Result<Writer, IndexError> {
        let threads = threads.clamp(1, 8);
        let keys = tokenizer::KeyTokenizer::default();
        let taken = keys.taken.clone();
        self.index
            .tokenizers()
            .register(schema::KEY_TOKENIZER, keys);
        let tantivy = |e| IndexError::Tantivy(self.dir.clone(), e);
        let writer: IndexWriter = self
            .index
            .writer_with_num_threads(threads, 64 * 1024 * 1024 * threads)
            .map_err(tantivy)?;
        // Merging while adding rewrites each document once per level of the merge tree; one merge of
        // this run's segments at the end (see `commit`) writes each once.
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let before = self.index.searchable_segment_ids().map_err(tantivy)?;
        Ok(Writer {
            writer,
            builder: DocumentBuilder {
                fields: self.fields.clone(),
                facts: CodeFacts::load(&facts_from.join(FACTS_FILE)),
            },
            dir: self.dir.clone(),
            sent: AtomicU64::new(0),
            taken,
            before,
        })
    }
}

/// Adds sessions; nothing is visible to readers until [`Writer::commit`], so a killed run leaves the
/// last committed index as it was.
pub struct Writer {
    writer: IndexWriter,
    pub builder: DocumentBuilder,
    dir: PathBuf,
    /// Documents handed to tantivy, and taken by its indexing threads.
    sent: AtomicU64,
    taken: Arc<AtomicU64>,
    /// The segments the index had before this run.
    before: Vec<SegmentId>,
}

/// Turns sessions into tantivy documents; shared by the threads that prepare them.
pub struct DocumentBuilder {
    fields: Fields,
    facts: CodeFacts,
}

impl DocumentBuilder {
    /// The tantivy documents for a session.
    pub fn documents(&self, s: &Session) -> Vec<TantivyDocument> {
        let f = &self.fields;
        let skey = session_key(&s.meta.source_agent, &s.meta.session_id);
        let title = s.meta.title.as_deref().unwrap_or("");
        let project: String = [
            s.meta.project_hash.as_deref(),
            s.meta.project_path.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        document::session_docs(s, &self.facts)
            .into_iter()
            .enumerate()
            .map(|(back, d)| {
                let mut doc = TantivyDocument::default();
                for (i, texts) in d.fields.iter().enumerate() {
                    for t in texts {
                        doc.add_text(f.scored[i], t);
                    }
                    if !texts.is_empty() {
                        doc.add_text(f.has, schema::SCORED[i].0);
                    }
                }
                doc.add_text(f.skey, &skey);
                doc.add_u64(f.back, back as u64);
                doc.add_text(f.agent, s.meta.source_agent.to_lowercase());
                if let Some(r) = d.role {
                    doc.add_text(f.role, r.as_str());
                }
                for l in &d.langs {
                    doc.add_text(f.lang, l);
                }
                for t in &d.tools {
                    doc.add_text(f.toolname, t);
                }
                for (field, vals) in [(f.def, &d.defs), (f.call, &d.calls), (f.import, &d.imports)]
                {
                    if !vals.is_empty() {
                        doc.add_text(field, vals.join("\n"));
                    }
                }
                if !project.is_empty() {
                    doc.add_text(f.project, &project);
                }
                if let Some(ts) = d.ts {
                    doc.add_i64(f.ts, ts);
                }
                let head = d.msg == schema::SESSION_DOC;
                doc.add_u64(f.msg, if head { 0 } else { d.msg });
                if head {
                    doc.add_text(f.session_id, &s.meta.session_id);
                    doc.add_text(f.source_agent, &s.meta.source_agent);
                    if !title.is_empty() {
                        doc.add_text(f.title_stored, title);
                    }
                }
                if !d.text.is_empty() {
                    doc.add_text(f.text, &d.text);
                }
                doc
            })
            .collect()
    }
}

impl Writer {
    /// Replaces any earlier copy of the session with key `skey` (see [`session_key`]) with these
    /// documents, which the index keeps together, in order (see [`schema::Fields::back`]).
    pub fn replace(&self, skey: &str, docs: Vec<TantivyDocument>) -> Result<(), IndexError> {
        let delete = UserOperation::Delete(Term::from_field_text(self.builder.fields.skey, skey));
        let n = docs.len() as u64;
        let mut ops = Vec::with_capacity(docs.len() + 1);
        ops.push(delete);
        ops.extend(docs.into_iter().map(UserOperation::Add));
        self.writer
            .run(ops)
            .map_err(|e| IndexError::Tantivy(self.dir.clone(), e))?;
        let sent = self.sent.fetch_add(n, Ordering::Relaxed) + n;
        self.wait_for_room(sent);
        Ok(())
    }

    /// Waits until the indexing threads have taken all but [`IN_FLIGHT_DOCS`] of the `sent` documents.
    /// If they make no progress for seconds (one enormous document, or a thread that failed, which the
    /// next call or the commit reports), it stops waiting rather than hang.
    fn wait_for_room(&self, sent: u64) {
        let mut last = self.taken.load(Ordering::Relaxed);
        let mut since = std::time::Instant::now();
        while sent.saturating_sub(last) > IN_FLIGHT_DOCS {
            std::thread::sleep(std::time::Duration::from_micros(500));
            let now = self.taken.load(Ordering::Relaxed);
            if now != last {
                last = now;
                since = std::time::Instant::now();
            } else if since.elapsed() > std::time::Duration::from_secs(5) {
                return;
            }
        }
    }

    /// Makes everything added so far visible, atomically, then merges this run's segments, with the
    /// older ones that are smaller or hold many deleted (replaced) documents, into one. A run killed
    /// during the merge leaves the committed index: the merge is published only when complete.
    pub fn commit(mut self) -> Result<(), IndexError> {
        let dir = self.dir.clone();
        let tantivy = |e| IndexError::Tantivy(dir.clone(), e);
        self.writer.commit().map_err(tantivy)?;
        let metas = self
            .writer
            .index()
            .searchable_segment_metas()
            .map_err(tantivy)?;
        let is_new = |m: &SegmentMeta| !self.before.contains(&m.id());
        let largest_new = metas
            .iter()
            .filter(|m| is_new(m))
            .map(SegmentMeta::max_doc)
            .max()
            .unwrap_or(0);
        let chosen: Vec<SegmentId> = metas
            .iter()
            .filter(|m| {
                is_new(m) || m.max_doc() <= largest_new || m.num_deleted_docs() * 8 > m.max_doc()
            })
            .map(SegmentMeta::id)
            .collect();
        let deletes = metas
            .iter()
            .any(|m| chosen.contains(&m.id()) && m.has_deletes());
        // Segment metas held here would keep the merged segments' files alive through the clean-up.
        drop(metas);
        if chosen.len() > 1 || deletes {
            self.writer.merge(&chosen).wait().map_err(tantivy)?;
        }
        self.writer
            .garbage_collect_files()
            .wait()
            .map_err(tantivy)?;
        self.writer.wait_merging_threads().map_err(tantivy)?;
        // Only a cache: an index without it is whole, so failing to write it costs the next run time.
        let _ = self.builder.facts.save(&dir.join(FACTS_FILE));
        Ok(())
    }
}
