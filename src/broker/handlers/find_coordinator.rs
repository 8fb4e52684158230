//! FindCoordinator: every group (key type 0) and every transactional id (key type 1) is
//! coordinated by this node, the leader of its `__consumer_offsets` / `__transaction_state`
//! partition; the topic is created on first need.

use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::{BrokerId, FindCoordinatorRequest, FindCoordinatorResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::group::ensure_offsets_topic;
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
            Ok(()) => match state.advertised_endpoint() {
                Some(ep) => (None, state.node_id, ep.host.clone(), ep.port as i32),
                None => none(ResponseError::CoordinatorNotAvailable),
            },
            Err(_) => none(ResponseError::CoordinatorNotAvailable),
        },
        1 if key.is_empty() => none(ResponseError::InvalidRequest),
        1 => match crate::broker::txn::ensure_txn_topic(state).await {
            Ok(()) => match state.advertised_endpoint() {
                Some(ep) => (None, state.node_id, ep.host.clone(), ep.port as i32),
                None => none(ResponseError::CoordinatorNotAvailable),
            },
            Err(_) => none(ResponseError::CoordinatorNotAvailable),
        },
        _ => none(ResponseError::InvalidRequest),
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
