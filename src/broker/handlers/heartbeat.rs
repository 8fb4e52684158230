//! Heartbeat: a member is alive; REBALANCE_IN_PROGRESS tells it to rejoin.

use kafka_protocol::messages::{HeartbeatRequest, HeartbeatResponse, RequestHeader};

use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: HeartbeatRequest) -> Option<HeartbeatResponse> {
    let error = if !state.authorized(AclOperation::Read, ResourceType::Group, &request.group_id.0) {
        Some(ResponseError::GroupAuthorizationFailed)
    } else if let Err(e) = crate::broker::placement::check(state, crate::broker::placement::Internal::Offsets, &request.group_id.0).await {
        Some(e)
    } else {
        state.groups.heartbeat(
        &request.group_id.0,
        request.generation_id,
        &request.member_id,
            request.group_instance_id.as_deref(),
        )
    };
    let mut response = HeartbeatResponse::default();
    response.error_code = error.map_or(0, |e| e.code());
    Some(response)
}
