//! Log compaction (`cleanup.policy=compact`): keep the latest record of every key.
//!
//! A cleaning runs in three steps, so that producers and fetches are held up only for the
//! renames at the end:
//!
//! 1. [`Log::clean_plan`](super::Log::clean_plan), under the log's lock: which sealed segments
//!    may be cleaned (below the high watermark, the active segment and `min.compaction.lag.ms`)
//!    and whether it is due (`min.cleanable.dirty.ratio`, `max.compaction.lag.ms`, tombstones
//!    past `delete.retention.ms`). The plan holds the segments' open files.
//! 2. [`CleanPlan::clean`], without the lock: map every key of the dirty part (the records
//!    after the cleaner checkpoint) to its latest offset, then rewrite the segments into
//!    `{base}.log.cleaned` files, keeping a record only if no later record has its key.
//!    Tombstones (null values) go once they are older than `delete.retention.ms`; records
//!    without a key go (a compacted topic cannot hold them). Batches that keep every record are
//!    copied byte for byte; the others are re-encoded with their compression, producer fields
//!    and leader epoch. Offsets never change.
//! 3. [`Log::swap_cleaned`](super::Log::swap_cleaned), under the lock: if the segments are
//!    still the ones read, rename the cleaned files in as Kafka does (`.cleaned` → `.swap`, old
//!    segments → `.deleted`, `.swap` → `.log`), which recovery completes after a crash.
//!
//! The dirty part is what arrived since the last cleaning; the cleaner checkpoint
//! (`cleaner-offset-checkpoint`, Kafka's file) records where it starts.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;

use super::config::LogConfig;
use super::error::{io_err, LogError, Result};
use super::segment::{
    file_name, max_segment_bytes, BatchReader, Scan, Segment, INDEX_SUFFIX, LOG_SUFFIX,
    TIME_INDEX_SUFFIX,
};
use crate::protocol::batch::{self, BatchHeader, TimestampType};
use crate::protocol::batch_builder::{BatchBuilder, ProducerFields};
use crate::protocol::batch_reader::{self, ReadRecord};

/// Suffix of the cleaner's output while it is being written.
pub(crate) const CLEANED_SUFFIX: &str = ".cleaned";
/// Suffix of a cleaned log file that is being swapped in.
pub(crate) const SWAP_SUFFIX: &str = ".swap";
/// Read size for the cleaner, which reads every byte of the segments it cleans.
const READ_CHUNK: usize = 1024 * 1024;
/// Output is written to the cleaned segment in pieces of about this size.
const WRITE_CHUNK: usize = 1024 * 1024;
/// Memory an offset-map entry costs besides its key (hash table slot, box, offset).
const MAP_ENTRY_OVERHEAD: usize = 48;

/// Key -> offset of its latest record in the dirty part.
type OffsetMap = HashMap<Box<[u8]>, i64>;

/// A sealed segment a cleaning reads.
#[derive(Debug, Clone)]
pub struct CleanSource {
    pub(crate) base: i64,
    /// The next segment's base offset.
    pub(crate) end: i64,
    pub(crate) size: u64,
    pub(crate) file: Arc<File>,
}

/// What one cleaning of one log covers; see the module docs.
#[derive(Debug)]
pub struct CleanPlan {
    pub(crate) dir: PathBuf,
    pub(crate) config: LogConfig,
    pub(crate) log_start_offset: i64,
    /// Every cleanable segment, from the first.
    pub(crate) sources: Vec<CleanSource>,
    /// First offset not yet cleaned (the cleaner checkpoint).
    pub(crate) first_dirty: i64,
    pub(crate) now_ms: i64,
}

/// One cleaned segment, written but not yet swapped in.
#[derive(Debug, Clone)]
pub struct CleanedGroup {
    /// Base offset of the new segment (that of its first source).
    pub(crate) base: i64,
    /// The next segment's base offset after the group.
    pub(crate) end: i64,
    /// The sources it replaces: (base offset, size) as read.
    pub(crate) sources: Vec<(i64, u64)>,
}

/// The result of [`CleanPlan::clean`]: cleaned files waiting for [`Log::swap_cleaned`](super::Log::swap_cleaned).
#[derive(Debug)]
pub struct Cleaned {
    pub(crate) dir: PathBuf,
    pub(crate) groups: Vec<CleanedGroup>,
    pub stats: CleanStats,
}

/// What a cleaning did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CleanStats {
    /// The dirty part cleaned: `[first_dirty, next_dirty)`; `next_dirty` becomes the checkpoint.
    pub first_dirty: i64,
    pub next_dirty: i64,
    pub segments_read: usize,
    pub segments_written: usize,
    pub bytes_read: u64,
    pub bytes_written: u64,
    pub records_read: u64,
    pub records_kept: u64,
    pub tombstones_removed: u64,
    /// Distinct keys in the dirty part.
    pub keys: usize,
    /// When the oldest tombstone kept becomes removable, if any was kept.
    pub tombstones_due_ms: Option<i64>,
}

impl CleanPlan {
    /// Share of the cleanable bytes that are dirty (Kafka's `min.cleanable.dirty.ratio` test).
    pub fn dirty_ratio(&self) -> f64 {
        let total: u64 = self.sources.iter().map(|s| s.size).sum();
        let dirty: u64 = self
            .sources
            .iter()
            .filter(|s| s.end > self.first_dirty)
            .map(|s| s.size)
            .sum();
        if total == 0 {
            0.0
        } else {
            dirty as f64 / total as f64
        }
    }

    /// Writes the cleaned segments (step 2 of the module docs). `dedupe_buffer_bytes` bounds the
    /// key map (`log.cleaner.dedupe.buffer.size`): when the dirty part has more keys, this
    /// cleaning stops at a segment boundary and the next one goes on from there.
    ///
    /// # Errors
    ///
    /// [`LogError::Io`] and [`LogError::Corrupt`]; the partial output is removed.
    pub fn clean(self, dedupe_buffer_bytes: usize) -> Result<Cleaned> {
        let mut written = Vec::new();
        let result = self.clean_into(dedupe_buffer_bytes, &mut written);
        if result.is_err() {
            remove_cleaned(&self.dir, &written);
        }
        result
    }

    fn clean_into(&self, dedupe_buffer_bytes: usize, written: &mut Vec<i64>) -> Result<Cleaned> {
        let mut stats = CleanStats {
            first_dirty: self.first_dirty,
            ..CleanStats::default()
        };
        let (latest, next_dirty) = self.build_offset_map(dedupe_buffer_bytes)?;
        stats.keys = latest.len();
        stats.next_dirty = next_dirty;
        let cleanable: Vec<&CleanSource> = self
            .sources
            .iter()
            .filter(|s| s.end <= next_dirty)
            .collect();
        let mut groups = Vec::new();
        for group in group_sources(&cleanable, max_segment_bytes(&self.config)) {
            written.push(group[0].base);
            groups.push(self.write_group(&group, &latest, &mut stats)?);
        }
        Ok(Cleaned {
            dir: self.dir.clone(),
            groups,
            stats,
        })
    }

    /// Maps each key of the dirty part to the offset of its latest record. Returns the map and
    /// the offset where the mapped part ends.
    fn build_offset_map(&self, budget: usize) -> Result<(OffsetMap, i64)> {
        let mut latest = OffsetMap::new();
        let mut used = 0usize;
        let end = self.sources.last().map_or(self.first_dirty, |s| s.end);
        for (i, source) in self.sources.iter().enumerate() {
            if source.end <= self.first_dirty {
                continue;
            }
            if used > budget && i > 0 && source.base > self.first_dirty {
                // The map is full: clean up to here now, the rest next time.
                return Ok((latest, source.base));
            }
            for_each_batch(&self.dir, source, |header, bytes| {
                if header.is_control() || header.last_offset() < self.first_dirty {
                    return Ok(());
                }
                for record in read_records(&self.dir, source, header, bytes)? {
                    if record.offset < self.first_dirty {
                        continue;
                    }
                    if let Some(key) = record.key {
                        match latest.get_mut(&key[..]) {
                            Some(offset) => *offset = record.offset,
                            None => {
                                used += key.len() + MAP_ENTRY_OVERHEAD;
                                latest.insert(key.to_vec().into_boxed_slice(), record.offset);
                            }
                        }
                    }
                }
                Ok(())
            })?;
        }
        Ok((latest, end))
    }

    /// Rewrites one group of sources into one `.cleaned` segment.
    fn write_group(
        &self,
        group: &[&CleanSource],
        latest: &OffsetMap,
        stats: &mut CleanStats,
    ) -> Result<CleanedGroup> {
        let base = group[0].base;
        let mut out = Segment::create_with_suffix(
            &self.dir,
            base,
            CLEANED_SUFFIX,
            &self.config,
            self.now_ms,
        )?;
        let mut pending = PendingWrites::default();
        for source in group {
            stats.segments_read += 1;
            stats.bytes_read += source.size;
            for_each_batch(&self.dir, source, |header, bytes| {
                self.filter_batch(source, header, bytes, latest, stats, &mut pending)?;
                if pending.buf.len() >= WRITE_CHUNK {
                    pending.write_to(&mut out)?;
                }
                Ok(())
            })?;
        }
        pending.write_to(&mut out)?;
        out.seal()?;
        out.log_file().sync_all().map_err(io_err(out.log_path()))?;
        stats.segments_written += 1;
        stats.bytes_written += out.size();
        Ok(CleanedGroup {
            base,
            end: group[group.len() - 1].end,
            sources: group.iter().map(|s| (s.base, s.size)).collect(),
        })
    }

    /// Decides each record of one batch and queues what is kept.
    fn filter_batch(
        &self,
        source: &CleanSource,
        header: &BatchHeader,
        bytes: &[u8],
        latest: &OffsetMap,
        stats: &mut CleanStats,
        out: &mut PendingWrites,
    ) -> Result<()> {
        if header.last_offset() < self.log_start_offset {
            return Ok(());
        }
        if header.is_control() {
            // Transaction markers stay: they carry no key, and readers need them.
            return out.push(bytes);
        }
        let records = read_records(&self.dir, source, header, bytes)?;
        let total = records.len();
        stats.records_read += total as u64;
        // How old the batch is, for tombstones: its max timestamp (the append time with
        // LogAppendTime, the producer's clock otherwise).
        let age = self.now_ms.saturating_sub(header.max_timestamp);
        let tombstone_expired = age > self.config.delete_retention_ms;
        let mut kept = Vec::with_capacity(total);
        for record in records {
            let Some(key) = &record.key else { continue };
            if record.offset < self.log_start_offset {
                continue;
            }
            if latest.get(&key[..]).is_some_and(|&l| l > record.offset) {
                continue;
            }
            if record.value.is_none() {
                if tombstone_expired {
                    stats.tombstones_removed += 1;
                    continue;
                }
                let due = header
                    .max_timestamp
                    .saturating_add(self.config.delete_retention_ms)
                    .saturating_add(1);
                stats.tombstones_due_ms = Some(stats.tombstones_due_ms.map_or(due, |d| d.min(due)));
            }
            kept.push(record);
        }
        stats.records_kept += kept.len() as u64;
        if kept.len() == total {
            return out.push(bytes);
        }
        if kept.is_empty() {
            return Ok(());
        }
        // Kafka's cleaner keeps the batch's base offset, last offset, producer fields and
        // leader epoch: only records leave (each keeps its offset and all of its headers).
        let mut builder = BatchBuilder::with_capacity(bytes.len());
        for r in &kept {
            builder.append_at(
                r.offset.saturating_sub(header.base_offset) as i32,
                r.timestamp,
                r.key.as_deref(),
                r.value.as_deref(),
                r.headers.iter().map(|(k, v)| (k.as_str(), v.as_deref())),
            );
        }
        builder.extend_to(header.last_offset_delta);
        let producer = ProducerFields {
            producer_id: header.producer_id,
            epoch: header.producer_epoch,
            base_sequence: header.base_sequence,
            transactional: header.is_transactional(),
        };
        let fail = |e: String| corrupt(&self.dir, source, header, format!("cannot re-encode: {e}"));
        let codec = header.codec().map_err(|e| fail(e.to_string()))?;
        let mut cleaned = builder
            .seal(codec, producer)
            .map_err(|e| fail(format!("{e:#}")))?
            .to_vec();
        batch::set_base_offset(&mut cleaned, header.base_offset)?;
        batch::set_partition_leader_epoch(&mut cleaned, header.partition_leader_epoch)?;
        if header.timestamp_type() == TimestampType::LogAppendTime {
            // The builder writes CreateTime batches: put the append time back.
            batch::set_log_append_time(&mut cleaned, header.max_timestamp)?;
        }
        out.push(&cleaned)
    }
}

/// Batches queued for the cleaned segment, with their headers.
#[derive(Default)]
struct PendingWrites {
    buf: Vec<u8>,
    headers: Vec<BatchHeader>,
}

impl PendingWrites {
    fn push(&mut self, batches: &[u8]) -> Result<()> {
        for item in batch::batches(batches) {
            let (header, _) = item?;
            self.headers.push(header);
        }
        self.buf.extend_from_slice(batches);
        Ok(())
    }

    fn write_to(&mut self, out: &mut Segment) -> Result<()> {
        if !self.headers.is_empty() {
            out.append(&self.buf, &self.headers, 0)?;
        }
        self.buf.clear();
        self.headers.clear();
        Ok(())
    }
}

impl Cleaned {
    /// Removes the cleaned files (the swap was refused or failed).
    pub fn discard(&self) {
        let bases: Vec<i64> = self.groups.iter().map(|g| g.base).collect();
        remove_cleaned(&self.dir, &bases);
    }
}

/// Splits consecutive sources into groups that fit one segment: at most `max_bytes` read
/// (the output is never larger) and offsets relative to the base within 32 bits.
fn group_sources<'a>(sources: &[&'a CleanSource], max_bytes: u64) -> Vec<Vec<&'a CleanSource>> {
    let mut groups: Vec<Vec<&CleanSource>> = Vec::new();
    let mut size = 0u64;
    for &source in sources {
        let fits = groups.last().is_some_and(|g| {
            size + source.size <= max_bytes && source.end - g[0].base <= i64::from(i32::MAX)
        });
        if fits {
            size += source.size;
            groups.last_mut().expect("checked").push(source);
        } else {
            size = source.size;
            groups.push(vec![source]);
        }
    }
    groups
}

/// Calls `f` with every batch of a source segment, in order.
fn for_each_batch(
    dir: &Path,
    source: &CleanSource,
    mut f: impl FnMut(&BatchHeader, &[u8]) -> Result<()>,
) -> Result<()> {
    let path = dir.join(file_name(source.base, LOG_SUFFIX));
    let mut reader = BatchReader::new(&source.file, 0, source.size, READ_CHUNK);
    loop {
        let position = reader.position();
        match reader.next(true).map_err(io_err(&path))? {
            Scan::Batch { header, bytes, .. } => f(&header, bytes)?,
            Scan::End => return Ok(()),
            other => {
                return Err(LogError::Corrupt {
                    path,
                    position,
                    reason: format!("{other:?}"),
                })
            }
        }
    }
}

/// Every record of one batch, whatever its compression, all of each record's headers kept.
fn read_records(
    dir: &Path,
    source: &CleanSource,
    header: &BatchHeader,
    bytes: &[u8],
) -> Result<Vec<ReadRecord>> {
    batch_reader::read_records(&Bytes::copy_from_slice(bytes))
        .and_then(|records| records.collect())
        .map_err(|e| corrupt(dir, source, header, format!("cannot decode records: {e}")))
}

fn corrupt(dir: &Path, source: &CleanSource, header: &BatchHeader, reason: String) -> LogError {
    LogError::Corrupt {
        path: dir.join(file_name(source.base, LOG_SUFFIX)),
        position: 0,
        reason: format!("batch at offset {}: {reason}", header.base_offset),
    }
}

/// Removes the `.cleaned` (and `.log.swap`) files of the given bases; missing ones are fine.
fn remove_cleaned(dir: &Path, bases: &[i64]) {
    for &base in bases {
        for suffix in [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX] {
            let _ = std::fs::remove_file(dir.join(file_name(base, suffix) + CLEANED_SUFFIX));
        }
        let _ = std::fs::remove_file(dir.join(file_name(base, LOG_SUFFIX) + SWAP_SUFFIX));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use bytes::Bytes;
    use kafka_protocol::records::{Compression, RecordBatchDecoder};

    use super::super::{Log, LogConfig};
    use crate::protocol::batch::test_batches::{encode, record};

    const NOW: i64 = 1_700_000_000_000;
    const DAY: i64 = 24 * 3600 * 1000;

    fn compacted() -> LogConfig {
        LogConfig {
            segment_bytes: 4_000,
            index_interval_bytes: 200,
            cleanup_compact: true,
            cleanup_delete: false,
            min_cleanable_dirty_ratio: 0.01,
            ..LogConfig::default()
        }
    }

    /// Appends one batch of `(key, value)` records stamped `ts`.
    fn put(log: &mut Log, entries: &[(&str, Option<&str>)], ts: i64, compression: Compression) {
        let records: Vec<_> = entries
            .iter()
            .enumerate()
            .map(|(i, (k, v))| {
                let mut r = record(i as i64, ts, b"");
                r.key = Some(Bytes::from(k.to_string()));
                r.value = v.map(|v| Bytes::from(v.to_string()));
                r
            })
            .collect();
        log.append_as_leader(encode(&records, compression), 0, NOW)
            .unwrap();
    }

    /// Every record of the log, by offset: (key, value).
    fn contents(log: &Log) -> BTreeMap<i64, (String, Option<String>)> {
        let mut out = BTreeMap::new();
        let mut offset = log.log_start_offset();
        while offset < log.log_end_offset() {
            let read = log.read(offset, 1 << 20, i64::MAX, true).unwrap();
            let mut bytes = read.records.read_bytes().unwrap();
            if bytes.is_empty() {
                break;
            }
            while !bytes.is_empty() {
                let set = RecordBatchDecoder::decode(&mut bytes).unwrap();
                for r in set.records {
                    let text = |b: Option<Bytes>| b.map(|b| String::from_utf8(b.to_vec()).unwrap());
                    out.insert(r.offset, (text(r.key).unwrap(), text(r.value)));
                    offset = r.offset + 1;
                }
            }
        }
        out
    }

    /// Runs one cleaning as the broker does; `None` when none was due.
    fn clean(log: &mut Log, now: i64) -> Option<super::CleanStats> {
        let plan = log.clean_plan(log.log_end_offset(), now)?;
        let cleaned = plan.clean(1 << 20).unwrap();
        let stats = cleaned.stats.clone();
        log.swap_cleaned(cleaned, now)
            .unwrap()
            .remove_files()
            .unwrap();
        Some(stats)
    }

    #[test]
    fn keeps_the_latest_record_per_key_and_every_offset() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), compacted()).unwrap();
        for round in 0..100 {
            for (i, compression) in [Compression::None, Compression::Lz4].iter().enumerate() {
                let value = format!("v{round}");
                let entries: Vec<(String, Option<&str>)> = (0..5)
                    .map(|k| (format!("k{}", k + 5 * i), Some(value.as_str())))
                    .collect();
                let entries: Vec<(&str, Option<&str>)> =
                    entries.iter().map(|(k, v)| (k.as_str(), *v)).collect();
                put(&mut log, &entries, NOW, *compression);
            }
        }
        log.roll(NOW).unwrap();
        let end = log.log_end_offset();
        let before = contents(&log);
        let (segments_before, bytes_before) = (log.segment_count(), log.size_bytes());

        let stats = clean(&mut log, NOW).expect("a dirty log is due");
        assert_eq!(stats.keys, 10);
        assert_eq!(stats.records_kept, 10);
        assert!(log.size_bytes() < bytes_before / 10);
        let after = contents(&log);
        assert_eq!(after.len(), 10);
        for (offset, (key, value)) in &after {
            assert_eq!(value.as_deref(), Some("v99"), "{key} at {offset}");
            assert_eq!(
                before[offset],
                (key.clone(), value.clone()),
                "offsets are kept"
            );
        }
        assert_eq!(log.log_end_offset(), end);
        assert_eq!(log.first_dirty_offset(), end);
        assert!(clean(&mut log, NOW).is_none(), "nothing new is dirty");

        // The cleaned segments are the ones on disk: a reopen (clean or after a crash) reads them.
        for clean_shutdown in [true, false] {
            let config = log.config().clone();
            drop(log);
            log = Log::open(dir.path(), config, 0, 0, clean_shutdown).unwrap();
            assert_eq!(contents(&log), after);
            assert_eq!(log.log_end_offset(), end);
        }
        // New writes go on after the compacted part and compact against it.
        put(&mut log, &[("k0", Some("new"))], NOW, Compression::None);
        log.roll(NOW).unwrap();
        clean(&mut log, NOW).unwrap();
        let latest = contents(&log);
        assert_eq!(latest.len(), 10);
        assert_eq!(latest[&end], ("k0".to_string(), Some("new".to_string())));
        // The second cleaning merged the small cleaned segments into one (plus the active one).
        assert!(segments_before > 4);
        assert_eq!(log.segment_count(), 2);
    }

    #[test]
    fn a_thinned_batch_keeps_its_offsets_producer_fields_and_every_header() {
        use crate::protocol::batch::{self, BatchHeader};
        use crate::protocol::batch_builder::{BatchBuilder, ProducerFields};
        use crate::protocol::batch_reader::read_records;

        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), compacted()).unwrap();
        // An idempotent producer's batch of k0..k3, each record with a repeated header key.
        let mut b = BatchBuilder::with_capacity(0);
        for k in 0..4 {
            let key = format!("k{k}");
            b.append(
                NOW + k,
                Some(key.as_bytes()),
                Some(b"old"),
                [("h", Some(&b"1"[..])), ("h", Some(&b"2"[..]))].into_iter(),
            );
        }
        for (round, compression) in [Compression::None, Compression::Lz4]
            .into_iter()
            .enumerate()
        {
            let producer = ProducerFields {
                producer_id: 7,
                epoch: 1,
                base_sequence: 4 * round as i32,
                transactional: false,
            };
            let first_offset = log.log_end_offset();
            log.append_as_leader(b_clone(&b, compression, producer), 0, NOW)
                .unwrap();
            // k0 and k3 again: they leave the first batch, from its front and from its end.
            put(
                &mut log,
                &[("k0", Some("new")), ("k3", Some("new"))],
                NOW,
                compression,
            );
            log.roll(NOW).unwrap();
            clean(&mut log, NOW).expect("a dirty log is due");

            let read = log.read(first_offset, 1 << 20, i64::MAX, true).unwrap();
            let bytes = read.records.read_bytes().unwrap();
            let thinned = BatchHeader::parse(&bytes).unwrap();
            assert_eq!(thinned.base_offset, first_offset, "{compression:?}");
            assert_eq!(thinned.last_offset_delta, 3, "the original last offset");
            assert_eq!(thinned.record_count, 2);
            assert_eq!(
                (
                    thinned.producer_id,
                    thinned.producer_epoch,
                    thinned.base_sequence
                ),
                (7, 1, producer.base_sequence)
            );
            assert_eq!(thinned.compression(), compression as u8);
            batch::validate(&bytes[..thinned.size()]).unwrap();
            let records: Vec<_> = read_records(&bytes.slice(..thinned.size()))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let kept: Vec<_> = records
                .iter()
                .map(|r| (r.offset - first_offset, r.key.clone().unwrap()))
                .collect();
            assert_eq!(kept, [(1, Bytes::from("k1")), (2, Bytes::from("k2"))]);
            for r in &records {
                assert_eq!(r.timestamp, NOW + r.offset - first_offset);
                let values: Vec<_> = r
                    .headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                assert_eq!(
                    values,
                    [("h", Some(Bytes::from("1"))), ("h", Some(Bytes::from("2")))]
                );
            }
        }

        fn b_clone(b: &BatchBuilder, compression: Compression, producer: ProducerFields) -> Bytes {
            let mut copy = BatchBuilder::with_capacity(0);
            copy.absorb(b);
            copy.seal(compression, producer).unwrap()
        }
    }

    #[test]
    fn tombstones_last_delete_retention_ms_then_go() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), compacted()).unwrap();
        put(
            &mut log,
            &[("a", Some("1")), ("b", Some("1"))],
            NOW,
            Compression::None,
        );
        put(&mut log, &[("a", None)], NOW, Compression::None);
        log.roll(NOW).unwrap();

        let stats = clean(&mut log, NOW).unwrap();
        assert_eq!(stats.tombstones_removed, 0);
        let kept = contents(&log);
        assert_eq!(kept.len(), 2, "b's value and a's tombstone: {kept:?}");
        assert_eq!(kept[&2], ("a".to_string(), None));

        // Not yet due: nothing to do; once delete.retention.ms has passed the tombstone goes.
        assert!(clean(&mut log, NOW + DAY - 1).is_none());
        let stats = clean(&mut log, NOW + DAY + 1).expect("the tombstone is due");
        assert_eq!(stats.tombstones_removed, 1);
        let left = contents(&log);
        assert_eq!(left.len(), 1);
        assert_eq!(left[&1], ("b".to_string(), Some("1".to_string())));
    }

    #[test]
    fn the_active_segment_lag_and_ratio_hold_cleaning_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), compacted()).unwrap();
        put(
            &mut log,
            &[("a", Some("1")), ("a", Some("2"))],
            NOW,
            Compression::None,
        );
        assert!(clean(&mut log, NOW).is_none(), "only the active segment");
        log.roll(NOW).unwrap();
        assert!(log.clean_plan(0, NOW).is_none(), "above the high watermark");

        let mut lagged = compacted();
        lagged.min_compaction_lag_ms = 60_000;
        log.set_config(lagged);
        assert!(
            clean(&mut log, NOW + 1).is_none(),
            "younger than min.compaction.lag.ms"
        );
        assert!(clean(&mut log, NOW + 60_001).is_some());

        let mut strict = compacted();
        strict.min_cleanable_dirty_ratio = 0.9;
        log.set_config(strict);
        put(&mut log, &[("b", Some("1"))], NOW, Compression::None);
        log.roll(NOW).unwrap();
        assert!(
            clean(&mut log, NOW).is_none(),
            "dirty share below the ratio"
        );
    }

    #[test]
    fn a_log_changed_meanwhile_is_not_swapped() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), compacted()).unwrap();
        for i in 0..50 {
            put(
                &mut log,
                &[("a", Some(&i.to_string()))],
                NOW,
                Compression::None,
            );
        }
        log.roll(NOW).unwrap();
        let plan = log.clean_plan(log.log_end_offset(), NOW).unwrap();
        let cleaned = plan.clean(1 << 20).unwrap();
        log.truncate_to(10).unwrap();
        assert!(matches!(
            log.swap_cleaned(cleaned, NOW),
            Err(super::LogError::CleaningAborted)
        ));
        assert_eq!(contents(&log).len(), 10);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.contains(".cleaned") || n.contains(".swap"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn compacted_topics_refuse_records_without_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(dir.path(), compacted()).unwrap();
        let mut r = record(0, NOW, b"v");
        r.key = None;
        let err = log
            .append_as_leader(encode(&[r], Compression::Gzip), 0, NOW)
            .unwrap_err();
        assert!(err.to_string().contains("without key"), "{err}");
        assert_eq!(log.log_end_offset(), 0);
    }
}
