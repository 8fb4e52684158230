//! The membership task: find the coordinator, join, sync, heartbeat, rejoin when told to.
//!
//! It runs apart from `poll` so heartbeats keep flowing while the user works on records.
//! Errors follow Kafka's rules: MEMBER_ID_REQUIRED retries with the id the coordinator gave;
//! UNKNOWN_MEMBER_ID and ILLEGAL_GENERATION mean the member was fenced (its partitions are
//! lost, it rejoins afresh); REBALANCE_IN_PROGRESS means rejoin; NOT_COORDINATOR and
//! COORDINATOR_NOT_AVAILABLE mean look the coordinator up again; FENCED_INSTANCE_ID and
//! configuration errors end the membership.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    GroupId, HeartbeatRequest, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest,
    SyncGroupRequest,
};
use kafka_protocol::protocol::StrBytes;
use tokio::sync::{mpsc, oneshot};

use super::assignor::{Assignor, MemberSubscription, RebalanceProtocol, TopicPartition};
use super::protocol::GROUP_VERSION_CAPS;
use super::protocol::{
    decode_assignment, decode_subscription, encode_assignment, encode_subscription,
    find_coordinator,
};
use super::{GroupEvent, SharedState, Subscription};
use crate::client::cluster::Client;
use crate::protocol::ResponseError;
use crate::{Error, Result};

pub(super) struct MembershipConfig {
    pub group_id: String,
    pub group_instance_id: Option<String>,
    pub session_timeout: Duration,
    pub rebalance_timeout: Duration,
    pub heartbeat_interval: Duration,
    pub retry_backoff: Duration,
    pub metadata_max_age: Duration,
    pub assignors: Vec<Assignor>,
    pub subscription: Subscription,
}

pub(super) struct Membership {
    client: Client,
    config: MembershipConfig,
    shared: Arc<Mutex<SharedState>>,
    events: mpsc::UnboundedSender<GroupEvent>,
    member_id: String,
    generation: i32,
    /// The protocol (assignor) of the current generation.
    protocol: Option<Assignor>,
    owned: Vec<TopicPartition>,
    /// Topics subscribed now (a pattern's matches change over time).
    topics: Vec<String>,
    /// Partition counts seen at the last join, to notice new partitions and topics.
    partition_counts: BTreeMap<String, usize>,
    coordinator: Option<i32>,
}

/// What ended a step of the loop when it did not succeed.
enum Step {
    Rejoin,
    FindCoordinator,
    Fatal(Error),
}

impl Membership {
    pub fn new(
        client: Client,
        config: MembershipConfig,
        shared: Arc<Mutex<SharedState>>,
        events: mpsc::UnboundedSender<GroupEvent>,
    ) -> Self {
        let topics = match &config.subscription {
            Subscription::Topics(t) => t.clone(),
            Subscription::Pattern(_) => Vec::new(),
        };
        Membership {
            client,
            config,
            shared,
            events,
            member_id: String::new(),
            generation: -1,
            protocol: None,
            owned: Vec::new(),
            topics,
            partition_counts: BTreeMap::new(),
            coordinator: None,
        }
    }

    fn publish_identity(&self) {
        let mut s = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        s.identity.member_id = self.member_id.clone();
        s.identity.generation = self.generation;
        s.coordinator = self.coordinator;
    }

    pub async fn run(mut self, mut leave: oneshot::Receiver<oneshot::Sender<()>>) {
        let mut need_join = true;
        let mut next_heartbeat = Instant::now();
        let mut next_metadata_check = Instant::now();
        loop {
            // A close request wins over everything else.
            if let Ok(done) = leave.try_recv() {
                self.leave_group().await;
                let _ = done.send(());
                return;
            }
            if self.events.is_closed() {
                // The consumer was dropped without close: leave quietly.
                self.leave_group().await;
                return;
            }
            if self.coordinator.is_none() {
                match find_coordinator(&self.client, &self.config.group_id).await {
                    Ok(node) => {
                        self.coordinator = Some(node);
                        self.publish_identity();
                    }
                    Err(e) => {
                        tracing::debug!("group {}: no coordinator yet: {e}", self.config.group_id);
                        if self
                            .wait_or_leave(self.config.retry_backoff, &mut leave)
                            .await
                        {
                            return;
                        }
                        continue;
                    }
                }
            }
            if Instant::now() >= next_metadata_check {
                next_metadata_check =
                    Instant::now() + self.config.metadata_max_age.min(Duration::from_secs(5));
                if self.subscription_changed().await {
                    need_join = true;
                }
            }
            if need_join {
                match self.join_and_sync().await {
                    Ok(rejoin) => {
                        need_join = rejoin;
                        next_heartbeat = Instant::now() + self.config.heartbeat_interval;
                    }
                    Err(step) => {
                        tracing::debug!("group {}: join failed", self.config.group_id);
                        if self.handle_step(step).await {
                            return;
                        }
                        if self
                            .wait_or_leave(self.config.retry_backoff, &mut leave)
                            .await
                        {
                            return;
                        }
                    }
                }
                continue;
            }
            let wait = next_heartbeat.saturating_duration_since(Instant::now());
            tokio::select! {
                done = &mut leave => {
                    self.leave_group().await;
                    if let Ok(done) = done {
                        let _ = done.send(());
                    }
                    return;
                }
                _ = tokio::time::sleep(wait) => {}
            }
            next_heartbeat = Instant::now() + self.config.heartbeat_interval;
            if let Err(step) = self.heartbeat().await {
                if self.handle_step(step).await {
                    return;
                }
                need_join = true;
            }
        }
    }

    /// Sleeps, unless a leave request arrives first (then leaves and returns true).
    async fn wait_or_leave(
        &mut self,
        wait: Duration,
        leave: &mut oneshot::Receiver<oneshot::Sender<()>>,
    ) -> bool {
        tokio::select! {
            done = leave => {
                self.leave_group().await;
                if let Ok(done) = done {
                    let _ = done.send(());
                }
                true
            }
            _ = tokio::time::sleep(wait) => false,
        }
    }

    /// Applies a failed step; true when the membership must end.
    async fn handle_step(&mut self, step: Step) -> bool {
        match step {
            Step::Rejoin => false,
            Step::FindCoordinator => {
                self.coordinator = None;
                self.publish_identity();
                false
            }
            Step::Fatal(e) => {
                let _ = self.events.send(GroupEvent::Fatal(e));
                true
            }
        }
    }

    /// Classifies a coordinator error code.
    fn step_for(&mut self, code: i16, what: &str) -> Step {
        tracing::debug!(
            "group {}: {what} answered error {code}",
            self.config.group_id
        );
        match ResponseError::try_from_code(code) {
            Some(
                ResponseError::NotCoordinator
                | ResponseError::CoordinatorNotAvailable
                | ResponseError::CoordinatorLoadInProgress,
            ) => Step::FindCoordinator,
            Some(ResponseError::RebalanceInProgress) => Step::Rejoin,
            Some(ResponseError::UnknownMemberId) => {
                self.member_id.clear();
                self.generation = -1;
                self.publish_identity();
                Step::Rejoin
            }
            Some(ResponseError::IllegalGeneration) => {
                self.generation = -1;
                self.publish_identity();
                Step::Rejoin
            }
            _ => Step::Fatal(
                Error::from_code(
                    code,
                    Some(format!("{what} in group {}", self.config.group_id)),
                )
                .unwrap_or_else(|| Error::Message(format!("{what} failed"))),
            ),
        }
    }

    /// Tells the consumer to give up partitions and waits until it has (bounded by the
    /// rebalance timeout, as Kafka bounds a member's time to rejoin).
    async fn revoke(&mut self, partitions: Vec<TopicPartition>, lost: bool) {
        if partitions.is_empty() {
            return;
        }
        let (ack, done) = oneshot::channel();
        if self
            .events
            .send(GroupEvent::Revoke {
                partitions: partitions.clone(),
                lost,
                ack,
            })
            .is_ok()
        {
            let _ = tokio::time::timeout(self.config.rebalance_timeout, done).await;
        }
        self.owned.retain(|tp| !partitions.contains(tp));
    }

    /// For pattern subscriptions: the topics matching now. For all: whether partition counts
    /// moved since the last join (new partitions must be assigned).
    async fn subscription_changed(&mut self) -> bool {
        if let Subscription::Pattern(pattern) = &self.config.subscription {
            let Ok(metadata) = self.client.refresh_metadata(None, false).await else {
                return false;
            };
            let mut matched: Vec<String> = metadata
                .topics
                .values()
                .filter(|t| !t.is_internal && t.error_code == 0)
                .filter(|t| {
                    pattern
                        .find(&t.name)
                        .is_some_and(|m| m.start() == 0 && m.end() == t.name.len())
                })
                .map(|t| t.name.clone())
                .collect();
            matched.sort();
            if matched != self.topics {
                self.topics = matched;
                return true;
            }
        }
        if self.topics.is_empty() || self.generation < 0 {
            return false;
        }
        let Ok(metadata) = self
            .client
            .refresh_metadata(Some(&self.topics), false)
            .await
        else {
            return false;
        };
        let counts: BTreeMap<String, usize> = self
            .topics
            .iter()
            .filter_map(|t| metadata.partition_count(t).map(|n| (t.clone(), n)))
            .collect();
        counts != self.partition_counts
    }

    /// One JoinGroup + SyncGroup round. `Ok(true)` asks for another round at once
    /// (cooperative: partitions were revoked and must be handed over).
    async fn join_and_sync(&mut self) -> Result<bool, Step> {
        let Some(coordinator) = self.coordinator else {
            return Err(Step::FindCoordinator);
        };
        // Java's rule: cooperative only when every configured assignor is cooperative.
        let eager = self
            .config
            .assignors
            .iter()
            .any(|a| a.protocol() == RebalanceProtocol::Eager);
        if eager {
            let owned = std::mem::take(&mut self.owned);
            self.revoke(owned, false).await;
        }
        let join = self.join(coordinator).await?;
        self.member_id = join.member_id.to_string();
        self.generation = join.generation_id;
        self.publish_identity();
        let protocol_name = join
            .protocol_name
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default();
        let assignor = Assignor::parse(&protocol_name).ok_or_else(|| {
            Step::Fatal(Error::Message(format!(
                "the group chose assignor {protocol_name:?}, which kbox does not know"
            )))
        })?;
        self.protocol = Some(assignor);
        let assignments = if join.leader == join.member_id && !join.skip_assignment {
            self.lead(assignor, &join).await?
        } else {
            Vec::new()
        };
        let conn = self.client.connection(coordinator).await.map_err(|e| {
            tracing::debug!("group request failed: {e}");
            Step::FindCoordinator
        })?;
        let version = conn
            .version_capped::<SyncGroupRequest>(GROUP_VERSION_CAPS.sync_group)
            .map_err(Step::Fatal)?;
        let mut sync = SyncGroupRequest::default();
        sync.group_id = GroupId(StrBytes::from_string(self.config.group_id.clone()));
        sync.generation_id = self.generation;
        sync.member_id = join.member_id.clone();
        if version >= 3 {
            sync.group_instance_id = self
                .config
                .group_instance_id
                .clone()
                .map(StrBytes::from_string);
        }
        if version >= 5 {
            sync.protocol_type = Some(StrBytes::from_static_str("consumer"));
            sync.protocol_name = join.protocol_name.clone();
        }
        sync.assignments = assignments;
        let response = conn
            .send_at(
                &sync,
                version,
                self.config.rebalance_timeout + Duration::from_secs(5),
            )
            .await
            .map_err(|e| {
                tracing::debug!("group request failed: {e}");
                Step::FindCoordinator
            })?;
        if response.error_code != 0 {
            return Err(self.step_for(response.error_code, "SyncGroup"));
        }
        let assigned = decode_assignment(response.assignment).map_err(Step::Fatal)?;
        if let Ok(metadata) = self
            .client
            .refresh_metadata(Some(&self.topics), false)
            .await
        {
            self.partition_counts = self
                .topics
                .iter()
                .filter_map(|t| metadata.partition_count(t).map(|n| (t.clone(), n)))
                .collect();
        }
        let revoked: Vec<TopicPartition> = self
            .owned
            .iter()
            .filter(|tp| !assigned.contains(tp))
            .cloned()
            .collect();
        let rejoin = !revoked.is_empty();
        self.revoke(revoked, false).await;
        self.owned = assigned.clone();
        let _ = self.events.send(GroupEvent::Assigned {
            partitions: assigned,
        });
        Ok(rejoin)
    }

    async fn join(&mut self, coordinator: i32) -> Result<JoinGroupResponse, Step> {
        for _ in 0..3 {
            let conn = self.client.connection(coordinator).await.map_err(|e| {
                tracing::debug!("group request failed: {e}");
                Step::FindCoordinator
            })?;
            let version = conn
                .version_capped::<JoinGroupRequest>(GROUP_VERSION_CAPS.join_group)
                .map_err(Step::Fatal)?;
            let metadata = encode_subscription(&self.topics, &self.owned, self.generation)
                .map_err(Step::Fatal)?;
            let mut request = JoinGroupRequest::default();
            request.group_id = GroupId(StrBytes::from_string(self.config.group_id.clone()));
            request.session_timeout_ms = self.config.session_timeout.as_millis() as i32;
            request.rebalance_timeout_ms = self.config.rebalance_timeout.as_millis() as i32;
            request.member_id = StrBytes::from_string(self.member_id.clone());
            if version >= 5 {
                request.group_instance_id = self
                    .config
                    .group_instance_id
                    .clone()
                    .map(StrBytes::from_string);
            }
            request.protocol_type = StrBytes::from_static_str("consumer");
            request.protocols = self
                .config
                .assignors
                .iter()
                .map(|a| {
                    let mut p = JoinGroupRequestProtocol::default();
                    p.name = StrBytes::from_static_str(a.name());
                    p.metadata = metadata.clone();
                    p
                })
                .collect();
            let response = conn
                .send_at(
                    &request,
                    version,
                    self.config.rebalance_timeout + Duration::from_secs(5),
                )
                .await
                .map_err(|e| {
                    tracing::debug!("group request failed: {e}");
                    Step::FindCoordinator
                })?;
            match ResponseError::try_from_code(response.error_code) {
                None => return Ok(response),
                Some(ResponseError::MemberIdRequired) => {
                    // KIP-394: the coordinator names our id; join again with it at once.
                    self.member_id = response.member_id.to_string();
                    continue;
                }
                Some(_) => return Err(self.step_for(response.error_code, "JoinGroup")),
            }
        }
        Err(Step::Rejoin)
    }

    /// As the leader: decode every member's subscription and compute the assignment.
    async fn lead(
        &mut self,
        assignor: Assignor,
        join: &JoinGroupResponse,
    ) -> Result<Vec<SyncGroupRequestAssignment>, Step> {
        let members: Vec<MemberSubscription> = join
            .members
            .iter()
            .map(|m| {
                decode_subscription(
                    &m.member_id,
                    m.group_instance_id.as_ref().map(|i| i.to_string()),
                    m.metadata.clone(),
                )
            })
            .collect::<Result<_>>()
            .map_err(Step::Fatal)?;
        let all_topics: Vec<String> = members
            .iter()
            .flat_map(|m| m.topics.iter().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let metadata = self
            .client
            .refresh_metadata(Some(&all_topics), false)
            .await
            .map_err(|_| Step::Rejoin)?;
        let counts: BTreeMap<String, i32> = all_topics
            .iter()
            .filter_map(|t| metadata.partition_count(t).map(|n| (t.clone(), n as i32)))
            .collect();
        let plan = assignor.assign(&counts, &members);
        plan.into_iter()
            .map(|(member, parts)| {
                let mut a = SyncGroupRequestAssignment::default();
                a.member_id = StrBytes::from_string(member);
                a.assignment = encode_assignment(&parts).map_err(Step::Fatal)?;
                Ok(a)
            })
            .collect()
    }

    async fn heartbeat(&mut self) -> Result<(), Step> {
        let Some(coordinator) = self.coordinator else {
            return Err(Step::FindCoordinator);
        };
        let conn = self.client.connection(coordinator).await.map_err(|e| {
            tracing::debug!("group request failed: {e}");
            Step::FindCoordinator
        })?;
        let version = conn
            .version_capped::<HeartbeatRequest>(GROUP_VERSION_CAPS.heartbeat)
            .map_err(Step::Fatal)?;
        let mut request = HeartbeatRequest::default();
        request.group_id = GroupId(StrBytes::from_string(self.config.group_id.clone()));
        request.generation_id = self.generation;
        request.member_id = StrBytes::from_string(self.member_id.clone());
        if version >= 3 {
            request.group_instance_id = self
                .config
                .group_instance_id
                .clone()
                .map(StrBytes::from_string);
        }
        let response = conn
            .send_at(&request, version, self.config.session_timeout)
            .await
            .map_err(|e| {
                tracing::debug!("group request failed: {e}");
                Step::FindCoordinator
            })?;
        if response.error_code == 0 {
            return Ok(());
        }
        let fenced = matches!(
            ResponseError::try_from_code(response.error_code),
            Some(ResponseError::UnknownMemberId | ResponseError::IllegalGeneration)
        );
        let step = self.step_for(response.error_code, "Heartbeat");
        if fenced {
            // Our generation is gone: the partitions are lost, not revoked (no commit).
            let owned = std::mem::take(&mut self.owned);
            self.revoke(owned, true).await;
        }
        Err(step)
    }

    /// LeaveGroup, as Java does on close (static members stay, so a restart is no rebalance).
    async fn leave_group(&mut self) {
        if self.member_id.is_empty() || self.config.group_instance_id.is_some() {
            return;
        }
        let Some(coordinator) = self.coordinator else {
            return;
        };
        let Ok(conn) = self.client.connection(coordinator).await else {
            return;
        };
        let Ok(version) = conn.version_capped::<LeaveGroupRequest>(GROUP_VERSION_CAPS.leave_group)
        else {
            return;
        };
        let mut request = LeaveGroupRequest::default();
        request.group_id = GroupId(StrBytes::from_string(self.config.group_id.clone()));
        if version >= 3 {
            let mut m = MemberIdentity::default();
            m.member_id = StrBytes::from_string(self.member_id.clone());
            if version >= 5 {
                m.reason = Some(StrBytes::from_static_str("the consumer is being closed"));
            }
            request.members = vec![m];
        } else {
            request.member_id = StrBytes::from_string(self.member_id.clone());
        }
        if let Err(e) = conn
            .send_at(&request, version, self.client.request_timeout())
            .await
        {
            tracing::debug!("LeaveGroup failed: {e}");
        }
    }
}
