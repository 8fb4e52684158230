//! Kafka's framing: every request and response is a big-endian `i32` length, then that many bytes.
//!
//! The length is untrusted: it is checked against the configured maximum before a single byte of
//! the body is reserved, so a peer cannot make us allocate what it never sends.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::recycle::{RecycleBudget, Recycler};
use super::ProtocolError;

/// Kafka's default `socket.request.max.bytes` (100 MiB).
pub const DEFAULT_MAX_FRAME_BYTES: usize = 100 * 1024 * 1024;

/// Reads one frame body. Returns `Ok(None)` on a clean end of stream between frames.
///
/// # Errors
/// [`ProtocolError::FrameSize`] when the declared length is negative or above `max_bytes`,
/// [`ProtocolError::Truncated`] when the stream ends inside a frame, and I/O errors.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    max_bytes: usize,
) -> Result<Option<Bytes>, ProtocolError> {
    read_frame_watermarked(reader, max_bytes, |_| {}).await
}

/// Bodies at least this large are read with a low-water mark (see [`read_frame_watermarked`]).
pub const WATERMARKED_MIN: usize = 256 * 1024;
/// The highest mark set: larger marks left the sender waiting for the reader (measured).
pub const WATERMARK_MAX: usize = 256 * 1024;

/// The mark to set before reading more of a body of `len` bytes of which `missing` are still
/// to come; `None` for bodies too small to be worth it.
fn watermark(len: usize, missing: usize) -> Option<usize> {
    (len >= WATERMARKED_MIN).then(|| missing.min(WATERMARK_MAX))
}

/// [`read_frame`] for a reader that can wait for many bytes at once: before each read of a
/// body of [`WATERMARKED_MIN`] bytes or more, `low_water` is told how many to wait for (the
/// bytes still missing, at most [`WATERMARK_MAX`]), and `low_water(1)` once the body is in.
/// `low_water` must never ask for more than the stream will bring, which the missing bytes of
/// the frame being read never are.
pub async fn read_frame_watermarked<R: AsyncRead + Unpin>(
    reader: &mut R,
    max_bytes: usize,
    mut low_water: impl FnMut(usize),
) -> Result<Option<Bytes>, ProtocolError> {
    let mut len_buf = [0u8; 4];
    match reader.read_exact(&mut len_buf).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let declared = i32::from_be_bytes(len_buf);
    let len = check_length(declared, max_bytes)?;
    // Read into spare capacity: zeroing the body first was 4% of a consumer's CPU, a pass over
    // memory the copy from the socket writes anyway.
    let mut body = BytesMut::with_capacity(len);
    let mut marked = false;
    while body.len() < len {
        let missing = len - body.len();
        if let Some(mark) = watermark(len, missing) {
            low_water(mark);
            marked = true;
        }
        let mut rest = (&mut body).limit(missing);
        if reader.read_buf(&mut rest).await? == 0 {
            return Err(ProtocolError::Truncated);
        }
    }
    if marked {
        low_water(1);
    }
    Ok(Some(body.freeze()))
}

/// How much a [`FrameReader`] asks the socket for while it waits for a frame's length.
const READ_AHEAD: usize = 16 * 1024;

/// Frames at least this large are read into recycled buffers.
const RECYCLE_MIN: usize = 64 * 1024;
/// Buffers a reader keeps for reuse: the frames in flight on its connection and a few more.
const KEPT_PER_READER: usize = 8;
/// What all readers together may keep for reuse; past it large frames get fresh buffers.
static KEPT_BY_READERS: RecycleBudget = RecycleBudget::new(64 * 1024 * 1024);

/// Reads frames like [`read_frame`], but keeps what it has read in its own buffer, so a
/// `next` future dropped midway (a `select!` that took another branch) loses nothing.
///
/// Large frames (produce requests) are read into the memory of earlier ones their handlers
/// dropped ([`Recycler`]): before, page faults on fresh buffers were nearly all of the broker's
/// under produce load.
#[derive(Debug)]
pub struct FrameReader {
    buf: BytesMut,
    recycler: Recycler,
    /// A low-water mark is set on the socket (see [`FrameReader::next_watermarked`]).
    watermarked: bool,
}

impl Default for FrameReader {
    fn default() -> FrameReader {
        FrameReader {
            buf: BytesMut::new(),
            recycler: Recycler::new(KEPT_PER_READER, Some(&KEPT_BY_READERS)),
            watermarked: false,
        }
    }
}

impl FrameReader {
    /// The next frame's body; `None` at end of stream on a frame boundary. The declared length
    /// is checked against `max_bytes` before anything is reserved for the body.
    ///
    /// # Errors
    ///
    /// [`ProtocolError::FrameSize`], [`ProtocolError::Truncated`] (end of stream mid-frame),
    /// [`ProtocolError::Io`].
    pub async fn next<R: AsyncRead + Unpin>(
        &mut self,
        reader: &mut R,
        max_bytes: usize,
    ) -> Result<Option<Bytes>, ProtocolError> {
        self.next_watermarked(reader, max_bytes, |_| {}).await
    }

    /// [`FrameReader::next`] with a low-water mark while a large body comes in, as
    /// [`read_frame_watermarked`] sets it.
    pub async fn next_watermarked<R: AsyncRead + Unpin>(
        &mut self,
        reader: &mut R,
        max_bytes: usize,
        mut low_water: impl FnMut(usize),
    ) -> Result<Option<Bytes>, ProtocolError> {
        loop {
            // How much the next read may take.
            let limit = if let Some(length) = self.buf.get(..4) {
                let declared = i32::from_be_bytes([length[0], length[1], length[2], length[3]]);
                let len = check_length(declared, max_bytes)?;
                if self.buf.len() - 4 >= len {
                    if self.watermarked {
                        low_water(1);
                        self.watermarked = false;
                    }
                    self.buf.advance(4);
                    let frame = self.buf.split_to(len).freeze();
                    if len >= RECYCLE_MIN {
                        self.recycler.keep(&frame);
                    }
                    return Ok(Some(frame));
                }
                if len >= RECYCLE_MIN && self.buf.capacity() < 4 + len {
                    if let Some(mut spare) = self.recycler.take() {
                        spare.reserve(4 + len);
                        spare.extend_from_slice(&self.buf);
                        self.buf = spare;
                    }
                }
                let missing = 4 + len - self.buf.len();
                self.buf.reserve(missing);
                // The buffer holds only this frame's bytes, so the socket will bring at least
                // the missing ones.
                if let Some(mark) = watermark(len, missing) {
                    low_water(mark);
                    self.watermarked = true;
                }
                // A large frame is read up to its last byte and not past it: the next frame's
                // first bytes would be left in this frame's buffer, then copied into one of
                // their own (5% of the broker's CPU under 1 MiB produce requests). A small one
                // may bring the next small requests with it.
                if len >= RECYCLE_MIN {
                    missing
                } else {
                    missing.max(READ_AHEAD)
                }
            } else {
                // At most READ_AHEAD: the buffer may be a large frame's reclaimed memory.
                self.buf.reserve(READ_AHEAD);
                READ_AHEAD
            };
            if reader.read_buf(&mut (&mut self.buf).limit(limit)).await? == 0 {
                return if self.buf.len() < 4 {
                    Ok(None)
                } else {
                    Err(ProtocolError::Truncated)
                };
            }
        }
    }
}

/// Validates a declared frame length; the only place a peer's length becomes a `usize`.
pub fn check_length(declared: i32, max_bytes: usize) -> Result<usize, ProtocolError> {
    match usize::try_from(declared) {
        Ok(len) if len <= max_bytes => Ok(len),
        _ => Err(ProtocolError::FrameSize {
            declared: declared.into(),
            max: max_bytes,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frame_reader_reads_frames_split_anywhere() {
        let (mut client, mut server) = tokio::io::duplex(64);
        let writer = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let mut bytes = Vec::new();
            for body in [&b"abc"[..], b"", &[7u8; 300]] {
                bytes.extend_from_slice(&(body.len() as u32).to_be_bytes());
                bytes.extend_from_slice(body);
            }
            for piece in bytes.chunks(5) {
                client.write_all(piece).await.unwrap();
            }
        });
        let mut frames = FrameReader::default();
        assert_eq!(
            &frames.next(&mut server, 1000).await.unwrap().unwrap()[..],
            b"abc"
        );
        assert!(frames
            .next(&mut server, 1000)
            .await
            .unwrap()
            .unwrap()
            .is_empty());
        assert_eq!(
            frames.next(&mut server, 1000).await.unwrap().unwrap().len(),
            300
        );
        writer.await.unwrap();
        assert!(frames.next(&mut server, 1000).await.unwrap().is_none());

        let mut too_big: &[u8] = &[0, 0, 4, 0, 1];
        assert!(matches!(
            FrameReader::default().next(&mut too_big, 1000).await,
            Err(ProtocolError::FrameSize { .. })
        ));
        let mut cut: &[u8] = &[0, 0, 0, 3, 1];
        assert!(matches!(
            FrameReader::default().next(&mut cut, 1000).await,
            Err(ProtocolError::Truncated)
        ));
    }

    #[tokio::test]
    async fn a_large_frame_is_read_without_the_bytes_of_the_next() {
        // Everything is in the stream at once: a read may take as much as the buffer holds.
        let sizes = [1024 * 1024, 200 * 1024, 200 * 1024, 100];
        let mut stream = Vec::new();
        for (i, size) in sizes.iter().enumerate() {
            stream.extend_from_slice(&(*size as u32).to_be_bytes());
            stream.extend(std::iter::repeat_n(i as u8, *size));
        }
        let mut reader = &stream[..];
        let mut frames = FrameReader::default();
        for (i, size) in sizes.iter().enumerate() {
            let frame = frames.next(&mut reader, 2 << 20).await.unwrap().unwrap();
            assert_eq!(frame.len(), *size);
            assert!(frame.iter().all(|b| *b == i as u8));
            if *size >= RECYCLE_MIN {
                // A recycled buffer is larger than the frame read into it: without the limit
                // the next frame's first bytes would sit here, to be copied out again.
                assert!(
                    frames.buf.is_empty(),
                    "frame {i}: {} bytes of the next",
                    frames.buf.len()
                );
            }
            drop(frame);
        }
    }

    fn frames_of(sizes: &[usize]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for &size in sizes {
            bytes.extend_from_slice(&(size as u32).to_be_bytes());
            bytes.extend(std::iter::repeat_n(7u8, size));
        }
        bytes
    }

    async fn read_one(
        reader: &str,
        frames: &mut FrameReader,
        stream: &mut tokio::io::DuplexStream,
        marks: &mut Vec<usize>,
    ) -> Bytes {
        let record = |n| marks.push(n);
        let frame = match reader {
            "read_frame" => read_frame_watermarked(stream, 1 << 30, record).await,
            _ => frames.next_watermarked(stream, 1 << 30, record).await,
        };
        frame.unwrap().unwrap()
    }

    #[tokio::test]
    async fn a_large_body_is_read_with_a_mark_never_above_its_missing_bytes() {
        let big = WATERMARKED_MIN * 2 + 1000;
        let bytes = frames_of(&[big, 10]);
        for reader in ["read_frame", "FrameReader"] {
            let (mut client, mut server) = tokio::io::duplex(64 * 1024);
            let bytes = bytes.clone();
            let writer = tokio::spawn(async move {
                use tokio::io::AsyncWriteExt;
                client.write_all(&bytes).await.unwrap();
                client
            });
            let mut marks = Vec::new();
            let mut frames = FrameReader::default();
            let frame = read_one(reader, &mut frames, &mut server, &mut marks).await;
            assert_eq!(frame.len(), big);
            assert_eq!(marks.first(), Some(&WATERMARK_MAX), "{reader}");
            assert_eq!(
                marks.last(),
                Some(&1),
                "{reader}: the mark is lifted at the end"
            );
            assert!(
                marks.iter().all(|&m| m <= WATERMARK_MAX),
                "{reader}: {marks:?}"
            );
            marks.clear();
            let frame = read_one(reader, &mut frames, &mut server, &mut marks).await;
            assert_eq!(frame.len(), 10);
            assert!(marks.is_empty(), "{reader}: a small frame sets no mark");
            drop(writer.await.unwrap());
        }
    }

    /// The kernel's side: a mark left higher than what is coming would hang the connection.
    #[tokio::test]
    async fn a_small_frame_after_a_large_one_arrives_on_a_marked_socket() {
        use crate::security::stream::MaybeTlsRead;
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (first_read, wait_for_first) = tokio::sync::oneshot::channel::<()>();
        let writer = tokio::spawn(async move {
            let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
            socket.write_all(&frames_of(&[3_000_000])).await.unwrap();
            // The small frame leaves only once the large one was read, and the socket stays
            // open: only the marks decide whether the reader is woken for it.
            wait_for_first.await.unwrap();
            socket.write_all(&frames_of(&[5])).await.unwrap();
            socket
        });
        let (socket, _) = listener.accept().await.unwrap();
        let (read_half, _write_half) = socket.into_split();
        // The handle the broker and the client use, with its skipping of unchanged marks.
        let mut read_half = MaybeTlsRead::<tokio::net::TcpStream>::Plain(read_half);
        let mut low_water = read_half.receive_low_water();
        let mut frames = FrameReader::default();
        let read_both = async {
            let first = frames
                .next_watermarked(&mut read_half, 1 << 30, |n| low_water.set(n))
                .await;
            first_read.send(()).unwrap();
            let second = frames
                .next_watermarked(&mut read_half, 1 << 30, |n| low_water.set(n))
                .await;
            (first, second)
        };
        let (first, second) = tokio::time::timeout(std::time::Duration::from_secs(20), read_both)
            .await
            .expect("the reader hung on its low-water mark");
        assert_eq!(first.unwrap().unwrap().len(), 3_000_000);
        assert_eq!(second.unwrap().unwrap().len(), 5);
        drop(writer.await.unwrap());
    }

    #[tokio::test]
    async fn large_frames_reuse_the_memory_of_frames_their_handlers_dropped() {
        let mut bytes = Vec::new();
        for fill in [1u8, 2, 3] {
            bytes.extend_from_slice(&(100_000u32).to_be_bytes());
            bytes.extend_from_slice(&[fill; 100_000]);
        }
        let mut stream: &[u8] = &bytes;
        let mut frames = FrameReader::default();
        // Two frames in flight at once, as on a pipelined connection.
        let first = frames.next(&mut stream, 1 << 20).await.unwrap().unwrap();
        let second = frames.next(&mut stream, 1 << 20).await.unwrap().unwrap();
        drop(first);
        let third = frames.next(&mut stream, 1 << 20).await.unwrap().unwrap();
        assert_eq!(
            frames.recycler.reused, 1,
            "the dropped frame's buffer was taken back"
        );
        assert!(
            second.iter().all(|&b| b == 2),
            "a held frame is never reused"
        );
        assert!(third.iter().all(|&b| b == 3));
    }

    #[tokio::test]
    async fn reads_frames_and_rejects_bad_lengths() {
        let mut data: &[u8] = &[0, 0, 0, 3, b'a', b'b', b'c'];
        assert_eq!(
            read_frame(&mut data, 10).await.unwrap().unwrap(),
            Bytes::from_static(b"abc")
        );
        assert!(read_frame(&mut data, 10).await.unwrap().is_none());

        let mut negative: &[u8] = &(-1i32).to_be_bytes();
        assert!(matches!(
            read_frame(&mut negative, 10).await,
            Err(ProtocolError::FrameSize { .. })
        ));

        let mut huge: &[u8] = &i32::MAX.to_be_bytes();
        assert!(matches!(
            read_frame(&mut huge, 1000).await,
            Err(ProtocolError::FrameSize { .. })
        ));

        let mut short: &[u8] = &[0, 0, 0, 9, 1, 2];
        assert!(matches!(
            read_frame(&mut short, 10).await,
            Err(ProtocolError::Truncated)
        ));
    }
}
