//! A byte range of a segment's `.log` file, the result of a read.
//!
//! The slice owns an `Arc` to the open file, so the bytes can be read (or later sent with
//! `sendfile`) after the log's lock is released, and even after the segment was deleted or
//! renamed: an open file outlives its name on Unix.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use bytes::Bytes;

/// `len` bytes of `file` starting at `position`.
#[derive(Debug, Clone)]
pub struct FileSlice {
    /// The segment's log file.
    pub file: Arc<File>,
    /// Byte position of the first batch.
    pub position: u64,
    /// Bytes in the slice; may end inside a batch (a fetch may return a partial last batch).
    pub len: usize,
}

impl FileSlice {
    /// True when the slice holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reads the slice with positional reads (no seek, no lock).
    ///
    /// If the file was truncated since the slice was taken (a follower truncating its log),
    /// returns the bytes that still exist; a fetch response may end in a partial batch anyway.
    ///
    /// # Errors
    ///
    /// Any I/O error of `pread`.
    pub fn read_bytes(&self) -> io::Result<Bytes> {
        let mut buf = vec![0u8; self.len];
        let mut filled = 0;
        while filled < buf.len() {
            match self
                .file
                .read_at(&mut buf[filled..], self.position + filled as u64)
            {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        buf.truncate(filled);
        Ok(Bytes::from(buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_the_range_and_tolerates_truncation() {
        let mut tmp = tempfile::tempfile().unwrap();
        tmp.write_all(b"0123456789").unwrap();
        let file = Arc::new(tmp);
        let slice = FileSlice {
            file: file.clone(),
            position: 3,
            len: 4,
        };
        assert_eq!(&slice.read_bytes().unwrap()[..], b"3456");
        file.set_len(5).unwrap();
        assert_eq!(&slice.read_bytes().unwrap()[..], b"34");
        assert!(FileSlice {
            file,
            position: 9,
            len: 0
        }
        .read_bytes()
        .unwrap()
        .is_empty());
    }
}
