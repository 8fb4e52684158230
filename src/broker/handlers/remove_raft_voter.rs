//! RemoveRaftVoter (KIP-853): removes a controller from a dynamic quorum's voters, through the
//! log. Made by the quorum's leader (another node forwards it there): refused while another
//! change is pending (REQUEST_TIMED_OUT), for a node that is not a voter or the last voter
//! (VOTER_NOT_FOUND), and on a static quorum (UNSUPPORTED_VERSION). A leader that removed
//! itself steps down once the change commits.

use kafka_protocol::messages::{RemoveRaftVoterRequest, RemoveRaftVoterResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::acl::AclOperation;
use crate::broker::quorum::rpc::Wire;
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(
    state: &BrokerState,
    _header: &RequestHeader,
    request: RemoveRaftVoterRequest,
) -> Option<RemoveRaftVoterResponse> {
    let mut response = RemoveRaftVoterResponse::default();
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
    let directory_id = (!request.voter_directory_id.is_nil())
        .then(|| crate::broker::storage_format::uuid_to_kafka_string(request.voter_directory_id));
    let change = Wire::RemoveVoter {
        id: request.voter_id,
        directory_id,
    };
    if let Err((error, message)) = state.quorum.change_voters(change).await {
        fail(error, message);
    }
    Some(response)
}
