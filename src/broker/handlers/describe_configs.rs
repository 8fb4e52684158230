//! DescribeConfigs: topic configs (overrides, broker defaults, Kafka defaults, with synonyms) and
//! broker configs (static from server.properties, dynamic from the metadata log).

use kafka_protocol::messages::describe_configs_response::{DescribeConfigsResourceResult, DescribeConfigsResult, DescribeConfigsSynonym};
use kafka_protocol::messages::{DescribeConfigsRequest, DescribeConfigsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::topic_config::{self, ConfigEntry, DynamicConfigs};
use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

/// Kafka's ConfigResource types.
pub const TOPIC: i8 = 2;
pub const BROKER: i8 = 4;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: DescribeConfigsRequest) -> Option<DescribeConfigsResponse> {
    let version = header.request_api_version;
    let mut response = DescribeConfigsResponse::default();
    let image = state.image();
    let dynamic = DynamicConfigs { broker: image.broker_configs.get(&Some(state.node_id)), cluster_default: image.broker_configs.get(&None) };
    for resource in request.resources {
        let mut result = DescribeConfigsResult::default();
        result.resource_type = resource.resource_type;
        result.resource_name = resource.resource_name.clone();
        let entries: Result<Vec<ConfigEntry>, (ResponseError, String)> = match resource.resource_type {
            TOPIC if !state.authorized_in(&image, AclOperation::DescribeConfigs, ResourceType::Topic, &resource.resource_name) => {
                Err((ResponseError::TopicAuthorizationFailed, "Topic authorization failed.".into()))
            }
            BROKER if !state.authorized_in(&image, AclOperation::DescribeConfigs, ResourceType::Cluster, crate::acl::CLUSTER_NAME) => {
                Err((ResponseError::ClusterAuthorizationFailed, "Cluster authorization failed.".into()))
            }
            TOPIC => match image.topics.get(resource.resource_name.as_str()) {
                Some(topic) => Ok(topic_config::describe_topic_configs_with(&state.config, dynamic, &topic.configs)),
                None => Err((ResponseError::UnknownTopicOrPartition, format!("Topic {} does not exist.", resource.resource_name))),
            },
            BROKER if resource.resource_name.is_empty() => Ok(topic_config::describe_cluster_default_broker_configs(
                &state.config,
                image.broker_configs.get(&None).unwrap_or(&Default::default()),
            )),
            BROKER if resource.resource_name.as_str() == state.node_id.to_string() => {
                Ok(topic_config::describe_broker_configs_with(&state.config, dynamic))
            }
            BROKER => Err((ResponseError::InvalidRequest, format!("Unexpected broker id, expected {}", state.node_id))),
            other => Err((ResponseError::InvalidRequest, format!("Unsupported resource type {other}"))),
        };
        match entries {
            Ok(entries) => {
                let keys: Option<Vec<String>> = resource.configuration_keys.as_ref().map(|k| k.iter().map(|s| s.to_string()).collect());
                result.configs = entries
                    .into_iter()
                    .filter(|e| keys.as_ref().is_none_or(|k| k.contains(&e.name)))
                    .map(|e| entry(e, version, request.include_synonyms, request.include_documentation))
                    .collect();
            }
            Err((code, message)) => {
                result.error_code = code.code();
                result.error_message = Some(StrBytes::from_string(message));
            }
        }
        response.results.push(result);
    }
    Some(response)
}

fn entry(e: ConfigEntry, version: i16, synonyms: bool, documentation: bool) -> DescribeConfigsResourceResult {
    let mut r = DescribeConfigsResourceResult::default();
    r.name = StrBytes::from_string(e.name);
    r.value = if e.is_sensitive { None } else { e.value.map(StrBytes::from_string) };
    r.read_only = e.read_only;
    r.is_sensitive = e.is_sensitive;
    if version >= 1 {
        r.config_source = e.source.code();
        if synonyms {
            r.synonyms = e
                .synonyms
                .into_iter()
                .map(|s| {
                    let mut x = DescribeConfigsSynonym::default();
                    x.name = StrBytes::from_string(s.name);
                    x.value = s.value.map(StrBytes::from_string);
                    x.source = s.source.code();
                    x
                })
                .collect();
        }
    }
    if version >= 3 {
        r.config_type = e.config_type.code();
        if documentation {
            r.documentation = e.documentation.map(StrBytes::from_static_str);
        }
    }
    r
}
