//! UpdateRaftVoter (KIP-853): a voter of a dynamic quorum whose endpoint changed (a new port
//! after a restart) asks the leader to record the new one, through the log. kbox's controllers
//! send it over their own channel (`Wire::UpdateVoter`); this handler serves Kafka clients that
//! send the API. Made by the leader (another node forwards it): VOTER_NOT_FOUND for a node that
//! is not a voter, REQUEST_TIMED_OUT while another change is pending.

use kafka_protocol::messages::update_raft_voter_response::CurrentLeader;
use kafka_protocol::messages::{BrokerId, RequestHeader, UpdateRaftVoterRequest, UpdateRaftVoterResponse};
use kafka_protocol::protocol::StrBytes;

use crate::acl::AclOperation;
use crate::broker::metadata::VoterEndpoint;
use crate::broker::quorum::rpc::Wire;
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(
    state: &BrokerState,
    _header: &RequestHeader,
    request: UpdateRaftVoterRequest,
) -> Option<UpdateRaftVoterResponse> {
    let mut response = UpdateRaftVoterResponse::default();
    let quorum = &state.quorum;
    let mut leader = CurrentLeader::default();
    leader.leader_id = BrokerId(quorum.leader().unwrap_or(-1));
    leader.leader_epoch = quorum.status().leader_epoch as i32;
    if let Some((host, port)) = quorum
        .leader()
        .and_then(|l| quorum.address_of(l))
        .and_then(|a| a.rsplit_once(':').map(|(h, p)| (h.to_string(), p.to_string())))
    {
        leader.host = StrBytes::from_string(host.trim_start_matches('[').trim_end_matches(']').to_string());
        leader.port = port.parse().unwrap_or(-1);
    }
    response.current_leader = leader;
    if !state.authorized_on_cluster(AclOperation::ClusterAction) {
        response.error_code = ResponseError::ClusterAuthorizationFailed.code();
        return Some(response);
    }
    if request.cluster_id.as_ref().is_some_and(|c| !c.is_empty() && c.as_str() != state.cluster_id) {
        response.error_code = ResponseError::InconsistentClusterId.code();
        return Some(response);
    }
    let names = &state.config.controller_listener_names;
    let listener = request
        .listeners
        .iter()
        .find(|l| names.iter().any(|n| n == l.name.as_str()))
        .or_else(|| request.listeners.first());
    let Some(listener) = listener else {
        response.error_code = ResponseError::InvalidRequest.code();
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
    if let Err((error, _)) = quorum.change_voters(Wire::UpdateVoter(voter)).await {
        response.error_code = error.code();
    }
    Some(response)
}
