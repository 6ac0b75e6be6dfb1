//! The engine's data files: embedded at build time, or read from a directory.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/embedded_data.rs"));

/// Why the engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A data file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A required data file is missing.
    #[error("data file `{0}` is missing from the data directory")]
    Missing(String),
    /// A lexicon or gazetteer line is wrong.
    #[error(transparent)]
    Data(#[from] vigie_text::DataError),
    /// The policy is wrong.
    #[error(transparent)]
    Policy(#[from] vigie_policy::PolicyError),
    /// The model file is wrong.
    #[error("the model file ({MODEL_FILE} or --model)")]
    Model(#[from] vigie_model::linear::ModelError),
    /// A notice template is wrong.
    #[error(transparent)]
    Notices(#[from] vigie_policy::notices::NoticeError),
    /// The policy names a notice template that does not exist.
    #[error("the policy names the notice template `{0}`, which data/notices/ does not have")]
    MissingTemplate(String),
}

/// Where the policy lives in the data directory.
pub const POLICY_DIR: &str = "policy/default/";

/// The default model in the data directory.
pub const MODEL_FILE: &str = "models/default.vgm";

/// Where the notices live in the data directory.
pub const NOTICES_DIR: &str = "notices/";

/// A set of data files: `(path relative to the data directory, contents)`.
#[derive(Debug, Clone, Default)]
pub struct DataFiles {
    files: Vec<(String, String)>,
    model: Option<Vec<u8>>,
}

impl DataFiles {
    /// The files embedded at build time.
    pub fn embedded() -> DataFiles {
        DataFiles {
            files: EMBEDDED
                .iter()
                .map(|(p, c)| (p.to_string(), c.to_string()))
                .collect(),
            model: EMBEDDED_MODEL.map(<[u8]>::to_vec),
        }
    }

    /// Reads the `.tsv`, `.toml`, `.txt` and `.jsonl` files under `dir`.
    pub fn from_dir(dir: &Path) -> Result<DataFiles, EngineError> {
        let mut files = Vec::new();
        read_dir(dir, dir, &mut files)?;
        files.sort();
        let model_path = dir.join(MODEL_FILE);
        let model = if model_path.exists() {
            Some(
                std::fs::read(&model_path).map_err(|source| EngineError::Io {
                    path: model_path,
                    source,
                })?,
            )
        } else {
            None
        };
        Ok(DataFiles { files, model })
    }

    /// A data set from in-memory files (tests, tools).
    pub fn from_vec(files: Vec<(String, String)>) -> DataFiles {
        DataFiles { files, model: None }
    }

    /// The model file's bytes, if the data has one.
    pub fn model(&self) -> Option<&[u8]> {
        self.model.as_deref()
    }

    /// The same data with another model (or none).
    pub fn with_model(mut self, model: Option<Vec<u8>>) -> DataFiles {
        self.model = model;
        self
    }

    /// The lexicon files (`lexicon/*.tsv`).
    pub fn lexicon_files(&self) -> Vec<(&str, &str)> {
        self.files
            .iter()
            .filter(|(p, _)| p.starts_with("lexicon/") && p.ends_with(".tsv"))
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect()
    }

    /// The files of a directory, paths relative to it (`policy/default/` gives `policy.toml`,
    /// `rules/offers.toml`...).
    pub fn under(&self, prefix: &str) -> Vec<(&str, &str)> {
        self.files
            .iter()
            .filter_map(|(p, c)| p.strip_prefix(prefix).map(|rel| (rel, c.as_str())))
            .collect()
    }

    /// The same data with the policy replaced by the policy directory `dir` (for backtests
    /// and `--policy`).
    pub fn with_policy_dir(mut self, dir: &Path) -> Result<DataFiles, EngineError> {
        let mut policy = Vec::new();
        read_dir(dir, dir, &mut policy)?;
        self.files.retain(|(p, _)| !p.starts_with(POLICY_DIR));
        self.files.extend(
            policy
                .into_iter()
                .map(|(p, c)| (format!("{POLICY_DIR}{p}"), c)),
        );
        self.files.sort();
        Ok(self)
    }

    /// A file, if present.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, c)| c.as_str())
    }

    /// A file that must exist.
    pub fn required(&self, path: &str) -> Result<(&str, &str), EngineError> {
        self.files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .ok_or_else(|| EngineError::Missing(path.to_string()))
    }

    /// The first 12 hex digits of a SHA-256 over every file's path and contents: the data
    /// version written into decisions.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, contents) in &self.files {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update(contents.as_bytes());
            hasher.update([0]);
        }
        if let Some(model) = &self.model {
            hasher.update(model);
        }
        let digest = hasher.finalize();
        digest[..6].iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn read_dir(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<(), EngineError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| EngineError::Io { path, source }
    };
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "corpus") {
                // Training data for `vigie train`, not something the engine loads.
                continue;
            }
            read_dir(root, &path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("tsv" | "toml" | "txt" | "jsonl")
        ) {
            let contents = std::fs::read_to_string(&path).map_err(io(&path))?;
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, contents));
        }
    }
    Ok(())
}
