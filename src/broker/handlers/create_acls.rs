//! CreateAcls: stores ACLs in the metadata log (kafka-acls.sh --add). Needs ALTER on the cluster.

use kafka_protocol::messages::create_acls_response::AclCreationResult;
use kafka_protocol::messages::{CreateAclsRequest, CreateAclsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;
use uuid::Uuid;

use crate::acl::{AclBinding, AclOperation, PatternType, PermissionType, ResourceType};
use crate::broker::metadata::MetadataRecord;
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: CreateAclsRequest) -> Option<CreateAclsResponse> {
    let refuse_all = if !state.config.authorizer_enabled {
        Some((ResponseError::SecurityDisabled, "No Authorizer is configured on the broker".to_string()))
    } else if !state.authorized_on_cluster(AclOperation::Alter) {
        Some((ResponseError::ClusterAuthorizationFailed, "Cluster authorization failed.".to_string()))
    } else {
        None
    };
    let mut results = Vec::with_capacity(request.creations.len());
    let mut records = Vec::new();
    for creation in &request.creations {
        let outcome = match &refuse_all {
            Some(refusal) => Err(refusal.clone()),
            None => binding(creation)
                .and_then(|acl| acl.validate().map(|()| acl))
                .map_err(|m| (ResponseError::InvalidRequest, m)),
        };
        let mut result = AclCreationResult::default();
        match outcome {
            Ok(acl) => {
                let exists = state.image().acls.values().any(|a| *a == acl);
                if !exists && !records.iter().any(|r| matches!(r, MetadataRecord::Acl { acl: a, .. } if *a == acl)) {
                    records.push(MetadataRecord::Acl { id: Uuid::new_v4(), acl });
                }
            }
            Err((code, message)) => {
                result.error_code = code.code();
                result.error_message = Some(StrBytes::from_string(message));
            }
        }
        results.push(result);
    }
    if !records.is_empty() {
        if let Err(e) = state.commit_metadata(records).await {
            tracing::error!(error = %e, "could not store ACLs");
            for r in results.iter_mut().filter(|r| r.error_code == 0) {
                r.error_code = ResponseError::UnknownServerError.code();
                r.error_message = Some(StrBytes::from_string(format!("could not store ACLs: {e}")));
            }
        }
    }
    let mut response = CreateAclsResponse::default();
    response.results = results;
    Some(response)
}

fn binding(c: &kafka_protocol::messages::create_acls_request::AclCreation) -> Result<AclBinding, String> {
    Ok(AclBinding {
        resource_type: ResourceType::from_code(c.resource_type)
            .ok_or_else(|| format!("Unknown resource type code {}", c.resource_type))?,
        resource_name: c.resource_name.to_string(),
        pattern_type: PatternType::from_code(c.resource_pattern_type)
            .ok_or_else(|| format!("Unknown pattern type code {}", c.resource_pattern_type))?,
        principal: c.principal.to_string(),
        host: c.host.to_string(),
        operation: AclOperation::from_code(c.operation)
            .ok_or_else(|| format!("Unknown operation code {}", c.operation))?,
        permission: PermissionType::from_code(c.permission_type)
            .ok_or_else(|| format!("Unknown permission type code {}", c.permission_type))?,
    })
}
