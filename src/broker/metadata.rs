//! Cluster metadata: which topics exist, their ids, partitions, replicas, leaders and configs.
//!
//! Every change is a [`MetadataRecord`] appended (and fsynced) to the `__cluster_metadata-0` log
//! in the metadata directory before it is applied to the in-memory [`MetadataImage`]; start-up
//! replays the log. On one node the log is written directly; the controller quorum (a later
//! issue) replicates the same records through Raft and every broker applies them the same way.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use bytes::{Bytes, BytesMut};
use kafka_protocol::records::{
    Compression, Record, RecordBatchDecoder, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::acl::AclBinding;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

use crate::broker::log::{Log, LogConfig};
use crate::security::scram::{ScramCredential, ScramMechanism};
use crate::{Error, Result};

/// Name of the metadata log's directory, as Kafka names it.
pub const METADATA_LOG_DIR: &str = "__cluster_metadata-0";

/// One change to the cluster metadata. Stored as JSON in the value of a Kafka record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum MetadataRecord {
    /// A topic was created with these partitions and config overrides.
    Topic {
        name: String,
        id: Uuid,
        partitions: Vec<PartitionRecord>,
        configs: BTreeMap<String, String>,
    },
    /// Partitions were added to an existing topic.
    Partitions {
        topic_id: Uuid,
        partitions: Vec<PartitionRecord>,
    },
    /// A topic was deleted.
    RemoveTopic { id: Uuid },
    /// Topic config overrides were set or removed.
    TopicConfig {
        id: Uuid,
        set: BTreeMap<String, String>,
        delete: Vec<String>,
    },
    /// A block of producer ids was handed out: ids below `next_producer_id` are taken (Kafka's
    /// ProducerIdsRecord), so ids stay unique across restarts. With `first_producer_id`, the
    /// block applies only if it starts where the previous one ended: of two brokers asking at
    /// once, the second's block is void and it asks again (ids stay unique across brokers).
    ProducerIds {
        broker: i32,
        next_producer_id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_producer_id: Option<i64>,
    },
    /// Dynamic broker configs (`broker` None = cluster-wide default) were set or removed.
    BrokerConfig {
        broker: Option<i32>,
        set: BTreeMap<String, String>,
        delete: Vec<String>,
    },
    /// An ACL was created (CreateAcls).
    Acl { id: Uuid, acl: AclBinding },
    /// An ACL was deleted (DeleteAcls).
    RemoveAcl { id: Uuid },
    /// A client quota was set (`value`) or removed (`None`) (AlterClientQuotas).
    ClientQuota {
        entity: crate::broker::quota::Entity,
        key: String,
        value: Option<f64>,
    },
    /// A SCRAM credential was set (Kafka's `UserScramCredentialRecord`; byte fields in base64).
    UserScramCredential {
        name: String,
        /// Kafka's mechanism number: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512.
        mechanism: i8,
        salt: String,
        stored_key: String,
        server_key: String,
        iterations: i32,
    },
    /// A SCRAM credential was removed (Kafka's `RemoveUserScramCredentialRecord`).
    RemoveUserScramCredential { name: String, mechanism: i8 },
    /// A controller became the quorum's leader for `epoch` (Kafka writes a LeaderChange
    /// control record); it changes nothing in the image.
    LeaderChange { leader: i32, epoch: u64 },
    /// A broker registered (or re-registered with new endpoints or rack).
    RegisterBroker {
        id: i32,
        endpoints: Vec<BrokerEndpoint>,
        rack: Option<String>,
        fenced: bool,
    },
    /// A broker missed heartbeats for `broker.session.timeout.ms`: clients stop seeing it.
    FenceBroker { id: i32 },
    /// A fenced broker is heartbeating again and caught up with the metadata.
    UnfenceBroker { id: i32 },
    /// The controller quorum's voters from here on (Kafka's VotersRecord, KIP-853): the first
    /// entry of a dynamic quorum's log (written by `storage format`), then a change of one
    /// voter (or of a voter's endpoint) through the log. In a snapshot: the voters as of it.
    /// `endpoints`: each voter's directory id and CONTROLLER endpoint (empty for a static
    /// quorum, whose endpoints are in `controller.quorum.voters`).
    Voters {
        voters: Vec<i32>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        endpoints: Vec<VoterEndpoint>,
    },
    /// The first record of a snapshot's data (never in the log): the last Raft entry the
    /// snapshot holds and the metadata log offset just past it (kbox numbers entries; the
    /// file name carries only the offset and epoch).
    SnapshotIndex { index: u64, end_offset: i64 },
    /// A partition leader changed its ISR (Kafka's AlterPartition, committed as a
    /// PartitionChangeRecord). Applied only while `leader_epoch` is still the partition's: a
    /// deposed leader's request is void.
    AlterIsr {
        topic_id: Uuid,
        partition: i32,
        leader_epoch: i32,
        isr: Vec<i32>,
    },
    /// The controller changed a partition's leader, ISR or replicas (Kafka's
    /// PartitionChangeRecord): a preferred, unclean or rebalancing election, or a step of a
    /// reassignment. Applied only while `leader_epoch` is still the partition's (the decision
    /// was made on that state); a new leader bumps the epoch.
    PartitionChange {
        topic_id: Uuid,
        partition: i32,
        leader_epoch: i32,
        leader: i32,
        isr: Vec<i32>,
        /// The new replica list (a reassignment), else unchanged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replicas: Option<Vec<i32>>,
        /// A reassignment starting (replicas being added and removed); an empty one ends it
        /// (completed or cancelled); None leaves it as it is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reassignment: Option<Reassignment>,
    },
}

/// A partition reassignment in progress (Kafka's addingReplicas / removingReplicas): the
/// replica list is the union of old and target until the added replicas are in the ISR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reassignment {
    pub adding: Vec<i32>,
    pub removing: Vec<i32>,
}

impl Reassignment {
    /// The replicas once it completes: the current ones without the removed ones.
    pub fn target(&self, replicas: &[i32]) -> Vec<i32> {
        replicas
            .iter()
            .copied()
            .filter(|r| !self.removing.contains(r))
            .collect()
    }
    /// The replicas it started from: the current ones without the added ones.
    pub fn original(&self, replicas: &[i32]) -> Vec<i32> {
        replicas
            .iter()
            .copied()
            .filter(|r| !self.adding.contains(r))
            .collect()
    }
    pub fn is_empty(&self) -> bool {
        self.adding.is_empty() && self.removing.is_empty()
    }
}

/// A listener a broker advertises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerEndpoint {
    pub listener: String,
    pub host: String,
    pub port: u16,
}

/// A broker as the metadata knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerRegistration {
    pub id: i32,
    pub endpoints: Vec<BrokerEndpoint>,
    pub rack: Option<String>,
    pub fenced: bool,
}

/// Placement and leadership of one partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionRecord {
    pub partition: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub leader: i32,
    pub leader_epoch: i32,
}

/// A topic as the metadata knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicMeta {
    pub name: String,
    pub id: Uuid,
    pub partitions: Vec<PartitionRecord>,
    pub configs: BTreeMap<String, String>,
}

impl TopicMeta {
    /// Internal topics are the ones Kafka itself manages.
    pub fn is_internal(&self) -> bool {
        is_internal_topic(&self.name)
    }
}

/// Kafka's internal topics.
pub fn is_internal_topic(name: &str) -> bool {
    name == "__consumer_offsets" || name == "__transaction_state"
}

/// The current state, built by applying records in order.
#[derive(Debug, Default, Clone)]
pub struct MetadataImage {
    pub topics: BTreeMap<String, TopicMeta>,
    pub topic_names: HashMap<Uuid, String>,
    /// Dynamic broker configs, keyed by broker id (None = cluster default).
    pub broker_configs: BTreeMap<Option<i32>, BTreeMap<String, String>>,
    /// Every ACL, by the id it was created with.
    pub acls: BTreeMap<Uuid, AclBinding>,
    /// Client quotas: entity -> key -> value.
    pub client_quotas: BTreeMap<crate::broker::quota::Entity, BTreeMap<String, f64>>,
    /// SCRAM credentials by user name, then by mechanism.
    pub scram_credentials: BTreeMap<String, BTreeMap<ScramMechanism, ScramCredential>>,
    /// The first producer id not yet handed out.
    pub next_producer_id: i64,
    /// The first id of the last block each broker was given.
    pub producer_id_blocks: BTreeMap<i32, i64>,
    /// Registered brokers, fenced or not.
    pub brokers: BTreeMap<i32, BrokerRegistration>,
    /// Reassignments in progress, by topic id and partition.
    pub reassignments: BTreeMap<(Uuid, i32), Reassignment>,
    /// The quorum's voters when the log changed them (None: as configured).
    pub voters: Option<Vec<i32>>,
    /// Their directory ids and endpoints (a dynamic quorum).
    pub voter_endpoints: Vec<VoterEndpoint>,
}

impl MetadataImage {
    /// Applies one record. Records that refer to unknown topics are ignored (they cannot be
    /// produced by a correct writer, and replay must not fail on them).
    pub fn apply(&mut self, record: &MetadataRecord) {
        match record {
            MetadataRecord::Topic {
                name,
                id,
                partitions,
                configs,
            } => {
                // Two brokers may race to create one name: the first record wins.
                if self.topics.contains_key(name) {
                    return;
                }
                self.topic_names.insert(*id, name.clone());
                self.topics.insert(
                    name.clone(),
                    TopicMeta {
                        name: name.clone(),
                        id: *id,
                        partitions: partitions.clone(),
                        configs: configs.clone(),
                    },
                );
            }
            MetadataRecord::Partitions {
                topic_id,
                partitions,
            } => {
                if let Some(t) = self.topic_by_id_mut(topic_id) {
                    // A retried (forwarded twice) record must not add a partition twice.
                    for p in partitions {
                        if !t.partitions.iter().any(|q| q.partition == p.partition) {
                            t.partitions.push(p.clone());
                        }
                    }
                    t.partitions.sort_by_key(|p| p.partition);
                }
            }
            MetadataRecord::RemoveTopic { id } => {
                if let Some(name) = self.topic_names.remove(id) {
                    self.topics.remove(&name);
                }
                self.reassignments.retain(|(topic, _), _| topic != id);
            }
            MetadataRecord::TopicConfig { id, set, delete } => {
                if let Some(t) = self.topic_by_id_mut(id) {
                    for k in delete {
                        t.configs.remove(k);
                    }
                    t.configs
                        .extend(set.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
            MetadataRecord::ProducerIds {
                broker,
                next_producer_id,
                first_producer_id,
            } => {
                if let Some(first) = first_producer_id {
                    if *first != self.next_producer_id {
                        return;
                    }
                    self.producer_id_blocks.insert(*broker, *first);
                }
                self.next_producer_id = self.next_producer_id.max(*next_producer_id);
            }
            MetadataRecord::BrokerConfig {
                broker,
                set,
                delete,
            } => {
                let configs = self.broker_configs.entry(*broker).or_default();
                for k in delete {
                    configs.remove(k);
                }
                configs.extend(set.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            MetadataRecord::Acl { id, acl } => {
                self.acls.insert(*id, acl.clone());
            }
            MetadataRecord::RemoveAcl { id } => {
                self.acls.remove(id);
            }
            MetadataRecord::ClientQuota { entity, key, value } => {
                let entity = crate::broker::quota::canonical(entity.clone());
                match value {
                    Some(v) => {
                        self.client_quotas
                            .entry(entity)
                            .or_default()
                            .insert(key.clone(), *v);
                    }
                    None => {
                        if let Some(values) = self.client_quotas.get_mut(&entity) {
                            values.remove(key);
                            if values.is_empty() {
                                self.client_quotas.remove(&entity);
                            }
                        }
                    }
                }
            }
            MetadataRecord::UserScramCredential {
                name,
                mechanism,
                salt,
                stored_key,
                server_key,
                iterations,
            } => {
                let bytes = |b: &str| B64.decode(b).unwrap_or_default();
                if let Some(m) = ScramMechanism::from_type(*mechanism) {
                    self.scram_credentials
                        .entry(name.clone())
                        .or_default()
                        .insert(
                            m,
                            ScramCredential {
                                salt: bytes(salt),
                                stored_key: bytes(stored_key),
                                server_key: bytes(server_key),
                                iterations: *iterations,
                            },
                        );
                }
            }
            MetadataRecord::RemoveUserScramCredential { name, mechanism } => {
                if let (Some(user), Some(m)) = (
                    self.scram_credentials.get_mut(name),
                    ScramMechanism::from_type(*mechanism),
                ) {
                    user.remove(&m);
                    if user.is_empty() {
                        self.scram_credentials.remove(name);
                    }
                }
            }
            MetadataRecord::LeaderChange { .. } | MetadataRecord::SnapshotIndex { .. } => {}
            MetadataRecord::Voters { voters, endpoints } => {
                self.voters = Some(voters.clone());
                self.voter_endpoints = endpoints.clone();
            }
            MetadataRecord::RegisterBroker {
                id,
                endpoints,
                rack,
                fenced,
            } => {
                self.brokers.insert(
                    *id,
                    BrokerRegistration {
                        id: *id,
                        endpoints: endpoints.clone(),
                        rack: rack.clone(),
                        fenced: *fenced,
                    },
                );
            }
            MetadataRecord::FenceBroker { id } => {
                if let Some(b) = self.brokers.get_mut(id) {
                    b.fenced = true;
                }
                self.elect_without(*id);
            }
            MetadataRecord::UnfenceBroker { id } => {
                if let Some(b) = self.brokers.get_mut(id) {
                    b.fenced = false;
                }
                self.elect_offline_with(*id);
            }
            MetadataRecord::AlterIsr {
                topic_id,
                partition,
                leader_epoch,
                isr,
            } => {
                if let Some(p) = self
                    .topic_by_id_mut(topic_id)
                    .and_then(|t| t.partitions.iter_mut().find(|p| p.partition == *partition))
                {
                    if p.leader_epoch == *leader_epoch && !isr.is_empty() && isr.contains(&p.leader)
                    {
                        // A reassignment may have removed a replica since the leader asked.
                        p.isr = isr
                            .iter()
                            .copied()
                            .filter(|id| p.replicas.contains(id))
                            .collect();
                    }
                }
            }
            MetadataRecord::PartitionChange {
                topic_id,
                partition,
                leader_epoch,
                leader,
                isr,
                replicas,
                reassignment,
            } => {
                let Some(p) = self
                    .topic_by_id_mut(topic_id)
                    .and_then(|t| t.partitions.iter_mut().find(|p| p.partition == *partition))
                else {
                    return;
                };
                if p.leader_epoch != *leader_epoch {
                    return;
                }
                if let Some(replicas) = replicas {
                    if !replicas.is_empty() {
                        p.replicas = replicas.clone();
                    }
                }
                p.isr = isr.clone();
                if p.leader != *leader {
                    p.leader = *leader;
                    p.leader_epoch += 1;
                }
                match reassignment {
                    Some(r) if r.is_empty() => {
                        self.reassignments.remove(&(*topic_id, *partition));
                    }
                    Some(r) => {
                        self.reassignments
                            .insert((*topic_id, *partition), r.clone());
                    }
                    None => {}
                }
            }
        }
    }

    /// A broker was fenced: it leaves every ISR it is in (unless it is the last member, which
    /// stays so that only it can lead again: no unclean election), and the partitions it led
    /// get a new leader from the ISR, in replica order, with the leader epoch bumped. With no
    /// live ISR member the partition is offline (leader -1). Deterministic, so every node
    /// applying the record reaches the same leaders.
    fn elect_without(&mut self, fenced: i32) {
        let live: Vec<i32> = self.live_brokers().map(|b| b.id).collect();
        for topic in self.topics.values_mut() {
            for p in &mut topic.partitions {
                if !p.replicas.contains(&fenced) || p.replicas.len() < 2 {
                    continue;
                }
                if p.isr.len() > 1 {
                    p.isr.retain(|&id| id != fenced);
                }
                if p.leader == fenced {
                    p.leader = p
                        .replicas
                        .iter()
                        .copied()
                        .find(|id| *id != fenced && p.isr.contains(id) && live.contains(id))
                        .unwrap_or(-1);
                    p.leader_epoch += 1;
                }
            }
        }
    }

    /// A broker was unfenced: offline partitions whose ISR holds it get it as leader.
    fn elect_offline_with(&mut self, unfenced: i32) {
        for topic in self.topics.values_mut() {
            for p in &mut topic.partitions {
                if p.leader < 0 && p.isr.contains(&unfenced) {
                    p.leader = unfenced;
                    p.leader_epoch += 1;
                }
            }
        }
    }

    /// A user's SCRAM credential for one mechanism.
    pub fn scram_credential(
        &self,
        user: &str,
        mechanism: ScramMechanism,
    ) -> Option<ScramCredential> {
        self.scram_credentials.get(user)?.get(&mechanism).cloned()
    }

    fn topic_by_id_mut(&mut self, id: &Uuid) -> Option<&mut TopicMeta> {
        let name = self.topic_names.get(id)?;
        self.topics.get_mut(name)
    }

    /// Registered brokers that are not fenced, by id.
    pub fn live_brokers(&self) -> impl Iterator<Item = &BrokerRegistration> {
        self.brokers.values().filter(|b| !b.fenced)
    }

    /// Looks a topic up by id.
    pub fn topic_by_id(&self, id: &Uuid) -> Option<&TopicMeta> {
        self.topics.get(self.topic_names.get(id)?)
    }

    /// The records that rebuild this image from an empty one (a snapshot's content).
    pub fn to_records(&self) -> Vec<MetadataRecord> {
        let mut out = Vec::new();
        if let Some(voters) = &self.voters {
            out.push(MetadataRecord::Voters {
                voters: voters.clone(),
                endpoints: self.voter_endpoints.clone(),
            });
        }
        for b in self.brokers.values() {
            out.push(MetadataRecord::RegisterBroker {
                id: b.id,
                endpoints: b.endpoints.clone(),
                rack: b.rack.clone(),
                fenced: b.fenced,
            });
        }
        for t in self.topics.values() {
            out.push(MetadataRecord::Topic {
                name: t.name.clone(),
                id: t.id,
                partitions: t.partitions.clone(),
                configs: t.configs.clone(),
            });
        }
        for (broker, set) in &self.broker_configs {
            out.push(MetadataRecord::BrokerConfig {
                broker: *broker,
                set: set.clone(),
                delete: Vec::new(),
            });
        }
        for (id, acl) in &self.acls {
            out.push(MetadataRecord::Acl {
                id: *id,
                acl: acl.clone(),
            });
        }
        for (entity, values) in &self.client_quotas {
            for (key, value) in values {
                out.push(MetadataRecord::ClientQuota {
                    entity: entity.clone(),
                    key: key.clone(),
                    value: Some(*value),
                });
            }
        }
        for (name, credentials) in &self.scram_credentials {
            for (mechanism, credential) in credentials {
                out.push(MetadataRecord::scram_credential(
                    name, *mechanism, credential,
                ));
            }
        }
        if self.next_producer_id > 0 {
            // The per-broker blocks are not carried: a broker only compares its own block
            // right after committing it, and asks again if it finds none.
            out.push(MetadataRecord::ProducerIds {
                broker: -1,
                next_producer_id: self.next_producer_id,
                first_producer_id: None,
            });
        }
        // Reassignments in progress (the partitions' replicas, leaders and ISRs are in the
        // Topic records above; the same leader keeps the epoch).
        for ((topic_id, partition), r) in &self.reassignments {
            let Some(p) = self
                .topic_by_id(topic_id)
                .and_then(|t| t.partitions.iter().find(|p| p.partition == *partition))
            else {
                continue;
            };
            out.push(MetadataRecord::PartitionChange {
                topic_id: *topic_id,
                partition: *partition,
                leader_epoch: p.leader_epoch,
                leader: p.leader,
                isr: p.isr.clone(),
                replicas: None,
                reassignment: Some(r.clone()),
            });
        }
        out
    }
}

/// One entry of the replicated metadata log: one record batch, its leader epoch the Raft term.
pub type MetadataEntry = crate::broker::quorum::raft::Entry<Vec<MetadataRecord>>;

impl crate::broker::quorum::raft::Payload for Vec<MetadataRecord> {
    fn leader_change(leader: i32, epoch: u64) -> Self {
        vec![MetadataRecord::LeaderChange { leader, epoch }]
    }
    fn voters_change(voters: Vec<i32>) -> Self {
        vec![MetadataRecord::Voters {
            voters,
            endpoints: Vec::new(),
        }]
    }
    fn voters(&self) -> Option<Vec<i32>> {
        self.iter().rev().find_map(|r| match r {
            MetadataRecord::Voters { voters, .. } => Some(voters.clone()),
            _ => None,
        })
    }
}

/// A voter of a dynamic quorum as the log names it (Kafka's VotersRecord.Voter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterEndpoint {
    pub id: i32,
    /// Its metadata directory's `directory.id` (Kafka's base64 form).
    pub directory_id: String,
    pub host: String,
    pub port: u16,
}

impl VoterEndpoint {
    /// `host:port`, bracketing an IPv6 host.
    pub fn address(&self) -> String {
        crate::broker::config::format_host_port(&self.host, self.port)
    }
}

/// Name of the file holding the quorum's vote and applied offset, as Kafka names it.
pub const QUORUM_STATE_FILE: &str = "quorum-state";

/// What `quorum-state` holds (Kafka's data_version 0 layout, with kbox's applied offset).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuorumState {
    #[serde(default)]
    pub cluster_id: String,
    pub leader_id: i32,
    pub leader_epoch: u64,
    pub voted_id: i32,
    /// Entries up to here are committed and were applied before the last stop.
    pub applied_offset: u64,
    #[serde(default)]
    pub current_voters: Vec<QuorumVoterId>,
    #[serde(rename = "data_version")]
    pub data_version: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuorumVoterId {
    pub voter_id: i32,
}

/// A metadata snapshot: the image's records after every entry up to `index` (`term` is that
/// entry's), starting with `MetadataRecord::SnapshotIndex`.
pub type MetadataSnapshot = crate::broker::quorum::raft::Snapshot<Vec<MetadataRecord>>;

/// What the metadata directory held at start-up: the latest valid snapshot and the entries
/// after it.
#[derive(Debug, Default)]
pub struct StoredMetadata {
    pub snapshot: Option<MetadataSnapshot>,
    pub entries: Vec<MetadataEntry>,
    pub state: Option<QuorumState>,
}

impl StoredMetadata {
    /// The last entry index the snapshot covers (0 without one).
    pub fn snapshot_index(&self) -> u64 {
        self.snapshot.as_ref().map_or(0, |s| s.index)
    }
}

/// Suffix of a snapshot file (`<end offset:020>-<epoch:010>.checkpoint`, Kafka's names).
pub const SNAPSHOT_SUFFIX: &str = ".checkpoint";
/// Records per batch in a snapshot file.
const SNAPSHOT_BATCH_RECORDS: usize = 512;
/// Snapshot files kept: the latest and the one before, so a corrupt latest one still leaves a
/// snapshot plus the log after it to start from.
const SNAPSHOTS_KEPT: usize = 2;

/// The snapshot file name for a snapshot ending at `end_offset` in `epoch`.
pub fn snapshot_file_name(end_offset: i64, epoch: u64) -> String {
    format!("{end_offset:020}-{epoch:010}{SNAPSHOT_SUFFIX}")
}

/// The (end offset, epoch) a snapshot file name says, if it is one.
pub fn parse_snapshot_file_name(name: &str) -> Option<(i64, u64)> {
    let stem = name.strip_suffix(SNAPSHOT_SUFFIX)?;
    let (offset, epoch) = stem.split_once('-')?;
    if offset.len() != 20 || epoch.len() != 10 {
        return None;
    }
    Some((offset.parse().ok()?, epoch.parse().ok()?))
}

/// The snapshot files in `dir`, oldest first.
fn list_snapshots(dir: &Path) -> Result<Vec<(i64, u64, std::path::PathBuf)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".checkpoint.part") {
            // A snapshot whose write did not finish.
            let _ = std::fs::remove_file(entry.path());
            continue;
        }
        if let Some((offset, epoch)) = parse_snapshot_file_name(&name) {
            found.push((offset, epoch, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// One record batch of `records` at relative offsets from `base` (a snapshot's batches count
/// from 0, as Kafka's do).
fn encode_batch(
    buf: &mut BytesMut,
    base: i64,
    epoch: u64,
    timestamp: i64,
    records: impl Iterator<Item = (Option<Bytes>, Bytes)>,
    control: bool,
) -> Result<()> {
    let encoded: Vec<Record> = records
        .enumerate()
        .map(|(i, (key, value))| Record {
            transactional: false,
            control,
            partition_leader_epoch: epoch as i32,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: base + i as i64,
            // The encoder starts a new batch when offset - sequence changes; this keeps one.
            sequence: (base + i as i64) as i32 - 1 - base as i32,
            delete_horizon: false,
            timestamp,
            key,
            value: Some(value),
            headers: Default::default(),
        })
        .collect();
    let options = RecordEncodeOptions {
        version: 2,
        compression: Compression::None,
    };
    RecordBatchEncoder::encode(buf, encoded.iter(), &options)
        .map_err(|e| Error::Message(format!("cannot encode metadata records: {e}")))
}

/// A control record's key: version 0 and the control type (3 SnapshotHeader, 4 SnapshotFooter).
fn control_key(control_type: i16) -> Bytes {
    let mut key = Vec::with_capacity(4);
    key.extend_from_slice(&0i16.to_be_bytes());
    key.extend_from_slice(&control_type.to_be_bytes());
    Bytes::from(key)
}

/// The bytes of a snapshot file: a SnapshotHeader control batch, the records in batches, a
/// SnapshotFooter control batch (Kafka's layout).
pub fn encode_snapshot(snapshot: &MetadataSnapshot, timestamp: i64) -> Result<Bytes> {
    use kafka_protocol::messages::{SnapshotFooterRecord, SnapshotHeaderRecord};
    use kafka_protocol::protocol::Encodable;
    let mut buf = BytesMut::new();
    let mut header = BytesMut::new();
    SnapshotHeaderRecord::default()
        .with_last_contained_log_timestamp(timestamp)
        .encode(&mut header, 0)
        .map_err(|e| Error::Message(format!("cannot encode a snapshot header: {e}")))?;
    let mut offset = 0i64;
    encode_batch(
        &mut buf,
        offset,
        snapshot.term,
        timestamp,
        std::iter::once((Some(control_key(3)), header.freeze())),
        true,
    )?;
    offset += 1;
    for chunk in snapshot.data.chunks(SNAPSHOT_BATCH_RECORDS) {
        let values = chunk
            .iter()
            .map(|r| serde_json::to_vec(r).map(|v| (None, Bytes::from(v))))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::Message(e.to_string()))?;
        let n = values.len() as i64;
        encode_batch(
            &mut buf,
            offset,
            snapshot.term,
            timestamp,
            values.into_iter(),
            false,
        )?;
        offset += n;
    }
    let mut footer = BytesMut::new();
    SnapshotFooterRecord::default()
        .encode(&mut footer, 0)
        .map_err(|e| Error::Message(format!("cannot encode a snapshot footer: {e}")))?;
    encode_batch(
        &mut buf,
        offset,
        snapshot.term,
        timestamp,
        std::iter::once((Some(control_key(4)), footer.freeze())),
        true,
    )?;
    Ok(buf.freeze())
}

/// Reads a snapshot file back; any damage (a bad batch, a missing header or footer, an
/// unreadable record) is an error, so the caller can fall back to an older snapshot.
pub fn decode_snapshot(bytes: Bytes, epoch: u64) -> Result<MetadataSnapshot> {
    let bad = |what: String| Error::Message(format!("corrupt metadata snapshot: {what}"));
    let mut buf = bytes;
    let (mut header, mut footer) = (false, false);
    let mut data = Vec::new();
    while !buf.is_empty() {
        if footer {
            return Err(bad("data after the footer".into()));
        }
        let set = RecordBatchDecoder::decode(&mut buf).map_err(|e| bad(e.to_string()))?;
        for record in set.records {
            if record.control {
                let key = record.key.as_deref().unwrap_or_default();
                let control_type = (key.len() >= 4).then(|| i16::from_be_bytes([key[2], key[3]]));
                match control_type {
                    Some(3) if !header && data.is_empty() => header = true,
                    Some(4) if header => footer = true,
                    _ => return Err(bad(format!("unexpected control record {control_type:?}"))),
                }
                continue;
            }
            if !header || footer {
                return Err(bad("a record outside header and footer".into()));
            }
            let value = record.value.unwrap_or_default();
            let parsed: MetadataRecord =
                serde_json::from_slice(&value).map_err(|e| bad(e.to_string()))?;
            data.push(parsed);
        }
    }
    if !footer {
        return Err(bad("no footer (the write did not finish)".into()));
    }
    let Some(MetadataRecord::SnapshotIndex { index, .. }) = data.first() else {
        return Err(bad("no SnapshotIndex record".into()));
    };
    Ok(MetadataSnapshot {
        index: *index,
        term: epoch,
        data,
    })
}

/// The offset just past the snapshot's last entry, from its SnapshotIndex record.
pub fn snapshot_end_offset(snapshot: &MetadataSnapshot) -> i64 {
    match snapshot.data.first() {
        Some(MetadataRecord::SnapshotIndex { end_offset, .. }) => *end_offset,
        _ => 0,
    }
}

/// The durable metadata log: `__cluster_metadata-0` with one record batch per Raft entry (the
/// batch's partition leader epoch is the entry's term) and `quorum-state` beside it.
#[derive(Debug)]
pub struct MetadataLog {
    log: Log,
    dir: std::path::PathBuf,
    /// The last entry the latest snapshot covers (0 without one) and the offset past it.
    snapshot_index: u64,
    snapshot_end: i64,
    /// The log offset where each later entry's batch starts (entry `snapshot_index + k` at
    /// `base_offsets[k - 1]`).
    base_offsets: Vec<i64>,
    /// Bytes appended since the latest snapshot (metadata.log.max.record.bytes.between.snapshots).
    pub bytes_since_snapshot: u64,
}

impl MetadataLog {
    /// Opens (or creates) `__cluster_metadata-0` under `dir`: the latest valid snapshot and
    /// every entry after it. A corrupt snapshot is reported and the one before it (or the
    /// whole log) used instead. `segment_bytes` is metadata.log.segment.bytes.
    pub fn open(
        dir: &Path,
        had_clean_shutdown: bool,
        segment_bytes: u64,
    ) -> Result<(MetadataLog, StoredMetadata)> {
        let path = dir.join(METADATA_LOG_DIR);
        std::fs::create_dir_all(&path)?;
        let config = LogConfig {
            flush_messages: 1,
            retention_ms: -1,
            segment_bytes: segment_bytes.max(1024),
            oversized_batches_in_own_segment: true,
            ..LogConfig::default()
        };
        let log = Log::open(&path, config, 0, 0, had_clean_shutdown)?;
        let mut snapshot = None;
        for (end_offset, epoch, file) in list_snapshots(&path)?.into_iter().rev() {
            let read = std::fs::read(&file)
                .map_err(Error::from)
                .and_then(|bytes| decode_snapshot(Bytes::from(bytes), epoch));
            match read {
                Ok(s) if snapshot_end_offset(&s) == end_offset => {
                    snapshot = Some(s);
                    break;
                }
                Ok(_) => {
                    tracing::error!(file = %file.display(), "metadata snapshot names another offset than it holds: ignored")
                }
                Err(e) => {
                    tracing::error!(file = %file.display(), error = %e, "metadata snapshot unusable: using an older one")
                }
            }
        }
        let snapshot_end = snapshot.as_ref().map_or(0, snapshot_end_offset);
        if log.log_start_offset() > snapshot_end {
            return Err(Error::Message(format!(
                "{}: the log starts at offset {} but no usable snapshot reaches it (found one up to {snapshot_end})",
                path.display(),
                log.log_start_offset()
            )));
        }
        let mut entries = Vec::new();
        let mut base_offsets = Vec::new();
        let mut offset = snapshot_end.max(log.log_start_offset());
        let end = log.log_end_offset();
        while offset < end {
            let read = log.read(offset, 1024 * 1024, end, true)?;
            let data = read.records.read_bytes()?;
            if data.is_empty() {
                break;
            }
            let mut buf = data;
            let mut progressed = false;
            while !buf.is_empty() {
                // A partial batch at the end of a read is left for the next read.
                let Ok(set) = RecordBatchDecoder::decode(&mut buf) else {
                    break;
                };
                let Some(first) = set.records.first() else {
                    continue;
                };
                if first.offset < offset {
                    continue;
                }
                let base = first.offset;
                let term = first.partition_leader_epoch.max(0) as u64;
                let mut records = Vec::with_capacity(set.records.len());
                for record in set.records {
                    offset = record.offset + 1;
                    let value = record.value.unwrap_or_default();
                    let parsed: MetadataRecord = serde_json::from_slice(&value).map_err(|e| {
                        Error::Message(format!(
                            "metadata log record at offset {} is unreadable: {e}",
                            record.offset
                        ))
                    })?;
                    records.push(parsed);
                }
                progressed = true;
                base_offsets.push(base);
                entries.push(MetadataEntry {
                    term,
                    payload: records,
                });
            }
            if !progressed {
                break;
            }
        }
        let state = match std::fs::read(path.join(QUORUM_STATE_FILE)) {
            Ok(bytes) => Some(serde_json::from_slice(&bytes).map_err(|e| {
                Error::Message(format!(
                    "{} is unreadable: {e}",
                    path.join(QUORUM_STATE_FILE).display()
                ))
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        let mut metadata = MetadataLog {
            log,
            dir: path,
            snapshot_index: snapshot.as_ref().map_or(0, |s| s.index),
            snapshot_end,
            base_offsets,
            bytes_since_snapshot: 0,
        };
        metadata.bytes_since_snapshot = (metadata.log.log_end_offset() - snapshot_end) as u64;
        Ok((
            metadata,
            StoredMetadata {
                snapshot,
                entries,
                state,
            },
        ))
    }

    /// Appends one entry durably (one batch, fsynced).
    pub fn append(&mut self, term: u64, records: &[MetadataRecord]) -> Result<()> {
        let now = crate::broker::now_ms();
        let encoded: Vec<Record> = records
            .iter()
            .enumerate()
            .map(|(i, r)| Record {
                transactional: false,
                control: false,
                partition_leader_epoch: term as i32,
                producer_id: -1,
                producer_epoch: -1,
                timestamp_type: TimestampType::Creation,
                offset: i as i64,
                // The encoder starts a new batch when offset - sequence changes; this keeps
                // one batch (base sequence -1, as for a producer without idempotence).
                sequence: i as i32 - 1,
                delete_horizon: false,
                timestamp: now,
                key: None,
                value: Some(Bytes::from(serde_json::to_vec(r).unwrap_or_default())),
                headers: Default::default(),
            })
            .collect();
        let mut buf = BytesMut::new();
        let options = RecordEncodeOptions {
            version: 2,
            compression: Compression::None,
        };
        RecordBatchEncoder::encode(&mut buf, encoded.iter(), &options)
            .map_err(|e| Error::Message(format!("cannot encode metadata records: {e}")))?;
        let base = self.log.log_end_offset();
        self.bytes_since_snapshot += buf.len() as u64;
        self.log.append_as_leader(buf.freeze(), term as i32, now)?;
        self.log.flush_all(now)?;
        self.base_offsets.push(base);
        Ok(())
    }

    /// The last entry the latest snapshot covers (0 without one).
    pub fn snapshot_index(&self) -> u64 {
        self.snapshot_index
    }

    /// Writes a snapshot of the state after entry `index` (of term `term`, already durable
    /// here) as `<end offset>-<epoch>.checkpoint`; `records` rebuild the image. Returns the
    /// snapshot, its first record saying where it ends.
    pub fn write_snapshot(
        &mut self,
        index: u64,
        term: u64,
        records: Vec<MetadataRecord>,
    ) -> Result<MetadataSnapshot> {
        let end_offset = self.end_offset_of(index);
        let mut data = Vec::with_capacity(records.len() + 1);
        data.push(MetadataRecord::SnapshotIndex { index, end_offset });
        data.extend(records);
        let snapshot = MetadataSnapshot { index, term, data };
        self.store_snapshot(&snapshot)?;
        Ok(snapshot)
    }

    /// Makes a snapshot (taken here or received from the leader) the latest one: writes its
    /// file (a `.part` file renamed when complete), drops the entries up to it from the index
    /// (a log that does not hold its last entry at the same offset starts over after it), and
    /// deletes older snapshots and the log segments only they needed.
    pub fn store_snapshot(&mut self, snapshot: &MetadataSnapshot) -> Result<()> {
        let end_offset = snapshot_end_offset(snapshot);
        let now = crate::broker::now_ms();
        let bytes = encode_snapshot(snapshot, now)?;
        let name = snapshot_file_name(end_offset, snapshot.term);
        let part = self.dir.join(format!("{name}.part"));
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&part)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&part, self.dir.join(&name))?;
        let held = snapshot.index > self.snapshot_index
            && snapshot.index <= self.snapshot_index + self.base_offsets.len() as u64
            && self.end_offset_of(snapshot.index) == end_offset;
        if held {
            let drop = (snapshot.index - self.snapshot_index) as usize;
            self.base_offsets.drain(..drop);
        } else {
            self.log.truncate_fully_and_start_at(end_offset)?;
            self.base_offsets.clear();
        }
        self.snapshot_index = snapshot.index;
        self.snapshot_end = end_offset;
        self.bytes_since_snapshot = (self.log.log_end_offset() - end_offset).max(0) as u64;
        self.remove_old_snapshots()
    }

    /// Keeps the newest snapshots; the log keeps everything from the oldest kept one on
    /// (Kafka keeps the log start at or before the latest snapshot).
    fn remove_old_snapshots(&mut self) -> Result<()> {
        let snapshots = list_snapshots(&self.dir)?;
        let excess = snapshots.len().saturating_sub(SNAPSHOTS_KEPT);
        for (_, _, file) in &snapshots[..excess] {
            std::fs::remove_file(file)?;
        }
        let Some((keep_from, _, _)) = snapshots.get(excess) else {
            return Ok(());
        };
        let keep_from = (*keep_from).min(self.log.log_end_offset());
        if keep_from > self.log.log_start_offset() {
            let now = crate::broker::now_ms();
            let end = self.log.log_end_offset();
            let deleted = self
                .log
                .delete_records_before(keep_from, end, now)
                .map_err(|e| Error::Message(format!("cannot trim the metadata log: {e}")))?;
            deleted.remove_files()?;
        }
        Ok(())
    }

    /// The log start offset (segments wholly before the kept snapshots are deleted).
    pub fn log_start_offset(&self) -> i64 {
        self.log.log_start_offset()
    }

    /// Removes entry `index` (1-based) and every later one: a follower dropping entries that
    /// conflict with its leader's (never committed ones).
    pub fn truncate_from(&mut self, index: u64) -> Result<()> {
        let keep = (index.max(self.snapshot_index + 1) - self.snapshot_index - 1) as usize;
        if keep >= self.base_offsets.len() {
            return Ok(());
        }
        self.log.truncate_to(self.base_offsets[keep])?;
        self.base_offsets.truncate(keep);
        self.log.flush_all(crate::broker::now_ms())?;
        Ok(())
    }

    /// The log offset just past entry `index` (the metadata log's end offset once the entry
    /// is written), as Kafka reports quorum offsets.
    pub fn end_offset_of(&self, index: u64) -> i64 {
        // Entries before the snapshot are not indexed any more: report the snapshot's end.
        if index <= self.snapshot_index {
            return self.snapshot_end;
        }
        match self
            .base_offsets
            .get((index - self.snapshot_index) as usize)
        {
            Some(next) => *next,
            None => self.log.log_end_offset(),
        }
    }

    /// Writes `quorum-state` atomically (temporary file, fsync, rename).
    pub fn write_state(&self, state: &QuorumState) -> Result<()> {
        let target = self.dir.join(QUORUM_STATE_FILE);
        let tmp = self.dir.join(format!("{QUORUM_STATE_FILE}.tmp"));
        let bytes = serde_json::to_vec(state).map_err(|e| Error::Message(e.to_string()))?;
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &target)?;
        Ok(())
    }

    /// Flushes and closes the log for a clean shutdown.
    pub fn close(&mut self) -> Result<()> {
        self.log.close(crate::broker::now_ms())?;
        Ok(())
    }
}

impl MetadataRecord {
    /// The record that stores a SCRAM credential.
    pub fn scram_credential(
        name: &str,
        mechanism: ScramMechanism,
        credential: &ScramCredential,
    ) -> Self {
        MetadataRecord::UserScramCredential {
            name: name.to_string(),
            mechanism: mechanism.type_id(),
            salt: B64.encode(&credential.salt),
            stored_key: B64.encode(&credential.stored_key),
            server_key: B64.encode(&credential.server_key),
            iterations: credential.iterations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(name: &str, n: i32) -> MetadataRecord {
        MetadataRecord::Topic {
            name: name.into(),
            id: Uuid::new_v4(),
            partitions: (0..n)
                .map(|p| PartitionRecord {
                    partition: p,
                    replicas: vec![1],
                    isr: vec![1],
                    leader: 1,
                    leader_epoch: 0,
                })
                .collect(),
            configs: BTreeMap::new(),
        }
    }

    fn replicated_image() -> (MetadataImage, Uuid) {
        let mut image = MetadataImage::default();
        for id in 1..=3 {
            image.apply(&MetadataRecord::RegisterBroker {
                id,
                endpoints: vec![],
                rack: None,
                fenced: false,
            });
        }
        let id = Uuid::new_v4();
        image.apply(&MetadataRecord::Topic {
            name: "t".into(),
            id,
            partitions: vec![PartitionRecord {
                partition: 0,
                replicas: vec![1, 2, 3],
                isr: vec![1, 2, 3],
                leader: 1,
                leader_epoch: 0,
            }],
            configs: BTreeMap::new(),
        });
        (image, id)
    }

    fn partition0(image: &MetadataImage) -> PartitionRecord {
        image.topics["t"].partitions[0].clone()
    }

    #[test]
    fn two_brokers_asking_for_producer_ids_at_once_never_share_a_block() {
        let mut image = MetadataImage::default();
        let block = |broker, first: i64| MetadataRecord::ProducerIds {
            broker,
            next_producer_id: first + 1000,
            first_producer_id: Some(first),
        };
        // Both read next_producer_id = 0 and ask for [0, 1000): the second block is void.
        image.apply(&block(1, 0));
        image.apply(&block(2, 0));
        assert_eq!(image.next_producer_id, 1000);
        assert_eq!(image.producer_id_blocks.get(&1), Some(&0));
        assert_eq!(image.producer_id_blocks.get(&2), None);
        // Broker 2 asks again from where the first block ended.
        image.apply(&block(2, 1000));
        assert_eq!(image.producer_id_blocks.get(&2), Some(&1000));
        assert_eq!(image.next_producer_id, 2000);
        // A record written before blocks named their first id still applies.
        image.apply(&MetadataRecord::ProducerIds {
            broker: 3,
            next_producer_id: 5000,
            first_producer_id: None,
        });
        assert_eq!(image.next_producer_id, 5000);
    }

    #[test]
    fn fencing_the_leader_elects_from_the_isr_and_bumps_the_epoch() {
        let (mut image, _) = replicated_image();
        image.apply(&MetadataRecord::FenceBroker { id: 1 });
        let p = partition0(&image);
        assert_eq!(
            (p.leader, p.leader_epoch, p.isr.clone()),
            (2, 1, vec![2, 3])
        );
        // A fenced follower leaves the ISR; the leader stays.
        image.apply(&MetadataRecord::FenceBroker { id: 3 });
        let p = partition0(&image);
        assert_eq!((p.leader, p.leader_epoch, p.isr.clone()), (2, 1, vec![2]));
        // The last ISR member fenced: offline, and only it may lead again (no unclean election).
        image.apply(&MetadataRecord::FenceBroker { id: 2 });
        let p = partition0(&image);
        assert_eq!((p.leader, p.leader_epoch, p.isr.clone()), (-1, 2, vec![2]));
        image.apply(&MetadataRecord::UnfenceBroker { id: 1 });
        assert_eq!(partition0(&image).leader, -1, "broker 1 is not in the ISR");
        image.apply(&MetadataRecord::UnfenceBroker { id: 2 });
        let p = partition0(&image);
        assert_eq!((p.leader, p.leader_epoch), (2, 3));
    }

    #[test]
    fn an_isr_change_from_a_deposed_leader_is_void() {
        let (mut image, id) = replicated_image();
        image.apply(&MetadataRecord::AlterIsr {
            topic_id: id,
            partition: 0,
            leader_epoch: 0,
            isr: vec![1, 2],
        });
        assert_eq!(partition0(&image).isr, [1, 2]);
        image.apply(&MetadataRecord::FenceBroker { id: 1 });
        image.apply(&MetadataRecord::AlterIsr {
            topic_id: id,
            partition: 0,
            leader_epoch: 0,
            isr: vec![1, 2, 3],
        });
        assert_eq!(partition0(&image).isr, [2], "epoch 0 is over");
        image.apply(&MetadataRecord::AlterIsr {
            topic_id: id,
            partition: 0,
            leader_epoch: 1,
            isr: vec![1, 2],
        });
        assert_eq!(partition0(&image).isr, [1, 2]);
    }

    /// An image with a bit of everything a snapshot must carry.
    fn rich_image() -> MetadataImage {
        let (mut image, id) = replicated_image();
        let mut set = BTreeMap::new();
        set.insert("retention.ms".to_string(), "1000".to_string());
        image.apply(&MetadataRecord::TopicConfig {
            id,
            set: set.clone(),
            delete: vec![],
        });
        image.apply(&MetadataRecord::BrokerConfig {
            broker: None,
            set,
            delete: vec![],
        });
        image.apply(&MetadataRecord::FenceBroker { id: 3 });
        image.apply(&MetadataRecord::ProducerIds {
            broker: 1,
            next_producer_id: 1000,
            first_producer_id: Some(0),
        });
        // A reassignment under way: replicas 1, 2, 3 moving to 2, 3, 4.
        image.apply(&MetadataRecord::PartitionChange {
            topic_id: id,
            partition: 0,
            leader_epoch: 0,
            leader: 1,
            isr: vec![1, 2],
            replicas: Some(vec![1, 2, 3, 4]),
            reassignment: Some(Reassignment {
                adding: vec![4],
                removing: vec![1],
            }),
        });
        let credential = ScramCredential {
            salt: vec![1, 2],
            stored_key: vec![3],
            server_key: vec![4],
            iterations: 4096,
        };
        image.apply(&MetadataRecord::scram_credential(
            "alice",
            ScramMechanism::from_type(1).unwrap(),
            &credential,
        ));
        image
    }

    fn same_image(a: &MetadataImage, b: &MetadataImage) -> bool {
        let names = |i: &MetadataImage| {
            i.topic_names
                .iter()
                .map(|(k, v)| (*k, v.clone()))
                .collect::<BTreeMap<_, _>>()
        };
        format!(
            "{:?}",
            (
                &a.topics,
                &a.broker_configs,
                &a.acls,
                &a.client_quotas,
                &a.scram_credentials,
                a.next_producer_id,
                &a.brokers,
                &a.reassignments
            )
        ) == format!(
            "{:?}",
            (
                &b.topics,
                &b.broker_configs,
                &b.acls,
                &b.client_quotas,
                &b.scram_credentials,
                b.next_producer_id,
                &b.brokers,
                &b.reassignments
            )
        ) && names(a) == names(b)
    }

    #[test]
    fn an_image_rebuilds_from_its_records() {
        let image = rich_image();
        let mut rebuilt = MetadataImage::default();
        image.to_records().iter().for_each(|r| rebuilt.apply(r));
        assert!(same_image(&image, &rebuilt));
        assert!(rebuilt.brokers[&3].fenced);
    }

    #[test]
    fn snapshots_replace_the_log_and_a_corrupt_one_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        let image = rich_image();
        let (snapshot_end, second_end) = {
            let (mut log, _) = MetadataLog::open(dir.path(), false, 1024).unwrap();
            for term in 1..=20 {
                log.append(term, &[topic(&format!("t{term}"), 1)]).unwrap();
            }
            let first = log.write_snapshot(10, 10, image.to_records()).unwrap();
            assert_eq!(snapshot_end_offset(&first), 10);
            let second = log.write_snapshot(15, 15, image.to_records()).unwrap();
            for term in 21..=40 {
                log.append(term, &[topic(&format!("t{term}"), 1)]).unwrap();
            }
            // A third snapshot: the first is deleted, and the segments before the second.
            log.write_snapshot(30, 30, image.to_records()).unwrap();
            assert!(log.log_start_offset() > 0 && log.log_start_offset() <= 15);
            log.close().unwrap();
            (snapshot_end_offset(&first), snapshot_end_offset(&second))
        };
        let path = dir.path().join(METADATA_LOG_DIR);
        assert!(!path.join(snapshot_file_name(snapshot_end, 10)).exists());
        assert!(path.join(snapshot_file_name(second_end, 15)).exists());
        let (_, stored) = MetadataLog::open(dir.path(), true, 1024).unwrap();
        let snapshot = stored.snapshot.expect("the latest snapshot");
        assert_eq!((snapshot.index, snapshot.term), (30, 30));
        assert_eq!(
            stored.entries.iter().map(|e| e.term).collect::<Vec<_>>(),
            (31..=40).collect::<Vec<_>>()
        );
        let mut rebuilt = MetadataImage::default();
        snapshot.data.iter().for_each(|r| rebuilt.apply(r));
        assert!(same_image(&image, &rebuilt));

        // A damaged latest snapshot: the one before and the log after it are used.
        let latest = path.join(snapshot_file_name(30, 30));
        let mut bytes = std::fs::read(&latest).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        std::fs::write(&latest, bytes).unwrap();
        let (_, stored) = MetadataLog::open(dir.path(), true, 1024).unwrap();
        assert_eq!(stored.snapshot.as_ref().map(|s| s.index), Some(15));
        assert_eq!(stored.entries.len(), 25);
        assert_eq!(stored.entries[0].term, 16);
    }

    #[test]
    fn a_snapshot_past_the_log_starts_it_over() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = MetadataLog::open(dir.path(), false, 1024).unwrap();
        log.append(1, &[topic("a", 1)]).unwrap();
        // The leader's snapshot of entry 50, ending at offset 70.
        let snapshot = MetadataSnapshot {
            index: 50,
            term: 4,
            data: vec![MetadataRecord::SnapshotIndex {
                index: 50,
                end_offset: 70,
            }],
        };
        log.store_snapshot(&snapshot).unwrap();
        log.append(4, &[topic("b", 1)]).unwrap();
        assert_eq!(log.end_offset_of(51), 71);
        log.close().unwrap();
        let (_, stored) = MetadataLog::open(dir.path(), true, 1024).unwrap();
        assert_eq!(stored.snapshot_index(), 50);
        assert_eq!(stored.entries.len(), 1);
    }

    #[test]
    fn records_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let t = topic("orders", 3);
        let id = match &t {
            MetadataRecord::Topic { id, .. } => *id,
            _ => unreachable!(),
        };
        {
            let (mut log, stored) = MetadataLog::open(dir.path(), false, 1 << 30).unwrap();
            assert!(stored.entries.is_empty());
            log.append(1, &[t.clone(), topic("gone", 1)]).unwrap();
            let gone_id = match &topic("x", 1) {
                MetadataRecord::Topic { id, .. } => *id,
                _ => unreachable!(),
            };
            log.append(1, &[MetadataRecord::RemoveTopic { id: gone_id }])
                .unwrap();
            let mut set = BTreeMap::new();
            set.insert("retention.ms".to_string(), "1000".to_string());
            log.append(
                2,
                &[MetadataRecord::TopicConfig {
                    id,
                    set,
                    delete: vec![],
                }],
            )
            .unwrap();
            log.close().unwrap();
        }
        let (mut log, stored) = MetadataLog::open(dir.path(), true, 1 << 30).unwrap();
        assert_eq!(
            stored.entries.iter().map(|e| e.term).collect::<Vec<_>>(),
            [1, 1, 2]
        );
        let mut image = MetadataImage::default();
        for e in &stored.entries {
            e.payload.iter().for_each(|r| image.apply(r));
        }
        assert_eq!(image.topics.len(), 2);
        assert_eq!(image.topics["orders"].partitions.len(), 3);
        assert_eq!(image.topics["orders"].configs["retention.ms"], "1000");
        assert_eq!(image.topic_by_id(&id).unwrap().name, "orders");
        // Dropping the last two entries leaves the first, and appends continue after it.
        log.truncate_from(2).unwrap();
        log.append(3, &[topic("later", 1)]).unwrap();
        log.close().unwrap();
        let (_log, stored) = MetadataLog::open(dir.path(), true, 1 << 30).unwrap();
        assert_eq!(
            stored.entries.iter().map(|e| e.term).collect::<Vec<_>>(),
            [1, 3]
        );
    }
}
