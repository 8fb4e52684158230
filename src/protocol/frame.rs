//! Kafka's framing: every request and response is a big-endian `i32` length, then that many bytes.
//!
//! The length is untrusted: it is checked against the configured maximum before a single byte of
//! the body is reserved, so a peer cannot make us allocate what it never sends.

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};

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
    let mut len_buf = [0u8; 4];
    match reader.read_exact(&mut len_buf).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let declared = i32::from_be_bytes(len_buf);
    let len = check_length(declared, max_bytes)?;
    let mut body = BytesMut::zeroed(len);
    match reader.read_exact(&mut body).await {
        Ok(_) => Ok(Some(body.freeze())),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(ProtocolError::Truncated),
        Err(e) => Err(e.into()),
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
