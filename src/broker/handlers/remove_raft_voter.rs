//! RemoveRaftVoter (KIP-853): removes a controller from a dynamic quorum's voters, through the
//! log. Made by the quorum's leader (another node forwards it there): refused while another
//! change is pending (REQUEST_TIMED_OUT), for a node that is not a voter or the last voter
//! (VOTER_NOT_FOUND), and on a static quorum (UNSUPPORTED_VERSION). A leader that removed
//! itself steps down once the change commits.

use kafka_protocol::messages::{RemoveRaftVoterRequest, RemoveRaftVoterResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use super::voter_changes;
use crate::acl::AclOperation;
use crate::broker::quorum::rpc::Wire;
use crate::broker::BrokerState;

pub async fn handle(
    state: &BrokerState,
    _header: &RequestHeader,
    request: RemoveRaftVoterRequest,
) -> Option<RemoveRaftVoterResponse> {
    let mut response = RemoveRaftVoterResponse::default();
    let directory_id = (!request.voter_directory_id.is_nil())
        .then(|| crate::broker::storage_format::uuid_to_kafka_string(request.voter_directory_id));
    let change = Wire::RemoveVoter {
        id: request.voter_id,
        directory_id,
    };
    let outcome = match voter_changes::check(state, AclOperation::Alter, request.cluster_id.as_ref()) {
        Ok(()) => state.quorum.change_voters(change).await,
        Err(refused) => Err(refused),
    };
    if let Err((error, message)) = outcome {
        response.error_code = error.code();
        response.error_message = Some(StrBytes::from_string(message));
    }
    Some(response)
}
