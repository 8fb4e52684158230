//! The leader epoch cache and its `leader-epoch-checkpoint` file.
//!
//! For each leader epoch that wrote to the log, the offset of its first record. A follower asks
//! the leader "where does my epoch end?" (OffsetForLeaderEpoch) and truncates what diverged.
//! File format (see [`super::checkpoint`]): `0`, the count, then `epoch startOffset` lines.
//! Entries are strictly increasing in both epoch and start offset.
//!
//! An append changes the cache in memory only (a new epoch's first append must not wait for a
//! file creation and two fsyncs); the log's flush writes the file before the recovery point
//! passes the new entry, as Kafka does since KAFKA-15046. Entries past the recovery point are
//! re-derived from the batches by recovery. Truncations write the file at once. Writes are
//! serialized and carry the cache's generation, so a flush's older snapshot never overwrites
//! a newer file (say, a truncation's that happened while the flush ran).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::checkpoint::{read_checkpoint, write_checkpoint};
use super::error::Result;

/// The file name inside a partition directory.
pub const LEADER_EPOCH_CHECKPOINT: &str = "leader-epoch-checkpoint";

/// Epoch returned when nothing is known (`UNDEFINED_EPOCH`).
pub const UNDEFINED_EPOCH: i32 = -1;
/// Offset returned when nothing is known (`UNDEFINED_EPOCH_OFFSET`).
pub const UNDEFINED_EPOCH_OFFSET: i64 = -1;

/// A leader epoch and the offset of its first record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochEntry {
    /// The leader epoch.
    pub epoch: i32,
    /// First offset written in that epoch.
    pub start_offset: i64,
}

/// The epochs of one partition, persisted in its `leader-epoch-checkpoint`.
#[derive(Debug)]
pub struct LeaderEpochCache {
    path: PathBuf,
    entries: Vec<EpochEntry>,
    /// Counts changes to `entries`.
    generation: u64,
    /// The generation the file holds; locked while the file is written.
    persisted: Arc<Mutex<u64>>,
}

/// The cache's entries at one generation, to write to the file without the log's lock.
#[derive(Debug)]
pub struct EpochSnapshot {
    path: PathBuf,
    entries: Vec<EpochEntry>,
    generation: u64,
    persisted: Arc<Mutex<u64>>,
}

impl EpochSnapshot {
    /// Writes and fsyncs the file, unless a newer generation is already there.
    ///
    /// # Errors
    ///
    /// [`super::LogError::Io`] when the checkpoint cannot be written.
    pub fn write(&self) -> Result<()> {
        let mut persisted = self.persisted.lock().unwrap_or_else(|e| e.into_inner());
        if *persisted >= self.generation {
            return Ok(());
        }
        let lines = self
            .entries
            .iter()
            .map(|e| format!("{} {}", e.epoch, e.start_offset));
        write_checkpoint(&self.path, self.entries.len(), lines)?;
        *persisted = self.generation;
        Ok(())
    }
}

impl LeaderEpochCache {
    /// Loads `dir/leader-epoch-checkpoint`; a missing file is an empty cache.
    ///
    /// # Errors
    ///
    /// [`super::LogError::Checkpoint`] for a malformed file, [`super::LogError::Io`].
    pub fn load(dir: &Path) -> Result<LeaderEpochCache> {
        let path = dir.join(LEADER_EPOCH_CHECKPOINT);
        let read = read_checkpoint(&path, |line| {
            let mut fields = line.split_whitespace();
            let (Some(epoch), Some(offset), None) = (fields.next(), fields.next(), fields.next())
            else {
                return Err(format!("expected `epoch startOffset`, found {line:?}"));
            };
            let epoch: i32 = epoch.parse().map_err(|_| format!("bad epoch {epoch:?}"))?;
            let start_offset: i64 = offset
                .parse()
                .map_err(|_| format!("bad offset {offset:?}"))?;
            if epoch < 0 || start_offset < 0 {
                return Err(format!("negative entry {line:?}"));
            }
            Ok(EpochEntry {
                epoch,
                start_offset,
            })
        })?;
        let mut cache = LeaderEpochCache {
            path,
            entries: Vec::new(),
            generation: 0,
            persisted: Arc::new(Mutex::new(0)),
        };
        for entry in read {
            cache.insert(entry);
        }
        // What was read is what the file holds.
        cache.generation = 0;
        Ok(cache)
    }

    /// All entries, oldest first.
    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    /// The newest epoch that wrote to the log.
    pub fn latest_epoch(&self) -> Option<i32> {
        self.entries.last().map(|e| e.epoch)
    }

    /// Records that `epoch` starts at `start_offset`. Entries that would break monotonicity
    /// (same or higher epoch, same or higher start offset) are removed first, as Kafka does;
    /// negative values are ignored. Returns whether anything changed. A new entry stays in
    /// memory ([`Self::unpersisted`] gives what to write); removing entries writes the file at
    /// once, like a truncation.
    ///
    /// # Errors
    ///
    /// [`super::LogError::Io`] when the checkpoint cannot be written.
    pub fn assign(&mut self, epoch: i32, start_offset: i64) -> Result<bool> {
        if epoch < 0 || start_offset < 0 {
            return Ok(false);
        }
        let before = self.entries.len();
        if !self.insert(EpochEntry {
            epoch,
            start_offset,
        }) {
            return Ok(false);
        }
        if self.entries.len() <= before {
            self.write()?;
        }
        Ok(true)
    }

    /// The entries to write when the file is behind memory (appends since the last write).
    pub fn unpersisted(&self) -> Option<EpochSnapshot> {
        let persisted = *self.persisted.lock().unwrap_or_else(|e| e.into_inner());
        (self.generation > persisted).then(|| self.snapshot())
    }

    fn snapshot(&self) -> EpochSnapshot {
        EpochSnapshot {
            path: self.path.clone(),
            entries: self.entries.clone(),
            generation: self.generation,
            persisted: Arc::clone(&self.persisted),
        }
    }

    /// The OffsetForLeaderEpoch answer for `requested`: the largest known epoch at or below it
    /// and the offset where that epoch ended (the next epoch's start, or `log_end_offset` for the
    /// latest epoch). `(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)` when nothing is known; for an
    /// epoch older than every entry, `(requested, first entry's start offset)`.
    pub fn end_offset_for(&self, requested: i32, log_end_offset: i64) -> (i32, i64) {
        if requested == UNDEFINED_EPOCH {
            return (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        }
        if self.latest_epoch() == Some(requested) {
            return (requested, log_end_offset);
        }
        let higher = self.entries.partition_point(|e| e.epoch <= requested);
        let Some(next) = self.entries.get(higher) else {
            return (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        };
        match higher.checked_sub(1).map(|i| self.entries[i]) {
            Some(floor) => (floor.epoch, next.start_offset),
            None => (requested, next.start_offset),
        }
    }

    /// Removes entries starting at or after `end_offset` (the log was truncated to it).
    ///
    /// # Errors
    ///
    /// [`super::LogError::Io`] when the checkpoint cannot be written.
    pub fn truncate_from_end(&mut self, end_offset: i64) -> Result<()> {
        let keep = self
            .entries
            .partition_point(|e| e.start_offset < end_offset);
        if keep < self.entries.len() {
            self.entries.truncate(keep);
            self.write()?;
        }
        Ok(())
    }

    /// The log now starts at `start_offset`: the epoch covering it is moved to start there and
    /// older entries are dropped.
    ///
    /// # Errors
    ///
    /// [`super::LogError::Io`] when the checkpoint cannot be written.
    pub fn truncate_from_start(&mut self, start_offset: i64) -> Result<()> {
        let covered = self
            .entries
            .partition_point(|e| e.start_offset <= start_offset);
        if covered == 0 {
            return Ok(());
        }
        let epoch = self.entries[covered - 1].epoch;
        let unchanged = covered == 1 && self.entries[0].start_offset == start_offset;
        self.entries.drain(..covered - 1);
        self.entries[0] = EpochEntry {
            epoch,
            start_offset,
        };
        if !unchanged {
            self.write()?;
        }
        Ok(())
    }

    /// Forgets every entry (the log was emptied).
    ///
    /// # Errors
    ///
    /// [`super::LogError::Io`] when the checkpoint cannot be written.
    pub fn clear(&mut self) -> Result<()> {
        self.entries.clear();
        self.write()
    }

    /// Adds `entry` in memory; false when the cache already says the same.
    fn insert(&mut self, entry: EpochEntry) -> bool {
        let needed = self
            .entries
            .last()
            .is_none_or(|last| entry.epoch != last.epoch || entry.start_offset < last.start_offset);
        if !needed {
            return false;
        }
        while self.entries.last().is_some_and(|last| {
            last.epoch >= entry.epoch || last.start_offset >= entry.start_offset
        }) {
            self.entries.pop();
        }
        self.entries.push(entry);
        self.generation += 1;
        true
    }

    /// Writes the file now (truncations: a stale file could resurrect removed epochs).
    fn write(&mut self) -> Result<()> {
        self.generation += 1;
        self.snapshot().write()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(cache: &LeaderEpochCache) -> Vec<(i32, i64)> {
        cache
            .entries()
            .iter()
            .map(|e| (e.epoch, e.start_offset))
            .collect()
    }

    #[test]
    fn assign_persists_in_kafkas_format() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = LeaderEpochCache::load(dir.path()).unwrap();
        assert!(cache.assign(0, 0).unwrap());
        assert!(!cache.assign(0, 10).unwrap(), "same epoch later: no change");
        assert!(cache.assign(2, 150).unwrap());
        assert!(!cache.assign(-1, 160).unwrap());
        let path = dir.path().join(LEADER_EPOCH_CHECKPOINT);
        assert!(!path.exists(), "appends change memory only");
        cache.unpersisted().unwrap().write().unwrap();
        assert!(cache.unpersisted().is_none());
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "0\n2\n0 0\n2 150\n");
        let reloaded = LeaderEpochCache::load(dir.path()).unwrap();
        assert_eq!(entries(&reloaded), vec![(0, 0), (2, 150)]);
        assert_eq!(reloaded.latest_epoch(), Some(2));
    }

    #[test]
    fn a_stale_snapshot_never_overwrites_a_newer_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = LeaderEpochCache::load(dir.path()).unwrap();
        cache.assign(1, 0).unwrap();
        cache.assign(2, 10).unwrap();
        // A flush takes its snapshot, then a truncation writes before the flush does.
        let flush = cache.unpersisted().unwrap();
        cache.truncate_from_end(10).unwrap();
        flush.write().unwrap();
        let reloaded = LeaderEpochCache::load(dir.path()).unwrap();
        assert_eq!(entries(&reloaded), vec![(1, 0)]);
        // Removing entries to add one writes at once too.
        cache.assign(3, 20).unwrap();
        cache.unpersisted().unwrap().write().unwrap();
        cache.assign(2, 15).unwrap();
        assert!(cache.unpersisted().is_none());
        let reloaded = LeaderEpochCache::load(dir.path()).unwrap();
        assert_eq!(entries(&reloaded), vec![(1, 0), (2, 15)]);
    }

    #[test]
    fn assign_drops_conflicting_entries() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = LeaderEpochCache::load(dir.path()).unwrap();
        cache.assign(1, 0).unwrap();
        cache.assign(3, 100).unwrap();
        cache.assign(4, 200).unwrap();
        cache.assign(2, 150).unwrap();
        assert_eq!(entries(&cache), vec![(1, 0), (2, 150)]);
        cache.assign(2, 120).unwrap();
        assert_eq!(entries(&cache), vec![(1, 0), (2, 120)]);
    }

    #[test]
    fn end_offset_for_answers_like_kafka() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = LeaderEpochCache::load(dir.path()).unwrap();
        assert_eq!(
            cache.end_offset_for(0, 50),
            (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)
        );
        cache.assign(2, 10).unwrap();
        cache.assign(4, 30).unwrap();
        cache.assign(7, 70).unwrap();
        assert_eq!(cache.end_offset_for(UNDEFINED_EPOCH, 100), (-1, -1));
        assert_eq!(cache.end_offset_for(7, 100), (7, 100));
        assert_eq!(cache.end_offset_for(4, 100), (4, 70));
        assert_eq!(
            cache.end_offset_for(5, 100),
            (4, 70),
            "unknown epoch: floor epoch's end"
        );
        assert_eq!(cache.end_offset_for(1, 100), (1, 10), "older than all");
        assert_eq!(cache.end_offset_for(9, 100), (-1, -1), "newer than all");
    }

    #[test]
    fn truncation_from_both_ends() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = LeaderEpochCache::load(dir.path()).unwrap();
        for (epoch, offset) in [(1, 0), (2, 10), (3, 20), (4, 30)] {
            cache.assign(epoch, offset).unwrap();
        }
        cache.truncate_from_end(20).unwrap();
        assert_eq!(entries(&cache), vec![(1, 0), (2, 10)]);
        cache.truncate_from_start(15).unwrap();
        assert_eq!(entries(&cache), vec![(2, 15)]);
        cache.truncate_from_start(5).unwrap();
        assert_eq!(entries(&cache), vec![(2, 15)]);
        let reloaded = LeaderEpochCache::load(dir.path()).unwrap();
        assert_eq!(entries(&reloaded), vec![(2, 15)]);
        cache.clear().unwrap();
        assert!(LeaderEpochCache::load(dir.path())
            .unwrap()
            .entries()
            .is_empty());
    }

    #[test]
    fn malformed_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LEADER_EPOCH_CHECKPOINT), "0\n1\n3\n").unwrap();
        let err = LeaderEpochCache::load(dir.path()).unwrap_err();
        assert!(
            matches!(err, super::super::LogError::Checkpoint { line: 3, .. }),
            "{err}"
        );
    }
}
