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
  vigie search-check queries.jsonl
  vigie policy check data/policy/default
  vigie backtest --policy my-policy/ --baseline data/policy/default items.jsonl

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
    /// Check and test a policy directory.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Compare a new policy with a baseline on the same items: what would change.
    #[command(after_help = "\
Examples:
  vigie backtest --policy my-policy/ --baseline data/policy/default examples/batch.jsonl
  vigie backtest --policy my-policy/ --baseline data/policy/default items.jsonl --out changes.jsonl

Prints counts per verdict, label and action under each policy and the difference, then the
items whose decision changes. With --out, each changed item is a JSON line:
{\"id\", \"baseline\": {verdict, labels, actions}, \"policy\": {verdict, labels, actions}}.")]
    Backtest(BacktestArgs),
    /// Search deterrence: is each query looking for a smuggler, and which help to show.
    #[command(after_help = "\
Input, one JSON line per query: {\"id\": \"q1\", \"query\": \"passeur libye italie prix\", \"locale\": \"fr\"}
(`locale` is optional). Output, one line per query:
  {\"id\": \"q1\", \"intent\": \"smuggling_seeking\", \"score\": 0.83,
   \"interstitial\": {\"template\": \"seeker.help\", \"lang\": \"fr\", \"status\": \"machine-draft\", \"text\": \"...\"}}
or \"intent\": \"benign\" with \"interstitial\": null.

Example:
  echo '{\"id\": \"q1\", \"query\": \"passeur libye italie prix\"}' | vigie search-check -")]
    SearchCheck(SearchCheckArgs),
    /// Train the text model on a labelled corpus (split train/dev/test by family).
    #[command(after_help = "\
Examples:
  vigie train --data data/corpus --out data/models/default.vgm
  vigie train --data data/corpus --out /tmp/m.vgm --seed 7 --epochs 20

The corpus is JSON Lines ({id, text, label, lang, kind, family}), a file or a directory of
.jsonl files. Families are split 70/15/15 into train/dev/test by a stable hash. The model is
calibrated on dev and its dev and test metrics are written into the file. Same corpus, seed
and settings: the same model bytes.")]
    Train(TrainArgs),
    /// Hash media files: PDQ (images, bit-exact with Meta's reference), vPDQ (video, with
    /// --vpdq), MD5 and SHA-256. One JSON line per file.
    #[command(after_help = "\
Examples:
  vigie hash ad.jpg hostage.png
  vigie hash --dihedral *.jpg > hashes.jsonl
  vigie hash --vpdq clip.mp4

Output, one line per file, in the order given:
  {\"path\": \"ad.jpg\", \"type\": \"image\", \"format\": \"jpeg\", \"width\": 1600, \"height\": 1004,
   \"pdq\": \"f8f8f0ce…\", \"quality\": 100, \"md5\": \"…\", \"sha256\": \"…\"}
A video gets \"type\": \"video\" and its digests; with --vpdq also \"frames\": [{\"frame\", \"quality\",
\"pdq\", \"timestamp\"}, …], one frame per second by default (--seconds-per-hash 0: every frame).
Images: JPEG, PNG, WebP, GIF (first frame), BMP. Video needs ffmpeg (apt-get install ffmpeg).
A hash with quality under 50 is unreliable for matching. A file that cannot be read or decoded
(over a size limit, truncated, a decompression bomb) is reported on stderr and skipped; the
others go on and the exit status is 1.")]
    Hash(HashArgs),
    /// Evaluate the model and the scorer on a labelled corpus split.
    #[command(after_help = "\
Examples:
  vigie eval --data data/corpus
  vigie eval --data data/corpus --split dev --model /tmp/m.vgm --curves pr.svg

Prints per-label precision/recall/F1, macro-F1, the benign false-positive rate, ransom recall,
a per-language table and the confusion matrix, for the combined scorer (what decisions use),
with the model alone and the evidence scorer alone for comparison.")]
    Eval(EvalArgs),
    /// Show the features that drove each score for one text.
    #[command(
        after_help = "Example:\n  vigie explain \"رحلة قادمة من زوارة لإيطاليا 2900 دينار واتس 0912345678\""
    )]
    Explain(ExplainArgs),
    /// Pick the items a reviewer should label next (the model is least sure about them).
    #[command(after_help = "Example:\n  vigie sample --uncertain 50 items.jsonl > to-label.jsonl")]
    Sample(SampleArgs),
}

#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Model file to use instead of the data's default model.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Data directory (lexicon, places, policy) instead of the embedded one.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The labelled corpus: a JSON Lines file or a directory of them.
    #[arg(long, value_name = "PATH")]
    pub data: PathBuf,
    /// Where to write the model.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Shuffle seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Passes over the training split (80 gave the best dev macro-F1 among 12 to 120).
    #[arg(long, default_value_t = 80)]
    pub epochs: usize,
    /// Data directory (lexicon, places, policy) instead of the embedded one.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The labelled corpus: a JSON Lines file or a directory of them.
    #[arg(long, value_name = "PATH")]
    pub data: PathBuf,
    /// The split to evaluate: train, dev or test.
    #[arg(long, default_value = "test")]
    pub split: String,
    /// Write precision-recall curves here (SVG).
    #[arg(long, value_name = "FILE")]
    pub curves: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The text; `-` reads standard input.
    pub text: String,
    /// Read the text as this kind of item (post, comment, message, profile, page, group,
    /// search, report, live_frame), as `scan` would; none by default. The model weighs the kind.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// How many items to pick.
    #[arg(long, value_name = "N")]
    pub uncertain: usize,
    /// Items as JSON Lines; `-` reads standard input.
    #[arg(value_name = "FILE|-")]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Load and type-check a policy directory (policy.toml, rules/*.toml): every CEL
    /// condition, signal name, label, action and notice template.
    #[command(after_help = "Example:\n  vigie policy check data/policy/default")]
    Check(PolicyDirArgs),
    /// Run a policy's own tests (DIR/tests.jsonl): each line an item and the labels, verdict
    /// and actions expected.
    #[command(after_help = "\
Example:
  vigie policy test data/policy/default

tests.jsonl, one test per line:
  {\"name\": \"seeker gets help\", \"item\": {\"id\": \"t1\", \"text\": \"je cherche un passeur\"},
   \"expect\": {\"verdict\": \"allow\", \"labels\": [\"smuggling.solicitation\"],
              \"actions\": [\"show_help\"], \"absent_actions\": [\"remove\", \"strike\"]}}
Every field of `expect` is optional; `labels` and `actions` must all be present (others may be too).")]
    Test(PolicyDirArgs),
}

#[derive(Debug, Args)]
pub struct PolicyDirArgs {
    /// The policy directory.
    pub dir: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// The new policy directory.
    #[arg(long, value_name = "DIR")]
    pub policy: PathBuf,
    /// The policy to compare with (a directory).
    #[arg(long, value_name = "DIR")]
    pub baseline: PathBuf,
    /// Items as JSON Lines; `-` reads standard input.
    #[arg(value_name = "FILE|-")]
    pub input: Option<PathBuf>,
    /// Write the changed items here as JSON Lines.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Args)]
pub struct SearchCheckArgs {
    /// Queries as JSON Lines (`id`, `query`, optional `locale`); `-` or nothing reads
    /// standard input.
    #[arg(value_name = "FILE|-")]
    pub input: Option<PathBuf>,
    /// Write results here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
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

#[derive(Debug, Args)]
pub struct HashArgs {
    /// Image or video files.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Also print the 8 dihedral PDQ hashes (rotations and flips) of each image.
    #[arg(long)]
    pub dihedral: bool,
    /// Hash videos frame by frame (vPDQ); needs ffmpeg.
    #[arg(long)]
    pub vpdq: bool,
    /// Seconds between hashed video frames (0: every frame).
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    pub seconds_per_hash: f64,
    /// Largest file accepted, in MiB.
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    pub max_mib: u64,
    /// Write the lines here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}
