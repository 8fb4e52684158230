//! Provides compression utilities for encoding records.
//!
//! This module has implementations of gzip, Snappy, as well as a noop compression format that
//! allows encoding and decoding records into a [`Record`](crate::records::Record).

use crate::protocol::buf::{ByteBuf, ByteBufMut};
use anyhow::Result;

#[cfg(feature = "gzip")]
mod gzip;
#[cfg(feature = "lz4")]
mod lz4;
mod none;
#[cfg(feature = "snappy")]
mod snappy;
#[cfg(feature = "zstd")]
mod zstd;

#[cfg(feature = "gzip")]
/// KBOX PATCH: the most bytes one batch may decompress to. A few bytes of a compressed stream
/// can claim (snappy) or produce (gzip, lz4, zstd) gigabytes; decoding stops with an error
/// past this bound instead of exhausting memory.
pub const MAX_DECOMPRESSED_BYTES: usize = 128 << 20;

/// KBOX PATCH: the error for output past [`MAX_DECOMPRESSED_BYTES`].
fn too_large() -> anyhow::Error {
    anyhow::anyhow!("decompressed batch larger than {MAX_DECOMPRESSED_BYTES} bytes")
}

/// KBOX PATCH: a writer that refuses to grow past [`MAX_DECOMPRESSED_BYTES`].
struct Bounded<W>(W, usize);

impl<W: std::io::Write> std::io::Write for Bounded<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.1.saturating_add(data.len()) > MAX_DECOMPRESSED_BYTES {
            return Err(std::io::Error::other(too_large()));
        }
        let n = self.0.write(data)?;
        self.1 += n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

pub use gzip::Gzip;
#[cfg(feature = "lz4")]
pub use lz4::Lz4;
pub use none::None;
#[cfg(feature = "snappy")]
pub use snappy::Snappy;
#[cfg(feature = "zstd")]
pub use zstd::Zstd;

/// A trait for record compression algorithms.
pub trait Compressor<B: ByteBufMut> {
    /// Target buffer type for compression.
    type BufMut: ByteBufMut;
    /// Compresses into provided [`ByteBufMut`], with records encoded by `F` into `R`.
    fn compress<R, F>(buf: &mut B, f: F) -> Result<R>
    where
        F: FnOnce(&mut Self::BufMut) -> Result<R>;
}

/// A trait for record decompression algorithms.
pub trait Decompressor<B: ByteBuf> {
    /// Target buffer type for decompression.
    type Buf: ByteBuf;
    /// Decompress records from `B` mapped using `F` into `R`.
    fn decompress<R, F>(buf: &mut B, f: F) -> Result<R>
    where
        F: FnOnce(&mut Self::Buf) -> Result<R>;
}
