//! DeleteGroups: an empty group and its offsets go (tombstones in `__consumer_offsets`).

use kafka_protocol::messages::delete_groups_response::DeletableGroupResult;
use kafka_protocol::messages::{DeleteGroupsRequest, DeleteGroupsResponse, RequestHeader};

use crate::broker::group::append;
use crate::broker::group::records::{group_key, offset_key};
use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: DeleteGroupsRequest) -> Option<DeleteGroupsResponse> {
    let mut response = DeleteGroupsResponse::default();
    for id in &request.groups_names {
        let mut r = DeletableGroupResult::default();
        r.group_id = id.clone();
        if !state.authorized(AclOperation::Delete, ResourceType::Group, &id.0) {
            r.error_code = ResponseError::GroupAuthorizationFailed.code();
            response.results.push(r);
            continue;
        }
        if let Err(e) = crate::broker::placement::check(state, crate::broker::placement::Internal::Offsets, &id.0).await {
            r.error_code = e.code();
            response.results.push(r);
            continue;
        }
        match state.groups.delete(&id.0) {
            Err(e) => r.error_code = e.code(),
            Ok(partitions) => {
                let mut tombstones: Vec<_> = partitions.iter().map(|(t, p)| (offset_key(&id.0, t, *p), None)).collect();
                tombstones.push((group_key(&id.0), None));
                if let Err(e) = append(state, &id.0, tombstones).await {
                    r.error_code = e.code();
                }
            }
        }
        response.results.push(r);
    }
    Some(response)
}
