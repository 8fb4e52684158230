//! The time index (`.timeindex`): which offset to start from to find a timestamp.
//!
//! Entry: `timestamp: i64 BE, relativeOffset: u32 BE` (12 bytes, Kafka's format). An entry
//! `(t, o)` says "the largest timestamp among the batches up to and including the one ending at
//! offset `o` is `t`", so timestamps strictly increase and offsets never decrease. It is written
//! at the same cadence as the offset index, only when the segment's max timestamp grew, plus a
//! final entry when a segment is sealed or closed, which is how the segment's largest timestamp
//! survives a restart.

use std::io;
use std::path::PathBuf;

use super::index::{IndexEntry, IndexFile};

/// One time index entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeEntry {
    pub(crate) timestamp: i64,
    pub(crate) relative_offset: u32,
}

impl IndexEntry for TimeEntry {
    const SIZE: usize = 12;

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.relative_offset.to_be_bytes());
    }

    fn decode(b: &[u8]) -> Self {
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&b[..8]);
        TimeEntry {
            timestamp: i64::from_be_bytes(ts),
            relative_offset: u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
        }
    }
}

const ZERO_TIME_ENTRY: TimeEntry = TimeEntry {
    timestamp: 0,
    relative_offset: 0,
};

/// A segment's `.timeindex`.
#[derive(Debug)]
pub(crate) struct TimeIndex {
    base_offset: i64,
    file: IndexFile<TimeEntry>,
}

impl TimeIndex {
    /// A new empty index file.
    pub(crate) fn create(
        path: PathBuf,
        base_offset: i64,
        max_index_bytes: u64,
    ) -> io::Result<Self> {
        Ok(TimeIndex {
            base_offset,
            file: IndexFile::create(path, max_index_bytes)?,
        })
    }

    /// The existing index file, `None` when missing. Call [`TimeIndex::sanity_check`] next.
    pub(crate) fn load(
        path: PathBuf,
        base_offset: i64,
        max_index_bytes: u64,
    ) -> io::Result<Option<Self>> {
        let file = IndexFile::load(path, max_index_bytes, ZERO_TIME_ENTRY)?;
        Ok(file.map(|file| TimeIndex { base_offset, file }))
    }

    pub(crate) fn file(&self) -> &IndexFile<TimeEntry> {
        &self.file
    }

    pub(crate) fn file_mut(&mut self) -> &mut IndexFile<TimeEntry> {
        &mut self.file
    }

    /// Appends `(timestamp, offset)` if `timestamp` is larger than the last entry's. A full
    /// index takes no more entries unless `even_if_full` (the final entry of a sealed segment).
    pub(crate) fn maybe_append(
        &mut self,
        timestamp: i64,
        offset: i64,
        even_if_full: bool,
    ) -> io::Result<()> {
        let last_ts = self.file.entries().last().map_or(-1, |e| e.timestamp);
        if timestamp <= last_ts || (self.file.is_full() && !even_if_full) {
            return Ok(());
        }
        let relative_offset = (offset - self.base_offset) as u32;
        self.file.push(TimeEntry {
            timestamp,
            relative_offset,
        })
    }

    /// The greatest entry whose timestamp is at or below `timestamp`, as `(timestamp, offset)`;
    /// `(-1, base_offset)` when there is none.
    pub(crate) fn lookup(&self, timestamp: i64) -> (i64, i64) {
        let entries = self.file.entries();
        match entries.partition_point(|e| e.timestamp <= timestamp) {
            0 => (-1, self.base_offset),
            n => self.absolute(entries[n - 1]),
        }
    }

    /// The last entry as `(timestamp, offset)`: the segment's largest timestamp.
    pub(crate) fn last_entry(&self) -> Option<(i64, i64)> {
        self.file.entries().last().map(|&e| self.absolute(e))
    }

    /// Removes entries whose offset is `offset` or more.
    pub(crate) fn truncate_to(&mut self, offset: i64) -> io::Result<()> {
        let keep = match u64::try_from(offset - self.base_offset) {
            Err(_) => 0,
            Ok(target) => self
                .file
                .entries()
                .partition_point(|e| u64::from(e.relative_offset) < target),
        };
        self.file.truncate(keep)
    }

    /// Keeps the longest consistent prefix whose offsets are at most `offset` (recovery).
    pub(crate) fn truncate_to_valid_prefix(&mut self, offset: i64) -> io::Result<()> {
        let entries = self.file.entries();
        let mut keep = 0;
        while keep < entries.len() {
            let e = entries[keep];
            let ordered = keep == 0
                || (e.timestamp > entries[keep - 1].timestamp
                    && e.relative_offset >= entries[keep - 1].relative_offset);
            if !ordered || self.base_offset + i64::from(e.relative_offset) > offset {
                break;
            }
            keep += 1;
        }
        self.file.truncate(keep)
    }

    /// Cheap checks on a loaded index: whole entries, timestamps strictly increasing, offsets
    /// not decreasing and below `next_offset`.
    pub(crate) fn sanity_check(&self, next_offset: i64) -> Result<(), String> {
        if self.file.is_torn() {
            return Err("length is not a multiple of 12".into());
        }
        let entries = self.file.entries();
        if let Some(w) = entries.windows(2).find(|w| {
            w[1].timestamp <= w[0].timestamp || w[1].relative_offset < w[0].relative_offset
        }) {
            return Err(format!("entries out of order: {:?} then {:?}", w[0], w[1]));
        }
        match self.last_entry() {
            Some((_, offset)) if offset >= next_offset && next_offset > self.base_offset => Err(
                format!("last entry names offset {offset}, past the segment's end {next_offset}"),
            ),
            _ => Ok(()),
        }
    }

    fn absolute(&self, e: TimeEntry) -> (i64, i64) {
        (e.timestamp, self.base_offset + i64::from(e.relative_offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_disk_bytes_and_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000010.timeindex");
        let mut index = TimeIndex::create(path.clone(), 10, 1200).unwrap();
        index.maybe_append(1_000, 12, false).unwrap();
        index.maybe_append(1_000, 14, false).unwrap(); // not larger: skipped
        index.maybe_append(0x0102, 15, false).unwrap(); // smaller: skipped
        index.maybe_append(2_000, 20, false).unwrap();
        index.file_mut().persist().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 24);
        assert_eq!(&bytes[..12], &[0, 0, 0, 0, 0, 0, 0x03, 0xe8, 0, 0, 0, 2]);

        assert_eq!(index.lookup(999), (-1, 10));
        assert_eq!(index.lookup(1_000), (1_000, 12));
        assert_eq!(index.lookup(1_999), (1_000, 12));
        assert_eq!(index.lookup(5_000), (2_000, 20));
        assert_eq!(index.last_entry(), Some((2_000, 20)));

        index.truncate_to(20).unwrap();
        assert_eq!(index.last_entry(), Some((1_000, 12)));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 12);
    }

    #[test]
    fn full_index_takes_only_the_final_entry() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = TimeIndex::create(dir.path().join("0.timeindex"), 0, 12).unwrap();
        index.maybe_append(1, 1, false).unwrap();
        index.maybe_append(2, 2, false).unwrap();
        assert_eq!(index.last_entry(), Some((1, 1)));
        index.maybe_append(3, 3, true).unwrap();
        assert_eq!(index.last_entry(), Some((3, 3)));
    }

    #[test]
    fn load_trims_zeros_and_checks_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000000.timeindex");
        let mut bytes = Vec::new();
        for (ts, off) in [(100i64, 3u32), (200, 3), (150, 9)] {
            bytes.extend_from_slice(&ts.to_be_bytes());
            bytes.extend_from_slice(&off.to_be_bytes());
        }
        bytes.resize(bytes.len() + 120, 0);
        std::fs::write(&path, &bytes).unwrap();
        let mut index = TimeIndex::load(path, 0, 1200).unwrap().unwrap();
        assert_eq!(index.file().entries().len(), 3);
        assert!(index.sanity_check(100).is_err());
        index.truncate_to_valid_prefix(100).unwrap();
        assert_eq!(index.last_entry(), Some((200, 3)));
        assert!(index.sanity_check(100).is_ok());
        assert!(
            index.sanity_check(3).is_err(),
            "offset 3 is past a segment ending at 3"
        );
    }
}
