//! Kafka's checkpoint files, byte-compatible with Apache Kafka.
//!
//! ```text
//! 0                  <- format version
//! 2                  <- number of entries
//! orders 0 1234      <- one entry per line, fields separated by a space
//! orders 1 998
//! ```
//!
//! Each log dir holds three offset checkpoints in this format (`recovery-point-offset-checkpoint`,
//! `log-start-offset-checkpoint`, `replication-offset-checkpoint`, entries `topic partition
//! offset`); each partition dir holds a `leader-epoch-checkpoint` (entries `epoch startOffset`,
//! see [`super::leader_epoch`]).
//!
//! Writes are atomic: the content goes to `<file>.tmp`, which is fsynced and renamed over the
//! file, then the directory is fsynced so the rename itself survives a crash.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::error::{io_err, LogError, Result};

const VERSION: &str = "0";

/// One entry of an offset checkpoint file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointEntry {
    /// Topic name (never contains whitespace).
    pub topic: String,
    /// Partition index.
    pub partition: i32,
    /// The checkpointed offset.
    pub offset: i64,
}

/// Reads an offset checkpoint file. A missing file reads as empty, as in Kafka.
///
/// # Errors
///
/// [`LogError::Checkpoint`] naming the file and line when the content is malformed,
/// [`LogError::Io`] when it cannot be read.
pub fn read_offset_checkpoint(path: &Path) -> Result<Vec<CheckpointEntry>> {
    read_checkpoint(path, |line| {
        let mut fields = line.split_whitespace();
        let (Some(topic), Some(partition), Some(offset), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(format!("expected `topic partition offset`, found {line:?}"));
        };
        Ok(CheckpointEntry {
            topic: topic.to_string(),
            partition: partition
                .parse()
                .map_err(|_| format!("bad partition {partition:?}"))?,
            offset: offset
                .parse()
                .map_err(|_| format!("bad offset {offset:?}"))?,
        })
    })
}

/// Replaces an offset checkpoint file atomically.
///
/// # Errors
///
/// [`LogError::Io`] when a write, fsync or rename fails; the old file is then left intact.
pub fn write_offset_checkpoint(path: &Path, entries: &[CheckpointEntry]) -> Result<()> {
    let lines = entries
        .iter()
        .map(|e| format!("{} {} {}", e.topic, e.partition, e.offset));
    write_checkpoint(path, entries.len(), lines)
}

/// Reads a checkpoint file, parsing each entry line with `parse`. Missing file: no entries.
pub(crate) fn read_checkpoint<T>(
    path: &Path,
    parse: impl Fn(&str) -> std::result::Result<T, String>,
) -> Result<Vec<T>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            return Err(malformed(path, 0, "not UTF-8 text".into()));
        }
        Err(e) => return Err(io_err(path)(e)),
    };
    let mut lines: Vec<&str> = text.lines().collect();
    // Tolerate blank lines at the end (an editor's extra newline), nowhere else.
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let Some((version, rest)) = lines.split_first() else {
        return Err(malformed(
            path,
            1,
            "empty file, expected the version line".into(),
        ));
    };
    if version.trim() != VERSION {
        return Err(malformed(
            path,
            1,
            format!("unsupported version {version:?}, expected 0"),
        ));
    }
    let Some((count, rest)) = rest.split_first() else {
        return Err(malformed(path, 2, "missing the entry count line".into()));
    };
    let expected: usize = count
        .trim()
        .parse()
        .map_err(|_| malformed(path, 2, format!("bad entry count {count:?}")))?;
    if rest.len() != expected {
        return Err(malformed(
            path,
            3 + rest.len(),
            format!("expected {expected} entries, found {}", rest.len()),
        ));
    }
    rest.iter()
        .enumerate()
        .map(|(i, line)| parse(line.trim()).map_err(|reason| malformed(path, i + 3, reason)))
        .collect()
}

/// Writes `version`, `count`, then `lines` to `path` atomically (tmp file, fsync, rename,
/// fsync of the directory).
pub(crate) fn write_checkpoint(
    path: &Path,
    count: usize,
    lines: impl Iterator<Item = String>,
) -> Result<()> {
    let mut text = format!("{VERSION}\n{count}\n");
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    let tmp = tmp_path(path);
    let write = || -> io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    };
    write().map_err(io_err(&tmp))?;
    fs::rename(&tmp, path).map_err(io_err(path))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Fsyncs a directory so that renames and new files in it are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

fn malformed(path: &Path, line: usize, reason: String) -> LogError {
    LogError::Checkpoint {
        path: path.to_path_buf(),
        line,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(topic: &str, partition: i32, offset: i64) -> CheckpointEntry {
        CheckpointEntry {
            topic: topic.into(),
            partition,
            offset,
        }
    }

    #[test]
    fn round_trip_in_kafkas_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("recovery-point-offset-checkpoint");
        let entries = vec![entry("orders", 0, 1234), entry("__consumer_offsets", 17, 0)];
        write_offset_checkpoint(&path, &entries).unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "0\n2\norders 0 1234\n__consumer_offsets 17 0\n"
        );
        assert_eq!(read_offset_checkpoint(&path).unwrap(), entries);
        assert!(!tmp_path(&path).exists());

        write_offset_checkpoint(&path, &[]).unwrap();
        assert_eq!(read_offset_checkpoint(&path).unwrap(), vec![]);
        assert_eq!(
            read_offset_checkpoint(&dir.path().join("missing")).unwrap(),
            vec![]
        );
    }

    #[test]
    fn tolerates_missing_or_extra_final_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp");
        fs::write(&path, "0\n1\nt 3 42").unwrap();
        assert_eq!(
            read_offset_checkpoint(&path).unwrap(),
            vec![entry("t", 3, 42)]
        );
        fs::write(&path, "0\n1\nt 3 42\n\n").unwrap();
        assert_eq!(
            read_offset_checkpoint(&path).unwrap(),
            vec![entry("t", 3, 42)]
        );
    }

    #[test]
    fn malformed_files_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log-start-offset-checkpoint");
        let cases = [
            ("", 1),
            ("1\n0\n", 1),
            ("0\n", 2),
            ("0\nx\n", 2),
            ("0\n2\nt 0 1\n", 4),
            ("0\n1\nt 0\n", 3),
            ("0\n1\nt 0 1 2\n", 3),
            ("0\n2\nt 0 1\nt zero 1\n", 4),
            ("0\n1\nt 0 -x\n", 3),
        ];
        for (text, line) in cases {
            fs::write(&path, text).unwrap();
            match read_offset_checkpoint(&path) {
                Err(LogError::Checkpoint {
                    path: p, line: l, ..
                }) => {
                    assert_eq!((p.as_path(), l), (path.as_path(), line), "{text:?}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }
}
