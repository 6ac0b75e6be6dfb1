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
  vigie hash --dihedral photo.jpg
  vigie bank create ransom-media --label extortion.ransom
  vigie scan items.jsonl --banks vigie-banks
  vigie token create --data vigie-data --scope ingest --name publishing-path
  vigie serve --listen 127.0.0.1:8080 --data vigie-data

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
    /// Train the text model on a labelled corpus (split train/dev/test by family; fits on
    /// train and dev, calibrated by cross-validation).
    #[command(after_help = "\
Examples:
  vigie train --data data/corpus --out data/models/default.vgm
  vigie train --data data/corpus --out /tmp/m.vgm --seed 7 --epochs 20
  vigie train --data data/corpus --out /tmp/m.vgm --holdout-dev   # then: vigie eval --split dev

The corpus is JSON Lines ({id, text, label, lang, kind, family}), a file or a directory of
.jsonl files. Families are split 70/15/15 into train/dev/test by a stable hash; test is never
trained on. The model fits on train and dev (on train alone with --holdout-dev). Its
calibration (temperature, ransom boost, benign bias) fits on out-of-fold scores: the fitted
families are cut into --folds folds, and each fold is scored by a model trained without it.
Cross-validated and test metrics are written into the file. Same corpus, seed and settings:
the same model bytes.")]
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
    /// Hash banks: named, labelled lists of PDQ, MD5, SHA-256 and vPDQ hashes that media are
    /// matched against (`vigie scan --banks DIR`).
    #[command(subcommand)]
    Bank(BankCommand),
    /// Run Vigie as an HTTP service: items, batches, search checks, reports, cases, appeals,
    /// banks, HMA-compatible lookup, metrics, and the reviewer console at /console (sign in with
    /// a `review` token); state in SQLite under --data (./vigie-data).
    Serve(vigie_server::ServeArgs),
    /// API tokens for `vigie serve`: create (printed once, stored hashed), list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The audit log of a server's data directory.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Evaluate the model and the scorer on a labelled corpus split.
    #[command(after_help = "\
Examples:
  vigie eval --data data/corpus
  vigie eval --data data/corpus --split dev --model /tmp/m.vgm --curves pr.svg
  vigie eval --data data/corpus/heldout --split all

Prints per-label precision/recall/F1, macro-F1, the benign false-positive rate, ransom recall,
a per-language table and the confusion matrix, for the combined scorer (what decisions use),
with the model alone and the evidence scorer alone for comparison. The default model is fitted
on train and dev: evaluate it on test (the default) or on a set kept apart; a split the model
was fitted on is evaluated with a warning on stderr (train with --holdout-dev to measure dev).")]
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
    /// Passes over the training examples (80 gave the best dev macro-F1 among 12 to 120).
    #[arg(long, default_value_t = 80)]
    pub epochs: usize,
    /// Cross-validation folds (by family) whose out-of-fold scores calibrate the model.
    #[arg(long, default_value_t = 5, value_parser = folds)]
    pub folds: usize,
    /// Fit on train alone and report dev as held out: for choosing settings on dev. By default
    /// the model fits on train and dev.
    #[arg(long)]
    pub holdout_dev: bool,
    /// Data directory (lexicon, places, policy) instead of the embedded one.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The labelled corpus: a JSON Lines file or a directory of them.
    #[arg(long, value_name = "PATH")]
    pub data: PathBuf,
    /// The split to evaluate: train, dev or test (by family, as `vigie train` splits), or all
    /// (every item: a labelled set kept apart from the corpus).
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
    /// Hash banks to match media against (a directory made by `vigie bank create`); without
    /// it media are not matched.
    #[arg(long, value_name = "DIR", global = true)]
    pub banks: Option<PathBuf>,
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
    /// Where relative media paths are resolved (default: the input file's folder, or the
    /// current folder for standard input).
    #[arg(long, value_name = "DIR")]
    pub media_root: Option<PathBuf>,
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

#[derive(Debug, Args)]
pub struct BanksDir {
    /// The banks' directory.
    #[arg(long, value_name = "DIR", default_value = "vigie-banks")]
    pub banks: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Create a bank.
    #[command(after_help = "\
Examples:
  vigie bank create ransom-media --label extortion.ransom --description \"hostage photos sent to families\"
  vigie bank create smuggling-ads --label smuggling.advertisement --banks /srv/vigie/banks

Names: a-z, 0-9, - and _, up to 64 characters. Labels: smuggling.advertisement,
smuggling.solicitation, smuggling.documents, trafficking.recruitment, extortion.ransom, benign.")]
    Create {
        /// The bank's name.
        name: String,
        /// The label a match gives an item.
        #[arg(long)]
        label: String,
        /// What the bank holds and where it comes from.
        #[arg(long, default_value = "")]
        description: String,
        #[command(flatten)]
        dir: BanksDir,
    },
    /// Add hashes, or the hashes of media files, to a bank.
    #[command(after_help = "\
Examples:
  vigie bank add ransom-media --file hostage.jpg --source \"ngo:alarmphone\" --tag 2026-11
  vigie bank add smuggling-ads f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22
  vigie bank add ransom-media --kind md5 900150983cd24fb0d6963f7d28e17f72

A 64-hex value is taken as PDQ unless --kind sha256. A --file image adds its PDQ hash and its
MD5; a video (--file clip.mp4, needs ffmpeg) adds its vPDQ frames and its MD5.")]
    Add {
        /// The bank.
        name: String,
        /// Hash values (hex).
        values: Vec<String>,
        /// Media files to hash and add.
        #[arg(long = "file", value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Kind of the values: pdq, md5, sha256.
        #[arg(long)]
        kind: Option<String>,
        /// Where the hashes come from.
        #[arg(long, default_value = "cli")]
        source: String,
        /// Tags (repeat the flag).
        #[arg(long = "tag")]
        tags: Vec<String>,
        #[command(flatten)]
        dir: BanksDir,
    },
    /// Import a hash list (ThreatExchange CSV, HMA lists, JSON Lines...).
    #[command(after_help = "\
Examples:
  vigie bank import smuggling-ads pdq.csv
  vigie bank import ransom-media partner-export.jsonl --source partner:x --tag shared
  vigie bank import ransom-media hashes.txt --format local-file --kind sha256

Formats (detected when --format is not given): te-csv, hma-csv, pytx-csv, local-file, hma-json,
jsonl, vpdq-text (docs/hash-banks.md). A bad line is reported with its number and skipped;
values already in the bank are counted as duplicates; the rest is imported.")]
    Import {
        /// The bank.
        name: String,
        /// The list.
        file: PathBuf,
        /// The list's format.
        #[arg(long)]
        format: Option<String>,
        /// The kind of hash, for formats that do not say (pdq, md5, sha256, vpdq).
        #[arg(long)]
        kind: Option<String>,
        /// Source of every imported entry (replaces the list's own).
        #[arg(long)]
        source: Option<String>,
        /// Tags added to every imported entry.
        #[arg(long = "tag")]
        tags: Vec<String>,
        #[command(flatten)]
        dir: BanksDir,
    },
    /// Export a bank in one of the exchange formats.
    #[command(after_help = "\
Examples:
  vigie bank export smuggling-ads --format te-csv --kind pdq > pdq.csv
  vigie bank export ransom-media --out ransom-media.jsonl")]
    Export {
        /// The bank.
        name: String,
        /// The format (default jsonl, which keeps every field).
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// Only this kind of hash.
        #[arg(long)]
        kind: Option<String>,
        /// Write here instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        dir: BanksDir,
    },
    /// List the banks, or one bank's entries (JSON Lines).
    List {
        /// A bank whose entries to print.
        name: Option<String>,
        #[command(flatten)]
        dir: BanksDir,
    },
    /// Remove, disable or enable an entry.
    #[command(after_help = "\
Examples:
  vigie bank remove smuggling-ads 12
  vigie bank remove smuggling-ads 12 --disable   (kept, but never matches)
  vigie bank remove smuggling-ads 12 --enable")]
    Remove {
        /// The bank.
        name: String,
        /// The entry's id.
        id: u32,
        /// Keep the entry but stop matching it.
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        /// Match a disabled entry again.
        #[arg(long)]
        enable: bool,
        #[command(flatten)]
        dir: BanksDir,
    },
    /// Match hashes or media files against every bank.
    #[command(after_help = "\
Examples:
  vigie bank match suspect.jpg
  vigie bank match --dihedral rotated.jpg --radius 40
  vigie bank match f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22

One JSON line per query: {\"query\", \"matches\": [{\"bank\", \"label\", \"entry\", \"kind\",
\"distance\", \"source\", \"tags\"}, ...]}, nearest first. Exit status 0 when something
matched, 1 when nothing did.")]
    Match {
        /// PDQ hashes (64 hex), MD5s (32 hex) or media files.
        #[arg(required = true)]
        queries: Vec<String>,
        /// Largest PDQ distance (0..=63; 31 is Meta's recommendation).
        #[arg(long, default_value_t = 31)]
        radius: u32,
        /// Also match the 8 rotations and flips of each image.
        #[arg(long)]
        dihedral: bool,
        #[command(flatten)]
        dir: BanksDir,
    },
}

#[derive(Debug, Args)]
pub struct StateDir {
    /// The server's data directory (its SQLite database).
    #[arg(long = "data", value_name = "DIR", default_value = "vigie-data")]
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it, alone, on standard output (it is stored hashed: keep it).
    #[command(after_help = "\
Examples:
  vigie token create --data vigie-data --scope ingest --name publishing-path
  vigie token create --scope flag --scope report --name ngo-alarm --trusted-flagger
  vigie token create --scope admin --name ops

Scopes: ingest (POST /v1/items), search (search checks), report (user reports), review (cases),
flag (trusted-flagger submissions), admin (everything, including banks and tokens).")]
    Create {
        /// What the token may do (repeat for several).
        #[arg(long = "scope", required = true, value_name = "SCOPE")]
        scopes: Vec<String>,
        /// Who holds it (written in the audit log).
        #[arg(long)]
        name: String,
        /// A trusted flagger (DSA Art. 22): its reports jump ahead in review.
        #[arg(long)]
        trusted_flagger: bool,
        #[command(flatten)]
        state: StateDir,
    },
    /// List tokens (never their secrets), one JSON line each.
    List {
        #[command(flatten)]
        state: StateDir,
    },
    /// Revoke a token by its id.
    Revoke {
        /// The token's id (from `vigie token list`).
        id: i64,
        #[command(flatten)]
        state: StateDir,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain of the audit log: any edited, inserted or deleted entry is found.
    #[command(after_help = "\
Example:
  vigie audit verify --data vigie-data

Exit status 0 when the chain holds, 1 when it is broken (the first bad entry is named).")]
    Verify {
        #[command(flatten)]
        state: StateDir,
    },
}

/// `--folds`: 2 to 20 cross-validation folds.
fn folds(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (2..=20).contains(&n) => Ok(n),
        _ => Err(format!("{value:?} is not a number of folds from 2 to 20")),
    }
}
