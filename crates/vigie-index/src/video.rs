//! vPDQ video matching: the frame-by-frame comparison of Meta's reference.

use crate::{EntryId, HammingIndex};
use vigie_core::VpdqFrame;

/// The thresholds of a vPDQ comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VpdqThresholds {
    /// Two frames match when their PDQ distance is within this (reference default 31).
    pub distance: u32,
    /// Frames under this quality are ignored (reference default 50).
    pub quality: u8,
}

impl Default for VpdqThresholds {
    fn default() -> Self {
        VpdqThresholds {
            distance: 31,
            quality: 50,
        }
    }
}

/// How much of two videos match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoMatch {
    /// The compared (stored) video.
    pub video: EntryId,
    /// Percentage of the query's frames that match some frame of the compared video.
    pub query_match_percent: f64,
    /// Percentage of the compared video's frames that match some frame of the query.
    pub compared_match_percent: f64,
}

/// Compare two videos: (query match %, compared match %).
pub fn compare_videos(
    query: &[VpdqFrame],
    compared: &[VpdqFrame],
    t: &VpdqThresholds,
) -> (f64, f64) {
    let q: Vec<&VpdqFrame> = query.iter().filter(|f| f.quality >= t.quality).collect();
    let c: Vec<&VpdqFrame> = compared.iter().filter(|f| f.quality >= t.quality).collect();
    let pct = |a: &[&VpdqFrame], b: &[&VpdqFrame]| {
        if a.is_empty() {
            return 0.0;
        }
        let hits = a
            .iter()
            .filter(|x| b.iter().any(|y| x.hash.distance(&y.hash) < t.distance))
            .count();
        hits as f64 * 100.0 / a.len() as f64
    };
    (pct(&q, &c), pct(&c, &q))
}

/// Many videos, matched against a query video.
#[derive(Debug, Default)]
pub struct VideoIndex {
    videos: Vec<(EntryId, Vec<VpdqFrame>)>,
    _frames: HammingIndex,
}

impl VideoIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a video; a video with the same id is replaced.
    pub fn insert(&mut self, video: EntryId, frames: Vec<VpdqFrame>) {
        self.remove(video);
        self.videos.push((video, frames));
    }

    /// Remove a video; false when there was none.
    pub fn remove(&mut self, video: EntryId) -> bool {
        let before = self.videos.len();
        self.videos.retain(|(id, _)| *id != video);
        before != self.videos.len()
    }

    /// Number of videos.
    pub fn len(&self) -> usize {
        self.videos.len()
    }

    /// True when the index holds no video.
    pub fn is_empty(&self) -> bool {
        self.videos.is_empty()
    }

    /// Every stored video whose match percentages are both at least `min_percent`.
    pub fn search(
        &self,
        query: &[VpdqFrame],
        t: &VpdqThresholds,
        min_percent: f64,
    ) -> Vec<VideoMatch> {
        self.videos
            .iter()
            .filter_map(|(id, frames)| {
                let (q, c) = compare_videos(query, frames, t);
                (q >= min_percent && c >= min_percent).then_some(VideoMatch {
                    video: *id,
                    query_match_percent: q,
                    compared_match_percent: c,
                })
            })
            .collect()
    }
}
