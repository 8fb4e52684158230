//! Controller-to-controller and broker-to-controller messages on the CONTROLLER listener: a
//! 4-byte big-endian length and a JSON body. Raft messages flow one way on a long-lived
//! connection per peer (lost ones are resent by Raft itself); requests (forwarded writes,
//! heartbeats, quorum status) get one answer on a short-lived connection.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use super::node::QuorumStatus;
use super::raft::Envelope;
use crate::broker::metadata::{BrokerEndpoint, MetadataRecord};
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
    Raft(Envelope<Vec<MetadataRecord>>),
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
}

async fn read_wire(stream: &mut TcpStream) -> Result<Option<Wire>> {
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
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|e| Error::Message(format!("unreadable controller message: {e}")))
}

async fn write_wire(stream: &mut TcpStream, wire: &Wire) -> Result<()> {
    let body = serde_json::to_vec(wire).map_err(|e| Error::Message(e.to_string()))?;
    let mut frame = Vec::with_capacity(body.len() + 4);
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    stream.write_all(&frame).await?;
    Ok(())
}

/// One request, one answer, on a fresh connection.
pub async fn call(address: &str, request: &Wire) -> Result<Wire> {
    let exchange = async {
        let mut stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address))
            .await
            .map_err(|_| Error::Timeout(format!("connecting to controller {address}")))??;
        stream.set_nodelay(true)?;
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
pub fn spawn_peer(address: String) -> mpsc::Sender<Envelope<Vec<MetadataRecord>>> {
    let (tx, mut rx) = mpsc::channel::<Envelope<Vec<MetadataRecord>>>(PEER_QUEUE);
    tokio::spawn(async move {
        let mut connection: Option<TcpStream> = None;
        while let Some(envelope) = rx.recv().await {
            if connection.is_none() {
                if let Ok(Ok(stream)) =
                    tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&address)).await
                {
                    let _ = stream.set_nodelay(true);
                    connection = Some(stream);
                }
            }
            let Some(stream) = connection.as_mut() else {
                continue;
            };
            let wire = Wire::Raft(envelope);
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
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let shutdown = shutdown.clone();
                tokio::spawn(async move {
                    if let Err(e) = connection(state, stream, shutdown).await {
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
    mut stream: TcpStream,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()> {
    loop {
        let wire = tokio::select! {
            wire = read_wire(&mut stream) => wire?,
            _ = shutdown.changed() => return Ok(()),
        };
        let Some(wire) = wire else { return Ok(()) };
        let quorum = &state.quorum;
        let answer = match wire {
            Wire::Raft(envelope) => {
                quorum.step(envelope);
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
            // Answers are never requests.
            Wire::Proposed(_)
            | Wire::HeartbeatReply { .. }
            | Wire::Status(_)
            | Wire::NotLeader(_)
            | Wire::Fetched { .. }
            | Wire::FetchedSnapshot { .. } => None,
        };
        if let Some(answer) = answer {
            write_wire(&mut stream, &answer).await?;
        }
    }
}
