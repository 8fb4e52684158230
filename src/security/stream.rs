//! A socket that is either plain TCP or TLS over TCP, so one connection loop serves both.

use std::os::fd::{AsFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::unsafe_code::set_receive_low_water;

/// Plain TCP or a TLS stream `T` (tokio-rustls' server or client stream).
#[derive(Debug)]
pub enum MaybeTls<T> {
    Plain(TcpStream),
    Tls(Box<T>),
}

impl<T: AsyncRead + Unpin> AsyncRead for MaybeTls<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for MaybeTls<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_flush(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            MaybeTls::Plain(s) => s.is_write_vectored(),
            MaybeTls::Tls(s) => s.is_write_vectored(),
        }
    }
}

impl<T: AsyncRead + AsyncWrite> MaybeTls<T> {
    /// Splits into read and write halves. A plain socket splits into tokio's owned TCP halves,
    /// so the writer still reaches the `TcpStream` (e.g. for sendfile); TLS goes through
    /// `tokio::io::split`.
    pub fn split(self) -> (MaybeTlsRead<T>, MaybeTlsWrite<T>) {
        match self {
            MaybeTls::Plain(s) => {
                let (r, w) = s.into_split();
                (MaybeTlsRead::Plain(r), MaybeTlsWrite::Plain(w))
            }
            MaybeTls::Tls(s) => {
                let (r, w) = tokio::io::split(*s);
                (MaybeTlsRead::Tls(r), MaybeTlsWrite::Tls(w))
            }
        }
    }
}

/// The read half of a [`MaybeTls`].
#[derive(Debug)]
pub enum MaybeTlsRead<T> {
    Plain(tokio::net::tcp::OwnedReadHalf),
    Tls(tokio::io::ReadHalf<T>),
}

impl<T> MaybeTlsRead<T> {
    /// A handle on this stream's receive low-water mark, for
    /// [`read_frame_watermarked`](crate::protocol::frame::read_frame_watermarked): large frames
    /// are then read in a few big reads rather than one per segment that arrives, which halved
    /// a consumer's context switches. It holds a duplicate of the plain socket's descriptor, so
    /// the read half stays free to borrow while reading.
    pub fn receive_low_water(&self) -> ReceiveLowWater {
        match self {
            MaybeTlsRead::Plain(tcp) => ReceiveLowWater {
                socket: tcp.as_ref().as_fd().try_clone_to_owned().ok(),
                mark: 1,
            },
            // The TLS layer may hold bytes already read from the socket, so the socket could
            // never reach a mark of the bytes a frame still misses.
            MaybeTlsRead::Tls(_) => ReceiveLowWater {
                socket: None,
                mark: 1,
            },
        }
    }
}

/// Sets `SO_RCVLOWAT` on a plain socket; does nothing for TLS ([`MaybeTlsRead::receive_low_water`]).
#[derive(Debug)]
pub struct ReceiveLowWater {
    socket: Option<OwnedFd>,
    /// The mark last set (1, the kernel's default, at first): a read loop asks for the same
    /// mark many times in a row, and only changes cost a system call.
    mark: usize,
}

impl ReceiveLowWater {
    /// The socket wakes its reader once `bytes` are queued. Failing only makes reads wake more
    /// often, so an error is logged, not returned.
    pub fn set(&mut self, bytes: usize) {
        let Some(socket) = &self.socket else {
            return;
        };
        if std::mem::replace(&mut self.mark, bytes) == bytes {
            return;
        }
        if let Err(e) = set_receive_low_water(socket.as_fd(), bytes) {
            tracing::debug!("SO_RCVLOWAT {bytes}: {e}");
        }
    }
}

/// The write half of a [`MaybeTls`]; `Plain` gives access to the TCP socket.
#[derive(Debug)]
pub enum MaybeTlsWrite<T> {
    Plain(tokio::net::tcp::OwnedWriteHalf),
    Tls(tokio::io::WriteHalf<T>),
}

impl<T: AsyncRead + AsyncWrite> AsyncRead for MaybeTlsRead<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MaybeTlsRead::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MaybeTlsRead::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl<T: AsyncRead + AsyncWrite> AsyncWrite for MaybeTlsWrite<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            MaybeTlsWrite::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MaybeTlsWrite::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MaybeTlsWrite::Plain(s) => Pin::new(s).poll_flush(cx),
            MaybeTlsWrite::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MaybeTlsWrite::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MaybeTlsWrite::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            MaybeTlsWrite::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            MaybeTlsWrite::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            MaybeTlsWrite::Plain(s) => s.is_write_vectored(),
            MaybeTlsWrite::Tls(s) => s.is_write_vectored(),
        }
    }
}
