//! SyncGroup: the leader hands out the assignment; every member receives its share.

use kafka_protocol::messages::{RequestHeader, SyncGroupRequest, SyncGroupResponse};
use kafka_protocol::protocol::StrBytes;

use crate::broker::group::coordinator::{Pending, SyncRequest, SyncResult};
use crate::broker::group::store_group;
use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: SyncGroupRequest) -> Option<SyncGroupResponse> {
    let version = header.request_api_version;
    let group_id = request.group_id.0.to_string();
    if !state.authorized(AclOperation::Read, ResourceType::Group, &group_id) {
        let mut response = SyncGroupResponse::default();
        response.error_code = ResponseError::GroupAuthorizationFailed.code();
        return Some(response);
    }
    if let Err(e) = crate::broker::placement::check(state, crate::broker::placement::Internal::Offsets, &group_id).await {
        let mut response = SyncGroupResponse::default();
        response.error_code = e.code();
        return Some(response);
    }
    let sync = SyncRequest {
        group_id: group_id.clone(),
        generation: request.generation_id,
        member_id: request.member_id.to_string(),
        instance_id: request.group_instance_id.as_ref().map(|i| i.to_string()),
        protocol_type: request.protocol_type.as_ref().map(|p| p.to_string()),
        protocol: request.protocol_name.as_ref().map(|p| p.to_string()),
        assignments: request.assignments.iter().map(|a| (a.member_id.to_string(), a.assignment.clone())).collect(),
    };
    let (pending, snapshot) = state.groups.sync(sync);
    if let Some(snapshot) = snapshot {
        // The assignment is stored before anyone is told about it.
        store_group(state, &group_id, &snapshot).await;
    }
    let result = match pending {
        Pending::Ready(r) => r,
        Pending::Wait(rx) => rx.await.unwrap_or(SyncResult {
            error: Some(ResponseError::RebalanceInProgress),
            ..Default::default()
        }),
    };
    let mut response = SyncGroupResponse::default();
    response.error_code = result.error.map_or(0, |e| e.code());
    if version >= 5 {
        response.protocol_type = result.protocol_type.map(StrBytes::from_string);
        response.protocol_name = result.protocol.map(StrBytes::from_string);
    }
    response.assignment = result.assignment;
    Some(response)
}
