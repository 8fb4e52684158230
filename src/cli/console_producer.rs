//! `kbox console-producer` (kafka-console-producer.sh): one line of stdin, one record.
//!
//! Lines are parsed as Apache's LineMessageReader does (optional headers, key, value, null
//! marker), sent asynchronously with a callback per record, and the tool exits 0 only when
//! every record was acknowledged.
//!
//! Transactions: Apache's console producer has no transactional mode (a `transactional.id`
//! property makes its sends fail before `initTransactions`); kbox takes perf-test's flags,
//! `--transactional-id` and `--transaction-duration-ms`, or the `transactional.id` property.
//! Each batch of lines read together (one line at a terminal) is sent in one transaction
//! and committed; with a duration, a transaction spans batches until it is that old. End of
//! input commits the open transaction; a line that fails to parse aborts it.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use clap::Args;

use super::common::client_config;
use super::ExitStatus;
use crate::client::{Producer, ProducerRecord};
use crate::properties::Properties;
use crate::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox console-producer --bootstrap-server localhost:9092 --topic orders < lines.txt
  kbox console-producer --bootstrap-server localhost:9092 --topic orders \\
      --property parse.key=true --property key.separator=: --producer-property acks=1
  kbox console-producer --bootstrap-server localhost:9092 --topic orders --transactional-id loader")]
pub struct ConsoleProducerArgs {
    /// REQUIRED: The server(s) to connect to.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// REQUIRED: The topic to produce messages to.
    #[arg(long)]
    pub topic: Option<String>,
    /// Producer config properties (key=value), repeatable (old name of --command-property).
    #[arg(long = "producer-property")]
    pub producer_property: Vec<String>,
    /// Producer config properties (key=value), repeatable.
    #[arg(long = "command-property")]
    pub command_property: Vec<String>,
    /// Producer config properties file (old name of --command-config).
    #[arg(long = "producer.config")]
    pub producer_config: Option<PathBuf>,
    /// Producer config properties file.
    #[arg(long = "command-config")]
    pub command_config: Option<PathBuf>,
    /// Line reader properties (parse.key, key.separator, parse.headers, ...), repeatable.
    #[arg(long = "property")]
    pub property: Vec<String>,
    /// Line reader properties, repeatable (new name of --property).
    #[arg(long = "reader-property")]
    pub reader_property: Vec<String>,
    /// Line reader properties file.
    #[arg(long = "reader-config")]
    pub reader_config: Option<PathBuf>,
    /// Compression: none, gzip, snappy, lz4 or zstd (gzip when given without a value).
    #[arg(long = "compression-codec", num_args = 0..=1, default_missing_value = "gzip")]
    pub compression_codec: Option<String>,
    /// acks: -1/all, 0 or 1.
    #[arg(
        long = "request-required-acks",
        default_value = "-1",
        allow_hyphen_values = true
    )]
    pub request_required_acks: String,
    /// Send each record synchronously.
    #[arg(long)]
    pub sync: bool,
    /// batch.size.
    #[arg(long = "batch-size")]
    pub batch_size: Option<i64>,
    /// batch.size (old name).
    #[arg(long = "max-partition-memory-bytes")]
    pub max_partition_memory_bytes: Option<i64>,
    /// linger.ms: how long to wait for a batch to fill.
    #[arg(long, default_value_t = 1000)]
    pub timeout: i64,
    /// retries.
    #[arg(long = "message-send-max-retries", default_value_t = 3)]
    pub message_send_max_retries: i64,
    /// retry.backoff.ms.
    #[arg(long = "retry-backoff-ms", default_value_t = 100)]
    pub retry_backoff_ms: i64,
    /// request.timeout.ms.
    #[arg(long = "request-timeout-ms", default_value_t = 1500)]
    pub request_timeout_ms: i64,
    /// metadata.max.age.ms.
    #[arg(long = "metadata-expiry-ms", default_value_t = 300000)]
    pub metadata_expiry_ms: i64,
    /// max.block.ms.
    #[arg(long = "max-block-ms", default_value_t = 60000)]
    pub max_block_ms: i64,
    /// buffer.memory.
    #[arg(long = "max-memory-bytes", default_value_t = 33554432)]
    pub max_memory_bytes: i64,
    /// send.buffer.bytes (accepted; the OS default is used).
    #[arg(long = "socket-buffer-size", default_value_t = 102400)]
    pub socket_buffer_size: i64,
    /// The line reader class; only Apache's default LineMessageReader is built in.
    #[arg(long = "line-reader")]
    pub line_reader: Option<String>,
    /// Send in transactions with this transactional.id (as perf-test's flag): each batch of
    /// lines read together is committed in one transaction.
    #[arg(long = "transactional-id", value_name = "TRANSACTIONAL-ID")]
    pub transactional_id: Option<String>,
    /// With transactions: keep each transaction open across input batches until it is this
    /// old (default: one transaction per batch of lines).
    #[arg(long = "transaction-duration-ms", value_name = "MS")]
    pub transaction_duration_ms: Option<u64>,
}

/// LineMessageReader's settings.
#[derive(Debug, Clone)]
struct LineFormat {
    parse_key: bool,
    key_separator: Vec<u8>,
    parse_headers: bool,
    headers_delimiter: Vec<u8>,
    headers_separator: Vec<u8>,
    headers_key_separator: Vec<u8>,
    ignore_error: bool,
    null_marker: Option<Vec<u8>>,
}

impl LineFormat {
    fn from_properties(props: &Properties) -> std::result::Result<LineFormat, String> {
        let flag = |k: &str| {
            props
                .get(k)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        };
        let text = |k: &str, d: &str| props.get(k).unwrap_or(d).as_bytes().to_vec();
        let f = LineFormat {
            parse_key: flag("parse.key"),
            key_separator: text("key.separator", "\t"),
            parse_headers: flag("parse.headers"),
            headers_delimiter: text("headers.delimiter", "\t"),
            headers_separator: text("headers.separator", ","),
            headers_key_separator: text("headers.key.separator", ":"),
            ignore_error: flag("ignore.error"),
            null_marker: props.get("null.marker").map(|m| m.as_bytes().to_vec()),
        };
        if f.parse_headers {
            if f.headers_delimiter == f.headers_separator {
                return Err("headers.delimiter and headers.separator may not be equal".into());
            }
            if f.headers_delimiter == f.headers_key_separator {
                return Err("headers.delimiter and headers.key.separator may not be equal".into());
            }
            if f.headers_separator == f.headers_key_separator {
                return Err("headers.separator and headers.key.separator may not be equal".into());
            }
        }
        if let Some(m) = &f.null_marker {
            for (name, sep) in [
                ("key.separator", &f.key_separator),
                ("headers.delimiter", &f.headers_delimiter),
                ("headers.separator", &f.headers_separator),
                ("headers.key.separator", &f.headers_key_separator),
            ] {
                if m == sep {
                    return Err(format!("null.marker and {name} may not be equal"));
                }
            }
        }
        Ok(f)
    }

    fn nullable(&self, value: &[u8]) -> Option<Bytes> {
        match &self.null_marker {
            Some(m) if m.as_slice() == value => None,
            _ => Some(Bytes::copy_from_slice(value)),
        }
    }

    /// Parses one line into (headers, key, value); `line_number` counts from 1.
    fn parse(
        &self,
        topic: &str,
        line: &[u8],
        line_number: u64,
    ) -> std::result::Result<ProducerRecord, String> {
        let shown = || String::from_utf8_lossy(line).into_owned();
        let mut rest = line;
        let mut headers = Vec::new();
        if self.parse_headers {
            match find(rest, &self.headers_delimiter) {
                Some(i) => {
                    let (h, r) = rest.split_at(i);
                    rest = &r[self.headers_delimiter.len()..];
                    headers = self.parse_headers(h)?;
                }
                None if self.ignore_error => {}
                None => {
                    return Err(format!(
                        "No headers delimiter found on line number {line_number}: '{}'",
                        shown()
                    ))
                }
            }
        }
        let (key, value) = if self.parse_key {
            match find(rest, &self.key_separator) {
                Some(i) => (
                    self.nullable(&rest[..i]),
                    self.nullable(&rest[i + self.key_separator.len()..]),
                ),
                None if self.ignore_error => (None, self.nullable(rest)),
                None => {
                    return Err(format!(
                        "No key separator found on line number {line_number}: '{}'",
                        shown()
                    ))
                }
            }
        } else {
            (None, self.nullable(rest))
        };
        Ok(ProducerRecord {
            topic: topic.to_string(),
            partition: None,
            key,
            value,
            headers,
            timestamp: None,
        })
    }

    fn parse_headers(
        &self,
        text: &[u8],
    ) -> std::result::Result<Vec<(String, Option<Bytes>)>, String> {
        let mut out = Vec::new();
        for h in split(text, &self.headers_separator) {
            if h.is_empty() {
                continue;
            }
            let (k, v) = match find(h, &self.headers_key_separator) {
                Some(i) => (&h[..i], Some(&h[i + self.headers_key_separator.len()..])),
                None => (h, None),
            };
            if self.null_marker.as_deref() == Some(k) {
                return Err(format!(
                    "Header keys should not be equal to the null marker '{}' as they can't be null",
                    String::from_utf8_lossy(k)
                ));
            }
            out.push((
                String::from_utf8_lossy(k).into_owned(),
                v.and_then(|v| self.nullable(v)),
            ));
        }
        Ok(out)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut text: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(i) = find(text, sep) {
        parts.push(&text[..i]);
        text = &text[i + sep.len()..];
    }
    parts.push(text);
    parts
}

pub async fn run(args: ConsoleProducerArgs) -> Result<ExitStatus> {
    let Some(topic) = args.topic.clone() else {
        eprintln!("Missing required argument \"[topic]\"");
        return Ok(ExitStatus::Failure);
    };
    if args.bootstrap_server.is_none() && !super::profiles::provides_bootstrap() {
        eprintln!("Missing required argument \"[bootstrap-server]\"");
        return Ok(ExitStatus::Failure);
    }
    if let Some(reader) = &args.line_reader {
        if !reader.ends_with("LineMessageReader") {
            return Err(Error::Message(format!(
                "--line-reader {reader}: only the default LineMessageReader is built into kbox"
            )));
        }
    }
    let mut reader_props = match &args.reader_config {
        Some(path) => Properties::load(path)
            .map_err(|e| Error::Message(format!("cannot read {}: {e}", path.display())))?,
        None => Properties::new(),
    };
    for pair in args.property.iter().chain(&args.reader_property) {
        let (k, v) = super::common::parse_key_value(pair)?;
        reader_props.set(k, v);
    }
    let format = LineFormat::from_properties(&reader_props).map_err(Error::Message)?;

    let files: Vec<&PathBuf> = args
        .producer_config
        .iter()
        .chain(args.command_config.iter())
        .collect();
    let pairs: Vec<String> = args
        .producer_property
        .iter()
        .chain(&args.command_property)
        .cloned()
        .collect();
    let acks = match args.request_required_acks.as_str() {
        "all" | "-1" => "all".to_string(),
        other => other.to_string(),
    };
    let batch = args
        .batch_size
        .or(args.max_partition_memory_bytes)
        .unwrap_or(16384)
        .to_string();
    let mut config = client_config(args.bootstrap_server.as_deref(), &files, &pairs, &[])?;
    // The tool's flags, as Apache's ConsoleProducer sets them (properties given explicitly win).
    let defaults: Vec<(&str, String)> = vec![
        ("client.id", "console-producer".into()),
        ("acks", acks),
        ("linger.ms", args.timeout.to_string()),
        ("batch.size", batch),
        ("retries", args.message_send_max_retries.to_string()),
        ("retry.backoff.ms", args.retry_backoff_ms.to_string()),
        ("request.timeout.ms", args.request_timeout_ms.to_string()),
        ("metadata.max.age.ms", args.metadata_expiry_ms.to_string()),
        ("max.block.ms", args.max_block_ms.to_string()),
        ("buffer.memory", args.max_memory_bytes.to_string()),
        (
            "compression.type",
            args.compression_codec
                .clone()
                .unwrap_or_else(|| "none".into()),
        ),
    ];
    for (k, v) in defaults {
        config.set_default(k, v);
    }
    let transactional_id = args
        .transactional_id
        .clone()
        .or_else(|| config.get("transactional.id").map(str::to_string))
        .filter(|id| !id.is_empty());
    if let Some(id) = &transactional_id {
        config.set("transactional.id", id.as_str());
    }
    let transaction_length =
        std::time::Duration::from_millis(args.transaction_duration_ms.unwrap_or(0));
    let producer = Producer::new(config)?;
    if transactional_id.is_some() {
        producer.init_transactions().await?;
    }
    // The open transaction: when it began and how many records it holds.
    let mut open: Option<(std::time::Instant, u64)> = None;
    let mut aborted = 0u64;

    let failures = Arc::new(AtomicU64::new(0));
    let first_errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let interactive = std::io::stdin().is_terminal();
    // stdin is read on its own thread with a large buffer and handed over in chunks of lines
    // (one line at a time at a terminal): a million lines cost a few thousand hand-offs.
    let (lines_tx, mut lines_rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<Vec<u8>>>>(16);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut reader = std::io::BufReader::with_capacity(1 << 20, stdin.lock());
        let mut chunk: Vec<Vec<u8>> = Vec::new();
        loop {
            if interactive {
                print!(">");
                let _ = std::io::stdout().flush();
            }
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {
                    if line.last() == Some(&b'\n') {
                        line.pop();
                        if line.last() == Some(&b'\r') {
                            line.pop();
                        }
                    }
                    chunk.push(line);
                    // Hand over when the chunk is big or no more input is waiting.
                    if (interactive || chunk.len() >= 4096 || reader.buffer().is_empty())
                        && lines_tx
                            .blocking_send(Ok(std::mem::take(&mut chunk)))
                            .is_err()
                    {
                        return;
                    }
                }
                Err(e) => {
                    let _ = lines_tx.blocking_send(Err(e));
                    return;
                }
            }
        }
        if !chunk.is_empty() {
            let _ = lines_tx.blocking_send(Ok(chunk));
        }
    });
    let mut line_number = 0u64;
    let mut parse_error = None;
    'input: while let Some(chunk) = lines_rx.recv().await {
        let chunk = chunk?;
        let mut records = Vec::with_capacity(chunk.len());
        for line in chunk {
            line_number += 1;
            match format.parse(&topic, &line, line_number) {
                Ok(r) => records.push(r),
                Err(message) => {
                    parse_error = Some(message);
                    break;
                }
            }
        }
        let sizes: Vec<(i64, i64)> = records
            .iter()
            .map(|r| {
                (
                    r.key.as_ref().map_or(-1, |k| k.len() as i64),
                    r.value.as_ref().map_or(-1, |v| v.len() as i64),
                )
            })
            .collect();
        if transactional_id.is_some() && !records.is_empty() {
            if open.is_none() {
                producer.begin_transaction().await?;
                open = Some((std::time::Instant::now(), 0));
            }
            if let Some((_, count)) = open.as_mut() {
                *count += records.len() as u64;
            }
        }
        if args.sync {
            for (record, (key_len, value_len)) in records.into_iter().zip(sizes) {
                let result = match producer.send(record).await {
                    Ok(f) => f.await,
                    Err(e) => Err(e),
                };
                if let Err(e) = result {
                    report(&topic, key_len, value_len, &e, &failures, &first_errors);
                }
            }
        } else if !records.is_empty() {
            let failures2 = failures.clone();
            let errors2 = first_errors.clone();
            let topic2 = topic.clone();
            let sizes = Arc::new(sizes);
            let callback = Arc::new(
                move |index: usize, result: Result<crate::client::RecordMetadata>| {
                    if let Err(e) = result {
                        let (k, v) = sizes.get(index).copied().unwrap_or((-1, -1));
                        report(&topic2, k, v, &e, &failures2, &errors2);
                    }
                },
            );
            if let Err(e) = producer.send_many(records, callback).await {
                report(&topic, -1, -1, &e, &failures, &first_errors);
            }
        }
        if parse_error.is_some() {
            break 'input;
        }
        if open.is_some_and(|(began, _)| began.elapsed() >= transaction_length) {
            aborted += end_transaction(&producer, open.take(), true).await;
        }
    }
    if open.is_some() {
        aborted += end_transaction(&producer, open.take(), parse_error.is_none()).await;
    }
    producer.close().await?;
    if let Some(message) = &parse_error {
        eprintln!("org.apache.kafka.common.KafkaException: {message}");
    }
    if aborted > 0 {
        eprintln!("{aborted} records were in aborted transactions");
    }
    if parse_error.is_some() || aborted > 0 {
        return Ok(ExitStatus::Failure);
    }
    let failed = failures.load(Ordering::Relaxed);
    if failed > 0 {
        eprintln!("{failed} of {line_number} records were not acknowledged");
        return Ok(ExitStatus::Failure);
    }
    Ok(ExitStatus::Success)
}

/// Commits (or aborts) the open transaction; returns how many of its records were aborted.
async fn end_transaction(
    producer: &Producer,
    open: Option<(std::time::Instant, u64)>,
    commit: bool,
) -> u64 {
    let Some((_, count)) = open else { return 0 };
    if commit {
        match producer.commit_transaction().await {
            Ok(()) => return 0,
            Err(e) => eprintln!("The transaction could not be committed and is aborted: {e}"),
        }
    }
    if let Err(e) = producer.abort_transaction().await {
        eprintln!("Aborting the transaction failed: {e}");
    }
    count
}

/// Apache's ErrorLoggingCallback line, on stderr; repeats beyond 100 are only counted.
fn report(
    topic: &str,
    key_len: i64,
    value_len: i64,
    error: &Error,
    failures: &AtomicU64,
    seen: &Mutex<Vec<String>>,
) {
    let n = failures.fetch_add(1, Ordering::Relaxed);
    if n < 100 {
        let key = if key_len < 0 {
            "null".to_string()
        } else {
            format!("{key_len} bytes")
        };
        let value = if value_len < 0 {
            "null".to_string()
        } else {
            format!("{value_len} bytes")
        };
        eprintln!("Error when sending message to topic {topic} with key: {key}, value: {value} with error: {error}");
        seen.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(error.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(pairs: &[(&str, &str)]) -> LineFormat {
        let mut p = Properties::new();
        for (k, v) in pairs {
            p.set(*k, *v);
        }
        LineFormat::from_properties(&p).unwrap()
    }

    #[test]
    fn lines_parse_as_line_message_reader() {
        let f = format(&[
            ("parse.key", "true"),
            ("parse.headers", "true"),
            ("null.marker", "NULL"),
        ]);
        let r = f.parse("t", b"h1:v1,h2:v2\tk\tv", 1).unwrap();
        assert_eq!(r.key.as_deref(), Some(&b"k"[..]));
        assert_eq!(r.value.as_deref(), Some(&b"v"[..]));
        assert_eq!(
            r.headers,
            vec![
                ("h1".into(), Some(Bytes::from_static(b"v1"))),
                ("h2".into(), Some(Bytes::from_static(b"v2")))
            ]
        );
        let r = f.parse("t", b"h\tNULL\tNULL", 2).unwrap();
        assert_eq!((r.key, r.value), (None, None));
        assert_eq!(r.headers, vec![("h".into(), None)]);
        assert_eq!(
            f.parse("t", b"nothing", 3).unwrap_err(),
            "No headers delimiter found on line number 3: 'nothing'"
        );
        let f = format(&[("parse.key", "true")]);
        assert_eq!(
            f.parse("t", b"no-key", 7).unwrap_err(),
            "No key separator found on line number 7: 'no-key'"
        );
        let f = format(&[
            ("parse.key", "true"),
            ("ignore.error", "true"),
            ("key.separator", "::"),
        ]);
        let r = f.parse("t", b"no-key", 1).unwrap();
        assert_eq!((r.key, r.value.as_deref()), (None, Some(&b"no-key"[..])));
        assert_eq!(
            f.parse("t", b"a::b::c", 1).unwrap().value.as_deref(),
            Some(&b"b::c"[..])
        );
    }
}
