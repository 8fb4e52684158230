//! Encoding a message without copying its record data.
//!
//! Record batches are most of the bytes of Produce requests and Fetch responses. `kafka-protocol`
//! encodes a message into one buffer, which would copy every batch into it. Instead the caller
//! encodes into a [`SplicingBuf`] and names the pieces it wants left out ("spliced"): when the
//! encoder copies in a slice that is one of them, the buffer closes the bytes encoded so far and
//! records the piece itself. The frame comes out as a list of byte runs and pieces, in wire
//! order, to be written with vectored writes or `sendfile`.
//!
//! A piece is recognised by address and length ([`Splice::is_encoded_as`]): the client passes the
//! batch's own `Bytes` as the message's records; the broker's Fetch passes a placeholder slice
//! standing for a segment file range (`broker::response`).

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};

use super::ProtocolError;

/// Something that can take the place of a slice the encoder writes.
pub trait Splice {
    /// Whether `src` (what the encoder is copying in) is this piece's stand-in.
    fn is_encoded_as(&self, src: &[u8]) -> bool;
    /// How many bytes the piece puts on the wire.
    fn wire_len(&self) -> usize;
}

/// A batch given to the encoder as itself: found by its own address.
impl Splice for Bytes {
    fn is_encoded_as(&self, src: &[u8]) -> bool {
        self.len() == src.len() && std::ptr::eq(self.as_ptr(), src.as_ptr())
    }
    fn wire_len(&self) -> usize {
        self.len()
    }
}

/// One run of an encoded frame.
#[derive(Debug, Clone)]
pub enum Piece<P> {
    Encoded(Bytes),
    Spliced(P),
}

/// The buffer `kafka-protocol` encodes into: bytes go to `current`; a spliced piece's stand-in
/// closes `current` and adds the piece.
/// Its `BufMut` impl, which `kafka-protocol` writes through, is in [`crate::unsafe_code`].
pub struct SplicingBuf<P> {
    pub(crate) current: BytesMut,
    pieces: Vec<Piece<P>>,
    pending: VecDeque<P>,
}

impl<P: Splice> SplicingBuf<P> {
    /// A buffer that splices `pending`, which the encoder must meet in this order.
    pub fn new(pending: Vec<P>) -> Self {
        SplicingBuf {
            current: BytesMut::with_capacity(256),
            pieces: Vec::with_capacity(pending.len() * 2 + 1),
            pending: pending.into(),
        }
    }

    /// The whole frame of a `what` ("request", "response"): its 4-byte size, then the pieces
    /// in order. An error when the stand-in of a piece never came, or past 2 GiB.
    pub fn finish_frame(mut self, what: &'static str) -> Result<Vec<Piece<P>>, ProtocolError> {
        let encode_error = |source| ProtocolError::Encode { what, source };
        if !self.pending.is_empty() {
            return Err(encode_error(anyhow::anyhow!(
                "{} spliced record sets were not met while encoding",
                self.pending.len()
            )));
        }
        if !self.current.is_empty() {
            self.pieces.push(Piece::Encoded(self.current.freeze()));
        }
        let size: usize = self
            .pieces
            .iter()
            .map(|piece| match piece {
                Piece::Encoded(bytes) => bytes.len(),
                Piece::Spliced(spliced) => spliced.wire_len(),
            })
            .sum();
        let size =
            i32::try_from(size).map_err(|_| encode_error(anyhow::anyhow!("larger than 2 GiB")))?;
        let mut frame = Vec::with_capacity(self.pieces.len() + 1);
        frame.push(Piece::Encoded(Bytes::copy_from_slice(&size.to_be_bytes())));
        frame.append(&mut self.pieces);
        Ok(frame)
    }

    /// Splices the next piece in if `src` is its stand-in.
    pub(crate) fn splice(&mut self, src: &[u8]) -> bool {
        if !self.pending.front().is_some_and(|p| p.is_encoded_as(src)) {
            return false;
        }
        if let Some(piece) = self.pending.pop_front() {
            if !self.current.is_empty() {
                let before = self.current.split().freeze();
                self.pieces.push(Piece::Encoded(before));
            }
            self.pieces.push(Piece::Spliced(piece));
        }
        true
    }
}

impl<P: Splice> kafka_protocol::protocol::buf::ByteBufMut for SplicingBuf<P> {
    // Only record batch encoding seeks back into its buffer (for sizes and CRCs); message
    // encoding writes strictly forward, so these only ever touch `current`.
    fn offset(&self) -> usize {
        self.current.len()
    }
    fn seek(&mut self, offset: usize) {
        self.current.resize(offset, 0);
    }
    fn range(&mut self, r: std::ops::Range<usize>) -> &mut [u8] {
        &mut self.current[r]
    }
}

/// The slices for one vectored write of `runs`, at most as many as Linux takes per call.
pub fn io_slices<B: AsRef<[u8]>>(runs: &[B]) -> Vec<IoSlice<'_>> {
    const MAX_SLICES: usize = 1024;
    runs.iter()
        .take(MAX_SLICES)
        .map(|run| IoSlice::new(run.as_ref()))
        .collect()
}

/// After a vectored write of `written` bytes from `runs[*next..]`: moves `next` past the runs
/// written whole and advances the one written in part.
pub fn advance_runs<B: Buf>(runs: &mut [B], next: &mut usize, mut written: usize) {
    while written > 0 {
        let Some(run) = runs.get_mut(*next) else {
            return;
        };
        let left = run.remaining();
        if written >= left {
            written -= left;
            *next += 1;
        } else {
            run.advance(written);
            written = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BufMut;

    #[test]
    fn a_spliced_slice_is_kept_by_reference_and_others_are_copied() {
        let batch = Bytes::from(vec![7u8; 100]);
        let same_content = vec![7u8; 100];
        let mut buf = SplicingBuf::new(vec![batch.clone()]);
        buf.put_slice(b"head");
        buf.put_slice(&same_content); // equal bytes elsewhere: copied
        buf.put_slice(&batch);
        buf.put_slice(b"tail");
        let pieces = buf.finish_frame("request").unwrap();
        assert_eq!(pieces.len(), 4);
        match &pieces[0] {
            Piece::Encoded(size) => assert_eq!(&size[..], &(4 + 100 + 100 + 4i32).to_be_bytes()),
            other => panic!("expected the size, got {other:?}"),
        }
        match &pieces[2] {
            Piece::Spliced(b) => assert!(std::ptr::eq(b.as_ptr(), batch.as_ptr())),
            other => panic!("expected the batch, got {other:?}"),
        }
        match (&pieces[1], &pieces[3]) {
            (Piece::Encoded(a), Piece::Encoded(b)) => {
                assert_eq!(a.len(), 4 + 100);
                assert_eq!(&b[..], b"tail");
            }
            other => panic!("unexpected pieces {other:?}"),
        }
    }

    #[test]
    fn a_piece_never_met_is_reported() {
        let batch = Bytes::from_static(b"abc");
        let mut buf = SplicingBuf::new(vec![batch]);
        let elsewhere = b"abc".to_vec(); // the same bytes at another address
        buf.put_slice(&elsewhere);
        let error = buf.finish_frame("request").unwrap_err().to_string();
        assert!(
            error.contains("1 spliced record sets were not met"),
            "{error}"
        );
    }
}
