//! vPDQ matching against the anchor figures
//! (`shared/anchors/pdq/generated/vpdq-brute-match-vs-chair-19-sd-bar.tsv`): the query and
//! compared match percentages of every full-resolution sample hash file of Meta's repository
//! against `chair-19-sd-bar.txt`, as the C++ `matchTwoHash` computes them (distance < 31, all
//! frames) and as python-threatexchange's `VPDQIndex` does (distance <= 31, distinct frames),
//! both with quality >= 50.

use std::path::{Path, PathBuf};

use vigie_core::VpdqFrame;
use vigie_index::{
    compare_videos, VideoIndex, VpdqMatchMode, VpdqThresholds, PYTX_INDEX_MATCH_THRESHOLD_PERCENT,
    PYTX_QUERY_MATCH_THRESHOLD_PERCENT,
};

fn anchors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/anchors/pdq")
}

/// The reference's text format, `frame,quality,pdq_hex,timestamp` per line.
fn read_frames(repo_path: &str) -> Vec<VpdqFrame> {
    let path = anchors().join("vpdq").join(repo_path);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.trim().split(',').collect();
            assert_eq!(f.len(), 4, "{l}");
            VpdqFrame {
                frame: f[0].parse().unwrap(),
                quality: f[1].parse().unwrap(),
                hash: f[2].parse().unwrap(),
                timestamp: f[3].parse().unwrap(),
            }
        })
        .collect()
}

struct Row {
    query: String,
    compared: String,
    query_frames: usize,
    compared_frames: usize,
    cpp: (String, String),
    pytx: (String, String),
}

fn rows() -> Vec<Row> {
    let path = anchors().join("generated/vpdq-brute-match-vs-chair-19-sd-bar.tsv");
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "query_file\tcompared_file\tquery_frames\tcompared_frames\t\
         q_pct_cpp_lt31_all_frames\tc_pct_cpp_lt31_all_frames\t\
         q_pct_pytx_le31_unique\tc_pct_pytx_le31_unique"
    );
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Row {
                query: c[0].to_string(),
                compared: c[1].to_string(),
                query_frames: c[2].parse().unwrap(),
                compared_frames: c[3].parse().unwrap(),
                cpp: (c[4].to_string(), c[5].to_string()),
                pytx: (c[6].to_string(), c[7].to_string()),
            }
        })
        .collect()
}

fn pct(x: f64) -> String {
    format!("{x:.2}")
}

#[test]
fn brute_force_comparison_reproduces_every_row_in_both_modes() {
    let rows = rows();
    assert_eq!(rows.len(), 16);
    for row in &rows {
        let q = read_frames(&row.query);
        let c = read_frames(&row.compared);
        assert_eq!((q.len(), c.len()), (row.query_frames, row.compared_frames));
        let cpp = compare_videos(&q, &c, &VpdqThresholds::match_two_hash());
        let pytx = compare_videos(&q, &c, &VpdqThresholds::pytx_index());
        assert_eq!(
            (
                pct(cpp.query_match_percent),
                pct(cpp.compared_match_percent)
            ),
            row.cpp,
            "matchTwoHash {}",
            row.query
        );
        assert_eq!(
            (
                pct(pytx.query_match_percent),
                pct(pytx.compared_match_percent)
            ),
            row.pytx,
            "VPDQIndex {}",
            row.query
        );
    }
}

/// The upstream figure quoted in ThreatExchange PR #1087, and the mode defaults.
#[test]
fn chair_20_against_chair_19() {
    let q = read_frames("vpdq/sample-hashes/chair-20-sd-bar.txt");
    let c = read_frames("vpdq/sample-hashes/chair-19-sd-bar.txt");
    let s = compare_videos(&q, &c, &VpdqThresholds::default());
    assert_eq!(pct(s.query_match_percent), "92.76");
    assert_eq!(s.compared_match_percent, 100.0);
    assert_eq!(VpdqThresholds::default().mode, VpdqMatchMode::PytxIndex);
    let t = VpdqThresholds::match_two_hash();
    assert_eq!((t.distance, t.quality), (31, 50));
}

/// The index over all 16 full-resolution sample videos gives, for every query and every stored
/// video, exactly the brute-force percentages (and so every row of the anchor), in both modes;
/// videos without any matching frame are not reported.
#[test]
fn video_index_agrees_with_brute_force_for_every_pair() {
    let rows = rows();
    let videos: Vec<(u32, Vec<VpdqFrame>)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (i as u32 + 100, read_frames(&r.query)))
        .collect();
    let chair19 = videos
        .iter()
        .find(|(_, f)| *f == read_frames("vpdq/sample-hashes/chair-19-sd-bar.txt"))
        .map(|(id, _)| *id)
        .unwrap();
    let mut index = VideoIndex::new();
    for (id, frames) in &videos {
        index.insert(*id, frames);
    }
    assert_eq!(index.len(), 16);
    for t in [
        VpdqThresholds::match_two_hash(),
        VpdqThresholds::pytx_index(),
    ] {
        for (row, (_, query)) in rows.iter().zip(&videos) {
            let hits = index.search_with_minimums(query, &t, 0.0, 0.0);
            for (id, stored) in &videos {
                let brute = compare_videos(query, stored, &t);
                match hits.iter().find(|m| m.video == *id) {
                    Some(m) => {
                        assert_eq!(m.query_match_percent, brute.query_match_percent);
                        assert_eq!(m.compared_match_percent, brute.compared_match_percent);
                        assert!(m.query_match_percent > 0.0);
                    }
                    None => assert_eq!(brute.query_match_percent, 0.0, "{:?} {id}", t.mode),
                }
            }
            let want = match t.mode {
                VpdqMatchMode::MatchTwoHash => &row.cpp,
                VpdqMatchMode::PytxIndex => &row.pytx,
            };
            let got = hits
                .iter()
                .find(|m| m.video == chair19)
                .map(|m| (pct(m.query_match_percent), pct(m.compared_match_percent)))
                .unwrap_or_else(|| (pct(0.0), pct(0.0)));
            assert_eq!(&got, want, "{:?} {}", t.mode, row.query);
        }
    }
}

/// python-threatexchange's default decision (query >= 80 %, index >= 0 %): the re-encoded,
/// recoloured and small-logo chair videos match chair-19; the large logo, the differently cut
/// originals, the doorknob and the patterns do not.
#[test]
fn pytx_default_decision() {
    let mut index = VideoIndex::new();
    index.insert(1, read_frames("vpdq/sample-hashes/chair-19-sd-bar.txt"));
    let t = VpdqThresholds::pytx_index();
    for row in rows() {
        let hits = index.search_with_minimums(
            &read_frames(&row.query),
            &t,
            PYTX_QUERY_MATCH_THRESHOLD_PERCENT,
            PYTX_INDEX_MATCH_THRESHOLD_PERCENT,
        );
        let q: f64 = row.pytx.0.parse().unwrap();
        assert_eq!(hits.len(), usize::from(q >= 80.0), "{}", row.query);
    }
}

#[test]
fn removing_and_replacing_videos() {
    let chair19 = read_frames("vpdq/sample-hashes/chair-19-sd-bar.txt");
    let chair20 = read_frames("vpdq/sample-hashes/chair-20-sd-bar.txt");
    let door = read_frames("vpdq/sample-hashes/doorknob-hd-no-bar.txt");
    let t = VpdqThresholds::default();
    let mut index = VideoIndex::new();
    index.insert(1, &chair19);
    index.insert(2, &door);
    let distinct = index.distinct_frames();
    index.insert(3, &chair20);
    assert!(index.distinct_frames() > distinct);
    assert!(index.remove(3));
    assert_eq!(index.distinct_frames(), distinct);
    assert_eq!(index.search(&chair20, &t, 50.0)[0].video, 1);
    // Replace video 1 by the doorknob: the chair no longer matches anything.
    index.insert(1, &door);
    assert!(index.search(&chair20, &t, 1.0).is_empty());
    let both = index.search(&door, &t, 100.0);
    assert_eq!(both.iter().map(|m| m.video).collect::<Vec<_>>(), vec![1, 2]);
}
