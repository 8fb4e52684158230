//! AddRaftVoter (KIP-853): adds a controller to a dynamic quorum's voters, through the log.
//! Made by the quorum's leader (another node forwards it there): refused while another change
//! is pending (REQUEST_TIMED_OUT), for a voter already in the set (DUPLICATE_VOTER), for a node
//! that does not answer on its endpoint or is not a controller caught up with the log
//! (REQUEST_TIMED_OUT), and on a static quorum (UNSUPPORTED_VERSION). Answered once committed.

use kafka_protocol::messages::{AddRaftVoterRequest, AddRaftVoterResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use super::voter_changes;
use crate::acl::AclOperation;
use crate::broker::quorum::rpc::Wire;
use crate::broker::BrokerState;

pub async fn handle(
    state: &BrokerState,
    _header: &RequestHeader,
    request: AddRaftVoterRequest,
) -> Option<AddRaftVoterResponse> {
    let mut response = AddRaftVoterResponse::default();
    let listeners: Vec<(&str, &str, u16)> = request
        .listeners
        .iter()
        .map(|l| (l.name.as_str(), l.host.as_str(), l.port))
        .collect();
    let outcome = match voter_changes::check(state, AclOperation::Alter, request.cluster_id.as_ref())
        .and_then(|()| voter_changes::endpoint(state, request.voter_id, request.voter_directory_id, &listeners))
    {
        Ok(voter) => state.quorum.change_voters(Wire::AddVoter(voter)).await,
        Err(refused) => Err(refused),
    };
    if let Err((error, message)) = outcome {
        response.error_code = error.code();
        response.error_message = Some(StrBytes::from_string(message));
    }
    Some(response)
}
