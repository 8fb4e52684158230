//! LeaveGroup: members leave (one, or a batch from v3); the rest rebalance.

use kafka_protocol::messages::leave_group_response::MemberResponse;
use kafka_protocol::messages::{LeaveGroupRequest, LeaveGroupResponse, RequestHeader};

use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: LeaveGroupRequest) -> Option<LeaveGroupResponse> {
    let version = header.request_api_version;
    let leaving: Vec<(String, Option<String>)> = if version >= 3 {
        request
            .members
            .iter()
            .map(|m| (m.member_id.to_string(), m.group_instance_id.as_ref().map(|i| i.to_string())))
            .collect()
    } else {
        vec![(request.member_id.to_string(), None)]
    };
    let mut response = LeaveGroupResponse::default();
    if !state.authorized(AclOperation::Read, ResourceType::Group, &request.group_id.0) {
        response.error_code = ResponseError::GroupAuthorizationFailed.code();
        return Some(response);
    }
    if let Err(e) = crate::broker::placement::check(state, crate::broker::placement::Internal::Offsets, &request.group_id.0).await {
        response.error_code = e.code();
        return Some(response);
    }
    match state.groups.leave(&request.group_id.0, &leaving) {
        Err(e) => response.error_code = e.code(),
        Ok(errors) => {
            if version >= 3 {
                response.members = leaving
                    .iter()
                    .zip(errors)
                    .map(|((id, instance), error)| {
                        let mut m = MemberResponse::default();
                        m.member_id = kafka_protocol::protocol::StrBytes::from_string(id.clone());
                        m.group_instance_id = instance.clone().map(kafka_protocol::protocol::StrBytes::from_string);
                        m.error_code = error.map_or(0, |e| e.code());
                        m
                    })
                    .collect();
            } else if let Some(Some(e)) = errors.first() {
                response.error_code = e.code();
            }
        }
    }
    Some(response)
}
