//! Loading a partition directory at start-up, repairing it after a crash.
//!
//! What gets read:
//!
//! - Always: the directory listing and every index file (small: ~0.2% of the log), checked
//!   cheaply (whole entries, strictly increasing, last entry inside the log). A segment with a
//!   missing or failing index is recovered.
//! - After a clean shutdown: the headers after the last index entry of the last segment, to
//!   find the log end offset. Nothing is validated; a tail that does not parse is recovered.
//! - After a crash: every batch from the recovery point on (the offset up to which data was
//!   fsynced) is validated, CRC included. In the segment holding the recovery point, the scan
//!   starts at the last index entry below it, so a recent recovery point means reading only the
//!   unflushed tail. At the first torn or invalid batch the segment is truncated there and every
//!   later segment is deleted; nothing before it is dropped.
//!
//! Leftovers of Kafka's own file operations are handled as Kafka does: `*.deleted` and
//! `*.cleaned` files are removed; a `*.log.swap` (a compacted segment whose swap-in was
//! interrupted) replaces the segments it covers, unless it is newer than a `.cleaned` file, in
//! which case the cleaning never finished and it is removed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::config::LogConfig;
use super::error::{io_err, Result};
use super::leader_epoch::LeaderEpochCache;
use super::segment::{
    file_name, BatchReader, Scan, Segment, DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX,
    TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX,
};

use super::cleaner::{CLEANED_SUFFIX, SWAP_SUFFIX};
const INDEX_SUFFIXES: [&str; 3] = [INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX];

/// What opening a log found and did. Useful in logs, and proof in tests that a clean restart
/// does not scan the data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Segments found on disk.
    pub segments_loaded: usize,
    /// Segments whose batches were validated and whose indexes were rebuilt.
    pub segments_recovered: usize,
    /// Batches whose CRC was checked.
    pub batches_validated: u64,
    /// Batch headers read without validation (the tail after a clean shutdown).
    pub headers_scanned: u64,
    /// Bytes cut off the end of the log (torn or corrupt tail).
    pub bytes_truncated: u64,
    /// Segments deleted because they followed a corrupt batch or the log start offset.
    pub segments_deleted: usize,
    /// Leftover `.deleted`, `.cleaned`, `.swap` and orphan index files removed.
    pub stray_files_removed: usize,
    /// Interrupted compaction swaps completed.
    pub swaps_completed: usize,
}

/// Opens every segment of `dir`, recovering as described in the module docs. The result is
/// ordered by base offset and may be empty.
pub(crate) fn load_segments(
    dir: &Path,
    config: &LogConfig,
    recovery_point: i64,
    had_clean_shutdown: bool,
    epochs: &mut LeaderEpochCache,
    now_ms: i64,
) -> Result<(BTreeMap<i64, Segment>, RecoveryReport)> {
    let mut report = RecoveryReport::default();
    let bases = clean_directory(dir, &mut report)?;

    let mut segments = BTreeMap::new();
    let mut suspect = BTreeSet::new();
    for &base in &bases {
        let (segment, indexes_present) = Segment::open(dir, base, config, now_ms)?;
        if !indexes_present {
            tracing::warn!(segment = %segment.log_path().display(), "index file missing, rebuilding");
            suspect.insert(base);
        }
        segments.insert(base, segment);
    }
    report.segments_loaded = segments.len();
    let keys: Vec<i64> = segments.keys().copied().collect();
    for (i, &base) in keys.iter().enumerate() {
        let next_base = keys.get(i + 1).copied().unwrap_or(i64::MAX);
        let segment = &segments[&base];
        let check = segment
            .index()
            .sanity_check(segment.size())
            .and_then(|()| segment.time_index().sanity_check(next_base));
        if let Err(reason) = check {
            if !suspect.contains(&base) {
                tracing::warn!(segment = %segment.log_path().display(), %reason, "corrupt index, rebuilding");
                suspect.insert(base);
            }
        }
    }

    // After a crash, everything from the segment holding the recovery point on is unflushed.
    let first_unflushed = if had_clean_shutdown {
        i64::MAX
    } else {
        segments
            .range(..=recovery_point)
            .next_back()
            .map_or(i64::MIN, |(&base, _)| base)
    };

    let mut truncated_at = None;
    for (i, &base) in keys.iter().enumerate() {
        let is_last = i + 1 == keys.len();
        let unflushed = base >= first_unflushed;
        let Some(segment) = segments.get_mut(&base) else {
            continue;
        };
        let needs_recovery = unflushed || suspect.contains(&base);
        let truncated = if needs_recovery {
            // A bad index is rebuilt whole; an unflushed tail keeps what was fsynced.
            let keep_below = if unflushed && !suspect.contains(&base) {
                recovery_point
            } else {
                i64::MIN
            };
            recover(segment, keep_below, epochs, &mut report)?
        } else if is_last {
            let tail = segment.load_tail()?;
            report.headers_scanned += tail.batches;
            if tail.problem.is_some() || tail.position != segment.size() {
                tracing::warn!(
                    segment = %segment.log_path().display(),
                    problem = tail.problem.as_deref().unwrap_or("trailing bytes"),
                    "log tail unreadable after a clean shutdown, recovering"
                );
                recover(segment, i64::MIN, epochs, &mut report)?
            } else {
                0
            }
        } else {
            segment.set_next_offset(keys[i + 1]);
            0
        };
        if needs_recovery && !is_last {
            // Recovery rewrote this sealed segment's indexes; write them out now.
            segment.seal()?;
        }
        if truncated > 0 && !is_last {
            truncated_at = Some(i);
            break;
        }
    }

    if let Some(i) = truncated_at {
        for base in &keys[i + 1..] {
            if let Some(mut segment) = segments.remove(base) {
                tracing::warn!(segment = %segment.log_path().display(), "deleting segment after a corrupt batch");
                remove_files(&segment.rename_to_deleted()?)?;
                report.segments_deleted += 1;
            }
        }
    }
    Ok((segments, report))
}

fn recover(
    segment: &mut Segment,
    keep_below: i64,
    epochs: &mut LeaderEpochCache,
    report: &mut RecoveryReport,
) -> Result<u64> {
    let (end, truncated) = segment.recover(keep_below, Some(epochs))?;
    report.segments_recovered += 1;
    report.batches_validated += end.batches;
    report.bytes_truncated += truncated;
    if truncated > 0 {
        tracing::warn!(
            segment = %segment.log_path().display(),
            position = end.position,
            truncated,
            problem = end.problem.as_deref().unwrap_or("trailing bytes"),
            "truncated invalid bytes at the end of the log"
        );
    }
    // Recovered data may sit in the page cache only: the next flush must cover it.
    segment.modified_seq = 1;
    Ok(truncated)
}

/// Removes Kafka's leftover temporary files, completes interrupted swaps, removes index files
/// without a log, and returns the base offsets of the segments.
fn clean_directory(dir: &Path, report: &mut RecoveryReport) -> Result<BTreeSet<i64>> {
    let mut logs = BTreeSet::new();
    let mut index_files = Vec::new();
    let mut swaps = Vec::new();
    let mut min_cleaned = i64::MAX;
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let path = entry.map_err(io_err(dir))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if name.ends_with(DELETED_SUFFIX) {
            remove_stray(&path, report)?;
        } else if let Some(inner) = name.strip_suffix(CLEANED_SUFFIX) {
            if let Some(base) = base_offset_of(inner) {
                min_cleaned = min_cleaned.min(base);
            }
            remove_stray(&path, report)?;
        } else if name.ends_with(SWAP_SUFFIX) {
            swaps.push(path);
        } else if let Some(base) = segment_base(&name, LOG_SUFFIX) {
            logs.insert(base);
        } else if let Some(base) = INDEX_SUFFIXES.iter().find_map(|s| segment_base(&name, s)) {
            index_files.push((base, path));
        }
    }

    for swap in swaps {
        let inner = swap
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(SWAP_SUFFIX));
        match inner.and_then(|n| segment_base(n, LOG_SUFFIX).map(|b| (b, n.to_owned()))) {
            Some((base, log_name)) if base < min_cleaned => {
                complete_swap(dir, &swap, base, &log_name, &mut logs)?;
                report.swaps_completed += 1;
            }
            // Index swaps are rebuilt from the log; swaps newer than a `.cleaned` file belong to
            // a cleaning that never finished.
            _ => remove_stray(&swap, report)?,
        }
    }

    for (base, path) in index_files {
        if !logs.contains(&base) && path.exists() {
            remove_stray(&path, report)?;
        }
    }
    Ok(logs)
}

/// Puts a compacted segment in place of the segments whose offsets it covers.
fn complete_swap(
    dir: &Path,
    swap: &Path,
    base: i64,
    log_name: &str,
    logs: &mut BTreeSet<i64>,
) -> Result<()> {
    let file = fs::File::open(swap).map_err(io_err(swap))?;
    let len = file.metadata().map_err(io_err(swap))?.len();
    let mut reader = BatchReader::new(&file, 0, len, 64 * 1024);
    let mut next_offset = base;
    while let Scan::Batch { header, .. } = reader.next(false).map_err(io_err(swap))? {
        next_offset = header.next_offset();
    }
    let replaced: Vec<i64> = logs
        .range(base..next_offset.max(base + 1))
        .copied()
        .collect();
    for old in replaced {
        for suffix in [
            LOG_SUFFIX,
            INDEX_SUFFIX,
            TIME_INDEX_SUFFIX,
            TXN_INDEX_SUFFIX,
        ] {
            remove_if_exists(&dir.join(file_name(old, suffix)))?;
        }
        logs.remove(&old);
    }
    for suffix in [INDEX_SUFFIX, TIME_INDEX_SUFFIX] {
        remove_if_exists(&dir.join(file_name(base, suffix)))?;
    }
    let target = dir.join(log_name);
    fs::rename(swap, &target).map_err(io_err(&target))?;
    tracing::info!(segment = %target.display(), "completed an interrupted compaction swap");
    logs.insert(base);
    Ok(())
}

/// `Some(base)` for `{digits}{suffix}`.
fn segment_base(name: &str, suffix: &str) -> Option<i64> {
    base_offset_of(name.strip_suffix(suffix)?)
}

/// The base offset at the start of a segment file name (`00000000000000000042.log.cleaned`).
fn base_offset_of(name: &str) -> Option<i64> {
    let digits = name.split('.').next()?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn remove_stray(path: &Path, report: &mut RecoveryReport) -> Result<()> {
    tracing::info!(file = %path.display(), "removing leftover file");
    remove_if_exists(path)?;
    report.stray_files_removed += 1;
    Ok(())
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err(path)(e)),
        _ => Ok(()),
    }
}

/// Removes files (typically the `*.deleted` paths of deleted segments); missing ones are fine.
///
/// # Errors
///
/// [`super::LogError::Io`] for the first file that cannot be removed.
pub fn remove_files(paths: &[PathBuf]) -> Result<()> {
    paths.iter().try_for_each(|p| remove_if_exists(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_segment_file_names() {
        assert_eq!(
            segment_base("00000000000000000042.log", LOG_SUFFIX),
            Some(42)
        );
        assert_eq!(segment_base("00000000000000000042.index", LOG_SUFFIX), None);
        assert_eq!(segment_base("leader-epoch-checkpoint", LOG_SUFFIX), None);
        assert_eq!(segment_base("x.log", LOG_SUFFIX), None);
        assert_eq!(base_offset_of("00000000000000000007.log"), Some(7));
        assert_eq!(
            base_offset_of("99999999999999999999999.log"),
            None,
            "overflow"
        );
    }
}
