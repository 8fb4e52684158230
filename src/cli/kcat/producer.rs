//! `kcat -P`: messages from stdin (or `-l file`) split at `-D`, keys split off at `-K`, or
//! whole files as messages; partitions chosen by librdkafka's partitioners; delivery failures
//! reported as kcat reports them, and exit code 1 unless every message was delivered.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;

use super::config::Partitioner;
use super::errors::{self, describe, UNKNOWN_PARTITION};
use super::format::find;
use super::options::Options;
use super::{info, Output, Stop};
use crate::cli::ExitStatus;
use crate::client::partitioner::murmur2;
use crate::client::{Client, Producer, ProducerRecord, RecordMetadata};
use crate::{Error, Result};

/// Delivery outcomes, counted from the producer's callbacks.
#[derive(Debug, Default)]
struct Stats {
    delivered: AtomicU64,
    failed: AtomicU64,
    /// kcat hints at offset reporting once, on the first offset 0 it sees (at -vv).
    offset_hint_shown: AtomicBool,
}

/// Splits a byte stream at a (possibly multi-byte) delimiter, as kcat's input buffer does:
/// the last message needs no delimiter, and a message longer than `max` is an error.
pub struct DelimitedReader<R> {
    input: R,
    delimiter: Vec<u8>,
    max: usize,
    buffer: Vec<u8>,
    /// Where the next message starts in `buffer` (consumed bytes are dropped only before the
    /// next read, so splitting many small messages copies nothing twice).
    start: usize,
    /// How far `buffer` was searched for the delimiter.
    scanned: usize,
    eof: bool,
}

impl<R: Read> DelimitedReader<R> {
    pub fn new(input: R, delimiter: Vec<u8>, max: usize) -> Self {
        DelimitedReader {
            input,
            delimiter,
            max,
            buffer: Vec::new(),
            start: 0,
            scanned: 0,
            eof: false,
        }
    }

    /// The next message (without its delimiter); `None` at the end of the input.
    pub fn next_message(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            // A delimiter may straddle what was searched and what was read since.
            let from = self
                .scanned
                .saturating_sub(self.delimiter.len() - 1)
                .max(self.start);
            if let Some(at) = find(&self.buffer[from..], &self.delimiter) {
                let end = from + at;
                let message = self.buffer[self.start..end].to_vec();
                self.start = end + self.delimiter.len();
                self.scanned = self.start;
                return Ok(Some(message));
            }
            self.scanned = self.buffer.len();
            if self.eof {
                if self.start == self.buffer.len() {
                    return Ok(None);
                }
                let message = self.buffer[self.start..].to_vec();
                self.start = self.buffer.len();
                return Ok(Some(message));
            }
            if self.buffer.len() - self.start > self.max {
                return Err(std::io::Error::other(format!(
                    "Input is too large, maximum size is {}",
                    self.max
                )));
            }
            self.buffer.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
            let mut chunk = [0u8; 65536];
            match self.input.read(&mut chunk) {
                Ok(0) => self.eof = true,
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// librdkafka's partitioners, so that a key lands where kcat would put it.
struct KeyPartitioner {
    kind: Partitioner,
    linger: Duration,
    sticky: Option<(i32, Instant)>,
    seed: u64,
}

impl KeyPartitioner {
    fn new(kind: Partitioner, linger: Duration) -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15)
            | 1;
        KeyPartitioner {
            kind,
            linger,
            sticky: None,
            seed,
        }
    }

    fn random(&mut self, count: u32) -> i32 {
        // xorshift64: spreading messages needs no cryptographic randomness.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed % count as u64) as i32
    }

    /// NULL keys (and empty keys with consistent_random) stay on one random partition for
    /// `sticky.partitioning.linger.ms`, as librdkafka does.
    fn sticky(&mut self, count: u32) -> i32 {
        match self.sticky {
            Some((p, since)) if since.elapsed() < self.linger && (p as u32) < count => p,
            _ => {
                let p = self.random(count);
                self.sticky = Some((p, Instant::now()));
                p
            }
        }
    }

    fn choose(&mut self, key: Option<&[u8]>, count: usize) -> i32 {
        let n = count.max(1) as u32;
        if self.kind == Partitioner::Random {
            return self.random(n);
        }
        let key = match key {
            None => return self.sticky(n),
            Some(k) if k.is_empty() && self.kind == Partitioner::ConsistentRandom => {
                return self.sticky(n)
            }
            Some(k) => k,
        };
        let hash = match self.kind {
            Partitioner::Consistent | Partitioner::ConsistentRandom => crc32(key),
            Partitioner::Murmur2 | Partitioner::Murmur2Random => murmur2(key) as u32 & 0x7fff_ffff,
            Partitioner::Fnv1a | Partitioner::Fnv1aRandom => fnv1a(key),
            Partitioner::Random => unreachable!("handled above"),
        };
        (hash % n) as i32
    }
}

/// CRC-32 (IEEE, as zlib), librdkafka's `consistent` hash.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// FNV-1a as librdkafka computes it (made positive like Sarama's hash partitioner).
pub fn fnv1a(data: &[u8]) -> u32 {
    let mut h: i32 = 0x811c_9dc5_u32 as i32;
    for &b in data {
        h ^= b as i32;
        h = h.wrapping_mul(0x0100_0193);
    }
    if h < 0 {
        h = h.wrapping_neg();
    }
    h as u32
}

/// Where the producer stands while reading input.
struct Run<'a> {
    opts: &'a Options,
    topic: String,
    client: Client,
    producer: Producer,
    partitioner: KeyPartitioner,
    stats: Arc<Stats>,
    headers: Vec<(String, Option<Bytes>)>,
    /// Messages handed to the producer (`-c` counts these).
    sent: i64,
    metadata_deadline: Instant,
}

pub async fn run(opts: &Options, stop: &Stop) -> Result<ExitStatus> {
    let topic = opts.topic.clone().unwrap_or_default();
    let mut config = opts.config.client.clone();
    config.set_default("client.id", "rdkafka");
    // librdkafka's message.timeout.ms default.
    config.set_default("delivery.timeout.ms", "300000");
    let client = Client::new(config).map_err(fatal)?;
    let producer = Producer::with_client(client.clone()).map_err(fatal)?;
    let mut run = Run {
        opts,
        topic,
        client,
        producer,
        partitioner: KeyPartitioner::new(opts.config.partitioner, opts.config.sticky_linger),
        stats: Arc::new(Stats::default()),
        headers: opts
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().map(Bytes::from)))
            .collect(),
        sent: 0,
        metadata_deadline: Instant::now()
            + Duration::from_secs(opts.metadata_timeout_secs.max(1) as u64),
    };
    info(
        opts,
        3,
        &format!(
            "Setting producer input buffer max size to message.max.bytes value {}\n",
            opts.config.message_max_bytes
        ),
    );
    let mut tee = Output::stdout(true);
    if !opts.positional.is_empty() && !opts.line_mode {
        run.produce_files(stop).await?;
    } else {
        run.produce_stream(stop, &mut tee).await?;
    }
    tee.flush()?;
    // Every message gets its result before kcat exits.
    run.producer.flush().await?;
    let Run {
        producer, stats, ..
    } = run;
    producer.close().await?;
    if stats.failed.load(Ordering::SeqCst) > 0 {
        return Ok(ExitStatus::Failure);
    }
    Ok(ExitStatus::Success)
}

fn fatal(e: Error) -> Error {
    Error::Message(describe(&e))
}

impl Run<'_> {
    /// Each file is one message (kcat without `-l`).
    async fn produce_files(&mut self, stop: &Stop) -> Result<()> {
        let paths = self.opts.positional.clone();
        let mut good = 0;
        for path in &paths {
            if stop.is_stopped() {
                return Err(Error::Message(
                    "Program terminated while producing message".into(),
                ));
            }
            let data = match std::fs::read(path) {
                Ok(d) => d,
                Err(e) => {
                    info(
                        self.opts,
                        1,
                        &format!("Failed to open {path}: {}\n", errors::strerror(&e)),
                    );
                    continue;
                }
            };
            good += 1;
            if data.is_empty() {
                info(self.opts, 3, &format!("Skipping empty file {path}\n"));
                continue;
            }
            info(
                self.opts,
                4,
                &format!("Producing file {path} ({} bytes)\n", data.len()),
            );
            let key = self.opts.fixed_key.clone().map(Bytes::from);
            self.produce(Some(Bytes::from(data)), key).await?;
        }
        if good == 0 {
            self.stats.failed.fetch_add(1, Ordering::SeqCst);
        } else if good < paths.len() {
            info(
                self.opts,
                1,
                &format!(
                    "Failed to produce from {}/{} files\n",
                    paths.len() - good,
                    paths.len()
                ),
            );
        }
        Ok(())
    }

    /// Delimited messages from stdin or the `-l` file, read on a thread of their own so a
    /// terminal or a slow pipe never blocks the producer.
    async fn produce_stream(&mut self, stop: &Stop, tee: &mut Output) -> Result<()> {
        let input: Box<dyn Read + Send> = match self.opts.positional.first() {
            Some(path) if self.opts.line_mode => match std::fs::File::open(path) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    return Err(Error::Message(format!(
                        "Cannot open {path}: {}",
                        errors::strerror(&e)
                    )))
                }
            },
            _ => Box::new(std::io::stdin()),
        };
        let max = self.opts.config.message_max_bytes + self.opts.delimiter.len();
        let mut reader = DelimitedReader::new(input, self.opts.delimiter.clone(), max);
        let (tx, mut rx) = mpsc::channel::<std::io::Result<Vec<u8>>>(1024);
        // A detached thread: a read blocked on a terminal must not keep kbox from exiting.
        std::thread::spawn(move || loop {
            match reader.next_message() {
                Ok(Some(m)) => {
                    if tx.blocking_send(Ok(m)).is_err() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        });
        loop {
            let next = tokio::select! {
                m = rx.recv() => m,
                _ = stop.wait() => return Ok(()),
            };
            let Some(message) = next else { return Ok(()) };
            let message = message.map_err(|e| {
                if e.kind() == std::io::ErrorKind::Other {
                    Error::Message(e.to_string())
                } else {
                    Error::Message(format!("Unable to read message: {}", errors::strerror(&e)))
                }
            })?;
            if message.is_empty() {
                continue;
            }
            let (key, value) = self.split_key(&message);
            self.produce(value, key).await?;
            if self.opts.tee {
                tee.write(&message)?;
            }
            if self.sent == self.opts.count {
                return Ok(());
            }
        }
    }

    /// `-K`: the key is everything before the first key delimiter (the whole message is the
    /// value when there is none); with `-Z` an empty key or value becomes NULL. `-k` fills in
    /// when no key was found.
    fn split_key(&self, message: &[u8]) -> (Option<Bytes>, Option<Bytes>) {
        let mut key = None;
        let mut value = Some(Bytes::copy_from_slice(message));
        if let Some(delim) = &self.opts.key_delimiter {
            if let Some(at) = find(message, delim).filter(|_| !delim.is_empty()) {
                let k = &message[..at];
                let v = &message[at + delim.len()..];
                key = (!(self.opts.null_mode && k.is_empty())).then(|| Bytes::copy_from_slice(k));
                value = (!(self.opts.null_mode && v.is_empty())).then(|| Bytes::copy_from_slice(v));
            }
        }
        if key.is_none() {
            key = self.opts.fixed_key.clone().map(Bytes::from);
        }
        (key, value)
    }

    /// The topic's partition count, asking the cluster (and letting it auto-create the topic)
    /// when the cache does not know it. `Err(Ok(text))` is a per-message delivery failure.
    async fn partition_count(
        &self,
    ) -> std::result::Result<usize, std::result::Result<String, Error>> {
        if let Some(n) = self.client.cached_metadata().partition_count(&self.topic) {
            return Ok(n);
        }
        let topics = [self.topic.clone()];
        loop {
            match self.client.refresh_metadata(Some(&topics), true).await {
                Ok(md) => {
                    if let Some(n) = md.partition_count(&self.topic) {
                        return Ok(n);
                    }
                    if let Some(info) = md.topics.get(&self.topic) {
                        let code = info.error_code;
                        if code != 0 && !crate::client::cluster::is_retriable(code) {
                            return Err(Ok(errors::broker_error(code)));
                        }
                    }
                    if Instant::now() >= self.metadata_deadline {
                        return Err(Ok("Local: Unknown topic".into()));
                    }
                }
                Err(e) if errors::is_transport_failure(&e) => {
                    if Instant::now() >= self.metadata_deadline {
                        if self.opts.exit_on_error {
                            let n = self
                                .client
                                .config()
                                .bootstrap_servers()
                                .map_or(1, |b| b.len());
                            return Err(Err(Error::Message(format!(
                                "Local: All broker connections are down: {n}/{n} brokers are down: terminating"
                            ))));
                        }
                        return Err(Ok(errors::MESSAGE_TIMED_OUT.into()));
                    }
                }
                Err(e) => return Err(Err(fatal(e))),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Queues one message; its delivery report arrives later through the callback.
    async fn produce(&mut self, value: Option<Bytes>, key: Option<Bytes>) -> Result<()> {
        let len = value.as_ref().map_or(0, |v| v.len());
        if len > self.opts.config.message_max_bytes {
            return Err(Error::Message(format!(
                "Failed to produce message ({len} bytes): {}",
                errors::broker_error(10)
            )));
        }
        self.sent += 1;
        let count = match self.partition_count().await {
            Ok(n) => n,
            Err(Ok(why)) => {
                self.delivery_failed(&why);
                return Ok(());
            }
            Err(Err(e)) => return Err(e),
        };
        let partition = match self.opts.partition {
            Some(p) => p,
            None => self.partitioner.choose(key.as_deref(), count),
        };
        if partition < 0 || partition as usize >= count {
            self.delivery_failed(UNKNOWN_PARTITION);
            return Ok(());
        }
        let record = ProducerRecord {
            topic: self.topic.clone(),
            partition: Some(partition),
            key,
            value,
            headers: self.headers.clone(),
            timestamp: None,
        };
        let stats = self.stats.clone();
        let client = self.client.clone();
        let verbosity = self.opts.verbosity;
        let report = move |result: Result<RecordMetadata>| match result {
            Ok(md) => {
                stats.delivered.fetch_add(1, Ordering::SeqCst);
                if verbosity >= 3 {
                    let broker = client
                        .cached_metadata()
                        .leader(&md.topic, md.partition)
                        .unwrap_or(-1);
                    eprintln!(
                        "% Message delivered to partition {} (offset {}) on broker {broker}",
                        md.partition, md.offset
                    );
                    if md.offset == 0 && !stats.offset_hint_shown.swap(true, Ordering::SeqCst) {
                        eprintln!("% Enable message offset reporting with '-X topic.produce.offset.report=true'");
                    }
                }
            }
            Err(e) => {
                stats.failed.fetch_add(1, Ordering::SeqCst);
                if verbosity >= 1 {
                    let why = match &e {
                        Error::Timeout(_) => errors::MESSAGE_TIMED_OUT.to_string(),
                        other => describe(other),
                    };
                    eprintln!("% Delivery failed for message: {why}");
                }
            }
        };
        self.producer
            .send_with_callback(record, report)
            .await
            .map_err(|e| {
                Error::Message(format!(
                    "Failed to produce message ({len} bytes): {}",
                    describe(&e)
                ))
            })
    }

    fn delivery_failed(&self, why: &str) {
        self.stats.failed.fetch_add(1, Ordering::SeqCst);
        info(
            self.opts,
            1,
            &format!("Delivery failed for message: {why}\n"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &[u8], delimiter: &[u8]) -> Vec<Vec<u8>> {
        let mut r = DelimitedReader::new(input, delimiter.to_vec(), 1 << 20);
        let mut out = Vec::new();
        while let Some(m) = r.next_message().unwrap() {
            out.push(m);
        }
        out
    }

    #[test]
    fn delimited_input() {
        assert_eq!(split(b"a\nb\n\nc", b"\n"), vec![&b"a"[..], b"b", b"", b"c"]);
        assert_eq!(split(b"x;;y;;", b";;"), vec![&b"x"[..], b"y"]);
        assert_eq!(split(b"", b"\n"), Vec::<Vec<u8>>::new());
        // A delimiter split across reads is still found.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let mut r = DelimitedReader::new(Trickle(b"ab<=>cd<=>"), b"<=>".to_vec(), 100);
        assert_eq!(r.next_message().unwrap().unwrap(), b"ab");
        assert_eq!(r.next_message().unwrap().unwrap(), b"cd");
        assert!(r.next_message().unwrap().is_none());
        let mut r = DelimitedReader::new(&[b'x'; 200][..], b"\n".to_vec(), 100);
        assert!(r.next_message().is_err());
    }

    #[test]
    fn librdkafka_hashes() {
        // Reference values of zlib's crc32 and librdkafka's fnv1a unit test.
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(fnv1a(b"kafka"), 0x0d33_c4e1);
        assert_eq!(fnv1a(b"1234"), 0x023b_dd03);
        assert_eq!(fnv1a(b""), 0x7ee3_623b);
    }

    #[test]
    fn partitioners() {
        let mut p = KeyPartitioner::new(Partitioner::ConsistentRandom, Duration::from_secs(60));
        // kcat put k1, k2, k3 on partitions 1, 0, 2 of a 3-partition topic.
        assert_eq!(p.choose(Some(b"k1"), 3), 1);
        assert_eq!(p.choose(Some(b"k2"), 3), 0);
        assert_eq!(p.choose(Some(b"k3"), 3), 2);
        // NULL and empty keys stick to one partition while the linger lasts.
        let first = p.choose(None, 3);
        assert_eq!(p.choose(Some(b""), 3), first);
        let mut m = KeyPartitioner::new(Partitioner::Murmur2Random, Duration::ZERO);
        assert_eq!(
            m.choose(Some(b"k1"), 3),
            crate::client::partitioner::partition_for_key(b"k1", 3)
        );
    }
}
