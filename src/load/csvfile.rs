//! One CSV reader for every source: encoding, delimiter, header, physical line numbers,
//! ragged rows and report footers.
//!
//! What counts as a data row (SPEC "Files"): the CSV records after the header, blank lines
//! excluded. A report footer — the records after the last blank line, when every one of them
//! has a field count different from the header's (Salesforce's report name, copyright and
//! "Confidential" lines) — is not data; its lines are counted in `footer_lines`. Any other
//! record whose field count differs from the header's is a ragged row: skipped and counted.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::{ColumnRef, Reading, SourceConfig};
use crate::load::records::RecordReader;
use crate::load::text::trim;

/// How a file was decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoding {
    /// UTF-8 (a BOM, if any, stripped).
    Utf8,
    /// Another encoding, transcoded to UTF-8 while reading.
    Transcoded(&'static encoding_rs::Encoding),
}

/// An opened CSV export, positioned after its header.
pub struct CsvFile {
    path: PathBuf,
    reader: RecordReader,
    headers: Vec<String>,
    /// How the bytes were decoded.
    pub decoding: Decoding,
    /// Whether the encoding was detected (not set in the config) and is not UTF-8.
    pub detected_legacy: bool,
    /// The delimiter used.
    pub delimiter: u8,
    strict: bool,
    /// Byte offset in the file where the data after the header starts.
    data_start: u64,
    /// Whether this reader ends at the end of the file (not a chunk before another).
    is_final: bool,
    /// Bytes of data this reader covers (the whole file after the header, or one chunk).
    data_len: u64,
    progress: Option<indicatif::ProgressBar>,
    /// Notes for the report's warnings, gathered while columns are located.
    notes: std::cell::RefCell<Vec<String>>,
    /// UTF-8 was assumed from the start of the file, not set in the config.
    auto_encoding: bool,
}

/// A file cut for two threads, or left whole.
pub enum Split {
    /// The first chunk and the second (boxed: a reader is large).
    Two(CsvFile, Box<CsvFile>),
    /// The file, unread: it cannot be cut.
    Whole(CsvFile),
}

/// Counts of one file's records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordCounts {
    /// Data rows the caller loaded.
    pub rows: u64,
    /// Data rows skipped (ragged here, or refused by the caller).
    pub skipped: u64,
    /// Physical lines of the report footer.
    pub footer_lines: u64,
}

/// How a pass over a file (or a chunk of it) ended.
#[derive(Debug, Clone, Copy)]
pub struct ChunkEnd {
    /// Rows loaded, skipped, footer lines.
    pub counts: RecordCounts,
    /// A chunk before another ended inside a record.
    pub torn: bool,
    /// The line the next byte would be on.
    pub end_line: u64,
    /// A field read as UTF-8 was not valid UTF-8 (and the encoding was not set).
    pub invalid_utf8: bool,
}

/// What the caller did with a row.
pub enum RowFate {
    /// Loaded.
    Loaded,
    /// Skipped, with the reason shown to the user.
    Skipped(String),
}

/// One data row: fields already decoded; values trimmed on access.
pub struct Row<'a> {
    rec: &'a RecordReader,
    /// The whole record as text, when it is valid UTF-8 (nearly always): one check per record
    /// instead of one per field read.
    text: Option<&'a str>,
    /// The physical line where the record starts (the header is line 1).
    pub line: u64,
}

impl<'a> Row<'a> {
    fn new(rec: &'a RecordReader, line: u64) -> Self {
        let text = std::str::from_utf8(rec.record_bytes()).ok();
        Row { rec, text, line }
    }

    /// The trimmed field at `idx` ("" when out of range).
    #[inline]
    pub fn get(&self, idx: usize) -> &'a str {
        let Some(range) = self.rec.field_range(idx) else {
            return "";
        };
        // Fields of valid UTF-8 split at ASCII delimiters are valid UTF-8 themselves.
        if let Some(field) = self.text.and_then(|t| t.get(range.clone())) {
            return trim(field);
        }
        // Otherwise only the fields a pass reads are checked. An invalid one reads as empty
        // and is flagged: a file whose encoding was not set is then read again as
        // Windows-1252.
        match std::str::from_utf8(&self.rec.record_bytes()[range]) {
            Ok(s) => trim(s),
            Err(_) => {
                self.rec.flag_invalid_utf8();
                ""
            }
        }
    }

    /// The trimmed field at `idx`, if the column is mapped.
    #[inline]
    pub fn opt(&self, idx: Option<usize>) -> &'a str {
        idx.map_or("", |i| self.get(i))
    }
}

fn open_file(path: &Path) -> Result<File> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => anyhow::anyhow!(
            "`{}`: no such file; check the path in the config or on the command line",
            path.display()
        ),
        _ => anyhow::anyhow!("`{}`: cannot read: {e}", path.display()),
    })?;
    if meta.is_dir() {
        bail!(
            "`{}` is a directory; name the CSV file inside it",
            path.display()
        );
    }
    File::open(path).map_err(|e| anyhow::anyhow!("`{}`: cannot open: {e}", path.display()))
}

/// Whether the start of a file (up to 64 KiB) is valid UTF-8, allowing a sequence cut at the end.
fn sample_is_utf8(path: &Path) -> Result<bool> {
    let mut raw = Vec::with_capacity(1 << 16);
    open_file(path)?
        .take(1 << 16)
        .read_to_end(&mut raw)
        .with_context(|| format!("reading `{}`", path.display()))?;
    Ok(match std::str::from_utf8(&raw) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    })
}

/// The start of the file as UTF-8 text, enough to hold the header line: a decoder's first read
/// may return only a few bytes, so the delimiter is sniffed from this sample, not a peek.
fn header_sample(path: &Path, decoding: Decoding) -> Result<Vec<u8>> {
    let mut raw = Vec::with_capacity(1 << 16);
    open_file(path)?
        .take(1 << 16)
        .read_to_end(&mut raw)
        .with_context(|| format!("reading `{}`", path.display()))?;
    Ok(match decoding {
        Decoding::Utf8 => raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&raw).to_vec(),
        Decoding::Transcoded(enc) => enc
            .decode_with_bom_removal(&raw)
            .0
            .into_owned()
            .into_bytes(),
    })
}

/// Count each candidate delimiter outside quotes on the first line.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let mut counts = [0usize; 4];
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut in_quotes = false;
    for &c in head {
        match c {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            _ if !in_quotes => {
                if let Some(i) = CANDIDATES.iter().position(|&d| d == c) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..4 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATES[best]
}

impl CsvFile {
    /// Open a source's file: decode, detect the delimiter, read the header.
    pub fn open(cfg: &SourceConfig) -> Result<Self> {
        Self::open_path(&cfg.path, &cfg.reading)
    }

    /// Open a file with explicit reading settings.
    pub fn open_path(path: &Path, reading: &Reading) -> Result<Self> {
        let mut file = open_file(path)?;
        let mut head = [0u8; 4];
        let mut got = 0;
        while got < head.len() {
            let n = file
                .read(&mut head[got..])
                .with_context(|| format!("reading `{}`", path.display()))?;
            if n == 0 {
                break;
            }
            got += n;
        }
        let head = &head[..got];
        let bom = encoding_rs::Encoding::for_bom(head);
        let (decoding, detected_legacy) = match (bom, reading.encoding) {
            (Some((enc, _)), _) if enc == encoding_rs::UTF_8 => (Decoding::Utf8, false),
            (Some((enc, _)), _) => (Decoding::Transcoded(enc), false),
            (None, Some(enc)) if enc == encoding_rs::UTF_8 => (Decoding::Utf8, false),
            (None, Some(enc)) => (Decoding::Transcoded(enc), false),
            // Decided from the start of the file; a bad sequence further on is caught by the
            // pass that reads it (see `Row::get`), which then reads the file again.
            (None, None) => match sample_is_utf8(path)? {
                true => (Decoding::Utf8, false),
                false => (Decoding::Transcoded(encoding_rs::WINDOWS_1252), true),
            },
        };
        let file = open_file(path)?;
        let raw: Box<dyn Read + Send> = match decoding {
            Decoding::Utf8 => Box::new(file),
            Decoding::Transcoded(enc) => Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(enc))
                    .bom_override(true)
                    .strip_bom(true)
                    .build(file),
            ),
        };
        let mut buffered = BufReader::with_capacity(1 << 20, raw);
        let peek = buffered
            .fill_buf()
            .with_context(|| format!("reading `{}`", path.display()))?;
        let skip_bom =
            usize::from(decoding == Decoding::Utf8 && peek.starts_with(b"\xEF\xBB\xBF")) * 3;
        let delimiter = match reading.delimiter {
            Some(d) => d,
            None => sniff_delimiter(&header_sample(path, decoding)?),
        };
        buffered.consume(skip_bom);
        let mut reader = RecordReader::new(Box::new(buffered), delimiter);
        let has_header = reader
            .read()
            .with_context(|| format!("reading `{}`", path.display()))?;
        if !has_header {
            bail!(
                "`{}`: the file is empty; expected a header line naming the columns, then one row per record",
                path.display()
            );
        }
        let headers: Vec<String> = (0..reader.len())
            .map(|i| {
                trim(&String::from_utf8_lossy(
                    reader.field(i).unwrap_or_default(),
                ))
                .to_string()
            })
            .collect();
        let data_start = reader.offset() + skip_bom as u64;
        let data_len = std::fs::metadata(path)
            .map_or(0, |m| m.len())
            .saturating_sub(data_start);
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            headers,
            decoding,
            detected_legacy,
            delimiter,
            strict: false,
            data_start,
            is_final: true,
            data_len,
            progress: None,
            notes: Default::default(),
            auto_encoding: bom.is_none() && reading.encoding.is_none(),
        })
    }

    /// In strict mode the first row that cannot be loaded is an error instead of a skip.
    pub fn strict(mut self, on: bool) -> Self {
        self.strict = on;
        self
    }

    /// Advance `bar` by the bytes read.
    pub fn progress(mut self, bar: Option<&indicatif::ProgressBar>) -> Self {
        self.progress = bar.cloned();
        self
    }

    /// Record a note for the report's warnings.
    pub fn note(&self, text: String) {
        self.notes.borrow_mut().push(text);
    }

    /// The notes recorded so far.
    pub fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut *self.notes.borrow_mut())
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The trimmed headers.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Indexes of the headers equal to `name` (trimmed, case-insensitive).
    pub fn find_header(&self, name: &str) -> Vec<usize> {
        let name = trim(name);
        let lower = name.to_lowercase();
        self.headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.eq_ignore_ascii_case(name) || h.to_lowercase() == lower)
            .map(|(i, _)| i)
            .collect()
    }

    /// Where a column is, or why it cannot be used. `Ok(None)`: preset aliases all absent.
    pub fn locate(&self, what: &str, col: &ColumnRef) -> Result<Option<usize>> {
        let one = |name: &str, found: Vec<usize>| -> Result<Option<usize>> {
            match found.as_slice() {
                [] => Ok(None),
                [i] => Ok(Some(*i)),
                many => {
                    let positions: Vec<String> =
                        many.iter().map(|i| format!("#{}", i + 1)).collect();
                    bail!(
                        "`{}`: the header `{name}` ({what}) appears {} times, at columns {}; name the one to use by position, e.g. {what} = \"{}\"",
                        self.path.display(),
                        many.len(),
                        positions.join(", "),
                        positions[0]
                    )
                }
            }
        };
        match col {
            ColumnRef::Position(p) => {
                if *p > self.headers.len() {
                    bail!(
                        "`{}`: {what} = \"#{p}\" but the header has {} columns",
                        self.path.display(),
                        self.headers.len()
                    );
                }
                Ok(Some(p - 1))
            }
            ColumnRef::Named(n) => one(n, self.find_header(n)),
            ColumnRef::Aliases(list) => {
                for a in list {
                    if let Some(i) = one(a, self.find_header(a))? {
                        return Ok(Some(i));
                    }
                }
                Ok(None)
            }
        }
    }

    /// Like [`locate`](Self::locate), but a missing column is an error listing the headers
    /// found and the closest one.
    pub fn require(&self, section: &str, logical: &str, col: &ColumnRef) -> Result<usize> {
        if let Some(i) = self.locate(logical, col)? {
            return Ok(i);
        }
        let wanted = match col {
            ColumnRef::Named(n) => n.clone(),
            ColumnRef::Aliases(a) => a.first().cloned().unwrap_or_default(),
            ColumnRef::Position(p) => format!("#{p}"),
        };
        let headers: Vec<&str> = self.headers.iter().map(String::as_str).collect();
        let hint = crate::config::closest(&wanted, &headers)
            .map(|c| format!("; the closest header is `{c}`"))
            .unwrap_or_default();
        let shown: Vec<String> = headers
            .iter()
            .take(40)
            .map(|h| format!("`{}`", crate::load::text::shown(h)))
            .collect();
        let more = if headers.len() > 40 {
            format!(" and {} more", headers.len() - 40)
        } else {
            String::new()
        };
        bail!(
            "`{}`: required column {} ({section} {logical}) not found{hint}\n  headers found: {}{more}\n  set `{logical} = \"<header>\"` under [{section}] in the config",
            self.path.display(),
            col.describe(),
            shown.join(", ")
        )
    }

    /// Bytes of data this reader covers: the file after its header, or one chunk (for a file
    /// that is transcoded, its size on disk).
    pub fn byte_len(&self) -> usize {
        self.data_len as usize
    }

    /// Split the data into two chunks at the first line break after `share` of it (between
    /// 0.05 and 0.95), for two threads. [`Split::Whole`] gives the file back, unread, when it is
    /// transcoded (offsets would not be file offsets), small, or has no clean line break near
    /// the cut.
    ///
    /// No pass over the first chunk is needed to find the cut: if the line break lies inside a
    /// quoted field, the first chunk ends inside a record, which
    /// [`for_each_row_torn`](Self::for_each_row_torn) reports so the caller reads the file
    /// whole. The second chunk counts lines from 1; add the first chunk's end line minus one.
    pub fn split_at_share(self, share: f64) -> Result<Split> {
        use std::io::{Seek, SeekFrom};
        if self.decoding != Decoding::Utf8 {
            return Ok(Split::Whole(self));
        }
        let len = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        if len <= self.data_start + (1 << 16) {
            return Ok(Split::Whole(self));
        }
        let share = share.clamp(0.05, 0.95);
        let mid = self.data_start + ((len - self.data_start) as f64 * share) as u64;
        // Read from two bytes before the middle, to see the end of the line being cut.
        let from = mid.saturating_sub(2).max(self.data_start);
        let mut f = open_file(&self.path)?;
        f.seek(SeekFrom::Start(from))
            .with_context(|| format!("reading `{}`", self.path.display()))?;
        let mut window = Vec::with_capacity(1 << 20);
        f.take(1 << 20)
            .read_to_end(&mut window)
            .with_context(|| format!("reading `{}`", self.path.display()))?;
        // Cut after a line break that ends a non-blank line and starts a line with the header's
        // number of fields: a blank line (which may open a report footer) and the short
        // records after it then never straddle the cut. A file with no such line near the
        // middle is read in one piece.
        let start = (mid - from) as usize;
        let width = self.headers.len();
        let blank_before = |p: usize| {
            (p >= 1 && window[p - 1] == b'\n')
                || (p >= 2 && window[p - 1] == b'\r' && window[p - 2] == b'\n')
        };
        let full_width_after = |p: usize| {
            let rest = &window[p + 1..];
            let Some(end) = memchr::memchr(b'\n', rest) else {
                return false;
            };
            let line = &rest[..end];
            !line.is_empty()
                && line != b"\r"
                && memchr::memchr_iter(self.delimiter, line).count() + 1 == width
        };
        let Some(nl) = memchr::memchr_iter(b'\n', &window[start..])
            .map(|i| start + i)
            .find(|&p| !blank_before(p) && full_width_after(p))
        else {
            return Ok(Split::Whole(self));
        };
        let boundary = from + nl as u64 + 1;
        if boundary >= len {
            return Ok(Split::Whole(self));
        }
        let first_line = self.reader.line();
        let head = self.chunk(self.data_start, boundary, first_line, false)?;
        let tail = self.chunk(boundary, len, 1, true)?;
        Ok(Split::Two(head, Box::new(tail)))
    }

    fn chunk(&self, start: u64, end: u64, line: u64, is_final: bool) -> Result<CsvFile> {
        use std::io::{Seek, SeekFrom};
        let mut f = open_file(&self.path)?;
        f.seek(SeekFrom::Start(start))
            .with_context(|| format!("reading `{}`", self.path.display()))?;
        let src: Box<dyn Read + Send> = Box::new(f.take(end - start));
        Ok(CsvFile {
            path: self.path.clone(),
            reader: RecordReader::starting_at(src, self.delimiter, line),
            headers: self.headers.clone(),
            decoding: self.decoding,
            detected_legacy: self.detected_legacy,
            delimiter: self.delimiter,
            strict: self.strict,
            data_start: start,
            is_final,
            data_len: end - start,
            progress: self.progress.clone(),
            notes: Default::default(),
            auto_encoding: self.auto_encoding,
        })
    }

    /// Stream every data row to `f`, which loads it or says why it is skipped. Ragged rows and
    /// the footer are handled here. `on_skip` receives each skip's line and reason.
    pub fn for_each_row(
        self,
        f: impl FnMut(&Row<'_>) -> Result<RowFate>,
        on_skip: impl FnMut(u64, String),
    ) -> Result<RecordCounts> {
        self.for_each_row_torn(f, on_skip).map(|end| end.counts)
    }

    /// [`for_each_row`](Self::for_each_row), also saying whether a chunk that is not the end
    /// of the file ended inside a record (its split point was wrong), and on which line the
    /// reader stopped.
    pub fn for_each_row_torn(
        mut self,
        mut f: impl FnMut(&Row<'_>) -> Result<RowFate>,
        mut on_skip: impl FnMut(u64, String),
    ) -> Result<ChunkEnd> {
        let width = self.headers.len();
        let mut counts = RecordCounts::default();
        // Records after a blank line whose width differs from the header's: footer candidates,
        // as (line, lines spanned, fields).
        let mut pending: Vec<(u64, u64, usize)> = Vec::new();
        let mut gap = false;
        let ragged = |counts: &mut RecordCounts,
                      on_skip: &mut dyn FnMut(u64, String),
                      line: u64,
                      n: usize| {
            counts.skipped += 1;
            on_skip(
                line,
                format!("ragged row: {n} fields, the header has {width}"),
            );
        };
        let path = self.path.clone();
        let strict = self.strict;
        let first_strict: std::cell::RefCell<Option<(u64, String)>> = Default::default();
        let mut on_skip = |line: u64, why: String| {
            if strict && first_strict.borrow().is_none() {
                *first_strict.borrow_mut() = Some((line, why.clone()));
            }
            on_skip(line, why);
        };
        let reader = &mut self.reader;
        let progress = self.progress.clone();
        let mut reported = reader.offset();
        let mut records = 0u32;
        while reader
            .read()
            .with_context(|| format!("reading `{}`", path.display()))?
        {
            let start = reader.start_line();
            let n = reader.len();
            records = records.wrapping_add(1);
            if records % 16_384 == 0 {
                if let Some(bar) = &progress {
                    let now = reader.offset();
                    bar.inc(now - reported);
                    reported = now;
                }
            }
            // A line of spaces is a blank line, not a record.
            if n == 1
                && width > 1
                && trim(std::str::from_utf8(reader.field(0).unwrap_or_default()).unwrap_or("x"))
                    .is_empty()
            {
                gap = true;
                continue;
            }
            if reader.blank_before() || gap {
                gap = false;
                // A blank line precedes this record: earlier candidates were not the footer.
                for (line, _, n) in pending.drain(..) {
                    ragged(&mut counts, &mut on_skip, line, n);
                }
                if n != width {
                    pending.push((start, reader.lines_spanned(), n));
                    continue;
                }
            } else if !pending.is_empty() {
                if n != width {
                    pending.push((start, reader.lines_spanned(), n));
                    continue;
                }
                for (line, _, n) in pending.drain(..) {
                    ragged(&mut counts, &mut on_skip, line, n);
                }
            }
            if self.is_final && reader.unterminated_quote() {
                counts.skipped += 1;
                on_skip(
                    start,
                    format!(
                        "unterminated quote: a quoted field opened on line {start} is not closed before the end of the file"
                    ),
                );
                continue;
            }
            if n != width {
                ragged(&mut counts, &mut on_skip, start, n);
                continue;
            }
            let row = Row::new(reader, start);
            match f(&row)? {
                RowFate::Loaded => counts.rows += 1,
                RowFate::Skipped(reason) => {
                    counts.skipped += 1;
                    on_skip(start, reason);
                }
            }
        }
        if !self.is_final {
            // A chunk before another: what looked like a footer is followed by more data.
            for (line, _, n) in pending.drain(..) {
                ragged(&mut counts, &mut on_skip, line, n);
            }
        }
        if let Some((line, why)) = first_strict.borrow_mut().take() {
            return Err(strict_error(&path, line, &why));
        }
        counts.footer_lines = pending.iter().map(|(_, spans, _)| spans).sum();
        let torn = !self.is_final && self.reader.last_at_eof();
        Ok(ChunkEnd {
            counts,
            torn,
            end_line: self.reader.line(),
            invalid_utf8: self.auto_encoding && self.reader.saw_invalid_utf8(),
        })
    }
}

fn strict_error(path: &Path, line: u64, why: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "`{}` line {line}: {why}; --strict stops at the first row that cannot be loaded (without it the row is skipped and counted)",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    type Lines = Vec<(u64, String)>;

    fn rows(text: &[u8]) -> (Lines, Lines, RecordCounts) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, text).unwrap();
        let f = CsvFile::open_path(&p, &Reading::default()).unwrap();
        let mut loaded = Vec::new();
        let mut skipped = Vec::new();
        let counts = f
            .for_each_row(
                |r| {
                    loaded.push((r.line, r.get(0).to_string()));
                    Ok(RowFate::Loaded)
                },
                |line, why| skipped.push((line, why)),
            )
            .unwrap();
        (loaded, skipped, counts)
    }

    #[test]
    fn lines_blank_lines_and_embedded_newlines() {
        let (loaded, skipped, c) = rows(b"a,b\n1,2\n\n\"x\ny\",3\n4,5");
        assert_eq!(
            loaded,
            vec![(2, "1".into()), (4, "x\ny".into()), (6, "4".into())]
        );
        assert!(skipped.is_empty());
        assert_eq!(
            c,
            RecordCounts {
                rows: 3,
                skipped: 0,
                footer_lines: 0
            }
        );
    }

    #[test]
    fn salesforce_footer() {
        let text = b"\"Email\",\"Owner\"\n\"a@x.com\",\"Ann\"\n\"b@x.com\",\"Bob\"\n\n\"Leads report\"\n\"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\"\n\"Confidential Information - Do Not Distribute\"\n";
        let (loaded, skipped, c) = rows(text);
        assert_eq!(loaded.len(), 2);
        assert!(skipped.is_empty());
        assert_eq!(
            c,
            RecordCounts {
                rows: 2,
                skipped: 0,
                footer_lines: 3
            }
        );
    }

    #[test]
    fn ragged_rows_and_short_rows_before_data() {
        let (loaded, skipped, c) = rows(b"a,b\n1,2\n3\n\nfoot\n5,6\n");
        assert_eq!(loaded, vec![(2, "1".into()), (6, "5".into())]);
        assert_eq!(skipped.iter().map(|s| s.0).collect::<Vec<_>>(), vec![3, 5]);
        assert_eq!(
            c,
            RecordCounts {
                rows: 2,
                skipped: 2,
                footer_lines: 0
            }
        );
    }

    #[test]
    fn delimiters_bom_and_crlf() {
        let (loaded, _, _) = rows(b"\xEF\xBB\xBFa;b\r\n1;2\r\n");
        assert_eq!(loaded, vec![(2, "1".into())]);
        assert_eq!(sniff_delimiter(b"a\tb\tc,d\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a,b\"|c|d\n"), b'|');
    }

    #[test]
    fn windows_1252_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, b"name,city\nJos\xe9,K\xf6ln\n").unwrap();
        let f = CsvFile::open_path(&p, &Reading::default()).unwrap();
        assert!(f.detected_legacy);
        let mut got = Vec::new();
        f.for_each_row(
            |r| {
                got.push(r.get(0).to_string());
                Ok(RowFate::Loaded)
            },
            |_, _| {},
        )
        .unwrap();
        assert_eq!(got, vec!["José".to_string()]);
    }

    #[test]
    fn utf16_with_bom() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        let mut bytes = vec![0xFF, 0xFE];
        for u in "k\tv\r\nä\t1\r\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        std::fs::write(&p, bytes).unwrap();
        let f = CsvFile::open_path(&p, &Reading::default()).unwrap();
        assert_eq!(f.headers(), &["k".to_string(), "v".to_string()]);
        let mut got = Vec::new();
        f.for_each_row(
            |r| {
                got.push(r.get(0).to_string());
                Ok(RowFate::Loaded)
            },
            |_, _| {},
        )
        .unwrap();
        assert_eq!(got, vec!["ä".to_string()]);
    }
}
