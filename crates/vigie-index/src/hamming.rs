//! Exact Hamming-radius search over 256-bit hashes.
//!
//! # Algorithm
//!
//! Multi-index hashing (Norouzi et al., CVPR 2012) with a generalised pigeonhole bound. The 256
//! bits are cut into 8 chunks of 32 bits. Give chunk `j` a budget `s_j >= 0` with
//! `s_0 + … + s_7 = r + 1`: if a stored hash is within `r` bits of the query, some chunk `j`
//! differs in at most `t_j = s_j - 1` bits (otherwise the distance would be at least
//! `Σ s_j = r + 1`). At the PDQ threshold `r = 31` every chunk gets `t_j = 3`; smaller radii leave
//! some chunks with `t_j = -1` (never searched), larger ones raise `t_j` up to 7 at `r = 63`.
//!
//! Each chunk has one table. A table groups the entries by the chunk's top `k` bits (the *key*)
//! through a directory of `2^k + 1` offsets. For each entry a bucket keeps the next 8 bits of the
//! chunk (the *filter*) and the entry's position in the hash array, Elias–Fano coded: positions
//! in a bucket are increasing, so each keeps its low 16 bits, and the high parts are a unary
//! bitmap of a few bits per entry. `k` is the largest that keeps the 8 tables within 27.5 bytes
//! per entry (17 bits for 10 million hashes, buckets of ~76 entries; 15 bits for a million): the
//! whole index stays under 64 bytes per hash with the 32-byte hash and the 4-byte id. (With 16
//! low bits the key stays at 17 bits past ~20 million entries, so buckets grow from there.)
//!
//! A search visits, for each chunk with `t_j >= 0`, every key within `t_j` bits of the query's
//! key (`Σ_{d<=t} C(k, d)` buckets: 833 for `k = 17, t = 3`) and keeps the entries whose filter
//! is within the rest of the budget, `t_j - d`: a byte-wise SIMD popcount over the bucket's
//! filters (AVX2 when the CPU has it, detected at run time; SWAR on 64-bit words otherwise). The
//! survivors are verified with a popcount of the full 256-bit XOR. An entry is reported by the
//! first table whose key and filter bits are within that table's budget, which the verification
//! recomputes from the XOR, so every match comes out once with no de-duplication memory. A
//! search is bound by random memory reads, so each table is searched in passes (directory
//! entries, filters, positions, hashes), each prefetching what the next one reads; the large
//! arrays ask for transparent huge pages. When the cost model says the tables would cost more
//! than a linear scan (small banks, radii past ~45), the search scans every hash instead. Either
//! way the result is exact.
//!
//! Entries are sorted by id, so an id is found by binary search. Insertions and replacements go
//! to a small unsorted buffer scanned linearly; removals and replacements of sorted entries are
//! tombstones. The buffer is merged into the sorted part (a linear-time rebuild) when it outgrows
//! `n / 64` (at least 4,096, at most 65,536 entries) or when a quarter of the sorted part is
//! dead: an addition or removal costs about a microsecond plus its share of the rebuilds (tens of
//! microseconds at 10 million entries), and searches stay exact at all times.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

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

/// Number of chunks (and tables).
const TABLES: usize = 8;
/// Bits of a chunk kept per entry after the key.
const FILTER_BITS: u32 = 8;
/// Low bits of a position stored explicitly; the rest is the Elias–Fano high part.
const LOW_BITS: u32 = 16;
/// Largest key: the filter's 8 bits must fit after it in the 32-bit chunk.
const MAX_KEY_BITS: u32 = 32 - FILTER_BITS;
/// Bytes per entry for the 8 tables, so that with the 32-byte hash, the 4-byte id and the
/// tombstone bit an index stays under 64 bytes per hash.
const TABLE_BUDGET: f64 = 27.5;
/// Below this many sorted entries there are no tables: a linear scan is as fast.
const MIN_TABLE_LEN: usize = 4096;
/// Bytes readable past a table's data, so a SIMD load may run over the last bucket.
const PAD: usize = 64;

/// An exact index of 256-bit hashes: every entry within the radius is found.
#[derive(Default, Clone)]
pub struct HammingIndex {
    main: Sorted,
    delta_ids: Vec<EntryId>,
    delta_hashes: Vec<Hash256>,
    delta_slots: HashMap<EntryId, usize>,
}

/// The bulk of the entries, sorted by id, with the 8 chunk tables.
#[derive(Default, Clone)]
struct Sorted {
    ids: Vec<EntryId>,
    hashes: Vec<Hash256>,
    /// Tombstones, one bit per position.
    dead: Vec<u64>,
    dead_count: usize,
    /// Key bits `k` of every table (0 when there are no tables).
    key_bits: u32,
    /// Number of distinct Elias–Fano high parts: `(n >> LOW_BITS) + 1`.
    high_span: usize,
    /// Empty, or one per chunk.
    tables: Vec<Table>,
}

/// The entries grouped by one chunk's key.
#[derive(Default, Clone)]
struct Table {
    /// Bucket `b` holds entries `dir[b]..dir[b + 1]`.
    dir: Vec<u32>,
    /// Bucket with entries `s..e` (`n = e - s`) at bytes `3s..3e`: `n` filter bytes, then `n`
    /// little-endian `u16` low parts of the positions. `PAD` bytes follow the last bucket.
    data: Vec<u8>,
    /// Elias–Fano high parts: bucket `b`'s bitmap starts at bit `dir[b] + b * high_span`; its
    /// `i`-th entry with high part `h` sets bit `h + i` of it.
    highs: Vec<u64>,
}

/// The unsorted recent entries: ids and hashes.
type Recent<'a> = (&'a [EntryId], &'a [Hash256]);

/// A bucket to scan: where it is and how many filter bits may differ.
#[derive(Clone, Copy)]
struct Probe {
    bucket: u32,
    start: u32,
    len: u32,
    slack: u32,
}

/// Buffers reused across the searches of one thread.
#[derive(Default)]
struct Scratch {
    /// (bucket, filter slack) of every key to visit.
    keys: Vec<(u32, u32)>,
    probes: Vec<Probe>,
    /// (probe, entry in its bucket) whose filter passed.
    hits: Vec<(u32, u32)>,
    candidates: Vec<u32>,
}

impl Scratch {
    /// Let go of the memory a rare huge search grew.
    fn trim(&mut self) {
        const KEEP: usize = 1 << 16;
        if self.hits.capacity() > 16 * KEEP || self.candidates.capacity() > 16 * KEEP {
            self.hits = Vec::with_capacity(KEEP);
            self.candidates = Vec::with_capacity(KEEP);
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl HammingIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Build from many entries at once (much faster than repeated [`insert`](Self::insert)).
    /// A repeated id keeps its last hash, as repeated inserts would.
    pub fn build(entries: impl IntoIterator<Item = (EntryId, Hash256)>) -> Self {
        let mut entries: Vec<(EntryId, Hash256)> = entries.into_iter().collect();
        entries.sort_by_key(|&(id, _)| id); // stable: the last of equal ids stays last
        let mut ids = Vec::with_capacity(entries.len());
        let mut hashes = Vec::with_capacity(entries.len());
        advise_huge_pages(&hashes);
        for (id, hash) in entries {
            if ids.last() == Some(&id) {
                *hashes.last_mut().expect("same length") = hash;
            } else {
                ids.push(id);
                hashes.push(hash);
            }
        }
        HammingIndex {
            main: Sorted::new(ids, hashes),
            ..Self::default()
        }
    }

    /// Add an entry; an entry with the same id is replaced.
    pub fn insert(&mut self, id: EntryId, hash: Hash256) {
        if let Some(&slot) = self.delta_slots.get(&id) {
            self.delta_hashes[slot] = hash;
            return;
        }
        self.main.kill(id);
        self.delta_slots.insert(id, self.delta_ids.len());
        self.delta_ids.push(id);
        self.delta_hashes.push(hash);
        if self.delta_ids.len() >= (self.main.ids.len() / 64).clamp(4096, 65_536) {
            self.compact();
        }
    }

    /// Remove an entry; false when there was none with that id.
    pub fn remove(&mut self, id: EntryId) -> bool {
        if let Some(slot) = self.delta_slots.remove(&id) {
            self.delta_ids.swap_remove(slot);
            self.delta_hashes.swap_remove(slot);
            if let Some(&moved) = self.delta_ids.get(slot) {
                self.delta_slots.insert(moved, slot);
            }
            return true;
        }
        if !self.main.kill(id) {
            return false;
        }
        if self.main.dead_count * 4 > self.main.ids.len() {
            self.compact();
        }
        true
    }

    /// The hash stored under `id`.
    pub fn get(&self, id: EntryId) -> Option<Hash256> {
        match self.delta_slots.get(&id) {
            Some(&slot) => Some(self.delta_hashes[slot]),
            None => self.main.find(id).map(|pos| self.main.hashes[pos]),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.main.ids.len() - self.main.dead_count + self.delta_ids.len()
    }

    /// True when the index holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (EntryId, Hash256)> + '_ {
        let main = &self.main;
        (0..main.ids.len())
            .filter(|&pos| !main.is_dead(pos))
            .map(|pos| (main.ids[pos], main.hashes[pos]))
            .chain(
                self.delta_ids
                    .iter()
                    .copied()
                    .zip(self.delta_hashes.iter().copied()),
            )
    }

    /// Merge the recent insertions and drop the removed entries now (searches are exact either
    /// way; this only makes the next ones faster and reclaims memory).
    pub fn compact(&mut self) {
        if self.delta_ids.is_empty() && self.main.dead_count == 0 {
            return;
        }
        let mut recent: Vec<(EntryId, Hash256)> = self
            .delta_ids
            .drain(..)
            .zip(self.delta_hashes.drain(..))
            .collect();
        self.delta_slots.clear();
        recent.sort_unstable_by_key(|&(id, _)| id);
        let old = std::mem::take(&mut self.main);
        let n = old.ids.len() - old.dead_count + recent.len();
        let mut ids = Vec::with_capacity(n);
        let mut hashes = Vec::with_capacity(n);
        advise_huge_pages(&hashes);
        let mut recent = recent.into_iter().peekable();
        for pos in (0..old.ids.len()).filter(|&pos| !old.is_dead(pos)) {
            let id = old.ids[pos];
            while let Some((rid, rhash)) = recent.next_if(|&(rid, _)| rid < id) {
                ids.push(rid);
                hashes.push(rhash);
            }
            ids.push(id);
            hashes.push(old.hashes[pos]);
        }
        for (rid, rhash) in recent {
            ids.push(rid);
            hashes.push(rhash);
        }
        drop(old);
        self.main = Sorted::new(ids, hashes);
    }

    /// Every entry within `radius` bits of `query`, nearest first (ties by id).
    pub fn search(&self, query: &Hash256, radius: u32) -> Result<Vec<Match>, RadiusError> {
        let mut out = Vec::new();
        self.search_into(query, radius, &mut out)?;
        Ok(out)
    }

    /// Like [`search`](Self::search), into a buffer the caller reuses (cleared first).
    pub fn search_into(
        &self,
        query: &Hash256,
        radius: u32,
        out: &mut Vec<Match>,
    ) -> Result<(), RadiusError> {
        if radius > MAX_RADIUS {
            return Err(RadiusError(radius));
        }
        out.clear();
        self.main
            .search(query, radius, (&self.delta_ids, &self.delta_hashes), out);
        out.sort_unstable();
        Ok(())
    }

    /// Like [`search`](Self::search) for several queries (e.g. the 8 dihedral variants of one
    /// image): each entry once, at its smallest distance to any of them.
    pub fn search_any(&self, queries: &[Hash256], radius: u32) -> Result<Vec<Match>, RadiusError> {
        if radius > MAX_RADIUS {
            return Err(RadiusError(radius));
        }
        let mut all = Vec::new();
        let mut one = Vec::new();
        for query in queries {
            self.search_into(query, radius, &mut one)?;
            all.extend_from_slice(&one);
        }
        all.sort_unstable_by_key(|m| (m.id, m.distance));
        all.dedup_by_key(|m| m.id);
        all.sort_unstable();
        Ok(all)
    }

    /// The same answer as [`search`](Self::search) by comparing the query with every entry: the
    /// reference for tests and benchmarks.
    pub fn search_linear(&self, query: &Hash256, radius: u32) -> Result<Vec<Match>, RadiusError> {
        if radius > MAX_RADIUS {
            return Err(RadiusError(radius));
        }
        let mut out: Vec<Match> = self
            .iter()
            .filter_map(|(id, hash)| {
                let distance = hash.distance(query);
                (distance <= radius).then_some(Match { distance, id })
            })
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    /// Bytes of memory the index holds (hashes, ids, tables and buffers).
    pub fn memory_bytes(&self) -> usize {
        let main = &self.main;
        let tables: usize = main
            .tables
            .iter()
            .map(|t| t.dir.capacity() * 4 + t.data.capacity() + t.highs.capacity() * 8)
            .sum();
        let slot = size_of::<(EntryId, usize)>() + 1;
        size_of::<Self>()
            + main.ids.capacity() * 4
            + main.hashes.capacity() * 32
            + main.dead.capacity() * 8
            + tables
            + self.delta_ids.capacity() * 4
            + self.delta_hashes.capacity() * 32
            + self.delta_slots.capacity() * slot
    }
}

impl fmt::Debug for HammingIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HammingIndex")
            .field("len", &self.len())
            .field("sorted", &self.main.ids.len())
            .field("removed", &self.main.dead_count)
            .field("recent", &self.delta_ids.len())
            .field("key_bits", &self.main.key_bits)
            .finish()
    }
}

/// Chunk `j` (bits `32j..32j + 32`) of a hash.
#[inline(always)]
fn chunk(hash: &Hash256, j: usize) -> u32 {
    (hash.words[j / 2] >> (32 * (j % 2))) as u32
}

/// Per-chunk thresholds for `radius`: `radius + 1` spread over the 8 chunks, minus one each.
fn thresholds(radius: u32) -> [i32; TABLES] {
    let budget = radius as usize + 1;
    std::array::from_fn(|j| (budget / TABLES + usize::from(j < budget % TABLES)) as i32 - 1)
}

/// Bytes of one table over `n` entries with `k` key bits.
fn table_bytes(n: usize, k: u32) -> usize {
    let buckets = 1usize << k;
    let high_span = (n >> LOW_BITS) + 1;
    4 * (buckets + 1) + 3 * n + PAD + 8 * ((n + buckets * high_span).div_ceil(64) + 1)
}

/// Key bits for `n` sorted entries: the most (smaller buckets, fewer candidates per bucket
/// visited) that keep the tables within [`TABLE_BUDGET`] bytes per entry.
fn key_bits(n: usize) -> u32 {
    (2..=MAX_KEY_BITS)
        .rev()
        .find(|&k| (TABLES * table_bytes(n, k)) as f64 <= TABLE_BUDGET * n as f64)
        .unwrap_or(1)
}

/// Calls `f` with every `bits`-bit mask of exactly `ones` set bits (Gosper's hack).
#[inline(always)]
fn for_each_mask(bits: u32, ones: u32, mut f: impl FnMut(u32)) {
    if ones == 0 {
        f(0);
        return;
    }
    let limit = 1u32 << bits;
    let mut m = (1u32 << ones) - 1;
    while m < limit {
        f(m);
        let low = m & m.wrapping_neg();
        let ripple = m + low;
        m = (((ripple ^ m) >> 2) / low) | ripple;
    }
}

/// Binomial coefficient, exactly for the small arguments used here.
fn binomial(n: u32, k: u32) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * f64::from(n - i) / f64::from(i + 1))
}

/// Ask the kernel to back a large array with huge pages (fewer TLB misses on random access).
/// Call before the pages are first written; a hint only.
fn advise_huge_pages<T>(v: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = (v.as_ptr() as usize).next_multiple_of(HUGE);
        let end = (v.as_ptr() as usize + v.capacity() * size_of::<T>()) & !(HUGE - 1);
        if end > start {
            // SAFETY: the range lies inside the vector's allocation; MADV_HUGEPAGE changes
            // neither its contents nor its mapping.
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

/// Prefetch the cache lines of the first `count` items of `items`.
#[inline(always)]
fn prefetch_lines<T>(items: &[T], count: usize) {
    let first = items.as_ptr() as usize & !63;
    let end = items.as_ptr() as usize + count * size_of::<T>();
    for line in (first..end).step_by(64) {
        prefetch(line as *const u8);
    }
}

#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

impl Sorted {
    fn new(ids: Vec<EntryId>, hashes: Vec<Hash256>) -> Sorted {
        let n = ids.len();
        assert!(n <= u32::MAX as usize, "at most 2^32 - 1 entries");
        let mut sorted = Sorted {
            dead: vec![0; n.div_ceil(64)],
            ids,
            hashes,
            ..Sorted::default()
        };
        if n >= MIN_TABLE_LEN {
            sorted.key_bits = key_bits(n);
            sorted.high_span = (n >> LOW_BITS) + 1;
            sorted.tables = (0..TABLES).map(|j| sorted.build_table(j)).collect();
        }
        sorted
    }

    fn build_table(&self, j: usize) -> Table {
        let n = self.hashes.len();
        let k = self.key_bits;
        let buckets = 1usize << k;
        let mut dir = vec![0u32; buckets + 1];
        for hash in &self.hashes {
            dir[(chunk(hash, j) >> (32 - k)) as usize + 1] += 1;
        }
        for b in 0..buckets {
            dir[b + 1] += dir[b];
        }
        let mut next = dir[..buckets].to_vec();
        let mut data = vec![0u8; 3 * n + PAD];
        advise_huge_pages(&data);
        let mut highs = vec![0u64; (n + buckets * self.high_span).div_ceil(64) + 1];
        advise_huge_pages(&highs);
        // Positions are visited in increasing order, so each bucket's come out sorted.
        for (pos, hash) in self.hashes.iter().enumerate() {
            let c = chunk(hash, j);
            let b = (c >> (32 - k)) as usize;
            let start = dir[b] as usize;
            let len = dir[b + 1] as usize - start;
            let i = next[b] as usize - start;
            next[b] += 1;
            data[3 * start + i] = (c >> (32 - k - FILTER_BITS)) as u8;
            let low = 3 * start + len + 2 * i;
            data[low..low + 2].copy_from_slice(&(pos as u16).to_le_bytes());
            let bit = start + b * self.high_span + (pos >> LOW_BITS) + i;
            highs[bit / 64] |= 1 << (bit % 64);
        }
        Table { dir, data, highs }
    }

    fn find(&self, id: EntryId) -> Option<usize> {
        let pos = self.ids.binary_search(&id).ok()?;
        (!self.is_dead(pos)).then_some(pos)
    }

    #[inline(always)]
    fn is_dead(&self, pos: usize) -> bool {
        self.dead[pos / 64] >> (pos % 64) & 1 == 1
    }

    /// Tombstone the live entry `id`; false when there is none.
    fn kill(&mut self, id: EntryId) -> bool {
        match self.find(id) {
            Some(pos) => {
                self.dead[pos / 64] |= 1 << (pos % 64);
                self.dead_count += 1;
                true
            }
            None => false,
        }
    }

    /// Estimated cost of a table search over a linear scan (> 1: scan instead).
    fn table_cost_ratio(&self, t: &[i32; TABLES]) -> f64 {
        // Nanoseconds fitted on clustered PDQ banks of 5,000 to 10 million hashes (AVX2): per
        // bucket visited, per filter byte scanned (mostly the cache lines it brings), per
        // candidate verified and per hash scanned, both more once the hashes outgrow the caches.
        const PROBE: f64 = 1.0;
        const SCAN: f64 = 0.8;
        let n = self.hashes.len() as f64;
        let (verify, linear) = if n * 32.0 <= (8 << 20) as f64 {
            (15.0, 0.9)
        } else {
            (42.0, 1.1)
        };
        let k = self.key_bits;
        let per_bucket = n / f64::from(1u32 << k);
        let mut cost = 0.0;
        for &tj in t.iter().filter(|&&tj| tj >= 0) {
            for d in 0..=(tj as u32).min(k) {
                let slack = tj as u32 - d;
                let pass = (0..=slack.min(FILTER_BITS))
                    .map(|e| binomial(FILTER_BITS, e))
                    .sum::<f64>()
                    / 256.0;
                cost += binomial(k, d) * (PROBE + per_bucket * (SCAN + pass * verify));
            }
        }
        cost / (n * linear)
    }

    /// Matches among the sorted entries and the `recent` ones (ids, hashes), unsorted.
    fn search(&self, query: &Hash256, radius: u32, recent: Recent, out: &mut Vec<Match>) {
        SCRATCH.with(|scratch| {
            let scratch = &mut *scratch.borrow_mut();
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("popcnt")
            {
                // SAFETY: the CPU has the features `search_avx2` is compiled for.
                unsafe { self.search_avx2(query, radius, recent, scratch, out) };
            } else {
                self.search_with::<Portable>(query, radius, recent, scratch, out);
            }
            #[cfg(not(target_arch = "x86_64"))]
            self.search_with::<Portable>(query, radius, recent, scratch, out);
            scratch.trim();
        });
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt")]
    fn search_avx2(
        &self,
        query: &Hash256,
        radius: u32,
        recent: Recent,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        self.search_with::<Avx2>(query, radius, recent, scratch, out);
    }

    #[inline(always)]
    fn search_with<K: FilterScan>(
        &self,
        query: &Hash256,
        radius: u32,
        (recent_ids, recent_hashes): Recent,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        scan_hashes(recent_hashes, query, radius, |i, distance| {
            out.push(Match {
                distance,
                id: recent_ids[i],
            });
        });
        let t = thresholds(radius);
        if self.tables.is_empty() || self.table_cost_ratio(&t) > 1.0 {
            scan_hashes(&self.hashes, query, radius, |pos, distance| {
                if !self.is_dead(pos) {
                    out.push(Match {
                        distance,
                        id: self.ids[pos],
                    });
                }
            });
            return;
        }
        for j in (0..TABLES).filter(|&j| t[j] >= 0) {
            self.search_table::<K>(j, query, radius, &t, scratch, out);
        }
    }

    /// The matches that table `j` reports (those no earlier table reports).
    #[inline(always)]
    fn search_table<K: FilterScan>(
        &self,
        j: usize,
        query: &Hash256,
        radius: u32,
        t: &[i32; TABLES],
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        let table = &self.tables[j];
        let k = self.key_bits;
        let tj = t[j] as u32;
        let qc = chunk(query, j);
        let qkey = qc >> (32 - k);
        let qfilter = (qc >> (32 - k - FILTER_BITS)) as u8;

        // The buckets' directory entries, then the buckets' filters, are prefetched a pass
        // ahead of their use.
        let keys = &mut scratch.keys;
        keys.clear();
        for d in 0..=tj.min(k) {
            for_each_mask(k, d, |mask| {
                let b = qkey ^ mask;
                prefetch(&table.dir[b as usize]);
                keys.push((b, tj - d));
            });
        }
        let probes = &mut scratch.probes;
        probes.clear();
        for &(b, slack) in keys.iter() {
            let (start, end) = (table.dir[b as usize], table.dir[b as usize + 1]);
            if start < end {
                prefetch_lines(&table.data[3 * start as usize..], (end - start) as usize);
                probes.push(Probe {
                    bucket: b,
                    start,
                    len: end - start,
                    slack,
                });
            }
        }

        // Scan the filters, prefetching the position parts of the hits, then decode the hits,
        // prefetching their hashes, then verify: each pass issues many independent memory reads
        // instead of a chain of dependent ones.
        let hits = &mut scratch.hits;
        hits.clear();
        for (n, p) in probes.iter().enumerate() {
            let start = p.start as usize;
            let len = p.len as usize;
            let region = &table.data[3 * start..];
            let before = hits.len();
            K::scan(region, len, qfilter, p.slack, |i| {
                prefetch(&region[len + 2 * i]);
                hits.push((n as u32, i as u32));
            });
            if hits.len() > before {
                let seg = start + p.bucket as usize * self.high_span;
                let words = (seg + len + self.high_span).div_ceil(64) - seg / 64;
                prefetch_lines(&table.highs[seg / 64..], words);
            }
        }

        let candidates = &mut scratch.candidates;
        candidates.clear();
        let mut walker: Option<(u32, HighWalker)> = None;
        for &(n, i) in hits.iter() {
            let p = &probes[n as usize];
            let (start, len, i) = (p.start as usize, p.len as usize, i as usize);
            let at = 3 * start + len + 2 * i;
            let low = u16::from_le_bytes([table.data[at], table.data[at + 1]]) as usize;
            let highs = match &mut walker {
                Some((m, w)) if *m == n => w,
                _ => {
                    let seg = start + p.bucket as usize * self.high_span;
                    &mut walker.insert((n, HighWalker::new(&table.highs, seg))).1
                }
            };
            let pos = highs.high(i) << LOW_BITS | low;
            prefetch(&self.hashes[pos]);
            candidates.push(pos as u32);
        }

        let kept = !0u32 << (32 - k - FILTER_BITS);
        for &pos in candidates.iter() {
            let pos = pos as usize;
            let h = &self.hashes[pos];
            let x = Hash256 {
                words: std::array::from_fn(|w| h.words[w] ^ query.words[w]),
            };
            let distance = x.count_ones();
            if distance > radius {
                continue;
            }
            let earlier =
                (0..j).any(|e| t[e] >= 0 && (chunk(&x, e) & kept).count_ones() as i32 <= t[e]);
            if earlier || self.is_dead(pos) {
                continue;
            }

            out.push(Match {
                distance,
                id: self.ids[pos],
            });
        }
    }
}

/// Reads the Elias–Fano high parts of one bucket, for increasing entry indexes.
struct HighWalker<'a> {
    bits: &'a [u64],
    start: usize,
    word: usize,
    /// `bits[word]` without the ones already passed.
    rest: u64,
    /// Ones of the bucket's bitmap before `rest`'s lowest one.
    passed: usize,
}

impl<'a> HighWalker<'a> {
    #[inline(always)]
    fn new(bits: &'a [u64], start: usize) -> Self {
        HighWalker {
            bits,
            start,
            word: start / 64,
            rest: bits[start / 64] & (!0u64 << (start % 64)),
            passed: 0,
        }
    }

    /// High part of entry `i` (not less than the previous call's `i`).
    #[inline(always)]
    fn high(&mut self, i: usize) -> usize {
        loop {
            let ones = self.rest.count_ones() as usize;
            if i < self.passed + ones {
                break;
            }
            self.passed += ones;
            self.word += 1;
            self.rest = self.bits[self.word];
        }
        while self.passed < i {
            self.rest &= self.rest - 1;
            self.passed += 1;
        }
        let bit = self.word * 64 + self.rest.trailing_zeros() as usize;
        bit - self.start - i
    }
}

/// Calls `hit(i, distance)`, in increasing order, for each hash within `radius` of `query`.
/// Compiled into `search_avx2` it is a vector XOR and four hardware popcounts per hash (AVX2 has
/// no faster popcount for 256 bits).
#[inline(always)]
fn scan_hashes(hashes: &[Hash256], query: &Hash256, radius: u32, mut hit: impl FnMut(usize, u32)) {
    for (i, hash) in hashes.iter().enumerate() {
        let distance = hash.distance(query);
        if distance <= radius {
            hit(i, distance);
        }
    }
}

/// Finds the filter bytes within a number of bits of the query's.
trait FilterScan {
    /// Calls `hit(i)`, in increasing order, for each `i < len` with
    /// `popcount(region[i] ^ query) <= slack`. `region` has at least `len + 32` bytes.
    fn scan(region: &[u8], len: usize, query: u8, slack: u32, hit: impl FnMut(usize));
}

/// SWAR on 64-bit words: any CPU.
struct Portable;

impl FilterScan for Portable {
    #[inline(always)]
    fn scan(region: &[u8], len: usize, query: u8, slack: u32, mut hit: impl FnMut(usize)) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let q = ONES * u64::from(query);
        let mut i = 0;
        while i < len {
            let bytes: [u8; 8] = region[i..i + 8].try_into().expect("8 bytes");
            let x = u64::from_le_bytes(bytes) ^ q;
            let mut m = if slack == 0 {
                !((((x & !HIGH) + !HIGH) | x) & HIGH) & HIGH
            } else {
                let c = x - ((x >> 1) & 0x5555_5555_5555_5555);
                let c = (c & 0x3333_3333_3333_3333) + ((c >> 2) & 0x3333_3333_3333_3333);
                let c = (c + (c >> 4)) & 0x0f0f_0f0f_0f0f_0f0f;
                !((c | HIGH) - ONES * u64::from(slack + 1)) & HIGH
            };
            if len - i < 8 {
                m &= (1u64 << (8 * (len - i))) - 1;
            }
            while m != 0 {
                hit(i + m.trailing_zeros() as usize / 8);
                m &= m - 1;
            }
            i += 8;
        }
    }
}

/// AVX2: 32 filters per step (only inlined into `#[target_feature(enable = "avx2")]` code).
#[cfg(target_arch = "x86_64")]
struct Avx2;

#[cfg(target_arch = "x86_64")]
impl FilterScan for Avx2 {
    #[inline(always)]
    fn scan(region: &[u8], len: usize, query: u8, slack: u32, mut hit: impl FnMut(usize)) {
        use std::arch::x86_64::*;
        assert!(region.len() >= len.next_multiple_of(32));
        // SAFETY: only called from `search_avx2`, which runs on CPUs with AVX2; the loads stay
        // within `region` (asserted above).
        unsafe {
            let q = _mm256_set1_epi8(query as i8);
            let nibbles = _mm256_set1_epi8(0x0f);
            let counts = _mm256_setr_epi8(
                0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3,
                2, 3, 3, 4,
            );
            let limit = _mm256_set1_epi8(slack as i8 + 1);
            let mut i = 0;
            while i < len {
                let v = _mm256_loadu_si256(region.as_ptr().add(i).cast());
                let x = _mm256_xor_si256(v, q);
                let ok = if slack == 0 {
                    _mm256_cmpeq_epi8(x, _mm256_setzero_si256())
                } else {
                    let lo = _mm256_shuffle_epi8(counts, _mm256_and_si256(x, nibbles));
                    let hi = _mm256_shuffle_epi8(
                        counts,
                        _mm256_and_si256(_mm256_srli_epi16(x, 4), nibbles),
                    );
                    _mm256_cmpgt_epi8(limit, _mm256_add_epi8(lo, hi))
                };
                let mut m = _mm256_movemask_epi8(ok) as u32;
                if len - i < 32 {
                    m &= (1u32 << (len - i)) - 1;
                }
                while m != 0 {
                    hit(i + m.trailing_zeros() as usize);
                    m &= m - 1;
                }
                i += 32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table path alone (whatever the cost model would choose), with one kernel.
    fn tables_only<K: FilterScan>(s: &Sorted, q: &Hash256, r: u32) -> Vec<Match> {
        let t = thresholds(r);
        let mut scratch = Scratch::default();
        let mut out = Vec::new();
        for j in (0..TABLES).filter(|&j| t[j] >= 0) {
            s.search_table::<K>(j, q, r, &t, &mut scratch, &mut out);
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn tables_are_exact_at_every_radius_with_both_kernels() {
        let mut x = 7u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let centres: Vec<Hash256> = (0..40)
            .map(|_| Hash256 {
                words: [next(), next(), next(), next()],
            })
            .collect();
        let mut hashes: Vec<Hash256> = (0..6000)
            .map(|i| {
                let mut h = centres[i % centres.len()];
                for _ in 0..next() % 40 {
                    h.flip_bit((next() % 256) as usize);
                }
                h
            })
            .collect();
        hashes[1] = hashes[0]; // an exact duplicate
        let ids: Vec<EntryId> = (0..hashes.len() as u32).map(|i| i * 2 + 1).collect();
        let mut sorted = Sorted::new(ids.clone(), hashes.clone());
        assert!(!sorted.tables.is_empty());
        for id in (1..2000).step_by(14) {
            assert!(sorted.kill(id));
        }
        for qi in 0..12 {
            let mut q = hashes[qi * 97];
            for _ in 0..qi * 3 {
                q.flip_bit((next() % 256) as usize);
            }
            for r in 0..=MAX_RADIUS {
                let mut want: Vec<Match> = (0..hashes.len())
                    .filter(|&p| !sorted.is_dead(p))
                    .map(|p| Match {
                        distance: hashes[p].distance(&q),
                        id: ids[p],
                    })
                    .filter(|m| m.distance <= r)
                    .collect();
                want.sort_unstable();
                assert_eq!(tables_only::<Portable>(&sorted, &q, r), want, "radius {r}");
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx2") {
                    assert_eq!(tables_only::<Avx2>(&sorted, &q, r), want, "avx2 radius {r}");
                }
            }
        }
    }

    #[test]
    fn key_bits_keep_the_tables_in_budget() {
        for n in [
            MIN_TABLE_LEN,
            10_000,
            100_000,
            1_000_000,
            10_000_000,
            100_000_000,
        ] {
            let k = key_bits(n);
            assert!(
                (TABLES * table_bytes(n, k)) as f64 <= TABLE_BUDGET * n as f64,
                "{n}"
            );
            assert!(
                k == MAX_KEY_BITS
                    || (TABLES * table_bytes(n, k + 1)) as f64 > TABLE_BUDGET * n as f64
            );
        }
        assert_eq!(key_bits(10_000_000), 17);
        assert_eq!(key_bits(1_000_000), 15);
    }

    #[test]
    fn thresholds_spend_the_whole_budget() {
        for r in 0..=MAX_RADIUS {
            let t = thresholds(r);
            assert_eq!(t.iter().map(|&t| (t + 1) as u32).sum::<u32>(), r + 1);
            assert!(t.iter().all(|&t| (-1..=7).contains(&t)));
        }
        assert_eq!(thresholds(31), [3; 8]);
    }

    #[test]
    fn masks_are_all_enumerated_once() {
        for bits in 1..=10 {
            for ones in 0..=bits.min(4) {
                let mut seen = Vec::new();
                for_each_mask(bits, ones, |m| seen.push(m));
                let expected: Vec<u32> = (0..1u32 << bits)
                    .filter(|m| m.count_ones() == ones)
                    .collect();
                assert_eq!(seen, expected);
            }
        }
    }

    #[test]
    fn filter_scans_agree() {
        let region: Vec<u8> = (0..200u32).map(|i| (i * 37 + i / 3) as u8).collect();
        for len in [0, 1, 7, 8, 9, 31, 32, 33, 100, 150] {
            for query in [0u8, 0x5a, 0xff] {
                for slack in 0..8 {
                    let expected: Vec<usize> = (0..len)
                        .filter(|&i| (region[i] ^ query).count_ones() <= slack)
                        .collect();
                    let mut got = Vec::new();
                    Portable::scan(&region, len, query, slack, |i| got.push(i));
                    assert_eq!(got, expected, "portable len {len} slack {slack}");
                    #[cfg(target_arch = "x86_64")]
                    if std::arch::is_x86_feature_detected!("avx2") {
                        let mut got = Vec::new();
                        Avx2::scan(&region, len, query, slack, |i| got.push(i));
                        assert_eq!(got, expected, "avx2 len {len} slack {slack}");
                    }
                }
            }
        }
    }
}
