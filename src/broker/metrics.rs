//! Prometheus metrics: counters kept on the request path, gauges read at scrape time, and a
//! small HTTP/1.1 server answering `GET /metrics` (off unless `kbox.metrics.listener` is set).
//!
//! Names are Kafka's JMX MBeans as the Prometheus JMX exporter spells them (lower case, `_`
//! between domain, type and name): `kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,
//! topic=t` becomes `kafka_server_brokertopicmetrics_bytesin_total{topic="t"}`, so dashboards
//! built for Kafka find the same series. Consumer-group lag uses kafka_exporter's
//! `kafka_consumergroup_lag`, the name Kafka dashboards expect for it. ARCHITECTURE.md lists
//! every family.
//!
//! The hot path only touches atomics: per-API histograms live in a fixed array indexed by API
//! key, and per-topic counters sit in a map that is read-locked for the lookup (the write lock
//! is taken once per topic, when it is first seen). Everything else (log sizes and offsets,
//! group lag) is read from the broker's state when Prometheus scrapes.

use std::collections::{HashMap, HashSet};
use std::fmt::{Display, Write as _};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::BrokerState;
use crate::protocol::ApiKey;

/// Upper bounds (in nanoseconds) of the request latency buckets; `+Inf` follows. They span a
/// fast in-memory answer (0.5 ms) to a long-poll fetch waiting out its `max.wait.ms` (10 s).
pub const LATENCY_BUCKETS_NANOS: [u64; 14] = [
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
];

/// API keys are small (Kafka's highest is below 100); one slot per possible key.
const API_SLOTS: usize = 128;
/// The request head (request line and headers) we read at most.
const MAX_HEAD_BYTES: usize = 8 * 1024;
/// How long a scrape connection may take, from accept to the last byte written.
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(10);
/// Scrapes answered at once; more connections are closed at once.
const MAX_SCRAPES: usize = 32;

/// A latency histogram with [`LATENCY_BUCKETS_NANOS`], lock-free.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Non-cumulative counts; the last slot is `+Inf`.
    buckets: [AtomicU64; LATENCY_BUCKETS_NANOS.len() + 1],
    sum_nanos: AtomicU64,
}

/// A consistent-enough copy of a [`Histogram`] for rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    /// `(upper bound in seconds, cumulative count)`, `+Inf` excluded.
    pub buckets: Vec<(f64, u64)>,
    /// Sum of the observations in seconds.
    pub sum: f64,
    /// Number of observations (also the `+Inf` bucket).
    pub count: u64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, elapsed: Duration) {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let slot = LATENCY_BUCKETS_NANOS
            .iter()
            .position(|&bound| nanos <= bound)
            .unwrap_or(LATENCY_BUCKETS_NANOS.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Cumulative bucket counts; the count is derived from the buckets so `+Inf` equals it.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut cumulative = 0u64;
        let mut buckets = Vec::with_capacity(LATENCY_BUCKETS_NANOS.len());
        for (bound, slot) in LATENCY_BUCKETS_NANOS.iter().zip(&self.buckets) {
            cumulative += slot.load(Ordering::Relaxed);
            buckets.push((*bound as f64 / 1e9, cumulative));
        }
        cumulative += self.buckets[LATENCY_BUCKETS_NANOS.len()].load(Ordering::Relaxed);
        HistogramSnapshot {
            buckets,
            sum: self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
            count: cumulative,
        }
    }

    /// The number of observations so far.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }
}

/// Kafka's `BrokerTopicMetrics` for one topic.
#[derive(Debug, Default)]
struct TopicCounters {
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    messages_in: AtomicU64,
}

/// The broker's counters. Lives in [`BrokerState`]; cheap to update from any task.
#[derive(Debug)]
pub struct Metrics {
    /// One latency histogram per API key (its count is the request counter).
    requests: Box<[Histogram]>,
    topics: RwLock<HashMap<String, TopicCounters>>,
    connections_open: AtomicI64,
    connections_accepted: AtomicU64,
    /// Fetch record bytes by how they left: `[sendfile, copied through memory]`.
    fetch_bytes_sent: [AtomicU64; 2],
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: (0..API_SLOTS).map(|_| Histogram::default()).collect(),
            topics: RwLock::default(),
            connections_open: AtomicI64::new(0),
            connections_accepted: AtomicU64::new(0),
            fetch_bytes_sent: Default::default(),
        }
    }
}

/// Decrements the open-connection gauge when the connection's task ends, however it ends.
#[derive(Debug)]
pub struct OpenConnection<'a>(&'a Metrics);

impl Drop for OpenConnection<'_> {
    fn drop(&mut self) {
        self.0.connections_open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Counts one request of `api` answered in `elapsed`.
    pub fn record_request(&self, api: ApiKey, elapsed: Duration) {
        if let Some(h) = usize::try_from(api as i16)
            .ok()
            .and_then(|i| self.requests.get(i))
        {
            h.observe(elapsed);
        }
    }

    /// Requests of `api` counted so far.
    pub fn request_count(&self, api: ApiKey) -> u64 {
        usize::try_from(api as i16)
            .ok()
            .and_then(|i| self.requests.get(i))
            .map_or(0, Histogram::count)
    }

    /// Counts an accepted connection.
    pub fn connection_accepted(&self) {
        self.connections_accepted.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts fetched record bytes written to a socket, with `sendfile` or through memory.
    pub fn fetch_bytes_written(&self, bytes: u64, zero_copy: bool) {
        self.fetch_bytes_sent[usize::from(!zero_copy)].fetch_add(bytes, Ordering::Relaxed);
    }

    /// Counts a connection as open until the returned guard is dropped.
    pub fn connection_opened(&self) -> OpenConnection<'_> {
        self.connections_open.fetch_add(1, Ordering::Relaxed);
        OpenConnection(self)
    }

    /// Counts a successful produce to `topic`: its batch bytes and record count.
    pub fn produced(&self, topic: &str, bytes: u64, records: u64) {
        self.with_topic(topic, |c| {
            c.bytes_in.fetch_add(bytes, Ordering::Relaxed);
            c.messages_in.fetch_add(records, Ordering::Relaxed);
        });
    }

    /// Counts record bytes sent to a consumer from `topic`.
    pub fn fetched(&self, topic: &str, bytes: u64) {
        self.with_topic(topic, |c| {
            c.bytes_out.fetch_add(bytes, Ordering::Relaxed);
        });
    }

    /// Runs `f` on the topic's counters: a read lock when the topic is known (no allocation),
    /// the write lock once when it is new.
    fn with_topic(&self, topic: &str, f: impl Fn(&TopicCounters)) {
        {
            let topics = self.topics.read().unwrap_or_else(|e| e.into_inner());
            if let Some(c) = topics.get(topic) {
                f(c);
                return;
            }
        }
        let mut topics = self.topics.write().unwrap_or_else(|e| e.into_inner());
        f(topics.entry(topic.to_string()).or_default());
    }

    /// Forgets counters of topics that no longer exist, so deleted topics stop being reported.
    /// The write lock is taken only when there is something to forget.
    fn retain_topics(&self, existing: &HashSet<&str>) {
        let stale = {
            let topics = self.topics.read().unwrap_or_else(|e| e.into_inner());
            topics.keys().any(|name| !existing.contains(name.as_str()))
        };
        if !stale {
            return;
        }
        let mut topics = self.topics.write().unwrap_or_else(|e| e.into_inner());
        topics.retain(|name, _| existing.contains(name.as_str()));
    }
}

/// A Prometheus metric type, as `# TYPE` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// Writes the Prometheus text exposition format 0.0.4: a family's `# HELP` and `# TYPE` lines,
/// then its samples.
#[derive(Debug, Default)]
pub struct TextWriter {
    out: String,
}

impl TextWriter {
    /// Starts a metric family.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.name());
    }

    /// One sample line: `name{labels} value`.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Display) {
        self.out.push_str(name);
        write_labels(&mut self.out, labels, None);
        let _ = writeln!(self.out, " {value}");
    }

    /// A histogram's `_bucket` lines (with `le`), then `_sum` and `_count`.
    pub fn histogram(&mut self, name: &str, labels: &[(&str, &str)], h: &HistogramSnapshot) {
        for (bound, count) in &h.buckets {
            let _ = write!(self.out, "{name}_bucket");
            write_labels(&mut self.out, labels, Some(("le", &bound.to_string())));
            let _ = writeln!(self.out, " {count}");
        }
        let _ = write!(self.out, "{name}_bucket");
        write_labels(&mut self.out, labels, Some(("le", "+Inf")));
        let _ = writeln!(self.out, " {}", h.count);
        self.sample(&format!("{name}_sum"), labels, h.sum);
        self.sample(&format!("{name}_count"), labels, h.count);
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.out
    }
}

fn write_labels(out: &mut String, labels: &[(&str, &str)], extra: Option<(&str, &str)>) {
    if labels.is_empty() && extra.is_none() {
        return;
    }
    out.push('{');
    for (i, (name, value)) in labels.iter().copied().chain(extra).enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(name);
        out.push_str("=\"");
        escape_label_value(out, value);
        out.push('"');
    }
    out.push('}');
}

/// Label values escape `\`, `"` and newline (the format's only rules).
fn escape_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// `# HELP` text escapes `\` and newline.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Renders every metric of the broker, reading log and group gauges now.
pub fn render(state: &BrokerState) -> String {
    let m = &state.metrics;
    let mut w = TextWriter::default();

    let mut partitions = state.replicas.all();
    partitions.sort_by(|a, b| (&a.topic, a.index).cmp(&(&b.topic, b.index)));
    let existing: HashSet<&str> = partitions.iter().map(|p| p.topic.as_str()).collect();
    m.retain_topics(&existing);

    // Per-topic counters, copied out so the lock is not held while writing:
    // (topic, [bytes in, bytes out, messages in]).
    let mut topics: Vec<(String, [u64; 3])> = {
        let map = m.topics.read().unwrap_or_else(|e| e.into_inner());
        map.iter()
            .map(|(name, c)| {
                let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
                (
                    name.clone(),
                    [load(&c.bytes_in), load(&c.bytes_out), load(&c.messages_in)],
                )
            })
            .collect()
    };
    topics.sort();
    let topic_families = [
        (
            "kafka_server_brokertopicmetrics_bytesin_total",
            "Record batch bytes appended by Produce requests, per topic.",
        ),
        (
            "kafka_server_brokertopicmetrics_bytesout_total",
            "Record batch bytes returned by Fetch requests, per topic.",
        ),
        (
            "kafka_server_brokertopicmetrics_messagesin_total",
            "Records appended by Produce requests, per topic.",
        ),
    ];
    for (i, (name, help)) in topic_families.into_iter().enumerate() {
        w.family(name, Kind::Counter, help);
        for (topic, values) in &topics {
            w.sample(name, &[("topic", topic)], values[i]);
        }
    }

    let apis = super::handlers::supported_apis();
    let names: Vec<(String, usize)> = apis
        .iter()
        .filter_map(|(api, _)| Some((format!("{api:?}"), usize::try_from(*api as i16).ok()?)))
        .filter(|(_, slot)| *slot < m.requests.len())
        .collect();
    let name = "kafka_network_requestmetrics_requests_total";
    w.family(name, Kind::Counter, "Requests handled, per API.");
    for (api, slot) in &names {
        w.sample(name, &[("request", api)], m.requests[*slot].count());
    }
    let name = "kafka_network_requestmetrics_totaltime_seconds";
    w.family(
        name,
        Kind::Histogram,
        "Time from a request's decoded frame to its encoded response, per API (long-poll fetches include their wait).",
    );
    for (api, slot) in &names {
        w.histogram(name, &[("request", api)], &m.requests[*slot].snapshot());
    }

    let name = "kafka_server_socketservermetrics_connection_count";
    w.family(name, Kind::Gauge, "Open client connections.");
    w.sample(name, &[], m.connections_open.load(Ordering::Relaxed));
    let name = "kafka_server_socketservermetrics_connection_creation_total";
    w.family(name, Kind::Counter, "Client connections accepted.");
    w.sample(name, &[], m.connections_accepted.load(Ordering::Relaxed));

    let name = "kbox_fetch_record_bytes_total";
    w.family(
        name,
        Kind::Counter,
        "Fetched record bytes written to sockets, by path: sendfile (page cache to socket) or copied (read into memory first).",
    );
    for (i, path) in ["sendfile", "copied"].into_iter().enumerate() {
        w.sample(
            name,
            &[("path", path)],
            m.fetch_bytes_sent[i].load(Ordering::Relaxed),
        );
    }

    // One lock per partition, held only to copy three numbers.
    let logs: Vec<(String, String, u64, i64, i64)> = partitions
        .iter()
        .map(|p| {
            let log = p.log();
            (
                p.topic.clone(),
                p.index.to_string(),
                log.size_bytes(),
                log.log_start_offset(),
                log.log_end_offset(),
            )
        })
        .collect();
    let name = "kafka_log_log_size_bytes";
    w.family(name, Kind::Gauge, "Bytes of a partition's log segments.");
    for (topic, partition, size, _, _) in &logs {
        w.sample(name, &[("topic", topic), ("partition", partition)], size);
    }
    let name = "kafka_log_log_logstartoffset";
    w.family(
        name,
        Kind::Gauge,
        "First offset still in a partition's log.",
    );
    for (topic, partition, _, start, _) in &logs {
        w.sample(name, &[("topic", topic), ("partition", partition)], start);
    }
    let name = "kafka_log_log_logendoffset";
    w.family(
        name,
        Kind::Gauge,
        "Next offset a partition's log will assign.",
    );
    for (topic, partition, _, _, end) in &logs {
        w.sample(name, &[("topic", topic), ("partition", partition)], end);
    }

    // One replica per partition today: nothing is ever under-replicated and the ISR never
    // changes. The series exist so dashboards and alerts can be set up now.
    let name = "kafka_server_replicamanager_underreplicatedpartitions";
    w.family(
        name,
        Kind::Gauge,
        "Partitions led here whose ISR is smaller than their replica set.",
    );
    w.sample(name, &[], 0);
    let name = "kafka_server_replicamanager_isrshrinks_total";
    w.family(name, Kind::Counter, "Times a partition's ISR shrank.");
    w.sample(name, &[], 0);
    let name = "kafka_server_replicamanager_isrexpands_total";
    w.family(name, Kind::Counter, "Times a partition's ISR expanded.");
    w.sample(name, &[], 0);

    let end_offsets: HashMap<(&str, i32), i64> = logs
        .iter()
        .zip(&partitions)
        .map(|(l, p)| ((p.topic.as_str(), p.index), l.4))
        .collect();
    let mut lags = Vec::new();
    for (group, _, _) in state.groups.list() {
        let mut offsets: Vec<_> = state.groups.offsets(&group).into_iter().collect();
        offsets.sort_by(|a, b| a.0.cmp(&b.0));
        for ((topic, partition), committed) in offsets {
            if let Some(&end) = end_offsets.get(&(topic.as_str(), partition)) {
                lags.push((
                    group.clone(),
                    topic,
                    partition.to_string(),
                    committed.offset,
                    end - committed.offset,
                ));
            }
        }
    }
    let name = "kafka_consumergroup_current_offset";
    w.family(
        name,
        Kind::Gauge,
        "A consumer group's committed offset, per partition.",
    );
    for (group, topic, partition, committed, _) in &lags {
        let labels = [
            ("consumergroup", group.as_str()),
            ("topic", topic),
            ("partition", partition),
        ];
        w.sample(name, &labels, committed);
    }
    let name = "kafka_consumergroup_lag";
    w.family(
        name,
        Kind::Gauge,
        "Log end offset minus a consumer group's committed offset, per partition.",
    );
    for (group, topic, partition, _, lag) in &lags {
        let labels = [
            ("consumergroup", group.as_str()),
            ("topic", topic),
            ("partition", partition),
        ];
        w.sample(name, &labels, lag);
    }
    w.finish()
}

/// Binds the metrics listener and logs `metrics listening address=...`.
pub async fn bind(addr: std::net::SocketAddr) -> crate::Result<TcpListener> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| crate::Error::Message(format!("cannot listen for metrics on {addr}: {e}")))?;
    let local = listener.local_addr()?;
    tracing::info!(address = %local, "metrics listening");
    Ok(listener)
}

/// Answers scrapes until shutdown. Each connection gets one answer and is closed.
pub async fn serve(
    state: Arc<BrokerState>,
    listener: TcpListener,
    mut shutdown: watch::Receiver<bool>,
) -> crate::Result<()> {
    let mut scrapes = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) if scrapes.len() < MAX_SCRAPES => {
                    scrapes.spawn(answer(state.clone(), socket));
                }
                Ok(_) => {} // too many at once: dropping the socket closes it
                Err(e) => {
                    tracing::warn!(error = %e, "metrics accept failed; backing off");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = scrapes.join_next(), if !scrapes.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    // A scrape holds nothing worth finishing.
    scrapes.abort_all();
    Ok(())
}

/// Why a request head could not be used.
#[derive(Debug, PartialEq, Eq)]
enum HeadError {
    /// The peer closed before sending anything: nothing to answer.
    Empty,
    /// Not an HTTP/1.x request head.
    Malformed,
    /// Longer than [`MAX_HEAD_BYTES`].
    TooLarge,
}

/// The parts of a request we look at.
#[derive(Debug, PartialEq, Eq)]
struct RequestLine {
    method: String,
    path: String,
}

async fn answer(state: Arc<BrokerState>, mut socket: TcpStream) {
    let _ = tokio::time::timeout(SCRAPE_TIMEOUT, async {
        let (status, body, head_only) = match read_head(&mut socket).await {
            Err(HeadError::Empty) => return,
            Err(HeadError::Malformed) => ("400 Bad Request", "bad request\n".to_string(), false),
            Err(HeadError::TooLarge) => (
                "431 Request Header Fields Too Large",
                "request head too large\n".to_string(),
                false,
            ),
            Ok(r) if r.method != "GET" && r.method != "HEAD" => {
                ("405 Method Not Allowed", "use GET\n".to_string(), false)
            }
            Ok(r) if r.path == "/metrics" => ("200 OK", render(&state), r.method == "HEAD"),
            Ok(r) => ("404 Not Found", "not found; try /metrics\n".to_string(), r.method == "HEAD"),
        };
        let content_type = if status.starts_with("200") {
            "text/plain; version=0.0.4; charset=utf-8"
        } else {
            "text/plain; charset=utf-8"
        };
        let mut response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        if status.starts_with("405") {
            response.push_str("Allow: GET, HEAD\r\n");
        }
        response.push_str("\r\n");
        if !head_only {
            response.push_str(&body);
        }
        if socket.write_all(response.as_bytes()).await.is_ok() {
            let _ = socket.shutdown().await;
        }
    })
    .await;
}

/// Reads up to the blank line ending the request head, at most [`MAX_HEAD_BYTES`].
async fn read_head(socket: &mut TcpStream) -> Result<RequestLine, HeadError> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = socket
            .read(&mut chunk)
            .await
            .map_err(|_| HeadError::Malformed)?;
        if n == 0 {
            return Err(if head.is_empty() {
                HeadError::Empty
            } else {
                HeadError::Malformed
            });
        }
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = find_head_end(&head) {
            return parse_request_line(&head[..end]);
        }
        if head.len() > MAX_HEAD_BYTES {
            return Err(HeadError::TooLarge);
        }
    }
}

/// Where the head ends (`\r\n\r\n`, or `\n\n` from lenient clients).
fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| buf.windows(2).position(|w| w == b"\n\n"))
}

/// `METHOD target HTTP/1.x`; the query string is ignored.
fn parse_request_line(head: &[u8]) -> Result<RequestLine, HeadError> {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = std::str::from_utf8(line).map_err(|_| HeadError::Malformed)?;
    let mut parts = line.trim_end_matches('\r').split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed);
    };
    let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase());
    if !token(method) || !target.starts_with('/') || !version.starts_with("HTTP/1.") {
        return Err(HeadError::Malformed);
    }
    let path = target.split('?').next().unwrap_or(target);
    Ok(RequestLine {
        method: method.to_string(),
        path: path.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_and_gauge_with_labels() {
        let mut w = TextWriter::default();
        w.family("kbox_requests_total", Kind::Counter, "Requests.");
        w.sample("kbox_requests_total", &[], 42u64);
        w.family("kafka_log_log_size_bytes", Kind::Gauge, "Bytes.");
        w.sample(
            "kafka_log_log_size_bytes",
            &[("topic", "orders"), ("partition", "0")],
            1024u64,
        );
        w.sample("kafka_consumergroup_lag", &[("topic", "t")], -3i64);
        assert_eq!(
            w.finish(),
            "# HELP kbox_requests_total Requests.\n\
             # TYPE kbox_requests_total counter\n\
             kbox_requests_total 42\n\
             # HELP kafka_log_log_size_bytes Bytes.\n\
             # TYPE kafka_log_log_size_bytes gauge\n\
             kafka_log_log_size_bytes{topic=\"orders\",partition=\"0\"} 1024\n\
             kafka_consumergroup_lag{topic=\"t\"} -3\n"
        );
    }

    #[test]
    fn label_values_and_help_are_escaped() {
        let mut w = TextWriter::default();
        w.family("m", Kind::Gauge, "a \\ b\nc");
        w.sample("m", &[("group", "a\"b\\c\nd")], 1);
        assert_eq!(
            w.finish(),
            "# HELP m a \\\\ b\\nc\n# TYPE m gauge\nm{group=\"a\\\"b\\\\c\\nd\"} 1\n"
        );
    }

    #[test]
    fn histogram_buckets_are_cumulative_with_sum_and_count() {
        let h = Histogram::default();
        h.observe(Duration::from_micros(200)); // <= 0.0005
        h.observe(Duration::from_millis(3)); // <= 0.005
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_secs(20)); // +Inf only
        let snap = h.snapshot();
        assert_eq!(snap.count, 4);
        assert_eq!(h.count(), 4);
        let mut w = TextWriter::default();
        w.family("lat_seconds", Kind::Histogram, "Latency.");
        w.histogram("lat_seconds", &[("request", "Produce")], &snap);
        let text = w.finish();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "# HELP lat_seconds Latency.");
        assert_eq!(lines[1], "# TYPE lat_seconds histogram");
        assert_eq!(
            lines[2],
            "lat_seconds_bucket{request=\"Produce\",le=\"0.0005\"} 1"
        );
        assert_eq!(
            lines[3],
            "lat_seconds_bucket{request=\"Produce\",le=\"0.001\"} 1"
        );
        assert_eq!(
            lines[4],
            "lat_seconds_bucket{request=\"Produce\",le=\"0.0025\"} 1"
        );
        assert_eq!(
            lines[5],
            "lat_seconds_bucket{request=\"Produce\",le=\"0.005\"} 3"
        );
        assert_eq!(
            lines[15],
            "lat_seconds_bucket{request=\"Produce\",le=\"10\"} 3"
        );
        assert_eq!(
            lines[16],
            "lat_seconds_bucket{request=\"Produce\",le=\"+Inf\"} 4"
        );
        assert_eq!(lines[17], "lat_seconds_sum{request=\"Produce\"} 20.0062");
        assert_eq!(lines[18], "lat_seconds_count{request=\"Produce\"} 4");
        assert_eq!(lines.len(), 19);
    }

    #[test]
    fn requests_and_topics_are_counted() {
        let m = Metrics::default();
        m.record_request(ApiKey::Produce, Duration::from_millis(1));
        m.record_request(ApiKey::Produce, Duration::from_millis(2));
        assert_eq!(m.request_count(ApiKey::Produce), 2);
        assert_eq!(m.request_count(ApiKey::Fetch), 0);
        m.produced("t", 100, 3);
        m.produced("t", 50, 1);
        m.fetched("t", 70);
        let topics = m.topics.read().unwrap();
        let t = &topics["t"];
        assert_eq!(t.bytes_in.load(Ordering::Relaxed), 150);
        assert_eq!(t.messages_in.load(Ordering::Relaxed), 4);
        assert_eq!(t.bytes_out.load(Ordering::Relaxed), 70);
        drop(topics);
        {
            let _a = m.connection_opened();
            let _b = m.connection_opened();
            assert_eq!(m.connections_open.load(Ordering::Relaxed), 2);
        }
        assert_eq!(m.connections_open.load(Ordering::Relaxed), 0);
        m.retain_topics(&HashSet::new());
        assert!(m.topics.read().unwrap().is_empty());
    }

    #[test]
    fn request_lines() {
        let ok = |s: &str| parse_request_line(s.as_bytes());
        assert_eq!(
            ok("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n"),
            Ok(RequestLine {
                method: "GET".into(),
                path: "/metrics".into()
            })
        );
        assert_eq!(ok("GET /metrics"), Err(HeadError::Malformed));
        assert_eq!(ok("get /metrics HTTP/1.1"), Err(HeadError::Malformed));
        assert_eq!(ok("GET metrics HTTP/1.1"), Err(HeadError::Malformed));
        assert_eq!(ok("GET /metrics HTTP/2 x"), Err(HeadError::Malformed));
        assert_eq!(
            parse_request_line(b"\xff\xfe /metrics HTTP/1.1"),
            Err(HeadError::Malformed)
        );
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n\r\n"), Some(14));
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n"), None);
    }
}
