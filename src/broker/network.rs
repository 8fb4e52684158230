//! Sockets: the accept loop and one task per connection.
//!
//! A connection reads one frame, hands it to [`handlers::dispatch`](super::handlers::dispatch),
//! writes the response, then reads the next: responses leave in request order, as Kafka
//! guarantees, and a slow peer only stalls its own socket. A request may release the
//! connection before it is done ([`release_connection`]: a produce waiting for its fsync or
//! its replicas); then the next requests are read and started meanwhile (up to
//! [`MAX_IN_FLIGHT`]), and the answers still leave in request order. Answers to small requests
//! that a client sent before it had the earlier answers (librdkafka pipelines its produce
//! requests) may share one send, a few at a time; an answer never waits for a request that
//! waits (a long poll) or for a large one. A malformed frame, an unknown API key
//! or an unsupported version closes that connection (as Kafka does) and nothing else.

use std::sync::Arc;
use std::time::Duration;

use futures::stream::{FuturesOrdered, StreamExt};
use futures::FutureExt;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::auth::{self, ListenerSecurity};
use super::handlers;
use super::log::FileSlice;
use super::response::{Part, ResponseFrame};
use super::BrokerState;
use crate::protocol::codec::RequestPreamble;
use crate::protocol::frame::FrameReader;
use crate::protocol::{ApiKey, ProtocolError};
use crate::security::stream::{MaybeTls, MaybeTlsWrite};
use crate::Result;

/// Who is on the other end of a connection: what authorization and logs need to know.
#[derive(Debug, Clone)]
pub struct Session {
    pub peer: std::net::SocketAddr,
    /// Kafka's principal string, `User:ANONYMOUS` until a listener authenticates the peer
    /// (SASL user name, or the TLS client certificate's subject).
    pub principal: String,
    /// The name of the listener the connection came in on (`PLAINTEXT`, `SASL_SSL`, ...).
    pub listener: String,
    /// Set by a handler that throttles this client (quotas): the connection reads no further
    /// request until then (KIP-219).
    pub muted_until: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
}

/// The principal of connections nobody authenticated, as Kafka names it.
pub const ANONYMOUS: &str = "User:ANONYMOUS";

tokio::task_local! {
    /// The session of the request being handled.
    static SESSION: Session;
    /// Signals the connection that the request being handled released it.
    static RELEASE: std::cell::Cell<Option<tokio::sync::oneshot::Sender<()>>>;
}

/// The session of the request being handled (`None` outside a connection task, e.g. in tests
/// that call handlers directly).
pub fn session() -> Option<Session> {
    SESSION.try_with(|s| s.clone()).ok()
}

/// Stops reading requests from the current connection for `throttle` after this response.
pub fn mute_for(throttle: Duration) {
    if throttle.is_zero() {
        return;
    }
    let _ = SESSION.try_with(|s| {
        let until = std::time::Instant::now() + throttle;
        let mut muted = s.muted_until.lock().unwrap_or_else(|e| e.into_inner());
        *muted = Some(muted.map_or(until, |m| m.max(until)));
    });
}

/// The requesting client's host as Kafka prints it (`/127.0.0.1`), when known.
pub fn peer_host() -> String {
    SESSION
        .try_with(|s| format!("/{}", s.peer.ip()))
        .unwrap_or_else(|_| "/unknown".into())
}

/// Accepts connections until shutdown, backing off when accept fails (e.g. out of descriptors).
pub async fn accept_loop(
    state: Arc<BrokerState>,
    listener: TcpListener,
    security: Arc<ListenerSecurity>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()> {
    let mut backoff = Duration::from_millis(10);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        // max.connections and max.connection.creation.rate: wait before accepting.
        let slot = tokio::select! {
            slot = state.connection_quotas.wait_for_slot() => slot,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            _ = shutdown.changed() => break,
        };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, peer)) => {
                    backoff = Duration::from_millis(10);
                    let ip_quota = super::quota::ip_lookup(&state.image().client_quotas, &peer.ip().to_string());
                    let permit = match state.connection_quotas.admit(slot, peer.ip(), ip_quota) {
                        Ok(permit) => permit,
                        Err(refusal) => {
                            tracing::info!("{refusal}");
                            continue;
                        }
                    };
                    state.metrics.connection_accepted();
                    let _ = socket.set_nodelay(true);
                    connections.spawn(serve_connection(state.clone(), socket, peer, security.clone(), shutdown.clone(), permit));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed; backing off");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    // Let each connection finish the request it is on.
    while connections.join_next().await.is_some() {}
    Ok(())
}

async fn serve_connection(
    state: Arc<BrokerState>,
    socket: TcpStream,
    peer: std::net::SocketAddr,
    security: Arc<ListenerSecurity>,
    mut shutdown: watch::Receiver<bool>,
    _permit: super::connection_quotas::ConnectionPermit,
) {
    let idle = Duration::from_millis(
        u64::try_from(state.config.connections_max_idle_ms)
            .unwrap_or(u64::MAX)
            .max(1),
    );
    let max = usize::try_from(state.config.socket_request_max_bytes)
        .unwrap_or(crate::protocol::frame::DEFAULT_MAX_FRAME_BYTES);
    let _open = state.metrics.connection_opened();
    let Some((stream, tls_principal)) = accept_tls(socket, peer, &security).await else {
        return;
    };
    let auth: auth::SharedAuth = Arc::new(std::sync::Mutex::new(auth::ConnectionAuth::new(
        security.clone(),
        peer,
        tls_principal,
    )));
    let mut session = Session {
        peer,
        principal: auth::snapshot(&auth).0,
        listener: security.name.clone(),
        muted_until: Arc::default(),
    };
    let (mut reader, writer) = stream.split();
    // Large requests (produce) wait for many bytes per read, as the client's fetches do.
    let mut low_water = reader.receive_low_water();
    let mut writer = BufWriter::with_capacity(64 * 1024, writer);
    let mut frames = FrameReader::default();
    // Requests that released the connection (a produce waiting for its fsync or its
    // replicas): they finish concurrently, and their responses leave in request order.
    let mut in_flight: FuturesOrdered<RequestFuture<'_>> = FuturesOrdered::new();
    // Answers written since the last flush. A client that pipelines (librdkafka keeps many
    // produce requests in flight) gets the answers to the requests that had already arrived in
    // one send, not one send (and one wake-up on its side) per answer. One that waits for
    // each answer gets it at once: it is flushed before the next request is looked for.
    let mut unflushed = 0usize;
    let mut pipelining = Pipelining::default();
    'connection: loop {
        if unflushed > 0
            && (!pipelining.likely() || unflushed >= MAX_UNFLUSHED_ANSWERS)
            && !send_answers(&mut writer, &mut unflushed).await
        {
            break;
        }
        // A request already in the socket is taken without waiting. This is no extra read:
        // the wait below would start with the same one.
        let mut next = None;
        if in_flight.len() < MAX_IN_FLIGHT {
            next = frames
                .next_watermarked(&mut reader, auth::frame_limit(&auth, max), |n| {
                    low_water.set(n)
                })
                .now_or_never();
            pipelining.saw(next.is_some(), unflushed > 0);
        }
        // Held answers never wait for a large request's handling (a produce of a MiB takes
        // most of a millisecond to append): only small requests gain from sharing a send.
        let large_next =
            matches!(&next, Some(Ok(Some(frame))) if frame.len() >= HOLD_FOR_REQUESTS_BELOW);
        if (next.is_none() || large_next) && !send_answers(&mut writer, &mut unflushed).await {
            break;
        }
        let frame = if let Some(frame) = next {
            frame
        } else {
            tokio::select! {
                biased;
                Some(answer) = in_flight.next(), if !in_flight.is_empty() => {
                    if !write_answer(&mut writer, answer, peer, &state).await {
                        break;
                    }
                    unflushed += 1;
                    continue;
                }
                frame = tokio::time::timeout(idle, frames.next_watermarked(&mut reader, auth::frame_limit(&auth, max), |n| low_water.set(n))), if in_flight.len() < MAX_IN_FLIGHT => match frame {
                    Ok(frame) => frame,
                    Err(_) => {
                        tracing::debug!(%peer, "closing a connection idle for connections.max.idle.ms");
                        break;
                    }
                },
                _ = shutdown.changed() => break,
            }
        };
        let frame = match frame {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(ProtocolError::Io(e)) => {
                tracing::debug!(%peer, error = %e, "connection closed");
                break;
            }
            Err(e) => {
                tracing::warn!(%peer, error = %e, "closing connection");
                break;
            }
        };
        if auth::expects_raw_token(&auth) {
            // After SaslHandshake v0 the frames are bare SASL tokens, answered the same way.
            // No request is in flight: only produce releases the connection.
            let Some(reply) = auth::raw_token(&state, &auth, &frame).await else {
                break;
            };
            let len = (reply.len() as u32).to_be_bytes();
            if writer.write_all(&len).await.is_err()
                || writer.write_all(&reply).await.is_err()
                || writer.flush().await.is_err()
            {
                break;
            }
            session.principal = auth::snapshot(&auth).0;
            unflushed = 0;
            continue;
        }
        if let Some(api) =
            RequestPreamble::peek(&frame).and_then(|p| ApiKey::try_from(p.api_key).ok())
        {
            if let Some(why) = auth::refusal(&auth, api) {
                tracing::info!(%peer, listener = %security.name, "closing connection: {why}");
                break;
            }
        }
        let (release, mut released) = tokio::sync::oneshot::channel();
        let mut request: RequestFuture<'_> = Box::pin(RELEASE.scope(
            std::cell::Cell::new(Some(release)),
            SESSION.scope(
                session.clone(),
                auth::scope(auth.clone(), handlers::dispatch(&state, frame)),
            ),
        ));
        // Run the request until it answers or releases the connection, finishing earlier
        // requests meanwhile.
        let mut may_release = true;
        let answer = loop {
            if unflushed > 0 {
                // Answers already written leave before this request may wait (a long poll).
                if let Some(answer) = (&mut request).now_or_never() {
                    break Some(answer);
                }
                if !send_answers(&mut writer, &mut unflushed).await {
                    break 'connection;
                }
            }
            tokio::select! {
                answer = &mut request => break Some(answer),
                r = &mut released, if may_release => match r {
                    Ok(()) => break None,
                    Err(_) => may_release = false,
                },
                Some(earlier) = in_flight.next(), if !in_flight.is_empty() => {
                    if !write_answer(&mut writer, earlier, peer, &state).await {
                        break 'connection;
                    }
                    unflushed += 1;
                }
            }
        };
        match answer {
            None => in_flight.push_back(request),
            Some(answer) => {
                while let Some(earlier) = in_flight.next().await {
                    if !write_answer(&mut writer, earlier, peer, &state).await {
                        break 'connection;
                    }
                    unflushed += 1;
                }
                if !write_answer(&mut writer, answer, peer, &state).await {
                    break;
                }
                unflushed += 1;
            }
        }
        let (principal, close) = auth::snapshot(&auth);
        session.principal = principal;
        if close {
            let _ = writer.flush().await;
            // A failed login: its answer is written. Let the peer read it and hang up first
            // (some clients drop an answer that arrives together with the close), and close
            // ourselves after a moment if it does not.
            let mut sink = [0u8; 1024];
            let _ = tokio::time::timeout(LINGER_AFTER_FAILED_LOGIN, async {
                while matches!(reader.read(&mut sink).await, Ok(n) if n > 0) {}
            })
            .await;
            break;
        }
        // A throttled client is not read from until its throttle time has passed.
        let muted = session
            .muted_until
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(until) = muted {
            if !send_answers(&mut writer, &mut unflushed).await {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep_until(until.into()) => {}
                _ = shutdown.changed() => break,
            }
        }
    }
    // Requests already started are answered (shutdown lets a connection finish its requests).
    while let Some(answer) = in_flight.next().await {
        if !write_answer(&mut writer, answer, peer, &state).await {
            break;
        }
    }
    let _ = writer.flush().await;
}

/// How many requests of one connection may be in progress at once (Kafka clients send up
/// to max.in.flight.requests.per.connection, 5 by default; librdkafka more).
const MAX_IN_FLIGHT: usize = 8;

/// At most this many answers wait in the connection's buffer for the requests behind them.
/// Few: a client with a window of five requests (Java's and kafka-python's default) must get
/// answers back while the broker still has requests of it to handle, or the broker idles
/// while the client refills its window.
const MAX_UNFLUSHED_ANSWERS: usize = 3;

/// Answers are held only for requests smaller than this.
const HOLD_FOR_REQUESTS_BELOW: usize = 64 * 1024;

/// Whether a client sends requests before it has its earlier answers, judged from whether the
/// next request was already in the socket. While it does, answers are held until no request
/// is waiting (a look costs a read that finds nothing); a client that waits for each answer
/// gets it before that read.
#[derive(Debug, Default)]
struct Pipelining {
    seen: bool,
    /// Looks in a row, with answers held, that found no request.
    misses: u32,
}

impl Pipelining {
    /// After this many fruitless looks in a row answers are flushed first again.
    const MAX_MISSES: u32 = 4;

    fn likely(&self) -> bool {
        self.seen
    }

    /// Records a look for the next request: `found`, and whether answers were held for it.
    fn saw(&mut self, found: bool, holding: bool) {
        if found {
            self.seen = true;
            self.misses = 0;
        } else if holding {
            self.misses += 1;
            if self.misses >= Self::MAX_MISSES {
                *self = Pipelining::default();
            }
        }
    }
}

/// A request being handled: its answer, or the error that closes the connection.
type RequestFuture<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Option<ResponseFrame>, ProtocolError>> + Send + 'a>,
>;

/// Sends the answers written since the last send; false when the connection must close.
async fn send_answers(writer: &mut BufWriter<BrokerWriter>, unflushed: &mut usize) -> bool {
    if *unflushed == 0 {
        return true;
    }
    *unflushed = 0;
    writer.flush().await.is_ok()
}

/// Writes a request's answer; false when the connection must close.
async fn write_answer(
    writer: &mut BufWriter<BrokerWriter>,
    answer: Result<Option<ResponseFrame>, ProtocolError>,
    peer: std::net::SocketAddr,
    state: &BrokerState,
) -> bool {
    match answer {
        Ok(Some(response)) => match write_frame(writer, &response, &state.metrics).await {
            Ok(()) => true,
            Err(e) => {
                tracing::debug!(%peer, error = %e, "write failed");
                false
            }
        },
        Ok(None) => true, // acks=0 produce: Kafka sends nothing back
        Err(e) => {
            log_protocol_error(peer, &e);
            false
        }
    }
}

/// Lets the connection read and start its next request while this one finishes (a produce
/// waiting for an fsync or for its replicas). Its answer still leaves in request order.
/// Call only once nothing the next request may depend on is left to do.
pub fn release_connection() {
    let _ = RELEASE.try_with(|release| {
        if let Some(release) = release.take() {
            let _ = release.send(());
        }
    });
}

/// File parts at most this long are read and sent with the bytes around them: one write beats
/// a flush plus a `sendfile` for a few records.
const SENDFILE_MIN: usize = 16 * 1024;

/// Writes one response: bytes into the buffer, large file parts with `sendfile`. What stays
/// in the buffer is flushed by the caller, who knows whether more answers follow at once.
async fn write_frame(
    writer: &mut BufWriter<BrokerWriter>,
    frame: &ResponseFrame,
    metrics: &super::metrics::Metrics,
) -> std::io::Result<()> {
    for part in &frame.parts {
        match part {
            Part::Bytes(bytes) => writer.write_all(bytes).await?,
            // sendfile needs the plain socket; TLS encrypts in user space anyway.
            Part::File(slice)
                if slice.len >= SENDFILE_MIN
                    && cfg!(target_os = "linux")
                    && matches!(writer.get_ref(), MaybeTlsWrite::Plain(_)) =>
            {
                writer.flush().await?;
                if let MaybeTlsWrite::Plain(socket) = writer.get_ref() {
                    send_file(socket.as_ref(), slice).await?;
                }
                metrics.fetch_bytes_written(slice.len as u64, true);
            }
            Part::File(slice) => {
                writer.write_all(&slice.read_bytes()?).await?;
                metrics.fetch_bytes_written(slice.len as u64, false);
            }
        }
    }
    Ok(())
}

/// Sends a file slice with `sendfile(2)`: the kernel copies from the page cache to the socket.
#[cfg(target_os = "linux")]
async fn send_file(socket: &TcpStream, slice: &FileSlice) -> std::io::Result<()> {
    use std::os::fd::AsFd;
    let mut offset = slice.position;
    let end = slice.position + slice.len as u64;
    while offset < end {
        socket.writable().await?;
        let sent = socket.try_io(tokio::io::Interest::WRITABLE, || {
            let count = usize::try_from(end - offset).unwrap_or(usize::MAX);
            rustix::fs::sendfile(socket.as_fd(), slice.file.as_fd(), Some(&mut offset), count)
                .map_err(std::io::Error::from)
        });
        match sent {
            // The frame's size is already on the wire: a file cut short since the read
            // (a truncated log) leaves only closing the connection.
            Ok(0) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "segment file ended before the fetched range",
                ))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
async fn send_file(_socket: &TcpStream, _slice: &FileSlice) -> std::io::Result<()> {
    // Never called: `write_frame` reads file parts where there is no sendfile.
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "sendfile",
    ))
}

/// The socket of a connection: TLS-wrapped on SSL and SASL_SSL listeners, with the client
/// certificate's subject as principal when one was presented. `None` when the handshake fails.
async fn accept_tls(
    socket: TcpStream,
    peer: std::net::SocketAddr,
    security: &ListenerSecurity,
) -> Option<(BrokerStream, Option<String>)> {
    let Some(acceptor) = &security.tls else {
        return Some((MaybeTls::Plain(socket), None));
    };
    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(socket)).await {
        Ok(Ok(tls)) => {
            let subject = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .and_then(|cert| crate::security::tls::certificate_subject(cert).ok());
            let principal = match subject {
                None => None,
                Some(subject) => match security.principal_rules.apply(&subject) {
                    Some(name) => Some(format!("User:{name}")),
                    None => {
                        // Kafka refuses a certificate that no ssl.principal.mapping.rules maps.
                        tracing::info!(%peer, listener = %security.name, "Failed authentication with /{} (No rules apply to {subject})", peer.ip());
                        return None;
                    }
                },
            };
            if let Some(principal) = &principal {
                tracing::debug!(%peer, %principal, listener = %security.name, "authenticated by TLS client certificate");
            }
            Some((MaybeTls::Tls(Box::new(tls)), principal))
        }
        Ok(Err(e)) => {
            tracing::info!(%peer, listener = %security.name, error = %e, "Failed authentication with /{} (SSL handshake failed)", peer.ip());
            None
        }
        Err(_) => {
            tracing::info!(%peer, listener = %security.name, "TLS handshake timed out");
            None
        }
    }
}

/// How long a connection closed after a failed login waits for the peer to hang up.
const LINGER_AFTER_FAILED_LOGIN: Duration = Duration::from_secs(1);

/// How long a TLS handshake may take before the connection is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A broker-side socket: plain TCP or TLS.
type BrokerStream = MaybeTls<tokio_rustls::server::TlsStream<TcpStream>>;

/// The write half of a [`BrokerStream`].
type BrokerWriter = MaybeTlsWrite<tokio_rustls::server::TlsStream<TcpStream>>;

/// Logs why a connection is closed. Requests for APIs or versions we do not implement are
/// logged once per (API key, version), so a client that keeps probing does not flood the log.
fn log_protocol_error(peer: std::net::SocketAddr, error: &ProtocolError) {
    static SEEN: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<(i16, i16)>>> =
        std::sync::OnceLock::new();
    let key = match error {
        ProtocolError::UnknownApiKey(k) => Some((*k, -1)),
        ProtocolError::UnsupportedVersion { api, version } => Some((*api as i16, *version)),
        _ => None,
    };
    if let Some(key) = key {
        let mut seen = SEEN
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if !seen.insert(key) {
            tracing::debug!(%peer, error = %error, "closing connection");
            return;
        }
    }
    tracing::warn!(%peer, error = %error, "closing connection");
}

#[cfg(test)]
mod tests {
    use super::Pipelining;

    #[test]
    fn a_client_is_taken_as_pipelining_once_a_request_was_waiting_until_four_looks_find_none() {
        let mut p = Pipelining::default();
        assert!(!p.likely(), "a new client waits for each answer");
        // Nothing found while nothing was held says nothing.
        p.saw(false, false);
        assert!(!p.likely());
        p.saw(true, false);
        assert!(p.likely(), "a request was already there");
        for _ in 0..Pipelining::MAX_MISSES - 1 {
            p.saw(false, true);
            assert!(p.likely(), "a few empty looks are expected between bursts");
        }
        p.saw(true, true);
        for _ in 0..Pipelining::MAX_MISSES - 1 {
            p.saw(false, true);
        }
        assert!(p.likely(), "a found request starts the count again");
        p.saw(false, true);
        assert!(
            !p.likely(),
            "four empty looks in a row: answers are flushed first again"
        );
    }
}
