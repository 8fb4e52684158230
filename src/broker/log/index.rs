//! The offset index (`.index`) and the file handling both sparse indexes share.
//!
//! An offset index entry maps a batch's last offset, relative to the segment's base offset, to
//! the byte position of that batch in the `.log` file: 8 bytes, `relativeOffset: u32 BE,
//! position: u32 BE`, exactly Kafka's format. Entries are sparse (one per `index.interval.bytes`
//! of log), so a lookup returns the greatest entry at or below the target and the caller scans
//! batch headers forward from there.
//!
//! Entries live in a `Vec` for lookups and are appended to the file with plain positional writes
//! in batches (no mmap, no preallocation): the file is always `entries × 8` bytes once persisted.
//! Kafka preallocates index files and zero-fills them; loading drops trailing all-zero entries,
//! which no valid index can end with (the first batch of a segment is never indexed).

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Pending entries are written once this many accumulate, so memory and crash loss stay small
/// without a write per batch.
const PERSIST_EVERY: usize = 512;

/// One fixed-size index entry.
pub(crate) trait IndexEntry: Copy + PartialEq + std::fmt::Debug {
    /// Bytes on disk.
    const SIZE: usize;
    /// Appends the on-disk form to `out`.
    fn encode(&self, out: &mut Vec<u8>);
    /// Reads the on-disk form; `bytes` has exactly `SIZE` bytes.
    fn decode(bytes: &[u8]) -> Self;
}

/// An index file: entries in memory, the file kept in step with positional writes.
#[derive(Debug)]
pub(crate) struct IndexFile<E> {
    path: PathBuf,
    entries: Vec<E>,
    /// Entries already written to the file (the rest are pending).
    persisted: usize,
    /// Current length of the file, which may hold preallocated zeros past the entries.
    file_len: u64,
    max_entries: usize,
    /// The file length was not a whole number of entries.
    torn: bool,
}

impl<E: IndexEntry> IndexFile<E> {
    /// Creates an empty index, truncating any file already at `path`.
    pub(crate) fn create(path: PathBuf, max_index_bytes: u64) -> io::Result<Self> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)?;
        Ok(IndexFile {
            path,
            entries: Vec::new(),
            persisted: 0,
            file_len: 0,
            max_entries: max_entries::<E>(max_index_bytes),
            torn: false,
        })
    }

    /// Reads an existing index; `Ok(None)` when the file does not exist. Trailing all-zero
    /// entries (Kafka's preallocation) are dropped from memory; the file is trimmed on the next
    /// write.
    pub(crate) fn load(path: PathBuf, max_index_bytes: u64, zero: E) -> io::Result<Option<Self>> {
        let mut bytes = Vec::new();
        match File::open(&path) {
            Ok(mut f) => f.read_to_end(&mut bytes)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let file_len = bytes.len() as u64;
        let torn = bytes.len() % E::SIZE != 0;
        let mut entries: Vec<E> = bytes.chunks_exact(E::SIZE).map(E::decode).collect();
        while entries.last() == Some(&zero) {
            entries.pop();
        }
        Ok(Some(IndexFile {
            path,
            persisted: entries.len(),
            entries,
            file_len,
            max_entries: max_entries::<E>(max_index_bytes),
            torn,
        }))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn set_path(&mut self, path: PathBuf) {
        self.path = path;
    }

    pub(crate) fn entries(&self) -> &[E] {
        &self.entries
    }

    /// The file's length was not a multiple of the entry size when loaded.
    pub(crate) fn is_torn(&self) -> bool {
        self.torn
    }

    pub(crate) fn is_full(&self) -> bool {
        self.entries.len() >= self.max_entries
    }

    /// Adds an entry in memory; it reaches the file on [`IndexFile::persist`] or in bulk.
    pub(crate) fn push(&mut self, entry: E) -> io::Result<()> {
        self.entries.push(entry);
        if self.entries.len() - self.persisted >= PERSIST_EVERY {
            self.persist()?;
        }
        Ok(())
    }

    /// Keeps the first `len` entries, in memory and in the file.
    pub(crate) fn truncate(&mut self, len: usize) -> io::Result<()> {
        if len >= self.entries.len() {
            return Ok(());
        }
        self.entries.truncate(len);
        if self.persisted > len {
            self.persisted = len;
            let target = (len * E::SIZE) as u64;
            self.handle()?.set_len(target)?;
            self.file_len = target;
        }
        self.torn = false;
        Ok(())
    }

    /// Writes pending entries to the file (to the OS, not synced) and trims anything past them.
    pub(crate) fn persist(&mut self) -> io::Result<()> {
        let expected = (self.persisted * E::SIZE) as u64;
        if self.persisted == self.entries.len() && self.file_len == expected {
            return Ok(());
        }
        let file = self.handle()?;
        if self.file_len != expected {
            file.set_len(expected)?;
        }
        let mut buf = Vec::with_capacity((self.entries.len() - self.persisted) * E::SIZE);
        for entry in &self.entries[self.persisted..] {
            entry.encode(&mut buf);
        }
        file.write_all_at(&buf, expected)?;
        self.persisted = self.entries.len();
        self.file_len = (self.persisted * E::SIZE) as u64;
        self.torn = false;
        Ok(())
    }

    /// Persists pending entries and returns a handle to fsync. A sealed index gets a one-off
    /// handle, so sealed segments do not keep index files open.
    pub(crate) fn sync_handle(&mut self) -> io::Result<Arc<File>> {
        self.persist()?;
        Ok(Arc::new(OpenOptions::new().write(true).open(&self.path)?))
    }

    /// A handle for one write, closed right after: writes come in bulk (every `PERSIST_EVERY`
    /// entries, at flushes and at roll), and no index keeps a descriptor open. A broker with
    /// 10,000 partitions would otherwise hold 20,000 more descriptors; like Kafka, kbox keeps
    /// one per segment, the log's.
    fn handle(&mut self) -> io::Result<Arc<File>> {
        Ok(Arc::new(
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&self.path)?,
        ))
    }
}

fn max_entries<E: IndexEntry>(max_index_bytes: u64) -> usize {
    usize::try_from(max_index_bytes / E::SIZE as u64).unwrap_or(usize::MAX)
}

/// One offset index entry: a batch's last offset (relative) and its position in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OffsetEntry {
    pub(crate) relative_offset: u32,
    pub(crate) position: u32,
}

impl IndexEntry for OffsetEntry {
    const SIZE: usize = 8;

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.relative_offset.to_be_bytes());
        out.extend_from_slice(&self.position.to_be_bytes());
    }

    fn decode(b: &[u8]) -> Self {
        OffsetEntry {
            relative_offset: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            position: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        }
    }
}

const ZERO_OFFSET_ENTRY: OffsetEntry = OffsetEntry {
    relative_offset: 0,
    position: 0,
};

/// A segment's `.index`.
#[derive(Debug)]
pub(crate) struct OffsetIndex {
    base_offset: i64,
    file: IndexFile<OffsetEntry>,
}

impl OffsetIndex {
    /// A new empty index file.
    pub(crate) fn create(
        path: PathBuf,
        base_offset: i64,
        max_index_bytes: u64,
    ) -> io::Result<Self> {
        Ok(OffsetIndex {
            base_offset,
            file: IndexFile::create(path, max_index_bytes)?,
        })
    }

    /// The existing index file, `None` when missing. Call [`OffsetIndex::sanity_check`] next.
    pub(crate) fn load(
        path: PathBuf,
        base_offset: i64,
        max_index_bytes: u64,
    ) -> io::Result<Option<Self>> {
        let file = IndexFile::load(path, max_index_bytes, ZERO_OFFSET_ENTRY)?;
        Ok(file.map(|file| OffsetIndex { base_offset, file }))
    }

    pub(crate) fn file(&self) -> &IndexFile<OffsetEntry> {
        &self.file
    }

    pub(crate) fn file_mut(&mut self) -> &mut IndexFile<OffsetEntry> {
        &mut self.file
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.file.entries().len()
    }

    /// Adds `offset → position`. The segment only calls this with increasing offsets and
    /// positions that fit the index (it rolls before they would not).
    pub(crate) fn append(&mut self, offset: i64, position: u64) -> io::Result<()> {
        let relative_offset = (offset - self.base_offset) as u32;
        self.file.push(OffsetEntry {
            relative_offset,
            position: position as u32,
        })
    }

    /// The greatest entry whose offset is at or below `offset`, as `(offset, position)`;
    /// `(base_offset, 0)` when there is none.
    pub(crate) fn lookup(&self, offset: i64) -> (i64, u64) {
        let entries = self.file.entries();
        let Some(target) = self.relative(offset) else {
            return (self.base_offset, 0);
        };
        match entries.partition_point(|e| u64::from(e.relative_offset) <= target) {
            0 => (self.base_offset, 0),
            n => self.absolute(entries[n - 1]),
        }
    }

    /// The last entry as `(offset, position)`.
    pub(crate) fn last_entry(&self) -> Option<(i64, u64)> {
        self.file.entries().last().map(|&e| self.absolute(e))
    }

    /// Removes entries whose offset is `offset` or more.
    pub(crate) fn truncate_to(&mut self, offset: i64) -> io::Result<()> {
        let keep = match self.relative(offset) {
            None => 0,
            Some(target) => self
                .file
                .entries()
                .partition_point(|e| u64::from(e.relative_offset) < target),
        };
        self.file.truncate(keep)
    }

    /// Keeps the longest prefix of entries that is consistent (offsets and positions strictly
    /// increasing, positions inside a log of `log_size` bytes) and below `offset`. Recovery uses
    /// it to keep what was flushed before a crash.
    pub(crate) fn truncate_to_valid_prefix(
        &mut self,
        offset: i64,
        log_size: u64,
    ) -> io::Result<()> {
        let limit = self.relative(offset).unwrap_or(0);
        let entries = self.file.entries();
        let mut keep = 0;
        while keep < entries.len() {
            let e = entries[keep];
            let increasing = keep == 0
                || (e.relative_offset > entries[keep - 1].relative_offset
                    && e.position > entries[keep - 1].position);
            if !increasing
                || u64::from(e.relative_offset) >= limit
                || u64::from(e.position) >= log_size
            {
                break;
            }
            keep += 1;
        }
        self.file.truncate(keep)
    }

    /// Cheap checks on a loaded index: whole entries, strictly increasing, last position
    /// inside the log.
    pub(crate) fn sanity_check(&self, log_size: u64) -> Result<(), String> {
        if self.file.is_torn() {
            return Err("length is not a multiple of 8".into());
        }
        let entries = self.file.entries();
        if let Some(w) = entries.windows(2).find(|w| {
            w[1].relative_offset <= w[0].relative_offset || w[1].position <= w[0].position
        }) {
            return Err(format!("entries out of order: {:?} then {:?}", w[0], w[1]));
        }
        match entries.last() {
            Some(last) if u64::from(last.position) >= log_size => Err(format!(
                "last entry points at byte {} of a {log_size}-byte log",
                last.position
            )),
            _ => Ok(()),
        }
    }

    fn relative(&self, offset: i64) -> Option<u64> {
        u64::try_from(offset.checked_sub(self.base_offset)?).ok()
    }

    fn absolute(&self, e: OffsetEntry) -> (i64, u64) {
        (
            self.base_offset + i64::from(e.relative_offset),
            u64::from(e.position),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(dir: &Path) -> OffsetIndex {
        OffsetIndex::create(dir.join("00000000000000000100.index"), 100, 1024).unwrap()
    }

    #[test]
    fn on_disk_bytes_are_kafkas() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = fresh(dir.path());
        index.append(105, 4_200).unwrap();
        index.append(0x1_0000 + 100, 0x0102_0304).unwrap();
        index.file_mut().persist().unwrap();
        let bytes = std::fs::read(index.file().path()).unwrap();
        assert_eq!(
            bytes,
            [0, 0, 0, 5, 0, 0, 0x10, 0x68, 0, 1, 0, 0, 1, 2, 3, 4],
            "relative offset then position, both u32 big-endian, no padding"
        );
    }

    #[test]
    fn lookup_is_a_floor_search() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = fresh(dir.path());
        assert_eq!(index.lookup(150), (100, 0));
        for (i, offset) in [110, 120, 130].into_iter().enumerate() {
            index.append(offset, (i as u64 + 1) * 1000).unwrap();
        }
        assert_eq!(index.lookup(50), (100, 0));
        assert_eq!(index.lookup(109), (100, 0));
        assert_eq!(index.lookup(110), (110, 1000));
        assert_eq!(index.lookup(129), (120, 2000));
        assert_eq!(index.lookup(i64::MAX), (130, 3000));
        index.truncate_to(120).unwrap();
        assert_eq!(index.last_entry(), Some((110, 1000)));
    }

    #[test]
    fn load_drops_kafka_preallocation_and_rewrites_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000100.index");
        let mut bytes = vec![0, 0, 0, 5, 0, 0, 0x10, 0x00];
        bytes.resize(8 * 1000, 0);
        std::fs::write(&path, &bytes).unwrap();
        let mut index = OffsetIndex::load(path.clone(), 100, 8 * 1000)
            .unwrap()
            .unwrap();
        assert_eq!(index.len(), 1);
        assert_eq!(index.sanity_check(0x1001), Ok(()));
        index.append(110, 0x2000).unwrap();
        index.file_mut().persist().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 16);
    }

    #[test]
    fn sanity_check_catches_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000000.index");
        std::fs::write(&path, [0, 0, 0, 5, 0, 0, 0, 9, 0, 0, 0, 4, 0, 0, 0, 20]).unwrap();
        let index = OffsetIndex::load(path.clone(), 0, 1024).unwrap().unwrap();
        assert!(index.sanity_check(100).is_err(), "offsets go backwards");

        std::fs::write(&path, [0, 0, 0, 5, 0, 0, 0, 90, 1]).unwrap();
        let index = OffsetIndex::load(path.clone(), 0, 1024).unwrap().unwrap();
        assert!(index.sanity_check(100).is_err(), "torn entry");

        std::fs::write(&path, [0, 0, 0, 5, 0, 0, 0, 90]).unwrap();
        let index = OffsetIndex::load(path.clone(), 0, 1024).unwrap().unwrap();
        assert!(index.sanity_check(90).is_err(), "points past the log");
        assert!(index.sanity_check(91).is_ok());

        assert!(OffsetIndex::load(dir.path().join("missing.index"), 0, 1024)
            .unwrap()
            .is_none());
    }

    #[test]
    fn valid_prefix_stops_at_the_first_bad_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000000.index");
        let mut bytes = Vec::new();
        for (off, pos) in [(5u32, 100u32), (9, 200), (7, 300), (12, 400)] {
            bytes.extend_from_slice(&off.to_be_bytes());
            bytes.extend_from_slice(&pos.to_be_bytes());
        }
        std::fs::write(&path, &bytes).unwrap();
        let mut index = OffsetIndex::load(path.clone(), 0, 1024).unwrap().unwrap();
        index.truncate_to_valid_prefix(100, 1000).unwrap();
        assert_eq!(index.last_entry(), Some((9, 200)));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 16);
        index.truncate_to_valid_prefix(9, 1000).unwrap();
        assert_eq!(index.last_entry(), Some((5, 100)));
    }
}
