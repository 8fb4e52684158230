//! WriteTxnMarkers: commit or abort markers written into partitions this node leads. Kafka's
//! coordinators send it to partition leaders; `kafka-transactions.sh abort` sends it to end a
//! hanging transaction.

use kafka_protocol::messages::write_txn_markers_response::{WritableTxnMarkerPartitionResult, WritableTxnMarkerResult, WritableTxnMarkerTopicResult};
use kafka_protocol::messages::{RequestHeader, WriteTxnMarkersRequest, WriteTxnMarkersResponse};

use crate::broker::txn;
use crate::broker::BrokerState;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: WriteTxnMarkersRequest) -> Option<WriteTxnMarkersResponse> {
    let mut response = WriteTxnMarkersResponse::default();
    // Only brokers write markers: CLUSTER_ACTION.
    let allowed = state.authorized_on_cluster(crate::acl::AclOperation::ClusterAction);
    for marker in &request.markers {
        let mut result = WritableTxnMarkerResult::default();
        result.producer_id = marker.producer_id;
        for topic in &marker.topics {
            let mut t = WritableTxnMarkerTopicResult::default();
            t.name = topic.name.clone();
            for &p in &topic.partition_indexes {
                let mut r = WritableTxnMarkerPartitionResult::default();
                r.partition_index = p;
                if !allowed {
                    r.error_code = kafka_protocol::ResponseError::ClusterAuthorizationFailed.code();
                } else if let Err(e) = txn::write_marker(state, marker.producer_id.0, marker.producer_epoch, marker.transaction_result, marker.coordinator_epoch, &topic.name.0, p).await {
                    r.error_code = e.code();
                }
                t.partitions.push(r);
            }
            result.topics.push(t);
        }
        response.markers.push(result);
    }
    Some(response)
}
