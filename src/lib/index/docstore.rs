//! Stored text of the few documents a query shows, read from tantivy's doc store with one zstd context
//! and reused block buffers.
//!
//! tantivy's store reader creates a zstd context, zero-fills an output buffer and copies the result
//! into a shared buffer for every block it decompresses; for the dozen blocks a query shows, that was a
//! quarter of what reading them cost. The layout read here is tantivy 0.25's doc store, version 2 with
//! zstd blocks (`store/footer.rs`, `store/index/`, `store/reader.rs`): compressed blocks, a skip index
//! whose last layer lists every block, and a 28-byte footer. A store in any other shape is read through
//! tantivy instead, so an index written by another tantivy still reads, only slower.

use std::io;
use std::ops::Range;

use tantivy::directory::OwnedBytes;
use tantivy::index::SegmentComponent;
use tantivy::schema::{Field, Value};
use tantivy::{DocAddress, DocId, Searcher, TantivyDocument};

use super::bm25f::ScoreError;

/// Decompressed blocks kept, as tantivy's reader keeps (its `DOCSTORE_CACHE_CAPACITY`).
const CACHED_BLOCKS: usize = 100;
const FOOTER_BYTES: usize = 28;
const STORE_VERSION: u32 = 2;
const ZSTD_ID: u8 = 4;
const TEXT_CODE: u8 = 0;

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("doc store: {what}"))
}

/// tantivy's variable-length integer: 7 bits a byte, the high bit set on the last byte.
fn vint(data: &mut &[u8]) -> io::Result<u64> {
    let mut v = 0u64;
    for (i, &b) in data.iter().enumerate().take(10) {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 != 0 {
            *data = &data[i + 1..];
            return Ok(v);
        }
    }
    Err(bad("truncated integer"))
}

fn u32_at(data: &[u8], at: usize) -> io::Result<u32> {
    data.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| bad("offset out of its block"))
}

struct Block {
    docs: Range<DocId>,
    bytes: Range<usize>,
}

/// One segment's compressed blocks and where each begins.
struct Segment {
    data: OwnedBytes,
    blocks: Vec<Block>,
}

impl Segment {
    /// None when the store is not version 2 with zstd blocks.
    fn open(file: OwnedBytes) -> io::Result<Option<Segment>> {
        let all = file.as_slice();
        let Some(footer_at) = all.len().checked_sub(FOOTER_BYTES) else {
            return Err(bad("shorter than its footer"));
        };
        let footer = &all[footer_at..];
        let version = u32_at(footer, 0)?;
        let offset = u64::from_le_bytes(footer[4..12].try_into().expect("8 bytes")) as usize;
        if version != STORE_VERSION || footer[12] != ZSTD_ID {
            return Ok(None);
        }
        let mut skip = all
            .get(offset..footer_at)
            .ok_or_else(|| bad("bad footer"))?;
        // Layer end offsets (from the end of this list), coarsest layer first.
        let layers = vint(&mut skip)? as usize;
        let mut ends = Vec::with_capacity(layers);
        for _ in 0..layers {
            ends.push(vint(&mut skip)? as usize);
        }
        let start = if layers > 1 { ends[layers - 2] } else { 0 };
        let mut layer = match ends.last() {
            Some(&end) => skip.get(start..end).ok_or_else(|| bad("bad skip index"))?,
            None => &[][..],
        };
        let mut blocks = Vec::new();
        while !layer.is_empty() {
            let n = vint(&mut layer)?;
            if n == 0 {
                continue;
            }
            let mut doc = vint(&mut layer)? as DocId;
            let mut byte = vint(&mut layer)? as usize;
            for _ in 0..n {
                let docs = vint(&mut layer)? as DocId;
                let bytes = vint(&mut layer)? as usize;
                let (doc_end, byte_end) = doc
                    .checked_add(docs)
                    .zip(byte.checked_add(bytes))
                    .ok_or_else(|| bad("bad skip index"))?;
                blocks.push(Block {
                    docs: doc..doc_end,
                    bytes: byte..byte_end,
                });
                (doc, byte) = (doc_end, byte_end);
            }
        }
        // Each checkpoint block restates where it starts: a damaged one must not point anywhere.
        if blocks.iter().any(|b| b.bytes.end > offset) {
            return Err(bad("block beyond the data"));
        }
        Ok(Some(Segment {
            data: file.slice(0..offset),
            blocks,
        }))
    }

    fn block_of(&self, doc: DocId) -> io::Result<usize> {
        let i = self.blocks.partition_point(|b| b.docs.end <= doc);
        match self.blocks.get(i) {
            Some(b) if b.docs.contains(&doc) => Ok(i),
            _ => Err(bad("document not in the store")),
        }
    }
}

struct Cached {
    seg: usize,
    block: usize,
    used: u64,
    bytes: Vec<u8>,
}

struct Direct {
    segments: Vec<Segment>,
    zstd: zstd::bulk::Decompressor<'static>,
    cache: Vec<Cached>,
    clock: u64,
}

impl Direct {
    /// The decompressed block holding `doc`, from the cache or read into it.
    fn block(&mut self, seg: usize, doc: DocId) -> io::Result<(&[u8], DocId)> {
        let s = self
            .segments
            .get(seg)
            .ok_or_else(|| bad("no such segment"))?;
        let bi = s.block_of(doc)?;
        let first = s.blocks[bi].docs.start;
        self.clock += 1;
        let slot = match self
            .cache
            .iter()
            .position(|c| c.seg == seg && c.block == bi)
        {
            Some(i) => i,
            None => {
                let raw = &s.data.as_slice()[s.blocks[bi].bytes.clone()];
                let size = u32_at(raw, 0)? as usize;
                // The frame states its size too: one damaged byte cannot make a huge allocation.
                if zstd::zstd_safe::get_frame_content_size(&raw[4..])
                    .ok()
                    .flatten()
                    != Some(size as u64)
                {
                    return Err(bad("block of the wrong size"));
                }
                let i = if self.cache.len() < CACHED_BLOCKS {
                    self.cache.push(Cached {
                        seg,
                        block: bi,
                        used: 0,
                        bytes: Vec::new(),
                    });
                    self.cache.len() - 1
                } else {
                    let lru = (0..self.cache.len())
                        .min_by_key(|&i| self.cache[i].used)
                        .expect("a full cache");
                    (self.cache[lru].seg, self.cache[lru].block) = (seg, bi);
                    lru
                };
                let out = &mut self.cache[i].bytes;
                out.clear();
                out.reserve(size);
                let got = match self.zstd.decompress_to_buffer(&raw[4..], out) {
                    Ok(got) if got == size => Ok(()),
                    Ok(_) => Err(bad("block of the wrong size")),
                    Err(e) => Err(e),
                };
                if let Err(e) = got {
                    // Not left behind as the block it claims to be.
                    self.cache.swap_remove(i);
                    return Err(e);
                }
                i
            }
        };
        self.cache[slot].used = self.clock;
        Ok((&self.cache[slot].bytes, first))
    }

    fn texts(
        &mut self,
        seg: usize,
        doc: DocId,
        fields: &[Field],
    ) -> io::Result<Vec<Option<String>>> {
        let (block, first) = self.block(seg, doc)?;
        let pos = (doc - first) as usize;
        let n = u32_at(block, block.len().saturating_sub(4))? as usize;
        let index = block
            .len()
            .checked_sub((n + 1) * 4)
            .filter(|_| pos < n)
            .ok_or_else(|| bad("bad block index"))?;
        let start = u32_at(block, index + pos * 4)? as usize;
        let end = if pos + 1 < n {
            u32_at(block, index + (pos + 1) * 4)? as usize
        } else {
            index
        };
        let mut bytes = block
            .get(start..end)
            .ok_or_else(|| bad("bad document range"))?;
        let mut out = vec![None; fields.len()];
        for _ in 0..vint(&mut bytes)? {
            let field = Field::from_field_id(u32_at(bytes, 0)?);
            if bytes.get(4) != Some(&TEXT_CODE) {
                return Err(bad("a stored value that is not text"));
            }
            bytes = &bytes[5..];
            let len = vint(&mut bytes)? as usize;
            let text = bytes
                .get(..len)
                .ok_or_else(|| bad("text beyond its document"))?;
            bytes = &bytes[len..];
            if let Some(i) = fields.iter().position(|&f| f == field) {
                if out[i].is_none() {
                    let s = std::str::from_utf8(text).map_err(|_| bad("text not UTF-8"))?;
                    out[i] = Some(s.to_string());
                }
            }
        }
        Ok(out)
    }
}

/// Reads the stored text fields of documents of a searcher's segments.
pub struct StoredText<'a> {
    searcher: &'a Searcher,
    /// None: through tantivy's reader.
    direct: Option<Direct>,
}

impl<'a> StoredText<'a> {
    pub fn open(searcher: &'a Searcher) -> Result<StoredText<'a>, ScoreError> {
        let metas = searcher.index().searchable_segment_metas()?;
        let mut segments = Vec::new();
        for reader in searcher.segment_readers() {
            let Some(meta) = metas.iter().find(|m| m.id() == reader.segment_id()) else {
                // The index moved on since the searcher was opened.
                return Ok(Self::through_tantivy(searcher));
            };
            let file = searcher
                .index()
                .segment(meta.clone())
                .open_read(SegmentComponent::Store)
                .map_err(tantivy::TantivyError::from)?
                .read_bytes()?;
            match Segment::open(file)? {
                Some(s) => segments.push(s),
                None => return Ok(Self::through_tantivy(searcher)),
            }
        }
        Ok(StoredText {
            searcher,
            direct: Some(Direct {
                segments,
                zstd: zstd::bulk::Decompressor::new()?,
                cache: Vec::new(),
                clock: 0,
            }),
        })
    }

    /// Reads through tantivy's store reader.
    pub fn through_tantivy(searcher: &'a Searcher) -> StoredText<'a> {
        StoredText {
            searcher,
            direct: None,
        }
    }

    /// The first value of each of `fields` (stored text fields) in document `doc` of segment `seg`.
    pub fn texts(
        &mut self,
        seg: u32,
        doc: DocId,
        fields: &[Field],
    ) -> Result<Vec<Option<String>>, ScoreError> {
        if let Some(d) = &mut self.direct {
            return Ok(d.texts(seg as usize, doc, fields)?);
        }
        let stored: TantivyDocument = self.searcher.doc(DocAddress::new(seg, doc))?;
        Ok(fields
            .iter()
            .map(|&f| {
                stored
                    .get_first(f)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::schema;
    use tantivy::store::{Compressor, ZstdCompressor};
    use tantivy::{Index, IndexSettings};

    /// A zstd index with small blocks: two segments of 3000 documents, many blocks each.
    fn zstd_index() -> (Index, schema::Fields) {
        let (schema_, f) = schema::build();
        let settings = IndexSettings {
            docstore_compression: Compressor::Zstd(ZstdCompressor {
                compression_level: Some(3),
            }),
            docstore_blocksize: 4 * 1024,
            ..IndexSettings::default()
        };
        let index = Index::builder()
            .schema(schema_)
            .settings(settings)
            .create_in_ram()
            .unwrap();
        super::super::register(&index);
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 50_000_000).unwrap();
        for batch in 0..2 {
            for i in 0..3000u64 {
                let mut doc = TantivyDocument::default();
                if i % 7 == 0 {
                    doc.add_text(f.session_id, format!("s{batch}-{i}"));
                    doc.add_text(f.source_agent, "claude");
                }
                if i % 3 != 0 {
                    doc.add_text(f.title_stored, format!("título {i} ✓"));
                }
                let text: String = (0..i % 40).map(|k| format!("w{} ", (k * i) % 97)).collect();
                doc.add_text(f.text, text);
                doc.add_u64(f.back, i % 5);
                writer.add_document(doc).unwrap();
            }
            writer.commit().unwrap();
        }
        (index, f)
    }

    /// Every document, read both ways.
    #[test]
    fn reads_what_tantivy_reads() {
        let (index, f) = zstd_index();
        let reader = index.reader().unwrap();
        let searcher = reader.searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let fields = [f.text, f.session_id, f.source_agent, f.title_stored];
        let mut direct = StoredText::open(&searcher).unwrap();
        assert!(direct.direct.is_some());
        let mut tantivy = StoredText::through_tantivy(&searcher);
        let mut seen = 0u64;
        // Twice, so the second pass reads from the cache and from blocks read again after eviction.
        for _ in 0..2 {
            for (si, seg) in searcher.segment_readers().iter().enumerate() {
                for d in (0..seg.max_doc()).rev() {
                    let want = tantivy.texts(si as u32, d, &fields).unwrap();
                    assert_eq!(direct.texts(si as u32, d, &fields).unwrap(), want);
                    assert!(want[0].is_some());
                    seen += 1;
                }
            }
        }
        assert_eq!(seen, 2 * 6000);
        assert!(direct.texts(0, 3000, &fields).is_err());
    }

    /// A damaged store file is an error, never a panic, wherever the damage is.
    #[test]
    fn damage_is_an_error_not_a_panic() {
        let (index, f) = zstd_index();
        let meta = index.searchable_segment_metas().unwrap().remove(0);
        let file = index
            .segment(meta)
            .open_read(SegmentComponent::Store)
            .unwrap()
            .read_bytes()
            .unwrap();
        let good = file.as_slice().to_vec();
        let fields = [f.text, f.session_id];
        let mut errors = 0;
        for cut in [0, 5, 27, 28, good.len() / 2, good.len() - 1] {
            errors += Segment::open(OwnedBytes::new(good[..cut].to_vec())).is_err() as u32;
        }
        // Every 97th byte, set to each of a few values: in blocks, skip index and footer.
        for at in (0..good.len()).step_by(97) {
            for v in [0u8, 0x7f, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[at] = v;
                let Ok(Some(segment)) = Segment::open(OwnedBytes::new(bad)) else {
                    errors += 1;
                    continue;
                };
                let mut direct = Direct {
                    segments: vec![segment],
                    zstd: zstd::bulk::Decompressor::new().unwrap(),
                    cache: Vec::new(),
                    clock: 0,
                };
                for d in (0..3000).step_by(37) {
                    errors += direct.texts(0, d, &fields).is_err() as u32;
                }
            }
        }
        assert!(errors > 0);
    }
}
