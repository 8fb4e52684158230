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
    /// ProducerIdsRecord), so ids stay unique across restarts.
    ProducerIds { broker: i32, next_producer_id: i64 },
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
    ClientQuota { entity: crate::broker::quota::Entity, key: String, value: Option<f64> },
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
                    t.partitions.extend(partitions.iter().cloned());
                    t.partitions.sort_by_key(|p| p.partition);
                }
            }
            MetadataRecord::RemoveTopic { id } => {
                if let Some(name) = self.topic_names.remove(id) {
                    self.topics.remove(&name);
                }
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
                next_producer_id, ..
            } => {
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
                        self.client_quotas.entry(entity).or_default().insert(key.clone(), *v);
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

    /// Looks a topic up by id.
    pub fn topic_by_id(&self, id: &Uuid) -> Option<&TopicMeta> {
        self.topics.get(self.topic_names.get(id)?)
    }
}

/// The durable metadata log of a single node.
#[derive(Debug)]
pub struct MetadataLog {
    log: Log,
}

impl MetadataLog {
    /// Opens (or creates) `__cluster_metadata-0` under `dir` and replays it into an image.
    pub fn open(dir: &Path, had_clean_shutdown: bool) -> Result<(MetadataLog, MetadataImage)> {
        let path = dir.join(METADATA_LOG_DIR);
        std::fs::create_dir_all(&path)?;
        let config = LogConfig {
            flush_messages: 1,
            retention_ms: -1,
            ..LogConfig::default()
        };
        let log = Log::open(&path, config, 0, 0, had_clean_shutdown)?;
        let mut image = MetadataImage::default();
        let mut offset = log.log_start_offset();
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
                for record in set.records {
                    if record.offset < offset {
                        continue;
                    }
                    offset = record.offset + 1;
                    progressed = true;
                    let value = record.value.unwrap_or_default();
                    let parsed: MetadataRecord = serde_json::from_slice(&value).map_err(|e| {
                        Error::Message(format!(
                            "metadata log record at offset {} is unreadable: {e}",
                            record.offset
                        ))
                    })?;
                    image.apply(&parsed);
                }
            }
            if !progressed {
                break;
            }
        }
        Ok((MetadataLog { log }, image))
    }

    /// Appends records durably (one batch, fsynced) before the caller applies them.
    pub fn append(&mut self, records: &[MetadataRecord]) -> Result<()> {
        let now = crate::broker::now_ms();
        let encoded: Vec<Record> = records
            .iter()
            .enumerate()
            .map(|(i, r)| Record {
                transactional: false,
                control: false,
                partition_leader_epoch: 0,
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
        self.log.append_as_leader(buf.freeze(), 0, now)?;
        self.log.flush_all(now)?;
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

    #[test]
    fn records_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let t = topic("orders", 3);
        let id = match &t {
            MetadataRecord::Topic { id, .. } => *id,
            _ => unreachable!(),
        };
        {
            let (mut log, image) = MetadataLog::open(dir.path(), false).unwrap();
            assert!(image.topics.is_empty());
            log.append(&[t.clone(), topic("gone", 1)]).unwrap();
            let gone_id = match &topic("x", 1) {
                MetadataRecord::Topic { id, .. } => *id,
                _ => unreachable!(),
            };
            log.append(&[MetadataRecord::RemoveTopic { id: gone_id }])
                .unwrap();
            let mut set = BTreeMap::new();
            set.insert("retention.ms".to_string(), "1000".to_string());
            log.append(&[MetadataRecord::TopicConfig {
                id,
                set,
                delete: vec![],
            }])
            .unwrap();
            log.close().unwrap();
        }
        let (_log, image) = MetadataLog::open(dir.path(), true).unwrap();
        assert_eq!(image.topics.len(), 2);
        assert_eq!(image.topics["orders"].partitions.len(), 3);
        assert_eq!(image.topics["orders"].configs["retention.ms"], "1000");
        assert_eq!(image.topic_by_id(&id).unwrap().name, "orders");
    }
}
