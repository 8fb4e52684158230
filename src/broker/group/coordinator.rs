//! The classic group coordinator: Kafka's state machine for consumer groups.
//!
//! States: Empty -> PreparingRebalance -> CompletingRebalance -> Stable, and back to
//! PreparingRebalance whenever membership changes. A JoinGroup that must wait for the rest of
//! the group gets a oneshot it awaits outside the lock; the rebalance completes when every
//! member has rejoined or when the rebalance timeout passes (stragglers are removed). The
//! leader's SyncGroup hands every member its assignment. Heartbeats keep members alive;
//! `tick` expires the silent ones.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use indexmap::IndexMap;
use tokio::sync::oneshot;

use super::records::{GroupValue, OffsetValue, StoredMember};
use crate::protocol::ResponseError;

/// Kafka's group states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

impl GroupState {
    /// The names DescribeGroups and ListGroups use.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }
}

/// Coordinator settings, from the broker's config.
#[derive(Debug, Clone)]
pub struct Settings {
    pub initial_rebalance_delay: Duration,
    pub min_session_timeout_ms: i32,
    pub max_session_timeout_ms: i32,
    pub max_size: usize,
    pub offset_metadata_max_bytes: usize,
    pub offsets_retention: Duration,
}

#[derive(Debug)]
pub(crate) struct Member {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub session_timeout: Duration,
    pub rebalance_timeout: Duration,
    pub protocols: Vec<(String, Bytes)>,
    pub assignment: Bytes,
    pub last_heartbeat: Instant,
    /// Rejoined during the current PreparingRebalance.
    pub joined: bool,
    join_waiter: Option<oneshot::Sender<JoinResult>>,
    sync_waiter: Option<oneshot::Sender<SyncResult>>,
}

impl Member {
    fn metadata_for(&self, protocol: &str) -> Bytes {
        self.protocols
            .iter()
            .find(|(n, _)| n == protocol)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }
}

/// A committed offset in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedOffset {
    pub offset: i64,
    pub leader_epoch: i32,
    pub metadata: String,
    pub commit_timestamp: i64,
}

#[derive(Debug)]
pub(crate) struct Group {
    pub id: String,
    pub state: GroupState,
    pub generation: i32,
    pub protocol_type: Option<String>,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    pub members: IndexMap<String, Member>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, not joined yet, and when.
    pending: HashMap<String, Instant>,
    /// group.instance.id -> member id.
    statics: HashMap<String, String>,
    pub offsets: HashMap<(String, i32), CommittedOffset>,
    /// When a rebalance must end whatever happens.
    rebalance_deadline: Option<Instant>,
    /// Not before this (group.initial.rebalance.delay.ms for a new group).
    join_not_before: Option<Instant>,
    /// When CompletingRebalance began (the leader must sync within the rebalance timeout).
    completing_since: Option<Instant>,
    pub state_timestamp: i64,
}

impl Group {
    fn new(id: &str) -> Group {
        Group {
            id: id.to_string(),
            state: GroupState::Empty,
            generation: 0,
            protocol_type: None,
            protocol: None,
            leader: None,
            members: IndexMap::new(),
            pending: HashMap::new(),
            statics: HashMap::new(),
            offsets: HashMap::new(),
            rebalance_deadline: None,
            join_not_before: None,
            completing_since: None,
            state_timestamp: crate::broker::now_ms(),
        }
    }

    fn set_state(&mut self, state: GroupState) {
        self.state = state;
        self.state_timestamp = crate::broker::now_ms();
    }

    fn max_rebalance_timeout(&self) -> Duration {
        self.members
            .values()
            .map(|m| m.rebalance_timeout)
            .max()
            .unwrap_or(Duration::from_secs(60))
    }

    /// The protocol every member supports that most members prefer (Kafka's vote).
    fn select_protocol(&self) -> Option<String> {
        let mut candidates: Option<HashSet<&str>> = None;
        for m in self.members.values() {
            let names: HashSet<&str> = m.protocols.iter().map(|(n, _)| n.as_str()).collect();
            candidates = Some(match candidates {
                None => names,
                Some(c) => c.intersection(&names).copied().collect(),
            });
        }
        let candidates = candidates?;
        let mut votes: IndexMap<&str, usize> = IndexMap::new();
        for m in self.members.values() {
            if let Some((n, _)) = m
                .protocols
                .iter()
                .find(|(n, _)| candidates.contains(n.as_str()))
            {
                *votes.entry(n.as_str()).or_default() += 1;
            }
        }
        votes
            .iter()
            .max_by_key(|(_, v)| **v)
            .map(|(n, _)| n.to_string())
    }

    /// Whether a new member's protocols fit the group's.
    fn supports(&self, protocol_type: &str, protocols: &[(String, Bytes)]) -> bool {
        if self.members.is_empty() {
            return !protocol_type.is_empty() && !protocols.is_empty();
        }
        if self.protocol_type.as_deref() != Some(protocol_type) {
            return false;
        }
        // Some protocol must be supported by every member including the new one.
        protocols.iter().any(|(name, _)| {
            self.members
                .values()
                .all(|m| m.protocols.iter().any(|(n, _)| n == name))
        })
    }

    pub fn snapshot(&self) -> GroupValue {
        let protocol = self.protocol.clone().unwrap_or_default();
        GroupValue {
            protocol_type: self.protocol_type.clone().unwrap_or_default(),
            generation: self.generation,
            protocol: self.protocol.clone(),
            leader: self.leader.clone(),
            state_timestamp: self.state_timestamp,
            members: self
                .members
                .values()
                .map(|m| StoredMember {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.instance_id.clone(),
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    rebalance_timeout: m.rebalance_timeout.as_millis() as i32,
                    session_timeout: m.session_timeout.as_millis() as i32,
                    subscription: m.metadata_for(&protocol),
                    assignment: m.assignment.clone(),
                })
                .collect(),
        }
    }
}

/// What JoinGroup answers.
#[derive(Debug, Clone, Default)]
pub struct JoinResult {
    pub error: Option<ResponseError>,
    pub generation: i32,
    pub protocol_type: Option<String>,
    pub protocol: Option<String>,
    pub leader: String,
    pub member_id: String,
    /// Only for the leader: every member's id, instance id and metadata.
    pub members: Vec<(String, Option<String>, Bytes)>,
    pub skip_assignment: bool,
}

impl JoinResult {
    fn error(error: ResponseError, member_id: &str) -> JoinResult {
        JoinResult {
            error: Some(error),
            generation: -1,
            member_id: member_id.to_string(),
            ..Default::default()
        }
    }
}

/// What SyncGroup answers.
#[derive(Debug, Clone, Default)]
pub struct SyncResult {
    pub error: Option<ResponseError>,
    pub protocol_type: Option<String>,
    pub protocol: Option<String>,
    pub assignment: Bytes,
}

impl SyncResult {
    fn error(error: ResponseError) -> SyncResult {
        SyncResult {
            error: Some(error),
            ..Default::default()
        }
    }
}

/// An answer now, or one to wait for.
pub enum Pending<T> {
    Ready(T),
    Wait(oneshot::Receiver<T>),
}

/// A JoinGroup, decoded.
#[derive(Debug, Clone)]
pub struct JoinRequest {
    pub group_id: String,
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub session_timeout_ms: i32,
    pub rebalance_timeout_ms: i32,
    pub protocol_type: String,
    pub protocols: Vec<(String, Bytes)>,
    /// JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED.
    pub require_known_member_id: bool,
}

/// A SyncGroup, decoded.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    pub group_id: String,
    pub generation: i32,
    pub member_id: String,
    pub instance_id: Option<String>,
    pub protocol_type: Option<String>,
    pub protocol: Option<String>,
    pub assignments: Vec<(String, Bytes)>,
}

/// The groups this coordinator owns.
#[derive(Debug)]
pub struct Coordinator {
    groups: Mutex<HashMap<String, Group>>,
    pub settings: Settings,
}

impl Coordinator {
    pub fn new(settings: Settings) -> Coordinator {
        Coordinator {
            groups: Mutex::new(HashMap::new()),
            settings,
        }
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Group>> {
        self.groups.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn join(&self, req: JoinRequest) -> Pending<JoinResult> {
        if req.group_id.is_empty() {
            return Pending::Ready(JoinResult::error(
                ResponseError::InvalidGroupId,
                &req.member_id,
            ));
        }
        if req.session_timeout_ms < self.settings.min_session_timeout_ms
            || req.session_timeout_ms > self.settings.max_session_timeout_ms
        {
            return Pending::Ready(JoinResult::error(
                ResponseError::InvalidSessionTimeout,
                &req.member_id,
            ));
        }
        let mut groups = self.lock();
        let group = groups
            .entry(req.group_id.clone())
            .or_insert_with(|| Group::new(&req.group_id));
        if !group.supports(&req.protocol_type, &req.protocols) {
            return Pending::Ready(JoinResult::error(
                ResponseError::InconsistentGroupProtocol,
                &req.member_id,
            ));
        }
        let now = Instant::now();
        if req.member_id.is_empty() {
            if let Some(instance) = &req.instance_id {
                if let Some(old_id) = group.statics.get(instance).cloned() {
                    return self.rejoin_static(group, &old_id, req);
                }
            } else if req.require_known_member_id {
                let id = new_member_id(&req.client_id);
                group.pending.insert(id.clone(), now);
                return Pending::Ready(JoinResult::error(ResponseError::MemberIdRequired, &id));
            }
            if group.members.len() >= self.settings.max_size {
                return Pending::Ready(JoinResult::error(ResponseError::GroupMaxSizeReached, ""));
            }
            let id = new_member_id(&req.client_id);
            return self.add_and_wait(group, id, req, now);
        }
        if let Some(instance) = &req.instance_id {
            if group
                .statics
                .get(instance)
                .is_some_and(|m| *m != req.member_id)
            {
                return Pending::Ready(JoinResult::error(
                    ResponseError::FencedInstanceId,
                    &req.member_id,
                ));
            }
        }
        if group.pending.remove(&req.member_id).is_some() {
            if group.members.len() >= self.settings.max_size {
                return Pending::Ready(JoinResult::error(
                    ResponseError::GroupMaxSizeReached,
                    &req.member_id,
                ));
            }
            let id = req.member_id.clone();
            return self.add_and_wait(group, id, req, now);
        }
        let Some(member) = group.members.get_mut(&req.member_id) else {
            return Pending::Ready(JoinResult::error(
                ResponseError::UnknownMemberId,
                &req.member_id,
            ));
        };
        let changed = member.protocols != req.protocols;
        member.protocols = req.protocols.clone();
        member.session_timeout = Duration::from_millis(req.session_timeout_ms.max(0) as u64);
        member.rebalance_timeout = Duration::from_millis(req.rebalance_timeout_ms.max(0) as u64);
        member.last_heartbeat = now;
        let is_leader = group.leader.as_deref() == Some(req.member_id.as_str());
        match group.state {
            GroupState::CompletingRebalance | GroupState::Stable
                if !changed && (!is_leader || group.state != GroupState::Stable) =>
            {
                // The member lost our last answer: repeat the current generation.
                Pending::Ready(current_generation(group, &req.member_id))
            }
            _ => {
                let (tx, rx) = oneshot::channel();
                let member = group
                    .members
                    .get_mut(&req.member_id)
                    .expect("checked above");
                member.join_waiter = Some(tx);
                member.joined = true;
                self.prepare_rebalance(group, now);
                self.try_complete_join(group, now);
                Pending::Wait(rx)
            }
        }
    }

    fn add_and_wait(
        &self,
        group: &mut Group,
        id: String,
        req: JoinRequest,
        now: Instant,
    ) -> Pending<JoinResult> {
        let (tx, rx) = oneshot::channel();
        if group.members.is_empty() {
            group.protocol_type = Some(req.protocol_type.clone());
        }
        if let Some(instance) = &req.instance_id {
            group.statics.insert(instance.clone(), id.clone());
        }
        group.members.insert(
            id.clone(),
            Member {
                member_id: id,
                instance_id: req.instance_id.clone(),
                client_id: req.client_id.clone(),
                client_host: req.client_host.clone(),
                session_timeout: Duration::from_millis(req.session_timeout_ms.max(0) as u64),
                rebalance_timeout: Duration::from_millis(req.rebalance_timeout_ms.max(0) as u64),
                protocols: req.protocols.clone(),
                assignment: Bytes::new(),
                last_heartbeat: now,
                joined: true,
                join_waiter: Some(tx),
                sync_waiter: None,
            },
        );
        self.prepare_rebalance(group, now);
        self.try_complete_join(group, now);
        Pending::Wait(rx)
    }

    /// A static member came back with a new connection: it takes over its old id's place.
    fn rejoin_static(
        &self,
        group: &mut Group,
        old_id: &str,
        req: JoinRequest,
    ) -> Pending<JoinResult> {
        let now = Instant::now();
        let Some(mut member) = group.members.shift_remove(old_id) else {
            group
                .statics
                .remove(req.instance_id.as_deref().unwrap_or_default());
            return Pending::Ready(JoinResult::error(ResponseError::UnknownMemberId, ""));
        };
        let new_id = new_member_id(&req.client_id);
        // The old connection's waits end: it has been replaced.
        if let Some(w) = member.join_waiter.take() {
            let _ = w.send(JoinResult::error(ResponseError::FencedInstanceId, old_id));
        }
        if let Some(w) = member.sync_waiter.take() {
            let _ = w.send(SyncResult::error(ResponseError::FencedInstanceId));
        }
        let changed = member.protocols != req.protocols;
        member.member_id = new_id.clone();
        member.protocols = req.protocols.clone();
        member.client_id = req.client_id.clone();
        member.client_host = req.client_host.clone();
        member.last_heartbeat = now;
        group.members.insert(new_id.clone(), member);
        if let Some(instance) = &req.instance_id {
            group.statics.insert(instance.clone(), new_id.clone());
        }
        if group.leader.as_deref() == Some(old_id) {
            group.leader = Some(new_id.clone());
        }
        if changed || group.state != GroupState::Stable {
            // Its subscription changed or a rebalance is on: it joins that rebalance.
            let (tx, rx) = oneshot::channel();
            let member = group.members.get_mut(&new_id).expect("just inserted");
            member.join_waiter = Some(tx);
            member.joined = true;
            self.prepare_rebalance(group, now);
            self.try_complete_join(group, now);
            return Pending::Wait(rx);
        }
        let mut result = current_generation(group, &new_id);
        if group.leader.as_deref() == Some(new_id.as_str()) {
            // The leader need not assign again (KIP-814): the group is unchanged.
            result.skip_assignment = true;
        }
        Pending::Ready(result)
    }

    /// Moves the group to PreparingRebalance (if it is not there) and sets its deadlines.
    fn prepare_rebalance(&self, group: &mut Group, now: Instant) {
        if group.state == GroupState::PreparingRebalance {
            return;
        }
        let was_empty = group.state == GroupState::Empty;
        // Waiting followers of the last generation learn there is a new one coming.
        for m in group.members.values_mut() {
            if let Some(w) = m.sync_waiter.take() {
                let _ = w.send(SyncResult::error(ResponseError::RebalanceInProgress));
            }
            if m.join_waiter.is_none() {
                m.joined = false;
            }
        }
        group.set_state(GroupState::PreparingRebalance);
        group.completing_since = None;
        let timeout = group.max_rebalance_timeout();
        group.rebalance_deadline = Some(now + timeout);
        group.join_not_before = if was_empty && !self.settings.initial_rebalance_delay.is_zero() {
            Some(now + self.settings.initial_rebalance_delay.min(timeout))
        } else {
            None
        };
    }

    /// Completes the join phase when everyone has rejoined (and the initial delay passed).
    fn try_complete_join(&self, group: &mut Group, now: Instant) {
        if group.state != GroupState::PreparingRebalance {
            return;
        }
        let all_joined = group.members.values().all(|m| m.joined) && group.pending.is_empty();
        let delay_over = group.join_not_before.is_none_or(|t| now >= t);
        let deadline_passed = group.rebalance_deadline.is_some_and(|t| now >= t);
        if (all_joined && delay_over) || deadline_passed {
            self.complete_join(group);
        }
    }

    fn complete_join(&self, group: &mut Group) {
        // Members that did not rejoin in time leave the group.
        let gone: Vec<String> = group
            .members
            .values()
            .filter(|m| !m.joined)
            .map(|m| m.member_id.clone())
            .collect();
        for id in gone {
            remove_member(group, &id);
        }
        group.pending.clear();
        group.rebalance_deadline = None;
        group.join_not_before = None;
        group.generation += 1;
        if group.members.is_empty() {
            group.protocol = None;
            group.leader = None;
            group.protocol_type = None;
            group.set_state(GroupState::Empty);
            return;
        }
        group.protocol = group.select_protocol();
        if group
            .leader
            .as_ref()
            .is_none_or(|l| !group.members.contains_key(l))
        {
            group.leader = group.members.keys().next().cloned();
        }
        group.set_state(GroupState::CompletingRebalance);
        group.completing_since = Some(Instant::now());
        let leader = group.leader.clone().unwrap_or_default();
        let protocol = group.protocol.clone().unwrap_or_default();
        let all: Vec<(String, Option<String>, Bytes)> = group
            .members
            .values()
            .map(|m| {
                (
                    m.member_id.clone(),
                    m.instance_id.clone(),
                    m.metadata_for(&protocol),
                )
            })
            .collect();
        let generation = group.generation;
        let protocol_type = group.protocol_type.clone();
        for m in group.members.values_mut() {
            m.joined = false;
            m.last_heartbeat = Instant::now();
            if let Some(w) = m.join_waiter.take() {
                let _ = w.send(JoinResult {
                    error: None,
                    generation,
                    protocol_type: protocol_type.clone(),
                    protocol: Some(protocol.clone()),
                    leader: leader.clone(),
                    member_id: m.member_id.clone(),
                    members: if m.member_id == leader {
                        all.clone()
                    } else {
                        Vec::new()
                    },
                    skip_assignment: false,
                });
            }
        }
    }

    /// SyncGroup. With the leader's assignments the group becomes Stable; the returned
    /// snapshot is to be persisted.
    pub fn sync(&self, req: SyncRequest) -> (Pending<SyncResult>, Option<GroupValue>) {
        let mut groups = self.lock();
        let Some(group) = groups.get_mut(&req.group_id) else {
            return (
                Pending::Ready(SyncResult::error(ResponseError::UnknownMemberId)),
                None,
            );
        };
        if let Some(e) = check_member(
            group,
            &req.member_id,
            req.instance_id.as_deref(),
            req.generation,
        ) {
            return (Pending::Ready(SyncResult::error(e)), None);
        }
        if req
            .protocol_type
            .as_ref()
            .is_some_and(|t| Some(t) != group.protocol_type.as_ref())
            || req
                .protocol
                .as_ref()
                .is_some_and(|p| Some(p) != group.protocol.as_ref())
        {
            return (
                Pending::Ready(SyncResult::error(ResponseError::InconsistentGroupProtocol)),
                None,
            );
        }
        let ok = |group: &Group, id: &str| SyncResult {
            error: None,
            protocol_type: group.protocol_type.clone(),
            protocol: group.protocol.clone(),
            assignment: group
                .members
                .get(id)
                .map(|m| m.assignment.clone())
                .unwrap_or_default(),
        };
        match group.state {
            GroupState::Empty | GroupState::Dead => (
                Pending::Ready(SyncResult::error(ResponseError::UnknownMemberId)),
                None,
            ),
            GroupState::PreparingRebalance => (
                Pending::Ready(SyncResult::error(ResponseError::RebalanceInProgress)),
                None,
            ),
            GroupState::Stable => (Pending::Ready(ok(group, &req.member_id)), None),
            GroupState::CompletingRebalance => {
                let (tx, rx) = oneshot::channel();
                if let Some(m) = group.members.get_mut(&req.member_id) {
                    m.sync_waiter = Some(tx);
                    m.last_heartbeat = Instant::now();
                }
                if group.leader.as_deref() != Some(req.member_id.as_str()) {
                    return (Pending::Wait(rx), None);
                }
                let given: HashMap<String, Bytes> = req.assignments.into_iter().collect();
                for m in group.members.values_mut() {
                    m.assignment = given.get(&m.member_id).cloned().unwrap_or_default();
                }
                group.set_state(GroupState::Stable);
                group.completing_since = None;
                let results: Vec<(String, SyncResult)> = group
                    .members
                    .keys()
                    .map(|id| (id.clone(), ok(group, id)))
                    .collect();
                for (id, result) in results {
                    if let Some(w) = group
                        .members
                        .get_mut(&id)
                        .and_then(|m| m.sync_waiter.take())
                    {
                        let _ = w.send(result);
                    }
                }
                (Pending::Wait(rx), Some(group.snapshot()))
            }
        }
    }

    /// Heartbeat: the member is alive; the answer says whether to rejoin.
    pub fn heartbeat(
        &self,
        group_id: &str,
        generation: i32,
        member_id: &str,
        instance_id: Option<&str>,
    ) -> Option<ResponseError> {
        let mut groups = self.lock();
        let Some(group) = groups.get_mut(group_id) else {
            return Some(ResponseError::UnknownMemberId);
        };
        if let Some(e) = check_member(group, member_id, instance_id, generation) {
            return Some(e);
        }
        if let Some(m) = group.members.get_mut(member_id) {
            m.last_heartbeat = Instant::now();
        }
        match group.state {
            GroupState::PreparingRebalance => Some(ResponseError::RebalanceInProgress),
            GroupState::Empty | GroupState::Dead => Some(ResponseError::UnknownMemberId),
            _ => None,
        }
    }

    /// LeaveGroup for some members; the error of each.
    pub fn leave(
        &self,
        group_id: &str,
        leaving: &[(String, Option<String>)],
    ) -> Result<Vec<Option<ResponseError>>, ResponseError> {
        let mut groups = self.lock();
        let Some(group) = groups.get_mut(group_id) else {
            return Err(ResponseError::UnknownMemberId);
        };
        let now = Instant::now();
        let mut results = Vec::new();
        let mut removed = false;
        for (member_id, instance_id) in leaving {
            // A static member may leave by instance id alone.
            let id = match (member_id.is_empty(), instance_id) {
                (true, Some(instance)) => group.statics.get(instance).cloned().unwrap_or_default(),
                _ => member_id.clone(),
            };
            if let Some(instance) = instance_id {
                if group.statics.get(instance).is_some_and(|m| *m != id) {
                    results.push(Some(ResponseError::FencedInstanceId));
                    continue;
                }
            }
            if group.pending.remove(&id).is_some() {
                results.push(None);
                continue;
            }
            if !group.members.contains_key(&id) {
                results.push(Some(ResponseError::UnknownMemberId));
                continue;
            }
            remove_member(group, &id);
            removed = true;
            results.push(None);
        }
        if removed {
            match group.state {
                GroupState::Stable | GroupState::CompletingRebalance => {
                    if group.members.is_empty() {
                        group.generation += 1;
                        group.protocol = None;
                        group.leader = None;
                        group.protocol_type = None;
                        group.set_state(GroupState::Empty);
                    } else {
                        self.prepare_rebalance(group, now);
                    }
                }
                GroupState::PreparingRebalance => self.try_complete_join(group, now),
                _ => {}
            }
        }
        Ok(results)
    }

    /// Checks whether an OffsetCommit may be applied; `Ok(())` means commit.
    pub fn check_commit(
        &self,
        group_id: &str,
        generation: i32,
        member_id: &str,
        instance_id: Option<&str>,
    ) -> Result<(), ResponseError> {
        let mut groups = self.lock();
        let group = match groups.get_mut(group_id) {
            Some(g) => g,
            None if generation < 0 => groups
                .entry(group_id.to_string())
                .or_insert_with(|| Group::new(group_id)),
            None => return Err(ResponseError::IllegalGeneration),
        };
        if generation < 0 && member_id.is_empty() {
            // A simple consumer (or an admin reset) commits for a group without members.
            return if group.members.is_empty() {
                Ok(())
            } else {
                Err(ResponseError::UnknownMemberId)
            };
        }
        if let Some(e) = check_member(group, member_id, instance_id, generation) {
            return Err(e);
        }
        if group.state == GroupState::CompletingRebalance {
            return Err(ResponseError::RebalanceInProgress);
        }
        if let Some(m) = group.members.get_mut(member_id) {
            m.last_heartbeat = Instant::now();
        }
        Ok(())
    }

    /// Records committed offsets in memory (after they were appended to the log).
    pub fn apply_offsets(
        &self,
        group_id: &str,
        offsets: Vec<((String, i32), Option<CommittedOffset>)>,
    ) {
        let mut groups = self.lock();
        let group = groups
            .entry(group_id.to_string())
            .or_insert_with(|| Group::new(group_id));
        for (tp, value) in offsets {
            match value {
                Some(v) => {
                    group.offsets.insert(tp, v);
                }
                None => {
                    group.offsets.remove(&tp);
                }
            }
        }
        if group.offsets.is_empty() && group.members.is_empty() && group.generation == 0 {
            groups.remove(group_id);
        }
    }

    /// Committed offsets of a group (all, or for the given partitions).
    pub fn offsets(&self, group_id: &str) -> HashMap<(String, i32), CommittedOffset> {
        self.lock()
            .get(group_id)
            .map(|g| g.offsets.clone())
            .unwrap_or_default()
    }

    /// `(group id, protocol type, state)` of every group.
    pub fn list(&self) -> Vec<(String, String, GroupState)> {
        let mut out: Vec<_> = self
            .lock()
            .values()
            .map(|g| {
                (
                    g.id.clone(),
                    g.protocol_type.clone().unwrap_or_else(|| "consumer".into()),
                    g.state,
                )
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Drops the groups `moved` selects (their partition's leadership moved away); members
    /// waiting in a join or sync are released and told to find the coordinator again.
    /// Returns how many were dropped.
    pub fn unload(&self, moved: impl Fn(&str) -> bool) -> usize {
        let mut groups = self.lock();
        let gone: Vec<String> = groups.keys().filter(|id| moved(id)).cloned().collect();
        for id in &gone {
            let Some(mut group) = groups.remove(id) else {
                continue;
            };
            for member in group.members.values_mut() {
                if let Some(tx) = member.join_waiter.take() {
                    let _ = tx.send(JoinResult::error(
                        ResponseError::NotCoordinator,
                        &member.member_id,
                    ));
                }
                if let Some(tx) = member.sync_waiter.take() {
                    let _ = tx.send(SyncResult {
                        error: Some(ResponseError::NotCoordinator),
                        ..Default::default()
                    });
                }
            }
        }
        gone.len()
    }

    /// Runs `f` on a group, if it exists.
    pub(crate) fn with_group<T>(&self, group_id: &str, f: impl FnOnce(&Group) -> T) -> Option<T> {
        self.lock().get(group_id).map(f)
    }

    /// Deletes an empty group; returns its offsets' keys for tombstones.
    pub fn delete(&self, group_id: &str) -> Result<Vec<(String, i32)>, ResponseError> {
        let mut groups = self.lock();
        let Some(group) = groups.get(group_id) else {
            return Err(ResponseError::GroupIdNotFound);
        };
        if !group.members.is_empty() || group.state != GroupState::Empty {
            return Err(ResponseError::NonEmptyGroup);
        }
        let keys = group.offsets.keys().cloned().collect();
        groups.remove(group_id);
        Ok(keys)
    }

    /// Topics the group's members subscribe to (OffsetDelete refuses those).
    pub fn subscribed_topics(&self, group_id: &str) -> Option<HashSet<String>> {
        self.with_group(group_id, |g| {
            let protocol = g.protocol.clone().unwrap_or_default();
            let mut topics = HashSet::new();
            if g.protocol_type.as_deref() == Some("consumer") {
                for m in g.members.values() {
                    if let Ok(s) = crate::client::group::protocol::decode_subscription(
                        &m.member_id,
                        None,
                        m.metadata_for(&protocol),
                    ) {
                        topics.extend(s.topics);
                    }
                }
            }
            topics
        })
    }

    /// Expires silent members, ends overdue rebalances and pending ids; returns the
    /// snapshots of groups whose membership changed (to persist).
    pub fn tick(&self) -> Vec<(String, GroupValue)> {
        let now = Instant::now();
        let mut groups = self.lock();
        let mut changed = Vec::new();
        for group in groups.values_mut() {
            let before = (group.generation, group.state);
            let expired: Vec<String> = group
                .members
                .values()
                .filter(|m| {
                    // A member waiting in JoinGroup or SyncGroup is alive by definition (as
                    // in Kafka): it cannot heartbeat until the leader's assignment arrives.
                    m.join_waiter.is_none()
                        && m.sync_waiter.is_none()
                        && now.duration_since(m.last_heartbeat) > m.session_timeout
                })
                .map(|m| m.member_id.clone())
                .collect();
            for id in &expired {
                tracing::info!(group = %group.id, member = %id, "member session expired");
                remove_member(group, id);
            }
            group
                .pending
                .retain(|_, at| now.duration_since(*at) < Duration::from_secs(300));
            if !expired.is_empty() {
                match group.state {
                    GroupState::Stable | GroupState::CompletingRebalance => {
                        if group.members.is_empty() {
                            group.generation += 1;
                            group.protocol = None;
                            group.leader = None;
                            group.protocol_type = None;
                            group.set_state(GroupState::Empty);
                        } else {
                            self.prepare_rebalance(group, now);
                        }
                    }
                    _ => {}
                }
            }
            if group.state == GroupState::CompletingRebalance
                && group
                    .completing_since
                    .is_some_and(|t| now.duration_since(t) > group.max_rebalance_timeout())
            {
                // The leader never synced: start over.
                self.prepare_rebalance(group, now);
            }
            self.try_complete_join(group, now);
            if (group.generation, group.state) != before {
                changed.push((group.id.clone(), group.snapshot()));
            }
        }
        changed
    }

    /// Offsets of empty groups older than `offsets.retention.minutes`, to delete.
    pub fn expired_offsets(&self, now_ms: i64) -> Vec<(String, Vec<(String, i32)>)> {
        let retention = self.settings.offsets_retention.as_millis() as i64;
        let groups = self.lock();
        groups
            .values()
            .filter(|g| g.state == GroupState::Empty)
            .filter_map(|g| {
                let old: Vec<(String, i32)> = g
                    .offsets
                    .iter()
                    .filter(|(_, o)| o.commit_timestamp.max(g.state_timestamp) + retention < now_ms)
                    .map(|(tp, _)| tp.clone())
                    .collect();
                (!old.is_empty()).then(|| (g.id.clone(), old))
            })
            .collect()
    }

    /// Restores a group snapshot read from the log at start-up (members are not restored:
    /// they rejoin, as after a coordinator move in Kafka).
    pub fn restore_group(&self, group_id: &str, value: Option<GroupValue>) {
        let mut groups = self.lock();
        match value {
            None => {
                if let Some(g) = groups.get_mut(group_id) {
                    g.generation = 0;
                    g.set_state(GroupState::Empty);
                }
            }
            Some(v) => {
                let g = groups
                    .entry(group_id.to_string())
                    .or_insert_with(|| Group::new(group_id));
                g.generation = v.generation;
                g.state_timestamp = v.state_timestamp;
            }
        }
    }

    /// Restores one offset read from the log at start-up.
    pub fn restore_offset(&self, group_id: &str, tp: (String, i32), value: Option<OffsetValue>) {
        self.apply_offsets(
            group_id,
            vec![(
                tp,
                value.map(|v| CommittedOffset {
                    offset: v.offset,
                    leader_epoch: v.leader_epoch,
                    metadata: v.metadata,
                    commit_timestamp: v.commit_timestamp,
                }),
            )],
        );
    }
}

fn current_generation(group: &Group, member_id: &str) -> JoinResult {
    let protocol = group.protocol.clone().unwrap_or_default();
    let leader = group.leader.clone().unwrap_or_default();
    JoinResult {
        error: None,
        generation: group.generation,
        protocol_type: group.protocol_type.clone(),
        protocol: group.protocol.clone(),
        members: if leader == member_id {
            group
                .members
                .values()
                .map(|m| {
                    (
                        m.member_id.clone(),
                        m.instance_id.clone(),
                        m.metadata_for(&protocol),
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
        leader,
        member_id: member_id.to_string(),
        skip_assignment: false,
    }
}

/// The checks shared by SyncGroup, Heartbeat and OffsetCommit.
fn check_member(
    group: &Group,
    member_id: &str,
    instance_id: Option<&str>,
    generation: i32,
) -> Option<ResponseError> {
    if let Some(instance) = instance_id {
        if group.statics.get(instance).is_some_and(|m| m != member_id) {
            return Some(ResponseError::FencedInstanceId);
        }
    }
    if !group.members.contains_key(member_id) {
        return Some(ResponseError::UnknownMemberId);
    }
    if generation != group.generation {
        return Some(ResponseError::IllegalGeneration);
    }
    None
}

fn remove_member(group: &mut Group, member_id: &str) {
    if let Some(mut m) = group.members.shift_remove(member_id) {
        if let Some(instance) = &m.instance_id {
            if group
                .statics
                .get(instance)
                .is_some_and(|id| id == member_id)
            {
                group.statics.remove(instance);
            }
        }
        if let Some(w) = m.join_waiter.take() {
            let _ = w.send(JoinResult::error(ResponseError::UnknownMemberId, member_id));
        }
        if let Some(w) = m.sync_waiter.take() {
            let _ = w.send(SyncResult::error(ResponseError::UnknownMemberId));
        }
    }
    if group.leader.as_deref() == Some(member_id) {
        group.leader = None;
    }
}

fn new_member_id(client_id: &str) -> String {
    format!("{client_id}-{}", uuid::Uuid::new_v4())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            initial_rebalance_delay: Duration::ZERO,
            min_session_timeout_ms: 10,
            max_session_timeout_ms: 100_000,
            max_size: 100,
            offset_metadata_max_bytes: 4096,
            offsets_retention: Duration::from_secs(3600),
        }
    }

    fn join_req(member: &str) -> JoinRequest {
        JoinRequest {
            group_id: "g".into(),
            member_id: member.into(),
            instance_id: None,
            client_id: "c".into(),
            client_host: "/127.0.0.1".into(),
            session_timeout_ms: 10_000,
            rebalance_timeout_ms: 10_000,
            protocol_type: "consumer".into(),
            protocols: vec![("range".into(), Bytes::from_static(b"m"))],
            require_known_member_id: true,
        }
    }

    fn ready<T>(p: Pending<T>) -> T {
        match p {
            Pending::Ready(t) => t,
            Pending::Wait(mut rx) => rx.try_recv().expect("answer is ready"),
        }
    }

    #[test]
    fn join_sync_heartbeat_and_fencing() {
        let c = Coordinator::new(settings());
        let first = ready(c.join(join_req("")));
        assert_eq!(first.error, Some(ResponseError::MemberIdRequired));
        let id = first.member_id.clone();
        let joined = ready(c.join(join_req(&id)));
        assert_eq!(joined.error, None);
        assert_eq!(joined.generation, 1);
        assert_eq!(joined.leader, id);
        assert_eq!(joined.members.len(), 1);
        let (sync, snapshot) = c.sync(SyncRequest {
            group_id: "g".into(),
            generation: 1,
            member_id: id.clone(),
            instance_id: None,
            protocol_type: Some("consumer".into()),
            protocol: Some("range".into()),
            assignments: vec![(id.clone(), Bytes::from_static(b"a"))],
        });
        assert_eq!(ready(sync).assignment, Bytes::from_static(b"a"));
        assert_eq!(snapshot.unwrap().generation, 1);
        assert_eq!(c.heartbeat("g", 1, &id, None), None);
        assert_eq!(
            c.heartbeat("g", 0, &id, None),
            Some(ResponseError::IllegalGeneration)
        );
        assert_eq!(
            c.heartbeat("g", 1, "nobody", None),
            Some(ResponseError::UnknownMemberId)
        );
        // A second member: the first must rejoin.
        let second = ready(c.join(join_req(""))).member_id;
        let waiting = c.join(join_req(&second));
        assert!(matches!(waiting, Pending::Wait(_)));
        assert_eq!(
            c.heartbeat("g", 1, &id, None),
            Some(ResponseError::RebalanceInProgress)
        );
        let rejoined = ready(c.join(join_req(&id)));
        assert_eq!(rejoined.generation, 2);
        let Pending::Wait(mut rx) = waiting else {
            unreachable!()
        };
        assert_eq!(rx.try_recv().unwrap().generation, 2);
        // Commits need the current generation.
        assert_eq!(
            c.check_commit("g", 1, &id, None),
            Err(ResponseError::IllegalGeneration)
        );
        assert_eq!(
            c.check_commit("g", 2, &id, None),
            Err(ResponseError::RebalanceInProgress)
        );
        assert_eq!(
            c.leave("g", &[(second.clone(), None), ("ghost".into(), None)])
                .unwrap(),
            vec![None, Some(ResponseError::UnknownMemberId)]
        );
    }

    #[test]
    fn static_members_are_fenced_and_rejoin_without_rebalance() {
        let c = Coordinator::new(settings());
        let mut req = join_req("");
        req.instance_id = Some("i1".into());
        let joined = ready(c.join(req.clone()));
        assert_eq!(joined.error, None, "static members skip MEMBER_ID_REQUIRED");
        let old = joined.member_id.clone();
        let (sync, _) = c.sync(SyncRequest {
            group_id: "g".into(),
            generation: 1,
            member_id: old.clone(),
            instance_id: Some("i1".into()),
            protocol_type: None,
            protocol: None,
            assignments: vec![(old.clone(), Bytes::from_static(b"a"))],
        });
        ready(sync);
        let again = ready(c.join(req));
        assert_eq!(again.error, None);
        assert_eq!(again.generation, 1, "no rebalance for a static rejoin");
        assert!(again.skip_assignment);
        assert_eq!(
            c.heartbeat("g", 1, &old, Some("i1")),
            Some(ResponseError::FencedInstanceId)
        );
    }

    #[test]
    fn inconsistent_protocols_are_refused() {
        let c = Coordinator::new(settings());
        let id = ready(c.join(join_req(""))).member_id;
        ready(c.join(join_req(&id)));
        let mut other = join_req("");
        other.protocols = vec![("roundrobin".into(), Bytes::new())];
        assert_eq!(
            ready(c.join(other)).error,
            Some(ResponseError::InconsistentGroupProtocol)
        );
    }

    #[test]
    fn empty_groups_commit_and_delete() {
        let c = Coordinator::new(settings());
        assert_eq!(c.check_commit("solo", -1, "", None), Ok(()));
        c.apply_offsets(
            "solo",
            vec![(
                ("t".into(), 0),
                Some(CommittedOffset {
                    offset: 5,
                    leader_epoch: -1,
                    metadata: String::new(),
                    commit_timestamp: 0,
                }),
            )],
        );
        assert_eq!(c.offsets("solo")[&("t".to_string(), 0)].offset, 5);
        assert_eq!(c.delete("solo").unwrap(), vec![("t".to_string(), 0)]);
        assert_eq!(c.delete("solo"), Err(ResponseError::GroupIdNotFound));
    }

    #[test]
    fn offsets_of_empty_groups_expire_after_the_retention() {
        // Groups are stamped with the wall clock when created: commit "now".
        let now = crate::broker::now_ms();
        let hour = 3600 * 1000;
        let c = Coordinator::new(settings());
        let commit = |group: &str| {
            c.apply_offsets(
                group,
                vec![(
                    ("t".into(), 0),
                    Some(CommittedOffset {
                        offset: 5,
                        leader_epoch: -1,
                        metadata: String::new(),
                        commit_timestamp: now,
                    }),
                )],
            )
        };
        commit("idle");
        // A group with a member keeps its offsets however old they are.
        let id = ready(c.join(join_req(""))).member_id;
        assert_eq!(ready(c.join(join_req(&id))).error, None);
        commit("g");
        // The groups' own timestamps are read when they are created, after `now`: a loaded
        // machine can take milliseconds to get here.
        let created_by = crate::broker::now_ms();

        assert!(c.expired_offsets(now + hour - 1).is_empty());
        assert_eq!(
            c.expired_offsets(created_by + hour + 1),
            vec![("idle".to_string(), vec![("t".to_string(), 0)])]
        );
    }
}
