//! Banks on disk: persistence, corrupt lines, labels and names, matching across banks.

use std::fs;
use std::path::Path;
use vigie_core::{Hash256, Label, VpdqFrame};
use vigie_index::{
    parse_label, validate_bank_name, Bank, BankError, BankSet, EntryError, EntryKind, EntryValue,
    NewEntry, VpdqThresholds, BANK_FILE, ENTRIES_FILE,
};

const VPDQ_SAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/anchors/pdq/vpdq/vpdq/sample-hashes"
);

const PDQ_A: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
const MD5_EMPTY: &str = "d41d8cd98f00b204e9800998ecf8427e";
const SHA256_EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn pdq(hex: &str) -> Hash256 {
    hex.parse().unwrap()
}

/// `h` with `n` bits flipped (distance `n`): bits `7k mod 256` for `k` in `start..start + n`,
/// so that two disjoint ranges of `k` flip disjoint bits.
fn flipped_at(h: Hash256, start: usize, n: usize) -> Hash256 {
    let mut out = h;
    for k in start..start + n {
        out.flip_bit(k * 7 % 256);
    }
    assert_eq!(out.distance(&h), n as u32);
    out
}

fn flipped(h: Hash256, n: usize) -> Hash256 {
    flipped_at(h, 0, n)
}

/// The PDQ hash of `smuggling-ads` entry 1: 20 bits from `PDQ_A`, none of them among the
/// first 100 that [`flipped`] flips.
fn ads_pdq() -> Hash256 {
    flipped_at(pdq(PDQ_A), 100, 20)
}

fn entry(value: EntryValue, source: &str, tags: &[&str]) -> NewEntry {
    let mut e = NewEntry::new(value, source);
    e.tags = tags.iter().map(|t| t.to_string()).collect();
    e.added = Some("2026-11-28T10:00:00Z".into());
    e
}

fn video(name: &str) -> Vec<VpdqFrame> {
    let text = fs::read_to_string(Path::new(VPDQ_SAMPLES).join(name)).unwrap();
    vigie_index::vpdq_from_text(&text).unwrap()
}

/// Two banks: `ransom-media` (extortion.ransom) and `smuggling-ads` (smuggling.advertisement).
fn two_banks(dir: &Path) -> BankSet {
    let mut set = BankSet::open(dir).unwrap();
    let ransom = set
        .create_bank(
            "ransom-media",
            Label::ExtortionRansom,
            "Hostage images sent to families",
        )
        .unwrap();
    ransom
        .add(entry(
            EntryValue::Pdq(pdq(PDQ_A)),
            "ngo:xyz",
            &["hostage", "libya"],
        ))
        .unwrap();
    ransom
        .add(entry(
            EntryValue::parse(EntryKind::Md5, MD5_EMPTY).unwrap(),
            "reviewer",
            &[],
        ))
        .unwrap();
    let ads = set
        .create_bank(
            "smuggling-ads",
            parse_label("smuggling.advertisement").unwrap(),
            "",
        )
        .unwrap();
    ads.add(entry(
        EntryValue::Pdq(ads_pdq()),
        "threatexchange:descriptor 123",
        &["boat"],
    ))
    .unwrap();
    ads.add(entry(
        EntryValue::parse(EntryKind::Sha256, SHA256_EMPTY).unwrap(),
        "reviewer",
        &[],
    ))
    .unwrap();
    set
}

#[test]
fn on_disk_layout() {
    let tmp = tempfile::tempdir().unwrap();
    two_banks(tmp.path());
    let dir = tmp.path().join("ransom-media");
    let meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join(BANK_FILE)).unwrap()).unwrap();
    assert_eq!(meta["layout"], 1);
    assert_eq!(meta["name"], "ransom-media");
    assert_eq!(meta["label"], "extortion.ransom");
    assert_eq!(meta["description"], "Hostage images sent to families");
    assert_eq!(meta["next_id"], 3);
    assert!(meta["created"].as_str().unwrap().ends_with('Z'));
    let lines = fs::read_to_string(dir.join(ENTRIES_FILE)).unwrap();
    assert_eq!(
        lines,
        format!(
            "{{\"id\":1,\"kind\":\"pdq\",\"value\":\"{PDQ_A}\",\"source\":\"ngo:xyz\",\"tags\":[\"hostage\",\"libya\"],\"added\":\"2026-11-28T10:00:00Z\",\"enabled\":true}}\n\
             {{\"id\":2,\"kind\":\"md5\",\"value\":\"{MD5_EMPTY}\",\"source\":\"reviewer\",\"tags\":[],\"added\":\"2026-11-28T10:00:00Z\",\"enabled\":true}}\n"
        )
    );
    // No temporary file is left behind.
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn changes_persist_across_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    let mut set = two_banks(tmp.path());
    let bank = set.bank_mut("ransom-media").unwrap();
    let third = bank
        .add(entry(
            EntryValue::Pdq(flipped(pdq(PDQ_A), 100)),
            "reviewer",
            &[],
        ))
        .unwrap();
    assert_eq!(third, 3);
    assert!(bank.remove(3).unwrap());
    assert!(!bank.remove(3).unwrap());
    assert!(bank.set_enabled(2, false).unwrap());
    assert!(!bank.set_enabled(99, false).unwrap());
    bank.set_description("changed").unwrap();
    drop(set);

    let mut set = BankSet::open(tmp.path()).unwrap();
    assert!(set.load_problems().is_empty(), "{:?}", set.load_problems());
    assert_eq!(set.len(), 2);
    let names: Vec<&str> = set.banks().map(|b| b.name()).collect();
    assert_eq!(names, ["ransom-media", "smuggling-ads"]);
    let bank = set.bank_mut("ransom-media").unwrap();
    assert_eq!(bank.label(), Label::ExtortionRansom);
    assert_eq!(bank.description(), "changed");
    assert_eq!(bank.len(), 2);
    assert!(bank.get(3).is_none());
    assert!(!bank.get(2).unwrap().enabled);
    // A removed id is never given again, even after reopening.
    let fourth = bank
        .add(entry(EntryValue::Pdq(Hash256::ZERO), "reviewer", &[]))
        .unwrap();
    assert_eq!(fourth, 4);
    // The disabled MD5 does not match until enabled again; then it does, after a reopen too.
    assert!(set.match_md5(MD5_EMPTY).unwrap().is_empty());
    set.bank_mut("ransom-media")
        .unwrap()
        .set_enabled(2, true)
        .unwrap();
    let set = BankSet::open(tmp.path()).unwrap();
    assert_eq!(set.match_md5(MD5_EMPTY).unwrap().len(), 1);
}

#[test]
fn a_corrupt_line_is_reported_and_the_rest_load() {
    let tmp = tempfile::tempdir().unwrap();
    two_banks(tmp.path());
    let path = tmp.path().join("ransom-media").join(ENTRIES_FILE);
    let good = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    let dup_value = lines[0].replace("\"id\":1", "\"id\":7");
    lines.insert(1, "{\"id\":5,\"kind\":\"pdq\",\"value\":\"nothex\"");
    lines.insert(2, "");
    lines.push(&dup_value);
    lines.push(
        "{\"id\":2,\"kind\":\"sha256\",\"value\":\"00\",\"source\":\"x\",\"added\":\"2026-01-01\"}",
    );
    let text = lines.join("\n") + "\n{\"id\":9,\"kind\":\"pdq\",\"val"; // cut short
    fs::write(&path, text.as_bytes()).unwrap();

    let mut set = BankSet::open(tmp.path()).unwrap();
    let problems: Vec<String> = set.load_problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), 4, "{problems:#?}");
    let file = path.display().to_string();
    assert!(
        problems[0].starts_with(&format!("{file}:2: ")),
        "{}",
        problems[0]
    );
    assert!(problems[1].starts_with(&format!("{file}:5: ")));
    assert!(problems[1].contains("same pdq value as entry 1"));
    assert!(problems[2].starts_with(&format!("{file}:6: ")));
    assert!(problems[2].contains("not a valid sha256 value"));
    assert!(problems[3].starts_with(&format!("{file}:7: ")));
    let bank = set.bank("ransom-media").unwrap();
    assert_eq!(bank.load_problems().len(), 4);
    assert_eq!(bank.len(), 2);
    assert_eq!(set.match_pdq(&pdq(PDQ_A), 0).unwrap().len(), 1);

    // The first write keeps a copy of the damaged file, then the bank is clean.
    set.bank_mut("ransom-media").unwrap().remove(2).unwrap();
    let backups: Vec<_> = fs::read_dir(tmp.path().join("ransom-media"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("entries.jsonl.corrupt-"))
        .collect();
    assert_eq!(backups.len(), 1);
    let backup = fs::read_to_string(tmp.path().join("ransom-media").join(&backups[0])).unwrap();
    assert_eq!(backup, text);
    let set = BankSet::open(tmp.path()).unwrap();
    assert!(set.load_problems().is_empty());
    assert_eq!(set.bank("ransom-media").unwrap().len(), 1);
}

#[test]
fn unreadable_banks_are_reported_and_the_others_load() {
    let tmp = tempfile::tempdir().unwrap();
    two_banks(tmp.path());
    // A label that is not one of the six.
    let meta = tmp.path().join("smuggling-ads").join(BANK_FILE);
    let text = fs::read_to_string(&meta).unwrap();
    fs::write(
        &meta,
        text.replace("smuggling.advertisement", "smuggling.ads"),
    )
    .unwrap();
    // A directory that is not a bank, a hidden one, and a stray file.
    fs::create_dir(tmp.path().join("notes")).unwrap();
    fs::create_dir(tmp.path().join(".trash")).unwrap();
    fs::write(tmp.path().join("README.txt"), "hello").unwrap();

    let set = BankSet::open(tmp.path()).unwrap();
    let names: Vec<&str> = set.banks().map(|b| b.name()).collect();
    assert_eq!(names, ["ransom-media"]);
    let problems: Vec<String> = set.load_problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("notes") && problems[0].contains("not a bank"));
    assert!(
        problems[1].contains("smuggling-ads")
            && problems[1].contains("unknown label \"smuggling.ads\"")
            && problems[1].contains("extortion.ransom"),
        "{}",
        problems[1]
    );
}

#[test]
fn labels_and_names_are_validated() {
    for label in Label::ALL {
        assert_eq!(parse_label(label.as_str()).unwrap(), label);
    }
    let err = parse_label("ransom").unwrap_err();
    assert!(matches!(err, BankError::InvalidLabel { .. }));
    let message = err.to_string();
    for label in Label::ALL {
        assert!(message.contains(label.as_str()), "{message}");
    }
    for ok in [
        "ransom-media",
        "smuggling_ads",
        "b",
        "2026-cases",
        &"a".repeat(64),
    ] {
        assert!(validate_bank_name(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "Ransom",
        "ransom media",
        "../etc",
        ".hidden",
        "-x",
        "é",
        &"a".repeat(65),
    ] {
        assert!(
            matches!(validate_bank_name(bad), Err(BankError::InvalidName { .. })),
            "{bad}"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut set = BankSet::open(tmp.path()).unwrap();
    assert!(set.create_bank("Bad Name", Label::Benign, "").is_err());
    set.create_bank("news", Label::Benign, "").unwrap();
    assert!(matches!(
        set.create_bank("news", Label::Benign, ""),
        Err(BankError::AlreadyExists(_))
    ));
    assert!(matches!(
        set.create_bank("long", Label::Benign, &"d".repeat(5000)),
        Err(BankError::DescriptionTooLong { limit: 4096, .. })
    ));
    set.bank_mut("news")
        .unwrap()
        .set_label(Label::SmugglingSolicitation)
        .unwrap();
    let set = BankSet::open(tmp.path()).unwrap();
    assert_eq!(
        set.bank("news").unwrap().label(),
        Label::SmugglingSolicitation
    );
}

#[test]
fn entries_are_validated() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = Bank::create(tmp.path().join("b"), "b", Label::ExtortionRansom, "").unwrap();
    let base = || entry(EntryValue::Pdq(pdq(PDQ_A)), "reviewer", &[]);
    let reject = |bank: &mut Bank, e: NewEntry| match bank.add(e) {
        Err(BankError::Entry { source, .. }) => source,
        other => panic!("{other:?}"),
    };
    let mut e = base();
    e.tags = vec!["two words".into()];
    assert!(matches!(
        reject(&mut bank, e),
        EntryError::Invalid { field: "tags", .. }
    ));
    let mut e = base();
    e.source = String::new();
    assert!(matches!(
        reject(&mut bank, e),
        EntryError::Invalid {
            field: "source",
            ..
        }
    ));
    let mut e = base();
    e.note = Some("n".repeat(1025));
    assert_eq!(
        reject(&mut bank, e),
        EntryError::TooLong {
            field: "note",
            len: 1025,
            limit: 1024
        }
    );
    let mut e = base();
    e.tags = (0..65).map(|i| format!("t{i}")).collect();
    assert!(matches!(
        reject(&mut bank, e),
        EntryError::TooMany {
            field: "tags",
            count: 65,
            limit: 64
        }
    ));
    let mut e = base();
    e.added = Some("28/11/2026".into());
    assert!(matches!(
        reject(&mut bank, e),
        EntryError::Invalid { field: "added", .. }
    ));
    assert!(matches!(
        reject(&mut bank, entry(EntryValue::Vpdq(vec![]), "r", &[])),
        EntryError::Value {
            kind: EntryKind::Vpdq,
            ..
        }
    ));
    assert!(bank.is_empty());
    // The same kind and value twice is refused, even when the first is disabled.
    let id = bank.add(base()).unwrap();
    bank.set_enabled(id, false).unwrap();
    match bank.add(base()) {
        Err(e @ BankError::Duplicate { existing: 1, .. }) => {
            assert!(e
                .to_string()
                .contains("already holds this pdq value as entry 1"))
        }
        other => panic!("{other:?}"),
    }
    // A SHA-256 may share its 64 hex digits with a PDQ hash: the kinds differ.
    bank.add(entry(
        EntryValue::parse(EntryKind::Sha256, PDQ_A).unwrap(),
        "reviewer",
        &[],
    ))
    .unwrap();
    assert_eq!(bank.len(), 2);
    // An entry added without a date gets now.
    let e = NewEntry::new(EntryValue::parse(EntryKind::Md5, MD5_EMPTY).unwrap(), "r");
    let id = bank.add(e).unwrap();
    assert!(bank.get(id).unwrap().added.ends_with('Z'));
}

#[test]
fn pdq_matches_within_the_radius_and_not_beyond() {
    let tmp = tempfile::tempdir().unwrap();
    let mut set = two_banks(tmp.path());
    let q = flipped(pdq(PDQ_A), 10); // 10 from ransom #1, 30 from ads #1
    let far = q.distance(&ads_pdq());
    assert_eq!(far, 30);

    let hits = set.match_pdq(&q, 10).unwrap();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(
        (
            hit.bank.as_str(),
            hit.label,
            hit.entry,
            hit.kind,
            hit.distance
        ),
        (
            "ransom-media",
            Label::ExtortionRansom,
            1,
            EntryKind::Pdq,
            10
        )
    );
    assert_eq!(
        (hit.source.as_str(), hit.tags.clone()),
        ("ngo:xyz", vec!["hostage".into(), "libya".into()])
    );
    assert!(hit.video.is_none());
    assert!(set.match_pdq(&q, 9).unwrap().is_empty());

    // Nearest first, across banks.
    let hits = set.match_pdq(&q, far).unwrap();
    let found: Vec<(&str, u32)> = hits.iter().map(|m| (m.bank.as_str(), m.distance)).collect();
    assert_eq!(found, [("ransom-media", 10), ("smuggling-ads", far)]);
    assert!(set.match_pdq(&q, far - 1).unwrap().len() == 1);

    // Several queries (e.g. dihedral variants): each entry once, at its nearest.
    let hits = set
        .match_pdq_any(&[flipped(pdq(PDQ_A), 40), pdq(PDQ_A)], 31)
        .unwrap();
    let found: Vec<(&str, u32)> = hits.iter().map(|m| (m.bank.as_str(), m.distance)).collect();
    assert_eq!(found, [("ransom-media", 0), ("smuggling-ads", 20)]);

    // A radius over the limit is an error.
    assert!(set.match_pdq(&q, 64).is_err());

    // Disabled entries never match; removal too.
    set.bank_mut("ransom-media")
        .unwrap()
        .set_enabled(1, false)
        .unwrap();
    assert!(set.match_pdq(&q, 10).unwrap().is_empty());
    set.bank_mut("ransom-media")
        .unwrap()
        .set_enabled(1, true)
        .unwrap();
    assert_eq!(set.match_pdq(&q, 10).unwrap().len(), 1);
    set.bank_mut("ransom-media").unwrap().remove(1).unwrap();
    assert!(set.match_pdq(&q, 10).unwrap().is_empty());
}

#[test]
fn md5_and_sha256_match_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let mut set = two_banks(tmp.path());
    let hits = set.match_md5(&MD5_EMPTY.to_uppercase()).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (
            hits[0].bank.as_str(),
            hits[0].kind,
            hits[0].distance,
            hits[0].entry
        ),
        ("ransom-media", EntryKind::Md5, 0, 2)
    );
    let hits = set.match_sha256(SHA256_EMPTY).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].bank, "smuggling-ads");
    assert_eq!(hits[0].label, Label::SmugglingAdvertisement);
    // One digit off does not match.
    let mut near = MD5_EMPTY.to_string();
    near.replace_range(0..1, "e");
    assert!(set.match_md5(&near).unwrap().is_empty());
    // A PDQ with the same hex as a SHA-256 does not match it, nor the reverse.
    assert!(set.match_sha256(PDQ_A).unwrap().is_empty());
    // Not a digest.
    assert!(matches!(
        set.match_md5("xyz"),
        Err(EntryError::Value {
            kind: EntryKind::Md5,
            ..
        })
    ));
    assert!(set.match_sha256(MD5_EMPTY).is_err());
    // Disabled entries never match.
    set.bank_mut("smuggling-ads")
        .unwrap()
        .set_enabled(2, false)
        .unwrap();
    assert!(set.match_sha256(SHA256_EMPTY).unwrap().is_empty());
}

#[test]
fn videos_match_by_vpdq() {
    let tmp = tempfile::tempdir().unwrap();
    let mut set = two_banks(tmp.path());
    let bank = set.bank_mut("ransom-media").unwrap();
    let chair = bank
        .add(entry(
            EntryValue::Vpdq(video("chair-19-sd-bar.txt")),
            "ngo:xyz",
            &["video"],
        ))
        .unwrap();
    let door = bank
        .add(entry(
            EntryValue::Vpdq(video("doorknob-hd-no-bar.txt")),
            "reviewer",
            &[],
        ))
        .unwrap();
    let t = VpdqThresholds::default();

    // chair-20 is chair-19 re-encoded: about 92 % of its frames match, and all of chair-19's
    // (92.76 % by python-threatexchange's rules, 92.18 % by the C++ matchTwoHash's).
    let hits = set.match_video(&video("chair-20-sd-bar.txt"), &t, 80.0, 0.0);
    assert_eq!(hits.len(), 1, "{hits:?}");
    let v = hits[0].video.unwrap();
    assert_eq!((hits[0].entry, hits[0].kind), (chair, EntryKind::Vpdq));
    assert_eq!(
        (hits[0].bank.as_str(), hits[0].label, hits[0].distance),
        ("ransom-media", Label::ExtortionRansom, 0)
    );
    assert!((v.query_match_percent - 92.76).abs() < 0.01, "{v:?}");
    assert_eq!(v.compared_match_percent, 100.0);
    let cpp = set.match_video(
        &video("chair-20-sd-bar.txt"),
        &VpdqThresholds::match_two_hash(),
        80.0,
        0.0,
    );
    assert_eq!(cpp.len(), 1);
    assert!((cpp[0].video.unwrap().query_match_percent - 92.18).abs() < 0.01);
    // Not enough of the stored video in the query.
    assert!(set
        .match_video(&video("chair-20-sd-bar.txt"), &t, 95.0, 0.0)
        .is_empty());

    let hits = set.match_video(&video("doorknob-hd-no-bar.txt"), &t, 50.0, 50.0);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].entry, door);
    assert_eq!(hits[0].video.unwrap().query_match_percent, 100.0);

    // Disabled videos never match, and stay disabled after a reopen.
    set.bank_mut("ransom-media")
        .unwrap()
        .set_enabled(door, false)
        .unwrap();
    let query = video("doorknob-hd-no-bar.txt");
    assert!(set.match_video(&query, &t, 50.0, 0.0).is_empty());
    let cpp = VpdqThresholds::match_two_hash();
    assert!(set.match_video(&query, &cpp, 50.0, 0.0).is_empty());
    let set = BankSet::open(tmp.path()).unwrap();
    assert!(set.match_video(&query, &t, 50.0, 0.0).is_empty());
    let chair19 = video("chair-19-sd-bar.txt");
    assert_eq!(set.match_video(&chair19, &t, 99.0, 99.0).len(), 1);
}

#[test]
fn deleting_a_bank_removes_its_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let mut set = two_banks(tmp.path());
    set.delete_bank("smuggling-ads").unwrap();
    assert!(!tmp.path().join("smuggling-ads").exists());
    assert!(matches!(
        set.delete_bank("smuggling-ads"),
        Err(BankError::NoSuchBank(_))
    ));
    assert!(set.match_sha256(SHA256_EMPTY).unwrap().is_empty());
    let set = BankSet::open(tmp.path()).unwrap();
    assert_eq!(set.len(), 1);
    assert!(set.load_problems().is_empty());
    // The name can be used again.
    let mut set = set;
    set.create_bank("smuggling-ads", Label::SmugglingAdvertisement, "")
        .unwrap();
}
