//! FindCoordinator: a group (key type 0) is coordinated by the leader of its
//! `__consumer_offsets` partition, a transactional id (key type 1) by the leader of its
//! `__transaction_state` partition (Kafka's hash, `broker::placement`); the topic is created on
//! first need. The answer is that leader's endpoint on the listener the request came in on,
//! or COORDINATOR_NOT_AVAILABLE while the partition has no live leader.

use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::{BrokerId, FindCoordinatorRequest, FindCoordinatorResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::group::ensure_offsets_topic;
use crate::broker::placement::{leader_for, Internal};
use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

/// `(error, node id, host, port)` for one key.
async fn locate(state: &BrokerState, key: &str, key_type: i8) -> (Option<ResponseError>, i32, String, i32) {
    let none = |e| (Some(e), -1, String::new(), -1);
    match key_type {
        0 if !state.authorized(AclOperation::Describe, ResourceType::Group, key) => none(ResponseError::GroupAuthorizationFailed),
        1 if !state.authorized(AclOperation::Describe, ResourceType::TransactionalId, key) => {
            none(ResponseError::TransactionalIdAuthorizationFailed)
        }
        0 if key.is_empty() => none(ResponseError::InvalidRequest),
        0 => match ensure_offsets_topic(state).await {
            Ok(()) => leader_endpoint(state, Internal::Offsets, key),
            Err(_) => none(ResponseError::CoordinatorNotAvailable),
        },
        1 if key.is_empty() => none(ResponseError::InvalidRequest),
        1 => match crate::broker::txn::ensure_txn_topic(state).await {
            Ok(()) => leader_endpoint(state, Internal::Transactions, key),
            Err(_) => none(ResponseError::CoordinatorNotAvailable),
        },
        _ => none(ResponseError::InvalidRequest),
    }
}

/// The live leader of the key's partition with its endpoint on the request's listener.
fn leader_endpoint(state: &BrokerState, kind: Internal, key: &str) -> (Option<ResponseError>, i32, String, i32) {
    let unavailable = (Some(ResponseError::CoordinatorNotAvailable), -1, String::new(), -1);
    let Some((_, leader, _)) = leader_for(state, kind, key) else {
        return unavailable;
    };
    if leader < 0 {
        return unavailable;
    }
    let listener = crate::broker::network::session().map(|s| s.listener);
    match state.live_brokers(listener.as_deref()).into_iter().find(|(id, _, _)| *id == leader) {
        Some((id, ep, _)) => (None, id, ep.host, ep.port as i32),
        None => unavailable,
    }
}

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: FindCoordinatorRequest) -> Option<FindCoordinatorResponse> {
    let version = header.request_api_version;
    let mut response = FindCoordinatorResponse::default();
    if version >= 4 {
        for key in &request.coordinator_keys {
            let (error, node, host, port) = locate(state, key, request.key_type).await;
            let mut c = Coordinator::default();
            c.key = key.clone();
            c.node_id = BrokerId(node);
            c.host = StrBytes::from_string(host);
            c.port = port;
            if let Some(e) = error {
                c.error_code = e.code();
                c.error_message = Some(StrBytes::from_string(e.to_string()));
            }
            response.coordinators.push(c);
        }
    } else {
        let (error, node, host, port) = locate(state, &request.key, request.key_type).await;
        response.node_id = BrokerId(node);
        response.host = StrBytes::from_string(host);
        response.port = port;
        if let Some(e) = error {
            response.error_code = e.code();
            if version >= 1 {
                response.error_message = Some(StrBytes::from_string(e.to_string()));
            }
        }
    }
    Some(response)
}
