//! IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT on topic configs and dynamic broker
//! configs. Changes go through the metadata log, so they persist and every log picks them up.

use std::collections::BTreeMap;

use kafka_protocol::messages::incremental_alter_configs_response::AlterConfigsResourceResponse;
use kafka_protocol::messages::{IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use super::describe_configs::{BROKER, TOPIC};
use crate::broker::metadata::MetadataRecord;
use crate::broker::topic_config;
use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

/// A resource's config overrides after a change: the full new map.
pub type Overrides = BTreeMap<String, String>;

/// The current overrides of a topic or broker resource.
/// The overrides an ALTER starts from; refused without ALTER_CONFIGS on the resource.
pub fn current_overrides(state: &BrokerState, resource_type: i8, name: &str) -> Result<Overrides, (ResponseError, String)> {
    match resource_type {
        TOPIC if !state.authorized(AclOperation::AlterConfigs, ResourceType::Topic, name) => {
            return Err((ResponseError::TopicAuthorizationFailed, "Topic authorization failed.".into()))
        }
        BROKER if !state.authorized_on_cluster(AclOperation::AlterConfigs) => {
            return Err((ResponseError::ClusterAuthorizationFailed, "Cluster authorization failed.".into()))
        }
        _ => {}
    }
    let image = state.image();
    match resource_type {
        TOPIC => image
            .topics
            .get(name)
            .map(|t| t.configs.clone())
            .ok_or_else(|| (ResponseError::UnknownTopicOrPartition, format!("Topic {name} does not exist."))),
        BROKER => Ok(image.broker_configs.get(&broker_key(state, name)?).cloned().unwrap_or_default()),
        other => Err((ResponseError::InvalidRequest, format!("Unsupported resource type {other}"))),
    }
}

fn broker_key(state: &BrokerState, name: &str) -> Result<Option<i32>, (ResponseError, String)> {
    match name {
        "" => Ok(None),
        n if n == state.node_id.to_string() => Ok(Some(state.node_id)),
        n => Err((ResponseError::InvalidRequest, format!("Unexpected broker id, expected {} or empty string, but received {n}", state.node_id))),
    }
}

/// Validates `new` against the resource's rules and, unless `validate_only`, commits the
/// difference from the current overrides.
pub async fn replace_overrides(state: &BrokerState, resource_type: i8, name: &str, new: Overrides, validate_only: bool) -> Result<(), (ResponseError, String)> {
    let old = current_overrides(state, resource_type, name)?;
    let delete: Vec<String> = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
    let set: Overrides = new.iter().filter(|(k, v)| old.get(*k) != Some(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let invalid = |e: crate::broker::config::ConfigError| (ResponseError::InvalidConfig, e.to_string());
    let record = match resource_type {
        TOPIC => {
            topic_config::validate_topic_configs(&new).map_err(invalid)?;
            let id = state.image().topics.get(name).map(|t| t.id).ok_or((ResponseError::UnknownTopicOrPartition, format!("Topic {name} does not exist.")))?;
            MetadataRecord::TopicConfig { id, set, delete }
        }
        _ => {
            let broker = broker_key(state, name)?;
            let changes = set.iter().map(|(k, v)| (k.as_str(), Some(v.as_str()))).chain(delete.iter().map(|k| (k.as_str(), None)));
            topic_config::validate_dynamic_broker_configs(changes, broker.is_some()).map_err(|e| {
                let code = ResponseError::try_from_code(e.kafka_error_code()).unwrap_or(ResponseError::InvalidConfig);
                (code, e.to_string())
            })?;
            MetadataRecord::BrokerConfig { broker, set, delete }
        }
    };
    if validate_only {
        return Ok(());
    }
    state.commit_metadata(vec![record]).await.map_err(|e| (ResponseError::UnknownServerError, e.to_string()))
}

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: IncrementalAlterConfigsRequest) -> Option<IncrementalAlterConfigsResponse> {
    let mut response = IncrementalAlterConfigsResponse::default();
    for resource in request.resources {
        let mut r = AlterConfigsResourceResponse::default();
        r.resource_type = resource.resource_type;
        r.resource_name = resource.resource_name.clone();
        let outcome = async {
            let mut overrides = current_overrides(state, resource.resource_type, &resource.resource_name)?;
            for c in &resource.configs {
                let key = c.name.to_string();
                let value = c.value.as_ref().map(|v| v.to_string());
                match (c.config_operation, value) {
                    (0, Some(v)) => {
                        overrides.insert(key, v);
                    }
                    (1, _) => {
                        overrides.remove(&key);
                    }
                    (2, Some(v)) | (3, Some(v)) => {
                        let mut items: Vec<String> =
                            overrides.get(&key).map(|s| s.split(',').filter(|x| !x.is_empty()).map(String::from).collect()).unwrap_or_default();
                        for item in v.split(',').filter(|x| !x.is_empty()) {
                            if c.config_operation == 2 && !items.iter().any(|x| x == item) {
                                items.push(item.to_string());
                            } else if c.config_operation == 3 {
                                items.retain(|x| x != item);
                            }
                        }
                        overrides.insert(key, items.join(","));
                    }
                    (op, _) => return Err((ResponseError::InvalidRequest, format!("Invalid operation {op} or missing value for {key}"))),
                }
            }
            replace_overrides(state, resource.resource_type, &resource.resource_name, overrides, request.validate_only).await
        }
        .await;
        if let Err((code, message)) = outcome {
            r.error_code = code.code();
            r.error_message = Some(StrBytes::from_string(message));
        }
        response.responses.push(r);
    }
    Some(response)
}
