//! ListPartitionReassignments (v0): the reassignments in progress, all or of chosen
//! partitions, with the replicas being added and removed. Needs CLUSTER DESCRIBE.

use kafka_protocol::messages::list_partition_reassignments_response::{OngoingPartitionReassignment, OngoingTopicReassignment};
use kafka_protocol::messages::{BrokerId, ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse, RequestHeader, TopicName};
use kafka_protocol::protocol::StrBytes;

use crate::acl::AclOperation;
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: ListPartitionReassignmentsRequest) -> Option<ListPartitionReassignmentsResponse> {
    let mut response = ListPartitionReassignmentsResponse::default();
    if !state.authorized_on_cluster(AclOperation::Describe) {
        response.error_code = ResponseError::ClusterAuthorizationFailed.code();
        response.error_message = Some(StrBytes::from_static_str("Cluster authorization failed."));
        return Some(response);
    }
    let image = state.image();
    let wanted = |topic: &str, partition: i32| match &request.topics {
        None => true,
        Some(topics) => topics.iter().any(|t| t.name.as_str() == topic && t.partition_indexes.contains(&partition)),
    };
    let ids = |list: &[i32]| list.iter().map(|b| BrokerId(*b)).collect::<Vec<_>>();
    for ((topic_id, partition), r) in &image.reassignments {
        let Some(topic) = image.topic_by_id(topic_id) else { continue };
        let Some(p) = topic.partitions.iter().find(|p| p.partition == *partition) else { continue };
        if !wanted(&topic.name, *partition) {
            continue;
        }
        let mut ongoing = OngoingPartitionReassignment::default();
        ongoing.partition_index = *partition;
        ongoing.replicas = ids(&p.replicas);
        ongoing.adding_replicas = ids(&r.adding);
        ongoing.removing_replicas = ids(&r.removing);
        match response.topics.iter_mut().find(|t| t.name.as_str() == topic.name) {
            Some(t) => t.partitions.push(ongoing),
            None => {
                let mut t = OngoingTopicReassignment::default();
                t.name = TopicName(StrBytes::from_string(topic.name.clone()));
                t.partitions.push(ongoing);
                response.topics.push(t);
            }
        }
    }
    Some(response)
}
