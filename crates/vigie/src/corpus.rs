//! The labelled corpus (`data/corpus/*.jsonl`): items with a label, a language and a family,
//! split into train, dev and test by family so that the test set measures generalisation.

use anyhow::Context;
use serde::Deserialize;
use std::path::Path;
use vigie_core::{Item, ItemKind, Label};

/// One labelled item.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub item: Item,
    pub label: Label,
    pub lang: String,
    pub family: String,
}

#[derive(Debug, Deserialize)]
struct Line {
    id: String,
    text: String,
    label: Label,
    lang: String,
    #[serde(default)]
    kind: Option<ItemKind>,
    family: String,
}

pub use vigie_model::split::{fold_of, split_of, Split};

/// Loads a corpus file, or every `.jsonl` file of a directory (sorted). Bad lines are errors
/// naming the file and line: a corpus is curated data.
pub fn load(path: &Path) -> anyhow::Result<(Vec<Labelled>, String)> {
    let mut files = Vec::new();
    if path.is_dir() {
        for entry in
            std::fs::read_dir(path).with_context(|| format!("reading {}", path.display()))?
        {
            let p = entry?.path();
            if p.extension().is_some_and(|e| e == "jsonl") {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut items = Vec::new();
    let mut hasher_input = Vec::new();
    for file in &files {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        hasher_input.extend_from_slice(text.as_bytes());
        for (idx, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let parsed: Line = serde_json::from_str(line)
                .with_context(|| format!("{}: line {}", file.display(), idx + 1))?;
            items.push(Labelled {
                item: Item {
                    id: parsed.id,
                    kind: parsed.kind,
                    text: Some(parsed.text),
                    ..Item::default()
                },
                label: parsed.label,
                lang: parsed.lang,
                family: parsed.family,
            });
        }
    }
    if items.is_empty() {
        anyhow::bail!("{} has no labelled items", path.display());
    }
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&hasher_input)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((items, digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_folds_are_stable_and_cut_across_each_other() {
        let families: Vec<String> = (0..20_000).map(|i| format!("f-{i}")).collect();
        let mut counts = [[0usize; 5]; 3];
        for family in &families {
            let split = split_of(family) as usize;
            counts[split][fold_of(family, 5)] += 1;
        }
        let share = |split: usize| counts[split].iter().sum::<usize>() as f64 / 20_000.0;
        assert!((share(0) - 0.70).abs() < 0.02, "{counts:?}");
        assert!((share(1) - 0.15).abs() < 0.02, "{counts:?}");
        // Each split spreads evenly over the folds: no fold is mostly dev or mostly train.
        for split in counts {
            let total: usize = split.iter().sum();
            for n in split {
                assert!((n as f64 / total as f64 - 0.2).abs() < 0.03, "{counts:?}");
            }
        }
    }
}
