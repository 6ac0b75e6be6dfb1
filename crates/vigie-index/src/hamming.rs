//! Exact Hamming-radius search over 256-bit hashes.

use vigie_core::Hash256;

/// Caller-chosen id of an entry in an index.
pub type EntryId = u32;

/// Largest radius a search accepts.
pub const MAX_RADIUS: u32 = 63;

/// One hit: the entry and its Hamming distance to the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Match {
    /// The entry's distance to the query (0..=radius).
    pub distance: u32,
    /// The entry's id.
    pub id: EntryId,
}

/// A radius over [`MAX_RADIUS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("radius {0} is over the limit of {MAX_RADIUS} bits")]
pub struct RadiusError(pub u32);

/// An exact index of 256-bit hashes: every entry within the radius is found.
#[derive(Debug, Default, Clone)]
pub struct HammingIndex {
    ids: Vec<EntryId>,
    hashes: Vec<Hash256>,
}

impl HammingIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Build from many entries at once (faster than repeated [`insert`](Self::insert)).
    pub fn build(entries: impl IntoIterator<Item = (EntryId, Hash256)>) -> Self {
        let mut index = Self::new();
        for (id, hash) in entries {
            index.insert(id, hash);
        }
        index
    }

    /// Add an entry; an entry with the same id is replaced.
    pub fn insert(&mut self, id: EntryId, hash: Hash256) {
        self.remove(id);
        self.ids.push(id);
        self.hashes.push(hash);
    }

    /// Remove an entry; false when there was none with that id.
    pub fn remove(&mut self, id: EntryId) -> bool {
        match self.ids.iter().position(|&i| i == id) {
            Some(pos) => {
                self.ids.swap_remove(pos);
                self.hashes.swap_remove(pos);
                true
            }
            None => false,
        }
    }

    /// The hash stored under `id`.
    pub fn get(&self, id: EntryId) -> Option<Hash256> {
        self.ids
            .iter()
            .position(|&i| i == id)
            .map(|p| self.hashes[p])
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when the index holds nothing.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Every entry within `radius` bits of `query`, nearest first (ties by id).
    pub fn search(&self, query: &Hash256, radius: u32) -> Result<Vec<Match>, RadiusError> {
        if radius > MAX_RADIUS {
            return Err(RadiusError(radius));
        }
        let mut out: Vec<Match> = self
            .ids
            .iter()
            .zip(&self.hashes)
            .filter_map(|(&id, h)| {
                let distance = h.distance(query);
                (distance <= radius).then_some(Match { distance, id })
            })
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    /// Like [`search`](Self::search) for several queries (e.g. the 8 dihedral variants of one
    /// image): each entry once, at its smallest distance to any of them.
    pub fn search_any(&self, queries: &[Hash256], radius: u32) -> Result<Vec<Match>, RadiusError> {
        let mut best: std::collections::HashMap<EntryId, u32> = Default::default();
        for q in queries {
            for m in self.search(q, radius)? {
                let d = best.entry(m.id).or_insert(m.distance);
                *d = (*d).min(m.distance);
            }
        }
        let mut out: Vec<Match> = best
            .into_iter()
            .map(|(id, distance)| Match { distance, id })
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    /// Bytes of memory the index holds (hashes, ids and tables).
    pub fn memory_bytes(&self) -> usize {
        self.ids.capacity() * 4 + self.hashes.capacity() * 32
    }
}
