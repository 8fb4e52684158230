//! DescribeClientQuotas: the quotas whose entities match a filter (kafka-configs.sh --describe
//! --entity-type users|clients|ips). Needs DESCRIBE_CONFIGS on the cluster.

use kafka_protocol::messages::describe_client_quotas_response::{EntityData, EntryData, ValueData};
use kafka_protocol::messages::{DescribeClientQuotasRequest, DescribeClientQuotasResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::acl::AclOperation;
use crate::broker::quota::{Entity, CLIENT_ID, IP, USER};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

/// One filter component: an entity type, and which names of it match.
enum Match {
    Exact(String),
    Default,
    Any,
}

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: DescribeClientQuotasRequest) -> Option<DescribeClientQuotasResponse> {
    let mut response = DescribeClientQuotasResponse::default();
    let fail = |mut response: DescribeClientQuotasResponse, code: ResponseError, message: String| {
        response.error_code = code.code();
        response.error_message = Some(StrBytes::from_string(message));
        Some(response)
    };
    if !state.authorized_on_cluster(AclOperation::DescribeConfigs) {
        return fail(response, ResponseError::ClusterAuthorizationFailed, "Cluster authorization failed.".into());
    }
    let mut filter: Vec<(String, Match)> = Vec::new();
    for c in &request.components {
        let entity_type = c.entity_type.to_string();
        if ![USER, CLIENT_ID, IP].contains(&entity_type.as_str()) {
            return fail(response, ResponseError::InvalidRequest, format!("Custom entity type '{entity_type}' not supported"));
        }
        if filter.iter().any(|(t, _)| *t == entity_type) {
            return fail(response, ResponseError::InvalidRequest, format!("Duplicate {entity_type} filter component entity type"));
        }
        let m = match (c.match_type, &c._match) {
            (0, Some(name)) => Match::Exact(name.to_string()),
            (1, _) => Match::Default,
            (2, _) => Match::Any,
            _ => return fail(response, ResponseError::InvalidRequest, format!("Unexpected match type {}", c.match_type)),
        };
        filter.push((entity_type, m));
    }
    let matches = |entity: &Entity| {
        let components_match = filter.iter().all(|(t, m)| {
            entity.iter().find(|(et, _)| et == t).is_some_and(|(_, name)| match m {
                Match::Exact(n) => name.as_deref() == Some(n.as_str()),
                Match::Default => name.is_none(),
                Match::Any => true,
            })
        });
        // Strict: the entity has no component the filter does not name.
        components_match && (!request.strict || entity.len() == filter.len())
    };
    let image = state.image();
    let entries = image
        .client_quotas
        .iter()
        .filter(|(entity, _)| matches(entity))
        .map(|(entity, values)| {
            let mut e = EntryData::default();
            e.entity = entity
                .iter()
                .map(|(t, name)| {
                    let mut d = EntityData::default();
                    d.entity_type = StrBytes::from_string(t.clone());
                    d.entity_name = name.clone().map(StrBytes::from_string);
                    d
                })
                .collect();
            e.values = values
                .iter()
                .map(|(k, v)| {
                    let mut d = ValueData::default();
                    d.key = StrBytes::from_string(k.clone());
                    d.value = *v;
                    d
                })
                .collect();
            e
        })
        .collect();
    response.entries = Some(entries);
    Some(response)
}
