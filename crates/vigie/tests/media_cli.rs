//! `vigie hash`, `vigie bank` and `vigie scan --banks` as a user runs them, on the PDQ anchor
//! images (`shared/anchors/pdq/`, beside the repository).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn vigie(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn anchors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/anchors/pdq")
        .canonicalize()
        .unwrap()
}

fn image(name: &str) -> String {
    anchors()
        .join("images/pdq/data")
        .join(name)
        .display()
        .to_string()
}

fn lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn hash_prints_the_reference_hash_and_skips_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("truncated.jpg"),
        &std::fs::read(image("bridge-mods/aaa-orig.jpg")).unwrap()[..5000],
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not an image").unwrap();
    let out = vigie(
        &[
            "hash",
            &image("bridge-mods/aaa-orig.jpg"),
            "truncated.jpg",
            "notes.txt",
            "--dihedral",
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = lines(&out.stdout);
    assert_eq!(got.len(), 1);
    // Meta's reference hash of this photo (python-threatexchange's test value).
    assert_eq!(
        got[0]["pdq"],
        "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    );
    assert_eq!(got[0]["quality"], 100);
    assert_eq!(got[0]["type"], "image");
    assert_eq!(got[0]["dihedral"].as_object().unwrap().len(), 8);
    assert_eq!(got[0]["md5"].as_str().unwrap().len(), 32);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("truncated.jpg") && err.contains("corrupt or truncated"),
        "{err}"
    );
    assert!(
        err.contains("notes.txt") && err.contains("not a supported image"),
        "{err}"
    );
}

#[test]
fn a_bank_made_from_files_and_lists_matches_copies_rotations_and_scanned_items() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = |args: &[&str]| {
        let out = vigie(args, d);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    ok(&[
        "bank",
        "create",
        "ransom-media",
        "--label",
        "extortion.ransom",
    ]);
    ok(&[
        "bank",
        "add",
        "ransom-media",
        "--file",
        &image("bridge-mods/aaa-orig.jpg"),
        "--source",
        "ngo:invented",
    ]);
    let list = anchors().join("exchange-samples/hasher-matcher-actioner/sample_data/pdq.csv");
    let out = ok(&["bank", "import", "ransom-media", list.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("138 added, 1 duplicates"));

    // A blurred copy matches; a rotated copy only with --dihedral.
    let out = ok(&["bank", "match", &image("bridge-mods/blur-a-lot.jpg")]);
    let m = &lines(&out.stdout)[0]["matches"][0];
    assert_eq!(
        (m["bank"].as_str(), m["label"].as_str()),
        (Some("ransom-media"), Some("extortion.ransom"))
    );
    assert!(m["distance"].as_u64().unwrap() <= 31);
    let rotated = image("reg-test-input/dih/bridge-2-rotate-90.jpg");
    assert_eq!(
        vigie(&["bank", "match", &rotated], d).status.code(),
        Some(1)
    );
    ok(&["bank", "match", "--dihedral", &rotated]);

    // Export and re-import into another bank: the same 140 entries.
    ok(&["bank", "export", "ransom-media", "--out", "all.jsonl"]);
    ok(&["bank", "create", "copy", "--label", "extortion.ransom"]);
    let out = ok(&["bank", "import", "copy", "all.jsonl"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("140 added"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // An item sent by a family with a shrunk copy of the photo.
    std::fs::copy(
        image("bridge-mods/shrink-a-lot.jpg"),
        d.join("received.jpg"),
    )
    .unwrap();
    let item = r#"{"id":"r-1","kind":"report","text":"Waxaan helay sawirkan","media":[{"id":"m1","type":"image","path":"received.jpg"}]}"#;
    std::fs::write(d.join("items.jsonl"), format!("{item}\n")).unwrap();
    let out = ok(&["scan", "items.jsonl", "--banks", "vigie-banks", "-q"]);
    let decision = &lines(&out.stdout)[0];
    assert_eq!(decision["labels"][0]["label"], "extortion.ransom");
    let reasons = decision["reasons"].as_array().unwrap();
    let bank_reason = reasons
        .iter()
        .find(|r| r["rule"] == "media_matches_ransom_bank")
        .expect("bank rule");
    // Both banks hold the photo; the evidence names one of them.
    assert!(bank_reason["evidence"]
        .to_string()
        .contains("media m1 matches hash bank"));

    // Disabled, the entry no longer matches.
    ok(&["bank", "remove", "ransom-media", "1", "--disable"]);
    ok(&["bank", "remove", "copy", "1", "--disable"]);
    let out = ok(&["scan", "items.jsonl", "--banks", "vigie-banks", "-q"]);
    assert!(!lines(&out.stdout)[0]["reasons"]
        .to_string()
        .contains("media_matches_ransom_bank"));
}

#[test]
fn bank_commands_name_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let out = vigie(
        &["bank", "create", "Bad Name", "--label", "extortion.ransom"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let out = vigie(
        &["bank", "create", "ads", "--label", "smuggling.adverts"],
        dir.path(),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("smuggling.adverts"));
    let out = vigie(&["bank", "list"], dir.path());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("vigie bank create"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
