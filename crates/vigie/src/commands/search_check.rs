//! `vigie search-check`: intent and interstitial per search query.

use super::{engine, output, stream_lines, Status};
use crate::args::SearchCheckArgs;
use indicatif::ProgressBar;
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
    let bad_lines = stream_lines(
        args.input.as_deref(),
        &mut out,
        &ProgressBar::hidden(),
        |text| {
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
        },
        |out, json| {
            out.write_all(json.as_bytes())?;
            out.write_all(b"\n")
        },
    )?;
    Ok(if bad_lines > 0 {
        Status::SkippedLines
    } else {
        Status::Clean
    })
}
