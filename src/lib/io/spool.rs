//! Output held back in a file until deduplication, which needs the whole input, says which sessions survive.
//!
//! Pieces (one per session) are written in input order with their lengths kept; afterwards each run of
//! surviving pieces goes out by one `io::copy`, which the standard library turns into
//! copy_file_range/sendfile/splice when the destination is a file, a pipe or stdout: the bytes do not pass
//! through this process a second time.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

/// The buffer small pieces are gathered in. A piece as large goes to the file as it is (the buffer's own
/// rule): copying it through first would be one more pass over every byte, and an export's audit records
/// run to hundreds of MB.
const BUFFER: usize = 64 << 10;

pub struct Spool {
    w: BufWriter<File>,
    lengths: Vec<u64>,
}

impl Spool {
    /// A spool over `file` (empty, opened for writing; a temporary file as a rule).
    pub fn new(file: File) -> Spool {
        Spool {
            w: BufWriter::with_capacity(BUFFER, file),
            lengths: Vec::new(),
        }
    }

    /// An anonymous temporary file in the system's temporary directory.
    pub fn temporary() -> io::Result<Spool> {
        Ok(Spool::new(tempfile::tempfile()?))
    }

    pub fn push(&mut self, piece: &[u8]) -> io::Result<()> {
        self.w.write_all(piece)?;
        self.lengths.push(piece.len() as u64);
        Ok(())
    }

    /// The written pieces, flushed.
    pub fn finish(self) -> io::Result<Pieces> {
        Ok(Pieces {
            file: self.w.into_inner().map_err(|e| e.into_error())?,
            lengths: self.lengths,
        })
    }
}

pub struct Pieces {
    file: File,
    lengths: Vec<u64>,
}

impl Pieces {
    /// Writes the pieces whose `keep` is true to `out`, in order (`keep` has one entry per piece).
    pub fn copy_kept<W: Write>(&self, keep: &[bool], out: &mut W) -> io::Result<()> {
        debug_assert_eq!(keep.len(), self.lengths.len());
        let mut file = &self.file;
        file.rewind()?;
        let mut run = 0u64;
        for (&k, &len) in keep.iter().zip(&self.lengths) {
            if k {
                run += len;
                continue;
            }
            copy_exactly(file, run, out)?;
            run = 0;
            file.seek(SeekFrom::Current(len as i64))?;
        }
        copy_exactly(file, run, out)
    }
}

fn copy_exactly<W: Write>(file: &File, len: u64, out: &mut W) -> io::Result<()> {
    let copied = io::copy(&mut file.take(len), out)?;
    if copied == len {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the temporary spool file ended early",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_pieces_come_out_in_order_and_dropped_ones_do_not() {
        let mut s = Spool::temporary().unwrap();
        for p in ["a\n", "bb\n", "", "ccc\n", "dddd\n"] {
            s.push(p.as_bytes()).unwrap();
        }
        let pieces = s.finish().unwrap();
        for (keep, want) in [
            ([true, true, true, true, true], "a\nbb\nccc\ndddd\n"),
            ([false, true, true, false, true], "bb\ndddd\n"),
            ([true, false, false, false, false], "a\n"),
            ([false; 5], ""),
        ] {
            let mut out = Vec::new();
            pieces.copy_kept(&keep, &mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), want);
        }
    }

    #[test]
    fn large_pieces_written_as_they_are_keep_their_place_among_gathered_ones() {
        let big = |c: u8| vec![c; BUFFER + 1];
        let pieces = [
            b"a\n".to_vec(),
            big(b'x'),
            b"bb\n".to_vec(),
            big(b'y'),
            b"c\n".to_vec(),
        ];
        let mut s = Spool::temporary().unwrap();
        for p in &pieces {
            s.push(p).unwrap();
        }
        let spooled = s.finish().unwrap();
        for keep in [
            [true; 5],
            [true, false, true, true, false],
            [false, true, false, false, true],
        ] {
            let mut out = Vec::new();
            spooled.copy_kept(&keep, &mut out).unwrap();
            let want: Vec<u8> = pieces
                .iter()
                .zip(keep)
                .filter(|(_, k)| *k)
                .flat_map(|(p, _)| p.iter().copied())
                .collect();
            assert_eq!(out, want, "{keep:?}");
        }
    }
}
