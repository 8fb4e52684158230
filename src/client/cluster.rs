//! The shared heart of every kbox tool: bootstrap, one connection per broker, and a metadata
//! cache that knows each partition's leader.
//!
//! [`Client`] is cheap to clone; producer, consumer and admin all hold one. Connections are made
//! on first use and remade (with backoff) after a failure. Metadata is refreshed when its age
//! passes `metadata.max.age.ms`, and on demand when a caller meets NOT_LEADER or
//! UNKNOWN_TOPIC errors.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::{BrokerId, MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::{Request, StrBytes};
use uuid::Uuid;

use super::config::ClientConfig;
use super::connection::BrokerConnection;
use crate::protocol::ResponseError;
use crate::{Error, Result};

/// A broker as metadata names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerInfo {
    pub node_id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
}

impl BrokerInfo {
    /// `host:port`, ready to connect to.
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// One partition as metadata describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionInfo {
    pub partition: i32,
    /// -1 when the partition has no leader right now.
    pub leader: i32,
    pub leader_epoch: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub offline: Vec<i32>,
    pub error_code: i16,
}

/// One topic as metadata describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    pub name: String,
    pub id: Uuid,
    pub is_internal: bool,
    /// Sorted by partition number.
    pub partitions: Vec<PartitionInfo>,
    pub error_code: i16,
}

impl TopicInfo {
    /// One partition. Partitions are numbered 0..n and kept sorted, so this is an index, not a
    /// search: the producer asks for every partition's leader on each send round.
    pub fn partition(&self, partition: i32) -> Option<&PartitionInfo> {
        let at = usize::try_from(partition).ok()?;
        match self.partitions.get(at) {
            Some(p) if p.partition == partition => Some(p),
            _ => self
                .partitions
                .binary_search_by_key(&partition, |p| p.partition)
                .ok()
                .map(|i| &self.partitions[i]),
        }
    }

    /// The topic's error, if the broker reported one (e.g. UNKNOWN_TOPIC_OR_PARTITION).
    pub fn error(&self) -> Option<Error> {
        Error::from_code(self.error_code, None)
    }
}

/// A snapshot of cluster metadata.
#[derive(Debug, Clone, Default)]
pub struct ClusterMetadata {
    pub cluster_id: Option<String>,
    pub controller_id: i32,
    pub brokers: HashMap<i32, BrokerInfo>,
    pub topics: HashMap<String, TopicInfo>,
}

impl ClusterMetadata {
    /// The leader of a partition, when known.
    pub fn leader(&self, topic: &str, partition: i32) -> Option<i32> {
        let p = self.topics.get(topic)?.partition(partition)?;
        (p.leader >= 0).then_some(p.leader)
    }

    /// The number of partitions of a topic, when known.
    pub fn partition_count(&self, topic: &str) -> Option<usize> {
        self.topics
            .get(topic)
            .filter(|t| t.error_code == 0 && !t.partitions.is_empty())
            .map(|t| t.partitions.len())
    }

    /// Topic name for a topic id (Fetch and Produce name topics by id at newer versions).
    pub fn topic_name(&self, id: Uuid) -> Option<&str> {
        self.topics
            .values()
            .find(|t| t.id == id)
            .map(|t| t.name.as_str())
    }

    fn merge(&mut self, response: &MetadataResponse) {
        self.cluster_id = response.cluster_id.as_ref().map(|c| c.to_string());
        self.controller_id = response.controller_id.0;
        self.brokers = response
            .brokers
            .iter()
            .map(|b| {
                (
                    b.node_id.0,
                    BrokerInfo {
                        node_id: b.node_id.0,
                        host: b.host.to_string(),
                        port: b.port,
                        rack: b.rack.as_ref().map(|r| r.to_string()),
                    },
                )
            })
            .collect();
        for topic in &response.topics {
            let Some(name) = topic.name.as_ref().map(|n| n.0.to_string()) else {
                continue;
            };
            let mut partitions: Vec<PartitionInfo> = topic
                .partitions
                .iter()
                .map(|p| PartitionInfo {
                    partition: p.partition_index,
                    leader: p.leader_id.0,
                    leader_epoch: p.leader_epoch,
                    replicas: p.replica_nodes.iter().map(|b| b.0).collect(),
                    isr: p.isr_nodes.iter().map(|b| b.0).collect(),
                    offline: p.offline_replicas.iter().map(|b| b.0).collect(),
                    error_code: p.error_code,
                })
                .collect();
            partitions.sort_by_key(|p| p.partition);
            let info = TopicInfo {
                name: name.clone(),
                id: topic.topic_id,
                is_internal: topic.is_internal,
                partitions,
                error_code: topic.error_code,
            };
            self.topics.insert(name, info);
        }
    }
}

struct ClientState {
    metadata: Arc<ClusterMetadata>,
    refreshed_at: Option<Instant>,
    connections: HashMap<i32, Arc<BrokerConnection>>,
    bootstrap: Option<Arc<BrokerConnection>>,
    /// Per node: when the last connect attempt failed and the backoff now in force.
    failures: HashMap<i32, (Instant, Duration)>,
}

struct ClientInner {
    config: ClientConfig,
    bootstrap_servers: Vec<String>,
    client_id: String,
    security: Arc<super::security::ClientSecurity>,
    request_timeout: Duration,
    metadata_max_age: Duration,
    backoff: (Duration, Duration),
    state: Mutex<ClientState>,
    /// Serialises metadata refreshes so a burst of errors causes one request, not many.
    refresh_lock: tokio::sync::Mutex<()>,
}

/// The connection pool and metadata cache every tool shares.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("bootstrap", &self.inner.bootstrap_servers)
            .finish()
    }
}

/// Clients kept for reuse by configuration, once [`Client::share_by_config`] turned it on.
static SHARED: std::sync::Mutex<Option<HashMap<String, Client>>> = std::sync::Mutex::new(None);

impl Client {
    /// From now on, [`Client::new`] hands out one client (one set of connections and one
    /// metadata cache) per distinct configuration. The shell turns this on so that its commands
    /// reuse the connections of the ones before.
    pub fn share_by_config() {
        let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        shared.get_or_insert_with(HashMap::new);
    }

    /// Builds a client from its configuration; nothing is connected until first use.
    pub fn new(config: ClientConfig) -> Result<Client> {
        let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        let Some(clients) = shared.as_mut() else {
            return Client::build(config);
        };
        let mut entries: Vec<(&str, &str)> = config.iter().collect();
        entries.sort_unstable();
        let key = format!("{entries:?}");
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let client = Client::build(config)?;
        clients.insert(key, client.clone());
        Ok(client)
    }

    fn build(config: ClientConfig) -> Result<Client> {
        let security = config.security()?;
        let bootstrap_servers = config.bootstrap_servers()?;
        Ok(Client {
            inner: Arc::new(ClientInner {
                client_id: config.client_id(),
                security,
                request_timeout: config.request_timeout()?,
                metadata_max_age: config.metadata_max_age()?,
                backoff: config.reconnect_backoff()?,
                bootstrap_servers,
                config,
                state: Mutex::new(ClientState {
                    metadata: Arc::default(),
                    refreshed_at: None,
                    connections: HashMap::new(),
                    bootstrap: None,
                    failures: HashMap::new(),
                }),
                refresh_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// `request.timeout.ms`.
    pub fn request_timeout(&self) -> Duration {
        self.inner.request_timeout
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ClientState> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached metadata (possibly empty before the first refresh).
    pub fn cached_metadata(&self) -> Arc<ClusterMetadata> {
        self.state().metadata.clone()
    }

    /// Replaces the cached metadata (unit tests of code that only reads it).
    #[cfg(test)]
    pub(crate) fn set_cached_metadata(&self, metadata: ClusterMetadata) {
        let mut state = self.state();
        state.metadata = Arc::new(metadata);
        state.refreshed_at = Some(Instant::now());
    }

    /// A connection to any broker: an open one if there is one, else a bootstrap server.
    pub async fn any_connection(&self) -> Result<Arc<BrokerConnection>> {
        {
            let state = self.state();
            if let Some(c) = state.bootstrap.as_ref().filter(|c| !c.is_closed()) {
                return Ok(c.clone());
            }
            if let Some(c) = state.connections.values().find(|c| !c.is_closed()) {
                return Ok(c.clone());
            }
        }
        let mut last_error = None;
        for addr in &self.inner.bootstrap_servers {
            match BrokerConnection::connect_secured(
                addr,
                &self.inner.client_id,
                self.inner.request_timeout,
                &self.inner.security,
            )
            .await
            {
                Ok(conn) => {
                    self.state().bootstrap = Some(conn.clone());
                    return Ok(conn);
                }
                Err(e) => {
                    tracing::debug!("bootstrap server {addr}: {e}");
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| Error::Message("no bootstrap servers".into())))
    }

    /// The connection to one broker, connecting (with backoff after failures) when needed.
    pub async fn connection(&self, node_id: i32) -> Result<Arc<BrokerConnection>> {
        let (addr, wait) = {
            let state = self.state();
            if let Some(c) = state.connections.get(&node_id).filter(|c| !c.is_closed()) {
                return Ok(c.clone());
            }
            let addr = match state.metadata.brokers.get(&node_id) {
                Some(b) => b.addr(),
                None => {
                    return Err(Error::Message(format!(
                        "broker {node_id} is not in the cluster metadata"
                    )))
                }
            };
            let wait = state
                .failures
                .get(&node_id)
                .map(|(at, backoff)| (*at + *backoff).saturating_duration_since(Instant::now()))
                .unwrap_or_default();
            (addr, wait)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        match BrokerConnection::connect_secured(
            &addr,
            &self.inner.client_id,
            self.inner.request_timeout,
            &self.inner.security,
        )
        .await
        {
            Ok(conn) => {
                let mut state = self.state();
                state.failures.remove(&node_id);
                // Another task may have connected meanwhile; keep one connection per broker.
                if let Some(c) = state.connections.get(&node_id).filter(|c| !c.is_closed()) {
                    return Ok(c.clone());
                }
                state.connections.insert(node_id, conn.clone());
                Ok(conn)
            }
            Err(e) => {
                let (min, max) = self.inner.backoff;
                let mut state = self.state();
                let next = match state.failures.get(&node_id) {
                    Some((_, b)) => (*b * 2).min(max),
                    None => min,
                };
                state.failures.insert(node_id, (Instant::now(), next));
                Err(e)
            }
        }
    }

    /// Fetches metadata for `topics` (all topics when `None`) and merges it into the cache.
    pub async fn refresh_metadata(
        &self,
        topics: Option<&[String]>,
        allow_auto_create: bool,
    ) -> Result<Arc<ClusterMetadata>> {
        let _one_at_a_time = self.inner.refresh_lock.lock().await;
        let response = self.fetch_metadata(topics, allow_auto_create).await?;
        let mut state = self.state();
        let mut metadata = (*state.metadata).clone();
        if topics.is_none() {
            // A full listing replaces the topic set: deleted topics must disappear.
            metadata.topics.clear();
        }
        metadata.merge(&response);
        state.metadata = Arc::new(metadata);
        state.refreshed_at = Some(Instant::now());
        Ok(state.metadata.clone())
    }

    /// A raw Metadata request to any broker, without touching the cache.
    pub async fn fetch_metadata(
        &self,
        topics: Option<&[String]>,
        allow_auto_create: bool,
    ) -> Result<MetadataResponse> {
        let mut request = MetadataRequest::default();
        request.topics = topics.map(|names| {
            names
                .iter()
                .map(|n| {
                    let mut t = MetadataRequestTopic::default();
                    t.name = Some(TopicName(StrBytes::from_string(n.clone())));
                    t
                })
                .collect()
        });
        let conn = self.any_connection().await?;
        let version = conn.version_for::<MetadataRequest>()?;
        if version >= 4 {
            request.allow_auto_topic_creation = allow_auto_create;
        }
        match conn
            .send_at(&request, version, self.inner.request_timeout)
            .await
        {
            Ok(r) => Ok(r),
            Err(first) => {
                // The connection may have gone stale (broker restarted): one fresh attempt.
                if !conn.is_closed() {
                    return Err(first);
                }
                let conn = self.any_connection().await?;
                conn.send_at(&request, version, self.inner.request_timeout)
                    .await
            }
        }
    }

    /// Metadata that covers `topics`: the cache when it knows them all and is young enough,
    /// else a refresh. Topics the cluster does not have come back with their error code.
    pub async fn metadata_for(&self, topics: &[String]) -> Result<Arc<ClusterMetadata>> {
        {
            let state = self.state();
            let fresh = state
                .refreshed_at
                .is_some_and(|at| at.elapsed() < self.inner.metadata_max_age);
            if fresh
                && topics.iter().all(|t| {
                    state
                        .metadata
                        .topics
                        .get(t)
                        .is_some_and(|info| info.error_code == 0)
                })
            {
                return Ok(state.metadata.clone());
            }
        }
        self.refresh_metadata(Some(topics), false).await
    }

    /// Makes a broker known (e.g. a coordinator FindCoordinator named) so `connection` reaches it.
    pub fn add_broker(&self, broker: BrokerInfo) {
        let mut state = self.state();
        let known = state
            .metadata
            .brokers
            .get(&broker.node_id)
            .is_some_and(|b| b.host == broker.host && b.port == broker.port);
        if !known {
            let mut metadata = (*state.metadata).clone();
            metadata.brokers.insert(broker.node_id, broker);
            state.metadata = Arc::new(metadata);
        }
    }

    /// Marks the cached metadata stale so the next `metadata_for` asks a broker.
    pub fn invalidate_metadata(&self) {
        self.state().refreshed_at = None;
    }

    /// Sends a request to a broker by node id.
    pub async fn send_to<R: Request>(&self, node_id: i32, request: &R) -> Result<R::Response> {
        let conn = self.connection(node_id).await?;
        conn.send(request).await
    }

    /// Sends a request to any broker (bootstrap or an open connection).
    pub async fn send_any<R: Request>(&self, request: &R) -> Result<R::Response> {
        let conn = self.any_connection().await?;
        conn.send(request).await
    }

    /// Sends a request to the controller (admin requests that must reach it); falls back to
    /// any broker, which forwards in KRaft clusters.
    pub async fn send_to_controller<R: Request>(&self, request: &R) -> Result<R::Response> {
        let metadata = self.refresh_metadata(Some(&[]), false).await?;
        if metadata.controller_id >= 0 && metadata.brokers.contains_key(&metadata.controller_id) {
            if let Ok(conn) = self.connection(metadata.controller_id).await {
                return conn.send(request).await;
            }
        }
        self.send_any(request).await
    }
}

/// True for the errors after which metadata should be refreshed and the call retried.
pub fn is_retriable_metadata_error(code: i16) -> bool {
    matches!(
        ResponseError::try_from_code(code),
        Some(
            ResponseError::NotLeaderOrFollower
                | ResponseError::LeaderNotAvailable
                | ResponseError::UnknownTopicOrPartition
                | ResponseError::FencedLeaderEpoch
                | ResponseError::UnknownLeaderEpoch
                | ResponseError::NotController
                | ResponseError::KafkaStorageError
                | ResponseError::OffsetNotAvailable
                | ResponseError::UnknownTopicId
                | ResponseError::InconsistentTopicId
        )
    )
}

/// True for errors Kafka marks retriable (a retry may succeed without anything changing).
pub fn is_retriable(code: i16) -> bool {
    is_retriable_metadata_error(code)
        || matches!(
            ResponseError::try_from_code(code),
            Some(
                ResponseError::RequestTimedOut
                    | ResponseError::NetworkException
                    | ResponseError::NotEnoughReplicas
                    | ResponseError::NotEnoughReplicasAfterAppend
                    | ResponseError::CorruptMessage
                    | ResponseError::CoordinatorLoadInProgress
                    | ResponseError::CoordinatorNotAvailable
                    | ResponseError::NotCoordinator
                    | ResponseError::ThrottlingQuotaExceeded
                    | ResponseError::ConcurrentTransactions
            )
        )
}

/// `BrokerId` as a plain number.
pub fn node(id: BrokerId) -> i32 {
    id.0
}
