//! JoinGroup: register a member and wait until the group's rebalance completes; the leader
//! gets every member's metadata to compute the assignment.

use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::{JoinGroupRequest, JoinGroupResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::group::coordinator::{JoinRequest, JoinResult, Pending};
use crate::broker::network::peer_host;
use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: JoinGroupRequest) -> Option<JoinGroupResponse> {
    let version = header.request_api_version;
    if !state.authorized(AclOperation::Read, ResourceType::Group, &request.group_id.0) {
        let mut response = JoinGroupResponse::default();
        response.error_code = ResponseError::GroupAuthorizationFailed.code();
        response.generation_id = -1;
        response.member_id = request.member_id.clone();
        return Some(response);
    }
    if let Err(e) = crate::broker::placement::check(state, crate::broker::placement::Internal::Offsets, &request.group_id.0).await {
        let mut response = JoinGroupResponse::default();
        response.error_code = e.code();
        response.generation_id = -1;
        response.member_id = request.member_id.clone();
        return Some(response);
    }
    let join = JoinRequest {
        group_id: request.group_id.0.to_string(),
        member_id: request.member_id.to_string(),
        instance_id: request.group_instance_id.as_ref().map(|i| i.to_string()),
        client_id: header.client_id.as_ref().map(|c| c.to_string()).unwrap_or_default(),
        client_host: peer_host(),
        session_timeout_ms: request.session_timeout_ms,
        // v0 has no rebalance timeout: Kafka uses the session timeout.
        rebalance_timeout_ms: if version >= 1 { request.rebalance_timeout_ms } else { request.session_timeout_ms },
        protocol_type: request.protocol_type.to_string(),
        protocols: request.protocols.iter().map(|p| (p.name.to_string(), p.metadata.clone())).collect(),
        require_known_member_id: version >= 4,
    };
    let member_id = join.member_id.clone();
    let result = match state.groups.join(join) {
        Pending::Ready(r) => r,
        Pending::Wait(rx) => rx.await.unwrap_or_else(|_| JoinResult {
            error: Some(ResponseError::UnknownMemberId),
            generation: -1,
            member_id,
            ..Default::default()
        }),
    };
    let mut response = JoinGroupResponse::default();
    response.error_code = result.error.map_or(0, |e| e.code());
    response.generation_id = result.generation;
    response.leader = StrBytes::from_string(result.leader);
    response.member_id = StrBytes::from_string(result.member_id);
    let protocol = result.protocol.unwrap_or_default();
    if version >= 7 {
        response.protocol_type = result.protocol_type.map(StrBytes::from_string);
        response.protocol_name = (!protocol.is_empty()).then(|| StrBytes::from_string(protocol));
    } else {
        response.protocol_name = Some(StrBytes::from_string(protocol));
    }
    if version >= 9 {
        response.skip_assignment = result.skip_assignment;
    }
    response.members = result
        .members
        .into_iter()
        .map(|(id, instance, metadata)| {
            let mut m = JoinGroupResponseMember::default();
            m.member_id = StrBytes::from_string(id);
            if version >= 5 {
                m.group_instance_id = instance.map(StrBytes::from_string);
            }
            m.metadata = metadata;
            m
        })
        .collect();
    Some(response)
}
