//! AddPartitionsToTxn: partitions join a producer's open transaction. v0-3 carry one
//! transaction; v4+ (broker to broker) a list, possibly `verify_only`.

use kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kafka_protocol::messages::add_partitions_to_txn_response::{AddPartitionsToTxnPartitionResult, AddPartitionsToTxnResult, AddPartitionsToTxnTopicResult};
use kafka_protocol::messages::{AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, RequestHeader};
use kafka_protocol::ResponseError;

use crate::broker::txn;
use crate::broker::BrokerState;

/// Adds (or, with `verify_only`, checks) the partitions; one error code per partition.
async fn add(state: &BrokerState, version: i16, id: &str, pid: i64, epoch: i16, verify_only: bool, topics: &[AddPartitionsToTxnTopic]) -> Vec<AddPartitionsToTxnTopicResult> {
    let wanted: Vec<(String, i32)> = topics.iter().flat_map(|t| t.partitions.iter().map(move |p| (t.name.0.to_string(), *p))).collect();
    // Known to the metadata: on a cluster the coordinator need not host the partition.
    let unknown: Vec<bool> = wanted.iter().map(|(t, p)| state.leader_of(t, *p).is_none()).collect();
    // Kafka's checks: WRITE on the transactional id (or CLUSTER_ACTION for a broker's
    // verify-only request), WRITE on each topic; the other partitions are not attempted.
    let id_allowed = if verify_only {
        state.authorized_on_cluster(crate::acl::AclOperation::ClusterAction)
    } else {
        state.authorized(crate::acl::AclOperation::Write, crate::acl::ResourceType::TransactionalId, id)
    };
    let denied: Vec<bool> = wanted
        .iter()
        .map(|(t, _)| !state.authorized(crate::acl::AclOperation::Write, crate::acl::ResourceType::Topic, t))
        .collect();
    let outcome = if !id_allowed {
        Err(if verify_only { ResponseError::ClusterAuthorizationFailed } else { ResponseError::TransactionalIdAuthorizationFailed })
    } else if denied.iter().any(|d| *d) {
        Err(ResponseError::OperationNotAttempted)
    } else if unknown.iter().any(|u| *u) {
        Err(ResponseError::OperationNotAttempted)
    } else if verify_only {
        let described = txn::snapshot(state).await;
        match described.get(id) {
            Some(m) if m.producer_id == pid && m.producer_epoch == epoch && wanted.iter().all(|tp| m.partitions.contains(tp)) => Ok(()),
            _ => Err(ResponseError::InvalidTxnState),
        }
    } else {
        txn::add_partitions(state, id, pid, epoch, wanted.clone()).await
    };
    let outcome = match outcome {
        Err(ResponseError::ProducerFenced) if version < 2 => Err(ResponseError::InvalidProducerEpoch),
        other => other,
    };
    let mut i = 0;
    topics
        .iter()
        .map(|t| {
            let mut r = AddPartitionsToTxnTopicResult::default();
            r.name = t.name.clone();
            for p in &t.partitions {
                let mut pr = AddPartitionsToTxnPartitionResult::default();
                pr.partition_index = *p;
                pr.partition_error_code = match outcome {
                    Ok(()) => 0,
                    Err(ResponseError::OperationNotAttempted) if denied[i] => ResponseError::TopicAuthorizationFailed.code(),
                    Err(_) if unknown[i] => ResponseError::UnknownTopicOrPartition.code(),
                    Err(e) => e.code(),
                };
                i += 1;
                r.results_by_partition.push(pr);
            }
            r
        })
        .collect()
}

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: AddPartitionsToTxnRequest) -> Option<AddPartitionsToTxnResponse> {
    let version = header.request_api_version;
    let mut response = AddPartitionsToTxnResponse::default();
    if version <= 3 {
        response.results_by_topic_v3_and_below = add(
            state,
            version,
            &request.v3_and_below_transactional_id.0,
            request.v3_and_below_producer_id.0,
            request.v3_and_below_producer_epoch,
            false,
            &request.v3_and_below_topics,
        )
        .await;
    } else {
        for t in &request.transactions {
            let mut r = AddPartitionsToTxnResult::default();
            r.transactional_id = t.transactional_id.clone();
            r.topic_results = add(state, version, &t.transactional_id.0, t.producer_id.0, t.producer_epoch, t.verify_only, &t.topics).await;
            response.results_by_transaction.push(r);
        }
    }
    Some(response)
}
