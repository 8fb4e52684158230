//! `kbox perf-test producer` (kafka-producer-perf-test.sh, `ProducerPerformance`).
//!
//! Sends `--num-records` records as fast as `--throughput` allows and prints Apache's window
//! line every 5 s and its final line (records/sec, MB/sec, average and maximum latency, 50th,
//! 95th, 99th and 99.9th percentiles). Latency is from the hand-off to the producer to the
//! broker's acknowledgement, as in Apache's tool.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;

use super::{mb, per_sec, FastRng};
use crate::cli::common::{client_config, OutputFormat};
use crate::cli::ExitStatus;
use crate::client::{Producer, ProducerRecord, RecordMetadata};
use crate::{Error, Result};

/// Starts a thread that ticks once every `interval` from `start`, for throttled runs. Tokio's
/// timer wakes on whole milliseconds, so its sleeps of a fraction of one last up to 2 ms and the
/// records left in uneven bursts: the part-filled batch at the end of each burst waited for the
/// next one (p95 and p99 near 2.5 ms at 20 MB/s). A thread's sleep keeps sub-millisecond time.
/// A tick that is not taken holds the thread back, and the thread ends when the receiver goes.
fn pace(start: Instant, interval: f64) -> tokio::sync::mpsc::Receiver<()> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    std::thread::spawn(move || {
        for n in 0u64.. {
            let due = start + Duration::from_secs_f64(n as f64 * interval);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            if tx.blocking_send(()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Apache's window length.
const WINDOW: Duration = Duration::from_secs(5);
/// Records handed to the producer at once when unthrottled.
const CHUNK: usize = 1000;

#[derive(Debug, clap::Args)]
pub struct ProducerPerfArgs {
    /// Produce records to this topic.
    #[arg(long, value_name = "TOPIC")]
    pub topic: String,
    /// Number of records to produce.
    #[arg(long = "num-records", value_name = "NUM-RECORDS")]
    pub num_records: u64,
    /// Record size in bytes (one of --record-size, --payload-file, --payload-monotonic).
    #[arg(long = "record-size", value_name = "RECORD-SIZE", group = "payload")]
    pub record_size: Option<usize>,
    /// File of payloads to pick from at random, split by --payload-delimiter (UTF-8).
    #[arg(long = "payload-file", value_name = "PAYLOAD-FILE", group = "payload")]
    pub payload_file: Option<PathBuf>,
    /// Payload is the record's number, as text.
    #[arg(long = "payload-monotonic", group = "payload")]
    pub payload_monotonic: bool,
    /// Delimiter of the payloads in --payload-file.
    #[arg(
        long = "payload-delimiter",
        value_name = "PAYLOAD-DELIMITER",
        default_value = "\\n"
    )]
    pub payload_delimiter: String,
    /// Throttle to about this many records/sec; -1 for no limit.
    #[arg(long, value_name = "THROUGHPUT", allow_negative_numbers = true)]
    pub throughput: f64,
    /// Producer properties, key=value (override --producer.config).
    #[arg(long = "producer-props", value_name = "PROP-NAME=PROP-VALUE", num_args = 1..)]
    pub producer_props: Vec<String>,
    /// Producer properties file.
    #[arg(long = "producer.config", value_name = "CONFIG-FILE")]
    pub producer_config: Option<PathBuf>,
    /// Producer property (KIP-1147 name of --producer-props); repeatable.
    #[arg(long = "command-property", value_name = "PROP-NAME=PROP-VALUE", num_args = 1..)]
    pub command_property: Vec<String>,
    /// Producer properties file (KIP-1147 name of --producer.config).
    #[arg(long = "command-config", value_name = "CONFIG-FILE")]
    pub command_config: Option<PathBuf>,
    /// The broker list (wins over properties).
    #[arg(long = "bootstrap-server", value_name = "BOOTSTRAP-SERVERS")]
    pub bootstrap_server: Option<String>,
    /// Print the client's metrics at the end.
    #[arg(long = "print-metrics")]
    pub print_metrics: bool,
    /// Run in transactions with this id.
    #[arg(long = "transactional-id", value_name = "TRANSACTIONAL-ID")]
    pub transactional_id: Option<String>,
    /// Length of each transaction, with --transactional-id.
    #[arg(long = "transaction-duration-ms", value_name = "TRANSACTION-DURATION")]
    pub transaction_duration_ms: Option<u64>,
    /// Records sent first and left out of the steady-state figures (KIP-1052).
    #[arg(
        long = "warmup-records",
        value_name = "WARMUP-RECORDS",
        default_value_t = 0
    )]
    pub warmup_records: u64,
    /// `json` prints one summary object instead of Apache's lines.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// Figures over a span of records: a window, the whole run, or the steady state.
#[derive(Debug)]
struct Figures {
    start: Instant,
    records: u64,
    bytes: u64,
    latency_sum_us: u64,
    latency_max_us: u64,
    histogram: Histogram<u64>,
}

impl Figures {
    fn new(start: Instant) -> Figures {
        Figures {
            start,
            records: 0,
            bytes: 0,
            latency_sum_us: 0,
            latency_max_us: 0,
            // 1 µs to 1 hour, 3 significant digits: a few hundred kB, whatever the run length.
            histogram: Histogram::new_with_bounds(1, 3_600_000_000, 3)
                .expect("valid histogram bounds"),
        }
    }

    fn record(&mut self, bytes: usize, latency_us: u64) {
        self.records += 1;
        self.bytes += bytes as u64;
        self.latency_sum_us += latency_us;
        self.latency_max_us = self.latency_max_us.max(latency_us);
        let _ = self.histogram.record(latency_us.max(1));
    }

    fn avg_ms(&self) -> f64 {
        if self.records == 0 {
            0.0
        } else {
            self.latency_sum_us as f64 / self.records as f64 / 1000.0
        }
    }

    fn max_ms(&self) -> f64 {
        self.latency_max_us as f64 / 1000.0
    }

    /// A percentile in whole milliseconds, as Apache prints them.
    fn percentile_ms(&self, q: f64) -> u64 {
        if self.records == 0 {
            0
        } else {
            self.histogram.value_at_quantile(q) / 1000
        }
    }

    fn rates(&self, now: Instant) -> (f64, f64) {
        let elapsed = now.duration_since(self.start);
        (
            per_sec(self.records as f64, elapsed),
            per_sec(mb(self.bytes), elapsed),
        )
    }

    /// Apache's 5-second line.
    fn window_line(&self, now: Instant) -> String {
        let (rps, mbps) = self.rates(now);
        format!(
            "{} records sent, {rps:.1} records/sec ({mbps:.2} MB/sec), {:.1} ms avg latency, {:.1} ms max latency.",
            self.records,
            self.avg_ms(),
            self.max_ms()
        )
    }

    /// Apache's final line; `label` is "" or " steady state".
    fn final_line(&self, now: Instant, label: &str) -> String {
        let (rps, mbps) = self.rates(now);
        format!(
            "{}{label} records sent, {rps:.1} records/sec ({mbps:.2} MB/sec), {:.2} ms avg latency, {:.2} ms max latency, {} ms 50th, {} ms 95th, {} ms 99th, {} ms 99.9th.",
            self.records,
            self.avg_ms(),
            self.max_ms(),
            self.percentile_ms(0.5),
            self.percentile_ms(0.95),
            self.percentile_ms(0.99),
            self.percentile_ms(0.999),
        )
    }

    fn json(&self, now: Instant) -> serde_json::Value {
        let (rps, mbps) = self.rates(now);
        serde_json::json!({
            "records": self.records,
            "bytes": self.bytes,
            "seconds": now.duration_since(self.start).as_secs_f64(),
            "records_per_sec": rps,
            "mb_per_sec": mbps,
            "avg_latency_ms": self.avg_ms(),
            "max_latency_ms": self.max_ms(),
            "p50_ms": self.histogram.value_at_quantile(0.5) as f64 / 1000.0,
            "p95_ms": self.histogram.value_at_quantile(0.95) as f64 / 1000.0,
            "p99_ms": self.histogram.value_at_quantile(0.99) as f64 / 1000.0,
            "p999_ms": self.histogram.value_at_quantile(0.999) as f64 / 1000.0,
        })
    }
}

/// Everything the delivery callbacks update.
#[derive(Debug)]
struct Stats {
    total: Figures,
    window: Figures,
    steady: Option<Figures>,
    warmup: u64,
    errors: u64,
    print_windows: bool,
}

impl Stats {
    fn completed(&mut self, bytes: usize, sent_at: Instant, result: &Result<RecordMetadata>) {
        let now = Instant::now();
        if let Err(e) = result {
            self.errors += 1;
            if self.errors <= 10 {
                eprintln!("Error: {e}");
            }
            return;
        }
        let latency_us = now.duration_since(sent_at).as_micros() as u64;
        self.total.record(bytes, latency_us);
        // Steady-state figures exist only with --warmup-records.
        if self.warmup > 0 && self.total.records > self.warmup {
            self.steady
                .get_or_insert_with(|| Figures::new(now))
                .record(bytes, latency_us);
        }
        self.window.record(bytes, latency_us);
        if now.duration_since(self.window.start) >= WINDOW {
            if self.print_windows {
                println!("{}", self.window.window_line(now));
            }
            self.window = Figures::new(now);
        }
    }
}

/// Where each record's value comes from.
enum Payloads {
    Fixed(Bytes),
    Pick(Vec<Bytes>),
    Monotonic,
}

impl Payloads {
    fn from_args(args: &ProducerPerfArgs) -> Result<Payloads> {
        let mut rng = FastRng::seeded();
        if let Some(size) = args.record_size {
            // As Apache: one payload of random capital letters, sent every time.
            let payload: Vec<u8> = (0..size).map(|_| b'A' + rng.below(26) as u8).collect();
            return Ok(Payloads::Fixed(Bytes::from(payload)));
        }
        if args.payload_monotonic {
            return Ok(Payloads::Monotonic);
        }
        let Some(path) = &args.payload_file else {
            return Err(Error::Message(
                "one of --record-size, --payload-file or --payload-monotonic is required".into(),
            ));
        };
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        println!("Reading payloads from: {}", absolute.display());
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Message(format!("{}: {e}", path.display())))?;
        let delimiter = args
            .payload_delimiter
            .replace("\\n", "\n")
            .replace("\\t", "\t");
        let payloads: Vec<Bytes> = text
            .split(delimiter.as_str())
            .filter(|p| !p.is_empty())
            .map(|p| Bytes::copy_from_slice(p.as_bytes()))
            .collect();
        println!("Number of messages read: {}", payloads.len());
        if payloads.is_empty() {
            return Err(Error::Message("File does not contain any payloads".into()));
        }
        Ok(Payloads::Pick(payloads))
    }

    fn value(&self, i: u64, rng: &mut FastRng) -> Bytes {
        match self {
            Payloads::Fixed(b) => b.clone(),
            Payloads::Pick(list) => list[rng.below(list.len() as u64) as usize].clone(),
            Payloads::Monotonic => Bytes::from(i.to_string()),
        }
    }
}

pub async fn run(args: ProducerPerfArgs) -> Result<ExitStatus> {
    if args.transaction_duration_ms == Some(0) {
        return Err(Error::Message(
            "--transaction-duration-ms should be greater than zero".into(),
        ));
    }
    if args.throughput == 0.0 {
        return Err(Error::Message(
            "--throughput must be positive, or -1 for no limit".into(),
        ));
    }
    let files: Vec<&PathBuf> = args
        .producer_config
        .iter()
        .chain(args.command_config.iter())
        .collect();
    let pairs: Vec<String> = args
        .producer_props
        .iter()
        .chain(args.command_property.iter())
        .cloned()
        .collect();
    let mut config = client_config(args.bootstrap_server.as_deref(), &files, &pairs, &[])?;
    // Apache's rules: a transactional id (flag or property) or a duration turns transactions
    // on; each one is committed after --transaction-duration-ms (3000 by default).
    let transactional_id = args
        .transactional_id
        .clone()
        .or_else(|| config.get("transactional.id").map(str::to_string))
        .or_else(|| {
            args.transaction_duration_ms
                .map(|_| "performance-producer-default-transactional-id".to_string())
        });
    let transaction_duration = transactional_id
        .as_ref()
        .map(|_| Duration::from_millis(args.transaction_duration_ms.unwrap_or(3000)));
    if let Some(id) = &transactional_id {
        config.set("transactional.id", id.as_str());
    }
    let client_id = config.client_id();
    let payloads = Payloads::from_args(&args)?;
    let producer = Producer::new(config)?;
    let mut transaction_started = Instant::now();
    if transaction_duration.is_some() {
        producer.init_transactions().await?;
        producer.begin_transaction().await?;
    }

    let start = Instant::now();
    let json = args.format == OutputFormat::Json;
    let stats = Arc::new(Mutex::new(Stats {
        total: Figures::new(start),
        window: Figures::new(start),
        steady: None,
        warmup: args.warmup_records,
        errors: 0,
        print_windows: !json,
    }));
    let bar = crate::cli::common::progress(Some(args.num_records), json, true);
    let throttled = args.throughput > 0.0;
    // Throttled runs hand over a quarter millisecond's worth at a time so that records arrive
    // nearly as a steady stream: a burst that ends in a part-filled batch leaves it waiting for
    // the next burst (10 ms chunks put the p99 at 20 MB/s near 7 ms, 1 ms chunks the p50 at
    // 1.1 ms).
    let chunk = if throttled {
        ((args.throughput / 4000.0) as usize).clamp(1, CHUNK)
    } else {
        CHUNK
    };
    let mut ticks = throttled.then(|| pace(start, chunk as f64 / args.throughput));
    let mut rng = FastRng::seeded();
    let mut sent = 0u64;
    let interrupted = crate::cli::common::interrupted();
    tokio::pin!(interrupted);
    while sent < args.num_records {
        if let Some(ticks) = &mut ticks {
            tokio::select! {
                _ = ticks.recv() => {}
                _ = &mut interrupted => break,
            }
        }
        let n = chunk.min((args.num_records - sent) as usize);
        let mut records = Vec::with_capacity(n);
        let mut sizes = Vec::with_capacity(n);
        for i in 0..n as u64 {
            let value = payloads.value(sent + i, &mut rng);
            sizes.push(value.len());
            records.push(ProducerRecord {
                topic: args.topic.clone(),
                value: Some(value),
                ..Default::default()
            });
        }
        let sent_at = Instant::now();
        let stats2 = stats.clone();
        let callback = Arc::new(move |index: usize, result: Result<RecordMetadata>| {
            let bytes = sizes.get(index).copied().unwrap_or(0);
            stats2
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .completed(bytes, sent_at, &result);
        });
        tokio::select! {
            r = producer.send_many(records, callback) => r?,
            _ = &mut interrupted => break,
        }
        sent += n as u64;
        // Handing records over takes no await that waits while buffer.memory has room: without
        // a yield this loop keeps its worker until the buffer is full, and the producer's
        // connections (the first to the leader, its ApiVersions) wait that long to start.
        tokio::task::yield_now().await;
        if let Some(bar) = &bar {
            bar.set_position(sent);
        }
        if transaction_duration.is_some_and(|d| transaction_started.elapsed() >= d) {
            producer.commit_transaction().await?;
            producer.begin_transaction().await?;
            transaction_started = Instant::now();
        }
    }
    if transaction_duration.is_some() {
        producer.commit_transaction().await?;
    }
    producer.close().await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    let now = Instant::now();
    let stats = stats.lock().unwrap_or_else(|e| e.into_inner());
    if json {
        let mut summary = stats.total.json(now);
        summary["errors"] = stats.errors.into();
        if let Some(steady) = &stats.steady {
            if args.warmup_records > 0 {
                summary["steady_state"] = steady.json(now);
            }
        }
        println!("{summary}");
    } else {
        println!("{}", stats.total.final_line(now, ""));
        if let (Some(steady), true) = (&stats.steady, args.warmup_records > 0) {
            println!("{}", steady.final_line(now, " steady state"));
        }
    }
    if args.print_metrics {
        print_metrics(&client_id, &stats, now);
    }
    Ok(if stats.errors == 0 && sent == args.num_records {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// Apache's `--print-metrics` table (`ToolsUtils.printMetrics`) for what the tool measured.
fn print_metrics(client_id: &str, stats: &Stats, now: Instant) {
    let total = &stats.total;
    let (rps, _) = total.rates(now);
    let elapsed = now.duration_since(total.start);
    let avg_size = if total.records == 0 {
        0.0
    } else {
        total.bytes as f64 / total.records as f64
    };
    let tag = format!("{{client-id={client_id}}}");
    let metrics = [
        ("record-send-total", total.records as f64),
        ("record-send-rate", rps),
        ("record-error-total", stats.errors as f64),
        ("record-error-rate", per_sec(stats.errors as f64, elapsed)),
        ("record-size-avg", avg_size),
        ("byte-total", total.bytes as f64),
        ("byte-rate", per_sec(total.bytes as f64, elapsed)),
        ("request-latency-avg", total.avg_ms()),
        ("request-latency-max", total.max_ms()),
    ];
    let names: Vec<String> = metrics
        .iter()
        .map(|(name, _)| format!("producer-metrics:{name}:{tag}"))
        .collect();
    let width = names.iter().map(String::len).max().unwrap_or(0);
    println!("\n{:<width$}   Value", "Metric Name");
    for (name, (_, value)) in names.iter().zip(metrics) {
        println!("{name:<width$} : {value:.3}");
    }
}
