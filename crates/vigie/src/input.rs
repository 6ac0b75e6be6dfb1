//! Reading JSON Lines input: bounded lines, line numbers, one error per bad line, in parallel
//! chunks that keep the input order.

use rayon::prelude::*;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use vigie_core::limits;

/// One input line.
pub struct Line {
    /// 1-based line number.
    pub number: usize,
    /// The bytes, without the newline (cut at the limit when oversized).
    pub bytes: Vec<u8>,
    /// The full length when the line was over [`limits::MAX_LINE_BYTES`].
    pub oversized: Option<usize>,
}

/// Reads lines without ever holding more than the line limit in memory.
pub struct LineReader {
    reader: Box<dyn BufRead + Send>,
    number: usize,
}

/// Lines per parallel chunk.
const CHUNK_LINES: usize = 4096;

impl LineReader {
    /// Opens a file, or standard input for `None` or `-`.
    pub fn open(path: Option<&Path>) -> io::Result<LineReader> {
        match path {
            Some(p) if p != Path::new("-") => {
                let file = File::open(p)?;
                Ok(LineReader::new(Box::new(BufReader::with_capacity(
                    1 << 16,
                    file,
                ))))
            }
            _ => Ok(LineReader::new(Box::new(BufReader::new(io::stdin())))),
        }
    }

    fn new(reader: Box<dyn BufRead + Send>) -> LineReader {
        LineReader { reader, number: 0 }
    }

    /// The next line, or `None` at the end.
    pub fn next_line(&mut self) -> io::Result<Option<Line>> {
        let mut bytes = Vec::new();
        let mut total = 0usize;
        let mut saw_any = false;
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                break;
            }
            saw_any = true;
            let (chunk, done) = match memchr(buf) {
                Some(pos) => (&buf[..pos], Some(pos + 1)),
                None => (buf, None),
            };
            let room = limits::MAX_LINE_BYTES.saturating_sub(bytes.len());
            bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            total += chunk.len();
            let consumed = done.unwrap_or(buf.len());
            self.reader.consume(consumed);
            if done.is_some() {
                break;
            }
        }
        if !saw_any {
            return Ok(None);
        }
        self.number += 1;
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        Ok(Some(Line {
            number: self.number,
            bytes,
            oversized: (total > limits::MAX_LINE_BYTES).then_some(total),
        }))
    }

    /// Up to `CHUNK_LINES` lines.
    pub fn next_chunk(&mut self) -> io::Result<Vec<Line>> {
        let mut lines = Vec::with_capacity(CHUNK_LINES);
        while lines.len() < CHUNK_LINES {
            match self.next_line()? {
                Some(line) => lines.push(line),
                None => break,
            }
        }
        Ok(lines)
    }
}

fn memchr(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|&b| b == b'\n')
}

/// What became of one line.
pub enum Outcome<T> {
    /// Processed.
    Done(T),
    /// Reported and skipped.
    Bad(String),
    /// A blank line: ignored.
    Blank,
}

/// The line as text, `None` when blank; an error names the problem.
pub fn line_text(line: &Line) -> Result<Option<&str>, String> {
    if let Some(size) = line.oversized {
        return Err(format!(
            "line is {size} bytes, over the limit of {} bytes (4 MiB)",
            limits::MAX_LINE_BYTES
        ));
    }
    let text = std::str::from_utf8(&line.bytes)
        .map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
    Ok((!text.trim().is_empty()).then_some(text))
}

/// Processes a chunk of raw lines on all cores, keeping their order.
pub fn process_raw_chunk<T: Send>(
    lines: &[Line],
    process: &(impl Fn(&str) -> Result<T, String> + Sync),
) -> Vec<Outcome<T>> {
    lines
        .par_iter()
        .map(|line| match line_text(line) {
            Ok(Some(text)) => match process(text) {
                Ok(result) => Outcome::Done(result),
                Err(message) => Outcome::Bad(message),
            },
            Ok(None) => Outcome::Blank,
            Err(message) => Outcome::Bad(message),
        })
        .collect()
}

/// Reads a whole argument that may be `-` for standard input.
pub fn read_text_arg(text: &str) -> io::Result<String> {
    if text == "-" {
        let mut s = String::new();
        io::stdin().read_to_string(&mut s)?;
        Ok(s)
    } else {
        Ok(text.to_string())
    }
}
