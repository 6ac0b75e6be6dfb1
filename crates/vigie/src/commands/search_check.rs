//! `vigie search-check`: intent and interstitial per search query.

use super::{engine, output, Status};
use crate::args::SearchCheckArgs;
use crate::input::{process_raw_chunk, LineReader, Outcome};
use anyhow::Context;
use serde::Deserialize;

/// One input line.
#[derive(Debug, Deserialize)]
struct Query {
    id: String,
    query: String,
    #[serde(default)]
    locale: Option<String>,
}

pub fn run(args: SearchCheckArgs) -> anyhow::Result<Status> {
    let engine = engine(&args.data)?;
    let mut out = output(args.out.as_deref())?;
    let name = args
        .input
        .as_ref()
        .filter(|p| p.as_os_str() != "-")
        .map_or("standard input".to_string(), |p| p.display().to_string());
    let mut reader =
        LineReader::open(args.input.as_deref()).with_context(|| format!("opening {name}"))?;
    let mut bad_lines = 0;
    loop {
        let lines = reader
            .next_chunk()
            .with_context(|| format!("reading {name}"))?;
        if lines.is_empty() {
            break;
        }
        let outcomes = process_raw_chunk(&lines, &|text| {
            let query: Query =
                serde_json::from_str(text).map_err(|e| format!("invalid query: {e}"))?;
            if query.query.len() > vigie_core::limits::MAX_TEXT_BYTES {
                return Err(format!(
                    "field `query` is {} bytes, over the limit of {} bytes",
                    query.query.len(),
                    vigie_core::limits::MAX_TEXT_BYTES
                ));
            }
            let check = engine.search_check(&query.id, &query.query, query.locale.as_deref());
            Ok(serde_json::to_string(&check).expect("search checks serialise"))
        });
        for (line, outcome) in lines.iter().zip(outcomes) {
            match outcome {
                Outcome::Done(json) => {
                    out.write_all(json.as_bytes())?;
                    out.write_all(b"\n")?;
                }
                Outcome::Bad(message) => {
                    bad_lines += 1;
                    eprintln!("vigie: {name}: line {}: {message}; skipped", line.number);
                }
                Outcome::Blank => {}
            }
        }
    }
    out.flush()?;
    Ok(if bad_lines > 0 {
        Status::SkippedLines
    } else {
        Status::Clean
    })
}
