//! DeleteAcls: removes the ACLs each filter matches (kafka-acls.sh --remove). Needs ALTER on
//! the cluster.

use kafka_protocol::messages::delete_acls_response::{DeleteAclsFilterResult, DeleteAclsMatchingAcl};
use kafka_protocol::messages::{DeleteAclsRequest, DeleteAclsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::acl::{acl_filter_from_fields, AclOperation};
use crate::broker::metadata::MetadataRecord;
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: DeleteAclsRequest) -> Option<DeleteAclsResponse> {
    let refuse_all = if !state.config.authorizer_enabled {
        Some((ResponseError::SecurityDisabled, "No Authorizer is configured on the broker"))
    } else if !state.authorized_on_cluster(AclOperation::Alter) {
        Some((ResponseError::ClusterAuthorizationFailed, "Cluster authorization failed."))
    } else {
        None
    };
    let mut results = Vec::with_capacity(request.filters.len());
    let mut removed = Vec::new();
    for f in &request.filters {
        let mut result = DeleteAclsFilterResult::default();
        let filter = match refuse_all {
            Some((code, message)) => Err((code, message.to_string())),
            None => acl_filter_from_fields!(f).map_err(|m| (ResponseError::InvalidRequest, m)),
        };
        match filter {
            Err((code, message)) => {
                result.error_code = code.code();
                result.error_message = Some(StrBytes::from_string(message));
            }
            Ok(filter) => {
                let image = state.image();
                for (id, acl) in image.acls.iter().filter(|(_, a)| filter.matches(a)) {
                    let mut m = DeleteAclsMatchingAcl::default();
                    m.resource_type = acl.resource_type.code();
                    m.resource_name = StrBytes::from_string(acl.resource_name.clone());
                    m.pattern_type = acl.pattern_type.code();
                    m.principal = StrBytes::from_string(acl.principal.clone());
                    m.host = StrBytes::from_string(acl.host.clone());
                    m.operation = acl.operation.code();
                    m.permission_type = acl.permission.code();
                    result.matching_acls.push(m);
                    if !removed.contains(id) {
                        removed.push(*id);
                    }
                }
            }
        }
        results.push(result);
    }
    if !removed.is_empty() {
        let records = removed.into_iter().map(|id| MetadataRecord::RemoveAcl { id }).collect();
        if let Err(e) = state.commit_metadata(records).await {
            tracing::error!(error = %e, "could not delete ACLs");
            for r in results.iter_mut().filter(|r| r.error_code == 0) {
                r.error_code = ResponseError::UnknownServerError.code();
                r.error_message = Some(StrBytes::from_string(format!("could not delete ACLs: {e}")));
                r.matching_acls.clear();
            }
        }
    }
    let mut response = DeleteAclsResponse::default();
    response.filter_results = results;
    Some(response)
}
