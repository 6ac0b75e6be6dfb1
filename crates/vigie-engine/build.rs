//! Embeds the repository's `data/` directory (lexicon, gazetteer, policy, notices) into the engine, so
//! that `vigie` runs on its defaults from any directory, with nothing but the binary.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "corpus") {
                // Training data for `vigie train`, not something the engine loads.
                continue;
            }
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("tsv" | "toml" | "txt" | "jsonl")
        ) {
            out.push(path);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let data = manifest
        .join("../../data")
        .canonicalize()
        .expect("data/ directory");
    println!("cargo:rerun-if-changed={}", data.display());
    let mut files = Vec::new();
    collect(&data, &mut files);
    let mut code = String::from("/// Data files embedded at build time: `(path relative to data/, contents)`.\npub static EMBEDDED: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let rel = path
            .strip_prefix(&data)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let model = data.join("models/default.vgm");
    println!("cargo:rerun-if-changed={}", model.display());
    if model.exists() {
        writeln!(code, "/// The default model embedded at build time.\npub static EMBEDDED_MODEL: Option<&[u8]> = Some(include_bytes!({:?}));", model.display().to_string()).unwrap();
    } else {
        code.push_str("/// No default model was present at build time.\npub static EMBEDDED_MODEL: Option<&[u8]> = None;\n");
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded_data.rs");
    std::fs::write(out, code).unwrap();
}
