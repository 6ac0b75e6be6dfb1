//! Import and export of hash lists: every file of the exchange samples, round trips in every
//! format, line-level error reports.

use std::fs;
use std::path::{Path, PathBuf};
use vigie_core::{Hash256, Label};
use vigie_index::{
    Bank, BankSet, Entry, EntryKind, EntryValue, ExportError, ExportOptions, Format, ImportError,
    ImportOptions, ImportReport, LineIssue, NewEntry,
};

const SAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/anchors/pdq/exchange-samples/hasher-matcher-actioner/sample_data"
);
const VPDQ_SAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/anchors/pdq/vpdq/vpdq/sample-hashes"
);

const PDQ_A: &str = "acecf3355e3125c8e24e2f30e0d4ec4f8482b878b3c34cdbdf063278db275992";

fn sample(name: &str) -> PathBuf {
    Path::new(SAMPLES).join(name)
}

fn new_bank(dir: &Path, name: &str) -> Bank {
    Bank::create(dir.join(name), name, Label::ExtortionRansom, "test bank").unwrap()
}

fn import_str(bank: &mut Bank, text: &str, name: &str, opts: &ImportOptions) -> ImportReport {
    bank.import(text.as_bytes(), name, opts).unwrap()
}

fn export_string(bank: &Bank, opts: &ExportOptions) -> String {
    let mut out = Vec::new();
    bank.export(&mut out, opts).unwrap();
    String::from_utf8(out).unwrap()
}

fn entries(bank: &Bank) -> Vec<Entry> {
    bank.entries().cloned().collect()
}

fn issue(line: usize, reason_contains: &str, issues: &[LineIssue]) {
    assert!(
        issues
            .iter()
            .any(|i| i.line == line && i.reason.contains(reason_contains)),
        "no issue at line {line} containing {reason_contains:?} in {issues:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Every sample file
// ---------------------------------------------------------------------------------------------

/// The hash lists: (file, format detected, kind, added, duplicates).
const HASH_SAMPLES: [(&str, Format, EntryKind, usize, usize); 5] = [
    // 813 lines; lines 107, 108 and 109 repeat the hashes of lines 81, 82 and 83.
    (
        "holidays-jpg1-pdq-hashes.csv",
        Format::HmaCsv,
        EntryKind::Pdq,
        810,
        3,
    ),
    (
        "holidays-jpg2-pdq-hashes.csv",
        Format::HmaCsv,
        EntryKind::Pdq,
        679,
        0,
    ),
    ("pdq.csv", Format::TeCsv, EntryKind::Pdq, 139, 0),
    ("photo_md5.csv", Format::TeCsv, EntryKind::Md5, 1, 0),
    ("video_md5.csv", Format::TeCsv, EntryKind::Md5, 2, 0),
];

/// Lists of signal types that are not hashes: (file, signal type, lines).
const OTHER_SIGNAL_SAMPLES: [(&str, &str, usize); 4] = [
    ("pdq_ocr.csv", "pdq_ocr", 2),
    ("raw_text.csv", "raw_text", 3),
    ("trend_query.csv", "trend_query", 1),
    ("url.csv", "url", 1),
];

#[test]
fn the_sample_folder_holds_exactly_the_files_tested() {
    let mut names: Vec<String> = fs::read_dir(SAMPLES)
        .expect("shared/anchors beside the repository")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<&str> = HASH_SAMPLES
        .iter()
        .map(|s| s.0)
        .chain(OTHER_SIGNAL_SAMPLES.iter().map(|s| s.0))
        .chain(["README.md"])
        .collect();
    expected.sort();
    assert_eq!(names, expected);
}

#[test]
fn every_hash_sample_imports_with_exact_counts() {
    let tmp = tempfile::tempdir().unwrap();
    for (file, format, kind, added, duplicates) in HASH_SAMPLES {
        let mut bank = new_bank(tmp.path(), &file.replace(['.', '_'], "-"));
        let report = bank
            .import_file(sample(file), &ImportOptions::default())
            .unwrap();
        assert_eq!(
            report,
            ImportReport {
                format: Some(format),
                kind: Some(kind),
                added,
                duplicates,
                skipped: vec![],
            },
            "{file}"
        );
        assert_eq!(bank.len(), added, "{file}");
        assert!(bank.entries().all(|e| e.kind() == kind && e.enabled));
        // Reopening gives the same entries.
        let reopened = Bank::open(bank.dir()).unwrap();
        assert!(reopened.load_problems().is_empty());
        assert_eq!(entries(&reopened), entries(&bank), "{file}");
    }
}

#[test]
fn sample_fields_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "pdq");
    bank.import_file(sample("pdq.csv"), &ImportOptions::default())
        .unwrap();
    let first = bank.get(1).unwrap();
    assert_eq!(first.value, EntryValue::Pdq(PDQ_A.parse().unwrap()));
    assert_eq!(first.source, "threatexchange:descriptor 2880742865368386");
    assert_eq!(first.added, "2020-07-31T18:47:52+0000");
    assert_eq!(
        first.tags,
        [
            "media_priority_pdq_samples",
            "disputed",
            "media_priority_samples",
            "media_type_photo"
        ]
    );
    assert!(first.enabled);
    assert_eq!(first.note, None);

    let mut holidays = new_bank(tmp.path(), "holidays");
    holidays
        .import_file(
            sample("holidays-jpg1-pdq-hashes.csv"),
            &ImportOptions::default(),
        )
        .unwrap();
    let first = holidays.get(1).unwrap();
    assert_eq!(
        first.value.to_text(),
        "35f10f1ae0675f9e941854ad931f6641899a34dccbbbd4252be9d918faf21407"
    );
    // Leading zeros of the ids are kept.
    assert_eq!(
        first.source,
        "threatexchange:indicator 99244958314735 descriptor 00000000000000"
    );
    assert_eq!(first.added, "2021-05-07T18:07:52+0000");
    assert_eq!(first.tags.len(), 6);
}

#[test]
fn lists_of_other_signal_types_are_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "b");
    for (file, signal_type, _) in OTHER_SIGNAL_SAMPLES {
        match bank.import_file(sample(file), &ImportOptions::default()) {
            Err(ImportError::UnsupportedSignalType {
                file: f,
                signal_type: s,
            }) => {
                assert_eq!(f, file);
                assert_eq!(s, signal_type);
            }
            other => panic!("{file}: {other:?}"),
        }
    }
    assert!(bank.is_empty());
    let message = bank
        .import_file(sample("url.csv"), &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("url.csv") && message.contains("\"url\""),
        "{message}"
    );
}

#[test]
fn lists_of_other_signal_types_with_an_explicit_kind_report_every_line() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "b");
    for (file, _, lines) in OTHER_SIGNAL_SAMPLES {
        for kind in [EntryKind::Pdq, EntryKind::Md5, EntryKind::Sha256] {
            let opts = ImportOptions {
                kind: Some(kind),
                ..ImportOptions::default()
            };
            let report = bank.import_file(sample(file), &opts).unwrap();
            assert_eq!(report.format, Some(Format::TeCsv), "{file}");
            assert_eq!((report.added, report.duplicates), (0, 0), "{file}");
            let lines_reported: Vec<usize> = report.skipped.iter().map(|i| i.line).collect();
            assert_eq!(lines_reported, (1..=lines).collect::<Vec<_>>(), "{file}");
            for i in &report.skipped {
                assert!(
                    i.reason.contains(&format!("not a valid {kind} value")),
                    "{i}"
                );
            }
        }
    }
    assert!(bank.is_empty());
}

#[test]
fn the_readme_is_not_a_hash_list() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "b");
    match bank.import_file(sample("README.md"), &ImportOptions::default()) {
        Err(ImportError::FormatUnknown { file, .. }) => assert_eq!(file, "README.md"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn all_hash_samples_in_one_bank_count_cross_file_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let mut set = BankSet::open(tmp.path()).unwrap();
    set.create_bank("all", Label::Benign, "").unwrap();
    let bank = set.bank_mut("all").unwrap();
    let mut added = 0;
    let mut duplicates = 0;
    for (file, ..) in HASH_SAMPLES {
        let r = bank
            .import_file(sample(file), &ImportOptions::default())
            .unwrap();
        added += r.added;
        duplicates += r.duplicates;
    }
    // 1628 PDQ lines hold 1627 distinct hashes (one of pdq.csv is in a holidays list too), and
    // the MD5 of photo_md5.csv is also in video_md5.csv.
    assert_eq!((added, duplicates), (1627 + 2, 3 + 1 + 1));
    let counts = bank.kind_counts();
    assert_eq!(counts[&EntryKind::Pdq], 1627);
    assert_eq!(counts[&EntryKind::Md5], 2);
    // Importing everything again adds nothing.
    for (file, _, _, added, duplicates) in HASH_SAMPLES {
        let r = bank
            .import_file(sample(file), &ImportOptions::default())
            .unwrap();
        assert_eq!((r.added, r.duplicates), (0, added + duplicates), "{file}");
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------------

#[test]
fn threatexchange_exports_are_byte_identical_to_the_samples() {
    let tmp = tempfile::tempdir().unwrap();
    for (file, format, ..) in HASH_SAMPLES {
        let mut bank = new_bank(tmp.path(), &file.replace(['.', '_'], "-"));
        bank.import_file(sample(file), &ImportOptions::default())
            .unwrap();
        let exported = export_string(&bank, &ExportOptions::new(format));
        let original = fs::read_to_string(sample(file)).unwrap();
        if file == "holidays-jpg1-pdq-hashes.csv" {
            // The three repeated hashes (lines 107-109) are in the bank once.
            let without: String = original
                .lines()
                .enumerate()
                .filter(|(i, _)| !(106..=108).contains(i))
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            assert_eq!(exported, without);
        } else {
            assert_eq!(exported, original, "{file}");
        }
    }
}

#[test]
fn every_sample_round_trips_through_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    for (file, native, ..) in HASH_SAMPLES {
        let stem = file.replace(['.', '_'], "-");
        let mut bank = new_bank(tmp.path(), &stem);
        bank.import_file(sample(file), &ImportOptions::default())
            .unwrap();
        let original = entries(&bank);
        for format in [
            Format::TeCsv,
            Format::HmaCsv,
            Format::PytxCsv,
            Format::LocalFile,
            Format::HmaJson,
            Format::Jsonl,
        ] {
            let path = tmp.path().join(format!("{stem}.{format}.out"));
            let written = bank
                .export_file(&path, &ExportOptions::new(format))
                .unwrap();
            assert_eq!(written, original.len());
            let mut back = new_bank(tmp.path(), &format!("{stem}-{format}"));
            // The kind is given: the export's file name does not tell it.
            let opts = ImportOptions {
                kind: Some(original[0].kind()),
                ..ImportOptions::default()
            };
            let report = back.import_file(&path, &opts).unwrap();
            assert_eq!(report.format, Some(format), "{file} via {format}");
            assert_eq!(
                (report.added, report.duplicates, report.skipped.len()),
                (original.len(), 0, 0),
                "{file} via {format}"
            );
            let again = entries(&back);
            let values = |es: &[Entry]| es.iter().map(|e| e.value.clone()).collect::<Vec<_>>();
            assert_eq!(values(&again), values(&original), "{file} via {format}");
            match format {
                // Everything, ids included.
                Format::Jsonl => assert_eq!(again, original, "{file} via jsonl"),
                // The native format and its sibling keep the ids, dates and tags.
                Format::TeCsv | Format::HmaCsv if format == native => {
                    assert_eq!(again, original, "{file} via {format}")
                }
                Format::TeCsv | Format::HmaCsv => {
                    for (a, b) in again.iter().zip(&original) {
                        assert_eq!((&a.added, &a.tags), (&b.added, &b.tags));
                    }
                }
                Format::PytxCsv => {
                    for (a, b) in again.iter().zip(&original) {
                        assert_eq!(a.tags, b.tags, "{file} via pytx-csv");
                    }
                }
                _ => {}
            }
        }
    }
}

#[test]
fn hma_csv_export_of_a_threatexchange_list_round_trips_exactly() {
    // te-csv → hma-csv → te-csv: the descriptor ids survive, there is no indicator id.
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "pdq");
    bank.import_file(sample("pdq.csv"), &ImportOptions::default())
        .unwrap();
    let hma = export_string(&bank, &ExportOptions::new(Format::HmaCsv));
    assert!(hma.starts_with(&format!(
        "{PDQ_A},,2880742865368386,2020-07-31T18:47:52+0000,media_priority_pdq_samples"
    )));
    let mut back = new_bank(tmp.path(), "back");
    import_str(&mut back, &hma, "pdq.csv", &ImportOptions::default());
    assert_eq!(entries(&back), entries(&bank));
}

#[test]
fn jsonl_round_trips_every_field_and_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "mixed");
    let frames = vigie_index::vpdq_from_text(
        &fs::read_to_string(Path::new(VPDQ_SAMPLES).join("doorknob-hd-no-bar.txt")).unwrap(),
    )
    .unwrap();
    let mut odd = frames[..3].to_vec();
    odd[1].timestamp = 1.0 / 30.0; // not exact with three decimals
    let values = [
        EntryValue::Pdq(PDQ_A.parse().unwrap()),
        EntryValue::parse(EntryKind::Md5, "D41D8CD98F00B204E9800998ECF8427E").unwrap(),
        EntryValue::parse(
            EntryKind::Sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        )
        .unwrap(),
        EntryValue::Vpdq(frames),
        EntryValue::Vpdq(odd),
    ];
    for (i, value) in values.into_iter().enumerate() {
        let mut e = NewEntry::new(value, format!("ngo:partner-{i}"));
        e.tags = vec!["ransom".into(), format!("case-{i}")];
        e.added = Some("2026-11-28".into());
        e.enabled = i % 2 == 0;
        e.note = (i == 1).then(|| "reported by a family, \"urgent\"\nsecond line".into());
        bank.add(e).unwrap();
    }
    assert!(bank.remove(3).unwrap()); // a gap in the ids
    let text = export_string(&bank, &ExportOptions::new(Format::Jsonl));
    assert_eq!(text.lines().count(), 4);
    // The MD5 is written in lower case, the video as reference text lines.
    assert!(text.contains(r#""kind":"md5","value":"d41d8cd98f00b204e9800998ecf8427e""#));
    assert!(text.contains(r#""value":["0,100,dadb999c"#));
    let mut back = new_bank(tmp.path(), "back");
    let report = import_str(&mut back, &text, "export.jsonl", &ImportOptions::default());
    assert_eq!((report.added, report.skipped.len()), (4, 0));
    assert_eq!(entries(&back), entries(&bank));
    // And once more, through the files on disk.
    assert_eq!(entries(&Bank::open(back.dir()).unwrap()), entries(&bank));
    assert_eq!(back.kind_counts().get(&EntryKind::Sha256), None);
}

#[test]
fn a_vpdq_sample_file_round_trips_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let path = Path::new(VPDQ_SAMPLES).join("chair-19-sd-bar.txt");
    let mut bank = new_bank(tmp.path(), "videos");
    let report = bank.import_file(&path, &ImportOptions::default()).unwrap();
    assert_eq!(report.format, Some(Format::VpdqText));
    assert_eq!(report.kind, Some(EntryKind::Vpdq));
    assert_eq!((report.added, report.skipped.len()), (1, 0));
    let entry = bank.get(1).unwrap();
    assert_eq!(entry.source, "file:chair-19-sd-bar.txt");
    match &entry.value {
        EntryValue::Vpdq(frames) => assert_eq!(frames.len(), 564),
        other => panic!("{other:?}"),
    }
    let text = export_string(&bank, &ExportOptions::new(Format::VpdqText));
    assert_eq!(text, fs::read_to_string(&path).unwrap());
    // The same video again is a duplicate.
    let again = bank.import_file(&path, &ImportOptions::default()).unwrap();
    assert_eq!((again.added, again.duplicates), (0, 1));
}

// ---------------------------------------------------------------------------------------------
// Bad lines, kinds, formats
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_threatexchange_lines_are_reported_and_the_rest_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "pdq");
    let pdq_b = "8fb70f36e1c4181e82fde7d0f80138430e1e31f07b628e31ccbb687e87e1f307";
    let pdq_c = "36b4665bca0c91f6aecb8948e3381e57e509ae7210e3cd1bd768288e56a95af9";
    let text = format!(
        "{PDQ_A},1,2020-07-31T18:47:52+0000,a b\n\
         {short},2,2020-07-31T18:47:52+0000,a\n\
         \n\
         {pdq_b},3,2020-07-31T18:47:52+0000\n\
         {pdq_b},4,2020-07-31T18:47:52+0000,dup\n\
         {pdq_c},x5,2020-07-31T18:47:52+0000,a\n\
         {pdq_c},6,yesterday,a\n\
         {pdq_c},7\n\
         {pdq_c},8,,late\n",
        short = &PDQ_A[..60]
    );
    let report = import_str(&mut bank, &text, "pdq.csv", &ImportOptions::default());
    assert_eq!(report.format, Some(Format::TeCsv));
    assert_eq!((report.added, report.duplicates), (3, 1));
    assert_eq!(report.skipped.len(), 4, "{:?}", report.skipped);
    issue(2, "not a valid pdq value", &report.skipped);
    issue(6, "descriptor id \"x5\" is not a number", &report.skipped);
    issue(7, "field `added`", &report.skipped);
    issue(8, "expected 4 fields", &report.skipped);
    // An empty date means now; no tags column means no tags.
    let c = bank.get(3).unwrap();
    assert_eq!(c.tags, ["late"]);
    assert!(c.added.ends_with('Z'));
    assert!(bank.get(2).unwrap().tags.is_empty());
    // Not UTF-8.
    let mut bytes = format!("{pdq_b},9,2020-07-31,a\n").into_bytes();
    bytes.extend_from_slice(b"\xff\xfe,1,2020-07-31,a\n");
    let report = bank
        .import(&bytes[..], "pdq.csv", &ImportOptions::default())
        .unwrap();
    assert_eq!(report.duplicates, 1);
    issue(2, "not UTF-8", &report.skipped);
}

#[test]
fn sha256_needs_an_explicit_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "files");
    let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let text = format!("{sha},1,2026-11-28T10:00:00Z,seized\n");
    match bank.import(text.as_bytes(), "list.csv", &ImportOptions::default()) {
        Err(ImportError::KindUnknown { file, reason }) => {
            assert_eq!(file, "list.csv");
            assert!(reason.contains("PDQ or SHA-256"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // Named after the kind, or with the kind given.
    let r = import_str(&mut bank, &text, "sha256.csv", &ImportOptions::default());
    assert_eq!((r.kind, r.added), (Some(EntryKind::Sha256), 1));
    let opts = ImportOptions {
        kind: Some(EntryKind::Sha256),
        ..ImportOptions::default()
    };
    let r = import_str(&mut bank, &text, "list.csv", &opts);
    assert_eq!(r.duplicates, 1);
    // A list of 32 hex digits is MD5 without being told.
    let md5 = "cab08b36195edb1a1231d2d09fa450e0,1,2026-11-28,a\n";
    let r = import_str(&mut bank, md5, "-", &ImportOptions::default());
    assert_eq!((r.kind, r.added), (Some(EntryKind::Md5), 1));
    // The bank now has two kinds: te-csv needs one chosen.
    match bank.export(Vec::new(), &ExportOptions::new(Format::TeCsv)) {
        Err(ExportError::KindRequired { format, kinds }) => {
            assert_eq!(format, Format::TeCsv);
            assert_eq!(kinds, [EntryKind::Md5, EntryKind::Sha256]);
        }
        other => panic!("{other:?}"),
    }
    let mut opts = ExportOptions::new(Format::TeCsv);
    opts.kind = Some(EntryKind::Sha256);
    assert_eq!(
        export_string(&bank, &opts),
        format!("{sha},1,2026-11-28T10:00:00Z,seized\n")
    );
}

#[test]
fn pytx_dataset_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "b");
    let text = format!(
        "signal_type,signal_str,collab,category,tags\r\n\
         pdq,{PDQ_A},Ransom Collab,POSITIVE_CLASS,ransom media_type_photo\r\n\
         video_md5,cab08b36195edb1a1231d2d09fa450e0,,INVESTIGATION_SEED,\r\n\
         raw_text,hello,c,POSITIVE_CLASS,\r\n\
         pdq,8fb70f36e1c4181e82fde7d0f80138430e1e31f07b628e31ccbb687e87e1f307,c,NEGATIVE_CLASS,x\r\n\
         tlsh_x,abc,c,POSITIVE_CLASS,\r\n"
    );
    let r = import_str(&mut bank, &text, "dataset.csv", &ImportOptions::default());
    assert_eq!(r.format, Some(Format::PytxCsv));
    assert_eq!(r.added, 2);
    issue(4, "\"raw_text\" is not a hash kind", &r.skipped);
    issue(5, "negative opinion", &r.skipped);
    issue(6, "unknown signal type", &r.skipped);
    let e = bank.get(1).unwrap();
    assert_eq!(e.source, "collab:Ransom Collab");
    assert_eq!(
        e.tags,
        ["ransom", "media_type_photo", "category:POSITIVE_CLASS"]
    );
    assert_eq!(bank.get(2).unwrap().source, "file:dataset.csv");
    let out = export_string(&bank, &ExportOptions::new(Format::PytxCsv));
    assert_eq!(
        out,
        format!(
            "signal_type,signal_str,collab,category,tags\n\
             pdq,{PDQ_A},Ransom Collab,POSITIVE_CLASS,ransom media_type_photo\n\
             video_md5,cab08b36195edb1a1231d2d09fa450e0,,INVESTIGATION_SEED,\n"
        )
    );
    // A kind filter skips the other lines, saying why.
    let mut other = new_bank(tmp.path(), "other");
    let opts = ImportOptions {
        kind: Some(EntryKind::Md5),
        ..ImportOptions::default()
    };
    let r = import_str(&mut other, &out, "x.csv", &opts);
    assert_eq!(r.added, 1);
    issue(2, "only md5 is imported", &r.skipped);
}

#[test]
fn local_file_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "b");
    let text = format!(
        "pdq {PDQ_A}\n\
         video_md5 cab08b36195edb1a1231d2d09fa450e0\n\
         raw_text hello there\n\
         pdq 1234\n"
    );
    let r = import_str(&mut bank, &text, "signals.txt", &ImportOptions::default());
    assert_eq!((r.format, r.added), (Some(Format::LocalFile), 2));
    issue(3, "not a hash kind", &r.skipped);
    issue(4, "64 hex digits", &r.skipped);
    assert_eq!(
        export_string(&bank, &ExportOptions::new(Format::LocalFile)),
        format!("pdq {PDQ_A}\nvideo_md5 cab08b36195edb1a1231d2d09fa450e0\n")
    );
    // Bare hashes take the kind from the file name or the options.
    let mut bare = new_bank(tmp.path(), "bare");
    let r = import_str(
        &mut bare,
        &format!("{PDQ_A}\n"),
        "pdq.txt",
        &ImportOptions::default(),
    );
    assert_eq!((r.kind, r.added), (Some(EntryKind::Pdq), 1));
    assert!(matches!(
        bare.import(
            format!("{PDQ_A}\n").as_bytes(),
            "hashes.txt",
            &ImportOptions::default()
        ),
        Err(ImportError::KindUnknown { .. })
    ));
}

#[test]
fn a_failed_import_adds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "b");
    // The first (typed) line is fine; the bare second line has no kind to go by.
    let text = format!(
        "video_md5 cab08b36195edb1a1231d2d09fa450e0\n{}\n",
        "8fb70f36e1c4181e82fde7d0f80138430e1e31f07b628e31ccbb687e87e1f307"
    );
    assert!(bank
        .import(text.as_bytes(), "-", &ImportOptions::default())
        .is_err());
    assert!(bank.is_empty());
    assert!(Bank::open(bank.dir()).unwrap().is_empty());
    let id = bank
        .add(NewEntry::new(EntryValue::Pdq(Hash256::ZERO), "reviewer"))
        .unwrap();
    assert_eq!(id, 1, "the failed import used no id");
}

#[test]
fn hma_signal_json() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "b");
    let text = format!(
        "{{\"pdq\": \"{PDQ_A}\", \"note\": \"from HMA\"}}\n\
         {{\"video_md5\": \"cab08b36195edb1a1231d2d09fa450e0\", \"raw_text\": \"hi\"}}\n\
         {{\"pdq\": 7}}\n\
         not json\n\
         {{\"colour\": \"red\"}}\n"
    );
    let r = import_str(&mut bank, &text, "signals.jsonl", &ImportOptions::default());
    assert_eq!((r.format, r.added), (Some(Format::HmaJson), 2));
    issue(2, "\"raw_text\" is not a hash kind", &r.skipped);
    issue(3, "not a string", &r.skipped);
    issue(4, "not a JSON object", &r.skipped);
    issue(5, "unknown key \"colour\"", &r.skipped);
    assert_eq!(bank.get(1).unwrap().note.as_deref(), Some("from HMA"));
    assert_eq!(
        export_string(&bank, &ExportOptions::new(Format::HmaJson)),
        format!(
            "{{\"pdq\":\"{PDQ_A}\",\"note\":\"from HMA\"}}\n\
             {{\"video_md5\":\"cab08b36195edb1a1231d2d09fa450e0\"}}\n"
        )
    );
}

#[test]
fn bad_jsonl_lines_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "b");
    let text = format!(
        "{{\"kind\":\"pdq\",\"value\":\"{PDQ_A}\",\"source\":\"reviewer\",\"tags\":[\"a\"]}}\n\
         {{\"kind\":\"sha1\",\"value\":\"00\"}}\n\
         {{\"kind\":\"pdq\",\"value\":\"{PDQ_A}\",\"tag\":[\"typo\"]}}\n\
         {{\"kind\":\"md5\",\"value\":\"cab08b36195edb1a1231d2d09fa450e0\",\"tags\":[\"two words\"]}}\n\
         {{\"kind\":\"vpdq\",\"value\":\"0,100,{PDQ_A},0.000\"}}\n\
         {{\"kind\":\"vpdq\",\"value\":[\"0,101,{PDQ_A},0.000\"]}}\n\
         {{\"kind\":\"md5\",\"value\":\"cab08b36195edb1a1231d2d09fa450e0\",\"note\":\"{long}\"}}\n",
        long = "n".repeat(2000)
    );
    let r = import_str(&mut bank, &text, "in.jsonl", &ImportOptions::default());
    assert_eq!(
        (r.format, r.added, r.duplicates),
        (Some(Format::Jsonl), 2, 0),
        "{r:?}"
    );
    issue(2, "unknown kind \"sha1\"", &r.skipped);
    issue(4, "whitespace", &r.skipped);
    issue(6, "quality", &r.skipped);
    issue(
        7,
        "field `note` is 2000 bytes long; the limit is 1024",
        &r.skipped,
    );
    // An unknown field is an error (here a typo for `tags`), not silently dropped.
    issue(3, "unknown field `tag`", &r.skipped);
    // Line 5 (a vPDQ value given as text) is accepted.
    assert_eq!(bank.kind_counts()[&EntryKind::Vpdq], 1);
    assert_eq!(r.skipped.len(), 5);
    // A JSON line with no source takes the file's.
    assert_eq!(bank.get(2).unwrap().source, "file:in.jsonl");
}

#[test]
fn explicit_format_and_options() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "b");
    // Detected as te-csv; forced to hma-csv, every 4-field line is... a 4-field HMA line
    // without tags: indicator,indicator_id,first_descriptor_id,added_on.
    let text = format!("{PDQ_A},11,22,2021-05-07T18:07:52+0000\n");
    let opts = ImportOptions {
        format: Some(Format::HmaCsv),
        kind: Some(EntryKind::Pdq),
        source: Some("ngo:xyz".into()),
        tags: vec!["batch-7".into()],
    };
    let r = import_str(&mut bank, &text, "-", &opts);
    assert_eq!((r.format, r.added), (Some(Format::HmaCsv), 1));
    let e = bank.get(1).unwrap();
    assert_eq!(e.source, "ngo:xyz");
    assert_eq!(e.tags, ["batch-7"]);
    assert_eq!(e.added, "2021-05-07T18:07:52+0000");
    // An empty input imports nothing and is not an error.
    let r = import_str(&mut bank, "\n\n", "-", &ImportOptions::default());
    assert_eq!(r, ImportReport::default());
    // A kind a format cannot carry.
    let opts = ImportOptions {
        kind: Some(EntryKind::Vpdq),
        ..ImportOptions::default()
    };
    assert!(matches!(
        bank.import(text.as_bytes(), "-", &opts),
        Err(ImportError::KindNotSupported {
            kind: EntryKind::Vpdq,
            ..
        })
    ));
    assert_eq!(Format::parse("te-csv"), Some(Format::TeCsv));
    assert!("nope".parse::<Format>().unwrap_err().contains("te-csv"));
}

#[test]
fn export_errors_name_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bank = new_bank(tmp.path(), "videos");
    let frames = |h: &str| {
        vigie_index::vpdq_from_text(&format!("0,100,{h},0.000\n1,100,{h},0.033\n")).unwrap()
    };
    bank.add(NewEntry::new(EntryValue::Vpdq(frames(PDQ_A)), "reviewer"))
        .unwrap();
    bank.add(NewEntry::new(
        EntryValue::Vpdq(frames(&"0".repeat(64))),
        "reviewer",
    ))
    .unwrap();
    match bank.export(Vec::new(), &ExportOptions::new(Format::TeCsv)) {
        Err(e @ ExportError::KindNotSupported { count: 2, .. }) => {
            assert!(e.to_string().contains("cannot hold vpdq"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        bank.export(Vec::new(), &ExportOptions::new(Format::VpdqText)),
        Err(ExportError::NotOneVideo { count: 2 })
    ));
    bank.set_enabled(2, false).unwrap();
    let mut opts = ExportOptions::new(Format::VpdqText);
    opts.include_disabled = false;
    assert_eq!(
        export_string(&bank, &opts),
        format!("0,100,{PDQ_A},0.000\n1,100,{PDQ_A},0.033\n")
    );
}
