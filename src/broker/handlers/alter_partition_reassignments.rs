//! AlterPartitionReassignments (v0-v1): move partitions to new replica lists (a null list
//! cancels a running reassignment). Needs CLUSTER ALTER. The start (or cancel) is committed as
//! a `PartitionChange`; the controller completes it once every target replica is in the ISR
//! (`quorum::elections`).

use std::time::Duration;

use kafka_protocol::messages::alter_partition_reassignments_response::{ReassignablePartitionResponse, ReassignableTopicResponse};
use kafka_protocol::messages::{AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::acl::AclOperation;
use crate::broker::quorum::elections;
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: AlterPartitionReassignmentsRequest) -> Option<AlterPartitionReassignmentsResponse> {
    let mut response = AlterPartitionReassignmentsResponse::default();
    if header.request_api_version >= 1 {
        response.allow_replication_factor_change = request.allow_replication_factor_change;
    }
    let authorized = state.authorized_on_cluster(AclOperation::Alter);
    if !authorized {
        response.error_code = ResponseError::ClusterAuthorizationFailed.code();
    }
    let mut records = Vec::new();
    let mut outcomes: Vec<Vec<Result<(), (ResponseError, String)>>> = Vec::new();
    {
        let image = state.image();
        for topic in &request.topics {
            let mut results = Vec::new();
            for p in &topic.partitions {
                let name = topic.name.as_str();
                let outcome = if !authorized {
                    Err((ResponseError::ClusterAuthorizationFailed, ResponseError::ClusterAuthorizationFailed.description().to_string()))
                } else {
                    match &p.replicas {
                        None => elections::cancel_reassignment(&image, name, p.partition_index).map(Some),
                        Some(target) => {
                            let target: Vec<i32> = target.iter().map(|b| b.0).collect();
                            let current = image
                                .topics
                                .get(name)
                                .and_then(|t| t.partitions.iter().find(|q| q.partition == p.partition_index))
                                .map(|q| q.replicas.len());
                            match current {
                                Some(n) if !request.allow_replication_factor_change && n != target.len() => Err((
                                    ResponseError::InvalidReplicationFactor,
                                    format!("The replication factor is changed from {n} to {}", target.len()),
                                )),
                                _ => elections::start_reassignment(&image, name, p.partition_index, &target),
                            }
                        }
                    }
                };
                results.push(outcome.map(|record| records.extend(record)));
            }
            outcomes.push(results);
        }
    }
    let mut commit_error = None;
    if !records.is_empty() {
        let timeout = Duration::from_millis(request.timeout_ms.clamp(1000, 300_000) as u64);
        match tokio::time::timeout(timeout, state.commit_metadata(records)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => commit_error = Some((ResponseError::UnknownServerError, e.to_string())),
            Err(_) => commit_error = Some((ResponseError::RequestTimedOut, ResponseError::RequestTimedOut.description().to_string())),
        }
    }
    for (topic, results) in request.topics.iter().zip(outcomes) {
        let mut t = ReassignableTopicResponse::default();
        t.name = topic.name.clone();
        for (p, outcome) in topic.partitions.iter().zip(results) {
            let mut r = ReassignablePartitionResponse::default();
            r.partition_index = p.partition_index;
            if let Err((code, message)) = outcome.and_then(|()| commit_error.clone().map_or(Ok(()), Err)) {
                r.error_code = code.code();
                r.error_message = Some(StrBytes::from_string(message));
            }
            t.partitions.push(r);
        }
        response.responses.push(t);
    }
    Some(response)
}
