//! The broker: state shared by every connection, start-up, background tasks and shutdown.
//!
//! Start-up order: check `meta.properties` (the storage must be formatted), replay the metadata
//! log, open every hosted partition's log (recovering after a crash), bind the listeners, serve.
//! Shutdown: stop accepting, let in-flight requests finish, flush and close every log, write
//! checkpoints and the clean-shutdown markers.

pub mod auth;
pub mod config;
pub mod connection_quotas;
pub mod group;
pub mod handlers;
pub mod log;
pub mod metadata;
pub mod metrics;
pub mod network;
pub mod partition;
pub mod placement;
pub mod quorum;
pub mod quota;
pub mod replica_fetcher;
pub mod replica_manager;
pub mod replication_throttle;
pub mod response;
pub mod storage_format;
pub mod topic_config;
pub mod txn;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use config::BrokerConfig;
use metadata::{MetadataImage, MetadataLog, MetadataRecord, TopicMeta};
use quorum::node::{Committed, CommittedBatch};
use replica_manager::ReplicaManager;

use crate::acl;
use crate::{Error, Result};

/// Milliseconds since the Unix epoch, Kafka's clock unit.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// An address clients are told to connect to.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub listener: String,
    pub host: String,
    pub port: u16,
}

/// Everything a request handler can reach.
#[derive(Debug)]
pub struct BrokerState {
    pub config: BrokerConfig,
    pub node_id: i32,
    pub cluster_id: String,
    /// The broker listeners as advertised, with ports resolved after binding.
    pub endpoints: Vec<Endpoint>,
    /// This node's member of the controller quorum, which holds the metadata log.
    pub quorum: quorum::Quorum,
    image: RwLock<MetadataImage>,
    pub replicas: ReplicaManager,
    /// Consumer groups and their committed offsets.
    pub groups: group::coordinator::Coordinator,
    /// Producer ids and transactions.
    pub transactions: txn::TxnCoordinator,
    /// Which `__consumer_offsets` / `__transaction_state` partitions this node leads and has
    /// loaded: the groups and transactional ids it coordinates.
    pub placement: placement::Placement,
    /// Counters for the Prometheus endpoint (kept even when it is off: they cost a few atomics).
    pub metrics: metrics::Metrics,
    /// Client quota sensors.
    pub quotas: quota::QuotaManager,
    /// Connection counts and creation rates (max.connections, per IP, rates).
    pub connection_quotas: connection_quotas::ConnectionQuotas,
    /// Bytes replicated under the leader and follower replication throttles.
    pub replication_throttles: replication_throttle::ReplicationThrottles,
    /// Set on a clean shutdown: every heartbeat from then on asks to be fenced, so a regular one
    /// cannot unfence the broker while it hands its partitions over.
    pub shutting_down: std::sync::atomic::AtomicBool,
}

impl BrokerState {
    /// May the requester of the request being handled do `operation` on the resource? Always
    /// true without an authorizer; requests made outside a connection (tests, internal
    /// callers) act as `User:ANONYMOUS` from 127.0.0.1.
    pub fn authorized(
        &self,
        operation: acl::AclOperation,
        resource: acl::ResourceType,
        name: &str,
    ) -> bool {
        if !self.config.authorizer_enabled {
            return true;
        }
        self.authorized_in(&self.image(), operation, resource, name)
    }

    /// [`BrokerState::authorized`] for callers already holding the metadata image (taking a
    /// second read lock could deadlock behind a waiting writer).
    pub fn authorized_in(
        &self,
        image: &MetadataImage,
        operation: acl::AclOperation,
        resource: acl::ResourceType,
        name: &str,
    ) -> bool {
        if !self.config.authorizer_enabled {
            return true;
        }
        let session = network::session();
        let (principal, host) = match &session {
            Some(s) => (s.principal.as_str(), s.peer.ip().to_string()),
            None => (network::ANONYMOUS, "127.0.0.1".to_string()),
        };
        let policy = acl::Policy {
            super_users: &self.config.super_users,
            allow_everyone_if_no_acl_found: self.config.allow_everyone_if_no_acl_found,
        };
        let allowed = acl::authorize(
            image.acls.values(),
            policy,
            acl::Requester {
                principal,
                host: &host,
            },
            operation,
            resource,
            name,
        );
        if !allowed {
            tracing::debug!(%principal, %host, %operation, %resource, name, "denied");
        }
        allowed
    }

    /// Records `amount` against the requester's `key` quota (bytes, or handler milliseconds
    /// for `request_percentage`) and returns the throttle time, muting the connection for it.
    /// Zero when no quota applies.
    pub fn throttle(&self, key: &'static str, client_id: &str, amount: f64) -> Duration {
        let quota = {
            let image = self.image();
            if image.client_quotas.is_empty() {
                return Duration::ZERO;
            }
            let principal =
                network::session().map_or_else(|| network::ANONYMOUS.to_string(), |s| s.principal);
            let user = principal
                .split_once(':')
                .map_or(principal.as_str(), |(_, name)| name)
                .to_string();
            quota::lookup(&image.client_quotas, &user, client_id, key).map(|q| (q, user))
        };
        let Some((quota, user)) = quota else {
            return Duration::ZERO;
        };
        let throttle = self.quotas.record(key, &user, client_id, amount, quota);
        network::mute_for(throttle);
        throttle
    }

    /// Takes back an amount [`BrokerState::throttle`] recorded (a throttled fetch sends no data).
    pub fn quotas_unrecord(&self, key: &'static str, client_id: &str, amount: f64) {
        let principal =
            network::session().map_or_else(|| network::ANONYMOUS.to_string(), |s| s.principal);
        let user = principal
            .split_once(':')
            .map_or(principal.as_str(), |(_, name)| name)
            .to_string();
        self.quotas.unrecord(key, &user, client_id, amount);
    }

    /// May the requester do `operation` on some resource of this type (Kafka's
    /// `authorizeByResourceType`, used for idempotent producers): a super user, an ALLOW for the
    /// principal on any resource of the type, or, with `allow.everyone.if.no.acl.found`, a type
    /// no ACL mentions.
    pub fn authorized_for_any(
        &self,
        operation: acl::AclOperation,
        resource: acl::ResourceType,
    ) -> bool {
        if !self.config.authorizer_enabled {
            return true;
        }
        let session = network::session();
        let (principal, host) = match &session {
            Some(s) => (s.principal.clone(), s.peer.ip().to_string()),
            None => (network::ANONYMOUS.to_string(), "127.0.0.1".to_string()),
        };
        if self.config.super_users.contains(&principal) {
            return true;
        }
        let image = self.image();
        let mut of_type = image
            .acls
            .values()
            .filter(|a| a.resource_type == resource)
            .peekable();
        if of_type.peek().is_none() {
            return self.config.allow_everyone_if_no_acl_found;
        }
        let who = acl::Requester {
            principal: &principal,
            host: &host,
        };
        of_type.any(|a| {
            a.permission == acl::PermissionType::Allow
                && acl::entry_applies(a, who)
                && (a.operation == operation || a.operation == acl::AclOperation::All)
        })
    }

    /// [`BrokerState::authorized`] on the cluster resource.
    pub fn authorized_on_cluster(&self, operation: acl::AclOperation) -> bool {
        self.authorized(operation, acl::ResourceType::Cluster, acl::CLUSTER_NAME)
    }

    /// A snapshot-read of the metadata.
    pub fn image(&self) -> std::sync::RwLockReadGuard<'_, MetadataImage> {
        self.image.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Another broker's address on the inter-broker listener (else on this broker's first
    /// listener, else its first): where followers fetch and coordinators send markers.
    pub fn inter_broker_address(&self, broker: i32) -> Option<String> {
        let image = self.image();
        let registration = image.brokers.get(&broker)?;
        let inter_broker = self.config.inter_broker_listener_name.as_str();
        let ours = self.endpoints.first().map(|e| e.listener.as_str());
        let endpoint = registration
            .endpoints
            .iter()
            .find(|e| e.listener == inter_broker)
            .or_else(|| {
                registration
                    .endpoints
                    .iter()
                    .find(|e| Some(e.listener.as_str()) == ours)
            })
            .or_else(|| registration.endpoints.first())?;
        Some(format!("{}:{}", endpoint.host, endpoint.port))
    }

    /// The endpoint clients of the current request should use: the one of the listener the
    /// request came in on (Kafka answers per listener), else the first.
    pub fn advertised_endpoint(&self) -> Option<&Endpoint> {
        let listener = network::session().map(|s| s.listener);
        listener
            .and_then(|name| self.endpoints.iter().find(|e| e.listener == name))
            .or_else(|| self.endpoints.first())
    }

    /// Commits metadata records through the controller quorum (forwarded to the active
    /// controller when this node does not lead) and returns once this node applied them.
    pub async fn commit_metadata(&self, records: Vec<MetadataRecord>) -> Result<()> {
        self.quorum.write(records).await
    }

    /// Applies what the quorum committed, in order.
    fn apply(&self, committed: Committed) {
        match committed {
            Committed::Entries(batch) => self.apply_committed(batch),
            Committed::Snapshot(snapshot) => self.apply_snapshot(snapshot),
        }
    }

    /// Replaces the image by a snapshot from the leader (this node was behind its log start),
    /// removing the partitions of topics the snapshot no longer has.
    fn apply_snapshot(&self, snapshot: metadata::MetadataSnapshot) {
        let mut fresh = MetadataImage::default();
        snapshot.data.iter().for_each(|r| fresh.apply(r));
        let image = {
            let mut image = self.image.write().unwrap_or_else(|e| e.into_inner());
            for topic in image.topics.values() {
                let kept = fresh
                    .topics
                    .get(&topic.name)
                    .is_some_and(|t| t.id == topic.id);
                if !kept {
                    if let Err(e) = self.replicas.delete_topic(&topic.name) {
                        tracing::error!(topic = %topic.name, error = %e, "cannot remove a deleted topic's partitions");
                    }
                }
            }
            *image = fresh;
            image.clone()
        };
        if let Err(e) = self.sync_partitions(&image) {
            tracing::error!(error = %e, "cannot open partitions");
        }
        self.quorum
            .mark_snapshot_applied(snapshot.index, snapshot.term);
    }

    /// Applies committed entries in order, and opens or removes partitions to match.
    fn apply_committed(&self, batch: CommittedBatch) {
        let Some(last) = batch.last().map(|(index, _)| *index) else {
            return;
        };
        let mut terms = Vec::with_capacity(batch.len());
        let image = {
            let mut image = self.image.write().unwrap_or_else(|e| e.into_inner());
            for (_, entry) in &batch {
                for record in &entry.payload {
                    let deleted = match record {
                        MetadataRecord::RemoveTopic { id } => {
                            image.topic_by_id(id).map(|t| t.name.clone())
                        }
                        _ => None,
                    };
                    image.apply(record);
                    if let Some(name) = deleted {
                        if let Err(e) = self.replicas.delete_topic(&name) {
                            tracing::error!(topic = %name, error = %e, "cannot remove a deleted topic's partitions");
                        }
                    }
                }
                terms.push(entry.term);
            }
            image.clone()
        };
        if let Err(e) = self.sync_partitions(&image) {
            tracing::error!(error = %e, "cannot open partitions");
        }
        self.quorum.mark_applied(last, &terms);
        // Leadership of an internal partition may have moved: load or unload coordinators.
        self.placement.metadata_changed.notify_one();
        self.quorum.maybe_snapshot(last, &image);
    }

    /// Opens the logs of every partition this node hosts, and applies topic configs.
    fn sync_partitions(&self, image: &MetadataImage) -> Result<()> {
        for topic in image.topics.values() {
            let config = self.log_config(topic, image)?;
            self.replicas.ensure_topic(topic, self.node_id, &config)?;
            self.replicas.set_topic_config(&topic.name, &config);
        }
        Ok(())
    }

    /// The brokers clients are told about: every registered, unfenced broker with its endpoint
    /// on `listener` (the one the request came in on); this broker itself also before its
    /// first registration commits (it is evidently alive), but not while it is fenced.
    /// Sorted by id.
    pub fn live_brokers(&self, listener: Option<&str>) -> Vec<(i32, Endpoint, Option<String>)> {
        let pick = |endpoints: &[Endpoint]| -> Option<Endpoint> {
            listener
                .and_then(|l| endpoints.iter().find(|e| e.listener == l))
                .or_else(|| endpoints.first())
                .cloned()
        };
        let mut out = Vec::new();
        for b in self.image().live_brokers() {
            if b.id == self.node_id {
                continue;
            }
            let endpoints: Vec<Endpoint> = b
                .endpoints
                .iter()
                .map(|e| Endpoint {
                    listener: e.listener.clone(),
                    host: e.host.clone(),
                    port: e.port,
                })
                .collect();
            if let Some(ep) = pick(&endpoints) {
                out.push((b.id, ep, b.rack.clone()));
            }
        }
        let fenced = self
            .image()
            .brokers
            .get(&self.node_id)
            .is_some_and(|b| b.fenced);
        if let Some(ep) = pick(&self.endpoints).filter(|_| !fenced) {
            out.push((self.node_id, ep, self.config.broker_rack.clone()));
        }
        out.sort_by_key(|(id, _, _)| *id);
        out
    }

    /// The controller id clients are shown: the active controller when it is a live broker
    /// (a combined node), else this broker (clients cannot reach controllers anyway).
    pub fn controller_id_for_clients(&self) -> i32 {
        match self.quorum.leader() {
            Some(id) if id == self.node_id || self.image().live_brokers().any(|b| b.id == id) => id,
            _ => self.node_id,
        }
    }

    /// The leader the metadata names for a partition, if the partition exists.
    pub fn leader_of(&self, topic: &str, partition: i32) -> Option<i32> {
        let image = self.image();
        let t = image.topics.get(topic)?;
        // Partitions are kept in index order: look at the index first (a produce to 1,000
        // partitions asks once per partition).
        let at_index = usize::try_from(partition)
            .ok()
            .and_then(|i| t.partitions.get(i))
            .filter(|p| p.partition == partition);
        at_index
            .or_else(|| t.partitions.iter().find(|p| p.partition == partition))
            .map(|p| p.leader)
    }

    /// A topic's `min.insync.replicas` (its override, else the broker's).
    pub fn min_insync_replicas(&self, topic: &str) -> i32 {
        self.image()
            .topics
            .get(topic)
            .and_then(|t| t.configs.get("min.insync.replicas"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(self.config.min_insync_replicas)
    }

    /// The resolved log settings of a topic.
    pub fn log_config(&self, topic: &TopicMeta, image: &MetadataImage) -> Result<log::LogConfig> {
        let dynamic = topic_config::DynamicConfigs {
            broker: image.broker_configs.get(&Some(self.node_id)),
            cluster_default: image.broker_configs.get(&None),
        };
        Ok(topic_config::resolve_log_config_with(
            &self.config,
            dynamic,
            &topic.configs,
        )?)
    }
}

/// A broker that is serving.
#[derive(Debug)]
pub struct RunningBroker {
    /// The address of the first broker listener (useful with port 0).
    pub addr: SocketAddr,
    /// Where Prometheus metrics are served, when `kbox.metrics.listener` is set.
    pub metrics_addr: Option<SocketAddr>,
    pub state: Arc<BrokerState>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<Result<()>>,
}

impl RunningBroker {
    /// Stops the broker cleanly and waits until its logs are closed.
    pub async fn shutdown(self) -> Result<()> {
        let _ = self.shutdown.send(true);
        self.task
            .await
            .map_err(|e| Error::Message(format!("broker task failed: {e}")))?
    }

    /// Waits until the broker stops (after `shutdown_signal` fires).
    pub async fn wait(self) -> Result<()> {
        self.task
            .await
            .map_err(|e| Error::Message(format!("broker task failed: {e}")))?
    }

    /// A handle that triggers shutdown, for signal handlers.
    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Name of the lock file in every log directory, as Kafka names it.
pub const LOCK_FILE: &str = ".lock";

/// Takes an exclusive lock on `.lock` in every log directory and the metadata directory.
fn lock_dirs(config: &BrokerConfig) -> Result<Vec<std::fs::File>> {
    use fs4::fs_std::FileExt;
    let mut dirs: Vec<&std::path::Path> = config.log_dirs.iter().map(|d| d.as_path()).collect();
    dirs.push(&config.metadata_log_dir);
    dirs.sort();
    dirs.dedup();
    let mut locks = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let path = dir.join(LOCK_FILE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::Message(format!("cannot open {}: {e}", path.display())))?;
        // A lock is also held, for an instant, by a child process forked (not yet exec'd) by
        // whoever released it last in this process (tests restart brokers in-process): try a
        // few times before calling the directory taken.
        let mut attempts = 0;
        loop {
            match file.try_lock_exclusive() {
                Ok(true) => break,
                _ if attempts < 20 => {
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => {
                    return Err(Error::Message(format!(
                        "Failed to acquire lock on file .lock in {}. A Kafka instance in another process or thread is using this directory.",
                        dir.display()
                    )))
                }
            }
        }
        locks.push(file);
    }
    Ok(locks)
}

/// Starts a broker: validates storage, loads state, binds listeners and begins serving.
pub async fn start(config: BrokerConfig) -> Result<RunningBroker> {
    let meta = storage_format::check_formatted(&config)?;
    // Held until the broker has stopped: a second process on the same directories would
    // corrupt them (Kafka's `.lock`).
    let dir_locks = lock_dirs(&config)?;
    // One descriptor per segment and per connection: take the whole allowance the system
    // grants (the soft limit is often 1,024 while the hard one is far higher).
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!(limit, "open-file limit"),
        Err(e) => tracing::warn!(error = %e, "could not raise the open-file limit"),
    }
    let metadata_dir = config.metadata_log_dir.clone();
    let replicas = ReplicaManager::open(&config.log_dirs)?;
    let clean = metadata_dir
        .join(replica_manager::CLEAN_SHUTDOWN_FILE)
        .exists()
        || replicas_were_clean(&config);
    let segment_bytes = config
        .value("metadata.log.segment.bytes")
        .and_then(|v| v.as_i64())
        .unwrap_or(1 << 30)
        .max(0) as u64;
    let (metadata_log, stored) = MetadataLog::open(&metadata_dir, clean, segment_bytes)?;
    // The latest snapshot, then what is known committed after it, is applied before serving,
    // as a single node always did.
    let applied = quorum::node::known_committed(&config, &stored);
    let mut image = MetadataImage::default();
    if let Some(snapshot) = &stored.snapshot {
        snapshot.data.iter().for_each(|r| image.apply(r));
        tracing::info!(
            index = snapshot.index,
            entries_after = stored.entries.len(),
            "metadata loaded from a snapshot"
        );
    }
    let after_snapshot = (applied - stored.snapshot_index()) as usize;
    for entry in &stored.entries[..after_snapshot] {
        entry.payload.iter().for_each(|r| image.apply(r));
    }
    let (quorum, committed) = quorum::Quorum::start(&config, metadata_log, stored, applied)?;
    // The CONTROLLER listener, when other voters need to reach this one.
    let controller_socket = match config.controller_listeners().first() {
        Some(listener)
            if config.is_controller()
                && (quorum.voter_ids().len() > 1 || !config.is_broker() || quorum.is_dynamic()) =>
        {
            let bind = listener.bind_address();
            let socket = TcpListener::bind(&bind)
                .await
                .map_err(|e| Error::Message(format!("cannot listen on {bind}: {e}")))?;
            // Where other controllers reach this one (the port is known only now if it was 0).
            let host = config
                .advertised_controller_listeners
                .first()
                .and_then(|l| l.host.clone())
                .or_else(|| listener.host.clone())
                .unwrap_or_else(|| "localhost".into());
            quorum.set_own_endpoint(host, socket.local_addr()?.port());
            // A controller-only node has no broker listener: this is its `listening` line.
            let what = if config.is_broker() {
                "controller listener bound"
            } else {
                "listening"
            };
            tracing::info!(listener = %listener.name, address = %socket.local_addr()?, "{what}");
            Some(socket)
        }
        _ => None,
    };

    let mut listeners = Vec::new();
    let mut endpoints = Vec::new();
    for listener in config.broker_listeners() {
        let bind = listener.bind_address();
        let socket = TcpListener::bind(&bind)
            .await
            .map_err(|e| Error::Message(format!("cannot listen on {bind}: {e}")))?;
        let local = socket.local_addr()?;
        let advertised = config
            .advertised_listeners
            .iter()
            .find(|l| l.name == listener.name);
        let host = advertised
            .and_then(|l| l.host.clone())
            .or_else(|| listener.host.clone())
            .unwrap_or_else(|| local.ip().to_string());
        let port = match advertised.map(|l| l.port) {
            Some(p) if p != 0 => p,
            _ => local.port(),
        };
        tracing::info!(listener = %listener.name, address = %local, advertised = %format!("{host}:{port}"), "listening");
        endpoints.push(Endpoint {
            listener: listener.name.clone(),
            host,
            port,
        });
        let security = Arc::new(auth::ListenerSecurity::from_config(&config, listener)?);
        listeners.push((socket, local, security));
    }
    let addr = match (listeners.first(), &controller_socket) {
        (Some((_, a, _)), _) => *a,
        (None, Some(socket)) if !config.is_broker() => socket.local_addr()?,
        _ => return Err(Error::Message("no broker listener configured".into())),
    };

    // Bound after the broker listeners, so the first `listening` line is always the broker's.
    let metrics_listener = match config.metrics_listener {
        Some(addr) => Some(metrics::bind(addr).await?),
        None => None,
    };
    let metrics_addr = match &metrics_listener {
        Some(l) => Some(l.local_addr()?),
        None => None,
    };

    let state = Arc::new(BrokerState {
        node_id: config.node_id,
        cluster_id: meta.cluster_id.clone(),
        endpoints,
        quorum,
        image: RwLock::new(image.clone()),
        replicas,
        groups: group::new_coordinator(&config),
        transactions: txn::TxnCoordinator::default(),
        placement: placement::Placement::default(),
        metrics: metrics::Metrics::default(),
        connection_quotas: connection_quotas::ConnectionQuotas::new(&config),
        replication_throttles: Default::default(),
        quotas: quota::QuotaManager::new(
            Duration::from_secs(config.quota_window_size_seconds.max(1) as u64),
            config.quota_window_num.max(1) as usize,
        ),
        config,
        shutting_down: std::sync::atomic::AtomicBool::new(false),
    });
    state.sync_partitions(&image)?;
    // The groups and transactions of the internal partitions this node leads, before serving.
    placement::sync(&state);
    tracing::info!(node_id = state.node_id, cluster_id = %state.cluster_id, topics = image.topics.len(), "kbox broker started");

    let (shutdown, shutdown_rx) = watch::channel(false);
    let task = tokio::spawn(serve(
        state.clone(),
        listeners
            .into_iter()
            .map(|(l, _, security)| (l, security))
            .collect(),
        metrics_listener,
        controller_socket,
        committed,
        shutdown_rx,
        dir_locks,
    ));
    Ok(RunningBroker {
        addr,
        metrics_addr,
        state,
        shutdown,
        task,
    })
}

fn replicas_were_clean(config: &BrokerConfig) -> bool {
    !config.log_dirs.is_empty()
        && config
            .log_dirs
            .iter()
            .all(|d| d.join(replica_manager::CLEAN_SHUTDOWN_FILE).exists())
}

async fn serve(
    state: Arc<BrokerState>,
    listeners: Vec<(TcpListener, Arc<auth::ListenerSecurity>)>,
    metrics_listener: Option<TcpListener>,
    controller_listener: Option<TcpListener>,
    mut committed: tokio::sync::mpsc::UnboundedReceiver<Committed>,
    mut shutdown: watch::Receiver<bool>,
    _dir_locks: Vec<std::fs::File>,
) -> Result<()> {
    // The tasks stop on their own signal, sent only after the controlled shutdown: until then
    // this node keeps serving, applying metadata and (as a voter) running the quorum.
    let (stop_tasks, tasks_stop) = watch::channel(false);
    let outer_shutdown = std::mem::replace(&mut shutdown, tasks_stop);
    let mut tasks = tokio::task::JoinSet::new();
    if let Some(listener) = controller_listener {
        tasks.spawn(quorum::rpc::serve(
            state.clone(),
            listener,
            shutdown.clone(),
        ));
    }
    tasks.spawn(quorum::controller::run(state.clone(), shutdown.clone()));
    if state.config.is_broker() {
        tasks.spawn(replica_fetcher::run(state.clone(), shutdown.clone()));
    }
    let applier = state.clone();
    let mut applier_shutdown = shutdown.clone();
    tasks.spawn(async move {
        loop {
            tokio::select! {
                batch = committed.recv() => match batch {
                    Some(batch) => applier.apply(batch),
                    None => return Ok(()),
                },
                _ = applier_shutdown.changed() => return Ok(()),
            }
        }
    });
    for (listener, security) in listeners {
        tasks.spawn(network::accept_loop(
            state.clone(),
            listener,
            security,
            shutdown.clone(),
        ));
    }
    if let Some(listener) = metrics_listener {
        tasks.spawn(metrics::serve(state.clone(), listener, shutdown.clone()));
    }
    tasks.spawn(background(state.clone(), shutdown.clone()));
    tasks.spawn(txn_background(state.clone(), shutdown.clone()));
    tasks.spawn(placement::run(state.clone(), shutdown.clone()));
    let groups_state = state.clone();
    let groups_shutdown = shutdown.clone();
    tasks.spawn(async move {
        group::background(groups_state, groups_shutdown).await;
        Ok(())
    });
    let mut outer_shutdown = outer_shutdown;
    while !*outer_shutdown.borrow() {
        if outer_shutdown.changed().await.is_err() {
            break;
        }
    }
    tracing::info!("shutting down");
    // Controlled shutdown: fenced first, and only stopped once this node applied its own fencing,
    // so the partitions it led have new leaders and the acks=all producers waiting here are
    // answered NOT_LEADER_OR_FOLLOWER now rather than at their request timeout.
    if quorum::controller::announce_shutdown(&state).await {
        let handed_over =
            quorum::controller::wait_until_fenced(&state, Duration::from_secs(5)).await;
        tracing::info!(handed_over, "controlled shutdown");
    }
    let _ = stop_tasks.send(true);
    // Connections see the same signal and finish their current request.
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.abort_all();
    let state2 = state.clone();
    tokio::task::spawn_blocking(move || {
        state2.replicas.shutdown()?;
        state2.quorum.close()?;
        std::fs::write(
            state2
                .config
                .metadata_log_dir
                .join(replica_manager::CLEAN_SHUTDOWN_FILE),
            b"",
        )?;
        Ok::<(), Error>(())
    })
    .await
    .map_err(|e| Error::Message(format!("shutdown task failed: {e}")))??;
    tracing::info!("shut down cleanly");
    Ok(())
}

async fn txn_background(state: Arc<BrokerState>, shutdown: watch::Receiver<bool>) -> Result<()> {
    txn::background(state, shutdown).await;
    Ok(())
}

/// Retention, compaction, scheduled flushes and checkpoints, each on Kafka's interval.
async fn background(state: Arc<BrokerState>, mut shutdown: watch::Receiver<bool>) -> Result<()> {
    let ms = |v: i64| Duration::from_millis(v.clamp(10, 86_400_000) as u64);
    let mut retention = tokio::time::interval(ms(state.config.log_retention_check_interval_ms));
    let mut flush =
        tokio::time::interval(ms(state.config.log_flush_scheduler_interval_ms.min(1000)));
    let mut checkpoint = tokio::time::interval(ms(state
        .config
        .log_flush_offset_checkpoint_interval_ms
        as i64));
    let mut cleaner = tokio::time::interval(ms(state.config.log_cleaner_backoff_ms));
    cleaner.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let cleaner_enabled = state.config.log_cleaner_enable && state.config.log_cleaner_threads > 0;
    let expiration_check = state
        .config
        .value("producer.id.expiration.check.interval.ms")
        .and_then(|v| v.as_i64())
        .unwrap_or(600_000);
    let mut producer_expiry = tokio::time::interval(ms(expiration_check));
    loop {
        tokio::select! {
            _ = retention.tick() => {
                let s = state.clone();
                let _ = tokio::task::spawn_blocking(move || s.replicas.enforce_retention()).await;
            }
            _ = flush.tick() => state.replicas.flush_due().await,
            _ = checkpoint.tick() => {
                let s = state.clone();
                if let Ok(Err(e)) = tokio::task::spawn_blocking(move || s.replicas.write_checkpoints()).await {
                    tracing::warn!(error = %e, "writing checkpoints failed");
                }
            }
            _ = cleaner.tick(), if cleaner_enabled => {
                let s = state.clone();
                let dedupe = usize::try_from(s.config.log_cleaner_dedupe_buffer_size).unwrap_or(0).max(1 << 20);
                let _ = tokio::task::spawn_blocking(move || s.replicas.clean_logs(dedupe)).await;
            }
            _ = producer_expiry.tick() => {
                let expiration = i64::from(state.config.producer_id_expiration_ms);
                for p in state.replicas.all() {
                    let removed = p.log().expire_producers(now_ms(), expiration);
                    if removed > 0 {
                        tracing::debug!(topic = %p.topic, partition = p.index, removed, "expired producer ids");
                    }
                }
            }
            _ = shutdown.changed() => return Ok(()),
        }
    }
}
