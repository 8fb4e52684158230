//! The admin client: topics, partitions, configs, offsets and the cluster, as Java's `Admin`.
//!
//! Each call returns per-item results where Kafka answers per item (creating three topics can
//! succeed for two and fail for one), so tools can print Apache's messages for each.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use kafka_protocol::messages::create_partitions_request::{
    CreatePartitionsAssignment, CreatePartitionsTopic,
};
use kafka_protocol::messages::create_topics_request::{
    CreatableReplicaAssignment, CreatableTopic, CreatableTopicConfig,
};
use kafka_protocol::messages::delete_records_request::{
    DeleteRecordsPartition, DeleteRecordsTopic,
};
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::incremental_alter_configs_request::{
    AlterConfigsResource, AlterableConfig,
};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::{
    BrokerId, CreatePartitionsRequest, CreateTopicsRequest, DeleteRecordsRequest,
    DeleteTopicsRequest, DescribeClusterRequest, DescribeConfigsRequest,
    IncrementalAlterConfigsRequest, ListOffsetsRequest, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use kafka_protocol::messages::create_acls_request::AclCreation;
use kafka_protocol::messages::delete_acls_request::DeleteAclsFilter;
use kafka_protocol::messages::{CreateAclsRequest, DeleteAclsRequest, DescribeAclsRequest};

use super::cluster::{is_retriable_metadata_error, BrokerInfo, Client, TopicInfo};
use super::config::{ClientConfig, IsolationLevel};
use crate::acl::{
    self, acl_filter_into_fields, AclBinding, AclFilter, AclOperation, PatternType, PermissionType,
};
use crate::{Error, Result};

/// A topic to create.
#[derive(Debug, Clone, Default)]
pub struct NewTopic {
    pub name: String,
    /// -1: the broker's `num.partitions`.
    pub partitions: i32,
    /// -1: the broker's `default.replication.factor`.
    pub replication_factor: i16,
    /// Explicit replicas per partition (then partitions and replication factor are -1).
    pub assignments: Vec<Vec<i32>>,
    pub configs: Vec<(String, String)>,
}

/// Which offset ListOffsets should find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OffsetSpec {
    Earliest,
    Latest,
    /// The offset of the record with the largest timestamp.
    MaxTimestamp,
    /// The first offset still stored locally (tiered storage; the log start otherwise).
    EarliestLocal,
    /// The first offset whose timestamp is at or after this time (ms).
    Timestamp(i64),
}

impl OffsetSpec {
    fn wire_timestamp(self) -> i64 {
        match self {
            OffsetSpec::Latest => -1,
            OffsetSpec::Earliest => -2,
            OffsetSpec::MaxTimestamp => -3,
            OffsetSpec::EarliestLocal => -4,
            OffsetSpec::Timestamp(t) => t,
        }
    }
}

/// An answer of ListOffsets: the offset (-1 when no record matches a timestamp) and its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedOffset {
    pub offset: i64,
    pub timestamp: i64,
    pub leader_epoch: i32,
}

/// Kafka's config resource types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceType {
    Topic,
    Broker,
    BrokerLogger,
    Group,
    ClientMetrics,
}

impl ResourceType {
    pub fn wire_value(self) -> i8 {
        match self {
            ResourceType::Topic => 2,
            ResourceType::Broker => 4,
            ResourceType::BrokerLogger => 8,
            ResourceType::ClientMetrics => 16,
            ResourceType::Group => 32,
        }
    }
}

/// One config entry as DescribeConfigs reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    pub name: String,
    pub value: Option<String>,
    pub read_only: bool,
    pub is_sensitive: bool,
    /// Kafka's ConfigSource numbers: 1 topic, 2 dynamic broker, 3 dynamic default broker,
    /// 4 static broker, 5 default, 6 dynamic logger.
    pub source: i8,
    pub synonyms: Vec<(String, Option<String>, i8)>,
}

impl ConfigEntry {
    /// Apache's name for the source, as kafka-configs.sh and kafka-topics.sh print it.
    pub fn source_name(&self) -> &'static str {
        config_source_name(self.source)
    }

    /// True when the value was set for this resource rather than inherited.
    pub fn is_override(&self) -> bool {
        self.source == 1 || self.source == 2
    }
}

/// Apache's `ConfigSource` names.
pub fn config_source_name(source: i8) -> &'static str {
    match source {
        1 => "DYNAMIC_TOPIC_CONFIG",
        2 => "DYNAMIC_BROKER_CONFIG",
        3 => "DYNAMIC_DEFAULT_BROKER_CONFIG",
        4 => "STATIC_BROKER_CONFIG",
        5 => "DEFAULT_CONFIG",
        6 => "DYNAMIC_BROKER_LOGGER_CONFIG",
        7 => "CLIENT_METRICS_CONFIG",
        8 => "GROUP_CONFIG",
        _ => "UNKNOWN",
    }
}

/// A topic and partition.
pub type TopicPartitionKey = (String, i32);

/// A per-partition answer: the partition and its value or error.
pub type PartitionResult<T> = (TopicPartitionKey, Result<T>);

/// A reassignment in progress: the partition, its replicas, those being added, those being
/// removed.
pub type OngoingReassignment = (TopicPartitionKey, Vec<i32>, Vec<i32>, Vec<i32>);

/// An incremental config change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlterOp {
    Set(String, String),
    Delete(String),
    Append(String, String),
    Subtract(String, String),
}

/// The cluster as DescribeCluster reports it.
#[derive(Debug, Clone)]
pub struct ClusterDescription {
    pub cluster_id: String,
    pub controller_id: i32,
    pub brokers: Vec<BrokerInfo>,
}

/// The metadata quorum as DescribeQuorum reports it (Java's `QuorumInfo`).
#[derive(Debug, Clone)]
pub struct QuorumInfo {
    pub leader_id: i32,
    pub leader_epoch: i32,
    pub high_watermark: i64,
    pub voters: Vec<QuorumReplica>,
    pub observers: Vec<QuorumReplica>,
    /// Each node's endpoints, `LISTENER://host:port`.
    pub endpoints: HashMap<i32, Vec<String>>,
}

/// One replica of the metadata log; timestamps are None when the leader does not know them.
#[derive(Debug, Clone)]
pub struct QuorumReplica {
    pub id: i32,
    pub directory_id: uuid::Uuid,
    pub log_end_offset: i64,
    pub last_fetch_timestamp: Option<i64>,
    pub last_caught_up_timestamp: Option<i64>,
}

/// Admin operations on a cluster.
#[derive(Debug, Clone)]
pub struct Admin {
    client: Client,
}

impl Admin {
    pub fn new(config: ClientConfig) -> Result<Admin> {
        Ok(Admin {
            client: Client::new(config)?,
        })
    }

    pub fn with_client(client: Client) -> Admin {
        Admin { client }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn timeout_ms(&self) -> i32 {
        self.client
            .request_timeout()
            .as_millis()
            .min(i32::MAX as u128) as i32
    }

    /// Every topic, sorted by name (internal topics only when asked).
    pub async fn list_topics(&self, include_internal: bool) -> Result<Vec<TopicInfo>> {
        let metadata = self.client.refresh_metadata(None, false).await?;
        let mut topics: Vec<TopicInfo> = metadata
            .topics
            .values()
            .filter(|t| include_internal || !t.is_internal)
            .cloned()
            .collect();
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(topics)
    }

    /// Metadata for named topics, in the order asked; unknown topics carry their error code.
    pub async fn describe_topics(&self, names: &[String]) -> Result<Vec<TopicInfo>> {
        let metadata = self.client.refresh_metadata(Some(names), false).await?;
        Ok(names
            .iter()
            .map(|n| {
                metadata.topics.get(n).cloned().unwrap_or(TopicInfo {
                    name: n.clone(),
                    id: uuid::Uuid::nil(),
                    is_internal: false,
                    partitions: Vec::new(),
                    error_code: crate::protocol::ResponseError::UnknownTopicOrPartition.code(),
                })
            })
            .collect())
    }

    /// Eligible leader replicas per partition (KIP-966) through DescribeTopicPartitions, paged;
    /// `None` when the cluster does not have that API (Kafka before 3.8).
    pub async fn eligible_leader_replicas(
        &self,
        names: &[String],
    ) -> Result<Option<HashMap<(String, i32), (Vec<i32>, Vec<i32>)>>> {
        use kafka_protocol::messages::describe_topic_partitions_request::{Cursor, TopicRequest};
        use kafka_protocol::messages::DescribeTopicPartitionsRequest;
        let conn = self.client.any_connection().await?;
        if conn
            .version_for::<DescribeTopicPartitionsRequest>()
            .is_err()
        {
            return Ok(None);
        }
        let mut out = HashMap::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let mut request = DescribeTopicPartitionsRequest::default();
            request.topics = names
                .iter()
                .map(|n| {
                    let mut t = TopicRequest::default();
                    t.name = TopicName(StrBytes::from_string(n.clone()));
                    t
                })
                .collect();
            request.response_partition_limit = 2000;
            request.cursor = cursor.take();
            let response = conn.send(&request).await?;
            for t in &response.topics {
                let Some(name) = t.name.as_ref().map(|n| n.0.to_string()) else {
                    continue;
                };
                for p in &t.partitions {
                    let ids = |v: &Option<Vec<BrokerId>>| {
                        v.as_ref()
                            .map(|v| v.iter().map(|b| b.0).collect())
                            .unwrap_or_default()
                    };
                    out.insert(
                        (name.clone(), p.partition_index),
                        (ids(&p.eligible_leader_replicas), ids(&p.last_known_elr)),
                    );
                }
            }
            match response.next_cursor {
                Some(c) => {
                    let mut next = Cursor::default();
                    next.topic_name = c.topic_name;
                    next.partition_index = c.partition_index;
                    cursor = Some(next);
                }
                None => break,
            }
        }
        Ok(Some(out))
    }

    /// Creates topics; one result per topic, in the order given.
    pub async fn create_topics(
        &self,
        topics: &[NewTopic],
        validate_only: bool,
    ) -> Result<Vec<(String, Result<()>)>> {
        let mut request = CreateTopicsRequest::default();
        request.timeout_ms = self.timeout_ms();
        request.validate_only = validate_only;
        request.topics = topics
            .iter()
            .map(|t| {
                let mut c = CreatableTopic::default();
                c.name = TopicName(StrBytes::from_string(t.name.clone()));
                c.num_partitions = t.partitions;
                c.replication_factor = t.replication_factor;
                c.assignments = t
                    .assignments
                    .iter()
                    .enumerate()
                    .map(|(i, replicas)| {
                        let mut a = CreatableReplicaAssignment::default();
                        a.partition_index = i as i32;
                        a.broker_ids = replicas.iter().map(|b| BrokerId(*b)).collect();
                        a
                    })
                    .collect();
                c.configs = t
                    .configs
                    .iter()
                    .map(|(k, v)| {
                        let mut cfg = CreatableTopicConfig::default();
                        cfg.name = StrBytes::from_string(k.clone());
                        cfg.value = Some(StrBytes::from_string(v.clone()));
                        cfg
                    })
                    .collect();
                c
            })
            .collect();
        let response = self.client.send_to_controller(&request).await?;
        let by_name: HashMap<String, (i16, Option<String>)> = response
            .topics
            .iter()
            .map(|r| {
                (
                    r.name.0.to_string(),
                    (
                        r.error_code,
                        r.error_message.as_ref().map(|m| m.to_string()),
                    ),
                )
            })
            .collect();
        self.client.invalidate_metadata();
        Ok(topics
            .iter()
            .map(|t| (t.name.clone(), per_item(by_name.get(&t.name))))
            .collect())
    }

    /// Deletes topics by name; one result per topic.
    pub async fn delete_topics(&self, names: &[String]) -> Result<Vec<(String, Result<()>)>> {
        let conn = self.client.any_connection().await?;
        let version = conn.version_for::<DeleteTopicsRequest>()?;
        let mut request = DeleteTopicsRequest::default();
        request.timeout_ms = self.timeout_ms();
        let names_wire: Vec<TopicName> = names
            .iter()
            .map(|n| TopicName(StrBytes::from_string(n.clone())))
            .collect();
        if version >= 6 {
            request.topics = names_wire
                .into_iter()
                .map(|n| {
                    let mut s = DeleteTopicState::default();
                    s.name = Some(n);
                    s
                })
                .collect();
        } else {
            request.topic_names = names_wire;
        }
        let response = self.client.send_to_controller(&request).await?;
        let by_name: HashMap<String, (i16, Option<String>)> = response
            .responses
            .iter()
            .filter_map(|r| {
                let name = r.name.as_ref()?.0.to_string();
                Some((
                    name,
                    (
                        r.error_code,
                        r.error_message.as_ref().map(|m| m.to_string()),
                    ),
                ))
            })
            .collect();
        self.client.invalidate_metadata();
        Ok(names
            .iter()
            .map(|n| (n.clone(), per_item(by_name.get(n))))
            .collect())
    }

    /// Grows a topic to `count` partitions.
    pub async fn create_partitions(
        &self,
        topic: &str,
        count: i32,
        assignments: Option<Vec<Vec<i32>>>,
    ) -> Result<()> {
        let mut t = CreatePartitionsTopic::default();
        t.name = TopicName(StrBytes::from_string(topic.to_string()));
        t.count = count;
        t.assignments = assignments.map(|a| {
            a.into_iter()
                .map(|replicas| {
                    let mut x = CreatePartitionsAssignment::default();
                    x.broker_ids = replicas.into_iter().map(BrokerId).collect();
                    x
                })
                .collect()
        });
        let mut request = CreatePartitionsRequest::default();
        request.timeout_ms = self.timeout_ms();
        request.topics = vec![t];
        let response = self.client.send_to_controller(&request).await?;
        self.client.invalidate_metadata();
        match response.results.first() {
            Some(r) => per_item(Some(&(
                r.error_code,
                r.error_message.as_ref().map(|m| m.to_string()),
            ))),
            None => Err(Error::Message("CreatePartitions: empty response".into())),
        }
    }

    /// Describes the configs of resources. Broker resources are asked of that broker, as
    /// Kafka requires; everything else of any broker.
    pub async fn describe_configs(
        &self,
        resources: &[(ResourceType, String)],
        include_synonyms: bool,
    ) -> Result<Vec<(ResourceType, String, Result<Vec<ConfigEntry>>)>> {
        let mut out = Vec::new();
        for (kind, name) in resources {
            let mut resource = DescribeConfigsResource::default();
            resource.resource_type = kind.wire_value();
            resource.resource_name = StrBytes::from_string(name.clone());
            resource.configuration_keys = None;
            let mut request = DescribeConfigsRequest::default();
            request.resources = vec![resource];
            request.include_synonyms = include_synonyms;
            let response = match (kind, name.parse::<i32>()) {
                (ResourceType::Broker | ResourceType::BrokerLogger, Ok(node)) => {
                    self.client.refresh_metadata(Some(&[]), false).await?;
                    self.client.send_to(node, &request).await?
                }
                _ => self.client.send_any(&request).await?,
            };
            let Some(result) = response.results.into_iter().next() else {
                out.push((
                    *kind,
                    name.clone(),
                    Err(Error::Message("DescribeConfigs: empty response".into())),
                ));
                continue;
            };
            if let Some(e) = Error::from_code(
                result.error_code,
                result.error_message.as_ref().map(|m| m.to_string()),
            ) {
                out.push((*kind, name.clone(), Err(e)));
                continue;
            }
            let entries = result
                .configs
                .into_iter()
                .map(|c| ConfigEntry {
                    name: c.name.to_string(),
                    value: c.value.map(|v| v.to_string()),
                    read_only: c.read_only,
                    is_sensitive: c.is_sensitive,
                    source: c.config_source,
                    synonyms: c
                        .synonyms
                        .into_iter()
                        .map(|s| (s.name.to_string(), s.value.map(|v| v.to_string()), s.source))
                        .collect(),
                })
                .collect();
            out.push((*kind, name.clone(), Ok(entries)));
        }
        Ok(out)
    }

    /// Applies incremental config changes to one resource.
    pub async fn incremental_alter_configs(
        &self,
        kind: ResourceType,
        name: &str,
        ops: &[AlterOp],
        validate_only: bool,
    ) -> Result<()> {
        let mut resource = AlterConfigsResource::default();
        resource.resource_type = kind.wire_value();
        resource.resource_name = StrBytes::from_string(name.to_string());
        resource.configs = ops
            .iter()
            .map(|op| {
                let (key, value, code) = match op {
                    AlterOp::Set(k, v) => (k, Some(v), 0),
                    AlterOp::Delete(k) => (k, None, 1),
                    AlterOp::Append(k, v) => (k, Some(v), 2),
                    AlterOp::Subtract(k, v) => (k, Some(v), 3),
                };
                let mut c = AlterableConfig::default();
                c.name = StrBytes::from_string(key.clone());
                c.config_operation = code;
                c.value = value.map(|v| StrBytes::from_string(v.clone()));
                c
            })
            .collect();
        let mut request = IncrementalAlterConfigsRequest::default();
        request.resources = vec![resource];
        request.validate_only = validate_only;
        let response = match (kind, name.parse::<i32>()) {
            (ResourceType::Broker | ResourceType::BrokerLogger, Ok(node)) => {
                self.client.refresh_metadata(Some(&[]), false).await?;
                self.client.send_to(node, &request).await?
            }
            _ => self.client.send_to_controller(&request).await?,
        };
        match response.responses.first() {
            Some(r) => per_item(Some(&(
                r.error_code,
                r.error_message.as_ref().map(|m| m.to_string()),
            ))),
            None => Err(Error::Message(
                "IncrementalAlterConfigs: empty response".into(),
            )),
        }
    }

    /// Finds offsets for partitions; see [`list_offsets`].
    pub async fn list_offsets(
        &self,
        partitions: &[(String, i32)],
        spec: OffsetSpec,
        isolation: IsolationLevel,
    ) -> Result<HashMap<(String, i32), Result<ListedOffset>>> {
        list_offsets(&self.client, partitions, spec, isolation).await
    }

    /// Deletes records before the given offsets (-1: the high watermark); per partition, the
    /// new low watermark or the error. Each partition is asked of its leader.
    pub async fn delete_records(
        &self,
        offsets: &[((String, i32), i64)],
    ) -> Result<Vec<PartitionResult<i64>>> {
        let topics: Vec<String> = offsets.iter().map(|((t, _), _)| t.clone()).collect();
        let metadata = self.client.metadata_for(&topics).await?;
        let mut by_leader: IndexMap<i32, Vec<(TopicPartitionKey, i64)>> = IndexMap::new();
        let mut out = Vec::new();
        for (tp, offset) in offsets {
            match metadata.leader(&tp.0, tp.1) {
                Some(leader) => by_leader
                    .entry(leader)
                    .or_default()
                    .push((tp.clone(), *offset)),
                None => out.push((
                    tp.clone(),
                    Err(Error::Kafka {
                        code: crate::protocol::ResponseError::UnknownTopicOrPartition,
                        message: Some(format!("{}-{} has no leader or does not exist", tp.0, tp.1)),
                    }),
                )),
            }
        }
        for (leader, group) in by_leader {
            let mut by_topic: IndexMap<String, Vec<(i32, i64)>> = IndexMap::new();
            for ((t, p), o) in &group {
                by_topic.entry(t.clone()).or_default().push((*p, *o));
            }
            let mut request = DeleteRecordsRequest::default();
            request.timeout_ms = self.timeout_ms();
            request.topics = by_topic
                .into_iter()
                .map(|(t, ps)| {
                    let mut topic = DeleteRecordsTopic::default();
                    topic.name = TopicName(StrBytes::from_string(t));
                    topic.partitions = ps
                        .into_iter()
                        .map(|(p, o)| {
                            let mut part = DeleteRecordsPartition::default();
                            part.partition_index = p;
                            part.offset = o;
                            part
                        })
                        .collect();
                    topic
                })
                .collect();
            let response = self.client.send_to(leader, &request).await?;
            for t in response.topics {
                for p in t.partitions {
                    let tp = (t.name.0.to_string(), p.partition_index);
                    let result = match Error::from_code(p.error_code, None) {
                        Some(e) => Err(e),
                        None => Ok(p.low_watermark),
                    };
                    out.push((tp, result));
                }
            }
        }
        Ok(out)
    }

    /// Leader elections (ElectLeaders): `election_type` 0 preferred, 1 unclean; `partitions`
    /// None means every partition (the broker then leaves out those needing no election).
    /// A request-level error (e.g. CLUSTER_AUTHORIZATION_FAILED) is the `Err`.
    pub async fn elect_leaders(
        &self,
        election_type: i8,
        partitions: Option<&[TopicPartitionKey]>,
    ) -> Result<Vec<PartitionResult<()>>> {
        use kafka_protocol::messages::elect_leaders_request::TopicPartitions;
        use kafka_protocol::messages::ElectLeadersRequest;
        let conn = self.client.any_connection().await?;
        let version = conn.version_for::<ElectLeadersRequest>()?;
        if version == 0 && election_type != 0 {
            return Err(Error::Message(
                "The broker only supports preferred leader elections (ElectLeaders v0).".into(),
            ));
        }
        let mut request = ElectLeadersRequest::default();
        if version >= 1 {
            request.election_type = election_type;
        }
        request.timeout_ms = self.timeout_ms();
        request.topic_partitions = partitions.map(|list| {
            let mut by_topic: IndexMap<String, Vec<i32>> = IndexMap::new();
            for (t, p) in list {
                by_topic.entry(t.clone()).or_default().push(*p);
            }
            by_topic
                .into_iter()
                .map(|(t, ps)| {
                    let mut topic = TopicPartitions::default();
                    topic.topic = TopicName(StrBytes::from_string(t));
                    topic.partitions = ps;
                    topic
                })
                .collect()
        });
        let response = conn.send(&request).await?;
        self.client.invalidate_metadata();
        if let Some(e) = Error::from_code(response.error_code, None) {
            return Err(e);
        }
        let mut out = Vec::new();
        for t in response.replica_election_results {
            for p in t.partition_result {
                let message = p.error_message.as_ref().map(|m| m.to_string());
                let result = match Error::from_code(p.error_code, message) {
                    Some(e) => Err(e),
                    None => Ok(()),
                };
                out.push(((t.topic.as_str().to_string(), p.partition_id), result));
            }
        }
        Ok(out)
    }

    /// Starts partition reassignments (AlterPartitionReassignments); `None` as the replica
    /// list cancels one. One result per partition; a request-level error is the `Err`.
    pub async fn alter_partition_reassignments(
        &self,
        changes: &[(TopicPartitionKey, Option<Vec<i32>>)],
    ) -> Result<Vec<PartitionResult<()>>> {
        use kafka_protocol::messages::alter_partition_reassignments_request::{
            ReassignablePartition, ReassignableTopic,
        };
        use kafka_protocol::messages::AlterPartitionReassignmentsRequest;
        let mut by_topic: IndexMap<String, Vec<(i32, Option<Vec<i32>>)>> = IndexMap::new();
        for ((t, p), replicas) in changes {
            by_topic
                .entry(t.clone())
                .or_default()
                .push((*p, replicas.clone()));
        }
        let mut request = AlterPartitionReassignmentsRequest::default();
        request.timeout_ms = self.timeout_ms();
        request.topics = by_topic
            .into_iter()
            .map(|(t, ps)| {
                let mut topic = ReassignableTopic::default();
                topic.name = TopicName(StrBytes::from_string(t));
                topic.partitions = ps
                    .into_iter()
                    .map(|(p, replicas)| {
                        let mut part = ReassignablePartition::default();
                        part.partition_index = p;
                        part.replicas = replicas.map(|r| r.into_iter().map(BrokerId).collect());
                        part
                    })
                    .collect();
                topic
            })
            .collect();
        let conn = self.client.any_connection().await?;
        let response = conn.send(&request).await?;
        self.client.invalidate_metadata();
        let message = |m: &Option<StrBytes>| m.as_ref().map(|m| m.to_string());
        if let Some(e) = Error::from_code(response.error_code, message(&response.error_message)) {
            return Err(e);
        }
        let mut out = Vec::new();
        for t in response.responses {
            for p in t.partitions {
                let result = match Error::from_code(p.error_code, message(&p.error_message)) {
                    Some(e) => Err(e),
                    None => Ok(()),
                };
                out.push(((t.name.as_str().to_string(), p.partition_index), result));
            }
        }
        Ok(out)
    }

    /// Reassignments in progress (ListPartitionReassignments): per partition, the replicas,
    /// the ones being added and the ones being removed.
    pub async fn list_partition_reassignments(&self) -> Result<Vec<OngoingReassignment>> {
        use kafka_protocol::messages::ListPartitionReassignmentsRequest;
        let mut request = ListPartitionReassignmentsRequest::default();
        request.timeout_ms = self.timeout_ms();
        let conn = self.client.any_connection().await?;
        let response = conn.send(&request).await?;
        let message = response.error_message.as_ref().map(|m| m.to_string());
        if let Some(e) = Error::from_code(response.error_code, message) {
            return Err(e);
        }
        let ids = |l: &[BrokerId]| l.iter().map(|b| b.0).collect::<Vec<i32>>();
        let mut out = Vec::new();
        for t in response.topics {
            for p in t.partitions {
                out.push((
                    (t.name.as_str().to_string(), p.partition_index),
                    ids(&p.replicas),
                    ids(&p.adding_replicas),
                    ids(&p.removing_replicas),
                ));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// The metadata quorum: leader, epoch, high watermark, voters' progress (DescribeQuorum).
    /// Adds a controller to a dynamic quorum's voters (KIP-853's AddRaftVoter), answered once
    /// the change is committed. `endpoints`: (listener name, host, port).
    pub async fn add_raft_voter(
        &self,
        id: i32,
        directory_id: uuid::Uuid,
        endpoints: &[(String, String, u16)],
    ) -> Result<()> {
        use kafka_protocol::messages::add_raft_voter_request::Listener;
        use kafka_protocol::messages::AddRaftVoterRequest;
        let mut request = AddRaftVoterRequest::default();
        request.timeout_ms = 30_000;
        request.voter_id = id;
        request.voter_directory_id = directory_id;
        request.listeners = endpoints
            .iter()
            .map(|(name, host, port)| {
                let mut l = Listener::default();
                l.name = StrBytes::from_string(name.clone());
                l.host = StrBytes::from_string(host.clone());
                l.port = *port;
                l
            })
            .collect();
        let conn = self.client.any_connection().await?;
        let response = conn.send(&request).await?;
        let message = response.error_message.as_ref().map(|m| m.to_string());
        match Error::from_code(response.error_code, message) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Removes a controller from a dynamic quorum's voters (RemoveRaftVoter).
    pub async fn remove_raft_voter(&self, id: i32, directory_id: uuid::Uuid) -> Result<()> {
        use kafka_protocol::messages::RemoveRaftVoterRequest;
        let mut request = RemoveRaftVoterRequest::default();
        request.voter_id = id;
        request.voter_directory_id = directory_id;
        let conn = self.client.any_connection().await?;
        let response = conn.send(&request).await?;
        let message = response.error_message.as_ref().map(|m| m.to_string());
        match Error::from_code(response.error_code, message) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    pub async fn describe_metadata_quorum(&self) -> Result<QuorumInfo> {
        use kafka_protocol::messages::describe_quorum_request::{PartitionData, TopicData};
        use kafka_protocol::messages::DescribeQuorumRequest;
        let mut partition = PartitionData::default();
        partition.partition_index = 0;
        let mut topic = TopicData::default();
        topic.topic_name = TopicName(StrBytes::from_static_str("__cluster_metadata"));
        topic.partitions = vec![partition];
        let mut request = DescribeQuorumRequest::default();
        request.topics = vec![topic];
        let conn = self.client.any_connection().await?;
        let response = conn.send(&request).await?;
        let message = |m: &Option<StrBytes>| m.as_ref().map(|m| m.to_string());
        if let Some(e) = Error::from_code(response.error_code, message(&response.error_message)) {
            return Err(e);
        }
        let partition = response
            .topics
            .first()
            .and_then(|t| t.partitions.first())
            .ok_or_else(|| Error::Message("DescribeQuorum answered no partition".into()))?;
        if let Some(e) = Error::from_code(partition.error_code, message(&partition.error_message)) {
            return Err(e);
        }
        let replica =
            |r: &kafka_protocol::messages::describe_quorum_response::ReplicaState| QuorumReplica {
                id: r.replica_id.0,
                directory_id: r.replica_directory_id,
                log_end_offset: r.log_end_offset,
                last_fetch_timestamp: (r.last_fetch_timestamp >= 0)
                    .then_some(r.last_fetch_timestamp),
                last_caught_up_timestamp: (r.last_caught_up_timestamp >= 0)
                    .then_some(r.last_caught_up_timestamp),
            };
        Ok(QuorumInfo {
            leader_id: partition.leader_id.0,
            leader_epoch: partition.leader_epoch,
            high_watermark: partition.high_watermark,
            voters: partition.current_voters.iter().map(replica).collect(),
            observers: partition.observers.iter().map(replica).collect(),
            endpoints: response
                .nodes
                .iter()
                .map(|n| {
                    let eps = n
                        .listeners
                        .iter()
                        .map(|l| {
                            format!(
                                "{}://{}",
                                l.name,
                                crate::broker::config::format_host_port(&l.host, l.port)
                            )
                        })
                        .collect();
                    (n.node_id.0, eps)
                })
                .collect(),
        })
    }

    /// The cluster id, controller and brokers (DescribeCluster, or Metadata on old brokers).
    pub async fn describe_cluster(&self) -> Result<ClusterDescription> {
        let conn = self.client.any_connection().await?;
        if conn.version_for::<DescribeClusterRequest>().is_ok() {
            let response = conn.send(&DescribeClusterRequest::default()).await?;
            if let Some(e) = Error::from_code(
                response.error_code,
                response.error_message.as_ref().map(|m| m.to_string()),
            ) {
                return Err(e);
            }
            let mut brokers: Vec<BrokerInfo> = response
                .brokers
                .iter()
                .map(|b| BrokerInfo {
                    node_id: b.broker_id.0,
                    host: b.host.to_string(),
                    port: b.port,
                    rack: b.rack.as_ref().map(|r| r.to_string()),
                })
                .collect();
            brokers.sort_by_key(|b| b.node_id);
            return Ok(ClusterDescription {
                cluster_id: response.cluster_id.to_string(),
                controller_id: response.controller_id.0,
                brokers,
            });
        }
        // Brokers older than DescribeCluster: the same facts from Metadata.
        let metadata = self.client.refresh_metadata(Some(&[]), false).await?;
        let mut brokers: Vec<BrokerInfo> = metadata.brokers.values().cloned().collect();
        brokers.sort_by_key(|b| b.node_id);
        Ok(ClusterDescription {
            cluster_id: metadata.cluster_id.clone().unwrap_or_default(),
            controller_id: metadata.controller_id,
            brokers,
        })
    }
}

impl Admin {
    /// CreateAcls: one result per binding, in order.
    pub async fn create_acls(&self, acls: &[AclBinding]) -> Result<Vec<Result<()>>> {
        let mut request = CreateAclsRequest::default();
        request.creations = acls
            .iter()
            .map(|a| {
                let mut c = AclCreation::default();
                c.resource_type = a.resource_type.code();
                c.resource_name = StrBytes::from_string(a.resource_name.clone());
                c.resource_pattern_type = a.pattern_type.code();
                c.principal = StrBytes::from_string(a.principal.clone());
                c.host = StrBytes::from_string(a.host.clone());
                c.operation = a.operation.code();
                c.permission_type = a.permission.code();
                c
            })
            .collect();
        let conn = self.client.any_connection().await?;
        let response = conn.send(&request).await?;
        let results: Vec<(i16, Option<String>)> = response
            .results
            .iter()
            .map(|r| {
                (
                    r.error_code,
                    r.error_message.as_ref().map(|m| m.to_string()),
                )
            })
            .collect();
        Ok((0..acls.len()).map(|i| per_item(results.get(i))).collect())
    }

    /// DescribeAcls: every ACL the filter matches.
    pub async fn describe_acls(&self, filter: &AclFilter) -> Result<Vec<AclBinding>> {
        let mut request = DescribeAclsRequest::default();
        acl_filter_into_fields!(filter, request);
        let conn = self.client.any_connection().await?;
        let response = conn.send(&request).await?;
        if let Some(e) = Error::from_code(
            response.error_code,
            response.error_message.as_ref().map(|m| m.to_string()),
        ) {
            return Err(e);
        }
        let mut out = Vec::new();
        for r in &response.resources {
            for a in &r.acls {
                out.push(acl_binding(
                    r.resource_type,
                    &r.resource_name,
                    r.pattern_type,
                    &a.principal,
                    &a.host,
                    a.operation,
                    a.permission_type,
                )?);
            }
        }
        Ok(out)
    }

    /// DeleteAcls: per filter, the ACLs it removed.
    pub async fn delete_acls(&self, filters: &[AclFilter]) -> Result<Vec<Result<Vec<AclBinding>>>> {
        let mut request = DeleteAclsRequest::default();
        request.filters = filters
            .iter()
            .map(|f| {
                let mut d = DeleteAclsFilter::default();
                acl_filter_into_fields!(f, d);
                d
            })
            .collect();
        let conn = self.client.any_connection().await?;
        let response = conn.send(&request).await?;
        let mut out = Vec::with_capacity(filters.len());
        for i in 0..filters.len() {
            let Some(r) = response.filter_results.get(i) else {
                out.push(Err(Error::Message(
                    "the broker's response did not mention it".into(),
                )));
                continue;
            };
            if let Some(e) = Error::from_code(
                r.error_code,
                r.error_message.as_ref().map(|m| m.to_string()),
            ) {
                out.push(Err(e));
                continue;
            }
            out.push(
                r.matching_acls
                    .iter()
                    .map(|m| {
                        acl_binding(
                            m.resource_type,
                            &m.resource_name,
                            m.pattern_type,
                            &m.principal,
                            &m.host,
                            m.operation,
                            m.permission_type,
                        )
                    })
                    .collect(),
            );
        }
        Ok(out)
    }
}

/// A client quota entity: `(entity type, name)` pairs, `None` naming the default entity
/// (`[("user", Some("alice")), ("client-id", None)]`).
pub type QuotaEntity = Vec<(String, Option<String>)>;

/// How a quota filter component matches names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuotaMatch {
    Exact(String),
    Default,
    Any,
}

impl Admin {
    /// DescribeClientQuotas: entities matching every component, with their quota values.
    pub async fn describe_client_quotas(
        &self,
        components: &[(String, QuotaMatch)],
        strict: bool,
    ) -> Result<Vec<(QuotaEntity, Vec<(String, f64)>)>> {
        use kafka_protocol::messages::describe_client_quotas_request::ComponentData;
        let mut request = kafka_protocol::messages::DescribeClientQuotasRequest::default();
        request.strict = strict;
        request.components = components
            .iter()
            .map(|(t, m)| {
                let mut c = ComponentData::default();
                c.entity_type = StrBytes::from_string(t.clone());
                (c.match_type, c._match) = match m {
                    QuotaMatch::Exact(n) => (0, Some(StrBytes::from_string(n.clone()))),
                    QuotaMatch::Default => (1, None),
                    QuotaMatch::Any => (2, None),
                };
                c
            })
            .collect();
        let conn = self.client.any_connection().await?;
        let response = conn.send(&request).await?;
        if let Some(e) = Error::from_code(
            response.error_code,
            response.error_message.as_ref().map(|m| m.to_string()),
        ) {
            return Err(e);
        }
        Ok(response
            .entries
            .unwrap_or_default()
            .into_iter()
            .map(|e| {
                let entity = e
                    .entity
                    .iter()
                    .map(|d| {
                        (
                            d.entity_type.to_string(),
                            d.entity_name.as_ref().map(|n| n.to_string()),
                        )
                    })
                    .collect();
                let values = e
                    .values
                    .iter()
                    .map(|v| (v.key.to_string(), v.value))
                    .collect();
                (entity, values)
            })
            .collect())
    }

    /// AlterClientQuotas for one entity: `(key, Some(value))` sets, `(key, None)` removes.
    pub async fn alter_client_quotas(
        &self,
        entity: &QuotaEntity,
        ops: &[(String, Option<f64>)],
        validate_only: bool,
    ) -> Result<()> {
        use kafka_protocol::messages::alter_client_quotas_request::{
            EntityData, EntryData, OpData,
        };
        let mut entry = EntryData::default();
        entry.entity = entity
            .iter()
            .map(|(t, n)| {
                let mut d = EntityData::default();
                d.entity_type = StrBytes::from_string(t.clone());
                d.entity_name = n.clone().map(StrBytes::from_string);
                d
            })
            .collect();
        entry.ops = ops
            .iter()
            .map(|(k, v)| {
                let mut o = OpData::default();
                o.key = StrBytes::from_string(k.clone());
                o.value = v.unwrap_or(0.0);
                o.remove = v.is_none();
                o
            })
            .collect();
        let mut request = kafka_protocol::messages::AlterClientQuotasRequest::default();
        request.entries = vec![entry];
        request.validate_only = validate_only;
        let conn = self.client.any_connection().await?;
        let response = conn.send(&request).await?;
        let first = response.entries.first().map(|e| {
            (
                e.error_code,
                e.error_message.as_ref().map(|m| m.to_string()),
            )
        });
        per_item(first.as_ref())
    }
}

/// An ACL from a response's codes; unknown codes are the broker's error, reported as such.
fn acl_binding(
    resource_type: i8,
    name: &str,
    pattern_type: i8,
    principal: &str,
    host: &str,
    operation: i8,
    permission: i8,
) -> Result<AclBinding> {
    let unknown = |what: &str, code: i8| {
        Error::Message(format!(
            "the broker answered an unknown ACL {what} code {code}"
        ))
    };
    Ok(AclBinding {
        resource_type: acl::ResourceType::from_code(resource_type)
            .ok_or_else(|| unknown("resource type", resource_type))?,
        resource_name: name.to_string(),
        pattern_type: PatternType::from_code(pattern_type)
            .ok_or_else(|| unknown("pattern type", pattern_type))?,
        principal: principal.to_string(),
        host: host.to_string(),
        operation: AclOperation::from_code(operation)
            .ok_or_else(|| unknown("operation", operation))?,
        permission: PermissionType::from_code(permission)
            .ok_or_else(|| unknown("permission", permission))?,
    })
}

fn per_item(answer: Option<&(i16, Option<String>)>) -> Result<()> {
    match answer {
        None => Err(Error::Message(
            "the broker's response did not mention it".into(),
        )),
        Some((code, message)) => match Error::from_code(*code, message.clone()) {
            Some(e) => Err(e),
            None => Ok(()),
        },
    }
}

/// ListOffsets for many partitions: one request per leader, retried after a metadata refresh
/// when leadership moved, bounded by `default.api.timeout.ms`.
pub async fn list_offsets(
    client: &Client,
    partitions: &[(String, i32)],
    spec: OffsetSpec,
    isolation: IsolationLevel,
) -> Result<HashMap<(String, i32), Result<ListedOffset>>> {
    let deadline = Instant::now() + client.config().default_api_timeout()?;
    let backoff = client.config().retry_backoff()?;
    let mut results: HashMap<(String, i32), Result<ListedOffset>> = HashMap::new();
    let mut todo: Vec<(String, i32)> = partitions.to_vec();
    let mut topics: Vec<String> = partitions.iter().map(|(t, _)| t.clone()).collect();
    topics.sort();
    topics.dedup();
    while !todo.is_empty() {
        let metadata = client.metadata_for(&topics).await?;
        let mut by_leader: IndexMap<i32, Vec<(String, i32)>> = IndexMap::new();
        let mut retry = Vec::new();
        for (topic, partition) in todo.drain(..) {
            match metadata.topics.get(&topic) {
                Some(info)
                    if info.error_code != 0 && !is_retriable_metadata_error(info.error_code) =>
                {
                    results.insert((topic, partition), Err(info.error().expect("nonzero code")));
                }
                Some(info)
                    if info.error_code == 0
                        && !info.partitions.iter().any(|p| p.partition == partition) =>
                {
                    results.insert(
                        (topic.clone(), partition),
                        Err(Error::Message(format!(
                            "partition {topic}-{partition} does not exist"
                        ))),
                    );
                }
                _ => match metadata.leader(&topic, partition) {
                    Some(leader) => by_leader
                        .entry(leader)
                        .or_default()
                        .push((topic, partition)),
                    None => retry.push((topic, partition)),
                },
            }
        }
        for (leader, group) in by_leader {
            let mut by_topic: IndexMap<String, Vec<i32>> = IndexMap::new();
            for (t, p) in &group {
                by_topic.entry(t.clone()).or_default().push(*p);
            }
            let mut request = ListOffsetsRequest::default();
            request.replica_id = BrokerId(-1);
            request.isolation_level = isolation.wire_value();
            request.topics = by_topic
                .into_iter()
                .map(|(t, ps)| {
                    let mut lt = ListOffsetsTopic::default();
                    lt.name = TopicName(StrBytes::from_string(t));
                    lt.partitions = ps
                        .into_iter()
                        .map(|p| {
                            let mut lp = ListOffsetsPartition::default();
                            lp.partition_index = p;
                            lp.current_leader_epoch = -1;
                            lp.timestamp = spec.wire_timestamp();
                            lp
                        })
                        .collect();
                    lt
                })
                .collect();
            let conn = match client.connection(leader).await {
                Ok(c) => c,
                Err(_) => {
                    retry.extend(group);
                    continue;
                }
            };
            let version = conn.version_for::<ListOffsetsRequest>()?;
            if version >= 10 {
                request.timeout_ms =
                    client.request_timeout().as_millis().min(i32::MAX as u128) as i32;
            }
            let response = match conn
                .send_at(&request, version, client.request_timeout())
                .await
            {
                Ok(r) => r,
                Err(_) => {
                    retry.extend(group);
                    continue;
                }
            };
            for t in response.topics {
                for p in t.partitions {
                    let key = (t.name.0.to_string(), p.partition_index);
                    if p.error_code == 0 {
                        results.insert(
                            key,
                            Ok(ListedOffset {
                                offset: p.offset,
                                timestamp: p.timestamp,
                                leader_epoch: p.leader_epoch,
                            }),
                        );
                    } else if is_retriable_metadata_error(p.error_code) {
                        retry.push(key);
                    } else {
                        results.insert(
                            key,
                            Err(Error::from_code(p.error_code, None).expect("nonzero")),
                        );
                    }
                }
            }
            for key in group {
                if !results.contains_key(&key) && !retry.contains(&key) {
                    retry.push(key);
                }
            }
        }
        if retry.is_empty() {
            break;
        }
        if Instant::now() + backoff >= deadline {
            for key in retry {
                let (t, p) = key.clone();
                results.insert(
                    key,
                    Err(Error::Timeout(format!("listing offsets of {t}-{p}"))),
                );
            }
            break;
        }
        client.invalidate_metadata();
        tokio::time::sleep(backoff.max(Duration::from_millis(10))).await;
        todo = retry;
    }
    Ok(results)
}
