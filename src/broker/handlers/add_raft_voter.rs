//! AddRaftVoter (KIP-853): adds a controller to a dynamic quorum's voters, through the log.
//! Made by the quorum's leader (another node forwards it there): refused while another change
//! is pending (REQUEST_TIMED_OUT), for a voter already in the set (DUPLICATE_VOTER), for a node
//! that does not answer on its endpoint or is not a controller caught up with the log
//! (REQUEST_TIMED_OUT), and on a static quorum (UNSUPPORTED_VERSION). Answered once committed.

use kafka_protocol::messages::{AddRaftVoterRequest, AddRaftVoterResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::acl::AclOperation;
use crate::broker::metadata::VoterEndpoint;
use crate::broker::quorum::rpc::Wire;
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(
    state: &BrokerState,
    _header: &RequestHeader,
    request: AddRaftVoterRequest,
) -> Option<AddRaftVoterResponse> {
    let mut response = AddRaftVoterResponse::default();
    let mut fail = |error: ResponseError, message: String| {
        response.error_code = error.code();
        response.error_message = Some(StrBytes::from_string(message));
    };
    if !state.authorized_on_cluster(AclOperation::Alter) {
        fail(ResponseError::ClusterAuthorizationFailed, "Cluster authorization failed.".into());
        return Some(response);
    }
    if let Some(id) = request.cluster_id.as_ref().filter(|c| !c.is_empty() && c.as_str() != state.cluster_id) {
        fail(ResponseError::InconsistentClusterId, format!("The cluster id {id} is not this cluster's."));
        return Some(response);
    }
    // The endpoint on the controller listener the quorum uses.
    let names = &state.config.controller_listener_names;
    let listener = request
        .listeners
        .iter()
        .find(|l| names.iter().any(|n| n == l.name.as_str()))
        .or_else(|| request.listeners.first());
    let Some(listener) = listener else {
        fail(ResponseError::InvalidRequest, "The new voter names no endpoint.".into());
        return Some(response);
    };
    let directory_id = if request.voter_directory_id.is_nil() {
        String::new()
    } else {
        crate::broker::storage_format::uuid_to_kafka_string(request.voter_directory_id)
    };
    let voter = VoterEndpoint {
        id: request.voter_id,
        directory_id,
        host: listener.host.to_string(),
        port: listener.port,
    };
    if let Err((error, message)) = state.quorum.change_voters(Wire::AddVoter(voter)).await {
        fail(error, message);
    }
    Some(response)
}
