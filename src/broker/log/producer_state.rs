//! Per-partition producer state (Kafka's ProducerStateManager): for every idempotent or
//! transactional producer that wrote here, its epoch, the metadata of its last five batches
//! (for duplicate detection) and its ongoing transaction, if any. Also the partition's aborted
//! transactions (the `.txnindex` entries) for read_committed fetches.
//!
//! The state is rebuilt from the log at start-up, from the newest `{offset:020}.snapshot`
//! file (Kafka's format, written at every segment roll and at clean shutdown) onwards.
//!
//! Snapshot format (v1, big-endian): version i16, crc u32 (CRC-32C of what follows), then an
//! array (i32 count) of entries: producer id i64, epoch i16, last sequence i32, last offset
//! i64, offset delta i32, timestamp i64, coordinator epoch i32, current txn first offset i64.
//!
//! `.txnindex` entries (34 bytes): version i16 (0), producer id i64, first offset i64, last
//! offset i64 (the abort marker's), last stable offset i64.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

use bytes::{Buf, BufMut, BytesMut};

use super::error::{io_err, LogError, Result};
use crate::protocol::batch::{BatchHeader, HEADER_SIZE};

/// Kafka keeps the metadata of this many batches per producer (max.in.flight = 5).
pub const MAX_BATCHES: usize = 5;
pub const SNAPSHOT_SUFFIX: &str = ".snapshot";
const SNAPSHOT_VERSION: i16 = 1;
const SNAPSHOT_ENTRY_SIZE: usize = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
const TXN_ENTRY_SIZE: usize = 34;

/// One appended batch of a producer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchMeta {
    pub first_seq: i32,
    pub last_seq: i32,
    pub first_offset: i64,
    pub last_offset: i64,
    pub timestamp: i64,
}

/// What the partition knows of one producer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerEntry {
    pub producer_id: i64,
    pub epoch: i16,
    /// Oldest first, at most [`MAX_BATCHES`].
    pub batches: VecDeque<BatchMeta>,
    pub last_timestamp: i64,
    pub coordinator_epoch: i32,
    /// First offset of the producer's open transaction on this partition.
    pub txn_first_offset: Option<i64>,
}

impl ProducerEntry {
    fn new(producer_id: i64, epoch: i16) -> ProducerEntry {
        ProducerEntry {
            producer_id,
            epoch,
            batches: VecDeque::new(),
            last_timestamp: -1,
            coordinator_epoch: -1,
            txn_first_offset: None,
        }
    }

    fn last_seq(&self) -> Option<i32> {
        self.batches.back().map(|b| b.last_seq)
    }
}

/// An aborted transaction as `.txnindex` stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortedTxn {
    pub producer_id: i64,
    pub first_offset: i64,
    /// The offset of the abort marker.
    pub last_offset: i64,
    pub last_stable_offset: i64,
}

/// A commit or abort marker read from a control batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    pub commit: bool,
    pub coordinator_epoch: i32,
}

/// The outcome of checking one append against the producer state.
#[derive(Debug)]
pub enum Checked {
    /// A retry of batches already in the log: answer with their offsets, write nothing.
    Duplicate { first_offset: i64, last_offset: i64 },
    /// New batches: write them.
    Fresh,
}

/// Updates computed for an append, applied once the bytes are written.
#[derive(Debug, Default)]
pub struct PendingUpdate {
    entries: HashMap<i64, ProducerEntry>,
    /// Transactions that ended with this append: (producer id, first offset, marker offset, aborted).
    completed: Vec<(i64, i64, i64, bool)>,
}

/// The producer state of one partition.
#[derive(Debug, Default)]
pub struct ProducerState {
    producers: HashMap<i64, ProducerEntry>,
    /// Open transactions: first offset -> producer id.
    ongoing: BTreeMap<i64, i64>,
    /// Aborted transactions by marker offset.
    aborted: BTreeMap<i64, AbortedTxn>,
}

/// Reads the marker of a control batch (its first record's key and value). `None` when the
/// batch is not a well-formed transaction marker.
pub fn read_marker(batch: &[u8]) -> Option<Marker> {
    let mut rest = batch.get(HEADER_SIZE..)?;
    let _length = read_varint(&mut rest)?;
    let _attributes = take(&mut rest, 1)?;
    let _timestamp_delta = read_varint(&mut rest)?;
    let _offset_delta = read_varint(&mut rest)?;
    let key_len = usize::try_from(read_varint(&mut rest)?).ok()?;
    let mut key = take(&mut rest, key_len)?;
    if key.len() < 4 {
        return None;
    }
    let _version = key.get_i16();
    let kind = key.get_i16();
    let value_len = usize::try_from(read_varint(&mut rest)?).ok()?;
    let mut value = take(&mut rest, value_len)?;
    let coordinator_epoch = if value.len() >= 6 {
        value.get_i16();
        value.get_i32()
    } else {
        -1
    };
    match kind {
        0 => Some(Marker {
            commit: false,
            coordinator_epoch,
        }),
        1 => Some(Marker {
            commit: true,
            coordinator_epoch,
        }),
        _ => None,
    }
}

fn take<'a>(buf: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if buf.len() < n {
        return None;
    }
    let (head, tail) = buf.split_at(n);
    *buf = tail;
    Some(head)
}

/// A zig-zag varint (Kafka's record fields); at most 10 bytes.
fn read_varint(buf: &mut &[u8]) -> Option<i64> {
    let mut value: u64 = 0;
    for i in 0..10 {
        let b = *take(buf, 1)?.first()?;
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(((value >> 1) as i64) ^ -((value & 1) as i64));
        }
    }
    None
}

fn in_sequence(last: i32, next: i32) -> bool {
    i64::from(next) == i64::from(last) + 1 || (next == 0 && last == i32::MAX)
}

fn last_seq_of(h: &BatchHeader) -> i32 {
    // Sequences wrap at i32::MAX, as Java's DefaultRecordBatch.incrementSequence.
    let last = i64::from(h.base_sequence) + i64::from(h.last_offset_delta);
    if last > i64::from(i32::MAX) {
        (last - i64::from(i32::MAX) - 1) as i32
    } else {
        last as i32
    }
}

impl ProducerState {
    /// The producers known here.
    pub fn producers(&self) -> impl Iterator<Item = &ProducerEntry> {
        self.producers.values()
    }

    /// One producer's state.
    pub fn producer(&self, producer_id: i64) -> Option<&ProducerEntry> {
        self.producers.get(&producer_id)
    }

    /// The first offset of the oldest open transaction (bounds the last stable offset).
    pub fn first_unstable_offset(&self) -> Option<i64> {
        self.ongoing.keys().next().copied()
    }

    /// Aborted transactions that overlap `[from, to)`: the ones a read_committed fetch of those
    /// offsets must skip.
    pub fn aborted_between(&self, from: i64, to: i64) -> Vec<AbortedTxn> {
        self.aborted
            .range(from..)
            .map(|(_, t)| *t)
            .filter(|t| t.first_offset < to)
            .collect()
    }

    /// Looks for a retry among the producer's last batches (client appends only).
    pub fn find_duplicate(&self, h: &BatchHeader) -> Option<BatchMeta> {
        if h.producer_id < 0 || h.base_sequence < 0 {
            return None;
        }
        let entry = self.producers.get(&h.producer_id)?;
        if entry.epoch != h.producer_epoch {
            return None;
        }
        let last_seq = last_seq_of(h);
        entry
            .batches
            .iter()
            .find(|b| b.first_seq == h.base_sequence && b.last_seq == last_seq)
            .copied()
    }

    /// Checks one batch (its offsets already assigned) and records its effect in `pending`.
    /// `validate` is true for client appends; replicas and recovery only record.
    pub fn check_batch(
        &self,
        pending: &mut PendingUpdate,
        h: &BatchHeader,
        marker: Option<Marker>,
        validate: bool,
    ) -> Result<()> {
        if h.producer_id < 0 {
            return Ok(());
        }
        let pid = h.producer_id;
        let current = self.producers.get(&pid);
        let entry = match pending.entries.get(&pid) {
            Some(e) => e.clone(),
            None => current
                .cloned()
                .unwrap_or_else(|| ProducerEntry::new(pid, -1)),
        };
        let mut entry = entry;
        if validate && entry.epoch >= 0 && h.producer_epoch < entry.epoch {
            return Err(LogError::InvalidProducerEpoch(format!(
                "epoch {} of producer {pid} is older than the current epoch {}",
                h.producer_epoch, entry.epoch
            )));
        }
        if h.is_control() {
            let Some(marker) = marker else {
                return Ok(());
            };
            if validate && marker.coordinator_epoch < entry.coordinator_epoch {
                return Err(LogError::InvalidProducerEpoch(format!(
                    "coordinator epoch {} is older than {}",
                    marker.coordinator_epoch, entry.coordinator_epoch
                )));
            }
            if let Some(first) = entry.txn_first_offset.take() {
                pending
                    .completed
                    .push((pid, first, h.base_offset, !marker.commit));
            }
            if h.producer_epoch != entry.epoch {
                // A marker with a bumped epoch (fencing): sequences restart with it.
                entry.batches.clear();
            }
            entry.epoch = h.producer_epoch;
            entry.coordinator_epoch = marker.coordinator_epoch;
            entry.last_timestamp = h.max_timestamp;
            pending.entries.insert(pid, entry);
            return Ok(());
        }
        if validate {
            if h.producer_epoch != entry.epoch {
                if h.base_sequence != 0 && entry.epoch >= 0 {
                    return Err(LogError::OutOfOrderSequence(format!(
                        "invalid sequence {} for the new epoch {} of producer {pid} (sequences restart at 0)",
                        h.base_sequence, h.producer_epoch
                    )));
                }
            } else {
                // As Kafka (ProducerAppendInfo.checkSequence): a producer this partition has no
                // state for may start at any sequence (its state may have gone with the head
                // of the log); a known one must go on from its last batch, or from 0 when an
                // epoch bump (a marker) left it none.
                let known = current.is_some_and(|c| c.epoch >= 0);
                let last = entry.last_seq().unwrap_or(-1);
                if known && !in_sequence(last, h.base_sequence) {
                    return Err(LogError::OutOfOrderSequence(format!(
                        "out of order sequence for producer {pid}: {} (incoming), {last} (last appended)",
                        h.base_sequence
                    )));
                }
            }
            if !h.is_transactional() && entry.txn_first_offset.is_some() {
                return Err(LogError::InvalidTxnState(format!(
                    "producer {pid} wrote a non-transactional batch inside an open transaction"
                )));
            }
        }
        if h.producer_epoch != entry.epoch {
            entry.batches.clear();
            entry.epoch = h.producer_epoch;
        }
        entry.batches.push_back(BatchMeta {
            first_seq: h.base_sequence,
            last_seq: last_seq_of(h),
            first_offset: h.base_offset,
            last_offset: h.last_offset(),
            timestamp: h.max_timestamp,
        });
        while entry.batches.len() > MAX_BATCHES {
            entry.batches.pop_front();
        }
        entry.last_timestamp = h.max_timestamp;
        if h.is_transactional() && entry.txn_first_offset.is_none() {
            entry.txn_first_offset = Some(h.base_offset);
        }
        pending.entries.insert(pid, entry);
        Ok(())
    }

    /// Applies checked updates. Returns the transactions aborted by this append; `lso` is the
    /// last stable offset to record with them (Kafka's "last stable offset at abort").
    pub fn apply(&mut self, pending: PendingUpdate, lso_before: i64) -> Vec<AbortedTxn> {
        for (pid, entry) in pending.entries {
            if let Some(old) = self.producers.get(&pid).and_then(|e| e.txn_first_offset) {
                self.ongoing.remove(&old);
            }
            if let Some(first) = entry.txn_first_offset {
                self.ongoing.insert(first, pid);
            }
            self.producers.insert(pid, entry);
        }
        let mut aborted = Vec::new();
        for (pid, first, marker, was_aborted) in pending.completed {
            self.ongoing.remove(&first);
            if was_aborted && !self.aborted.contains_key(&marker) {
                let lso = self
                    .first_unstable_offset()
                    .unwrap_or(marker)
                    .min(lso_before.max(first));
                let t = AbortedTxn {
                    producer_id: pid,
                    first_offset: first,
                    last_offset: marker,
                    last_stable_offset: lso,
                };
                self.aborted.insert(marker, t);
                aborted.push(t);
            }
        }
        aborted
    }

    /// Forgets producers idle for longer than `expiration_ms` (without an open transaction).
    /// Returns how many were removed.
    pub fn expire(&mut self, now_ms: i64, expiration_ms: i64) -> usize {
        let before = self.producers.len();
        self.producers.retain(|_, e| {
            e.txn_first_offset.is_some() || now_ms.saturating_sub(e.last_timestamp) < expiration_ms
        });
        before - self.producers.len()
    }

    /// Drops aborted transactions wholly below the log start.
    pub fn trim_aborted_before(&mut self, log_start: i64) {
        self.aborted.retain(|&last, _| last >= log_start);
    }

    /// Loads `.txnindex` entries found on disk.
    pub fn add_aborted(&mut self, txns: impl IntoIterator<Item = AbortedTxn>) {
        for t in txns {
            self.aborted.insert(t.last_offset, t);
        }
    }

    /// Forgets everything at or after `offset` (truncation); the producers are rebuilt by the
    /// caller from a snapshot.
    pub fn reset_producers(&mut self) {
        self.producers.clear();
        self.ongoing.clear();
    }

    /// Drops aborted transactions whose marker is at or after `offset`.
    pub fn truncate_aborted(&mut self, offset: i64) {
        self.aborted.retain(|&last, _| last < offset);
    }

    /// The aborted transactions, oldest marker first.
    pub fn aborted(&self) -> impl Iterator<Item = &AbortedTxn> {
        self.aborted.values()
    }

    /// Serialises the state in Kafka's snapshot format.
    pub fn snapshot_bytes(&self) -> Vec<u8> {
        let mut body = BytesMut::new();
        let mut entries: Vec<&ProducerEntry> = self.producers.values().collect();
        entries.sort_by_key(|e| e.producer_id);
        body.put_i32(entries.len() as i32);
        for e in entries {
            let last = e.batches.back();
            body.put_i64(e.producer_id);
            body.put_i16(e.epoch);
            body.put_i32(last.map_or(-1, |b| b.last_seq));
            body.put_i64(last.map_or(-1, |b| b.last_offset));
            body.put_i32(last.map_or(0, |b| (b.last_offset - b.first_offset) as i32));
            body.put_i64(e.last_timestamp);
            body.put_i32(e.coordinator_epoch);
            body.put_i64(e.txn_first_offset.unwrap_or(-1));
        }
        let mut out = Vec::with_capacity(body.len() + 6);
        out.put_i16(SNAPSHOT_VERSION);
        out.put_u32(crate::protocol::batch::crc32c(&body));
        out.extend_from_slice(&body);
        out
    }

    /// Replaces the producers with a snapshot's.
    pub fn load_snapshot(&mut self, bytes: &[u8], path: &Path) -> Result<()> {
        let corrupt = |reason: &str| LogError::Corrupt {
            path: path.to_path_buf(),
            position: 0,
            reason: reason.to_string(),
        };
        let mut buf = bytes;
        if buf.len() < 10 {
            return Err(corrupt("snapshot too short"));
        }
        let version = buf.get_i16();
        if version != SNAPSHOT_VERSION {
            return Err(corrupt("unknown snapshot version"));
        }
        let crc = buf.get_u32();
        if crate::protocol::batch::crc32c(buf) != crc {
            return Err(corrupt("snapshot CRC mismatch"));
        }
        let count = buf.get_i32();
        if count < 0 || buf.len() != count as usize * SNAPSHOT_ENTRY_SIZE {
            return Err(corrupt("snapshot length does not match its entry count"));
        }
        self.reset_producers();
        for _ in 0..count {
            let producer_id = buf.get_i64();
            let epoch = buf.get_i16();
            let last_seq = buf.get_i32();
            let last_offset = buf.get_i64();
            let offset_delta = buf.get_i32();
            let timestamp = buf.get_i64();
            let coordinator_epoch = buf.get_i32();
            let txn_first = buf.get_i64();
            let mut entry = ProducerEntry::new(producer_id, epoch);
            if last_offset >= 0 {
                entry.batches.push_back(BatchMeta {
                    first_seq: last_seq.saturating_sub(offset_delta).max(0),
                    last_seq,
                    first_offset: last_offset - i64::from(offset_delta),
                    last_offset,
                    timestamp,
                });
            }
            entry.last_timestamp = timestamp;
            entry.coordinator_epoch = coordinator_epoch;
            if txn_first >= 0 {
                entry.txn_first_offset = Some(txn_first);
                self.ongoing.insert(txn_first, producer_id);
            }
            self.producers.insert(producer_id, entry);
        }
        Ok(())
    }
}

/// `{offset:020}.snapshot` in `dir`.
pub fn snapshot_path(dir: &Path, offset: i64) -> PathBuf {
    dir.join(format!("{offset:020}{SNAPSHOT_SUFFIX}"))
}

/// The snapshot files of a directory, by offset.
pub fn list_snapshots(dir: &Path) -> Result<BTreeMap<i64, PathBuf>> {
    let mut found = BTreeMap::new();
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let path = entry.map_err(io_err(dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".snapshot.tmp") {
            // A write cut short by a crash.
            let _ = fs::remove_file(&path);
            continue;
        }
        if let Some(offset) = name
            .strip_suffix(SNAPSHOT_SUFFIX)
            .filter(|s| s.len() == 20)
            .and_then(|s| s.parse::<i64>().ok())
        {
            found.insert(offset, path);
        }
    }
    Ok(found)
}

/// Writes a snapshot (temporary file, then rename). No fsync: it runs under the log's lock
/// on the produce path, and a snapshot lost or torn by a crash fails its length or CRC check
/// at start-up, which then replays from an older snapshot (or the log start) instead.
pub fn write_snapshot(dir: &Path, offset: i64, bytes: &[u8]) -> Result<()> {
    let path = snapshot_path(dir, offset);
    let tmp = path.with_extension("snapshot.tmp");
    let write = || -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        std::io::Write::write_all(&mut f, bytes)?;
        fs::rename(&tmp, &path)
    };
    write().map_err(io_err(&path))
}

/// Encodes one `.txnindex` entry.
pub fn encode_aborted(t: &AbortedTxn) -> [u8; TXN_ENTRY_SIZE] {
    let mut out = [0u8; TXN_ENTRY_SIZE];
    let mut buf = &mut out[..];
    buf.put_i16(0);
    buf.put_i64(t.producer_id);
    buf.put_i64(t.first_offset);
    buf.put_i64(t.last_offset);
    buf.put_i64(t.last_stable_offset);
    out
}

/// Decodes a `.txnindex` file's entries (a torn trailing entry is ignored).
pub fn decode_aborted(bytes: &[u8]) -> Vec<AbortedTxn> {
    bytes
        .chunks_exact(TXN_ENTRY_SIZE)
        .map(|mut c| {
            let _version = c.get_i16();
            AbortedTxn {
                producer_id: c.get_i64(),
                first_offset: c.get_i64(),
                last_offset: c.get_i64(),
                last_stable_offset: c.get_i64(),
            }
        })
        .collect()
}

impl PendingUpdate {
    /// Nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.completed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(pid: i64, epoch: i16, seq: i32, count: i32, offset: i64, txn: bool) -> BatchHeader {
        BatchHeader {
            base_offset: offset,
            batch_length: 100,
            partition_leader_epoch: 0,
            magic: 2,
            crc: 0,
            attributes: if txn { 1 << 4 } else { 0 },
            last_offset_delta: count - 1,
            base_timestamp: 1000,
            max_timestamp: 1000,
            producer_id: pid,
            producer_epoch: epoch,
            base_sequence: seq,
            record_count: count,
        }
    }

    fn append(state: &mut ProducerState, h: BatchHeader) -> Result<()> {
        let mut pending = PendingUpdate::default();
        state.check_batch(&mut pending, &h, None, true)?;
        state.apply(pending, h.base_offset);
        Ok(())
    }

    #[test]
    fn sequences_duplicates_and_epochs() {
        let mut s = ProducerState::default();
        append(&mut s, header(7, 0, 0, 5, 0, false)).unwrap();
        append(&mut s, header(7, 0, 5, 5, 5, false)).unwrap();
        // A retry of either of the last batches is found with its original offsets.
        let dup = s.find_duplicate(&header(7, 0, 0, 5, 99, false)).unwrap();
        assert_eq!((dup.first_offset, dup.last_offset), (0, 4));
        assert!(s.find_duplicate(&header(7, 0, 10, 5, 99, false)).is_none());
        // A gap is refused.
        let gap = append(&mut s, header(7, 0, 11, 1, 10, false)).unwrap_err();
        assert!(matches!(gap, LogError::OutOfOrderSequence(_)), "{gap}");
        // An older epoch is fenced; a newer one must start at sequence 0.
        let mut s = ProducerState::default();
        append(&mut s, header(8, 2, 0, 1, 0, false)).unwrap();
        assert!(matches!(
            append(&mut s, header(8, 1, 1, 1, 1, false)),
            Err(LogError::InvalidProducerEpoch(_))
        ));
        assert!(matches!(
            append(&mut s, header(8, 3, 4, 1, 1, false)),
            Err(LogError::OutOfOrderSequence(_))
        ));
        append(&mut s, header(8, 3, 0, 1, 1, false)).unwrap();
        // Only the last five batches are remembered.
        for i in 1..=6 {
            append(&mut s, header(8, 3, i, 1, 1 + i as i64, false)).unwrap();
        }
        assert!(s.find_duplicate(&header(8, 3, 1, 1, 0, false)).is_none());
        assert!(s.find_duplicate(&header(8, 3, 2, 1, 0, false)).is_some());
    }

    /// Kafka's rule for a producer with no state here: any sequence (a producer whose state
    /// went with the head of the log goes on). With state, only the next one; after a marker
    /// bumped the epoch and left no batches, only 0.
    #[test]
    fn unknown_producers_start_anywhere_known_ones_go_on() {
        let mut s = ProducerState::default();
        append(&mut s, header(9, 0, 40, 2, 0, false)).unwrap();
        assert!(matches!(
            append(&mut s, header(9, 0, 45, 1, 2, false)),
            Err(LogError::OutOfOrderSequence(_))
        ));
        append(&mut s, header(9, 0, 42, 1, 2, false)).unwrap();

        let mut s = ProducerState::default();
        append(&mut s, header(3, 0, 0, 2, 0, true)).unwrap();
        let mut marker = header(3, 1, -1, 1, 2, true);
        marker.attributes |= 1 << 5; // control
        let mut pending = PendingUpdate::default();
        let abort = Marker {
            commit: false,
            coordinator_epoch: 0,
        };
        s.check_batch(&mut pending, &marker, Some(abort), true)
            .unwrap();
        s.apply(pending, 2);
        assert!(matches!(
            append(&mut s, header(3, 1, 2, 1, 3, false)),
            Err(LogError::OutOfOrderSequence(_))
        ));
        append(&mut s, header(3, 1, 0, 1, 3, false)).unwrap();
    }

    #[test]
    fn transactions_bound_the_lso_and_aborts_are_indexed() {
        let mut s = ProducerState::default();
        append(&mut s, header(1, 0, 0, 2, 10, true)).unwrap();
        append(&mut s, header(2, 0, 0, 2, 12, true)).unwrap();
        assert_eq!(s.first_unstable_offset(), Some(10));
        // A non-transactional write inside an open transaction is refused.
        assert!(matches!(
            append(&mut s, header(1, 0, 2, 1, 14, false)),
            Err(LogError::InvalidTxnState(_))
        ));
        let mut marker = header(1, 0, -1, 1, 14, true);
        marker.attributes |= 1 << 5;
        let mut pending = PendingUpdate::default();
        s.check_batch(
            &mut pending,
            &marker,
            Some(Marker {
                commit: false,
                coordinator_epoch: 0,
            }),
            false,
        )
        .unwrap();
        let aborted = s.apply(pending, 10);
        assert_eq!(aborted.len(), 1);
        assert_eq!((aborted[0].first_offset, aborted[0].last_offset), (10, 14));
        assert_eq!(s.first_unstable_offset(), Some(12));
        assert_eq!(s.aborted_between(0, 11).len(), 1);
        assert_eq!(s.aborted_between(15, 100).len(), 0);
        let bytes = encode_aborted(&aborted[0]);
        assert_eq!(decode_aborted(&bytes), aborted);
    }

    #[test]
    fn idle_producers_expire_but_not_inside_a_transaction() {
        let mut s = ProducerState::default();
        append(&mut s, header(1, 0, 0, 1, 0, false)).unwrap();
        append(&mut s, header(2, 0, 0, 1, 1, true)).unwrap();
        // Both last wrote at 1000; at 1000 + expiration only the one without a transaction goes.
        assert_eq!(s.expire(1_500, 1_000), 0);
        assert_eq!(s.expire(2_000, 1_000), 1);
        assert!(s.producer(1).is_none() && s.producer(2).is_some());
    }

    #[test]
    fn snapshot_round_trip_and_corruption() {
        let mut s = ProducerState::default();
        append(&mut s, header(1, 4, 0, 3, 0, false)).unwrap();
        append(&mut s, header(2, 0, 0, 2, 3, true)).unwrap();
        let bytes = s.snapshot_bytes();
        assert_eq!(bytes.len(), 2 + 4 + 4 + 2 * SNAPSHOT_ENTRY_SIZE);
        let mut loaded = ProducerState::default();
        loaded.load_snapshot(&bytes, Path::new("x")).unwrap();
        assert_eq!(loaded.producer(1).unwrap().epoch, 4);
        assert_eq!(loaded.first_unstable_offset(), Some(3));
        // The last batch is known again: its retry is a duplicate, the next sequence follows.
        assert!(loaded
            .find_duplicate(&header(1, 4, 0, 3, 9, false))
            .is_some());
        append(&mut loaded, header(1, 4, 3, 1, 5, false)).unwrap();
        let mut bad = bytes.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(ProducerState::default()
            .load_snapshot(&bad, Path::new("x"))
            .is_err());
    }

    #[test]
    fn markers_are_read_from_control_batches() {
        let batch = crate::broker::txn::marker_batch(5, 1, true, 3).unwrap();
        let h = BatchHeader::parse(&batch).unwrap();
        assert!(h.is_control() && h.is_transactional());
        assert_eq!(
            read_marker(&batch),
            Some(Marker {
                commit: true,
                coordinator_epoch: 3
            })
        );
        let abort = crate::broker::txn::marker_batch(5, 1, false, 0).unwrap();
        assert_eq!(read_marker(&abort).map(|m| m.commit), Some(false));
        assert_eq!(read_marker(&batch[..HEADER_SIZE + 2]), None);
    }
}
