//! DescribeCluster: the cluster id, the controller and the brokers (kafka-cluster.sh, admin clients).

use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::{BrokerId, DescribeClusterRequest, DescribeClusterResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::acl::AclOperation;
use crate::broker::BrokerState;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, _request: DescribeClusterRequest) -> Option<DescribeClusterResponse> {
    let mut response = DescribeClusterResponse::default();
    if !state.authorized_on_cluster(AclOperation::Describe) {
        response.error_code = crate::protocol::ResponseError::ClusterAuthorizationFailed.code();
        return Some(response);
    }
    response.cluster_id = StrBytes::from_string(state.cluster_id.clone());
    response.controller_id = BrokerId(state.controller_id_for_clients());
    response.cluster_authorized_operations = i32::MIN;
    let listener = crate::broker::network::session().map(|s| s.listener);
    response.brokers = state
        .live_brokers(listener.as_deref())
        .into_iter()
        .map(|(id, ep, rack)| {
            let mut b = DescribeClusterBroker::default();
            b.broker_id = BrokerId(id);
            b.host = StrBytes::from_string(ep.host);
            b.port = ep.port as i32;
            b.rack = rack.map(StrBytes::from_string);
            b
        })
        .collect();
    Some(response)
}
