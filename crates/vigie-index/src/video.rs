//! vPDQ video matching: the frame-by-frame comparison of Meta's references.
//!
//! [`compare_videos`] compares two videos by brute force (every pair of frames), with the rules
//! of Meta's C++ `matchTwoHash` or of python-threatexchange's `VPDQIndex` ([`VpdqMatchMode`]);
//! [`VideoIndex`] holds many videos and finds the matching ones through a [`HammingIndex`] of
//! their distinct frame hashes, with exactly the same percentages.
//!
//! python-threatexchange has a third variant, `match_VPDQ_hash_brute`, which deduplicates the
//! frames *before* the quality filter (a hash whose first frame is of low quality is dropped
//! even if a later frame with the same hash is good); HMA's index filters first, as here.

use std::collections::{HashMap, HashSet};

use crate::{EntryId, HammingIndex, MAX_RADIUS};
use vigie_core::{Hash256, VpdqFrame};

/// Which reference's matching rules to follow.
///
/// The query match percentage is the share of the query's frames that match some frame of the
/// compared video, the compared match percentage the share of the compared video's frames that
/// match some frame of the query; frames under the quality threshold are left out of both the
/// counts and the totals. The two references differ in the details:
///
/// | | [`MatchTwoHash`](VpdqMatchMode::MatchTwoHash) | [`PytxIndex`](VpdqMatchMode::PytxIndex) (default) |
/// | --- | --- | --- |
/// | reference | `vpdq/cpp` `matchTwoHashBrute` | python-threatexchange `VPDQIndex` (HMA) |
/// | frames match when the distance is | `< distance` (strict) | `<= distance` |
/// | frames counted | every frame of quality `>= quality`, duplicates included | the distinct hashes among the frames of quality `>= quality` |
///
/// With the defaults (distance 31, quality 50) they differ by a few percent on videos with
/// repeated frames: `chair-20-sd-bar` against `chair-19-sd-bar` matches 92.18 % of the query
/// with `MatchTwoHash`, 92.76 % with `PytxIndex`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VpdqMatchMode {
    /// Meta's C++ `matchTwoHash`: distance strictly under the threshold, every frame counted.
    MatchTwoHash,
    /// python-threatexchange's `VPDQIndex` (what HMA uses): distance at most the threshold,
    /// frames deduplicated by hash (after the quality filter).
    #[default]
    PytxIndex,
}

/// The thresholds of a vPDQ comparison, and which reference's rules apply them
/// ([`VpdqMatchMode`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VpdqThresholds {
    /// Frame distance threshold (reference default 31): frames match when their PDQ distance
    /// is under it ([`MatchTwoHash`](VpdqMatchMode::MatchTwoHash)) or at most it
    /// ([`PytxIndex`](VpdqMatchMode::PytxIndex)).
    pub distance: u32,
    /// Frames of lower quality are ignored (reference default 50).
    pub quality: u8,
    /// Strict or non-strict distance, duplicate frames counted or not.
    pub mode: VpdqMatchMode,
}

impl Default for VpdqThresholds {
    fn default() -> Self {
        Self::pytx_index()
    }
}

impl VpdqThresholds {
    /// Distance 31, quality 50, [`VpdqMatchMode::MatchTwoHash`].
    pub fn match_two_hash() -> Self {
        VpdqThresholds {
            distance: 31,
            quality: 50,
            mode: VpdqMatchMode::MatchTwoHash,
        }
    }

    /// Distance 31, quality 50, [`VpdqMatchMode::PytxIndex`] (the default).
    pub fn pytx_index() -> Self {
        VpdqThresholds {
            distance: 31,
            quality: 50,
            mode: VpdqMatchMode::PytxIndex,
        }
    }

    /// Whether two frames at `distance` bits match.
    pub fn frames_match(&self, distance: u32) -> bool {
        match self.mode {
            VpdqMatchMode::MatchTwoHash => distance < self.distance,
            VpdqMatchMode::PytxIndex => distance <= self.distance,
        }
    }

    /// The largest matching distance, `None` when no distance matches (strict mode, 0).
    fn radius(&self) -> Option<u32> {
        match self.mode {
            VpdqMatchMode::MatchTwoHash => self.distance.checked_sub(1),
            VpdqMatchMode::PytxIndex => Some(self.distance),
        }
    }

    /// The frames that take part in a comparison, as (hash, weight): the frames of sufficient
    /// quality, grouped by hash in first-seen order; the weight is the number of frames with
    /// that hash ([`MatchTwoHash`](VpdqMatchMode::MatchTwoHash)) or 1
    /// ([`PytxIndex`](VpdqMatchMode::PytxIndex)).
    fn weighted(&self, frames: &[VpdqFrame]) -> Vec<(Hash256, u32)> {
        let mut slot: HashMap<Hash256, usize> = HashMap::new();
        let mut out: Vec<(Hash256, u32)> = Vec::new();
        for f in frames.iter().filter(|f| f.quality >= self.quality) {
            match slot.get(&f.hash) {
                Some(&i) => {
                    if self.mode == VpdqMatchMode::MatchTwoHash {
                        out[i].1 += 1;
                    }
                }
                None => {
                    slot.insert(f.hash, out.len());
                    out.push((f.hash, 1));
                }
            }
        }
        out
    }
}

/// Match percentages of two videos.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VpdqSimilarity {
    /// Percentage (0..=100) of the query's frames that match some frame of the compared video.
    pub query_match_percent: f64,
    /// Percentage (0..=100) of the compared video's frames that match some frame of the query.
    pub compared_match_percent: f64,
}

/// A stored video that matches a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoMatch {
    /// The compared (stored) video.
    pub video: EntryId,
    /// Percentage of the query's frames that match some frame of the compared video.
    pub query_match_percent: f64,
    /// Percentage of the compared video's frames that match some frame of the query.
    pub compared_match_percent: f64,
}

/// Compare two videos by brute force, with the rules of `t.mode`.
///
/// When either video has no frame of sufficient quality both percentages are 0 (the C++
/// reference's rule; python-threatexchange refuses such videos).
pub fn compare_videos(
    query: &[VpdqFrame],
    compared: &[VpdqFrame],
    t: &VpdqThresholds,
) -> VpdqSimilarity {
    let q = t.weighted(query);
    let c = t.weighted(compared);
    let total = |v: &[(Hash256, u32)]| v.iter().map(|&(_, w)| u64::from(w)).sum::<u64>();
    let (q_total, c_total) = (total(&q), total(&c));
    if q_total == 0 || c_total == 0 {
        return VpdqSimilarity::default();
    }
    let matched = |a: &[(Hash256, u32)], b: &[(Hash256, u32)]| -> u64 {
        a.iter()
            .filter(|(x, _)| b.iter().any(|(y, _)| t.frames_match(x.distance(y))))
            .map(|&(_, w)| u64::from(w))
            .sum()
    };
    VpdqSimilarity {
        query_match_percent: percent(matched(&q, &c), q_total),
        compared_match_percent: percent(matched(&c, &q), c_total),
    }
}

/// `count * 100 / total`, in the references' order of operations.
fn percent(count: u64, total: u64) -> f64 {
    count as f64 * 100.0 / total as f64
}

/// python-threatexchange's default minimum query match percentage for a video to match.
pub const PYTX_QUERY_MATCH_THRESHOLD_PERCENT: f64 = 80.0;
/// python-threatexchange's default minimum compared (index) match percentage.
pub const PYTX_INDEX_MATCH_THRESHOLD_PERCENT: f64 = 0.0;

/// A distinct frame hash of the index and the videos that have it.
#[derive(Debug, Clone)]
struct Slot {
    hash: Hash256,
    /// (video, qualities of that video's frames with this hash, highest first).
    videos: Vec<(EntryId, Vec<u8>)>,
}

#[derive(Debug, Clone)]
struct StoredVideo {
    /// The slots of the video's distinct hashes.
    slots: Vec<u32>,
    /// Quality of every frame, ascending.
    frame_qualities: Vec<u8>,
    /// Highest quality of each distinct hash, ascending.
    distinct_qualities: Vec<u8>,
}

/// Number of values `>= q` in an ascending list.
fn at_least(ascending: &[u8], q: u8) -> u64 {
    (ascending.len() - ascending.partition_point(|&v| v < q)) as u64
}

impl StoredVideo {
    /// The denominator of the compared match percentage.
    fn total(&self, t: &VpdqThresholds) -> u64 {
        match t.mode {
            VpdqMatchMode::MatchTwoHash => at_least(&self.frame_qualities, t.quality),
            VpdqMatchMode::PytxIndex => at_least(&self.distinct_qualities, t.quality),
        }
    }
}

/// Weight of one distinct hash of a video (its frames' qualities, highest first).
fn weight(descending: &[u8], t: &VpdqThresholds) -> u64 {
    match t.mode {
        VpdqMatchMode::MatchTwoHash => descending.partition_point(|&v| v >= t.quality) as u64,
        VpdqMatchMode::PytxIndex => u64::from(descending.first().is_some_and(|&v| v >= t.quality)),
    }
}

/// Many videos, matched against a query video.
///
/// Every distinct frame hash of the stored videos is kept once in a [`HammingIndex`], with
/// the videos that have it and their frames' qualities; a search looks up each distinct query
/// hash within the matching radius and counts, per video, the query frames and the video's
/// frames that matched. The thresholds are chosen per search. The percentages are exactly
/// those of [`compare_videos`] (in either mode); only videos with at least one matching frame
/// are reported.
#[derive(Debug, Clone, Default)]
pub struct VideoIndex {
    hashes: HammingIndex,
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    slot_of: HashMap<Hash256, u32>,
    videos: HashMap<EntryId, StoredVideo>,
}

impl VideoIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a video (its frames in any order); a video with the same id is replaced.
    pub fn insert(&mut self, video: EntryId, frames: impl AsRef<[VpdqFrame]>) {
        let frames = frames.as_ref();
        self.remove(video);
        let mut by_hash: HashMap<Hash256, Vec<u8>> = HashMap::new();
        let mut order: Vec<Hash256> = Vec::new();
        for f in frames {
            by_hash
                .entry(f.hash)
                .or_insert_with(|| {
                    order.push(f.hash);
                    Vec::new()
                })
                .push(f.quality);
        }
        let mut stored = StoredVideo {
            slots: Vec::with_capacity(order.len()),
            frame_qualities: frames.iter().map(|f| f.quality).collect(),
            distinct_qualities: Vec::with_capacity(order.len()),
        };
        stored.frame_qualities.sort_unstable();
        for hash in order {
            let mut qualities = by_hash.remove(&hash).unwrap_or_default();
            qualities.sort_unstable_by(|a, b| b.cmp(a));
            stored.distinct_qualities.push(qualities[0]);
            let slot = self.slot_for(hash);
            if let Some(entry) = self.slots[slot as usize].as_mut() {
                entry.videos.push((video, qualities));
            }
            stored.slots.push(slot);
        }
        stored.distinct_qualities.sort_unstable();
        self.videos.insert(video, stored);
    }

    /// The slot of `hash`, created when new.
    fn slot_for(&mut self, hash: Hash256) -> u32 {
        if let Some(&s) = self.slot_of.get(&hash) {
            return s;
        }
        let s = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 distinct frame hashes")
            }
        };
        self.slots[s as usize] = Some(Slot {
            hash,
            videos: Vec::new(),
        });
        self.slot_of.insert(hash, s);
        self.hashes.insert(s, hash);
        s
    }

    /// Remove a video; false when there was none.
    pub fn remove(&mut self, video: EntryId) -> bool {
        let Some(stored) = self.videos.remove(&video) else {
            return false;
        };
        for s in stored.slots {
            let Some(slot) = self.slots[s as usize].as_mut() else {
                continue;
            };
            slot.videos.retain(|(v, _)| *v != video);
            if slot.videos.is_empty() {
                let hash = slot.hash;
                self.slots[s as usize] = None;
                self.slot_of.remove(&hash);
                self.hashes.remove(s);
                self.free.push(s);
            }
        }
        true
    }

    /// True when a video with this id is stored.
    pub fn contains(&self, video: EntryId) -> bool {
        self.videos.contains_key(&video)
    }

    /// Number of videos.
    pub fn len(&self) -> usize {
        self.videos.len()
    }

    /// True when the index holds no video.
    pub fn is_empty(&self) -> bool {
        self.videos.is_empty()
    }

    /// Number of distinct frame hashes indexed (over all videos).
    pub fn distinct_frames(&self) -> usize {
        self.slot_of.len()
    }

    /// The slots within `radius` bits of `hash`.
    fn matching_slots(&self, hash: &Hash256, radius: u32) -> Vec<u32> {
        if radius <= MAX_RADIUS {
            if let Ok(found) = self.hashes.search(hash, radius) {
                return found.into_iter().map(|m| m.id).collect();
            }
        }
        // Beyond the index's radius: scan the distinct hashes.
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let s = s.as_ref()?;
                (s.hash.distance(hash) <= radius).then_some(i as u32)
            })
            .collect()
    }

    /// Every stored video with at least one frame matching the query and both match
    /// percentages at least `min_percent`. See [`search_with_minimums`](Self::search_with_minimums).
    pub fn search(
        &self,
        query: &[VpdqFrame],
        t: &VpdqThresholds,
        min_percent: f64,
    ) -> Vec<VideoMatch> {
        self.search_with_minimums(query, t, min_percent, min_percent)
    }

    /// Every stored video with at least one frame matching the query whose query match
    /// percentage is at least `min_query_percent` and compared match percentage at least
    /// `min_compared_percent` (python-threatexchange's defaults:
    /// [`PYTX_QUERY_MATCH_THRESHOLD_PERCENT`], [`PYTX_INDEX_MATCH_THRESHOLD_PERCENT`]).
    /// Sorted by query match, then compared match (both descending), then id.
    pub fn search_with_minimums(
        &self,
        query: &[VpdqFrame],
        t: &VpdqThresholds,
        min_query_percent: f64,
        min_compared_percent: f64,
    ) -> Vec<VideoMatch> {
        let Some(radius) = t.radius() else {
            return Vec::new();
        };
        let q = t.weighted(query);
        let q_total: u64 = q.iter().map(|&(_, w)| u64::from(w)).sum();
        if q_total == 0 {
            return Vec::new();
        }
        // Per video: query weight matched, video weight matched.
        let mut counts: HashMap<EntryId, (u64, u64)> = HashMap::new();
        let mut slots_seen: HashSet<u32> = HashSet::new();
        let mut videos_of_this_hash: HashSet<EntryId> = HashSet::new();
        for (hash, q_weight) in &q {
            videos_of_this_hash.clear();
            for s in self.matching_slots(hash, radius) {
                let Some(slot) = self.slots[s as usize].as_ref() else {
                    continue;
                };
                let first_time = slots_seen.insert(s);
                for (video, qualities) in &slot.videos {
                    let w = weight(qualities, t);
                    if w == 0 {
                        continue;
                    }
                    let c = counts.entry(*video).or_default();
                    if videos_of_this_hash.insert(*video) {
                        c.0 += u64::from(*q_weight);
                    }
                    if first_time {
                        c.1 += w;
                    }
                }
            }
        }
        let mut out: Vec<VideoMatch> = counts
            .into_iter()
            .filter_map(|(video, (q_hits, c_hits))| {
                let total = self.videos.get(&video)?.total(t);
                let m = VideoMatch {
                    video,
                    query_match_percent: percent(q_hits, q_total),
                    compared_match_percent: percent(c_hits, total),
                };
                (m.query_match_percent >= min_query_percent
                    && m.compared_match_percent >= min_compared_percent)
                    .then_some(m)
            })
            .collect();
        out.sort_by(|a, b| {
            b.query_match_percent
                .total_cmp(&a.query_match_percent)
                .then(
                    b.compared_match_percent
                        .total_cmp(&a.compared_match_percent),
                )
                .then(a.video.cmp(&b.video))
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(i: u32, hash: Hash256, quality: u8) -> VpdqFrame {
        VpdqFrame {
            frame: i,
            quality,
            hash,
            timestamp: i as f64,
        }
    }

    fn flipped(h: Hash256, bits: usize) -> Hash256 {
        let mut h = h;
        for k in 0..bits {
            h.flip_bit(k);
        }
        h
    }

    #[test]
    fn strictness_and_duplicates() {
        let a = Hash256::ZERO;
        let b = flipped(a, 31);
        let query = vec![
            frame(0, a, 100),
            frame(1, a, 100),
            frame(2, flipped(a, 200), 100),
        ];
        let compared = vec![frame(0, b, 100)];
        let cpp = compare_videos(&query, &compared, &VpdqThresholds::match_two_hash());
        assert_eq!(cpp, VpdqSimilarity::default());
        let pytx = compare_videos(&query, &compared, &VpdqThresholds::pytx_index());
        // Distinct query hashes: a (matches) and the far one.
        assert_eq!(pytx.query_match_percent, 50.0);
        assert_eq!(pytx.compared_match_percent, 100.0);
        let loose = VpdqThresholds {
            distance: 32,
            ..VpdqThresholds::match_two_hash()
        };
        // All frames: a, a match, the far one does not.
        let cpp = compare_videos(&query, &compared, &loose);
        assert!((cpp.query_match_percent - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(cpp.compared_match_percent, 100.0);
    }

    #[test]
    fn quality_filter_and_empty() {
        let a = Hash256::ZERO;
        let low = vec![frame(0, a, 49)];
        let good = vec![frame(0, a, 50)];
        let t = VpdqThresholds::default();
        assert_eq!(compare_videos(&low, &good, &t), VpdqSimilarity::default());
        assert_eq!(compare_videos(&good, &good, &t).query_match_percent, 100.0);
        let mut index = VideoIndex::new();
        index.insert(1, &low);
        assert!(index.search(&good, &t, 0.0).is_empty());
        // The quality threshold is chosen per search.
        let lax = VpdqThresholds { quality: 0, ..t };
        assert_eq!(index.search(&good, &lax, 0.0).len(), 1);
    }

    #[test]
    fn index_insert_replace_remove() {
        let a = Hash256::ZERO;
        let far = flipped(a, 128);
        let t = VpdqThresholds::default();
        let mut index = VideoIndex::default();
        index.insert(1, [frame(0, a, 100), frame(1, far, 100)]);
        index.insert(2, vec![frame(0, a, 100)]);
        assert_eq!(index.distinct_frames(), 2);
        let hits = index.search(&[frame(0, flipped(a, 3), 100)], &t, 0.0);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].video, 2);
        assert_eq!(hits[0].compared_match_percent, 100.0);
        assert_eq!(hits[1].compared_match_percent, 50.0);
        assert!(index.remove(2));
        assert!(!index.remove(2));
        index.insert(1, [frame(0, far, 100)]);
        assert_eq!(index.distinct_frames(), 1);
        assert!(index.search(&[frame(0, a, 100)], &t, 0.0).is_empty());
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn radius_over_the_index_limit_falls_back_to_a_scan() {
        let a = Hash256::ZERO;
        let t = VpdqThresholds {
            distance: 100,
            ..VpdqThresholds::pytx_index()
        };
        let mut index = VideoIndex::new();
        index.insert(7, [frame(0, flipped(a, 90), 100)]);
        let hits = index.search(&[frame(0, a, 100)], &t, 0.0);
        assert_eq!(hits.len(), 1);
        index.insert(8, [frame(0, a, 100)]);
        let strict0 = VpdqThresholds {
            distance: 0,
            ..VpdqThresholds::match_two_hash()
        };
        assert!(index.search(&[frame(0, a, 100)], &strict0, 0.0).is_empty());
    }
}
