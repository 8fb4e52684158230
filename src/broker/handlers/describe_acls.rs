//! DescribeAcls: the ACLs a filter matches, grouped by resource pattern (kafka-acls.sh --list).
//! Needs DESCRIBE on the cluster.

use std::collections::BTreeMap;

use kafka_protocol::messages::describe_acls_response::{AclDescription, DescribeAclsResource};
use kafka_protocol::messages::{DescribeAclsRequest, DescribeAclsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::acl::{acl_filter_from_fields, AclOperation};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, r: DescribeAclsRequest) -> Option<DescribeAclsResponse> {
    let mut response = DescribeAclsResponse::default();
    let refuse = |response: &mut DescribeAclsResponse, code: ResponseError, message: String| {
        response.error_code = code.code();
        response.error_message = Some(StrBytes::from_string(message));
    };
    if !state.config.authorizer_enabled {
        refuse(&mut response, ResponseError::SecurityDisabled, "No Authorizer is configured on the broker".into());
        return Some(response);
    }
    if !state.authorized_on_cluster(AclOperation::Describe) {
        refuse(&mut response, ResponseError::ClusterAuthorizationFailed, "Cluster authorization failed.".into());
        return Some(response);
    }
    let filter = match acl_filter_from_fields!(r) {
        Ok(f) => f,
        Err(message) => {
            refuse(&mut response, ResponseError::InvalidRequest, message);
            return Some(response);
        }
    };
    let mut by_resource: BTreeMap<(i8, String, i8), Vec<AclDescription>> = BTreeMap::new();
    for acl in state.image().acls.values().filter(|a| filter.matches(a)) {
        let mut d = AclDescription::default();
        d.principal = StrBytes::from_string(acl.principal.clone());
        d.host = StrBytes::from_string(acl.host.clone());
        d.operation = acl.operation.code();
        d.permission_type = acl.permission.code();
        by_resource
            .entry((acl.resource_type.code(), acl.resource_name.clone(), acl.pattern_type.code()))
            .or_default()
            .push(d);
    }
    response.resources = by_resource
        .into_iter()
        .map(|((resource_type, name, pattern_type), acls)| {
            let mut r = DescribeAclsResource::default();
            r.resource_type = resource_type;
            r.resource_name = StrBytes::from_string(name);
            r.pattern_type = pattern_type;
            r.acls = acls;
            r
        })
        .collect();
    Some(response)
}
