//! The `vigie` binary as a user runs it: real files, real processes, exit codes and messages.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn vigie() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = vigie()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn lines(output: &[u8]) -> Vec<Value> {
    String::from_utf8(output.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn scan_examples_writes_one_decision_per_item() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("decisions.jsonl");
    let output = vigie()
        .args(["scan", "examples/batch.jsonl", "--out"])
        .arg(&out)
        .current_dir(repo())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let decisions = lines(&std::fs::read(&out).unwrap());
    assert_eq!(decisions.len(), 100);
    // The summary table names verdicts, labels and languages.
    for word in ["verdict", "smuggling.advertisement", "language", "items/s"] {
        assert!(stderr.contains(word), "summary lacks {word}: {stderr}");
    }
    // Every decision has the contract's fields.
    for d in &decisions {
        for field in [
            "id",
            "verdict",
            "severity",
            "labels",
            "actions",
            "reasons",
            "entities",
            "policy_version",
            "model_version",
        ] {
            assert!(d.get(field).is_some(), "{field} missing in {d}");
        }
    }
}

#[test]
fn bad_lines_are_reported_and_skipped() {
    let big_text = "a".repeat(10 * 1024 * 1024);
    let mut input = Vec::new();
    input.extend_from_slice(
        br#"{"id": "ok-1", "text": "Smugglers charged 2,900 dinars per person, police said."}"#,
    );
    input.extend_from_slice(b"\n{not json\n");
    input.extend_from_slice(b"{\"id\": \"bad-utf8\", \"text\": \"\xff\xfe\"}\n");
    input.extend_from_slice(br#"{"text": "no id here"}"#);
    input.push(b'\n');
    input.extend_from_slice(format!("{{\"id\": \"huge\", \"text\": \"{big_text}\"}}\n").as_bytes());
    input.extend_from_slice(
        format!(
            "{{\"id\": \"big-field\", \"text\": \"{}\"}}\n",
            "b".repeat(2 * 1024 * 1024)
        )
        .as_bytes(),
    );
    input.extend_from_slice(br#"{"id": "kind", "kind": "tweet"}"#);
    input.push(b'\n');
    input.extend_from_slice(b"\n");
    input.extend_from_slice(
        br#"{"id": "ok-2", "text": "je cherche un passeur pour l'Italie depuis Sfax"}"#,
    );
    input.push(b'\n');
    let output = run_with_stdin(&["scan", "-", "--quiet"], &input);
    assert_eq!(output.status.code(), Some(1), "partial success exits 1");
    let decisions = lines(&output.stdout);
    let ids: Vec<&str> = decisions
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ok-1", "ok-2"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "line 2: invalid item",
        "line 3: invalid UTF-8 at byte",
        "line 4: invalid item: missing field `id`",
        "line 5: line is 10485",
        "over the limit of 4194304 bytes",
        "line 6: field `text` is 2097152 bytes, over the limit of 1048576 bytes",
        "line 7: invalid item: unknown variant `tweet`",
    ] {
        assert!(
            stderr.contains(expected),
            "missing `{expected}` in:\n{stderr}"
        );
    }
}

#[test]
fn empty_input_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let output = vigie().arg("scan").arg(&empty).output().unwrap();
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("has no items"));
}

#[test]
fn missing_file_is_fatal_with_its_name() {
    let output = vigie()
        .args(["scan", "no/such/file.jsonl"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no/such/file.jsonl"));
}

#[test]
fn classify_prints_the_six_scores_and_the_top_label() {
    let input = "{\"id\": \"q1\", \"text\": \"je cherche un passeur sérieux pour aller en Italie depuis la Libye\"}\n\
                 {\"id\": \"n1\", \"text\": \"The coastguard rescued 40 people, IOM said.\"}\n";
    let output = run_with_stdin(&["classify", "-"], input.as_bytes());
    assert!(output.status.success());
    let results = lines(&output.stdout);
    assert_eq!(results.len(), 2);
    for r in &results {
        let scores = r["scores"].as_object().unwrap();
        assert_eq!(scores.len(), 6);
        for label in [
            "smuggling.advertisement",
            "smuggling.solicitation",
            "smuggling.documents",
            "trafficking.recruitment",
            "extortion.ransom",
            "benign",
        ] {
            let s = scores[label].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&s));
        }
        let top = scores
            .iter()
            .max_by(|a, b| a.1.as_f64().unwrap().total_cmp(&b.1.as_f64().unwrap()))
            .unwrap()
            .0;
        assert_eq!(r["label"].as_str().unwrap(), top);
        assert_eq!(r.as_object().unwrap().len(), 3, "exactly id, scores, label");
    }
    assert_eq!(results[0]["label"], "smuggling.solicitation");
    assert_eq!(results[1]["label"], "benign");
}

#[test]
fn inspect_shows_normalisation_lexicon_and_entities() {
    let output = vigie()
        .args([
            "inspect",
            "--json",
            "7arga men Sabratha l Italia, wa.me/218912345678 💶 2500",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["lang"], "ar-Latn");
    let hits = report["lexicon"].as_array().unwrap();
    assert!(
        hits.iter()
            .any(|h| h["via_arabizi"] == true && h["written"] == "7arga"),
        "{hits:?}"
    );
    let entities = report["entities"].as_array().unwrap();
    let types: Vec<&str> = entities
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for t in ["place", "whatsapp", "phone"] {
        assert!(types.contains(&t), "{types:?}");
    }
    let text = vigie()
        .args(["inspect", "رحلة قادمة من زوارة"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("normalised"), "{stdout}");
    assert!(stdout.contains("Zuwara"), "{stdout}");
}

#[test]
fn a_bad_data_directory_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&repo().join("data"), &data);
    std::fs::write(
        data.join("lexicon/fr.tsv"),
        "term\tlanguage\tcategory\tweight\tnote\npasseur\tfr\tsmugglr\t0.6\tn\n",
    )
    .unwrap();
    let output = run_with_stdin(&["scan", "-", "--data", data.to_str().unwrap()], b"");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("lexicon/fr.tsv:2: field `category`: unknown category `smugglr`"),
        "{stderr}"
    );
}

/// Copies a directory tree (the test's own copy of `data/`).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn help_teaches_with_examples() {
    let output = vigie().args(["scan", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("Examples:"));
    assert!(help.contains("vigie scan examples/batch.jsonl --out decisions.jsonl"));
}

#[test]
fn scan_writes_exactly_what_the_engine_decides() {
    // One item, three paths (the engine, `vigie scan`, and a batch): the same decision.
    let engine = vigie_engine::Engine::embedded().unwrap();
    let batch = std::fs::read_to_string(repo().join("examples/batch.jsonl")).unwrap();
    let output = run_with_stdin(&["scan", "-", "--quiet"], batch.as_bytes());
    assert!(output.status.success());
    let from_cli = String::from_utf8(output.stdout).unwrap();
    let items: Vec<vigie_core::Item> = batch
        .lines()
        .map(|l| vigie_core::Item::from_json(l).unwrap())
        .collect();
    let from_batch = engine.evaluate_batch(&items);
    for ((line, item), batch_decision) in from_cli.lines().zip(&items).zip(&from_batch) {
        let single = serde_json::to_string(&engine.evaluate(item)).unwrap();
        assert_eq!(line, single, "{}", item.id);
        assert_eq!(line, serde_json::to_string(batch_decision).unwrap());
    }
    assert_eq!(from_cli.lines().count(), items.len());
}

#[test]
fn policy_check_accepts_the_default_and_names_a_typo() {
    let output = vigie()
        .args(["policy", "check", "data/policy/default"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("30 rules") || stdout.contains(" rules ("),
        "{stdout}"
    );
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("data/policy/default"), dir.path());
    let rules = dir.path().join("rules/ransom.toml");
    let text = std::fs::read_to_string(&rules).unwrap().replacen(
        "score.ransom >= 0.5",
        "score.ransome >= 0.5",
        1,
    );
    std::fs::write(&rules, text).unwrap();
    let output = vigie()
        .args(["policy", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rule `ransom_demand`"), "{stderr}");
    assert!(
        stderr.contains("unknown signal `score.ransome` (did you mean `score.ransom`?)"),
        "{stderr}"
    );
    assert!(stderr.contains("column 1"), "{stderr}");
}

#[test]
fn the_default_policy_passes_its_own_tests() {
    let output = vigie()
        .args(["policy", "test", "data/policy/default"])
        .current_dir(repo())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[test]
fn backtest_shows_what_a_policy_change_changes() {
    // New policy: offers with a contact removed from a score of 0.3 instead of 0.8.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("data/policy/default"), dir.path());
    let rules = dir.path().join("rules/advertisement.toml");
    let text = std::fs::read_to_string(&rules).unwrap().replacen(
        "score.advertisement >= 0.8 && evidence.advertisement >= 0.5 && entities.phone",
        "score.advertisement >= 0.3 && entities.phone",
        1,
    );
    std::fs::write(&rules, text).unwrap();
    let out = dir.path().join("changes.jsonl");
    let items = "{\"id\": \"a\", \"text\": \"Libya to Italy trip next week from Zuwara, $1000 per person, call 0912345678\"}\n\
                 {\"id\": \"b\", \"text\": \"The coastguard rescued 40 people off Zuwara, IOM said.\"}\n";
    let mut child = vigie()
        .args(["backtest", "--baseline", "data/policy/default", "--policy"])
        .arg(dir.path())
        .arg("-")
        .arg("--out")
        .arg(&out)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(items.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("action remove"), "{stdout}");
    assert!(stdout.contains("1 items change"), "{stdout}");
    let changes = lines(&std::fs::read(&out).unwrap());
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["id"], "a");
    assert!(changes[0]["policy"]["actions"]
        .as_array()
        .unwrap()
        .contains(&Value::from("remove")));
    assert!(!changes[0]["baseline"]["actions"]
        .as_array()
        .unwrap()
        .contains(&Value::from("remove")));
}

#[test]
fn search_check_prints_intent_score_and_interstitial() {
    let input = "{\"id\": \"q1\", \"query\": \"passeur libye italie prix\", \"locale\": \"fr\"}\n\
                 {\"id\": \"q2\", \"query\": \"ferry tanger tarifa billet\", \"locale\": \"fr\"}\n\
                 {\"id\": \"q3\", \"query\": \"meilleur passeur top 14\"}\n\
                 {\"id\": \"q4\", \"query\": \"ابحث عن مهرب من زوارة\", \"locale\": \"ar\"}\n\
                 {\"query\": \"no id\"}\n";
    let output = run_with_stdin(&["search-check", "-"], input.as_bytes());
    assert_eq!(output.status.code(), Some(1), "one bad line");
    let results = lines(&output.stdout);
    assert_eq!(results.len(), 4);
    for r in &results {
        let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "intent", "score", "interstitial"]);
    }
    assert_eq!(results[0]["intent"], "smuggling_seeking");
    assert_eq!(results[0]["interstitial"]["template"], "seeker.help");
    assert_eq!(results[0]["interstitial"]["lang"], "fr");
    assert_eq!(results[1]["intent"], "benign");
    assert!(results[1]["interstitial"].is_null());
    assert_eq!(results[3]["intent"], "smuggling_seeking");
    assert_eq!(results[3]["interstitial"]["lang"], "ar");
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("line 5: invalid query: missing field `id`"));
}

/// A small corpus from the example batch (each item its own family), for the model commands.
fn mini_corpus(dir: &Path) -> PathBuf {
    let expected: std::collections::HashMap<String, (String, String)> =
        std::fs::read_to_string(repo().join("examples/expected.tsv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let lang = f[2][1..f[2].find(']').unwrap()]
                    .split(['+', '-'])
                    .next()
                    .unwrap()
                    .to_string();
                (f[0].to_string(), (f[1].to_string(), lang))
            })
            .collect();
    let mut out = String::new();
    for line in std::fs::read_to_string(repo().join("examples/batch.jsonl"))
        .unwrap()
        .lines()
    {
        let item: Value = serde_json::from_str(line).unwrap();
        let id = item["id"].as_str().unwrap();
        let (label, lang) = &expected[id];
        out.push_str(&serde_json::json!({"id": id, "text": item["text"], "label": label, "lang": lang, "family": id}).to_string());
        out.push('\n');
    }
    let path = dir.join("mini.jsonl");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn training_is_deterministic_and_eval_explain_sample_work() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = mini_corpus(dir.path());
    let train = |out: &Path, seed: &str| {
        let output = vigie()
            .args(["train", "--epochs", "3", "--seed", seed, "--data"])
            .arg(&corpus)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read(out).unwrap()
    };
    let a = train(&dir.path().join("a.vgm"), "7");
    let b = train(&dir.path().join("b.vgm"), "7");
    let c = train(&dir.path().join("c.vgm"), "8");
    assert_eq!(a, b, "same corpus and seed: same model bytes");
    assert_ne!(a, c, "another seed: another model");

    // The model fits on train and dev, never on test, and its calibration comes from
    // out-of-fold scores of every fitted item; `--holdout-dev` keeps dev out and reports it.
    let meta = |bytes: &[u8]| {
        vigie_model::linear::LinearModel::from_bytes(bytes)
            .unwrap()
            .meta
    };
    let m = meta(&a);
    assert_eq!(m["fitted_on"], "train+dev");
    assert_eq!(m["folds"], 5);
    assert_eq!(m["examples"]["dev"], 0);
    let (fit, test) = (
        m["examples"]["fit"].as_u64().unwrap(),
        m["examples"]["test"].as_u64().unwrap(),
    );
    assert_eq!(fit + test, 100);
    assert!(test > 0, "{m}");
    assert_eq!(m["metrics"]["cross_validated"]["n"], fit);
    assert!(m["metrics"].get("dev").is_none());
    let held = dir.path().join("held.vgm");
    let output = vigie()
        .args([
            "train",
            "--epochs",
            "3",
            "--folds",
            "3",
            "--holdout-dev",
            "--data",
        ])
        .arg(&corpus)
        .arg("--out")
        .arg(&held)
        .output()
        .unwrap();
    assert!(output.status.success());
    let m = meta(&std::fs::read(&held).unwrap());
    assert_eq!(
        (m["fitted_on"].as_str(), m["folds"].as_u64()),
        (Some("train"), Some(3))
    );
    let dev = m["examples"]["dev"].as_u64().unwrap();
    assert!(dev > 0, "{m}");
    assert_eq!(m["metrics"]["dev"]["n"], dev);
    assert_eq!(m["examples"]["fit"].as_u64().unwrap() + dev + test, 100);
    let output = vigie()
        .args(["train", "--folds", "1", "--data"])
        .arg(&corpus)
        .arg("--out")
        .arg(&held)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("not a number of folds from 2 to 20"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let svg = dir.path().join("pr.svg");
    let output = vigie()
        .args(["eval", "--split", "train", "--data"])
        .arg(&corpus)
        .arg("--model")
        .arg(dir.path().join("a.vgm"))
        .arg("--curves")
        .arg(&svg)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("fitted on train+dev: its figures on the train split are not held out"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "macro-F1",
        "benign FPR",
        "ransom recall",
        "per language",
        "confusion",
    ] {
        assert!(stdout.contains(expected), "{expected} missing in {stdout}");
    }
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));

    // A labelled set kept apart from the corpus is evaluated whole; a bad split is named.
    let eval = |split: &str| {
        vigie()
            .args(["eval", "--split", split, "--data"])
            .arg(&corpus)
            .arg("--model")
            .arg(dir.path().join("a.vgm"))
            .output()
            .unwrap()
    };
    let items = std::fs::read_to_string(&corpus)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert!(
        !String::from_utf8_lossy(&eval("test").stderr).contains("not held out"),
        "test is never fitted on"
    );
    let output = eval("all");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with(&format!("all split: {items} items")),
        "{stdout}"
    );
    let output = eval("everything");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("train, dev, test or all"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let output = vigie()
        .args(["explain", "--model"])
        .arg(dir.path().join("a.vgm"))
        .arg("Envoyez la rançon par Western Union avant vendredi ou il meurt")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("extortion.ransom"), "{stdout}");
    assert!(stdout.contains("  model "), "{stdout}");

    let output = vigie()
        .args(["sample", "--uncertain", "3", "--model"])
        .arg(dir.path().join("a.vgm"))
        .arg(repo().join("examples/batch.jsonl"))
        .output()
        .unwrap();
    let picked = lines(&output.stdout);
    assert_eq!(picked.len(), 3);
    assert!(picked[0]["margin"].as_f64() <= picked[2]["margin"].as_f64());
}

#[test]
fn a_corrupt_or_foreign_model_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.vgm");
    std::fs::write(&bad, b"PK\x03\x04 not a model").unwrap();
    let output = vigie()
        .args(["explain", "--model"])
        .arg(&bad)
        .arg("hello")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a Vigie model file"));
    let mut old = b"VIGIEMDL".to_vec();
    old.extend_from_slice(&1u32.to_le_bytes());
    std::fs::write(&bad, &old).unwrap();
    let output = vigie()
        .args(["explain", "--model"])
        .arg(&bad)
        .arg("hello")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("model format version 1"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut truncated = b"VIGIEMDL".to_vec();
    truncated.extend_from_slice(&vigie_model::linear::FORMAT_VERSION.to_le_bytes());
    std::fs::write(&bad, &truncated).unwrap();
    let output = vigie()
        .args(["explain", "--model"])
        .arg(&bad)
        .arg("hello")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("corrupt model file"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_default_model_is_what_train_makes_from_the_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("default.vgm");
    let output = vigie()
        .args(["train", "--data"])
        .arg(repo().join("data/corpus"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        std::fs::read(&out).unwrap()
            == std::fs::read(repo().join("data/models/default.vgm")).unwrap(),
        "data/models/default.vgm is stale: rebuild it with \
         `vigie train --data data/corpus --out data/models/default.vgm`"
    );
}

#[test]
fn explain_reads_the_text_as_the_kind_given_and_names_a_bad_kind() {
    let text = "ابنك عندنا ادفع 3000 دولار قبل الجمعة وإلا لن تراه";
    let output = vigie()
        .args(["explain", "--kind", "message", text])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let first = stdout
        .lines()
        .find(|l| l.contains(": 0.") || l.contains(": 1."));
    assert!(
        first.is_some_and(|l| l.starts_with("extortion.ransom")),
        "{stdout}"
    );
    let output = vigie()
        .args(["explain", "--kind", "poster", "x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--kind `poster`") && stderr.contains("live_frame"),
        "{stderr}"
    );
}
