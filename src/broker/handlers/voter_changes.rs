//! What AddRaftVoter, RemoveRaftVoter and UpdateRaftVoter share: the checks every voter change
//! passes first, and the endpoint a request names for the voter.

use kafka_protocol::protocol::StrBytes;

use crate::acl::AclOperation;
use crate::broker::metadata::VoterEndpoint;
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

/// The requester may make `operation` on the cluster, and the request is for this cluster.
pub fn check(
    state: &BrokerState,
    operation: AclOperation,
    cluster_id: Option<&StrBytes>,
) -> Result<(), (ResponseError, String)> {
    if !state.authorized_on_cluster(operation) {
        return Err((
            ResponseError::ClusterAuthorizationFailed,
            "Cluster authorization failed.".into(),
        ));
    }
    if let Some(id) = cluster_id.filter(|c| !c.is_empty() && c.as_str() != state.cluster_id) {
        return Err((
            ResponseError::InconsistentClusterId,
            format!("The cluster id {id} is not this cluster's."),
        ));
    }
    Ok(())
}

/// The voter's endpoint on the controller listener the quorum uses (else its first), from the
/// request's `(name, host, port)` listeners.
pub fn endpoint(
    state: &BrokerState,
    id: i32,
    directory_id: uuid::Uuid,
    listeners: &[(&str, &str, u16)],
) -> Result<VoterEndpoint, (ResponseError, String)> {
    let names = &state.config.controller_listener_names;
    let (_, host, port) = listeners
        .iter()
        .find(|(name, _, _)| names.iter().any(|n| n == name))
        .or_else(|| listeners.first())
        .ok_or((
            ResponseError::InvalidRequest,
            "The voter names no endpoint.".to_string(),
        ))?;
    Ok(VoterEndpoint {
        id,
        directory_id: if directory_id.is_nil() {
            String::new()
        } else {
            crate::broker::storage_format::uuid_to_kafka_string(directory_id)
        },
        host: host.to_string(),
        port: *port,
    })
}
