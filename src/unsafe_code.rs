//! The crate's only `unsafe` code, kept small and in one place, each piece with why it is sound.
//!
//! - [`SplicingBuf`](crate::protocol::splice::SplicingBuf)'s `BufMut` impl: `BufMut` is an
//!   unsafe trait.
//! - [`set_receive_low_water`]: a socket option no safe wrapper offers.
#![allow(unsafe_code)]

use bytes::BufMut;

use crate::protocol::splice::{Splice, SplicingBuf};

// `BufMut` is an unsafe trait (its implementor promises that `chunk_mut` and `advance_mut`
// describe initialised capacity). Every method forwards to `BytesMut`, which keeps those
// promises; only `put_slice`, a safe method, is intercepted.
unsafe impl<P: Splice> BufMut for SplicingBuf<P> {
    fn remaining_mut(&self) -> usize {
        self.current.remaining_mut()
    }

    unsafe fn advance_mut(&mut self, cnt: usize) {
        // SAFETY: the caller upholds `BufMut::advance_mut`'s contract for `current`, whose
        // `chunk_mut` it was given.
        unsafe { self.current.advance_mut(cnt) }
    }

    fn chunk_mut(&mut self) -> &mut bytes::buf::UninitSlice {
        self.current.chunk_mut()
    }

    fn put_slice(&mut self, src: &[u8]) {
        if !self.splice(src) {
            self.current.put_slice(src);
        }
    }
}

/// Sets `SO_RCVLOWAT`: the socket reports itself readable only once `bytes` are queued (or the
/// peer closed). Reading a large frame in a few big reads instead of one per arriving segment
/// halves a consumer's wake-ups. Linux grows the receive buffer to fit.
#[cfg(target_os = "linux")]
pub fn set_receive_low_water(
    socket: std::os::fd::BorrowedFd<'_>,
    bytes: usize,
) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    // SAFETY: the descriptor is open for the borrow's lifetime, and `value` is a live c_int
    // whose size is the length passed, which is what SO_RCVLOWAT reads.
    let result = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVLOWAT,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Elsewhere the option means something else or nothing: reads simply wake up more often.
#[cfg(not(target_os = "linux"))]
pub fn set_receive_low_water(
    _socket: std::os::fd::BorrowedFd<'_>,
    _bytes: usize,
) -> std::io::Result<()> {
    Ok(())
}
