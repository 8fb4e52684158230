//! Choosing a partition exactly as Java's producer does, so a key lands on the same partition
//! whichever client wrote it.
//!
//! Order of precedence: an explicit partition; else `murmur2(key)` made positive, modulo the
//! partition count; else the sticky partitioner (KIP-480/KIP-794): stay on one partition until a
//! batch's worth of bytes went there, then move to another at random.

use std::collections::HashMap;
use std::sync::Mutex;

/// Kafka's murmur2 (the 32-bit variant with seed `0x9747b28c`), as `Utils.murmur2` computes it.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let len = data.len();
    let mut h: u32 = SEED ^ (len as u32);
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// The partition Java's default partitioner picks for a key: `toPositive(murmur2(key)) % n`.
pub fn partition_for_key(key: &[u8], partitions: usize) -> i32 {
    let positive = murmur2(key) & 0x7fff_ffff;
    (positive as i64 % partitions.max(1) as i64) as i32
}

/// The sticky choice for records without a key, per topic.
#[derive(Debug, Default)]
pub struct StickyPartitioner {
    topics: Mutex<HashMap<String, Sticky>>,
    seed: Mutex<u64>,
}

#[derive(Debug, Clone, Copy)]
struct Sticky {
    partition: i32,
    bytes: usize,
}

impl StickyPartitioner {
    pub fn new() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x2545_f491_4f6c_dd1d)
            | 1;
        StickyPartitioner {
            topics: Mutex::default(),
            seed: Mutex::new(seed),
        }
    }

    fn random(&self, below: usize) -> usize {
        // xorshift64: spreading load needs no cryptographic randomness.
        let mut s = self.seed.lock().unwrap_or_else(|p| p.into_inner());
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        (*s % below.max(1) as u64) as usize
    }

    /// The partition for a keyless record of `size` bytes; moves on before a record that would
    /// not fit in the current partition's `batch_size` bytes. Like Java's partitioner (which
    /// switches only once the batch is full), a stay fills one batch: moving on after the
    /// record that overflows it left a batch of that one record behind at every switch (half
    /// the batches of 1 KB records, each its own write on the broker).
    pub fn partition(&self, topic: &str, partitions: usize, size: usize, batch_size: usize) -> i32 {
        let mut topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
        let current = topics.get(topic).copied();
        let next = self.advance(current, partitions, size, batch_size);
        // The common case updates in place: no key allocation per record.
        match topics.get_mut(topic) {
            Some(slot) => *slot = next,
            None => {
                topics.insert(topic.to_string(), next);
            }
        }
        next.partition
    }

    /// Partitions a run of records (`send_many`) under one lock.
    pub fn run(&self) -> StickyRun<'_> {
        StickyRun {
            owner: self,
            topics: self.topics.lock().unwrap_or_else(|p| p.into_inner()),
            last_topic: String::new(),
            last: None,
        }
    }

    /// The partition for a record given the topic's state, and the state after it.
    fn advance(
        &self,
        current: Option<Sticky>,
        partitions: usize,
        size: usize,
        batch_size: usize,
    ) -> Sticky {
        let sticky = match current {
            Some(s) if (s.partition as usize) < partitions && s.bytes + size <= batch_size => s,
            previous => {
                let mut next = self.random(partitions) as i32;
                if partitions > 1 {
                    if let Some(p) = previous {
                        if next == p.partition {
                            next = (next + 1) % partitions as i32;
                        }
                    }
                }
                Sticky {
                    partition: next,
                    bytes: 0,
                }
            }
        };
        Sticky {
            partition: sticky.partition,
            bytes: sticky.bytes + size,
        }
    }
}

/// The sticky partitioner held for a run of records: one lock for the run, and the last
/// topic's state kept at hand rather than hashed per record. Written back when the topic
/// changes and when the run ends.
pub struct StickyRun<'a> {
    owner: &'a StickyPartitioner,
    topics: std::sync::MutexGuard<'a, HashMap<String, Sticky>>,
    last_topic: String,
    last: Option<Sticky>,
}

impl StickyRun<'_> {
    /// As [`StickyPartitioner::partition`].
    pub fn partition(
        &mut self,
        topic: &str,
        partitions: usize,
        size: usize,
        batch_size: usize,
    ) -> i32 {
        if self.last.is_none() || self.last_topic != topic {
            self.write_back();
            self.last_topic.clear();
            self.last_topic.push_str(topic);
            self.last = Some(self.topics.get(topic).copied().unwrap_or(Sticky {
                partition: -1,
                bytes: usize::MAX,
            }));
        }
        let current = self.last.filter(|s| s.partition >= 0);
        let next = self.owner.advance(current, partitions, size, batch_size);
        self.last = Some(next);
        next.partition
    }

    fn write_back(&mut self) {
        let Some(state) = self.last.filter(|s| s.partition >= 0) else {
            return;
        };
        // The common case updates in place: no key allocation.
        match self.topics.get_mut(self.last_topic.as_str()) {
            Some(slot) => *slot = state,
            None => {
                self.topics.insert(self.last_topic.clone(), state);
            }
        }
    }
}

impl Drop for StickyRun<'_> {
    fn drop(&mut self) {
        self.write_back();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_java() {
        // Values from Kafka's own UtilsTest.
        assert_eq!(murmur2(b"21"), -973_932_308);
        assert_eq!(murmur2(b"foobar"), -790_332_482);
        assert_eq!(murmur2(b"a-little-bit-long-string"), -985_981_536);
        assert_eq!(murmur2(b"a-little-bit-longer-string"), -1_486_304_829);
        assert_eq!(
            murmur2(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"),
            -58_897_971
        );
        assert_eq!(murmur2(b"abc"), 479_470_107);
    }

    #[test]
    fn keys_map_into_range() {
        for n in 1..20 {
            let p = partition_for_key(b"some key", n);
            assert!((0..n as i32).contains(&p));
        }
    }

    #[test]
    fn a_run_partitions_as_single_calls_do() {
        let s = StickyPartitioner::new();
        let mut run = s.run();
        let first = run.partition("t", 6, 100, 1000);
        let other = run.partition("u", 6, 100, 1000);
        for _ in 0..9 {
            assert_eq!(run.partition("t", 6, 100, 1000), first);
        }
        drop(run);
        // The run's state was kept: "t" has had its batch, "u" has room left.
        assert_ne!(s.partition("t", 6, 100, 1000), first);
        assert_eq!(s.partition("u", 6, 100, 1000), other);
    }

    #[test]
    fn sticky_switches_after_a_batch() {
        let s = StickyPartitioner::new();
        let first = s.partition("t", 6, 100, 1000);
        for _ in 0..9 {
            assert_eq!(s.partition("t", 6, 100, 1000), first);
        }
        assert_ne!(s.partition("t", 6, 100, 1000), first);
    }

    #[test]
    fn sticky_moves_on_before_a_record_that_would_start_a_second_batch() {
        // Three records of 300 fill a batch of 1000 as the producer counts it; a fourth would
        // open a second batch of one record.
        let s = StickyPartitioner::new();
        let first = s.partition("t", 6, 300, 1000);
        assert_eq!(s.partition("t", 6, 300, 1000), first);
        assert_eq!(s.partition("t", 6, 300, 1000), first);
        let next = s.partition("t", 6, 300, 1000);
        assert_ne!(next, first);
        // A record larger than a batch still goes somewhere, alone.
        let big = s.partition("t", 6, 5000, 1000);
        assert_ne!(big, next);
        assert_ne!(s.partition("t", 6, 300, 1000), big);
    }
}
