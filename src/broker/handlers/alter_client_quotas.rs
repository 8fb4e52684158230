//! AlterClientQuotas: sets and removes client quotas in the metadata log (kafka-configs.sh
//! --alter --entity-type users|clients|ips). Needs ALTER_CONFIGS on the cluster.

use kafka_protocol::messages::alter_client_quotas_response::{EntityData, EntryData};
use kafka_protocol::messages::{AlterClientQuotasRequest, AlterClientQuotasResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::acl::AclOperation;
use crate::broker::metadata::MetadataRecord;
use crate::broker::quota::{self, Entity};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: AlterClientQuotasRequest) -> Option<AlterClientQuotasResponse> {
    let allowed = state.authorized_on_cluster(AclOperation::AlterConfigs);
    let mut response = AlterClientQuotasResponse::default();
    for entry in &request.entries {
        let entity: Entity = quota::canonical(
            entry.entity.iter().map(|e| (e.entity_type.to_string(), e.entity_name.as_ref().map(|n| n.to_string()))).collect(),
        );
        let records: Result<Vec<MetadataRecord>, (ResponseError, String)> = if !allowed {
            Err((ResponseError::ClusterAuthorizationFailed, "Cluster authorization failed.".into()))
        } else {
            entry
                .ops
                .iter()
                .map(|op| {
                    let value = (!op.remove).then_some(op.value);
                    quota::validate(&entity, &op.key, value)
                        .map(|()| MetadataRecord::ClientQuota { entity: entity.clone(), key: op.key.to_string(), value })
                        .map_err(|m| (ResponseError::InvalidRequest, m))
                })
                .collect()
        };
        let outcome = match records {
            Ok(records) if request.validate_only || records.is_empty() => Ok(()),
            Ok(records) => state
                .commit_metadata(records)
                .await
                .map_err(|e| (ResponseError::UnknownServerError, format!("could not store the quota: {e}"))),
            Err(e) => Err(e),
        };
        let mut r = EntryData::default();
        r.entity = entry
            .entity
            .iter()
            .map(|e| {
                let mut d = EntityData::default();
                d.entity_type = e.entity_type.clone();
                d.entity_name = e.entity_name.clone();
                d
            })
            .collect();
        if let Err((code, message)) = outcome {
            r.error_code = code.code();
            r.error_message = Some(StrBytes::from_string(message));
        }
        response.entries.push(r);
    }
    Some(response)
}
