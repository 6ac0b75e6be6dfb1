//! Command-line arguments. Only what was typed is validated here; `commands` builds the engine.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Vigie finds migrant-smuggling ads, trafficking recruitment and ransom extortion in
/// multilingual social-media content, decides what to do by policy, and says why.
#[derive(Debug, Parser)]
#[command(name = "vigie", version, about, long_about = None)]
#[command(after_help = "\
Examples:
  vigie scan examples/batch.jsonl --out decisions.jsonl
  cat items.jsonl | vigie scan - > decisions.jsonl
  vigie classify examples/batch.jsonl
  vigie inspect \"رحلة قادمة من زوارة لإيطاليا 2900 دينار واتس 0912345678\"

Exit status: 0 when every line was processed, 1 when some lines were reported and skipped,
2 on a fatal error (unreadable input, invalid data directory, bad arguments).
Formats: docs/contract.md.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate items (JSON Lines) and write one decision per item (JSON Lines).
    #[command(after_help = "\
Examples:
  vigie scan examples/batch.jsonl --out decisions.jsonl
  vigie scan items.jsonl > decisions.jsonl 2> scan.log
  zcat dump.jsonl.gz | vigie scan - --out decisions.jsonl

Each input line is one item: {\"id\": \"p-1\", \"kind\": \"post\", \"text\": \"...\"}; only `id` is
required and unknown fields are kept. A bad line (invalid JSON or UTF-8, missing `id`, `text`
over 1 MiB, line over 4 MiB) is reported on stderr with its line number and skipped; the
rest of the batch goes on and the exit status is 1. A progress bar (items/s) shows on
stderr when it is a terminal; a summary table (verdicts, labels, languages) follows.")]
    Scan(ScanArgs),
    /// Score items: one line per input line with the six label scores and the top label.
    #[command(after_help = "\
Output, one line per input line with `id` and `text`:
  {\"id\": \"p-1\", \"scores\": {\"smuggling.advertisement\": 0.97, ..., \"benign\": 0.02},
   \"label\": \"smuggling.advertisement\"}

Examples:
  vigie classify examples/batch.jsonl
  echo '{\"id\": \"q\", \"text\": \"je cherche un passeur\"}' | vigie classify -")]
    Classify(ClassifyArgs),
    /// Show what the text pipeline sees in one text: normalised form, language, lexicon
    /// hits, places, entities and scores. For people writing rules and lexicons.
    #[command(after_help = "\
Examples:
  vigie inspect \"7arga l italia men sabratha, 0٩١ ٢٣٤ ٥٦٧٨ wa.me/218912345678\"
  vigie inspect --json \"je cherche un passeur pour l'Italie\"
  echo \"text from a file\" | vigie inspect -")]
    Inspect(InspectArgs),
}

#[derive(Debug, Args)]
pub struct DataArgs {
    /// Data directory (lexicon/, places.tsv, policy/) to load instead of the defaults
    /// embedded in the binary.
    #[arg(long, value_name = "DIR", global = true)]
    pub data: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Items as JSON Lines; `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-")]
    pub input: Option<PathBuf>,
    /// Write decisions here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// No progress bar and no summary table.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Items as JSON Lines (`id` and `text`); `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-")]
    pub input: Option<PathBuf>,
    /// Write results here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The text to inspect; `-` reads standard input.
    pub text: String,
    /// The author's country (ISO 3166-1 alpha-2), a prior for phone numbers.
    #[arg(long, value_name = "CC")]
    pub country: Option<String>,
    /// Print JSON instead of a readable report.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub data: DataArgs,
}
