//! DescribeGroups: state, protocol and members of groups. Member metadata and assignments are
//! shown only in the Stable state, as Kafka does; an unknown group is Dead (v6+: with
//! GROUP_ID_NOT_FOUND).

use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::{DescribeGroupsRequest, DescribeGroupsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::group::coordinator::GroupState;
use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: DescribeGroupsRequest) -> Option<DescribeGroupsResponse> {
    let version = header.request_api_version;
    let mut response = DescribeGroupsResponse::default();
    for id in &request.groups {
        let mut d = DescribedGroup::default();
        d.group_id = id.clone();
        if !state.authorized(AclOperation::Describe, ResourceType::Group, &id.0) {
            d.error_code = ResponseError::GroupAuthorizationFailed.code();
            response.groups.push(d);
            continue;
        }
        if let Err(e) = crate::broker::placement::check(state, crate::broker::placement::Internal::Offsets, &id.0).await {
            d.error_code = e.code();
            response.groups.push(d);
            continue;
        }
        let found = state.groups.with_group(&id.0, |g| {
            let stable = g.state == GroupState::Stable;
            let protocol = g.protocol.clone().unwrap_or_default();
            let members: Vec<DescribedGroupMember> = g
                .members
                .values()
                .map(|m| {
                    let mut x = DescribedGroupMember::default();
                    x.member_id = StrBytes::from_string(m.member_id.clone());
                    if version >= 4 {
                        x.group_instance_id = m.instance_id.clone().map(StrBytes::from_string);
                    }
                    x.client_id = StrBytes::from_string(m.client_id.clone());
                    x.client_host = StrBytes::from_string(m.client_host.clone());
                    if stable {
                        x.member_metadata = m.protocols.iter().find(|(n, _)| *n == protocol).map(|(_, b)| b.clone()).unwrap_or_default();
                        x.member_assignment = m.assignment.clone();
                    }
                    x
                })
                .collect();
            (g.state, g.protocol_type.clone().unwrap_or_default(), protocol, members)
        });
        match found {
            Some((group_state, protocol_type, protocol, members)) => {
                d.group_state = StrBytes::from_static_str(group_state.name());
                d.protocol_type = StrBytes::from_string(protocol_type);
                d.protocol_data = StrBytes::from_string(protocol);
                d.members = members;
            }
            None => {
                d.group_state = StrBytes::from_static_str(GroupState::Dead.name());
                if version >= 6 {
                    d.error_code = ResponseError::GroupIdNotFound.code();
                    d.error_message = Some(StrBytes::from_string(format!("Group {} not found.", id.0)));
                }
            }
        }
        if version >= 3 {
            d.authorized_operations = i32::MIN;
        }
        response.groups.push(d);
    }
    Some(response)
}
