//! ElectLeaders (v0-v2): preferred or unclean leader election on chosen partitions, or on all
//! (a null list, where partitions needing nothing are left out of the answer, as Kafka does).
//! Needs CLUSTER ALTER. Each election is a `PartitionChange` committed through the controller
//! quorum; a partition's error is Kafka's: ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE,
//! ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION.

use std::time::Duration;

use kafka_protocol::messages::elect_leaders_response::{PartitionResult, ReplicaElectionResult};
use kafka_protocol::messages::{ElectLeadersRequest, ElectLeadersResponse, RequestHeader, TopicName};
use kafka_protocol::protocol::StrBytes;

use crate::acl::AclOperation;
use crate::broker::metadata::MetadataRecord;
use crate::broker::quorum::elections::{self, ElectionType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

/// A partition's answer: elected, or the error and its message.
type Outcome = Result<(), (ResponseError, Option<String>)>;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: ElectLeadersRequest) -> Option<ElectLeadersResponse> {
    let version = header.request_api_version;
    let mut response = ElectLeadersResponse::default();
    // v0 has no election type: always preferred.
    let kind = if version == 0 { Some(ElectionType::Preferred) } else { ElectionType::from_wire(request.election_type) };
    let all = request.topic_partitions.is_none();
    let wanted: Vec<(String, i32)> = match &request.topic_partitions {
        Some(topics) => topics.iter().flat_map(|t| t.partitions.iter().map(|p| (t.topic.as_str().to_string(), *p))).collect(),
        None => state
            .image()
            .topics
            .values()
            .flat_map(|t| t.partitions.iter().map(|p| (t.name.clone(), p.partition)))
            .collect(),
    };
    let refused = if !state.authorized_on_cluster(AclOperation::Alter) {
        Some(ResponseError::ClusterAuthorizationFailed)
    } else if kind.is_none() {
        Some(ResponseError::InvalidRequest)
    } else {
        None
    };
    let mut results: Vec<((String, i32), Outcome)> = Vec::new();
    if let Some(error) = refused {
        if version >= 1 {
            response.error_code = error.code();
        }
        results = wanted.into_iter().map(|tp| (tp, Err((error, None)))).collect();
    } else if let Some(kind) = kind {
        let mut records: Vec<((String, i32), MetadataRecord)> = Vec::new();
        {
            let image = state.image();
            for tp in wanted {
                match elections::elect(&image, &tp.0, tp.1, kind) {
                    Ok(record) => records.push((tp, record)),
                    // Over all partitions, the ones needing nothing are not reported.
                    Err(ResponseError::ElectionNotNeeded) if all => {}
                    Err(e) => results.push((tp, Err((e, None)))),
                }
            }
        }
        if !records.is_empty() {
            let timeout = Duration::from_millis(request.timeout_ms.clamp(1000, 300_000) as u64);
            let commit = state.commit_metadata(records.iter().map(|(_, r)| r.clone()).collect());
            let committed = match tokio::time::timeout(timeout, commit).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err((ResponseError::UnknownServerError, Some(e.to_string()))),
                Err(_) => Err((ResponseError::RequestTimedOut, None)),
            };
            for (tp, record) in records {
                let outcome = committed.clone().and_then(|()| elected(state, &tp, &record, kind));
                results.push((tp, outcome));
            }
        }
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));
    for ((topic, partition), outcome) in results {
        let position = response.replica_election_results.iter().position(|r| r.topic.as_str() == topic);
        let index = position.unwrap_or_else(|| {
            let mut r = ReplicaElectionResult::default();
            r.topic = TopicName(StrBytes::from_string(topic.clone()));
            response.replica_election_results.push(r);
            response.replica_election_results.len() - 1
        });
        let mut p = PartitionResult::default();
        p.partition_id = partition;
        if let Err((code, message)) = outcome {
            p.error_code = code.code();
            p.error_message = Some(StrBytes::from_string(message.unwrap_or_else(|| code.description().to_string())));
        }
        response.replica_election_results[index].partition_result.push(p);
    }
    Some(response)
}

/// Whether the committed election took effect; if another change won the epoch, the error
/// the election would meet now.
fn elected(state: &BrokerState, (topic, partition): &(String, i32), record: &MetadataRecord, kind: ElectionType) -> Result<(), (ResponseError, Option<String>)> {
    let MetadataRecord::PartitionChange { leader, .. } = record else {
        return Ok(());
    };
    if state.leader_of(topic, *partition) == Some(*leader) {
        return Ok(());
    }
    match elections::elect(&state.image(), topic, *partition, kind) {
        Err(e) => Err((e, None)),
        Ok(_) => Err((ResponseError::RequestTimedOut, Some(format!("The leader of {topic}-{partition} changed during the election; retry it.")))),
    }
}
