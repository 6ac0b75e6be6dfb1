//! Media against the hash banks: which attachments match which banks, as policy signals,
//! score floors and evidence.

use vigie_core::{Item, Label};
use vigie_index::{BankMatch, BankSet, VpdqThresholds};

/// PDQ matches within this many bits count (Meta's recommended threshold).
pub const PDQ_RADIUS: u32 = 31;

/// PDQ hashes under this quality are too unreliable to match (Meta's guidance).
pub const MIN_PDQ_QUALITY: u8 = 50;

/// One attachment's match.
#[derive(Debug, Clone)]
pub struct MediaMatch {
    /// The attachment's id (or its position, `#0`, when it has none).
    pub media: String,
    /// The nearest bank entry it matched.
    pub hit: BankMatch,
}

/// What the banks say about an item's media.
#[derive(Debug, Clone, Default)]
pub struct MediaReport {
    /// The nearest match of each attachment that matched.
    pub matches: Vec<MediaMatch>,
    /// Warnings: attachments with nothing to match on, low-quality hashes, bad digests.
    pub warnings: Vec<String>,
}

impl MediaReport {
    /// Attachments matched to a bank with `label`.
    pub fn count(&self, label: Label) -> usize {
        self.matches.iter().filter(|m| m.hit.label == label).count()
    }

    /// The nearest match overall.
    pub fn nearest(&self) -> Option<&MediaMatch> {
        self.matches.iter().min_by_key(|m| m.hit.distance)
    }
}

/// How sure a match is, in `[0.5, 1]`: 1 for exact digests and identical hashes, falling with
/// the PDQ distance (0.76 at 31 bits), the smaller match percentage for video.
pub fn confidence(hit: &BankMatch) -> f32 {
    if let Some(v) = hit.video {
        return (v.query_match_percent.min(v.compared_match_percent) / 100.0) as f32;
    }
    (1.0 - hit.distance as f32 / 128.0).max(0.5)
}

/// One line of evidence for a match.
pub fn evidence(m: &MediaMatch) -> String {
    let hit = &m.hit;
    let how = match (hit.kind, hit.video) {
        (_, Some(v)) => format!(
            "vPDQ {:.0}% of frames, {:.0}% of the stored video",
            v.query_match_percent, v.compared_match_percent
        ),
        (vigie_index::EntryKind::Pdq, _) => format!("PDQ distance {}", hit.distance),
        (kind, _) => format!("{} exact", kind.as_str().to_uppercase()),
    };
    let source = if hit.source.is_empty() {
        String::new()
    } else {
        format!(", source {}", hit.source)
    };
    format!(
        "media {} matches hash bank {} entry {} ({how}{source})",
        m.media, hit.bank, hit.entry
    )
}

/// Match every attachment of `item` that carries hashes.
pub fn match_media(banks: &BankSet, item: &Item) -> MediaReport {
    let mut report = MediaReport::default();
    for (i, media) in item.media.iter().enumerate() {
        let name = media.id.clone().unwrap_or_else(|| format!("#{i}"));
        let mut hits: Vec<BankMatch> = Vec::new();
        let mut hashed = false;
        if let Some(sha) = &media.sha256 {
            hashed = true;
            match banks.match_sha256(sha) {
                Ok(h) => hits.extend(h),
                Err(e) => report.warnings.push(format!("media {name}: sha256: {e}")),
            }
        }
        if let Some(md5) = &media.md5 {
            hashed = true;
            match banks.match_md5(md5) {
                Ok(h) => hits.extend(h),
                Err(e) => report.warnings.push(format!("media {name}: md5: {e}")),
            }
        }
        if let Some(pdq) = &media.pdq {
            hashed = true;
            match media.quality {
                Some(q) if q < MIN_PDQ_QUALITY => report.warnings.push(format!(
                    "media {name}: PDQ quality {q} is under {MIN_PDQ_QUALITY}: not matched on PDQ"
                )),
                _ => hits.extend(
                    banks
                        .match_pdq(pdq, PDQ_RADIUS)
                        .expect("radius within the limit"),
                ),
            }
        }
        if !media.vpdq.is_empty() {
            hashed = true;
            let t = VpdqThresholds::default();
            // python-threatexchange's and HMA's rule: 80% of the query's frames match.
            hits.extend(banks.match_video(
                &media.vpdq,
                &t,
                vigie_index::PYTX_QUERY_MATCH_THRESHOLD_PERCENT,
                vigie_index::PYTX_INDEX_MATCH_THRESHOLD_PERCENT,
            ));
        }
        if !hashed {
            report.warnings.push(format!(
                "media {name} has no hash to match (no pdq, md5, sha256 or vpdq)"
            ));
        }
        if let Some(hit) = hits.into_iter().min_by(|a, b| {
            a.distance
                .cmp(&b.distance)
                .then(confidence(b).total_cmp(&confidence(a)))
        }) {
            report.matches.push(MediaMatch { media: name, hit });
        }
    }
    report
}
