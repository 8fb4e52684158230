//! DescribeQuorum: the metadata quorum's leader, epoch, high watermark and each voter's
//! progress (kafka-metadata-quorum.sh). A broker that does not lead asks the active
//! controller, as Kafka forwards the request to it.

use kafka_protocol::messages::describe_quorum_response::{Listener, Node, PartitionData, ReplicaState, TopicData};
use kafka_protocol::messages::{BrokerId, DescribeQuorumRequest, DescribeQuorumResponse, RequestHeader, TopicName};
use kafka_protocol::protocol::StrBytes;

use crate::acl::AclOperation;
use crate::broker::metadata::METADATA_LOG_DIR;
use crate::broker::quorum::node::QuorumStatus;
use crate::broker::quorum::rpc::{self, Wire};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

/// The metadata topic's name (`__cluster_metadata`).
fn metadata_topic() -> &'static str {
    METADATA_LOG_DIR.trim_end_matches("-0")
}

async fn leader_status(state: &BrokerState) -> Option<QuorumStatus> {
    let quorum = &state.quorum;
    if quorum.is_leader() {
        return Some(quorum.status());
    }
    let address = quorum.address_of(quorum.leader()?)?;
    match rpc::call(&state.quorum.transport, &address, &Wire::DescribeQuorum).await {
        Ok(Wire::Status(status)) => Some(status),
        _ => None,
    }
}

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: DescribeQuorumRequest) -> Option<DescribeQuorumResponse> {
    let version = header.request_api_version;
    let mut response = DescribeQuorumResponse::default();
    if !state.authorized_on_cluster(AclOperation::Describe) {
        response.error_code = ResponseError::ClusterAuthorizationFailed.code();
        return Some(response);
    }
    let asked = request
        .topics
        .iter()
        .any(|t| t.topic_name.0.as_str() == metadata_topic() && t.partitions.iter().any(|p| p.partition_index == 0));
    let mut partition = PartitionData::default();
    partition.partition_index = 0;
    match (asked, leader_status(state).await) {
        (false, _) => partition.error_code = ResponseError::UnknownTopicOrPartition.code(),
        (true, None) => partition.error_code = ResponseError::NotLeaderOrFollower.code(),
        (true, Some(status)) => {
            partition.leader_id = BrokerId(status.leader_id);
            partition.leader_epoch = status.leader_epoch as i32;
            partition.high_watermark = status.high_watermark;
            let replica = |v: &crate::broker::quorum::node::VoterStatus| {
                let mut r = ReplicaState::default();
                r.replica_id = BrokerId(v.id);
                r.log_end_offset = v.log_end_offset;
                if version >= 2 {
                    if let Some(id) = v.directory_id.as_deref() {
                        r.replica_directory_id = crate::broker::storage_format::uuid_from_kafka_string(id).unwrap_or_default();
                    }
                }
                if version >= 1 {
                    r.last_fetch_timestamp = v.last_fetch_timestamp;
                    r.last_caught_up_timestamp = v.last_caught_up_timestamp;
                }
                r
            };
            partition.current_voters = status.voters.iter().map(replica).collect();
            partition.observers = status.observers.iter().map(replica).collect();
            if version >= 2 {
                response.nodes = status
                    .voters
                    .iter()
                    .filter_map(|v| {
                        let (host, port) = v.endpoint.as_ref()?.rsplit_once(':')?;
                        let mut listener = Listener::default();
                        listener.name = StrBytes::from_string(
                            state.config.controller_listener_names.first().cloned().unwrap_or_else(|| "CONTROLLER".into()),
                        );
                        listener.host = StrBytes::from_string(host.trim_start_matches('[').trim_end_matches(']').to_string());
                        listener.port = port.parse().ok()?;
                        let mut node = Node::default();
                        node.node_id = BrokerId(v.id);
                        node.listeners = vec![listener];
                        Some(node)
                    })
                    .collect();
            }
        }
    }
    let mut topic = TopicData::default();
    topic.topic_name = TopicName(StrBytes::from_static_str(metadata_topic()));
    topic.partitions = vec![partition];
    response.topics = vec![topic];
    Some(response)
}
