//! AlterConfigs (the legacy, whole-set form): the given configs replace all overrides.

use kafka_protocol::messages::alter_configs_response::AlterConfigsResourceResponse;
use kafka_protocol::messages::{AlterConfigsRequest, AlterConfigsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use super::incremental_alter_configs::{replace_overrides, Overrides};
use crate::broker::BrokerState;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: AlterConfigsRequest) -> Option<AlterConfigsResponse> {
    let mut response = AlterConfigsResponse::default();
    for resource in request.resources {
        let mut r = AlterConfigsResourceResponse::default();
        r.resource_type = resource.resource_type;
        r.resource_name = resource.resource_name.clone();
        let new: Overrides = resource.configs.iter().filter_map(|c| Some((c.name.to_string(), c.value.as_ref()?.to_string()))).collect();
        if let Err((code, message)) = replace_overrides(state, resource.resource_type, &resource.resource_name, new, request.validate_only).await {
            r.error_code = code.code();
            r.error_message = Some(StrBytes::from_string(message));
        }
        response.responses.push(r);
    }
    Some(response)
}
