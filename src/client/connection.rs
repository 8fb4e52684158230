//! One connection to one broker (TCP, or TLS over TCP, with an optional SASL login), with
//! pipelined requests matched by correlation id.
//!
//! A writer task sends frames in the order they were queued, record batches straight from the
//! producer's buffers (vectored writes); a reader task hands each response
//! to whoever is waiting for its correlation id. Callers therefore never block each other: many
//! requests can be in flight on one connection, as Kafka allows. When either side fails, every
//! waiting caller gets the error and the connection is marked closed, so the owner reconnects.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_protocol::messages::{
    ApiVersionsRequest, RequestHeader, SaslAuthenticateRequest, SaslHandshakeRequest,
};
use kafka_protocol::protocol::{Request, StrBytes};
use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

use super::security::{ClientSecurity, SaslLogin};
use crate::protocol::codec::{decode_response, encode_request, encode_request_spliced};
use crate::protocol::frame::read_frame_watermarked;
use crate::protocol::splice::{advance_runs, io_slices};
use crate::protocol::{ApiKey, ProtocolError, ResponseError, VersionRange};
use crate::security::scram::{self, ScramClient, ScramMechanism};
use crate::security::stream::{MaybeTls, MaybeTlsRead, MaybeTlsWrite};
use crate::{Error, Result};

/// The largest response frame a client accepts; a bound so a broken peer cannot make us
/// reserve gigabytes. Fetch responses are limited by `fetch.max.bytes` (50 MiB by default).
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024 * 1024;

type Reply = oneshot::Sender<Result<Bytes>>;

struct Outgoing {
    /// The request's bytes, in runs to write in order (record batches are runs of their own).
    frame: Vec<Bytes>,
    correlation_id: i32,
    /// `None` for requests the broker never answers (acks=0 produce); such requests complete
    /// through `written` once their bytes are on the socket.
    reply: Option<Reply>,
    written: Option<oneshot::Sender<Result<()>>>,
}

/// A live connection to one broker.
pub struct BrokerConnection {
    addr: String,
    client_id: String,
    queue: mpsc::UnboundedSender<Outgoing>,
    pending: Arc<Mutex<HashMap<i32, Reply>>>,
    next_correlation_id: AtomicI32,
    closed: Arc<AtomicBool>,
    /// The broker's supported version range per API key, from ApiVersions.
    versions: HashMap<i16, VersionRange>,
    request_timeout: Duration,
    /// When the broker's authenticated session ends (`connections.max.reauth.ms`).
    session_ends: Option<Instant>,
}

impl std::fmt::Debug for BrokerConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerConnection")
            .field("addr", &self.addr)
            .finish()
    }
}

impl BrokerConnection {
    /// Connects to `addr` in plaintext and negotiates versions with ApiVersions.
    pub async fn connect(
        addr: &str,
        client_id: &str,
        request_timeout: Duration,
    ) -> Result<Arc<BrokerConnection>> {
        Self::connect_secured(addr, client_id, request_timeout, &ClientSecurity::default()).await
    }

    /// Connects to `addr`, with TLS and a SASL login when `security` asks for them.
    pub async fn connect_secured(
        addr: &str,
        client_id: &str,
        request_timeout: Duration,
        security: &ClientSecurity,
    ) -> Result<Arc<BrokerConnection>> {
        let tcp = tokio::time::timeout(request_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| Error::Timeout(format!("connecting to {addr}")))?
            .map_err(|e| Error::Message(format!("cannot connect to {addr}: {e}")))?;
        tcp.set_nodelay(true)?;
        let stream = match &security.tls {
            None => MaybeTls::Plain(tcp),
            Some(connector) => {
                let host = super::config::parse_host_port(addr)
                    .map(|(h, _)| h)
                    .unwrap_or_else(|| addr.to_string());
                let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|_| {
                    Error::Message(format!("{addr}: {host} is not a valid TLS server name"))
                })?;
                let tls = tokio::time::timeout(request_timeout, connector.connect(name, tcp))
                    .await
                    .map_err(|_| Error::Timeout(format!("TLS handshake with {addr}")))?
                    .map_err(|e| {
                        Error::Message(format!("SSL handshake with {addr} failed: {e}"))
                    })?;
                MaybeTls::Tls(Box::new(tls))
            }
        };
        let (read_half, write_half) = stream.split();
        let (queue, rx) = mpsc::unbounded_channel();
        let pending: Arc<Mutex<HashMap<i32, Reply>>> = Arc::default();
        let closed = Arc::new(AtomicBool::new(false));
        tokio::spawn(write_loop(
            write_half,
            rx,
            pending.clone(),
            closed.clone(),
            addr.to_string(),
        ));
        tokio::spawn(read_loop(read_half, pending.clone(), closed.clone()));
        let mut conn = BrokerConnection {
            addr: addr.to_string(),
            client_id: client_id.to_string(),
            queue,
            pending,
            next_correlation_id: AtomicI32::new(0),
            closed,
            versions: HashMap::new(),
            request_timeout,
            session_ends: None,
        };
        conn.versions = conn.negotiate().await?;
        if let Some(login) = &security.sasl {
            conn.session_ends = conn.authenticate(login).await?;
        }
        Ok(Arc::new(conn))
    }

    /// Logs in with SaslHandshake v1 and SaslAuthenticate. Returns when the session should be
    /// considered over (the broker's `session_lifetime_ms`, KIP-368): the connection then
    /// reports itself closed and its owner opens a new one, which logs in afresh.
    async fn authenticate(&self, login: &SaslLogin) -> Result<Option<Instant>> {
        if self.broker_range(ApiKey::SaslAuthenticate).is_none() {
            return Err(Error::Message(format!(
                "{}: the broker does not support SaslAuthenticate (Kafka 1.0 or later is needed for SASL)",
                self.addr
            )));
        }
        let handshake = SaslHandshakeRequest::default()
            .with_mechanism(StrBytes::from_string(login.mechanism.clone()));
        let answer = self.send_at(&handshake, 1, self.request_timeout).await?;
        if answer.error_code != 0 {
            let enabled: Vec<String> = answer.mechanisms.iter().map(|m| m.to_string()).collect();
            return Err(Error::Kafka {
                code: ResponseError::try_from_code(answer.error_code).unwrap_or(ResponseError::UnknownServerError),
                message: Some(format!(
                    "Client SASL mechanism '{}' not enabled in the server, enabled mechanisms are [{}]",
                    login.mechanism,
                    enabled.join(", ")
                )),
            });
        }
        let version = self.version_for::<SaslAuthenticateRequest>()?;
        let mut scram = ScramMechanism::from_name(&login.mechanism)
            .map(|m| ScramClient::new(m, &login.username, &login.password));
        let mut token = match &scram {
            Some(client) => client.first_message(),
            None => scram::plain_message(&login.username, &login.password),
        };
        let mut round = 0;
        loop {
            round += 1;
            let request = SaslAuthenticateRequest::default()
                .with_auth_bytes(Bytes::from(std::mem::take(&mut token)));
            let answer = self
                .send_at(&request, version, self.request_timeout)
                .await?;
            if let Some(e) = Error::from_code(
                answer.error_code,
                answer.error_message.map(|m| m.to_string()),
            ) {
                return Err(e);
            }
            let done = match scram.as_mut() {
                None => true,
                Some(client) if round == 1 => {
                    token = client
                        .final_message(&answer.auth_bytes)
                        .map_err(|e| Error::Message(format!("{}: {e}", self.addr)))?;
                    false
                }
                Some(client) => {
                    client
                        .verify_server_final(&answer.auth_bytes)
                        .map_err(|e| Error::Message(format!("{}: {e}", self.addr)))?;
                    true
                }
            };
            if done {
                let lifetime = answer.session_lifetime_ms;
                // Java re-authenticates at 85-95% of the lifetime; reconnecting at 85% is as safe.
                return Ok((lifetime > 0)
                    .then(|| Instant::now() + Duration::from_millis(lifetime as u64 * 85 / 100)));
            }
        }
    }

    /// Asks for the broker's version ranges: first at our newest ApiVersions version, then, if
    /// the broker is older and says UNSUPPORTED_VERSION, at the newest it named.
    async fn negotiate(&self) -> Result<HashMap<i16, VersionRange>> {
        let ours = <ApiVersionsRequest as kafka_protocol::protocol::Message>::VERSIONS.max;
        let mut version = ours;
        for _ in 0..3 {
            let mut request = ApiVersionsRequest::default();
            if version >= 3 {
                request.client_software_name = StrBytes::from_static_str("kbox");
                request.client_software_version =
                    StrBytes::from_static_str(env!("CARGO_PKG_VERSION"));
            }
            let frame = self
                .send_raw_at(&request, Vec::new(), version, self.request_timeout)
                .await?;
            // An older broker answers a version it does not know with a v0 body carrying
            // UNSUPPORTED_VERSION and its own ranges (bytes 4..6 are the error code).
            let unsupported = frame.len() >= 6
                && i16::from_be_bytes([frame[4], frame[5]])
                    == ResponseError::UnsupportedVersion.code();
            if unsupported {
                // Use the broker's ApiVersions range when its v0 answer can be read; some
                // brokers (librdkafka's mock) answer in another layout, then v0 it is.
                let theirs = decode_response::<ApiVersionsRequest>(&mut frame.clone(), 0)
                    .ok()
                    .and_then(|(_, r)| {
                        r.api_keys
                            .iter()
                            .find(|k| k.api_key == ApiKey::ApiVersions as i16)
                            .map(|k| k.max_version)
                    });
                version = match theirs {
                    Some(max) if max < version && max >= 0 => max,
                    _ if version > 0 => 0,
                    _ => break,
                };
                continue;
            }
            let (_, response) = decode_response::<ApiVersionsRequest>(&mut frame.clone(), version)?;
            let ranges: HashMap<i16, VersionRange> = response
                .api_keys
                .iter()
                .map(|k| {
                    (
                        k.api_key,
                        VersionRange {
                            min: k.min_version,
                            max: k.max_version,
                        },
                    )
                })
                .collect();
            if let Some(e) = Error::from_code(response.error_code, None) {
                return Err(e);
            }
            return Ok(ranges);
        }
        Err(Error::Message(format!(
            "{}: the broker and kbox share no ApiVersions version",
            self.addr
        )))
    }

    /// The address this connection was opened to.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// True once the connection failed or was closed; the owner should reconnect.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
            || self.session_ends.is_some_and(|end| Instant::now() >= end)
    }

    /// Closes the connection; waiting callers get an error.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        fail_all(&self.pending, "connection closed");
    }

    /// The broker's version range for an API, if it supports it.
    pub fn broker_range(&self, api: ApiKey) -> Option<VersionRange> {
        self.versions.get(&(api as i16)).copied()
    }

    /// Every API the broker advertised, by key, with its version range.
    pub fn broker_ranges(&self) -> Vec<(i16, VersionRange)> {
        let mut ranges: Vec<(i16, VersionRange)> =
            self.versions.iter().map(|(k, v)| (*k, *v)).collect();
        ranges.sort_by_key(|(k, _)| *k);
        ranges
    }

    /// The highest version both kbox and the broker speak for request type `R`.
    pub fn version_for<R: Request>(&self) -> Result<i16> {
        let ours = <R as kafka_protocol::protocol::Message>::VERSIONS;
        let theirs = self.versions.get(&R::KEY).copied().ok_or_else(|| {
            Error::Message(format!(
                "broker {} does not support {}",
                self.addr,
                api_name(R::KEY)
            ))
        })?;
        let version = ours.max.min(theirs.max);
        if version < ours.min.max(theirs.min) {
            return Err(Error::Message(format!(
                "broker {} and kbox share no version of {} (broker {}..={}, kbox {}..={})",
                self.addr,
                api_name(R::KEY),
                theirs.min,
                theirs.max,
                ours.min,
                ours.max
            )));
        }
        Ok(version)
    }

    /// As [`Self::version_for`], but no higher than `cap`.
    pub fn version_capped<R: Request>(&self, cap: i16) -> Result<i16> {
        let version = self.version_for::<R>()?;
        let floor = self.versions.get(&R::KEY).map_or(0, |r| r.min);
        Ok(version.min(cap.max(floor)))
    }

    /// Sends a request at the negotiated version and waits for its response.
    pub async fn send<R: Request>(&self, request: &R) -> Result<R::Response> {
        let version = self.version_for::<R>()?;
        self.send_at(request, version, self.request_timeout).await
    }

    /// Sends a request at an explicit version with an explicit timeout (JoinGroup and long
    /// fetches need more than `request.timeout.ms`).
    pub async fn send_at<R: Request>(
        &self,
        request: &R,
        version: i16,
        timeout: Duration,
    ) -> Result<R::Response> {
        let body = self
            .send_raw_at(request, Vec::new(), version, timeout)
            .await?;
        self.decode::<R>(body, version)
    }

    /// Queues a request now and returns the wait for its response. Requests are written in
    /// the order they are queued: a caller that must keep several requests in order (the
    /// producer's batches of one partition) queues each before the next. `batches` are the
    /// request's records fields in encoding order, written to the socket from where they are,
    /// uncopied (empty for requests without records).
    pub fn start_at<R: Request + 'static>(
        self: &Arc<Self>,
        request: &R,
        batches: Vec<Bytes>,
        version: i16,
        timeout: Duration,
    ) -> Result<impl std::future::Future<Output = Result<R::Response>> + Send + 'static>
    where
        R::Response: Send,
    {
        let reply = self.queue_request(request, batches, version)?;
        let conn = self.clone();
        Ok(async move {
            let body = conn.wait_for_reply(R::KEY, reply, timeout).await?;
            conn.decode::<R>(body, version)
        })
    }

    fn decode<R: Request>(&self, mut body: Bytes, version: i16) -> Result<R::Response> {
        let (_, response) = decode_response::<R>(&mut body, version).map_err(|e| {
            Error::Message(format!(
                "{} v{version} response from {}: {e}",
                api_name(R::KEY),
                self.addr
            ))
        })?;
        Ok(response)
    }

    /// Sends a request and returns the raw response frame (header and body, undecoded).
    async fn send_raw_at<R: Request>(
        &self,
        request: &R,
        batches: Vec<Bytes>,
        version: i16,
        timeout: Duration,
    ) -> Result<Bytes> {
        let reply = self.queue_request(request, batches, version)?;
        self.wait_for_reply(R::KEY, reply, timeout).await
    }

    fn queue_request<R: Request>(
        &self,
        request: &R,
        batches: Vec<Bytes>,
        version: i16,
    ) -> Result<oneshot::Receiver<Result<Bytes>>> {
        let (correlation_id, frame) = self.frame(request, batches, version)?;
        let (tx, rx) = oneshot::channel();
        self.enqueue(Outgoing {
            frame,
            correlation_id,
            reply: Some(tx),
            written: None,
        })?;
        Ok(rx)
    }

    async fn wait_for_reply(
        &self,
        api_key: i16,
        reply: oneshot::Receiver<Result<Bytes>>,
        timeout: Duration,
    ) -> Result<Bytes> {
        match tokio::time::timeout(timeout, reply).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(self.closed_error()),
            Err(_) => {
                // Java closes a connection whose request timed out: its state is unknown.
                self.close();
                Err(Error::Timeout(format!(
                    "{} request to {} after {} ms",
                    api_name(api_key),
                    self.addr,
                    timeout.as_millis()
                )))
            }
        }
    }

    /// Sends a request the broker will not answer (acks=0 produce); completes once written.
    pub async fn send_no_response<R: Request>(
        &self,
        request: &R,
        batches: Vec<Bytes>,
        version: i16,
    ) -> Result<()> {
        let (correlation_id, frame) = self.frame(request, batches, version)?;
        let (tx, rx) = oneshot::channel();
        self.enqueue(Outgoing {
            frame,
            correlation_id,
            reply: None,
            written: Some(tx),
        })?;
        rx.await.map_err(|_| self.closed_error())?
    }

    fn frame<R: Request>(
        &self,
        request: &R,
        batches: Vec<Bytes>,
        version: i16,
    ) -> Result<(i32, Vec<Bytes>)> {
        let correlation_id = self.next_correlation_id.fetch_add(1, Ordering::Relaxed);
        let mut header = RequestHeader::default();
        header.request_api_key = R::KEY;
        header.request_api_version = version;
        header.correlation_id = correlation_id;
        header.client_id = Some(StrBytes::from_string(self.client_id.clone()));
        let frame = if batches.is_empty() {
            vec![encode_request(&header, request)?]
        } else {
            encode_request_spliced(&header, request, batches)?
        };
        Ok((correlation_id, frame))
    }

    fn enqueue(&self, outgoing: Outgoing) -> Result<()> {
        if self.is_closed() {
            return Err(self.closed_error());
        }
        self.queue.send(outgoing).map_err(|_| self.closed_error())
    }

    fn closed_error(&self) -> Error {
        Error::Message(format!("connection to {} was closed", self.addr))
    }
}

impl Drop for BrokerConnection {
    fn drop(&mut self) {
        // Dropping the queue ends the writer, which shuts the socket and so ends the reader.
        self.closed.store(true, Ordering::Relaxed);
    }
}

/// The TLS stream of a client connection (plain ones are `MaybeTls::Plain`).
type ClientTls = tokio_rustls::client::TlsStream<TcpStream>;

async fn write_loop(
    write_half: MaybeTlsWrite<ClientTls>,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    pending: Arc<Mutex<HashMap<i32, Reply>>>,
    closed: Arc<AtomicBool>,
    addr: String,
) {
    let mut writer = BufWriter::with_capacity(64 * 1024, write_half);
    let mut written_waiters: Vec<oneshot::Sender<Result<()>>> = Vec::new();
    while let Some(first) = rx.recv().await {
        // Take everything queued so far, write it, then flush once: pipelined requests leave
        // in as few syscalls as possible.
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
            if batch.len() >= 64 {
                break;
            }
        }
        if closed.load(Ordering::Relaxed) {
            // The reader already gave up on this socket: answer now instead of never.
            for out in batch {
                if let Some(reply) = out.reply {
                    let _ = reply.send(Err(Error::Message(format!(
                        "connection to {addr} was closed"
                    ))));
                }
                if let Some(w) = out.written {
                    let _ = w.send(Err(Error::Message(format!(
                        "connection to {addr} was closed"
                    ))));
                }
            }
            break;
        }
        let mut runs = Vec::with_capacity(batch.len() * 2);
        for out in batch {
            if let Some(reply) = out.reply {
                lock(&pending).insert(out.correlation_id, reply);
            }
            if let Some(w) = out.written {
                written_waiters.push(w);
            }
            runs.extend(out.frame.into_iter().filter(|run| !run.is_empty()));
        }
        let written = match write_runs(&mut writer, runs).await {
            Ok(()) => writer.flush().await,
            Err(e) => Err(e),
        };
        match written.err() {
            None => {
                for w in written_waiters.drain(..) {
                    let _ = w.send(Ok(()));
                }
            }
            Some(e) => {
                tracing::debug!("write to {addr} failed: {e}");
                closed.store(true, Ordering::Relaxed);
                for w in written_waiters.drain(..) {
                    let _ = w.send(Err(Error::Message(format!("write to {addr} failed: {e}"))));
                }
                fail_all(&pending, &format!("write to {addr} failed: {e}"));
                return;
            }
        }
        if closed.load(Ordering::Relaxed) {
            break;
        }
    }
    let _ = writer.shutdown().await;
}

/// Writes `runs` in order with vectored writes. `BufWriter` gathers small runs into its buffer
/// and hands runs larger than the buffer (record batches) to the socket's `writev` as they are.
async fn write_runs<W: AsyncWrite + Unpin>(
    writer: &mut BufWriter<W>,
    mut runs: Vec<Bytes>,
) -> std::io::Result<()> {
    let mut next = 0;
    while next < runs.len() {
        let n = writer.write_vectored(&io_slices(&runs[next..])).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        advance_runs(&mut runs, &mut next, n);
    }
    Ok(())
}

async fn read_loop(
    mut read_half: MaybeTlsRead<ClientTls>,
    pending: Arc<Mutex<HashMap<i32, Reply>>>,
    closed: Arc<AtomicBool>,
) {
    // Large responses (fetches) wait for many bytes per read.
    let mut low_water = read_half.receive_low_water();
    let reason = loop {
        match read_frame_watermarked(&mut read_half, MAX_RESPONSE_BYTES, |n| low_water.set(n)).await
        {
            Ok(Some(frame)) => {
                if frame.len() < 4 {
                    break "response shorter than its header".to_string();
                }
                let correlation_id = i32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
                match lock(&pending).remove(&correlation_id) {
                    Some(reply) => {
                        let _ = reply.send(Ok(frame));
                    }
                    // A caller that timed out left; its late answer is dropped.
                    None => tracing::debug!("response for unknown correlation id {correlation_id}"),
                }
            }
            Ok(None) => break "the broker closed the connection".to_string(),
            Err(ProtocolError::Io(e)) => break e.to_string(),
            Err(e) => break e.to_string(),
        }
        if closed.load(Ordering::Relaxed) && lock(&pending).is_empty() {
            break "connection closed".to_string();
        }
    };
    closed.store(true, Ordering::Relaxed);
    fail_all(&pending, &reason);
}

fn fail_all(pending: &Mutex<HashMap<i32, Reply>>, reason: &str) {
    for (_, reply) in lock(pending).drain() {
        let _ = reply.send(Err(Error::Message(reason.to_string())));
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while holding this lock leaves a plain map behind; keep using it.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A readable name for an API key in messages.
pub fn api_name(key: i16) -> String {
    match ApiKey::try_from(key) {
        Ok(api) => format!("{api:?}"),
        Err(_) => format!("API {key}"),
    }
}
