//! UpdateRaftVoter (KIP-853): a voter of a dynamic quorum whose endpoint changed (a new port
//! after a restart) asks the leader to record the new one, through the log. kbox's controllers
//! send it over their own channel (`Wire::UpdateVoter`); this handler serves Kafka clients that
//! send the API. Made by the leader (another node forwards it): VOTER_NOT_FOUND for a node that
//! is not a voter, REQUEST_TIMED_OUT while another change is pending.

use kafka_protocol::messages::update_raft_voter_response::CurrentLeader;
use kafka_protocol::messages::{BrokerId, RequestHeader, UpdateRaftVoterRequest, UpdateRaftVoterResponse};
use kafka_protocol::protocol::StrBytes;

use super::voter_changes;
use crate::acl::AclOperation;
use crate::broker::quorum::rpc::Wire;
use crate::broker::BrokerState;

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
    let listeners: Vec<(&str, &str, u16)> = request
        .listeners
        .iter()
        .map(|l| (l.name.as_str(), l.host.as_str(), l.port))
        .collect();
    let outcome = match voter_changes::check(state, AclOperation::ClusterAction, request.cluster_id.as_ref())
        .and_then(|()| voter_changes::endpoint(state, request.voter_id, request.voter_directory_id, &listeners))
    {
        Ok(voter) => quorum.change_voters(Wire::UpdateVoter(voter)).await,
        Err(refused) => Err(refused),
    };
    if let Err((error, _)) = outcome {
        response.error_code = error.code();
    }
    Some(response)
}
