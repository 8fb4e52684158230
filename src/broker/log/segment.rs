//! One log segment: `{baseOffset:020}.log` with its `.index` and `.timeindex`.
//!
//! The `.log` file holds record batches exactly as they were appended (the bytes a fetch
//! returns). Appends go to the end with positional writes; reads find a batch by a floor lookup
//! in the offset index followed by a forward scan of batch headers. A segment is *active* while
//! it takes appends and *sealed* once the log rolled past it: sealing writes the final time
//! index entry and the pending index entries (index files are never held open between writes).
//!
//! Scanning (`scan_from`) is shared by recovery, which validates every batch and rebuilds the
//! indexes, and by the clean-shutdown load, which only reads the headers after the last index
//! entry to find the log end.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use bytes::Bytes;
use kafka_protocol::records::{RecordBatchDecoder, RecordSet};

use super::config::LogConfig;
use super::error::{io_err, LogError, Result};
use super::index::OffsetIndex;
use super::leader_epoch::LeaderEpochCache;
use super::log::TimestampOffset;
use super::time_index::TimeIndex;
use crate::protocol::batch::{self, BatchError, BatchHeader, TimestampType, HEADER_SIZE};

pub(crate) const LOG_SUFFIX: &str = ".log";
pub(crate) const INDEX_SUFFIX: &str = ".index";
pub(crate) const TIME_INDEX_SUFFIX: &str = ".timeindex";
/// Kafka's transaction index; kbox does not write it but deletes it with its segment.
pub(crate) const TXN_INDEX_SUFFIX: &str = ".txnindex";
pub(crate) const DELETED_SUFFIX: &str = ".deleted";

/// Read size for header lookups: an index interval plus a typical batch, in one `pread`.
const LOOKUP_CHUNK: usize = 16 * 1024;
/// Read size for recovery, which reads every byte.
const RECOVERY_CHUNK: usize = 1024 * 1024;

/// `00000000000000001234.log` for base offset 1234 and suffix `.log`.
pub(crate) fn file_name(base_offset: i64, suffix: &str) -> String {
    format!("{base_offset:020}{suffix}")
}

/// Largest segment Kafka allows: positions in the index are 31-bit.
pub(crate) fn max_segment_bytes(config: &LogConfig) -> u64 {
    config.segment_bytes.min(i32::MAX as u64)
}

/// What a read found in one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SegmentRead {
    pub(crate) position: u64,
    pub(crate) len: usize,
    /// The first batch is larger than the bytes returned.
    pub(crate) first_batch_incomplete: bool,
}

/// The batches about to be written by one append.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RollCheck {
    pub(crate) bytes: u64,
    pub(crate) max_timestamp: i64,
    pub(crate) last_offset: i64,
    pub(crate) now_ms: i64,
}

/// Where a scan stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanEnd {
    /// End of the last good batch.
    pub(crate) position: u64,
    /// Batches read.
    pub(crate) batches: u64,
    /// Why the scan stopped before the end, if it did.
    pub(crate) problem: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanMode {
    /// Check every batch's CRC (recovery).
    Validate,
    /// Read headers only (trusted data).
    HeadersOnly,
}

/// One segment of a partition log.
#[derive(Debug)]
pub(crate) struct Segment {
    base_offset: i64,
    log_path: PathBuf,
    log: Arc<File>,
    /// Bytes of whole batches in the log file.
    size: u64,
    index: OffsetIndex,
    time_index: TimeIndex,
    /// Offset after the last batch. Exact for the active segment and for recovered ones; for a
    /// sealed segment loaded after a clean shutdown it is the next segment's base offset.
    next_offset: i64,
    /// Largest batch max timestamp seen, -1 when none.
    max_timestamp: i64,
    /// Last offset of the batch holding `max_timestamp` (Kafka's "shallow" offset).
    offset_of_max_timestamp: i64,
    bytes_since_last_index_entry: u64,
    index_interval_bytes: u64,
    /// Max timestamp of the first append, for `segment.ms`; loaded lazily from the first batch.
    rolling_timestamp: Option<i64>,
    /// When this segment object was created or loaded (fallback for `segment.ms`).
    created_ms: i64,
    /// Log-wide write sequence of the last change, the sequence covered by the last fsync of
    /// every file, and by the last fsync of the `.log` file.
    pub(crate) modified_seq: u64,
    pub(crate) synced_seq: u64,
    pub(crate) records_synced_seq: u64,
}

impl Segment {
    /// Creates the three files of a new, empty segment (replacing leftovers of the same name).
    pub(crate) fn create(
        dir: &Path,
        base_offset: i64,
        config: &LogConfig,
        now_ms: i64,
    ) -> Result<Segment> {
        Segment::create_with_suffix(dir, base_offset, "", config, now_ms)
    }

    /// Like [`Segment::create`], with `extra` after each file name (`.cleaned` for the
    /// cleaner's output, which is renamed into place once complete).
    pub(crate) fn create_with_suffix(
        dir: &Path,
        base_offset: i64,
        extra: &str,
        config: &LogConfig,
        now_ms: i64,
    ) -> Result<Segment> {
        let named = |suffix: &str| dir.join(file_name(base_offset, suffix) + extra);
        let log_path = named(LOG_SUFFIX);
        let log = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&log_path)
            .map_err(io_err(&log_path))?;
        let index_path = named(INDEX_SUFFIX);
        let index =
            OffsetIndex::create(index_path.clone(), base_offset, config.segment_index_bytes)
                .map_err(io_err(&index_path))?;
        let time_path = named(TIME_INDEX_SUFFIX);
        let time_index =
            TimeIndex::create(time_path.clone(), base_offset, config.segment_index_bytes)
                .map_err(io_err(&time_path))?;
        Ok(Segment::assemble(
            base_offset,
            log_path,
            log,
            0,
            index,
            time_index,
            config,
            now_ms,
        ))
    }

    /// Opens an existing segment without reading its log. Returns whether both index files
    /// were present; when not, the indexes are recreated empty and the caller must recover.
    pub(crate) fn open(
        dir: &Path,
        base_offset: i64,
        config: &LogConfig,
        now_ms: i64,
    ) -> Result<(Segment, bool)> {
        let log_path = dir.join(file_name(base_offset, LOG_SUFFIX));
        let log = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&log_path)
            .map_err(io_err(&log_path))?;
        let size = log.metadata().map_err(io_err(&log_path))?.len();
        let index_path = dir.join(file_name(base_offset, INDEX_SUFFIX));
        let time_path = dir.join(file_name(base_offset, TIME_INDEX_SUFFIX));
        let max = config.segment_index_bytes;
        let index =
            OffsetIndex::load(index_path.clone(), base_offset, max).map_err(io_err(&index_path))?;
        let time_index =
            TimeIndex::load(time_path.clone(), base_offset, max).map_err(io_err(&time_path))?;
        let (index, time_index, present) = match (index, time_index) {
            (Some(index), Some(time_index)) => (index, time_index, true),
            _ => (
                OffsetIndex::create(index_path.clone(), base_offset, max)
                    .map_err(io_err(&index_path))?,
                TimeIndex::create(time_path.clone(), base_offset, max)
                    .map_err(io_err(&time_path))?,
                false,
            ),
        };
        let mut segment = Segment::assemble(
            base_offset,
            log_path,
            log,
            size,
            index,
            time_index,
            config,
            now_ms,
        );
        segment.reset_from_indexes();
        Ok((segment, present))
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        base_offset: i64,
        log_path: PathBuf,
        log: File,
        size: u64,
        index: OffsetIndex,
        time_index: TimeIndex,
        config: &LogConfig,
        now_ms: i64,
    ) -> Segment {
        Segment {
            base_offset,
            log_path,
            log: Arc::new(log),
            size,
            index,
            time_index,
            next_offset: base_offset,
            max_timestamp: -1,
            offset_of_max_timestamp: base_offset,
            bytes_since_last_index_entry: 0,
            index_interval_bytes: config.index_interval_bytes,
            rolling_timestamp: None,
            created_ms: now_ms,
            modified_seq: 0,
            synced_seq: 0,
            records_synced_seq: 0,
        }
    }

    pub(crate) fn base_offset(&self) -> i64 {
        self.base_offset
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    pub(crate) fn next_offset(&self) -> i64 {
        self.next_offset
    }

    pub(crate) fn set_next_offset(&mut self, next_offset: i64) {
        self.next_offset = next_offset;
    }

    pub(crate) fn max_timestamp(&self) -> i64 {
        self.max_timestamp
    }

    pub(crate) fn log_file(&self) -> &Arc<File> {
        &self.log
    }

    pub(crate) fn log_path(&self) -> &Path {
        &self.log_path
    }

    pub(crate) fn index(&self) -> &OffsetIndex {
        &self.index
    }

    pub(crate) fn time_index(&self) -> &TimeIndex {
        &self.time_index
    }

    /// Kafka's "largest timestamp" for retention: the max record timestamp, or the log file's
    /// modification time when no batch carried one.
    pub(crate) fn largest_timestamp(&self) -> i64 {
        if self.max_timestamp >= 0 {
            return self.max_timestamp;
        }
        self.log
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(i64::MAX, |d| d.as_millis() as i64)
    }

    /// Appends `buf`, the concatenation of the batches described by `headers` (already
    /// validated, offsets assigned), and indexes them.
    pub(crate) fn append(&mut self, buf: &[u8], headers: &[BatchHeader], seq: u64) -> Result<()> {
        self.append_parts(&[buf], headers, seq)
    }

    /// Appends like [`Self::append`] the batches given as consecutive parts, in one write.
    pub(crate) fn append_parts(
        &mut self,
        parts: &[&[u8]],
        headers: &[BatchHeader],
        seq: u64,
    ) -> Result<()> {
        let start = self.size;
        write_all_parts_at(&self.log, parts, start).map_err(io_err(&self.log_path))?;
        if start == 0 {
            self.rolling_timestamp = headers.iter().map(|h| h.max_timestamp).max();
        }
        let mut position = start;
        for header in headers {
            self.track_batch(header, position)?;
            position += header.size() as u64;
        }
        self.size = position;
        self.modified_seq = seq;
        Ok(())
    }

    /// Updates max timestamp, next offset and the sparse indexes for a batch at `position`.
    fn track_batch(&mut self, header: &BatchHeader, position: u64) -> Result<()> {
        let last_offset = header.last_offset();
        if header.max_timestamp > self.max_timestamp {
            self.max_timestamp = header.max_timestamp;
            self.offset_of_max_timestamp = last_offset;
        }
        let after_last_entry = self
            .index
            .last_entry()
            .is_none_or(|(offset, _)| last_offset > offset);
        if self.bytes_since_last_index_entry > self.index_interval_bytes && after_last_entry {
            self.index
                .append(last_offset, position)
                .map_err(io_err(self.index.file().path()))?;
            self.time_index
                .maybe_append(self.max_timestamp, self.offset_of_max_timestamp, false)
                .map_err(io_err(self.time_index.file().path()))?;
            self.bytes_since_last_index_entry = 0;
        }
        self.bytes_since_last_index_entry += header.size() as u64;
        self.next_offset = header.next_offset();
        Ok(())
    }

    /// Kafka's roll rule for an append of `check.bytes` bytes ending at `check.last_offset`.
    pub(crate) fn should_roll(&mut self, check: &RollCheck, config: &LogConfig) -> Result<bool> {
        let relative = check.last_offset.saturating_sub(self.base_offset);
        let offsets_fit = (0..=i64::from(i32::MAX)).contains(&relative);
        if self.size == 0 {
            // An empty segment can take anything whose offsets it can index.
            return Ok(!offsets_fit);
        }
        let too_big = self.size + check.bytes > max_segment_bytes(config);
        let waited = match self.rolling_timestamp()? {
            Some(ts) if ts >= 0 => check.max_timestamp.saturating_sub(ts),
            _ => check.now_ms.saturating_sub(self.created_ms),
        };
        // A compacted log also rolls by `max.compaction.lag.ms`: the active segment is never
        // cleaned, so its records could otherwise wait longer than the lag allows.
        let roll_ms = if config.cleanup_compact {
            config.segment_ms.min(config.max_compaction_lag_ms)
        } else {
            config.segment_ms
        };
        Ok(too_big
            || waited > roll_ms
            || self.index.file().is_full()
            || self.time_index.file().is_full()
            || !offsets_fit)
    }

    fn rolling_timestamp(&mut self) -> Result<Option<i64>> {
        if self.rolling_timestamp.is_none() && self.size > 0 {
            let mut reader = BatchReader::new(&self.log, 0, self.size, HEADER_SIZE);
            if let Scan::Batch { header, .. } =
                reader.next(false).map_err(io_err(&self.log_path))?
            {
                self.rolling_timestamp = Some(header.max_timestamp);
            }
        }
        Ok(self.rolling_timestamp)
    }

    /// The first batch whose last offset is at least `offset`, with its position.
    pub(crate) fn translate_offset(&self, offset: i64) -> Result<Option<(u64, BatchHeader)>> {
        let (_, start) = self.index.lookup(offset);
        let mut reader = BatchReader::new(&self.log, start, self.size, LOOKUP_CHUNK);
        loop {
            match reader.next(false).map_err(io_err(&self.log_path))? {
                Scan::Batch {
                    header, position, ..
                } if header.last_offset() >= offset => {
                    return Ok(Some((position, header)));
                }
                Scan::Batch { .. } => {}
                Scan::End => return Ok(None),
                other => {
                    let problem = other.problem();
                    return Err(self.corrupt(reader.position(), problem));
                }
            }
        }
    }

    /// Kafka's segment read: whole batches from the one holding `offset`, at most `max_size`
    /// bytes (or the whole first batch with `min_one`), never past `max_position`. `None` when
    /// no batch of this segment reaches `offset`.
    pub(crate) fn read(
        &self,
        offset: i64,
        max_size: usize,
        max_position: u64,
        min_one: bool,
    ) -> Result<Option<SegmentRead>> {
        let Some((position, header)) = self.translate_offset(offset)? else {
            return Ok(None);
        };
        let first = header.size();
        let allowed = if min_one {
            max_size.max(first)
        } else {
            max_size
        };
        let available =
            usize::try_from(max_position.saturating_sub(position)).unwrap_or(usize::MAX);
        Ok(Some(SegmentRead {
            position,
            len: available.min(allowed),
            first_batch_incomplete: allowed < first,
        }))
    }

    /// The first record at or after `starting_offset` whose timestamp is at least `timestamp`.
    pub(crate) fn find_offset_by_timestamp(
        &self,
        timestamp: i64,
        starting_offset: i64,
    ) -> Result<Option<TimestampOffset>> {
        let (_, from_offset) = self.time_index.lookup(timestamp);
        let (_, start) = self.index.lookup(from_offset.max(starting_offset));
        self.search_records(
            start,
            |h| h.max_timestamp >= timestamp,
            |ts, off| ts >= timestamp && off >= starting_offset,
        )
    }

    /// The first record carrying this segment's largest timestamp (ListOffsets -3).
    pub(crate) fn max_timestamp_record(&self) -> Result<Option<TimestampOffset>> {
        if self.max_timestamp < 0 {
            return Ok(None);
        }
        let max = self.max_timestamp;
        let (_, start) = self.index.lookup(self.offset_of_max_timestamp);
        self.search_records(start, |h| h.max_timestamp == max, |ts, _| ts == max)
    }

    /// Scans headers from `start`; decodes batches `batch_matches` accepts until a record
    /// satisfies `record_matches(timestamp, offset)`.
    fn search_records(
        &self,
        start: u64,
        batch_matches: impl Fn(&BatchHeader) -> bool,
        record_matches: impl Fn(i64, i64) -> bool,
    ) -> Result<Option<TimestampOffset>> {
        let mut reader = BatchReader::new(&self.log, start, self.size, LOOKUP_CHUNK);
        loop {
            let (header, position) = match reader.next(false).map_err(io_err(&self.log_path))? {
                Scan::Batch {
                    header, position, ..
                } => (header, position),
                Scan::End => return Ok(None),
                other => {
                    let problem = other.problem();
                    return Err(self.corrupt(reader.position(), problem));
                }
            };
            if !batch_matches(&header) {
                continue;
            }
            let bytes = reader
                .bytes_at(position, header.size())
                .map_err(io_err(&self.log_path))?;
            let records = decode_timestamps(&header, bytes)
                .map_err(|reason| self.corrupt(position, reason))?;
            if let Some(&(timestamp, offset)) =
                records.iter().find(|&&(ts, off)| record_matches(ts, off))
            {
                let leader_epoch = Some(header.partition_leader_epoch).filter(|&e| e >= 0);
                return Ok(Some(TimestampOffset {
                    timestamp,
                    offset,
                    leader_epoch,
                }));
            }
        }
    }

    /// Reads batches from `start` to `end`, updating offsets, max timestamp and indexes (and the
    /// epoch cache when given). Stops at the first torn or invalid batch (CRC included in
    /// [`ScanMode::Validate`]) and reports where; it never truncates by itself.
    pub(crate) fn scan_from(
        &mut self,
        start: u64,
        end: u64,
        mode: ScanMode,
        mut epochs: Option<&mut LeaderEpochCache>,
    ) -> Result<ScanEnd> {
        let file = self.log.clone();
        let chunk = if mode == ScanMode::Validate {
            RECOVERY_CHUNK
        } else {
            LOOKUP_CHUNK
        };
        let mut reader = BatchReader::new(&file, start, end, chunk);
        let mut batches = 0;
        let mut min_base = self.base_offset;
        loop {
            let stop = |problem: Option<String>, position| {
                Ok(ScanEnd {
                    position,
                    batches,
                    problem,
                })
            };
            let before = reader.position();
            let (header, position) = match reader
                .next(mode == ScanMode::Validate)
                .map_err(io_err(&self.log_path))?
            {
                Scan::End => return stop(None, before),
                Scan::Batch {
                    header,
                    position,
                    bytes,
                } => {
                    if mode == ScanMode::Validate {
                        if let Err(e) = batch::validate(bytes) {
                            return stop(Some(e.to_string()), before);
                        }
                    }
                    (header, position)
                }
                other => return stop(Some(other.problem()), before),
            };
            if header.base_offset < min_base {
                return stop(
                    Some(format!(
                        "offset {} goes backwards (expected >= {min_base})",
                        header.base_offset
                    )),
                    before,
                );
            }
            if header.last_offset() - self.base_offset > i64::from(i32::MAX) {
                return stop(
                    Some(format!(
                        "offset {} does not fit the segment's index",
                        header.last_offset()
                    )),
                    before,
                );
            }
            self.track_batch(&header, position)?;
            batches += 1;
            min_base = header.next_offset();
            if let Some(cache) = epochs.as_deref_mut() {
                let epoch = header.partition_leader_epoch;
                if epoch >= 0 && cache.latest_epoch().is_none_or(|latest| epoch > latest) {
                    cache.assign(epoch, header.base_offset)?;
                }
            }
        }
    }

    /// Rebuilds the indexes from the log and truncates the log at the first invalid batch.
    ///
    /// Index entries below `keep_below` that are consistent are kept (they were fsynced before
    /// the recovery point), and the scan starts at the last of them, so only the unflushed tail
    /// is read. Returns the scan summary and the bytes truncated.
    pub(crate) fn recover(
        &mut self,
        keep_below: i64,
        mut epochs: Option<&mut LeaderEpochCache>,
    ) -> Result<(ScanEnd, u64)> {
        let file_len = self.log.metadata().map_err(io_err(&self.log_path))?.len();
        self.index
            .truncate_to_valid_prefix(keep_below, file_len)
            .map_err(io_err(self.index.file().path()))?;
        let time_path = self.time_index.file().path().to_path_buf();
        let start = match self.index.last_entry() {
            Some((offset, position)) => {
                self.time_index
                    .truncate_to_valid_prefix(offset)
                    .map_err(io_err(&time_path))?;
                position
            }
            None => {
                self.time_index
                    .file_mut()
                    .truncate(0)
                    .map_err(io_err(&time_path))?;
                0
            }
        };
        self.reset_from_indexes();
        self.bytes_since_last_index_entry = 0;
        let mut end = self.scan_from(start, file_len, ScanMode::Validate, epochs.as_deref_mut())?;
        if end.batches == 0 && start > 0 {
            // The batch an fsynced index entry points at is bad: trust nothing, start over.
            self.index
                .file_mut()
                .truncate(0)
                .map_err(io_err(self.index.file().path()))?;
            self.time_index
                .file_mut()
                .truncate(0)
                .map_err(io_err(&time_path))?;
            self.reset_from_indexes();
            self.bytes_since_last_index_entry = 0;
            end = self.scan_from(0, file_len, ScanMode::Validate, epochs)?;
        }
        let truncated = file_len - end.position;
        if truncated > 0 {
            self.log
                .set_len(end.position)
                .map_err(io_err(&self.log_path))?;
        }
        self.size = end.position;
        self.rolling_timestamp = None;
        // As a cleanly closed segment does, end the time index with the largest timestamp.
        self.time_index
            .maybe_append(self.max_timestamp, self.offset_of_max_timestamp, true)
            .map_err(io_err(&time_path))?;
        Ok((end, truncated))
    }

    /// After a clean shutdown: find the log end by reading headers after the last index entry.
    pub(crate) fn load_tail(&mut self) -> Result<ScanEnd> {
        let start = self.index.last_entry().map_or(0, |(_, position)| position);
        self.next_offset = self.base_offset;
        self.bytes_since_last_index_entry = 0;
        self.scan_from(start, self.size, ScanMode::HeadersOnly, None)
    }

    /// Max timestamp and position bookkeeping as the indexes say, before scanning on.
    fn reset_from_indexes(&mut self) {
        (self.max_timestamp, self.offset_of_max_timestamp) = self
            .time_index
            .last_entry()
            .unwrap_or((-1, self.base_offset));
        self.next_offset = self.base_offset;
        let last_indexed = self.index.last_entry().map_or(0, |(_, position)| position);
        self.bytes_since_last_index_entry = self.size.saturating_sub(last_indexed);
    }

    /// Removes every batch holding offsets at or after `offset`. Returns the bytes removed.
    pub(crate) fn truncate_to(&mut self, offset: i64, seq: u64, now_ms: i64) -> Result<u64> {
        let Some((position, _)) = self.translate_offset(offset)? else {
            // Nothing at or after `offset` here; still make `next_offset` exact, since a sealed
            // segment about to become active may only know an upper bound.
            let start = self.index.last_entry().map_or(0, |(_, p)| p);
            self.reset_from_indexes();
            self.bytes_since_last_index_entry = 0;
            self.rescan(start, self.size)?;
            return Ok(0);
        };
        let removed = self.size - position;
        self.index
            .truncate_to(offset)
            .map_err(io_err(self.index.file().path()))?;
        self.time_index
            .truncate_to(offset)
            .map_err(io_err(self.time_index.file().path()))?;
        self.log.set_len(position).map_err(io_err(&self.log_path))?;
        self.size = position;
        let start = self.index.last_entry().map_or(0, |(_, p)| p);
        self.reset_from_indexes();
        self.bytes_since_last_index_entry = 0;
        self.rescan(start, position)?;
        if self.size == 0 {
            self.rolling_timestamp = None;
            self.created_ms = now_ms;
        }
        self.modified_seq = seq;
        Ok(removed)
    }

    /// Re-reads trusted headers in `start..end` to restore `next_offset` and the max timestamp.
    fn rescan(&mut self, start: u64, end: u64) -> Result<()> {
        let scanned = self.scan_from(start, end, ScanMode::HeadersOnly, None)?;
        match scanned.problem {
            Some(reason) => Err(self.corrupt(scanned.position, reason)),
            None => Ok(()),
        }
    }

    /// Makes the segment's files final: last time index entry, pending index entries written,
    /// log file trimmed to its whole batches.
    pub(crate) fn seal(&mut self) -> Result<()> {
        let time_path = self.time_index.file().path().to_path_buf();
        self.time_index
            .maybe_append(self.max_timestamp, self.offset_of_max_timestamp, true)
            .map_err(io_err(&time_path))?;
        self.index
            .file_mut()
            .persist()
            .map_err(io_err(self.index.file().path()))?;
        self.time_index
            .file_mut()
            .persist()
            .map_err(io_err(&time_path))?;
        let len = self.log.metadata().map_err(io_err(&self.log_path))?.len();
        if len != self.size {
            // A failed write may have left bytes past the last whole batch.
            self.log
                .set_len(self.size)
                .map_err(io_err(&self.log_path))?;
        }
        Ok(())
    }

    /// The `.log` file, for an fsync of the records alone.
    pub(crate) fn log_handle(&self) -> Arc<File> {
        self.log.clone()
    }

    /// Writes pending index entries and returns the files an fsync must cover.
    pub(crate) fn sync_handles(&mut self) -> Result<Vec<Arc<File>>> {
        let index = self
            .index
            .file_mut()
            .sync_handle()
            .map_err(io_err(self.index.file().path()))?;
        let time = self
            .time_index
            .file_mut()
            .sync_handle()
            .map_err(io_err(self.time_index.file().path()))?;
        Ok(vec![self.log.clone(), index, time])
    }

    /// Renames the segment's files to `*.deleted` (open handles stay valid) and returns the new
    /// paths, to be removed now or after `file.delete.delay.ms`.
    pub(crate) fn rename_to_deleted(&mut self) -> Result<Vec<PathBuf>> {
        let mut renamed = Vec::new();
        let txn = self.log_path.with_extension(&TXN_INDEX_SUFFIX[1..]);
        let paths = [
            self.log_path.clone(),
            self.index.file().path().to_path_buf(),
            self.time_index.file().path().to_path_buf(),
            txn,
        ];
        for (i, path) in paths.iter().enumerate() {
            let mut target = path.clone().into_os_string();
            target.push(DELETED_SUFFIX);
            let target = PathBuf::from(target);
            match fs::rename(path, &target) {
                Ok(()) => renamed.push(target.clone()),
                Err(e) if e.kind() == io::ErrorKind::NotFound && i == 3 => continue,
                Err(e) => return Err(io_err(path)(e)),
            }
            match i {
                0 => self.log_path = target,
                1 => self.index.file_mut().set_path(target),
                2 => self.time_index.file_mut().set_path(target),
                _ => {}
            }
        }
        Ok(renamed)
    }

    fn corrupt(&self, position: u64, reason: String) -> LogError {
        LogError::Corrupt {
            path: self.log_path.clone(),
            position,
            reason,
        }
    }
}

/// `(timestamp, offset)` of every record of one batch, decoding whatever the compression.
/// LogAppendTime batches give every record the batch's max timestamp, as Kafka does.
fn decode_timestamps(
    header: &BatchHeader,
    bytes: &[u8],
) -> std::result::Result<Vec<(i64, i64)>, String> {
    let decoded = decode_records(bytes)?;
    let log_append_time = header.timestamp_type() == TimestampType::LogAppendTime;
    Ok(decoded
        .records
        .iter()
        .map(|r| {
            (
                if log_append_time {
                    header.max_timestamp
                } else {
                    r.timestamp
                },
                r.offset,
            )
        })
        .collect())
}

/// Decodes the records of one batch, whatever the compression.
pub(crate) fn decode_records(bytes: &[u8]) -> std::result::Result<RecordSet, String> {
    let mut buf = Bytes::copy_from_slice(bytes);
    // The decoder is third-party code running on stored client bytes: a panic there must not
    // take the broker down.
    catch_unwind(AssertUnwindSafe(|| RecordBatchDecoder::decode(&mut buf)))
        .map_err(|_| "record decoder panicked".to_string())?
        .map_err(|e| format!("cannot decode records: {e}"))
}

/// One step of a [`BatchReader`].
#[derive(Debug)]
pub(crate) enum Scan<'a> {
    /// A batch; `bytes` is the whole batch when asked for, else empty.
    Batch {
        header: BatchHeader,
        position: u64,
        bytes: &'a [u8],
    },
    /// Reached the end exactly at a batch boundary.
    End,
    /// The file ends inside a batch.
    Torn,
    /// The bytes at the current position are not a batch.
    Invalid(BatchError),
}

impl Scan<'_> {
    fn problem(&self) -> String {
        match self {
            Scan::Torn => "log ends inside a batch".to_string(),
            Scan::Invalid(e) => e.to_string(),
            Scan::Batch { .. } | Scan::End => String::new(),
        }
    }
}

/// Walks the batches of a log file between two positions through a read buffer, so that
/// header-only scans cost one `pread` per buffer, not per batch.
#[derive(Debug)]
pub(crate) struct BatchReader<'f> {
    file: &'f File,
    position: u64,
    end: u64,
    buf: Vec<u8>,
    buf_start: u64,
    chunk: usize,
}

impl<'f> BatchReader<'f> {
    pub(crate) fn new(file: &'f File, position: u64, end: u64, chunk: usize) -> Self {
        BatchReader {
            file,
            position,
            end,
            buf: Vec::new(),
            buf_start: 0,
            chunk,
        }
    }

    /// Where the next batch starts.
    pub(crate) fn position(&self) -> u64 {
        self.position
    }

    /// The next batch, with its bytes when `whole`.
    pub(crate) fn next(&mut self, whole: bool) -> io::Result<Scan<'_>> {
        let remaining = self.end.saturating_sub(self.position);
        if remaining == 0 {
            return Ok(Scan::End);
        }
        let head_len = remaining.min(HEADER_SIZE as u64) as usize;
        self.fill(self.position, head_len)?;
        let head = self.slice(self.position, head_len);
        if head_len < HEADER_SIZE {
            // Too short for a header: torn, unless what is there is already wrong.
            return Ok(match batch::batches(head).next() {
                Some(Err(e)) => Scan::Invalid(e),
                _ => Scan::Torn,
            });
        }
        let header = match BatchHeader::parse(head) {
            Ok(header) => header,
            Err(e) => return Ok(Scan::Invalid(e)),
        };
        let size = header.size();
        if size as u64 > remaining {
            return Ok(Scan::Torn);
        }
        let position = self.position;
        self.position += size as u64;
        let bytes = if whole {
            self.bytes_at(position, size)?
        } else {
            &[]
        };
        Ok(Scan::Batch {
            header,
            position,
            bytes,
        })
    }

    /// `len` bytes at `position` (which must lie before `end`).
    pub(crate) fn bytes_at(&mut self, position: u64, len: usize) -> io::Result<&[u8]> {
        self.fill(position, len)?;
        Ok(self.slice(position, len))
    }

    fn fill(&mut self, position: u64, len: usize) -> io::Result<()> {
        let buffered_end = self.buf_start + self.buf.len() as u64;
        if position >= self.buf_start && position + len as u64 <= buffered_end {
            return Ok(());
        }
        let available = usize::try_from(self.end.saturating_sub(position)).unwrap_or(usize::MAX);
        let want = len.max(self.chunk).min(available.max(len));
        self.buf.clear();
        self.buf.resize(want, 0);
        self.file.read_exact_at(&mut self.buf, position)?;
        self.buf_start = position;
        Ok(())
    }

    fn slice(&self, position: u64, len: usize) -> &[u8] {
        let from = (position - self.buf_start) as usize;
        &self.buf[from..from + len]
    }
}

/// Writes `parts` one after the other at `position`: one `pwritev` on Linux, so batches given as
/// a patched header and the request's own record bytes need no copy into one buffer.
#[cfg(target_os = "linux")]
fn write_all_parts_at(file: &File, parts: &[&[u8]], mut position: u64) -> io::Result<()> {
    use crate::protocol::splice::{advance_runs, io_slices};
    let mut parts: Vec<&[u8]> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    let mut next = 0;
    while next < parts.len() {
        let written = match rustix::io::pwritev(file, &io_slices(&parts[next..]), position) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => n,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        };
        position += written as u64;
        advance_runs(&mut parts, &mut next, written);
    }
    Ok(())
}

/// Writes `parts` one after the other at `position`.
#[cfg(not(target_os = "linux"))]
fn write_all_parts_at(file: &File, parts: &[&[u8]], mut position: u64) -> io::Result<()> {
    for part in parts {
        file.write_all_at(part, position)?;
        position += part.len() as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::batch::test_batches::batch;
    use crate::protocol::batch::{set_base_offset, validate};

    fn config() -> LogConfig {
        LogConfig {
            index_interval_bytes: 100,
            ..LogConfig::default()
        }
    }

    /// Appends `n` batches of 3 records each, offsets from the segment's next offset.
    fn fill(segment: &mut Segment, n: usize) {
        for _ in 0..n {
            let mut bytes = batch(3, 1_000 + segment.next_offset(), 40).to_vec();
            set_base_offset(&mut bytes, segment.next_offset()).unwrap();
            let header = validate(&bytes).unwrap();
            segment.append(&bytes, &[header], 1).unwrap();
        }
    }

    #[test]
    fn append_indexes_sparsely_and_translates_every_offset() {
        let dir = tempfile::tempdir().unwrap();
        let mut segment = Segment::create(dir.path(), 50, &config(), 0).unwrap();
        fill(&mut segment, 20);
        assert_eq!(segment.next_offset(), 110);
        let batch_size = segment.size() / 20;
        assert!(segment.index().len() > 3, "an entry every ~100 bytes");
        assert!(segment.index().len() < 20, "but not every batch");
        assert_eq!(
            dir.path()
                .join("00000000000000000050.log")
                .metadata()
                .unwrap()
                .len(),
            segment.size()
        );
        for offset in 0..115 {
            let found = segment.translate_offset(offset).unwrap();
            if offset >= 110 {
                assert!(found.is_none());
                continue;
            }
            let (position, header) = found.unwrap();
            let batch_index = (offset.max(50) - 50) / 3;
            assert_eq!(position, batch_index as u64 * batch_size, "offset {offset}");
            assert_eq!(header.base_offset, 50 + batch_index * 3);
        }
    }

    #[test]
    fn reopen_restores_indexes_and_tail() {
        let dir = tempfile::tempdir().unwrap();
        let mut segment = Segment::create(dir.path(), 0, &config(), 0).unwrap();
        fill(&mut segment, 10);
        segment.seal().unwrap();
        let entries = segment.index().len();
        let (mut reopened, present) = Segment::open(dir.path(), 0, &config(), 0).unwrap();
        assert!(present);
        assert_eq!(reopened.index().len(), entries);
        let scanned = reopened.load_tail().unwrap();
        assert_eq!(scanned.problem, None);
        assert!(
            scanned.batches < 10,
            "only the tail after the last index entry is read"
        );
        assert_eq!(reopened.next_offset(), 30);
        assert_eq!(reopened.max_timestamp(), segment.max_timestamp());
    }

    #[test]
    fn truncate_keeps_whole_batches_before_the_offset() {
        let dir = tempfile::tempdir().unwrap();
        let mut segment = Segment::create(dir.path(), 0, &config(), 0).unwrap();
        fill(&mut segment, 10);
        let batch_size = segment.size() / 10;
        assert_eq!(segment.truncate_to(16, 2, 0).unwrap(), 5 * batch_size);
        assert_eq!(
            segment.next_offset(),
            15,
            "batch 15..17 holds 16 and goes entirely"
        );
        assert_eq!(segment.size(), 5 * batch_size);
        assert_eq!(segment.max_timestamp(), 1_000 + 12 + 2);
        assert!(segment.index().last_entry().is_none_or(|(o, _)| o < 16));
        fill(&mut segment, 1);
        assert_eq!(segment.next_offset(), 18);
    }

    #[test]
    fn reader_reports_torn_and_invalid_tails() {
        let dir = tempfile::tempdir().unwrap();
        let mut segment = Segment::create(dir.path(), 0, &config(), 0).unwrap();
        fill(&mut segment, 2);
        let size = segment.size();
        let file = segment.log_file().clone();
        file.write_all_at(&[0u8; 30], size).unwrap();
        let mut reader = BatchReader::new(&file, 0, size + 30, 64);
        assert!(matches!(
            reader.next(true).unwrap(),
            Scan::Batch { position: 0, .. }
        ));
        assert!(matches!(reader.next(false).unwrap(), Scan::Batch { .. }));
        assert!(matches!(
            reader.next(false).unwrap(),
            Scan::Invalid(BatchError::BadMagic(0))
        ));
        let mut reader = BatchReader::new(&file, 0, size - 1, 64);
        assert!(matches!(reader.next(false).unwrap(), Scan::Batch { .. }));
        assert!(matches!(reader.next(false).unwrap(), Scan::Torn));
    }
}
