//! CreatePartitions: grow a topic's partition count (never shrink it).

use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::{CreatePartitionsRequest, CreatePartitionsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::metadata::{MetadataRecord, PartitionRecord};
use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: CreatePartitionsRequest) -> Option<CreatePartitionsResponse> {
    let mut response = CreatePartitionsResponse::default();
    for topic in request.topics {
        let mut result = CreatePartitionsTopicResult::default();
        result.name = topic.name.clone();
        let outcome = async {
            if !state.authorized(AclOperation::Alter, ResourceType::Topic, topic.name.as_str()) {
                return Err((ResponseError::TopicAuthorizationFailed, "Authorization failed.".to_string()));
            }
            let existing = state.image().topics.get(topic.name.as_str()).cloned();
            let Some(existing) = existing else {
                return Err((ResponseError::UnknownTopicOrPartition, format!("The topic '{}' does not exist.", topic.name.as_str())));
            };
            let current = existing.partitions.len() as i32;
            if topic.count < current {
                return Err((ResponseError::InvalidPartitions, format!("Topic currently has {current} partitions, which is higher than the requested {}.", topic.count)));
            }
            if topic.count == current {
                return Err((ResponseError::InvalidPartitions, format!("Topic already has {current} partitions.")));
            }
            let added = (topic.count - current) as usize;
            let assignments: Vec<Vec<i32>> = match &topic.assignments {
                Some(a) if a.len() != added => {
                    return Err((ResponseError::InvalidReplicaAssignment, format!("Increasing the number of partitions by {added} but {} assignments provided.", a.len())))
                }
                Some(a) => a.iter().map(|x| x.broker_ids.iter().map(|b| b.0).collect()).collect(),
                None => {
                    let image = state.image();
                    let rf = existing.partitions.first().map(|p| p.replicas.len()).unwrap_or(1);
                    let start = existing.partitions.first().and_then(|p| p.replicas.first()).copied().unwrap_or(0).max(0) as usize;
                    crate::broker::quorum::controller::place_replicas(&image, state.node_id, added as i32, rf, current, start)
                        .map_err(|m| (ResponseError::InvalidReplicationFactor, m))?
                }
            };
            let known = |b: &i32| *b == state.node_id || state.image().brokers.contains_key(b);
            if let Some(bad) = assignments.iter().flatten().find(|b| !known(b)) {
                return Err((ResponseError::InvalidReplicaAssignment, format!("Unknown broker {bad} in the replica assignment.")));
            }
            let partitions = assignments
                .into_iter()
                .enumerate()
                .map(|(i, replicas)| PartitionRecord { partition: current + i as i32, isr: replicas.clone(), leader: replicas[0], replicas, leader_epoch: 0 })
                .collect();
            if request.validate_only {
                return Ok(());
            }
            state
                .commit_metadata(vec![MetadataRecord::Partitions { topic_id: existing.id, partitions }])
                .await
                .map_err(|e| (ResponseError::UnknownServerError, e.to_string()))
        }
        .await;
        if let Err((code, message)) = outcome {
            result.error_code = code.code();
            result.error_message = Some(StrBytes::from_string(message));
        }
        response.results.push(result);
    }
    Some(response)
}
