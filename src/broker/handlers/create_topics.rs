//! CreateTopics, and the topic creation that Metadata's auto-create shares.

use std::collections::BTreeMap;

use kafka_protocol::messages::create_topics_response::{CreatableTopicConfigs, CreatableTopicResult};
use kafka_protocol::messages::{CreateTopicsRequest, CreateTopicsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;
use uuid::Uuid;

use crate::broker::metadata::{MetadataRecord, PartitionRecord, TopicMeta};
use crate::broker::topic_config;
use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

/// What a topic creation asks for, already defaulted.
pub struct NewTopic {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i16,
    /// Explicit replica lists per partition, when given.
    pub assignments: Vec<Vec<i32>>,
    pub configs: BTreeMap<String, String>,
}

/// A failed creation: Kafka's error code and message.
pub type CreateError = (ResponseError, String);

/// Validates and (unless `validate_only`) creates a topic through the metadata log.
pub async fn create_topic(state: &BrokerState, new: NewTopic, validate_only: bool) -> Result<TopicMeta, CreateError> {
    super::validate_topic_name(&new.name).map_err(|m| (ResponseError::InvalidTopicException, m))?;
    {
        let image = state.image();
        if image.topics.contains_key(&new.name) {
            return Err((ResponseError::TopicAlreadyExists, format!("Topic '{}' already exists.", new.name)));
        }
        let collides = |a: &str| a.replace('.', "_");
        if let Some(other) = image.topics.keys().find(|t| collides(t) == collides(&new.name)) {
            return Err((ResponseError::InvalidTopicException, format!("Topic '{}' collides with existing topic: {other}", new.name)));
        }
    }
    let partitions: Vec<PartitionRecord> = if !new.assignments.is_empty() {
        let mut out = Vec::new();
        for (i, replicas) in new.assignments.iter().enumerate() {
            let known = |b: &i32| *b == state.node_id || state.image().brokers.contains_key(b);
            if let Some(bad) = replicas.iter().find(|b| !known(b)) {
                return Err((ResponseError::InvalidReplicaAssignment, format!("Unknown broker {bad} in the replica assignment.")));
            }
            if replicas.is_empty() {
                return Err((ResponseError::InvalidReplicaAssignment, format!("Partition {i} has an empty replica assignment.")));
            }
            out.push(PartitionRecord { partition: i as i32, replicas: replicas.clone(), isr: replicas.clone(), leader: replicas[0], leader_epoch: 0 });
        }
        out
    } else {
        if new.partitions < 1 {
            return Err((ResponseError::InvalidPartitions, "Number of partitions must be larger than 0.".into()));
        }
        if new.replication_factor < 1 {
            return Err((ResponseError::InvalidReplicationFactor, "Replication factor must be larger than 0.".into()));
        }
        // Replicas round-robin over the live brokers from a random start (rack-aware when
        // broker.rack is set); the first replica leads.
        let start = (Uuid::new_v4().as_u128() % 1_000_003) as usize;
        let placed = {
            let image = state.image();
            crate::broker::quorum::controller::place_replicas(&image, state.node_id, new.partitions, new.replication_factor as usize, 0, start)
        };
        placed
            .map_err(|m| (ResponseError::InvalidReplicationFactor, m))?
            .into_iter()
            .enumerate()
            .map(|(p, replicas)| PartitionRecord { partition: p as i32, leader: replicas[0], isr: replicas.clone(), replicas, leader_epoch: 0 })
            .collect()
    };
    topic_config::validate_topic_configs(&new.configs).map_err(|e| (ResponseError::InvalidConfig, e.to_string()))?;
    let topic = TopicMeta { name: new.name.clone(), id: Uuid::new_v4(), partitions, configs: new.configs };
    if validate_only {
        return Ok(topic);
    }
    let record = MetadataRecord::Topic { name: topic.name.clone(), id: topic.id, partitions: topic.partitions.clone(), configs: topic.configs.clone() };
    state.commit_metadata(vec![record]).await.map_err(|e| (ResponseError::UnknownServerError, e.to_string()))?;
    // Another broker may have created the same name first: its record won.
    if state.image().topics.get(&topic.name).map(|t| t.id) != Some(topic.id) {
        return Err((ResponseError::TopicAlreadyExists, format!("Topic '{}' already exists.", topic.name)));
    }
    tracing::info!(topic = %topic.name, partitions = topic.partitions.len(), "created topic");
    Ok(topic)
}

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: CreateTopicsRequest) -> Option<CreateTopicsResponse> {
    let version = header.request_api_version;
    let mut response = CreateTopicsResponse::default();
    for topic in request.topics {
        let name = topic.name.0.to_string();
        let mut result = CreatableTopicResult::default();
        result.name = topic.name.clone();
        let configs: BTreeMap<String, String> =
            topic.configs.iter().filter_map(|c| Some((c.name.to_string(), c.value.as_ref()?.to_string()))).collect();
        let new = NewTopic {
            name: name.clone(),
            partitions: if topic.num_partitions == -1 { state.config.num_partitions } else { topic.num_partitions },
            replication_factor: if topic.replication_factor == -1 {
                state.config.default_replication_factor as i16
            } else {
                topic.replication_factor
            },
            assignments: {
                let mut a = topic.assignments.clone();
                a.sort_by_key(|x| x.partition_index);
                a.into_iter().map(|x| x.broker_ids.into_iter().map(|b| b.0).collect()).collect()
            },
            configs,
        };
        let rf = new.replication_factor;
        let allowed = state.authorized_on_cluster(AclOperation::Create)
            || state.authorized(AclOperation::Create, ResourceType::Topic, &name);
        let outcome = if allowed {
            create_topic(state, new, request.validate_only).await
        } else {
            Err((ResponseError::TopicAuthorizationFailed, "Authorization failed.".to_string()))
        };
        match outcome {
            Ok(created) => {
                result.topic_id = created.id;
                result.num_partitions = created.partitions.len() as i32;
                result.replication_factor = created.partitions.first().map(|p| p.replicas.len() as i16).unwrap_or(rf);
                if version >= 5 {
                    let entries = topic_config::describe_topic_configs(&state.config, &created.configs);
                    result.configs = Some(
                        entries
                            .into_iter()
                            .map(|e| {
                                let mut c = CreatableTopicConfigs::default();
                                c.name = StrBytes::from_string(e.name);
                                c.value = e.value.map(StrBytes::from_string);
                                c.read_only = e.read_only;
                                c.config_source = e.source.code();
                                c.is_sensitive = e.is_sensitive;
                                c
                            })
                            .collect(),
                    );
                }
            }
            Err((code, message)) => {
                result.error_code = code.code();
                result.error_message = Some(StrBytes::from_string(message));
                result.num_partitions = -1;
                result.replication_factor = -1;
            }
        }
        response.topics.push(result);
    }
    Some(response)
}
