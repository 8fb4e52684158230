//! [`Log`]: one partition's log, a sequence of segments in one directory.
//!
//! Offsets: the log holds `[log_start_offset, log_end_offset)`. The *log end offset* (LEO) is
//! the next offset to assign. The *recovery point* is the offset up to which everything (records,
//! indexes, leader epochs) is known to be fsynced; a crash only makes the log re-validate from
//! there. The *flushed offset* is where the records alone are fsynced: what an acknowledgement
//! with `flush.messages=1` waits for. Indexes and epochs below it are rebuilt by recovery, so
//! they are synced later, in the background ([`FlushScope`]).
//!
//! Locking: the caller keeps the `Log` in a `Mutex`. Everything here is quick except fsync and
//! the bulk read of fetched bytes, which happen outside the lock: [`Log::read`] returns a
//! [`FileSlice`] to read later, and [`Log::flush_target`] returns the files to fsync, after which
//! [`Log::mark_flushed`] advances the flushed offset or the recovery point (group commit: one
//! fsync covers every append made before it).
//!
//! Deletion: segments removed by retention or DeleteRecords are renamed `*.deleted` and their
//! paths returned in [`DeletedSegments`], for the caller to remove after
//! `file.delete.delay.ms` (readers holding a [`FileSlice`] keep working either way). Segments
//! removed by truncation or recovery are removed at once.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};

use super::checkpoint::sync_dir;
use super::cleaner::{CleanPlan, CleanSource, Cleaned, CLEANED_SUFFIX, SWAP_SUFFIX};
use super::config::{LogConfig, TimestampType};
use super::error::{io_err, LogError, Result};
use super::file_slice::FileSlice;
use super::leader_epoch::{EpochEntry, EpochSnapshot, LeaderEpochCache};
use super::producer_state::{self, AbortedTxn, PendingUpdate, ProducerState};
use super::recovery::{load_segments, remove_files, RecoveryReport};
use super::segment::{
    decode_records, file_name, max_segment_bytes, RollCheck, Segment, INDEX_SUFFIX, LOG_SUFFIX,
    TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX,
};
use crate::protocol::batch::{self, BatchHeader};

/// One batch to write, in two parts that follow each other on disk: its header (patched by the
/// leader) and the rest, or the whole batch and nothing.
type BatchParts<'a> = [&'a [u8]; 2];

/// The result of an append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendInfo {
    /// Offset of the first record appended (-1 when nothing was).
    pub first_offset: i64,
    /// Offset of the last record appended (-1 when nothing was).
    pub last_offset: i64,
    /// Largest timestamp appended (the append time for LogAppendTime), -1 when none.
    pub max_timestamp: i64,
    /// Last offset of the batch holding `max_timestamp`.
    pub offset_of_max_timestamp: i64,
    /// The broker time stamped on the batches with LogAppendTime, -1 with CreateTime.
    pub log_append_time: i64,
    /// The log start offset after the append.
    pub log_start_offset: i64,
    /// Records appended, as the batch headers count them.
    pub record_count: i64,
    /// Batches appended.
    pub batch_count: usize,
    /// Bytes appended.
    pub bytes: usize,
}

/// The result of a read: a slice of one segment's file, plus the log's bounds at read time.
#[derive(Debug, Clone)]
pub struct ReadInfo {
    /// Whole batches starting with the one that holds the fetch offset (the last one may be
    /// partial when `max_bytes` cut it). Empty at the log end or the `max_offset` bound.
    pub records: FileSlice,
    /// The first batch is larger than `max_bytes` and was cut (only without `min_one_batch`).
    pub first_batch_incomplete: bool,
    /// Log start offset when the read was made.
    pub log_start_offset: i64,
    /// Log end offset when the read was made.
    pub log_end_offset: i64,
}

/// A record found by timestamp (ListOffsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampOffset {
    /// The record's timestamp.
    pub timestamp: i64,
    /// The record's offset.
    pub offset: i64,
    /// Leader epoch of its batch, when known.
    pub leader_epoch: Option<i32>,
}

/// What a flush makes durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlushScope {
    /// The records only (segment `.log` files and the directory): enough for an
    /// acknowledgement, since recovery rebuilds indexes past the recovery point. Moves the
    /// flushed offset.
    Records,
    /// Records, indexes and leader epochs: moves the recovery point, which recovery trusts.
    Everything,
}

/// What an fsync must cover to make the log durable up to `up_to_offset`.
#[derive(Debug)]
pub struct FlushTarget {
    /// Segment files written since their last fsync (the `.log` files, and with
    /// [`FlushScope::Everything`] the indexes).
    pub files: Vec<Arc<File>>,
    /// The partition directory, when segments were created since its last fsync.
    pub dir: Option<Arc<File>>,
    /// The log end offset when the target was taken.
    pub up_to_offset: i64,
    /// The leader epoch entries not yet in `leader-epoch-checkpoint`: written before the
    /// recovery point passes them (recovery re-derives only epochs past it).
    epochs: Option<EpochSnapshot>,
    seq: u64,
    truncations: u64,
    segments: Vec<i64>,
    scope: FlushScope,
}

impl FlushTarget {
    /// Nothing to fsync.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.dir.is_none() && self.epochs.is_none()
    }

    /// Fsyncs every file (data only) and the directory, then writes the leader epoch
    /// checkpoint if it is behind. Call without holding the log's lock.
    ///
    /// # Errors
    ///
    /// The first fsync failure; the recovery point must then not move.
    pub fn sync(&self) -> io::Result<()> {
        for file in &self.files {
            file.sync_data()?;
        }
        if let Some(dir) = &self.dir {
            dir.sync_all()?;
        }
        if let Some(epochs) = &self.epochs {
            epochs.write().map_err(|e| match e {
                LogError::Io { source, .. } => source,
                other => io::Error::other(other.to_string()),
            })?;
        }
        Ok(())
    }
}

/// Segments removed from the log, renamed `*.deleted`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use = "the renamed files stay on disk until removed"]
pub struct DeletedSegments {
    /// Segments removed.
    pub count: usize,
    /// Their files, renamed with a `.deleted` suffix.
    pub files: Vec<PathBuf>,
    /// The log start offset afterwards.
    pub log_start_offset: i64,
}

impl DeletedSegments {
    /// Removes the renamed files now (call after `file.delete.delay.ms`).
    ///
    /// # Errors
    ///
    /// [`LogError::Io`] for a file that cannot be removed.
    pub fn remove_files(&self) -> Result<()> {
        remove_files(&self.files)
    }
}

/// Who an append comes from, which decides the leader's checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Client,
    Coordinator,
}

/// One partition's log. See the module docs.
#[derive(Debug)]
pub struct Log {
    dir: PathBuf,
    config: LogConfig,
    /// Never empty: the last one is the active segment.
    segments: BTreeMap<i64, Segment>,
    log_start_offset: i64,
    recovery_point: i64,
    /// Records are fsynced below this; never below the recovery point.
    flushed_offset: i64,
    epochs: LeaderEpochCache,
    /// Incremented by every change to a segment, so a flush knows what it covered.
    write_seq: u64,
    dir_modified_seq: u64,
    dir_synced_seq: u64,
    /// Incremented by truncations, which invalidate a flush taken before them.
    truncations: u64,
    last_flush_ms: i64,
    report: RecoveryReport,
    /// Compaction: the first offset not yet cleaned (Kafka's cleaner checkpoint).
    first_dirty_offset: i64,
    /// Compaction: when a tombstone kept by the last cleaning becomes removable.
    tombstones_due_ms: i64,
    /// Idempotent and transactional producers, open and aborted transactions.
    producers: ProducerState,
    /// A roll asked for a producer snapshot at this offset (written after the append).
    snapshot_due: Option<i64>,
}

impl Log {
    /// Creates the directory if needed and opens the (possibly empty) log in it.
    ///
    /// # Errors
    ///
    /// [`LogError::Io`] and the errors of [`Log::open`].
    pub fn create(dir: &Path, config: LogConfig) -> Result<Log> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        Log::open(dir, config, 0, 0, true)
    }

    /// Opens the log in `dir`, recovering it if needed.
    ///
    /// `recovery_point` and `log_start_offset` come from the log dir's checkpoint files (0 when
    /// unknown, which makes a crash recovery scan everything); `had_clean_shutdown` from
    /// Kafka's `.kafka_cleanshutdown` marker. See [`super::recovery`] for what is read.
    ///
    /// # Errors
    ///
    /// [`LogError::Io`] when files cannot be read or repaired, [`LogError::Checkpoint`] for a
    /// malformed `leader-epoch-checkpoint`. A corrupt tail is repaired, not reported.
    pub fn open(
        dir: &Path,
        config: LogConfig,
        recovery_point: i64,
        log_start_offset: i64,
        had_clean_shutdown: bool,
    ) -> Result<Log> {
        let now_ms = wall_clock_ms();
        let mut epochs = LeaderEpochCache::load(dir)?;
        let (mut segments, mut report) = load_segments(
            dir,
            &config,
            recovery_point,
            had_clean_shutdown,
            &mut epochs,
            now_ms,
        )?;

        let end = segments.values().next_back().map(Segment::next_offset);
        if end.is_some_and(|end| end < log_start_offset) {
            // The checkpointed start is past everything on disk: the data is stale.
            tracing::warn!(dir = %dir.display(), log_start_offset, "log ends before its start offset, deleting it");
            for (_, mut segment) in std::mem::take(&mut segments) {
                remove_files(&segment.rename_to_deleted()?)?;
                report.segments_deleted += 1;
            }
            epochs.clear()?;
        }
        let mut log = Log {
            dir: dir.to_path_buf(),
            config,
            segments,
            log_start_offset: log_start_offset.max(0),
            recovery_point: 0,
            flushed_offset: 0,
            epochs,
            write_seq: 1,
            dir_modified_seq: 0,
            dir_synced_seq: 0,
            truncations: 0,
            last_flush_ms: now_ms,
            report,
            first_dirty_offset: 0,
            tombstones_due_ms: i64::MAX,
            producers: ProducerState::default(),
            snapshot_due: None,
        };
        if log.segments.is_empty() {
            log.add_segment(log.log_start_offset, now_ms)?;
        }
        let first_base = log.segments.keys().next().copied().unwrap_or(0);
        log.log_start_offset = log.log_start_offset.max(first_base);
        let leo = log.log_end_offset();
        log.recovery_point = if had_clean_shutdown {
            leo
        } else {
            recovery_point.min(leo).max(0)
        };
        log.flushed_offset = log.recovery_point;
        log.epochs.truncate_from_end(leo)?;
        log.epochs.truncate_from_start(log.log_start_offset)?;
        log.load_aborted_txns()?;
        log.rebuild_producer_state()?;
        Ok(log)
    }

    /// Reads every segment's `.txnindex`.
    fn load_aborted_txns(&mut self) -> Result<()> {
        for &base in self.segments.keys() {
            let path = self.dir.join(file_name(base, TXN_INDEX_SUFFIX));
            match fs::read(&path) {
                Ok(bytes) => self
                    .producers
                    .add_aborted(producer_state::decode_aborted(&bytes)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(&path)(e)),
            }
        }
        let end = self.log_end_offset();
        self.producers.truncate_aborted(end);
        Ok(())
    }

    /// Loads the newest usable producer snapshot at or below the log end (removing newer and
    /// corrupt ones) and replays the batches after it, as Kafka's recovery does.
    fn rebuild_producer_state(&mut self) -> Result<()> {
        let end = self.log_end_offset();
        let mut from = self.log_start_offset;
        self.producers.reset_producers();
        for (offset, path) in producer_state::list_snapshots(&self.dir)?.into_iter().rev() {
            if offset > end {
                let _ = fs::remove_file(&path);
                continue;
            }
            let loaded = fs::read(&path)
                .map_err(io_err(&path))
                .and_then(|bytes| self.producers.load_snapshot(&bytes, &path));
            match loaded {
                Ok(()) => {
                    from = offset.max(self.log_start_offset);
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "removing an unreadable producer snapshot");
                    let _ = fs::remove_file(&path);
                    self.producers.reset_producers();
                }
            }
        }
        let mut offset = from;
        while offset < end {
            let read = self.read(offset, 4 << 20, end, true)?;
            let bytes = read.records.read_bytes().map_err(io_err(&self.dir))?;
            let mut next = offset;
            for item in batch::batches(&bytes) {
                let Ok((header, range)) = item else { break };
                next = header.next_offset();
                if header.last_offset() < offset || header.producer_id < 0 {
                    continue;
                }
                let marker = header
                    .is_control()
                    .then(|| producer_state::read_marker(&bytes[range]))
                    .flatten();
                let mut pending = PendingUpdate::default();
                self.producers
                    .check_batch(&mut pending, &header, marker, false)?;
                let lso = self
                    .producers
                    .first_unstable_offset()
                    .unwrap_or(header.base_offset);
                for t in self.producers.apply(pending, lso) {
                    self.write_aborted(&t)?;
                }
            }
            if next <= offset {
                break;
            }
            offset = next;
        }
        Ok(())
    }

    /// Appends an aborted transaction to the `.txnindex` of the segment holding its marker.
    fn write_aborted(&mut self, t: &AbortedTxn) -> Result<()> {
        let base = self
            .segments
            .range(..=t.last_offset)
            .next_back()
            .map_or(self.active().base_offset(), |(&b, _)| b);
        let path = self.dir.join(file_name(base, TXN_INDEX_SUFFIX));
        let write = || -> io::Result<()> {
            let mut f = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            io::Write::write_all(&mut f, &producer_state::encode_aborted(t))
        };
        write().map_err(io_err(&path))
    }

    /// Rewrites the `.txnindex` of segments at or after `base` from memory (after truncation).
    fn rewrite_txn_indexes_from(&mut self, base: i64) -> Result<()> {
        let bases: Vec<i64> = self.segments.range(base..).map(|(&b, _)| b).collect();
        for (i, b) in bases.iter().enumerate() {
            let end = bases.get(i + 1).copied().unwrap_or(i64::MAX);
            let path = self.dir.join(file_name(*b, TXN_INDEX_SUFFIX));
            let entries: Vec<u8> = self
                .producers
                .aborted()
                .filter(|t| t.last_offset >= *b && t.last_offset < end)
                .flat_map(producer_state::encode_aborted)
                .collect();
            if entries.is_empty() {
                match fs::remove_file(&path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_err(&path)(e)),
                    _ => {}
                }
            } else {
                fs::write(&path, entries).map_err(io_err(&path))?;
            }
        }
        Ok(())
    }

    /// Writes `{offset:020}.snapshot` with the producer state as of now.
    fn write_producer_snapshot(&self, offset: i64) -> Result<()> {
        producer_state::write_snapshot(&self.dir, offset, &self.producers.snapshot_bytes())
    }

    /// Removes snapshots below the oldest segment (they can never be used again).
    fn remove_old_snapshots(&self) -> Result<()> {
        let first = self.segments.keys().next().copied().unwrap_or(0);
        for (offset, path) in producer_state::list_snapshots(&self.dir)? {
            if offset < first {
                let _ = fs::remove_file(path);
            }
        }
        Ok(())
    }

    /// The partition's producer state.
    pub fn producer_state(&self) -> &ProducerState {
        &self.producers
    }

    /// The first offset of the oldest open transaction, if any.
    pub fn first_unstable_offset(&self) -> Option<i64> {
        self.producers.first_unstable_offset()
    }

    /// Aborted transactions a read_committed fetch of `[from, to)` must be told about.
    pub fn aborted_transactions(&self, from: i64, to: i64) -> Vec<AbortedTxn> {
        self.producers.aborted_between(from, to)
    }

    /// Forgets idle producers (`producer.id.expiration.ms`). Returns how many.
    pub fn expire_producers(&mut self, now_ms: i64, expiration_ms: i64) -> usize {
        self.producers.expire(now_ms, expiration_ms)
    }

    /// The partition directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The settings in force.
    pub fn config(&self) -> &LogConfig {
        &self.config
    }

    /// Applies changed topic settings (they take effect from the next append or retention run).
    pub fn set_config(&mut self, config: LogConfig) {
        self.config = config;
    }

    /// What opening the log found and did.
    pub fn recovery_report(&self) -> &RecoveryReport {
        &self.report
    }

    /// First offset still in the log.
    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }

    /// The next offset to be assigned.
    pub fn log_end_offset(&self) -> i64 {
        self.active().next_offset()
    }

    /// Offset up to which the log is known to be fsynced.
    pub fn recovery_point(&self) -> i64 {
        self.recovery_point
    }

    /// The offset below which the records are fsynced (at least the recovery point).
    pub fn flushed_offset(&self) -> i64 {
        self.flushed_offset
    }

    /// Total bytes of all segments' log files.
    pub fn size_bytes(&self) -> u64 {
        self.segments.values().map(Segment::size).sum()
    }

    /// Number of segments, the active one included.
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// Base offsets of the segments, oldest first.
    pub fn segment_base_offsets(&self) -> Vec<i64> {
        self.segments.keys().copied().collect()
    }

    /// The leader epoch cache, oldest epoch first.
    pub fn leader_epochs(&self) -> &[EpochEntry] {
        self.epochs.entries()
    }

    /// The newest leader epoch that wrote to this log.
    pub fn latest_epoch(&self) -> Option<i32> {
        self.epochs.latest_epoch()
    }

    /// OffsetForLeaderEpoch: `(epoch, end offset)` for the requested epoch; see
    /// [`LeaderEpochCache::end_offset_for`].
    pub fn end_offset_for_epoch(&self, epoch: i32) -> (i32, i64) {
        self.epochs.end_offset_for(epoch, self.log_end_offset())
    }

    /// Appends a client's produce data as leader: validates every batch first (nothing is
    /// written if one fails), assigns offsets from the log end, stamps `leader_epoch`, applies
    /// LogAppendTime if configured, and writes the bytes with one write per segment.
    ///
    /// `records` is patched in place when this is its only reference, else copied once. A
    /// truncated trailing batch is dropped, as Kafka does; no batch at all appends nothing
    /// (offsets -1 in the result).
    ///
    /// # Errors
    ///
    /// [`LogError::CorruptMessage`] (CRC, magic, framing), [`LogError::RecordTooLarge`] (a
    /// batch over `max.message.bytes`), [`LogError::RecordListTooLarge`] (a batch over
    /// `segment.bytes`), [`LogError::InvalidRecord`] (client rules: base offset 0, record count
    /// matching the offset range, no control batches, sequence with a producer id),
    /// [`LogError::Io`].
    pub fn append_as_leader(
        &mut self,
        records: Bytes,
        leader_epoch: i32,
        now_ms: i64,
    ) -> Result<AppendInfo> {
        self.append_leader(records, leader_epoch, Origin::Client, now_ms)
    }

    /// Like [`Log::append_as_leader`] for batches written by the broker itself (transaction
    /// markers, group and transaction coordinator records): control batches are allowed and
    /// the client-only checks are skipped.
    ///
    /// # Errors
    ///
    /// As [`Log::append_as_leader`], without the client checks.
    pub fn append_as_coordinator(
        &mut self,
        records: Bytes,
        leader_epoch: i32,
        now_ms: i64,
    ) -> Result<AppendInfo> {
        self.append_leader(records, leader_epoch, Origin::Coordinator, now_ms)
    }

    fn append_leader(
        &mut self,
        records: Bytes,
        leader_epoch: i32,
        origin: Origin,
        now_ms: i64,
    ) -> Result<AppendInfo> {
        let mut headers = self.frame_and_validate(&records, true)?;
        if origin == Origin::Client {
            headers.iter().try_for_each(check_client_batch)?;
            if self.config.cleanup_compact {
                check_keys_present(&records, &headers)?;
            }
        }
        if headers.is_empty() {
            return Ok(self.nothing_appended());
        }
        let validate = origin == Origin::Client;
        if validate {
            // A retry of a batch already written: answer with its offsets (Kafka checks the
            // first batch; producers send one batch per partition).
            if let Some(dup) = self.producers.find_duplicate(&headers[0]) {
                let mut info = self.nothing_appended();
                info.first_offset = dup.first_offset;
                info.last_offset = dup.last_offset;
                return Ok(info);
            }
        }
        let log_append_time =
            (self.config.timestamp_type == TimestampType::LogAppendTime).then_some(now_ms);
        // The broker sets each batch's offsets and leader epoch, which lie in its header and
        // outside the CRC: the headers are patched in copies and the records after them are
        // written from the request's own buffer, never copied in user space. LogAppendTime also
        // changes the CRC, which covers the records: those batches are copied whole.
        let valid_len = headers.iter().map(BatchHeader::size).sum();
        let mut whole = log_append_time.map(|_| BytesMut::from(&records[..valid_len]));
        let mut heads: Vec<[u8; batch::HEADER_SIZE]> = Vec::new();
        let mut next_offset = self.log_end_offset();
        let mut position = 0;
        let mut pending = PendingUpdate::default();
        for header in &mut headers {
            let size = header.size();
            let bytes: &mut [u8] = match &mut whole {
                Some(copy) => &mut copy[position..position + size],
                None => {
                    let mut head = [0u8; batch::HEADER_SIZE];
                    head.copy_from_slice(&records[position..position + batch::HEADER_SIZE]);
                    heads.push(head);
                    heads.last_mut().expect("just pushed")
                }
            };
            batch::set_base_offset(bytes, next_offset)?;
            batch::set_partition_leader_epoch(bytes, leader_epoch)?;
            if let Some(ts) = log_append_time {
                batch::set_log_append_time(bytes, ts)?;
            }
            *header = BatchHeader::parse(bytes)?;
            // The control record follows the header, untouched by the patching.
            let marker = header
                .is_control()
                .then(|| producer_state::read_marker(&records[position..position + size]))
                .flatten();
            self.producers
                .check_batch(&mut pending, header, marker, validate)?;
            next_offset = header.next_offset();
            position += size;
        }
        let mut parts: Vec<BatchParts<'_>> = Vec::with_capacity(headers.len());
        let mut position = 0;
        for (i, header) in headers.iter().enumerate() {
            let end = position + header.size();
            parts.push(match &whole {
                Some(copy) => [&copy[position..end], &[]],
                None => [&heads[i][..], &records[position + batch::HEADER_SIZE..end]],
            });
            position = end;
        }
        let lso_before = self
            .producers
            .first_unstable_offset()
            .unwrap_or_else(|| self.log_end_offset());
        self.write_batches(&parts, &headers, now_ms)?;
        if leader_epoch >= 0 {
            self.epochs.assign(leader_epoch, headers[0].base_offset)?;
        }
        self.apply_producer_update(pending, lso_before)?;
        Ok(self.append_info(&headers, log_append_time.unwrap_or(-1)))
    }

    /// Applies the producer state changes of a written append: aborted transactions go to the
    /// `.txnindex`, and a snapshot asked for by a roll is written now.
    fn apply_producer_update(&mut self, pending: PendingUpdate, lso_before: i64) -> Result<()> {
        if !pending.is_empty() {
            for t in self.producers.apply(pending, lso_before) {
                self.write_aborted(&t)?;
            }
        }
        if let Some(offset) = self.snapshot_due.take() {
            self.write_producer_snapshot(offset)?;
        }
        Ok(())
    }

    /// Appends batches fetched from the leader, keeping their offsets and epochs. A truncated
    /// trailing batch (fetch responses may end with one) is dropped.
    ///
    /// # Errors
    ///
    /// [`LogError::CorruptMessage`], [`LogError::RecordListTooLarge`],
    /// [`LogError::OffsetsOutOfOrder`] when batches are not in increasing offset order,
    /// [`LogError::UnexpectedAppendOffset`] when the first offset is below the log end,
    /// [`LogError::Io`].
    pub fn append_as_follower(&mut self, records: Bytes, now_ms: i64) -> Result<AppendInfo> {
        let headers = self.frame_and_validate(&records, false)?;
        let (Some(first), Some(last)) = (headers.first(), headers.last()) else {
            return Ok(self.nothing_appended());
        };
        if let Some(w) = headers
            .windows(2)
            .find(|w| w[1].base_offset <= w[0].last_offset())
        {
            return Err(LogError::OffsetsOutOfOrder {
                offset: w[1].base_offset,
                previous: w[0].last_offset(),
            });
        }
        let log_end_offset = self.log_end_offset();
        if first.base_offset < log_end_offset {
            return Err(LogError::UnexpectedAppendOffset {
                first_offset: first.base_offset,
                last_offset: last.last_offset(),
                log_end_offset,
            });
        }
        // Followers build the producer state too, so a new leader has it.
        let mut pending = PendingUpdate::default();
        let mut parts: Vec<BatchParts<'_>> = Vec::with_capacity(headers.len());
        let mut position = 0;
        for header in &headers {
            let batch = &records[position..position + header.size()];
            let marker = header
                .is_control()
                .then(|| producer_state::read_marker(batch))
                .flatten();
            self.producers
                .check_batch(&mut pending, header, marker, false)?;
            parts.push([batch, &[]]);
            position += header.size();
        }
        let lso_before = self
            .producers
            .first_unstable_offset()
            .unwrap_or_else(|| self.log_end_offset());
        self.write_batches(&parts, &headers, now_ms)?;
        for header in &headers {
            if header.partition_leader_epoch >= 0 {
                self.epochs
                    .assign(header.partition_leader_epoch, header.base_offset)?;
            }
        }
        self.apply_producer_update(pending, lso_before)?;
        Ok(self.append_info(&headers, -1))
    }

    /// Frames and checks every batch; returns the headers of the complete ones.
    fn frame_and_validate(&self, records: &[u8], check_max_size: bool) -> Result<Vec<BatchHeader>> {
        let max_message = usize::try_from(self.config.max_message_bytes).unwrap_or(0);
        let max_segment = max_segment_bytes(&self.config) as usize;
        let mut headers = Vec::new();
        for item in batch::batches(records) {
            let (header, range) = item?;
            if check_max_size && header.size() > max_message {
                return Err(LogError::RecordTooLarge {
                    size: header.size(),
                    max: max_message,
                });
            }
            if header.size() > max_segment && !self.config.oversized_batches_in_own_segment {
                return Err(LogError::RecordListTooLarge {
                    size: header.size(),
                    max: max_segment,
                });
            }
            batch::validate(&records[range])?;
            headers.push(header);
        }
        Ok(headers)
    }

    /// Writes validated batches, rolling first when the active segment cannot take them. The
    /// batches go in as few writes as possible: one per segment they land in.
    fn write_batches(
        &mut self,
        batches: &[BatchParts<'_>],
        headers: &[BatchHeader],
        now_ms: i64,
    ) -> Result<()> {
        let max_segment = max_segment_bytes(&self.config);
        let mut i = 0;
        while i < headers.len() {
            let first = headers[i];
            let (mut j, mut bytes, mut max_timestamp) = (i, 0u64, -1);
            while let Some(h) = headers.get(j) {
                let fits_offsets = h.last_offset() - first.base_offset <= i64::from(i32::MAX);
                if j > i && (bytes + h.size() as u64 > max_segment || !fits_offsets) {
                    break;
                }
                bytes += h.size() as u64;
                max_timestamp = max_timestamp.max(h.max_timestamp);
                j += 1;
            }
            let check = RollCheck {
                bytes,
                max_timestamp,
                last_offset: headers[j - 1].last_offset(),
                now_ms,
            };
            let config = self.config.clone();
            if self.active_mut().should_roll(&check, &config)? {
                let base = first.base_offset.max(self.log_end_offset());
                self.roll_to(base, now_ms)?;
            }
            let seq = self.next_seq();
            let parts: Vec<&[u8]> = batches[i..j].iter().flatten().copied().collect();
            self.active_mut()
                .append_parts(&parts, &headers[i..j], seq)?;
            i = j;
        }
        Ok(())
    }

    fn append_info(&self, headers: &[BatchHeader], log_append_time: i64) -> AppendInfo {
        let mut info = self.nothing_appended();
        info.log_append_time = log_append_time;
        for h in headers {
            if info.first_offset < 0 {
                info.first_offset = h.base_offset;
            }
            info.last_offset = h.last_offset();
            if h.max_timestamp > info.max_timestamp {
                info.max_timestamp = h.max_timestamp;
                info.offset_of_max_timestamp = h.last_offset();
            }
            info.record_count += i64::from(h.record_count);
            info.batch_count += 1;
            info.bytes += h.size();
        }
        info
    }

    fn nothing_appended(&self) -> AppendInfo {
        AppendInfo {
            first_offset: -1,
            last_offset: -1,
            max_timestamp: -1,
            offset_of_max_timestamp: -1,
            log_append_time: -1,
            log_start_offset: self.log_start_offset,
            record_count: 0,
            batch_count: 0,
            bytes: 0,
        }
    }

    /// Seals the active segment and starts a new one at the log end (a no-op on an empty
    /// active segment).
    ///
    /// # Errors
    ///
    /// [`LogError::Io`].
    pub fn roll(&mut self, now_ms: i64) -> Result<()> {
        self.roll_to(self.log_end_offset(), now_ms)
    }

    fn roll_to(&mut self, base_offset: i64, now_ms: i64) -> Result<()> {
        let seq = self.next_seq();
        let active = self.active_mut();
        if active.size() == 0 {
            if active.base_offset() == base_offset {
                return Ok(());
            }
            // An empty active segment would only become an empty sealed one: replace it. The
            // new one is created first so that the log always has an active segment.
            let old = active.base_offset();
            self.add_segment(base_offset, now_ms)?;
            if let Some(mut empty) = self.segments.remove(&old) {
                remove_files(&empty.rename_to_deleted()?)?;
            }
            return Ok(());
        }
        // The sealed segment's fsync is left to the next flush (see `flush_due`), as Kafka
        // flushes a rolled segment asynchronously rather than under the log lock.
        active.seal()?;
        active.modified_seq = seq;
        self.add_segment(base_offset, now_ms)?;
        // Kafka snapshots the producer state at every roll, named by the new segment's base.
        self.snapshot_due = Some(base_offset);
        Ok(())
    }

    fn add_segment(&mut self, base_offset: i64, now_ms: i64) -> Result<()> {
        let seq = self.next_seq();
        let mut segment = Segment::create(&self.dir, base_offset, &self.config, now_ms)?;
        segment.modified_seq = seq;
        self.segments.insert(base_offset, segment);
        self.dir_modified_seq = seq;
        Ok(())
    }

    /// Reads from `fetch_offset` with Kafka's semantics: whole batches from the one holding
    /// `fetch_offset`, within one segment, at most `max_bytes` (the last batch may be cut),
    /// except that with `min_one_batch` a first batch larger than `max_bytes` is returned whole.
    /// Nothing at or past `max_offset` (exclusive bound, e.g. the high watermark) is returned.
    ///
    /// # Errors
    ///
    /// [`LogError::OffsetOutOfRange`] when `fetch_offset` is below the log start or above the
    /// log end; [`LogError::Corrupt`] / [`LogError::Io`] when the segment cannot be read.
    pub fn read(
        &self,
        fetch_offset: i64,
        max_bytes: usize,
        max_offset: i64,
        min_one_batch: bool,
    ) -> Result<ReadInfo> {
        let log_end_offset = self.log_end_offset();
        if fetch_offset < self.log_start_offset || fetch_offset > log_end_offset {
            return Err(LogError::OffsetOutOfRange {
                requested: fetch_offset,
                start: self.log_start_offset,
                end: log_end_offset,
            });
        }
        let empty = || {
            self.read_info(
                self.active().log_file().clone(),
                self.active().size(),
                0,
                false,
            )
        };
        if fetch_offset == log_end_offset || fetch_offset >= max_offset {
            return Ok(empty());
        }
        // Where `max_offset` sits: (segment base, position of the batch holding it).
        let limit = if max_offset >= log_end_offset {
            None
        } else {
            self.locate(max_offset)?
        };
        for segment in self.segments_from(fetch_offset) {
            let max_position = match limit {
                Some((base, position)) if base == segment.base_offset() => position,
                Some((base, _)) if base < segment.base_offset() => break,
                _ => segment.size(),
            };
            if let Some(read) =
                segment.read(fetch_offset, max_bytes, max_position, min_one_batch)?
            {
                let file = segment.log_file().clone();
                return Ok(self.read_info(
                    file,
                    read.position,
                    read.len,
                    read.first_batch_incomplete,
                ));
            }
        }
        // Offsets past `fetch_offset` were all removed (compaction); the log end is next.
        Ok(empty())
    }

    fn read_info(
        &self,
        file: Arc<File>,
        position: u64,
        len: usize,
        first_batch_incomplete: bool,
    ) -> ReadInfo {
        ReadInfo {
            records: FileSlice {
                file,
                position,
                len,
            },
            first_batch_incomplete,
            log_start_offset: self.log_start_offset,
            log_end_offset: self.log_end_offset(),
        }
    }

    /// The segment and position of the first batch whose last offset is at least `offset`.
    fn locate(&self, offset: i64) -> Result<Option<(i64, u64)>> {
        for segment in self.segments_from(offset) {
            if let Some((position, _)) = segment.translate_offset(offset)? {
                return Ok(Some((segment.base_offset(), position)));
            }
        }
        Ok(None)
    }

    /// Segments from the one that would hold `offset` to the end.
    fn segments_from(&self, offset: i64) -> impl Iterator<Item = &Segment> {
        let start = self
            .segments
            .range(..=offset)
            .next_back()
            .map_or(i64::MIN, |(&base, _)| base);
        self.segments.range(start..).map(|(_, segment)| segment)
    }

    /// ListOffsets by timestamp: the first record, at or after the log start, whose timestamp
    /// is at least `timestamp`. The special timestamps (-1 latest, -2 earliest, -3 max) are the
    /// caller's: use [`Log::log_end_offset`], [`Log::log_start_offset`],
    /// [`Log::max_timestamp_offset`].
    ///
    /// # Errors
    ///
    /// [`LogError::Corrupt`] / [`LogError::Io`] when a segment cannot be read or decoded.
    pub fn offset_for_timestamp(&self, timestamp: i64) -> Result<Option<TimestampOffset>> {
        for segment in self
            .segments
            .values()
            .filter(|s| s.max_timestamp() >= timestamp)
        {
            if let Some(found) =
                segment.find_offset_by_timestamp(timestamp, self.log_start_offset)?
            {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// ListOffsets -3 (MAX_TIMESTAMP): the first record with the largest timestamp in the log.
    ///
    /// # Errors
    ///
    /// [`LogError::Corrupt`] / [`LogError::Io`] when the segment cannot be read or decoded.
    pub fn max_timestamp_offset(&self) -> Result<Option<TimestampOffset>> {
        let mut best: Option<&Segment> = None;
        for segment in self.segments.values() {
            if segment.max_timestamp() >= 0
                && best.is_none_or(|b| segment.max_timestamp() > b.max_timestamp())
            {
                best = Some(segment);
            }
        }
        best.map_or(Ok(None), Segment::max_timestamp_record)
    }

    /// Retention: deletes the oldest segments that are entirely below the log start offset,
    /// and, with `cleanup.policy=delete`, those past `retention.ms` (largest timestamp older
    /// than `now_ms - retention.ms`) or beyond `retention.bytes`. Only segments wholly below
    /// `high_watermark` go. If every segment expires, the log rolls first so an empty active
    /// segment remains, as in Kafka.
    ///
    /// # Errors
    ///
    /// [`LogError::Io`] when renaming fails or the epoch checkpoint cannot be written.
    pub fn delete_old_segments(
        &mut self,
        now_ms: i64,
        high_watermark: i64,
    ) -> Result<DeletedSegments> {
        let start = self.log_start_offset;
        let mut deleted = self.delete_segments_while(high_watermark, now_ms, |_, next| {
            next.is_some_and(|n| n <= start)
        })?;
        if !self.config.cleanup_delete {
            return Ok(deleted);
        }
        let retention_ms = self.config.retention_ms;
        if retention_ms >= 0 {
            let more = self.delete_segments_while(high_watermark, now_ms, |s, _| {
                now_ms.saturating_sub(s.largest_timestamp()) > retention_ms
            })?;
            deleted = merge(deleted, more);
        }
        if self.config.retention_bytes >= 0 {
            let mut excess = self.size_bytes() as i64 - self.config.retention_bytes;
            let more = self.delete_segments_while(high_watermark, now_ms, |s, _| {
                let fits = excess - s.size() as i64 >= 0;
                if fits {
                    excess -= s.size() as i64;
                }
                fits
            })?;
            deleted = merge(deleted, more);
        }
        Ok(deleted)
    }

    /// DeleteRecords: moves the log start offset up to `offset` (never down) and deletes the
    /// segments entirely below it.
    ///
    /// # Errors
    ///
    /// [`LogError::OffsetOutOfRange`] when `offset` is negative or above `high_watermark`;
    /// [`LogError::Io`].
    pub fn delete_records_before(
        &mut self,
        offset: i64,
        high_watermark: i64,
        now_ms: i64,
    ) -> Result<DeletedSegments> {
        let high_watermark = high_watermark.min(self.log_end_offset());
        if offset < 0 || offset > high_watermark {
            return Err(LogError::OffsetOutOfRange {
                requested: offset,
                start: self.log_start_offset,
                end: high_watermark,
            });
        }
        if offset > self.log_start_offset {
            self.log_start_offset = offset;
            self.epochs.truncate_from_start(offset)?;
        }
        self.delete_segments_while(high_watermark, now_ms, |_, next| {
            next.is_some_and(|n| n <= offset)
        })
    }

    /// Deletes segments from the oldest while `doomed(segment, next segment's base)` holds and
    /// the segment ends at or below the high watermark.
    fn delete_segments_while(
        &mut self,
        high_watermark: i64,
        now_ms: i64,
        mut doomed: impl FnMut(&Segment, Option<i64>) -> bool,
    ) -> Result<DeletedSegments> {
        let bases: Vec<i64> = self.segments.keys().copied().collect();
        let mut count = 0;
        for (i, base) in bases.iter().enumerate() {
            let next = bases.get(i + 1).copied();
            let segment = &self.segments[base];
            let end = next.unwrap_or_else(|| self.log_end_offset());
            let last_and_empty = next.is_none() && segment.size() == 0;
            if last_and_empty || high_watermark < end || !doomed(segment, next) {
                break;
            }
            count += 1;
        }
        if count == 0 {
            return Ok(DeletedSegments {
                log_start_offset: self.log_start_offset,
                ..Default::default()
            });
        }
        if count == bases.len() {
            self.roll(now_ms)?;
        }
        let mut files = Vec::new();
        for base in &bases[..count] {
            if let Some(mut segment) = self.segments.remove(base) {
                files.extend(segment.rename_to_deleted()?);
            }
        }
        let first_base = self
            .segments
            .keys()
            .next()
            .copied()
            .unwrap_or(self.log_start_offset);
        if first_base > self.log_start_offset {
            self.log_start_offset = first_base;
            self.epochs.truncate_from_start(first_base)?;
        }
        self.producers.trim_aborted_before(self.log_start_offset);
        self.remove_old_snapshots()?;
        Ok(DeletedSegments {
            count,
            files,
            log_start_offset: self.log_start_offset,
        })
    }

    /// The first offset compaction has not cleaned yet (the cleaner checkpoint).
    pub fn first_dirty_offset(&self) -> i64 {
        self.first_dirty_offset.max(self.log_start_offset)
    }

    /// Restores the cleaner checkpoint read at start-up.
    pub fn set_first_dirty_offset(&mut self, offset: i64) {
        self.first_dirty_offset = offset.clamp(0, self.log_end_offset());
    }

    /// What compaction should clean now, or `None` when the log is not compacted or nothing is
    /// due (step 1 of [`super::cleaner`]). Only sealed segments wholly below `high_watermark`
    /// and older than `min.compaction.lag.ms` are cleanable; a cleaning is due when their dirty
    /// share reaches `min.cleanable.dirty.ratio`, when dirty data is older than
    /// `max.compaction.lag.ms`, or when a kept tombstone has outlived `delete.retention.ms`.
    pub fn clean_plan(&self, high_watermark: i64, now_ms: i64) -> Option<CleanPlan> {
        if !self.config.cleanup_compact {
            return None;
        }
        let lag_limit = now_ms.saturating_sub(self.config.min_compaction_lag_ms);
        let bases: Vec<i64> = self.segments.keys().copied().collect();
        let mut sources = Vec::new();
        // The active (last) segment is never cleaned.
        for pair in bases.windows(2) {
            let (base, next) = (pair[0], pair[1]);
            let segment = &self.segments[&base];
            if next > high_watermark
                || (self.config.min_compaction_lag_ms > 0
                    && segment.largest_timestamp() > lag_limit)
            {
                break;
            }
            sources.push(CleanSource {
                base,
                end: next,
                size: segment.size(),
                file: segment.log_file().clone(),
            });
        }
        let end = sources.last()?.end;
        let first_dirty = self.first_dirty_offset();
        let plan = CleanPlan {
            dir: self.dir.clone(),
            config: self.config.clone(),
            log_start_offset: self.log_start_offset,
            sources,
            first_dirty,
            now_ms,
        };
        let overdue = plan
            .sources
            .iter()
            .find(|s| s.end > first_dirty)
            .is_some_and(|s| {
                now_ms.saturating_sub(self.segments[&s.base].largest_timestamp())
                    > self.config.max_compaction_lag_ms
            });
        let dirty = first_dirty < end
            && (plan.dirty_ratio() >= self.config.min_cleanable_dirty_ratio || overdue);
        (dirty || now_ms >= self.tombstones_due_ms).then_some(plan)
    }

    /// Puts cleaned segments in place of the ones they were made from (step 3 of
    /// [`super::cleaner`]) and moves the cleaner checkpoint. When the log changed meanwhile
    /// (retention, truncation), nothing is swapped and the cleaned files are removed.
    ///
    /// # Errors
    ///
    /// [`LogError::CleaningAborted`] when the log changed; [`LogError::Io`].
    pub fn swap_cleaned(&mut self, cleaned: Cleaned, now_ms: i64) -> Result<DeletedSegments> {
        let unchanged = cleaned.groups.iter().all(|g| {
            let current: Vec<(i64, u64)> = self
                .segments
                .range(g.base..g.end)
                .map(|(&base, s)| (base, s.size()))
                .collect();
            current == g.sources && self.segments.contains_key(&g.end)
        });
        if !unchanged {
            cleaned.discard();
            return Err(LogError::CleaningAborted);
        }
        let seq = self.next_seq();
        let mut files = Vec::new();
        let mut count = 0;
        for group in &cleaned.groups {
            let name = |suffix: &str| self.dir.join(file_name(group.base, suffix));
            let cleaned_log =
                PathBuf::from(format!("{}{CLEANED_SUFFIX}", name(LOG_SUFFIX).display()));
            let swap = PathBuf::from(format!("{}{SWAP_SUFFIX}", name(LOG_SUFFIX).display()));
            fs::rename(&cleaned_log, &swap).map_err(io_err(&swap))?;
            for (base, _) in &group.sources {
                if let Some(mut old) = self.segments.remove(base) {
                    files.extend(old.rename_to_deleted()?);
                    count += 1;
                }
            }
            for suffix in [INDEX_SUFFIX, TIME_INDEX_SUFFIX] {
                let from = PathBuf::from(format!("{}{CLEANED_SUFFIX}", name(suffix).display()));
                fs::rename(&from, name(suffix)).map_err(io_err(&from))?;
            }
            fs::rename(&swap, name(LOG_SUFFIX)).map_err(io_err(&swap))?;
            let (mut segment, _) = Segment::open(&self.dir, group.base, &self.config, now_ms)?;
            segment.set_next_offset(group.end);
            self.segments.insert(group.base, segment);
        }
        self.dir_modified_seq = seq;
        self.first_dirty_offset = self.first_dirty_offset.max(cleaned.stats.next_dirty);
        self.tombstones_due_ms = cleaned.stats.tombstones_due_ms.unwrap_or(i64::MAX);
        Ok(DeletedSegments {
            count,
            files,
            log_start_offset: self.log_start_offset,
        })
    }

    /// Follower divergence: removes every batch holding offsets at or after `offset` (whole
    /// batches: the log end becomes the end of the last batch kept). Returns false when the log
    /// already ends at or before `offset`.
    ///
    /// # Errors
    ///
    /// [`LogError::OffsetOutOfRange`] for a negative offset, [`LogError::Io`].
    pub fn truncate_to(&mut self, offset: i64) -> Result<bool> {
        if offset < 0 {
            return Err(LogError::OffsetOutOfRange {
                requested: offset,
                start: self.log_start_offset,
                end: self.log_end_offset(),
            });
        }
        if offset >= self.log_end_offset() {
            return Ok(false);
        }
        if self
            .segments
            .keys()
            .next()
            .is_some_and(|&first| first > offset)
        {
            self.truncate_fully_and_start_at(offset)?;
            return Ok(true);
        }
        self.truncations += 1;
        let later: Vec<i64> = self.segments.range(offset + 1..).map(|(&b, _)| b).collect();
        for base in later {
            if let Some(mut segment) = self.segments.remove(&base) {
                remove_files(&segment.rename_to_deleted()?)?;
            }
        }
        let seq = self.next_seq();
        let now_ms = wall_clock_ms();
        self.active_mut().truncate_to(offset, seq, now_ms)?;
        let log_end_offset = self.log_end_offset();
        self.epochs.truncate_from_end(log_end_offset)?;
        self.log_start_offset = self.log_start_offset.min(log_end_offset);
        self.recovery_point = self.recovery_point.min(log_end_offset);
        self.flushed_offset = self.flushed_offset.min(log_end_offset);
        self.first_dirty_offset = self.first_dirty_offset.min(log_end_offset);
        self.producers.truncate_aborted(log_end_offset);
        let active_base = self.active().base_offset();
        self.rewrite_txn_indexes_from(active_base)?;
        self.snapshot_due = None;
        self.rebuild_producer_state()?;
        Ok(true)
    }

    /// Empties the log and restarts it at `offset` (a follower too far behind the leader's
    /// log start). Clears the leader epoch cache.
    ///
    /// # Errors
    ///
    /// [`LogError::Io`].
    pub fn truncate_fully_and_start_at(&mut self, offset: i64) -> Result<()> {
        self.truncations += 1;
        // Rename first (the new segment may reuse a name), create, and only then drop the old
        // segments: on an I/O error the log keeps working on the old ones.
        let mut files = Vec::new();
        for segment in self.segments.values_mut() {
            files.extend(segment.rename_to_deleted()?);
        }
        let seq = self.next_seq();
        let mut segment = Segment::create(&self.dir, offset, &self.config, wall_clock_ms())?;
        segment.modified_seq = seq;
        self.segments.clear();
        self.segments.insert(offset, segment);
        self.dir_modified_seq = seq;
        remove_files(&files)?;
        self.log_start_offset = offset;
        self.recovery_point = offset;
        self.flushed_offset = offset;
        self.first_dirty_offset = offset;
        self.producers = ProducerState::default();
        self.snapshot_due = None;
        for (_, path) in producer_state::list_snapshots(&self.dir)? {
            let _ = fs::remove_file(path);
        }
        self.epochs.clear()
    }

    /// Messages appended since the records were last fsynced (Kafka's `unflushedMessages`).
    pub fn unflushed_messages(&self) -> i64 {
        self.log_end_offset() - self.flushed_offset
    }

    /// When the last flush completed (or the log was opened).
    pub fn last_flush_ms(&self) -> i64 {
        self.last_flush_ms
    }

    /// Whether a background [`FlushScope::Everything`] flush is due: a rolled segment is not
    /// yet fsynced, indexes lag the records fsynced for acknowledgements, or `flush.messages` /
    /// `flush.ms` say so.
    pub fn flush_due(&self, now_ms: i64) -> bool {
        let active_base = self.active().base_offset();
        let sealed_unsynced = self
            .segments
            .values()
            .any(|s| s.base_offset() != active_base && s.modified_seq > s.synced_seq);
        let unflushed = self.unflushed_messages();
        sealed_unsynced
            || self.recovery_point < self.flushed_offset
            || (unflushed > 0 && unflushed >= self.config.flush_messages)
            || (unflushed > 0 && now_ms.saturating_sub(self.last_flush_ms) >= self.config.flush_ms)
    }

    /// What to fsync to make everything appended so far durable, in `scope`. For
    /// [`FlushScope::Everything`] writes pending index entries to the OS first. Run
    /// [`FlushTarget::sync`] without the lock, then [`Log::mark_flushed`].
    ///
    /// # Errors
    ///
    /// [`LogError::Io`] when index entries cannot be written or files opened.
    pub fn flush_target(&mut self, scope: FlushScope) -> Result<FlushTarget> {
        let mut files = Vec::new();
        let mut segments = Vec::new();
        for segment in self.segments.values_mut() {
            match scope {
                FlushScope::Everything if segment.modified_seq > segment.synced_seq => {
                    files.extend(segment.sync_handles()?);
                }
                FlushScope::Records if segment.modified_seq > segment.records_synced_seq => {
                    files.push(segment.log_handle());
                }
                _ => continue,
            }
            segments.push(segment.base_offset());
        }
        let dir = if self.dir_modified_seq > self.dir_synced_seq {
            Some(Arc::new(File::open(&self.dir).map_err(io_err(&self.dir))?))
        } else {
            None
        };
        Ok(FlushTarget {
            files,
            dir,
            up_to_offset: self.log_end_offset(),
            epochs: match scope {
                FlushScope::Everything => self.epochs.unpersisted(),
                FlushScope::Records => None,
            },
            seq: self.write_seq,
            truncations: self.truncations,
            segments,
            scope,
        })
    }

    /// Records that `target` was fsynced: the flushed offset (and for
    /// [`FlushScope::Everything`] the recovery point) moves up to its offset, never down.
    /// Ignored if the log was truncated since the target was taken.
    pub fn mark_flushed(&mut self, target: &FlushTarget, now_ms: i64) {
        if target.truncations != self.truncations {
            return;
        }
        let everything = target.scope == FlushScope::Everything;
        for base in &target.segments {
            if let Some(segment) = self.segments.get_mut(base) {
                segment.records_synced_seq = segment.records_synced_seq.max(target.seq);
                if everything {
                    segment.synced_seq = segment.synced_seq.max(target.seq);
                }
            }
        }
        if target.dir.is_some() {
            self.dir_synced_seq = self.dir_synced_seq.max(target.seq);
        }
        let up_to = target.up_to_offset.min(self.log_end_offset());
        self.flushed_offset = self.flushed_offset.max(up_to);
        if everything {
            self.recovery_point = self.recovery_point.max(up_to);
        }
        self.last_flush_ms = now_ms;
    }

    /// Flushes everything under the caller's lock (shutdown, tests).
    ///
    /// # Errors
    ///
    /// [`LogError::Io`].
    pub fn flush_all(&mut self, now_ms: i64) -> Result<()> {
        let target = self.flush_target(FlushScope::Everything)?;
        target.sync().map_err(io_err(&self.dir))?;
        self.mark_flushed(&target, now_ms);
        Ok(())
    }

    /// Clean shutdown: writes the active segment's final time index entry and pending index
    /// entries, then fsyncs everything. The recovery point ends at the log end.
    ///
    /// # Errors
    ///
    /// [`LogError::Io`].
    pub fn close(&mut self, now_ms: i64) -> Result<()> {
        let seq = self.next_seq();
        let active = self.active_mut();
        active.seal()?;
        active.modified_seq = seq;
        self.flush_all(now_ms)?;
        // As Kafka at clean shutdown: the next start loads this and replays nothing.
        self.write_producer_snapshot(self.log_end_offset())?;
        sync_dir(&self.dir)
    }

    fn next_seq(&mut self) -> u64 {
        self.write_seq += 1;
        self.write_seq
    }

    fn active(&self) -> &Segment {
        self.segments
            .values()
            .next_back()
            .expect("a log always has an active segment")
    }

    fn active_mut(&mut self) -> &mut Segment {
        self.segments
            .values_mut()
            .next_back()
            .expect("a log always has an active segment")
    }
}

/// Kafka's checks on batches produced by clients (LogValidator).
fn check_client_batch(header: &BatchHeader) -> Result<()> {
    let invalid = |msg: String| Err(LogError::InvalidRecord(msg));
    if header.base_offset != 0 {
        return invalid(format!(
            "batch base offset must be 0, not {}",
            header.base_offset
        ));
    }
    if header.record_count <= 0 {
        return invalid(format!("invalid record count {}", header.record_count));
    }
    if i64::from(header.last_offset_delta) + 1 != i64::from(header.record_count) {
        return invalid(format!(
            "last offset delta {} does not match record count {}",
            header.last_offset_delta, header.record_count
        ));
    }
    if header.is_control() {
        return invalid("clients may not write control batches".into());
    }
    if header.has_producer_id() && header.base_sequence < 0 {
        return invalid(format!(
            "invalid sequence number {} for producer {}",
            header.base_sequence, header.producer_id
        ));
    }
    Ok(())
}

/// A compacted topic keeps the latest record per key, so every record needs one (Kafka's
/// LogValidator rejects the whole request the same way).
fn check_keys_present(records: &[u8], headers: &[BatchHeader]) -> Result<()> {
    let mut position = 0;
    for header in headers {
        let bytes = &records[position..position + header.size()];
        position += header.size();
        let decoded = decode_records(bytes).map_err(LogError::InvalidRecord)?;
        if decoded.records.iter().any(|r| r.key.is_none()) {
            return Err(LogError::InvalidRecord(
                "Compacted topic cannot accept message without key".into(),
            ));
        }
    }
    Ok(())
}

fn merge(mut a: DeletedSegments, b: DeletedSegments) -> DeletedSegments {
    a.count += b.count;
    a.files.extend(b.files);
    a.log_start_offset = b.log_start_offset;
    a
}

fn wall_clock_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::log::segment::{file_name, INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX};
    use crate::protocol::batch::test_batches::{batch, encode, record};
    use kafka_protocol::records::{Compression, RecordBatchDecoder};
    use std::os::unix::fs::FileExt;

    const NOW: i64 = 1_700_000_000_000;

    fn small() -> LogConfig {
        LogConfig {
            segment_bytes: 2_000,
            index_interval_bytes: 200,
            ..LogConfig::default()
        }
    }

    /// Appends `n` producer batches of 3 records with timestamps `ts0 + offset`.
    fn append_n(log: &mut Log, n: usize, ts0: i64) -> Vec<AppendInfo> {
        (0..n)
            .map(|_| {
                let ts = ts0 + log.log_end_offset();
                log.append_as_leader(batch(3, ts, 30), 0, NOW).unwrap()
            })
            .collect()
    }

    fn headers(bytes: &[u8]) -> Vec<BatchHeader> {
        batch::batches(bytes).map(|b| b.unwrap().0).collect()
    }

    /// Reads the whole log from the start, one segment-bounded read at a time.
    fn read_all(log: &Log) -> Vec<BatchHeader> {
        let mut out = Vec::new();
        let mut offset = log.log_start_offset();
        while offset < log.log_end_offset() {
            let read = log.read(offset, 1 << 20, i64::MAX, true).unwrap();
            let bytes = read.records.read_bytes().unwrap();
            let found = headers(&bytes);
            assert!(!found.is_empty(), "no progress at {offset}");
            offset = found.last().unwrap().next_offset();
            out.extend(found);
        }
        out
    }

    fn assert_contiguous(batches: &[BatchHeader], from: i64, to: i64) {
        let mut next = from;
        for h in batches {
            assert_eq!(h.base_offset, next);
            next = h.next_offset();
        }
        assert_eq!(next, to);
    }

    fn reopen(log: Log, clean: bool) -> Log {
        let (dir, config, rp, start) = (
            log.dir().to_path_buf(),
            log.config().clone(),
            log.recovery_point(),
            log.log_start_offset(),
        );
        drop(log);
        Log::open(&dir, config, rp, start, clean).unwrap()
    }

    fn segment_file(log: &Log, base: i64, suffix: &str) -> PathBuf {
        log.dir().join(file_name(base, suffix))
    }

    #[test]
    fn log_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Log>();
        check::<ReadInfo>();
        check::<FlushTarget>();
    }

    #[test]
    fn append_assigns_offsets_and_reads_back_across_rolls() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(&dir.path().join("t-0"), small()).unwrap();
        let infos = append_n(&mut log, 100, NOW);
        assert_eq!((infos[0].first_offset, infos[0].last_offset), (0, 2));
        assert_eq!((infos[99].first_offset, infos[99].last_offset), (297, 299));
        assert_eq!(infos[5].record_count, 3);
        assert_eq!(infos[5].log_append_time, -1);
        assert_eq!(infos[5].max_timestamp, NOW + 15 + 2);
        assert_eq!(log.log_end_offset(), 300);
        assert!(log.segment_count() > 5, "{} segments", log.segment_count());
        for base in log.segment_base_offsets() {
            let size = fs::metadata(segment_file(&log, base, LOG_SUFFIX))
                .unwrap()
                .len();
            assert!(size <= 2_000);
            assert!(segment_file(&log, base, INDEX_SUFFIX).exists());
            assert!(segment_file(&log, base, TIME_INDEX_SUFFIX).exists());
        }
        let all = read_all(&log);
        assert_contiguous(&all, 0, 300);
        assert!(all.iter().all(|h| h.partition_leader_epoch == 0));

        // Every offset finds the batch holding it, through the index and the header scan.
        for offset in 0..300 {
            let read = log.read(offset, 1, i64::MAX, true).unwrap();
            let bytes = read.records.read_bytes().unwrap();
            let first = headers(&bytes)[0];
            assert!(
                first.base_offset <= offset && offset <= first.last_offset(),
                "offset {offset}"
            );
            assert_eq!(
                bytes.len(),
                first.size(),
                "min_one_batch returns exactly the first batch"
            );
            batch::validate(&bytes).unwrap();
        }
    }

    #[test]
    fn reads_honour_max_bytes_min_one_batch_and_max_offset() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), LogConfig::default()).unwrap();
        append_n(&mut log, 10, NOW);
        let size = batch(3, NOW, 30).len();

        let read = log.read(3, size * 2 + 10, i64::MAX, false).unwrap();
        assert_eq!(
            read.records.len,
            size * 2 + 10,
            "a partial trailing batch is allowed"
        );
        assert_eq!(headers(&read.records.read_bytes().unwrap()).len(), 2);
        assert!(!read.first_batch_incomplete);

        let read = log.read(3, 10, i64::MAX, false).unwrap();
        assert_eq!(read.records.len, 10);
        assert!(read.first_batch_incomplete);

        let read = log.read(3, 10, i64::MAX, true).unwrap();
        assert_eq!(
            read.records.len, size,
            "min_one_batch: the whole first batch"
        );

        let read = log.read(0, 1 << 20, 9, true).unwrap();
        assert_eq!(
            read.records.len,
            3 * size,
            "stops before the batch holding offset 9"
        );
        let read = log.read(0, 1 << 20, 8, true).unwrap();
        assert_eq!(
            read.records.len,
            2 * size,
            "a batch straddling max_offset is excluded"
        );
        assert!(log.read(9, 1 << 20, 9, true).unwrap().records.is_empty());
        assert!(log.read(12, 1 << 20, 9, true).unwrap().records.is_empty());

        let at_end = log.read(30, 100, i64::MAX, true).unwrap();
        assert!(at_end.records.is_empty());
        assert_eq!(at_end.log_end_offset, 30);
        assert!(matches!(
            log.read(31, 100, i64::MAX, true),
            Err(LogError::OffsetOutOfRange { requested: 31, .. })
        ));
        assert!(matches!(
            log.read(-1, 100, i64::MAX, true),
            Err(LogError::OffsetOutOfRange { .. })
        ));
    }

    #[test]
    fn max_offset_in_a_later_segment_does_not_limit_an_earlier_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), small()).unwrap();
        append_n(&mut log, 60, NOW);
        let bases = log.segment_base_offsets();
        let read = log.read(0, 1 << 20, bases[2] + 1, true).unwrap();
        assert_eq!(
            read.records.len as u64,
            fs::metadata(segment_file(&log, 0, LOG_SUFFIX))
                .unwrap()
                .len()
        );
        let read = log.read(bases[2], 1 << 20, bases[2] + 1, true).unwrap();
        assert!(
            read.records.is_empty(),
            "the batch holding max_offset is excluded"
        );
    }

    #[test]
    fn invalid_appends_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(
            dir.path(),
            LogConfig {
                max_message_bytes: 500,
                ..LogConfig::default()
            },
        )
        .unwrap();
        append_n(&mut log, 1, NOW);
        let good = batch(2, NOW, 10);
        let mut corrupt = good.to_vec();
        *corrupt.last_mut().unwrap() ^= 1;
        let mut two = good.to_vec();
        two.extend_from_slice(&corrupt);
        let err = log.append_as_leader(Bytes::from(two), 0, NOW).unwrap_err();
        assert!(
            matches!(
                err,
                LogError::CorruptMessage(batch::BatchError::CorruptCrc { .. })
            ),
            "{err}"
        );
        assert_eq!(
            err.response_error(),
            kafka_protocol::ResponseError::CorruptMessage
        );

        let err = log
            .append_as_leader(batch(2, NOW, 600), 0, NOW)
            .unwrap_err();
        assert!(
            matches!(err, LogError::RecordTooLarge { max: 500, .. }),
            "{err}"
        );
        assert_eq!(
            err.response_error(),
            kafka_protocol::ResponseError::MessageTooLarge
        );

        let mut offset = good.to_vec();
        batch::set_base_offset(&mut offset, 5).unwrap();
        let err = log
            .append_as_leader(Bytes::from(offset), 0, NOW)
            .unwrap_err();
        assert!(matches!(err, LogError::InvalidRecord(_)), "{err}");

        let mut control = record(0, NOW, b"marker");
        control.control = true;
        let control = encode(&[control], Compression::None);
        assert!(matches!(
            log.append_as_leader(control.clone(), 0, NOW),
            Err(LogError::InvalidRecord(_))
        ));
        assert_eq!(log.log_end_offset(), 3, "nothing was written");
        assert_eq!(
            log.append_as_coordinator(control, 0, NOW)
                .unwrap()
                .first_offset,
            3
        );

        let empty = log.append_as_leader(Bytes::new(), 0, NOW).unwrap();
        assert_eq!((empty.first_offset, empty.record_count), (-1, 0));
        let mut partial = good.to_vec();
        partial.extend_from_slice(&good[..20]);
        let info = log.append_as_leader(Bytes::from(partial), 0, NOW).unwrap();
        assert_eq!(
            (info.first_offset, info.last_offset, info.bytes),
            (4, 5, good.len())
        );
        assert_contiguous(&read_all(&log), 0, 6);
    }

    /// A batch larger than segment.bytes is refused, except by a log that gives it a segment of
    /// its own (the metadata log, which must write every committed entry).
    #[test]
    fn a_batch_over_segment_bytes_is_refused_or_gets_its_own_segment() {
        let big = || batch(3, NOW, 1_000);
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), small()).unwrap();
        let err = log.append_as_leader(big(), 0, NOW).unwrap_err();
        assert!(matches!(err, LogError::RecordListTooLarge { .. }), "{err}");
        assert_eq!(log.log_end_offset(), 0);

        let dir = tempfile::tempdir().unwrap();
        let config = LogConfig {
            oversized_batches_in_own_segment: true,
            ..small()
        };
        let mut log = Log::create(dir.path(), config).unwrap();
        append_n(&mut log, 1, NOW);
        log.append_as_leader(big(), 0, NOW).unwrap();
        append_n(&mut log, 1, NOW);
        assert_eq!(log.segment_count(), 3, "the big batch sits alone");
        assert_contiguous(&read_all(&log), 0, 9);
    }

    #[test]
    fn several_batches_per_append_and_splitting_across_segments() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), small()).unwrap();
        let mut many = Vec::new();
        for i in 0..30 {
            many.extend_from_slice(&batch(1 + i % 3, NOW + i as i64, 40));
        }
        let bytes = many.len();
        let info = log.append_as_leader(Bytes::from(many), 4, NOW).unwrap();
        assert_eq!(info.batch_count, 30);
        assert_eq!(info.bytes, bytes);
        assert_eq!(info.first_offset, 0);
        assert_eq!(info.last_offset, log.log_end_offset() - 1);
        assert!(
            log.segment_count() > 1,
            "a set larger than segment.bytes spans segments"
        );
        assert_contiguous(&read_all(&log), 0, log.log_end_offset());
        assert!(read_all(&log).iter().all(|h| h.partition_leader_epoch == 4));
    }

    #[test]
    fn log_append_time_overwrites_max_timestamp() {
        let dir = tempfile::tempdir().unwrap();
        let config = LogConfig {
            timestamp_type: TimestampType::LogAppendTime,
            ..LogConfig::default()
        };
        let mut log = Log::create(dir.path(), config).unwrap();
        let info = log.append_as_leader(batch(3, 5, 10), 0, NOW).unwrap();
        assert_eq!((info.log_append_time, info.max_timestamp), (NOW, NOW));
        let bytes = log
            .read(0, 1000, i64::MAX, true)
            .unwrap()
            .records
            .read_bytes()
            .unwrap();
        let header = batch::validate(&bytes).unwrap();
        assert_eq!(header.max_timestamp, NOW);
        assert_eq!(header.timestamp_type(), batch::TimestampType::LogAppendTime);
        assert_eq!(
            log.offset_for_timestamp(NOW)
                .unwrap()
                .map(|t| (t.offset, t.timestamp)),
            Some((0, NOW))
        );
    }

    #[test]
    fn leader_epochs_are_recorded_truncated_and_persisted() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), LogConfig::default()).unwrap();
        log.append_as_leader(batch(2, NOW, 1), 0, NOW).unwrap();
        log.append_as_leader(batch(2, NOW, 1), 0, NOW).unwrap();
        log.append_as_leader(batch(2, NOW, 1), 3, NOW).unwrap();
        log.append_as_leader(batch(2, NOW, 1), 5, NOW).unwrap();
        let epochs: Vec<_> = log
            .leader_epochs()
            .iter()
            .map(|e| (e.epoch, e.start_offset))
            .collect();
        assert_eq!(epochs, vec![(0, 0), (3, 4), (5, 6)]);
        assert_eq!(log.end_offset_for_epoch(5), (5, 8));
        assert_eq!(log.end_offset_for_epoch(3), (3, 6));
        assert_eq!(log.end_offset_for_epoch(4), (3, 6));
        let path = dir.path().join("leader-epoch-checkpoint");
        assert!(!path.exists(), "written by the flush, not the append");
        log.flush_all(NOW).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text, "0\n3\n0 0\n3 4\n5 6\n");

        assert!(log.truncate_to(5).unwrap());
        assert_eq!(
            log.log_end_offset(),
            4,
            "the batch 4..5 held offset 5 and is gone whole"
        );
        assert_eq!(log.latest_epoch(), Some(0));
        let log = reopen(log, true);
        assert_eq!(
            log.leader_epochs(),
            &[EpochEntry {
                epoch: 0,
                start_offset: 0
            }]
        );
    }

    #[test]
    fn epochs_past_the_recovery_point_are_recovered_after_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), LogConfig::default()).unwrap();
        log.append_as_leader(batch(2, NOW, 1), 0, NOW).unwrap();
        log.append_as_leader(batch(2, NOW, 1), 1, NOW).unwrap();
        log.flush_all(NOW).unwrap();
        log.append_as_leader(batch(2, NOW, 1), 4, NOW).unwrap();
        // Killed: the file lacks epoch 4, which starts past the recovery point.
        let log = reopen(log, false);
        let epochs: Vec<_> = log
            .leader_epochs()
            .iter()
            .map(|e| (e.epoch, e.start_offset))
            .collect();
        assert_eq!(epochs, vec![(0, 0), (1, 2), (4, 4)]);
        // A flush taken before a truncation does not bring the removed epoch back.
        let mut log = log;
        let target = log.flush_target(FlushScope::Everything).unwrap();
        log.truncate_to(4).unwrap();
        target.sync().unwrap();
        log.mark_flushed(&target, NOW);
        let log = reopen(log, true);
        assert_eq!(log.latest_epoch(), Some(1));
    }

    #[test]
    fn truncation_and_follower_appends() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), small()).unwrap();
        append_n(&mut log, 40, NOW);
        let segments = log.segment_count();
        assert!(
            !log.truncate_to(120).unwrap(),
            "at the log end: nothing to do"
        );
        assert!(log.truncate_to(31).unwrap());
        assert_eq!(log.log_end_offset(), 30);
        assert!(log.segment_count() < segments);
        assert_contiguous(&read_all(&log), 0, 30);

        // The follower path keeps the leader's offsets and epochs.
        let mut fetched = batch(3, NOW, 30).to_vec();
        batch::set_base_offset(&mut fetched, 30).unwrap();
        batch::set_partition_leader_epoch(&mut fetched, 7).unwrap();
        let info = log
            .append_as_follower(Bytes::from(fetched.clone()), NOW)
            .unwrap();
        assert_eq!((info.first_offset, info.last_offset), (30, 32));
        assert_eq!(log.latest_epoch(), Some(7));
        let err = log
            .append_as_follower(Bytes::from(fetched.clone()), NOW)
            .unwrap_err();
        assert!(matches!(
            err,
            LogError::UnexpectedAppendOffset {
                first_offset: 30,
                log_end_offset: 33,
                ..
            }
        ));
        let mut gap = fetched.clone();
        batch::set_base_offset(&mut gap, 100).unwrap();
        let mut out_of_order = gap.clone();
        out_of_order.extend_from_slice(&gap);
        assert!(matches!(
            log.append_as_follower(Bytes::from(out_of_order), NOW),
            Err(LogError::OffsetsOutOfOrder { .. })
        ));
        log.append_as_follower(Bytes::from(gap), NOW).unwrap();
        assert_eq!(
            log.log_end_offset(),
            103,
            "followers may skip offsets (compacted leader)"
        );
        let read = log.read(50, 1000, i64::MAX, true).unwrap();
        assert_eq!(
            headers(&read.records.read_bytes().unwrap())[0].base_offset,
            100
        );

        log.truncate_fully_and_start_at(500).unwrap();
        assert_eq!(
            (
                log.log_start_offset(),
                log.log_end_offset(),
                log.segment_count()
            ),
            (500, 500, 1)
        );
        assert!(log.leader_epochs().is_empty());
        assert_eq!(log.segment_base_offsets(), vec![500]);
        let remaining: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            remaining.len(),
            4,
            "one segment's three files and the epoch checkpoint: {remaining:?}"
        );
        assert_eq!(
            log.append_as_leader(batch(1, NOW, 1), 8, NOW)
                .unwrap()
                .first_offset,
            500
        );
    }

    #[test]
    fn truncate_into_a_sealed_segment_reactivates_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), small()).unwrap();
        append_n(&mut log, 40, NOW);
        let bases = log.segment_base_offsets();
        let log = reopen(log, true);
        let mut log = log;
        // A boundary between segments: the kept segment must learn its exact end.
        assert!(log.truncate_to(bases[2]).unwrap());
        assert_eq!(log.log_end_offset(), bases[2]);
        append_n(&mut log, 5, NOW);
        assert_contiguous(&read_all(&log), 0, bases[2] + 15);
        let log = reopen(log, false);
        assert_contiguous(&read_all(&log), 0, bases[2] + 15);
    }

    #[test]
    fn clean_reopen_reads_only_the_tail_headers() {
        let dir = tempfile::tempdir().unwrap();
        let config = LogConfig {
            index_interval_bytes: 1_000,
            ..LogConfig::default()
        };
        let mut log = Log::create(dir.path(), config).unwrap();
        append_n(&mut log, 2_000, NOW);
        log.close(NOW).unwrap();
        assert_eq!(log.recovery_point(), 6_000);
        let log = reopen(log, true);
        let report = log.recovery_report();
        assert_eq!(report.batches_validated, 0, "{report:?}");
        assert_eq!(report.segments_recovered, 0);
        assert!(
            report.headers_scanned <= 12,
            "only past the last index entry: {report:?}"
        );
        assert_eq!(log.log_end_offset(), 6_000);
        assert_eq!(log.recovery_point(), 6_000);
        assert_contiguous(&read_all(&log), 0, 6_000);
        assert_eq!(
            log.max_timestamp_offset().unwrap().map(|t| t.offset),
            Some(5_999)
        );
    }

    #[test]
    fn crash_recovery_scans_only_past_the_recovery_point() {
        let dir = tempfile::tempdir().unwrap();
        let config = LogConfig {
            index_interval_bytes: 1_000,
            ..LogConfig::default()
        };
        let mut log = Log::create(dir.path(), config).unwrap();
        append_n(&mut log, 2_000, NOW);
        log.flush_all(NOW).unwrap();
        assert_eq!(log.recovery_point(), 6_000);
        append_n(&mut log, 20, NOW);
        let log = reopen(log, false); // no close: a crash
        let report = log.recovery_report().clone();
        assert_eq!(report.segments_recovered, 1);
        assert!(
            report.batches_validated >= 20 && report.batches_validated <= 35,
            "{report:?}"
        );
        assert_eq!(report.bytes_truncated, 0);
        assert_eq!(log.log_end_offset(), 6_060);
        assert_eq!(
            log.recovery_point(),
            6_000,
            "recovered data is not yet fsynced"
        );
        assert_contiguous(&read_all(&log), 0, 6_060);
    }

    /// Writes 30 batches over several segments, "crashes" (no close), lets `damage` edit the
    /// files, and reopens after a crash with recovery point 0.
    fn crash_and_reopen(damage: impl FnOnce(&Path, &[i64])) -> (Log, tempfile::TempDir, Vec<i64>) {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), small()).unwrap();
        append_n(&mut log, 30, NOW);
        log.flush_all(NOW).unwrap();
        let bases = log.segment_base_offsets();
        drop(log);
        damage(dir.path(), &bases);
        let log = Log::open(dir.path(), small(), 0, 0, false).unwrap();
        (log, dir, bases)
    }

    fn last_log(dir: &Path, bases: &[i64]) -> PathBuf {
        dir.join(file_name(*bases.last().unwrap(), LOG_SUFFIX))
    }

    #[test]
    fn recovery_truncates_a_torn_batch() {
        let (log, dir, bases) = crash_and_reopen(|dir, bases| {
            let path = last_log(dir, bases);
            let len = fs::metadata(&path).unwrap().len();
            File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_len(len - 7)
                .unwrap();
        });
        assert_eq!(
            log.log_end_offset(),
            87,
            "the torn last batch 87..89 is dropped"
        );
        assert_eq!(log.recovery_report().segments_recovered, bases.len());
        assert!(log.recovery_report().bytes_truncated > 0);
        let size = fs::metadata(last_log(dir.path(), &bases)).unwrap().len();
        assert_eq!(
            size % batch(3, NOW, 30).len() as u64,
            0,
            "file cut at a batch boundary"
        );
        assert_contiguous(&read_all(&log), 0, 87);
    }

    #[test]
    fn recovery_drops_appended_garbage() {
        let (log, _dir, _) = crash_and_reopen(|dir, bases| {
            let path = last_log(dir, bases);
            let len = fs::metadata(&path).unwrap().len();
            let file = File::options().write(true).open(&path).unwrap();
            file.write_all_at(&[0u8; 4096], len).unwrap(); // a zero-filled tail, as after a crash
            file.write_all_at(b"garbage!", len + 4096).unwrap();
        });
        assert_eq!(log.log_end_offset(), 90);
        assert_eq!(log.recovery_report().bytes_truncated, 4096 + 8);
        let mut log = log;
        append_n(&mut log, 1, NOW);
        assert_contiguous(&read_all(&log), 0, 93);
    }

    #[test]
    fn recovery_drops_a_batch_with_a_bad_crc() {
        let (log, _dir, _) = crash_and_reopen(|dir, bases| {
            let path = last_log(dir, bases);
            let len = fs::metadata(&path).unwrap().len();
            let file = File::options().read(true).write(true).open(&path).unwrap();
            let mut byte = [0u8];
            file.read_exact_at(&mut byte, len - 3).unwrap();
            file.write_all_at(&[byte[0] ^ 0xff], len - 3).unwrap();
        });
        assert_eq!(log.log_end_offset(), 87);
        assert_contiguous(&read_all(&log), 0, 87);
    }

    #[test]
    fn corruption_in_an_early_segment_deletes_the_later_ones() {
        let (log, dir, bases) = crash_and_reopen(|dir, bases| {
            let path = dir.join(file_name(bases[1], LOG_SUFFIX));
            let file = File::options().read(true).write(true).open(&path).unwrap();
            file.write_all_at(&[0xee; 4], 200).unwrap();
        });
        assert!(log.log_end_offset() > bases[1] && log.log_end_offset() < bases[2]);
        assert_eq!(log.segment_count(), 2);
        assert_eq!(log.recovery_report().segments_deleted, bases.len() - 2);
        assert!(!dir.path().join(file_name(bases[2], LOG_SUFFIX)).exists());
        assert_contiguous(&read_all(&log), 0, log.log_end_offset());
    }

    #[test]
    fn missing_or_corrupt_indexes_are_rebuilt_identically() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), small()).unwrap();
        append_n(&mut log, 30, NOW);
        log.close(NOW).unwrap();
        let bases = log.segment_base_offsets();
        let original: Vec<_> = bases
            .iter()
            .map(|&b| {
                let index = fs::read(segment_file(&log, b, INDEX_SUFFIX)).unwrap();
                let time = fs::read(segment_file(&log, b, TIME_INDEX_SUFFIX)).unwrap();
                (index, time)
            })
            .collect();
        assert!(original.iter().any(|(i, t)| !i.is_empty() && !t.is_empty()));
        drop(log);

        fs::remove_file(dir.path().join(file_name(bases[0], INDEX_SUFFIX))).unwrap();
        fs::remove_file(dir.path().join(file_name(bases[1], TIME_INDEX_SUFFIX))).unwrap();
        fs::write(
            dir.path().join(file_name(bases[2], INDEX_SUFFIX)),
            [0xff; 13],
        )
        .unwrap();
        let mut log = Log::open(dir.path(), small(), 90, 0, true).unwrap();
        assert_eq!(log.recovery_report().segments_recovered, 3);
        assert_eq!(log.log_end_offset(), 90);
        assert_contiguous(&read_all(&log), 0, 90);
        log.close(NOW).unwrap();
        for (i, &b) in bases.iter().enumerate() {
            let index = fs::read(segment_file(&log, b, INDEX_SUFFIX)).unwrap();
            let time = fs::read(segment_file(&log, b, TIME_INDEX_SUFFIX)).unwrap();
            assert_eq!((index, time), original[i], "segment {b}");
        }
    }

    #[test]
    fn kafka_preallocated_indexes_and_leftover_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), small()).unwrap();
        append_n(&mut log, 30, NOW);
        log.close(NOW).unwrap();
        let bases = log.segment_base_offsets();
        drop(log);
        // Kafka preallocates the active segment's indexes with zeros.
        let active_index = dir
            .path()
            .join(file_name(*bases.last().unwrap(), INDEX_SUFFIX));
        let mut bytes = fs::read(&active_index).unwrap();
        let entries = bytes.len();
        bytes.resize(10 * 1024 * 8, 0);
        fs::write(&active_index, bytes).unwrap();
        for leftover in [
            "00000000000000000000.log.deleted",
            "00000000000000000003.index.cleaned",
            "00000000000000000099.timeindex.swap",
            "00000000000000000777.index",
        ] {
            fs::write(dir.path().join(leftover), b"x").unwrap();
        }
        let mut log = Log::open(dir.path(), small(), 90, 0, true).unwrap();
        assert_eq!(log.recovery_report().stray_files_removed, 4);
        assert_eq!(log.recovery_report().segments_recovered, 0);
        assert_eq!(log.log_end_offset(), 90);
        append_n(&mut log, 1, NOW);
        log.close(NOW).unwrap();
        assert!(fs::metadata(&active_index).unwrap().len() >= entries as u64);
        assert!(
            fs::metadata(&active_index).unwrap().len() < 100,
            "the padding is trimmed on write"
        );
        assert_contiguous(&read_all(&log), 0, 93);
    }

    #[test]
    fn interrupted_compaction_swap_is_completed() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), small()).unwrap();
        append_n(&mut log, 30, NOW);
        log.close(NOW).unwrap();
        let bases = log.segment_base_offsets();
        drop(log);
        // Pretend segments 0 and 1 were compacted into one swap file (here: an identical copy of
        // both) and the old files were already deleted.
        let mut merged = fs::read(dir.path().join(file_name(bases[0], LOG_SUFFIX))).unwrap();
        merged.extend(fs::read(dir.path().join(file_name(bases[1], LOG_SUFFIX))).unwrap());
        fs::write(
            dir.path()
                .join(format!("{}.swap", file_name(0, LOG_SUFFIX))),
            merged,
        )
        .unwrap();
        fs::rename(
            dir.path().join(file_name(bases[1], LOG_SUFFIX)),
            dir.path()
                .join(format!("{}.deleted", file_name(bases[1], LOG_SUFFIX))),
        )
        .unwrap();
        let log = Log::open(dir.path(), small(), 90, 0, true).unwrap();
        assert_eq!(log.recovery_report().swaps_completed, 1);
        assert_eq!(log.segment_base_offsets()[0], 0);
        assert_eq!(log.segment_base_offsets()[1], bases[2]);
        assert_contiguous(&read_all(&log), 0, 90);
    }

    #[test]
    fn offset_for_timestamp_finds_the_first_record_at_or_after() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), small()).unwrap();
        // Batches of 3 records with timestamps 1000 + 10 * offset, compressed every other time.
        for i in 0..40i64 {
            let records: Vec<_> = (0..3)
                .map(|r| record(r, 1_000 + 10 * (3 * i + r), b"v"))
                .collect();
            let compression = if i % 2 == 0 {
                Compression::Gzip
            } else {
                Compression::Lz4
            };
            log.append_as_leader(encode(&records, compression), 0, NOW)
                .unwrap();
        }
        assert!(log.segment_count() > 1);
        let find = |ts| {
            log.offset_for_timestamp(ts)
                .unwrap()
                .map(|t| (t.offset, t.timestamp, t.leader_epoch))
        };
        assert_eq!(find(0), Some((0, 1_000, Some(0))));
        assert_eq!(find(1_000), Some((0, 1_000, Some(0))));
        assert_eq!(find(1_001), Some((1, 1_010, Some(0))));
        for offset in 0..120 {
            let ts = 1_000 + 10 * offset;
            assert_eq!(
                find(ts - 5).map(|f| f.0),
                Some(offset.max(0)),
                "ts {}",
                ts - 5
            );
            assert_eq!(find(ts).map(|f| f.0), Some(offset));
        }
        assert_eq!(find(1_000 + 10 * 120), None);
        let max = log.max_timestamp_offset().unwrap().unwrap();
        assert_eq!((max.offset, max.timestamp), (119, 2_190));

        // Timestamps out of order inside a batch: the first record reaching the target wins.
        let records = vec![
            record(0, 5_000, b"a"),
            record(1, 9_000, b"b"),
            record(2, 7_000, b"c"),
        ];
        let mut log = log;
        log.append_as_leader(encode(&records, Compression::Zstd), 0, NOW)
            .unwrap();
        let find = |ts| {
            log.offset_for_timestamp(ts)
                .unwrap()
                .map(|t| (t.offset, t.timestamp, t.leader_epoch))
        };
        assert_eq!(find(6_000).map(|f| f.0), Some(121));
        assert_eq!(find(8_000).map(|f| f.0), Some(121));
        assert_eq!(
            log.max_timestamp_offset().unwrap().map(|t| t.offset),
            Some(121)
        );
        let log = reopen(log, true);
        assert_eq!(
            log.max_timestamp_offset().unwrap().map(|t| t.offset),
            Some(121)
        );
        assert_eq!(
            log.offset_for_timestamp(1_500).unwrap().map(|t| t.offset),
            Some(50)
        );
    }

    #[test]
    fn retention_by_time() {
        let dir = tempfile::tempdir().unwrap();
        let config = LogConfig {
            retention_ms: 1_000,
            ..small()
        };
        let mut log = Log::create(dir.path(), config).unwrap();
        append_n(&mut log, 30, NOW - 10_000); // old records
        let old_segments = log.segment_count();
        append_n(&mut log, 30, NOW); // fresh ones
        let hw = log.log_end_offset();
        let deleted = log.delete_old_segments(NOW, hw).unwrap();
        assert_eq!(
            deleted.count,
            old_segments - 1,
            "the segment holding old and new records stays"
        );
        assert_eq!(deleted.log_start_offset, log.log_start_offset());
        assert_eq!(log.log_start_offset(), log.segment_base_offsets()[0]);
        assert!(deleted
            .files
            .iter()
            .all(|f| f.exists() && f.to_string_lossy().ends_with(".deleted")));
        assert!(matches!(
            log.read(0, 100, i64::MAX, true),
            Err(LogError::OffsetOutOfRange { .. })
        ));
        deleted.remove_files().unwrap();
        assert!(deleted.files.iter().all(|f| !f.exists()));

        // Everything expires: the log rolls and keeps an empty active segment at the end.
        let deleted = log.delete_old_segments(NOW + 100_000, hw).unwrap();
        assert!(deleted.count > 0);
        assert_eq!(log.segment_base_offsets(), vec![hw]);
        assert_eq!((log.log_start_offset(), log.log_end_offset()), (hw, hw));
        deleted.remove_files().unwrap();
        assert_eq!(
            log.append_as_leader(batch(1, NOW, 1), 0, NOW)
                .unwrap()
                .first_offset,
            hw
        );
    }

    #[test]
    fn retention_respects_the_high_watermark_and_policy() {
        let dir = tempfile::tempdir().unwrap();
        let config = LogConfig {
            retention_ms: 1_000,
            ..small()
        };
        let mut log = Log::create(dir.path(), config.clone()).unwrap();
        append_n(&mut log, 30, NOW - 10_000);
        let bases = log.segment_base_offsets();
        let deleted = log.delete_old_segments(NOW, bases[1]).unwrap();
        assert_eq!(
            deleted.count, 1,
            "only segments entirely below the high watermark"
        );
        log.set_config(LogConfig {
            cleanup_delete: false,
            cleanup_compact: true,
            ..config
        });
        assert_eq!(log.delete_old_segments(NOW, i64::MAX).unwrap().count, 0);
    }

    #[test]
    fn retention_by_size() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), small()).unwrap();
        append_n(&mut log, 60, NOW);
        let total = log.size_bytes();
        let first_size = fs::metadata(segment_file(&log, 0, LOG_SUFFIX))
            .unwrap()
            .len();
        log.set_config(LogConfig {
            retention_bytes: (total - first_size) as i64,
            ..small()
        });
        let deleted = log.delete_old_segments(NOW, i64::MAX).unwrap();
        assert_eq!(deleted.count, 1);
        assert_eq!(log.size_bytes(), total - first_size);
        log.set_config(LogConfig {
            retention_bytes: 1,
            ..small()
        });
        let deleted = log.delete_old_segments(NOW, i64::MAX).unwrap();
        assert!(
            log.segment_count() == 1 && deleted.count > 0,
            "the active segment is never deleted for size"
        );
    }

    #[test]
    fn delete_records_moves_the_start_offset() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), small()).unwrap();
        append_n(&mut log, 30, NOW);
        let bases = log.segment_base_offsets();
        let target = bases[2] + 4;
        assert!(matches!(
            log.delete_records_before(50, 40, NOW),
            Err(LogError::OffsetOutOfRange { .. })
        ));
        let deleted = log.delete_records_before(target, 90, NOW).unwrap();
        assert_eq!(deleted.count, 2);
        assert_eq!(
            (log.log_start_offset(), deleted.log_start_offset),
            (target, target)
        );
        let deleted = log.delete_records_before(3, 90, NOW).unwrap();
        assert_eq!(
            (deleted.count, log.log_start_offset()),
            (0, target),
            "never moves backwards"
        );
        assert!(log.read(target - 1, 100, i64::MAX, true).is_err());
        let read = log.read(target, 10_000, i64::MAX, true).unwrap();
        let first = headers(&read.records.read_bytes().unwrap())[0];
        assert!(first.base_offset <= target && target <= first.last_offset());
        let log = reopen(log, true);
        assert_eq!(
            log.log_start_offset(),
            target,
            "the caller checkpoints it; open honours it"
        );
    }

    #[test]
    fn flush_target_and_mark_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(
            dir.path(),
            LogConfig {
                flush_messages: 5,
                ..small()
            },
        )
        .unwrap();
        assert_eq!(log.recovery_point(), 0);
        append_n(&mut log, 1, NOW);
        assert!(!log.flush_due(NOW));
        append_n(&mut log, 1, NOW);
        assert!(
            log.flush_due(NOW),
            "6 unflushed messages >= flush.messages 5"
        );
        let target = log.flush_target(FlushScope::Everything).unwrap();
        assert_eq!(target.up_to_offset, 6);
        assert_eq!(target.files.len(), 3);
        assert!(target.dir.is_some());
        append_n(&mut log, 1, NOW); // appended while the fsync runs: not covered
        target.sync().unwrap();
        log.mark_flushed(&target, NOW + 5);
        assert_eq!(
            (
                log.recovery_point(),
                log.unflushed_messages(),
                log.last_flush_ms()
            ),
            (6, 3, NOW + 5)
        );
        let next = log.flush_target(FlushScope::Everything).unwrap();
        assert!(next.dir.is_none());
        assert_eq!(next.files.len(), 3, "the active segment changed again");

        // A truncation between target and mark voids the mark.
        log.truncate_to(3).unwrap();
        assert_eq!(log.recovery_point(), 3);
        append_n(&mut log, 3, NOW);
        next.sync().unwrap();
        log.mark_flushed(&next, NOW);
        assert_eq!(log.recovery_point(), 3);

        // A roll leaves the sealed segment to the next flush.
        log.flush_all(NOW).unwrap();
        assert!(!log.flush_due(NOW));
        append_n(&mut log, 20, NOW);
        assert!(log.segment_count() > 1);
        assert!(log.flush_due(NOW));
        log.flush_all(NOW).unwrap();
        assert!(!log.flush_due(NOW));
        assert!(log.flush_target(FlushScope::Everything).unwrap().is_empty());
    }

    #[test]
    fn a_records_flush_leaves_indexes_and_the_recovery_point_to_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(
            dir.path(),
            LogConfig {
                flush_messages: 1,
                ..small()
            },
        )
        .unwrap();
        append_n(&mut log, 3, NOW);
        let first = log.log_end_offset();
        let target = log.flush_target(FlushScope::Records).unwrap();
        assert_eq!(target.files.len(), 1, "the .log file alone");
        assert!(
            target.dir.is_some(),
            "a new segment's name must be durable too"
        );
        target.sync().unwrap();
        log.mark_flushed(&target, NOW);
        assert_eq!(
            (
                log.flushed_offset(),
                log.recovery_point(),
                log.unflushed_messages()
            ),
            (first, 0, 0)
        );
        assert!(
            log.flush_due(NOW),
            "the indexes lag the records: the background flush is due"
        );
        assert!(log.flush_target(FlushScope::Records).unwrap().is_empty());
        let everything = log.flush_target(FlushScope::Everything).unwrap();
        assert_eq!(everything.files.len(), 3, "indexes not synced yet");
        everything.sync().unwrap();
        log.mark_flushed(&everything, NOW);
        assert_eq!((log.flushed_offset(), log.recovery_point()), (first, first));
        assert!(!log.flush_due(NOW));

        // A crash with the recovery point checkpointed there and more records fsynced: those
        // are validated again and their index entries rebuilt.
        append_n(&mut log, 3, NOW);
        let target = log.flush_target(FlushScope::Records).unwrap();
        target.sync().unwrap();
        log.mark_flushed(&target, NOW);
        let end = log.log_end_offset();
        drop(log);
        let log = Log::open(dir.path(), small(), first, 0, false).unwrap();
        assert_eq!(log.log_end_offset(), end);
        // From the last index entry below the recovery point: the new three and maybe one more.
        let validated = log.recovery_report().batches_validated;
        assert!((3..6).contains(&validated), "validated {validated}");
    }

    #[test]
    fn segment_ms_rolls_by_first_batch_timestamp() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(
            dir.path(),
            LogConfig {
                segment_ms: 1_000,
                ..LogConfig::default()
            },
        )
        .unwrap();
        log.append_as_leader(batch(1, NOW, 1), 0, NOW).unwrap();
        log.append_as_leader(batch(1, NOW + 1_000, 1), 0, NOW)
            .unwrap();
        assert_eq!(log.segment_count(), 1, "exactly segment.ms later: not yet");
        log.append_as_leader(batch(1, NOW + 1_001, 1), 0, NOW)
            .unwrap();
        assert_eq!(log.segment_base_offsets(), vec![0, 2]);
        // Without timestamps the segment's creation time counts.
        log.append_as_leader(batch(1, -1, 1), 0, NOW).unwrap();
        log.roll(NOW).unwrap();
        log.append_as_leader(batch(1, -1, 1), 0, NOW).unwrap();
        log.append_as_leader(batch(1, -1, 1), 0, NOW + 5_000)
            .unwrap();
        assert_eq!(log.segment_base_offsets(), vec![0, 2, 4, 5]);
    }

    #[test]
    fn decoded_records_match_what_was_produced() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), LogConfig::default()).unwrap();
        let records: Vec<_> = (0..5)
            .map(|i| record(i, NOW + i, format!("value-{i}").as_bytes()))
            .collect();
        log.append_as_leader(encode(&records, Compression::Snappy), 2, NOW)
            .unwrap();
        log.append_as_leader(encode(&records, Compression::Zstd), 2, NOW)
            .unwrap();
        let mut bytes = log
            .read(0, 1 << 20, i64::MAX, true)
            .unwrap()
            .records
            .read_bytes()
            .unwrap();
        let sets = RecordBatchDecoder::decode_all(&mut bytes).unwrap();
        let offsets: Vec<i64> = sets
            .iter()
            .flat_map(|s| s.records.iter().map(|r| r.offset))
            .collect();
        assert_eq!(offsets, (0..10).collect::<Vec<_>>());
        assert_eq!(sets[1].records[4].value.as_deref(), Some(&b"value-4"[..]));
    }

    /// A producer's batch: `count` records from sequence `seq`.
    fn idempotent_batch(pid: i64, epoch: i16, seq: i32, count: usize) -> Bytes {
        let records: Vec<_> = (0..count)
            .map(|i| {
                let mut r = record(i as i64, 1_000 + i as i64, &[7u8; 100]);
                r.producer_id = pid;
                r.producer_epoch = epoch;
                r.sequence = seq + i as i32;
                r
            })
            .collect();
        encode(&records, Compression::None)
    }

    #[test]
    fn idempotent_appends_survive_a_crash_and_a_clean_restart() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), small()).unwrap();
        let mut seq = 0;
        let mut firsts = Vec::new();
        for _ in 0..30 {
            let info = log
                .append_as_leader(idempotent_batch(9, 0, seq, 4), 0, 1_000)
                .unwrap();
            firsts.push(info.first_offset);
            seq += 4;
        }
        assert!(log.segment_count() > 2, "the test needs rolls");
        let snapshots = producer_state::list_snapshots(dir.path()).unwrap();
        assert!(!snapshots.is_empty(), "a roll writes a producer snapshot");
        // A retry of the last batch answers with its original offsets and writes nothing.
        let end = log.log_end_offset();
        let dup = log
            .append_as_leader(idempotent_batch(9, 0, seq - 4, 4), 0, 1_000)
            .unwrap();
        assert_eq!(dup.first_offset, *firsts.last().unwrap());
        assert_eq!(log.log_end_offset(), end);
        // A gap and an old epoch are refused.
        assert!(matches!(
            log.append_as_leader(idempotent_batch(9, 0, seq + 1, 1), 0, 1_000),
            Err(LogError::OutOfOrderSequence(_))
        ));
        // After a crash the state comes from the last snapshot plus the log after it.
        let log = reopen(log, false);
        let mut log = log;
        let dup = log
            .append_as_leader(idempotent_batch(9, 0, seq - 4, 4), 0, 1_000)
            .unwrap();
        assert_eq!(dup.first_offset, *firsts.last().unwrap());
        assert_eq!(log.log_end_offset(), end);
        log.append_as_leader(idempotent_batch(9, 0, seq, 1), 0, 1_000)
            .unwrap();
        seq += 1;
        // A clean shutdown snapshots at the log end; the next start replays nothing.
        log.close(1_000).unwrap();
        let leo = log.log_end_offset();
        assert!(producer_state::snapshot_path(dir.path(), leo).exists());
        let mut log = reopen(log, true);
        assert!(matches!(
            log.append_as_leader(idempotent_batch(9, 0, seq + 3, 1), 0, 1_000),
            Err(LogError::OutOfOrderSequence(_))
        ));
        log.append_as_leader(idempotent_batch(9, 0, seq, 1), 0, 1_000)
            .unwrap();
    }
}
