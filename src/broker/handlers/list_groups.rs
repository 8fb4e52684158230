//! ListGroups: every group on this coordinator, optionally filtered by state (v4+) and type (v5+).

use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::{GroupId, ListGroupsRequest, ListGroupsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: ListGroupsRequest) -> Option<ListGroupsResponse> {
    let version = header.request_api_version;
    let mut response = ListGroupsResponse::default();
    let classic_wanted = request.types_filter.is_empty() || request.types_filter.iter().any(|t| t.eq_ignore_ascii_case("classic"));
    // DESCRIBE on the cluster lists every group; otherwise the groups one may describe.
    let all = state.authorized_on_cluster(AclOperation::Describe);
    for (id, protocol_type, group_state) in state.groups.list() {
        if !all && !state.authorized(AclOperation::Describe, ResourceType::Group, &id) {
            continue;
        }
        if !request.states_filter.is_empty() && !request.states_filter.iter().any(|s| s.eq_ignore_ascii_case(group_state.name())) {
            continue;
        }
        if version >= 5 && !classic_wanted {
            continue;
        }
        let mut g = ListedGroup::default();
        g.group_id = GroupId(StrBytes::from_string(id));
        g.protocol_type = StrBytes::from_string(protocol_type);
        if version >= 4 {
            g.group_state = StrBytes::from_static_str(group_state.name());
        }
        if version >= 5 {
            g.group_type = StrBytes::from_static_str("classic");
        }
        response.groups.push(g);
    }
    Some(response)
}
