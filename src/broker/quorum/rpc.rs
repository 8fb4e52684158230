//! Controller-to-controller and broker-to-controller messages on the CONTROLLER listener: a
//! 4-byte big-endian length and a JSON body. Raft messages flow one way on a long-lived
//! connection per peer (lost ones are resent by Raft itself); requests (forwarded writes,
//! heartbeats, quorum status) get one answer on a short-lived connection. When the CONTROLLER
//! listener's security protocol is SSL, both sides speak TLS with that listener's `ssl.*`
//! settings (server key store; trust store to verify peers; a client certificate when the
//! listener asks for one), as Kafka's controller connections do; SASL there is refused at
//! start-up (this JSON protocol has no SASL exchange).
//!
//! The same listener answers Kafka requests (as Kafka's controllers do for
//! `--bootstrap-controller` tools: DescribeQuorum, AddRaftVoter, RemoveRaftVoter, ...): a frame
//! whose body does not start as JSON (`{` or `"`) is a Kafka request (its API key's first byte
//! is 0) and goes to the broker's dispatch.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use super::node::QuorumStatus;
use super::raft::Envelope;
use crate::broker::metadata::{BrokerEndpoint, MetadataRecord, VoterEndpoint};
use crate::broker::BrokerState;
use crate::{Error, Result};

/// The largest frame accepted (a batch of metadata records stays far below).
const MAX_FRAME: usize = 64 << 20;
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Raft messages queued per peer before new ones are dropped.
const PEER_QUEUE: usize = 1024;

/// A broker's heartbeat: who it is, where clients reach it, and how far it applied the log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BrokerHeartbeat {
    pub id: i32,
    pub endpoints: Vec<BrokerEndpoint>,
    pub rack: Option<String>,
    pub applied: u64,
    /// A clean shutdown: fence me now rather than after the session timeout (Kafka's
    /// controlled shutdown).
    #[serde(default)]
    pub shutting_down: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Wire {
    /// A Raft message, with the port of the sender's CONTROLLER listener: a voter restarted at
    /// a new port is answered there (at the address the message came from) before the log
    /// records the move.
    Raft {
        envelope: Envelope<Vec<MetadataRecord>>,
        #[serde(default)]
        port: Option<u16>,
    },
    /// A broker forwards a metadata write to the leader.
    Propose(Vec<MetadataRecord>),
    /// (index, term) to wait for, or the leader the receiver knows of.
    Proposed(std::result::Result<(u64, u64), Option<i32>>),
    Heartbeat(BrokerHeartbeat),
    HeartbeatReply {
        fenced: bool,
    },
    DescribeQuorum,
    Status(QuorumStatus),
    /// An observer asks for the committed entries after `after`.
    Fetch {
        observer: i32,
        after: u64,
    },
    Fetched {
        leader: i32,
        entries: Vec<crate::broker::metadata::MetadataEntry>,
    },
    /// The observer is behind the leader's log start: the leader's snapshot instead (Kafka's
    /// FetchSnapshot); it fetches the entries after it next.
    FetchedSnapshot {
        leader: i32,
        snapshot: crate::broker::metadata::MetadataSnapshot,
    },
    /// The receiver does not lead; it names the leader it knows of.
    NotLeader(Option<i32>),
    /// A controller that is not a voter asks the leader to replicate to it (a learner).
    Join(VoterEndpoint),
    Joined {
        leader: i32,
    },
    /// The receiver does not lead: the leader it knows of and its address.
    Redirect(Option<(i32, String)>),
    /// AddRaftVoter / RemoveRaftVoter forwarded to the leader.
    AddVoter(VoterEndpoint),
    RemoveVoter {
        id: i32,
        directory_id: Option<String>,
    },
    /// UpdateRaftVoter: a voter's new endpoint.
    UpdateVoter(VoterEndpoint),
    /// The outcome of a voter change: a Kafka error code and message on failure.
    VoterChanged(std::result::Result<(), (i16, String)>),
}

/// A connection on the CONTROLLER listener, plaintext or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
type Stream = Box<dyn Io>;

/// How this node reaches and serves the CONTROLLER listener: plaintext, or TLS.
#[derive(Clone, Default)]
pub struct Transport {
    /// The client side, and the server side on controllers (a broker-only node serves none).
    tls: Option<(
        tokio_rustls::TlsConnector,
        Option<tokio_rustls::TlsAcceptor>,
    )>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Transport {
    /// From the first of `controller.listener.names` and its security protocol.
    pub fn from_config(config: &crate::broker::config::BrokerConfig) -> Result<Transport> {
        use crate::broker::config::SecurityProtocol;
        let Some(name) = config.controller_listener_names.first() else {
            return Ok(Transport::default());
        };
        let protocol = config
            .listener_security_protocol_map
            .get(name)
            .copied()
            .unwrap_or(SecurityProtocol::Plaintext);
        match protocol {
            SecurityProtocol::Plaintext => Ok(Transport::default()),
            SecurityProtocol::Ssl => {
                let get = |key: &str| crate::broker::auth::listener_value(config, name, key);
                let fail = |e: crate::security::SecurityError| {
                    Error::Message(format!("controller listener {name}: {e}"))
                };
                let client = crate::security::tls::client_config(&get).map_err(fail)?;
                let server = if config.is_controller() {
                    let server = crate::security::tls::server_config(&get, name).map_err(fail)?;
                    Some(tokio_rustls::TlsAcceptor::from(server))
                } else {
                    None
                };
                Ok(Transport {
                    tls: Some((tokio_rustls::TlsConnector::from(client), server)),
                })
            }
            other => Err(Error::Message(format!(
                "the controller listener {name} is {}: kbox's controller connections support PLAINTEXT and SSL",
                other.name()
            ))),
        }
    }

    async fn connect(&self, address: &str) -> Result<Stream> {
        let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address))
            .await
            .map_err(|_| Error::Timeout(format!("connecting to controller {address}")))??;
        tcp.set_nodelay(true)?;
        let Some((connector, _)) = &self.tls else {
            return Ok(Box::new(tcp));
        };
        let host = crate::client::config::parse_host_port(address)
            .map(|(h, _)| h)
            .unwrap_or_else(|| address.to_string());
        let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|_| {
            Error::Message(format!("{address}: {host} is not a valid TLS server name"))
        })?;
        let tls = tokio::time::timeout(CONNECT_TIMEOUT * 4, connector.connect(name, tcp))
            .await
            .map_err(|_| Error::Timeout(format!("TLS handshake with controller {address}")))??;
        Ok(Box::new(tls))
    }

    async fn accept(&self, tcp: TcpStream) -> Result<Stream> {
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None | Some((_, None)) => Ok(Box::new(tcp)),
            Some((_, Some(acceptor))) => {
                let tls = tokio::time::timeout(CALL_TIMEOUT, acceptor.accept(tcp))
                    .await
                    .map_err(|_| {
                        Error::Timeout("TLS handshake on the controller listener".into())
                    })??;
                Ok(Box::new(tls))
            }
        }
    }
}

/// One frame's body, or None at a clean end of stream.
async fn read_body(stream: &mut Stream) -> Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match stream.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(Error::Message(format!(
            "controller frame of {len} bytes is over {MAX_FRAME}"
        )));
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await?;
    Ok(Some(body))
}

fn parse_wire(body: &[u8]) -> Result<Wire> {
    serde_json::from_slice(body)
        .map_err(|e| Error::Message(format!("unreadable controller message: {e}")))
}

/// A JSON body starts with `{` or `"`; a Kafka request with its API key, whose first byte is 0.
fn is_json(body: &[u8]) -> bool {
    matches!(body.first(), Some(b'{') | Some(b'"'))
}

async fn read_wire(stream: &mut Stream) -> Result<Option<Wire>> {
    match read_body(stream).await? {
        Some(body) => parse_wire(&body).map(Some),
        None => Ok(None),
    }
}

async fn write_wire(stream: &mut Stream, wire: &Wire) -> Result<()> {
    let body = serde_json::to_vec(wire).map_err(|e| Error::Message(e.to_string()))?;
    let mut frame = Vec::with_capacity(body.len() + 4);
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    stream.write_all(&frame).await?;
    Ok(())
}

/// One request, one answer, on a fresh connection.
pub async fn call(transport: &Transport, address: &str, request: &Wire) -> Result<Wire> {
    let exchange = async {
        let mut stream = transport.connect(address).await?;
        write_wire(&mut stream, request).await?;
        read_wire(&mut stream)
            .await?
            .ok_or_else(|| Error::Message(format!("controller {address} closed the connection")))
    };
    tokio::time::timeout(CALL_TIMEOUT, exchange)
        .await
        .map_err(|_| Error::Timeout(format!("waiting for controller {address}")))?
}

/// A task that keeps one connection to a peer and writes the Raft messages queued for it;
/// a message that cannot be written is dropped.
pub fn spawn_peer(
    transport: Transport,
    address: String,
    port: Option<u16>,
) -> mpsc::Sender<Envelope<Vec<MetadataRecord>>> {
    let (tx, mut rx) = mpsc::channel::<Envelope<Vec<MetadataRecord>>>(PEER_QUEUE);
    tokio::spawn(async move {
        let mut connection: Option<Stream> = None;
        while let Some(envelope) = rx.recv().await {
            if connection.is_none() {
                match transport.connect(&address).await {
                    Ok(stream) => connection = Some(stream),
                    Err(e) => {
                        tracing::debug!(peer = %address, error = %e, "cannot reach controller")
                    }
                }
            }
            let Some(stream) = connection.as_mut() else {
                continue;
            };
            let wire = Wire::Raft { envelope, port };
            let written =
                tokio::time::timeout(Duration::from_secs(1), write_wire(stream, &wire)).await;
            if !matches!(written, Ok(Ok(()))) {
                connection = None;
            }
        }
    });
    tx
}

/// Accepts controller connections until shutdown.
pub async fn serve(
    state: Arc<BrokerState>,
    listener: TcpListener,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()> {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let state = state.clone();
                let shutdown = shutdown.clone();
                tokio::spawn(async move {
                    let stream = match state.quorum.transport.accept(stream).await {
                        Ok(stream) => stream,
                        Err(e) => {
                            tracing::info!(%peer, error = %e, "controller connection refused");
                            return;
                        }
                    };
                    if let Err(e) = connection(state, stream, peer, shutdown).await {
                        tracing::debug!(error = %e, "controller connection closed");
                    }
                });
            }
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

async fn connection(
    state: Arc<BrokerState>,
    mut stream: Stream,
    peer: std::net::SocketAddr,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()> {
    loop {
        let body = tokio::select! {
            body = read_body(&mut stream) => body?,
            _ = shutdown.changed() => return Ok(()),
        };
        let Some(body) = body else { return Ok(()) };
        if !is_json(&body) {
            // A Kafka request (a tool given --bootstrap-controller).
            let response =
                crate::broker::handlers::dispatch(&state, bytes::Bytes::from(body)).await;
            match response {
                Ok(Some(frame)) => stream.write_all(&frame.to_bytes()?).await?,
                Ok(None) => {}
                Err(e) => {
                    return Err(Error::Message(format!(
                        "Kafka request on the controller listener: {e}"
                    )))
                }
            }
            continue;
        }
        let wire = parse_wire(&body)?;
        let quorum = &state.quorum;
        let answer = match wire {
            Wire::Raft { envelope, port } => {
                let from = port
                    .map(|p| crate::broker::config::format_host_port(&peer.ip().to_string(), p));
                quorum.step_from(envelope, from);
                None
            }
            Wire::Propose(records) => Some(Wire::Proposed(quorum.propose_local(records))),
            Wire::Heartbeat(heartbeat) => {
                Some(match super::controller::on_heartbeat(&state, &heartbeat) {
                    Some(fenced) => Wire::HeartbeatReply { fenced },
                    None => Wire::NotLeader(quorum.leader()),
                })
            }
            Wire::DescribeQuorum => Some(match quorum.is_leader() {
                true => Wire::Status(quorum.status()),
                false => Wire::NotLeader(quorum.leader()),
            }),
            Wire::Fetch { observer, after } => Some(quorum.serve_fetch(observer, after)),
            Wire::Join(joiner) => Some(quorum.on_join(joiner)),
            Wire::AddVoter(voter) => Some(voter_changed(quorum.add_voter(voter).await)),
            Wire::RemoveVoter { id, directory_id } => {
                Some(voter_changed(quorum.remove_voter(id, directory_id).await))
            }
            Wire::UpdateVoter(voter) => Some(voter_changed(quorum.update_voter(voter).await)),
            // Answers are never requests.
            Wire::Proposed(_)
            | Wire::HeartbeatReply { .. }
            | Wire::Status(_)
            | Wire::NotLeader(_)
            | Wire::Fetched { .. }
            | Wire::FetchedSnapshot { .. }
            | Wire::Joined { .. }
            | Wire::Redirect(_)
            | Wire::VoterChanged(_) => None,
        };
        if let Some(answer) = answer {
            write_wire(&mut stream, &answer).await?;
        }
    }
}

fn voter_changed(result: std::result::Result<(), super::node::VoterChangeError>) -> Wire {
    Wire::VoterChanged(result.map_err(|(code, message)| (code.code(), message)))
}
