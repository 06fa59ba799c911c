//! A CSV record reader on top of `csv_core` that knows the physical line of every record.
//!
//! The `csv` crate skips blank lines silently and, with CRLF endings, leaves a record's `\n`
//! for the next read, so its positions cannot say where a record *starts*. Here line breaks
//! between records are consumed by us, counted, and reported: each record comes with the line
//! of its first byte and whether blank lines preceded it. Fields are borrowed from one reused
//! buffer: no allocation per record or per field.
//!
//! Most lines of an export hold no quote: such a line is split at its delimiters directly,
//! which is several times cheaper than `csv_core`'s byte-by-byte state machine and gives the
//! same fields (a unit test holds both paths to the same records on random text). Every other
//! record goes through `csv_core`.

use std::io::{self, Read};

/// Reads records one at a time.
pub struct RecordReader {
    core: csv_core::Reader,
    src: Box<dyn Read + Send>,
    buf: Vec<u8>,
    pos: usize,
    filled: usize,
    eof: bool,
    /// 1 + line breaks consumed so far.
    line: u64,
    out: Vec<u8>,
    ends: Vec<usize>,
    fields: usize,
    start_line: u64,
    blank_before: bool,
    expected_next: u64,
    /// Bytes of input before `buf[0]`.
    base: u64,
    /// The last record was ended by the end of the input, not by a line break.
    last_at_eof: bool,
    /// A field was read that is not valid UTF-8.
    invalid_utf8: std::cell::Cell<bool>,
    /// Quote characters in the current record's raw bytes, counted only for the parts of a
    /// record that did not end in the buffer they started in (enough to tell, at the end of the
    /// input, whether the last record is inside a quoted field).
    quotes: u64,
    /// Position in `buf` of the first quote at or after the last position asked about, or
    /// `filled` when there is none; `None` after the buffer changed.
    next_quote: Option<usize>,
    /// Bytes of the current record in `out`.
    outlen: usize,
    /// Bytes between two fields in `out`: 0 when `csv_core` wrote the record (fields back to
    /// back), 1 when it was a plain line copied whole (delimiters kept).
    gap: usize,
    delimiter: u8,
    /// Plain lines are split here rather than by `csv_core` (off only to test that both agree).
    plain_lines: bool,
}

/// Buffer size for reading input.
const BUF: usize = 1 << 18;

impl RecordReader {
    /// A reader over UTF-8 (or transcoded) bytes with a delimiter.
    pub fn new(src: Box<dyn Read + Send>, delimiter: u8) -> Self {
        Self::starting_at(src, delimiter, 1)
    }

    /// A reader whose first byte is on physical line `line` (for a chunk of a file).
    pub fn starting_at(src: Box<dyn Read + Send>, delimiter: u8, line: u64) -> Self {
        Self {
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            src,
            buf: vec![0; BUF],
            pos: 0,
            filled: 0,
            eof: false,
            line,
            out: vec![0; 4096],
            ends: vec![0; 64],
            fields: 0,
            start_line: 0,
            blank_before: false,
            expected_next: line,
            base: 0,
            last_at_eof: false,
            invalid_utf8: std::cell::Cell::new(false),
            quotes: 0,
            next_quote: None,
            outlen: 0,
            gap: 0,
            delimiter,
            plain_lines: true,
        }
    }

    /// Read more input; false at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        self.base += self.pos as u64;
        self.next_quote = None;
        if self.pos < self.filled {
            self.buf.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
        } else {
            self.filled = 0;
        }
        self.pos = 0;
        loop {
            match self.src.read(&mut self.buf[self.filled..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(self.filled > 0);
                }
                Ok(n) => {
                    self.filled += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Read the next record; false at the end of the input.
    pub fn read(&mut self) -> io::Result<bool> {
        // Line breaks between records (terminators and blank lines) are ours to count.
        loop {
            if self.pos == self.filled && !self.fill()? {
                return Ok(false);
            }
            match self.buf[self.pos] {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b'\r' => self.pos += 1,
                _ => break,
            }
        }
        self.start_line = self.line;
        self.blank_before = self.start_line > self.expected_next;
        self.last_at_eof = false;
        self.quotes = 0;
        if self.plain_lines && self.plain_line() {
            return Ok(true);
        }
        self.gap = 0;
        let mut outlen = 0;
        let mut nends = 0;
        let mut at_eof = false;
        let mut quoted = false;
        loop {
            let start = self.pos;
            let input = &self.buf[start..self.filled];
            let (res, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.out[outlen..], &mut self.ends[nends..]);
            // A record's line breaks are in its quoted fields (copied to `out`) or are its
            // terminator; both are counted when the record is complete.
            let ended_with_newline = nin > 0 && input[nin - 1] == b'\n';
            self.pos += nin;
            outlen += nout;
            nends += nend;
            if !matches!(res, csv_core::ReadRecordResult::Record) {
                // The record goes on past what was consumed: count its quotes so far.
                let q = memchr::memchr_iter(b'"', &self.buf[start..start + nin]).count() as u64;
                self.quotes += q;
                quoted |= q > 0;
            }
            match res {
                csv_core::ReadRecordResult::InputEmpty => {
                    if !self.fill()? {
                        // At the end of input, an empty slice tells csv_core to finish the record.
                        self.pos = self.filled;
                        at_eof = true;
                    }
                }
                csv_core::ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                csv_core::ReadRecordResult::Record => {
                    self.fields = nends;
                    self.outlen = outlen;
                    self.last_at_eof = at_eof;
                    // Only a quoted field holds a line break; most records have no quote at all.
                    quoted = quoted || self.quote_between(start, start + nin);
                    let inner = if quoted {
                        memchr::memchr_iter(b'\n', &self.out[..outlen]).count() as u64
                    } else {
                        0
                    };
                    self.line += inner + u64::from(ended_with_newline);
                    self.expected_next = self.start_line + inner + 1;
                    return Ok(true);
                }
                csv_core::ReadRecordResult::End => return Ok(false),
            }
        }
    }

    /// Read the next record without `csv_core` when it is a plain line: no quote, ended by
    /// `\n` or `\r\n` within the buffer. Such a line is its fields split at the delimiter, as
    /// `csv_core` would split it; anything else (a quote, a lone `\r`, a line running past
    /// the buffer or to the end of the input) is left to `csv_core`.
    fn plain_line(&mut self) -> bool {
        let rest = &self.buf[self.pos..self.filled];
        let Some(i) = memchr::memchr2(b'\n', b'\r', rest) else {
            return false;
        };
        let consumed = match (rest[i], rest.get(i + 1)) {
            (b'\n', _) => i + 1,
            (b'\r', Some(b'\n')) => i + 2,
            _ => return false,
        };
        if self.quote_between(self.pos, self.pos + i) {
            return false;
        }
        let line = &self.buf[self.pos..self.pos + i];
        if self.out.len() < i {
            self.out.resize(i.next_power_of_two(), 0);
        }
        self.out[..i].copy_from_slice(line);
        let mut n = 0;
        for end in memchr::memchr_iter(self.delimiter, line).chain([i]) {
            if n == self.ends.len() {
                self.ends.resize(n * 2, 0);
            }
            self.ends[n] = end;
            n += 1;
        }
        self.fields = n;
        self.outlen = i;
        self.gap = 1;
        self.pos += consumed;
        self.line += 1;
        self.expected_next = self.start_line + 1;
        true
    }

    /// Whether `buf[from..to]` holds a quote. Positions asked about only grow between two
    /// fills, so one search serves every record up to the next quote.
    fn quote_between(&mut self, from: usize, to: usize) -> bool {
        let next = match self.next_quote {
            Some(q) if q >= from => q,
            _ => {
                let q = memchr::memchr(b'"', &self.buf[from..self.filled])
                    .map_or(self.filled, |i| from + i);
                self.next_quote = Some(q);
                q
            }
        };
        next < to
    }

    /// Note that a field read as text was not valid UTF-8.
    pub fn flag_invalid_utf8(&self) {
        self.invalid_utf8.set(true);
    }

    /// Whether a field read as text was not valid UTF-8.
    pub fn saw_invalid_utf8(&self) -> bool {
        self.invalid_utf8.get()
    }

    /// Bytes of input consumed so far.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The physical line the next byte is on.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Whether the current record ran to the end of the input inside a quoted field.
    pub fn unterminated_quote(&self) -> bool {
        self.last_at_eof && self.quotes % 2 == 1
    }

    /// Whether the last record was ended by the end of the input rather than a line break.
    pub fn last_at_eof(&self) -> bool {
        self.last_at_eof
    }

    /// Number of fields of the current record.
    #[inline]
    pub fn len(&self) -> usize {
        self.fields
    }

    /// Whether the current record has no field.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.fields == 0
    }

    /// Every field of the current record, one after the other.
    #[inline]
    pub fn record_bytes(&self) -> &[u8] {
        &self.out[..self.outlen]
    }

    /// Where field `i` of the current record lies in [`Self::record_bytes`].
    #[inline]
    pub fn field_range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        if i >= self.fields {
            return None;
        }
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] + self.gap
        };
        Some(start..self.ends[i])
    }

    /// Field `i` of the current record.
    #[inline]
    pub fn field(&self, i: usize) -> Option<&[u8]> {
        if i >= self.fields {
            return None;
        }
        self.field_range(i).map(|r| &self.out[r])
    }

    /// The physical line where the current record starts (1-based).
    #[inline]
    pub fn start_line(&self) -> u64 {
        self.start_line
    }

    /// Physical lines the current record spans.
    #[inline]
    pub fn lines_spanned(&self) -> u64 {
        self.expected_next - self.start_line
    }

    /// Whether one or more blank lines came right before the current record.
    #[inline]
    pub fn blank_before(&self) -> bool {
        self.blank_before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(data: &'static [u8]) -> Vec<(u64, bool, Vec<String>)> {
        let mut r = RecordReader::new(Box::new(data), b',');
        let mut out = Vec::new();
        while r.read().unwrap() {
            let fields = (0..r.len())
                .map(|i| String::from_utf8_lossy(r.field(i).unwrap()).into_owned())
                .collect();
            out.push((r.start_line(), r.blank_before(), fields));
        }
        out
    }

    #[test]
    fn lines_with_lf_crlf_blank_and_embedded_newlines() {
        let got = records(b"a,b\r\n1,2\r\n\r\n\"x\r\ny\",3\r\n4,5");
        assert_eq!(got[0], (1, false, vec!["a".into(), "b".into()]));
        assert_eq!(got[1], (2, false, vec!["1".into(), "2".into()]));
        assert_eq!(got[2], (4, true, vec!["x\r\ny".into(), "3".into()]));
        assert_eq!(got[3], (6, false, vec!["4".into(), "5".into()]));
        let got = records(b"\n\na,b\n1,2\n\n\n");
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].0, got[1].0), (3, 4));
    }

    /// Everything a caller can see of each record, read with or without the plain-line path.
    type Seen = Vec<(u64, bool, u64, bool, bool, Vec<Vec<u8>>)>;

    fn seen(data: &[u8], plain_lines: bool) -> Seen {
        let mut r = RecordReader::new(Box::new(std::io::Cursor::new(data.to_vec())), b',');
        r.plain_lines = plain_lines;
        let mut out = Vec::new();
        while r.read().unwrap() {
            let fields = (0..r.len()).map(|i| r.field(i).unwrap().to_vec()).collect();
            out.push((
                r.start_line(),
                r.blank_before(),
                r.lines_spanned(),
                r.last_at_eof(),
                r.unterminated_quote(),
                fields,
            ));
        }
        out.push((r.line(), false, 0, false, false, Vec::new()));
        out
    }

    #[test]
    fn plain_lines_read_as_csv_core_reads_them() {
        let cases: [&[u8]; 12] = [
            b"a,b\n1,2\n",
            b"a,b\r\n1,2\r\n\r\n3,\r\n",
            b"a,b\n1,2",
            b"a,b\n1,2\r",
            b"a,b\n1\r2,3\n",
            b"a,b\n,\n,,\n   \n",
            b"a,b\n\"x\ny\",2\n3,4\n",
            b"a,b\n1,\"2",
            b"a,b\nx\"y,2\n",
            b"\n\n\r\na\n\n",
            b"a,b\n1,2\n\n\nfooter\n",
            b"",
        ];
        for data in cases {
            assert_eq!(
                seen(data, true),
                seen(data, false),
                "{:?}",
                String::from_utf8_lossy(data)
            );
        }
        // Random text over the bytes that matter, with a fixed seed.
        let alphabet = b"ab,,\"\r\n\n ";
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 40) as usize;
            let data: Vec<u8> = (0..len)
                .map(|i| alphabet[((x >> (i % 50)) as usize + i * 7) % alphabet.len()])
                .collect();
            assert_eq!(
                seen(&data, true),
                seen(&data, false),
                "{:?}",
                String::from_utf8_lossy(&data)
            );
        }
    }

    #[test]
    fn large_fields_grow_buffers() {
        let mut data = b"k,v\n1,\"".to_vec();
        data.extend(std::iter::repeat_n(b'x', 3 * BUF));
        data.extend_from_slice(b"\"\n2,3\n");
        let data: &'static [u8] = Box::leak(data.into_boxed_slice());
        let got = records(data);
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].2[1].len(), 3 * BUF);
        assert_eq!(got[2], (3, false, vec!["2".into(), "3".into()]));
        let wide: String = (0..300)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let data: &'static [u8] =
            Box::leak(format!("{wide}\n{wide}\n").into_bytes().into_boxed_slice());
        let got = records(data);
        assert_eq!(got[1].2.len(), 300);
    }
}
