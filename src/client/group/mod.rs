//! Consumer groups in the client: subscribe, and the group decides who reads what.
//!
//! [`GroupConsumer`] wraps the assignment-mode [`Consumer`]. A membership task of its own
//! ([`membership`]) finds the coordinator, runs JoinGroup/SyncGroup (computing the assignment
//! when this member leads), and heartbeats. It hands results to the consumer through events
//! that `poll` applies: a revocation (commit if auto-commit is on, tell the listener, drop the
//! partitions, acknowledge) and an assignment (read committed offsets, position, tell the
//! listener). Eager assignors revoke everything before rejoining; cooperative-sticky revokes
//! only what moves.
//!
//! - [`assignor`]: range, roundrobin, sticky, cooperative-sticky.
//! - [`protocol`]: subscription/assignment bytes, FindCoordinator, OffsetCommit, OffsetFetch.
//! - [`admin`]: list, describe and delete groups; read, reset and delete their offsets.

pub mod admin;
pub mod assignor;
mod membership;
pub mod protocol;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use self::assignor::{Assignor, TopicPartition};
use self::membership::{Membership, MembershipConfig};
use self::protocol::{commit_offsets, fetch_offsets, CommitIdentity};
use super::cluster::Client;
use super::config::ClientConfig;
use super::consumer::Consumer;
use super::interceptors::ConsumerInterceptor;
use super::records::ConsumerRecord;
use crate::{Error, Result};

/// What a group member subscribes to.
#[derive(Debug, Clone)]
pub enum Subscription {
    Topics(Vec<String>),
    /// Every topic whose whole name matches (Java's `Pattern.matches`).
    Pattern(regex::Regex),
}

/// Told when partitions come and go, as Java's ConsumerRebalanceListener.
pub trait RebalanceListener: Send {
    fn on_partitions_revoked(&mut self, _partitions: &[TopicPartition]) {}
    fn on_partitions_assigned(&mut self, _partitions: &[TopicPartition]) {}
    /// Partitions lost without a chance to commit (the member was fenced out of the group).
    fn on_partitions_lost(&mut self, partitions: &[TopicPartition]) {
        self.on_partitions_revoked(partitions);
    }
}

/// Messages from the membership task to the consumer.
enum GroupEvent {
    /// Give these partitions up, then acknowledge so the task can rejoin.
    Revoke {
        partitions: Vec<TopicPartition>,
        lost: bool,
        ack: oneshot::Sender<()>,
    },
    /// The new assignment of a generation.
    Assigned { partitions: Vec<TopicPartition> },
    /// The member cannot go on (fenced static member, bad configuration...).
    Fatal(Error),
}

/// What the consumer and the membership task both need to know.
#[derive(Debug, Default)]
struct SharedState {
    identity: CommitIdentity,
    coordinator: Option<i32>,
}

/// A consumer that is a member of a group.
pub struct GroupConsumer {
    consumer: Consumer,
    client: Client,
    group_id: String,
    shared: Arc<Mutex<SharedState>>,
    events: mpsc::UnboundedReceiver<GroupEvent>,
    leave: Option<oneshot::Sender<oneshot::Sender<()>>>,
    auto_commit: Option<Duration>,
    last_commit: Instant,
    committed: HashMap<TopicPartition, i64>,
    listener: Option<Box<dyn RebalanceListener>>,
    interceptors: Vec<Arc<dyn ConsumerInterceptor>>,
}

impl GroupConsumer {
    /// Joins `group.id` (required) with the given subscription. Joining happens in the
    /// background; the first `poll` calls wait for the first assignment.
    pub fn subscribe(config: ClientConfig, subscription: Subscription) -> Result<GroupConsumer> {
        let group_id = config.group_id().ok_or_else(|| {
            Error::Message(
                "To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.".into(),
            )
        })?;
        let client = Client::new(config)?;
        let c = client.config();
        let auto_commit = match c.get("enable.auto.commit").map(|v| v.trim().to_ascii_lowercase()) {
            None => true,
            Some(v) if v == "true" => true,
            Some(v) if v == "false" => false,
            Some(v) => {
                return Err(Error::Message(format!(
                    "Invalid value {v} for configuration enable.auto.commit: Expected value to be either true or false"
                )))
            }
        };
        let interval = millis(c.get("auto.commit.interval.ms"), 5_000)?;
        let assignors = match c.get("partition.assignment.strategy") {
            None => vec![Assignor::Range, Assignor::CooperativeSticky],
            Some(list) => list
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| {
                    Assignor::parse(s).ok_or_else(|| {
                        Error::Message(format!(
                            "Invalid value {s} for configuration partition.assignment.strategy: not one of range, roundrobin, sticky, cooperative-sticky"
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()?,
        };
        if assignors.is_empty() {
            return Err(Error::Message(
                "partition.assignment.strategy must name at least one assignor".into(),
            ));
        }
        let membership_config = MembershipConfig {
            group_id: group_id.clone(),
            group_instance_id: c
                .get("group.instance.id")
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            session_timeout: millis(c.get("session.timeout.ms"), 45_000)?,
            rebalance_timeout: millis(c.get("max.poll.interval.ms"), 300_000)?,
            heartbeat_interval: millis(c.get("heartbeat.interval.ms"), 3_000)?,
            retry_backoff: c.retry_backoff()?,
            metadata_max_age: c.metadata_max_age()?,
            assignors,
            subscription,
        };
        let shared = Arc::new(Mutex::new(SharedState {
            identity: CommitIdentity {
                generation: -1,
                member_id: String::new(),
                group_instance_id: membership_config.group_instance_id.clone(),
            },
            coordinator: None,
        }));
        let (events_tx, events) = mpsc::unbounded_channel();
        let (leave, leave_rx) = oneshot::channel();
        let membership =
            Membership::new(client.clone(), membership_config, shared.clone(), events_tx);
        tokio::spawn(membership.run(leave_rx));
        Ok(GroupConsumer {
            consumer: Consumer::with_client(client.clone())?,
            client,
            group_id,
            shared,
            events,
            leave: Some(leave),
            auto_commit: auto_commit.then_some(interval),
            last_commit: Instant::now(),
            committed: HashMap::new(),
            listener: None,
            interceptors: Vec::new(),
        })
    }

    /// Sets the rebalance listener.
    pub fn set_listener(&mut self, listener: Box<dyn RebalanceListener>) {
        self.listener = Some(listener);
    }

    /// Adds an interceptor (on consume and on commit).
    pub fn add_interceptor(&mut self, interceptor: Arc<dyn ConsumerInterceptor>) {
        self.consumer.add_interceptor(interceptor.clone());
        self.interceptors.push(interceptor);
    }

    /// The group id.
    pub fn group_id(&self) -> &str {
        &self.group_id
    }

    /// The member id the coordinator gave this member ("" before the first join).
    pub fn member_id(&self) -> String {
        self.lock().identity.member_id.clone()
    }

    /// The partitions this member owns now.
    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.consumer.assignment()
    }

    /// The underlying assignment-mode consumer (positions, seeks, high watermarks).
    pub fn consumer(&mut self) -> &mut Consumer {
        &mut self.consumer
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SharedState> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Returns records of the owned partitions, applying rebalances as they happen.
    pub async fn poll(&mut self, timeout: Duration) -> Result<Vec<ConsumerRecord>> {
        let deadline = Instant::now() + timeout;
        loop {
            while let Ok(event) = self.events.try_recv() {
                self.apply(event).await?;
            }
            self.maybe_auto_commit().await;
            let remaining = deadline.saturating_duration_since(Instant::now());
            if self.consumer.assignment().is_empty() {
                // Nothing to read until the group gives us something.
                match tokio::time::timeout(remaining, self.events.recv()).await {
                    Ok(Some(event)) => {
                        self.apply(event).await?;
                        continue;
                    }
                    Ok(None) => return Err(Error::Message("the group membership ended".into())),
                    Err(_) => return Ok(Vec::new()),
                }
            }
            let consumer = &mut self.consumer;
            let events = &mut self.events;
            tokio::select! {
                biased;
                event = events.recv() => match event {
                    Some(event) => {
                        self.apply(event).await?;
                        continue;
                    }
                    None => return Err(Error::Message("the group membership ended".into())),
                },
                records = consumer.poll(remaining) => {
                    let records = records?;
                    if !records.is_empty() || Instant::now() >= deadline {
                        return Ok(records);
                    }
                }
            }
        }
    }

    async fn apply(&mut self, event: GroupEvent) -> Result<()> {
        match event {
            GroupEvent::Revoke {
                partitions,
                lost,
                ack,
            } => {
                if !lost && self.auto_commit.is_some() {
                    let positions = self.positions_of(&partitions);
                    if let Err(e) = self.commit(&positions).await {
                        tracing::warn!("offset commit before revoking partitions failed: {e}");
                    }
                }
                if let Some(l) = self.listener.as_mut() {
                    if lost {
                        l.on_partitions_lost(&partitions);
                    } else {
                        l.on_partitions_revoked(&partitions);
                    }
                }
                let keep: Vec<TopicPartition> = self
                    .consumer
                    .assignment()
                    .into_iter()
                    .filter(|tp| !partitions.contains(tp))
                    .collect();
                self.consumer.assign(&keep);
                for tp in &partitions {
                    self.committed.remove(tp);
                }
                let _ = ack.send(());
            }
            GroupEvent::Assigned { partitions } => {
                let current = self.consumer.assignment();
                let added: Vec<TopicPartition> = partitions
                    .iter()
                    .filter(|tp| !current.contains(tp))
                    .cloned()
                    .collect();
                self.consumer.assign(&partitions);
                if !added.is_empty() {
                    let coordinator = self.coordinator().await?;
                    let committed =
                        fetch_offsets(&self.client, coordinator, &self.group_id, Some(&added))
                            .await?;
                    for tp in &added {
                        if let Some(c) = committed.get(tp) {
                            self.consumer.seek(tp, c.offset)?;
                            self.committed.insert(tp.clone(), c.offset);
                        }
                    }
                }
                if let Some(l) = self.listener.as_mut() {
                    l.on_partitions_assigned(&added);
                }
            }
            GroupEvent::Fatal(e) => return Err(e),
        }
        Ok(())
    }

    async fn coordinator(&mut self) -> Result<i32> {
        if let Some(c) = self.lock().coordinator {
            return Ok(c);
        }
        let node = protocol::find_coordinator(&self.client, &self.group_id).await?;
        self.lock().coordinator = Some(node);
        Ok(node)
    }

    fn positions_of(&self, partitions: &[TopicPartition]) -> HashMap<TopicPartition, i64> {
        self.consumer
            .positions()
            .into_iter()
            .filter(|(tp, _)| partitions.contains(tp))
            .collect()
    }

    async fn maybe_auto_commit(&mut self) {
        let Some(interval) = self.auto_commit else {
            return;
        };
        if self.last_commit.elapsed() < interval {
            return;
        }
        self.last_commit = Instant::now();
        let positions = self.consumer.positions();
        if let Err(e) = self.commit(&positions).await {
            tracing::warn!("auto-commit of offsets failed: {e}");
        }
    }

    /// Commits what changed since the last commit.
    async fn commit(&mut self, offsets: &HashMap<TopicPartition, i64>) -> Result<()> {
        let changed: HashMap<TopicPartition, i64> = offsets
            .iter()
            .filter(|(tp, o)| self.committed.get(*tp) != Some(*o))
            .map(|(tp, o)| (tp.clone(), *o))
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        let coordinator = self.coordinator().await?;
        let identity = self.lock().identity.clone();
        let result = commit_offsets(
            &self.client,
            coordinator,
            &self.group_id,
            &identity,
            &changed,
        )
        .await;
        if result.is_err() {
            // The coordinator may have moved; look it up again next time.
            self.lock().coordinator = None;
        }
        result?;
        for i in &self.interceptors {
            i.on_commit(&changed);
        }
        self.committed.extend(changed);
        Ok(())
    }

    /// Commits the current positions of every owned partition.
    pub async fn commit_sync(&mut self) -> Result<()> {
        let positions = self.consumer.positions();
        self.commit(&positions).await
    }

    /// Commits explicit offsets (`tp -> next offset to read`).
    pub async fn commit_offsets(&mut self, offsets: &HashMap<TopicPartition, i64>) -> Result<()> {
        self.commit(offsets).await
    }

    /// Commits (with auto-commit on), leaves the group, and stops the membership task.
    pub async fn close(mut self) -> Result<()> {
        let mut result = Ok(());
        if self.auto_commit.is_some() {
            result = self.commit_sync().await;
        }
        if let Some(leave) = self.leave.take() {
            let (done_tx, done_rx) = oneshot::channel();
            if leave.send(done_tx).is_ok() {
                let _ = tokio::time::timeout(self.client.request_timeout(), done_rx).await;
            }
        }
        result
    }
}

fn millis(value: Option<&str>, default: u64) -> Result<Duration> {
    match value {
        None => Ok(Duration::from_millis(default)),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| {
                Error::Message(format!("Invalid value {v}: not a number of milliseconds"))
            }),
    }
}
