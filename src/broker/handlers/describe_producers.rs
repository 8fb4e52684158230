//! DescribeProducers: the producer state of partitions this node leads (ids, epochs, last
//! sequence and timestamp, the first offset of an open transaction). `kafka-transactions.sh
//! find-hanging` and `abort --start-offset` build on it.

use kafka_protocol::messages::describe_producers_response::{PartitionResponse, ProducerState, TopicResponse};
use kafka_protocol::messages::{DescribeProducersRequest, DescribeProducersResponse, ProducerId, RequestHeader};
use kafka_protocol::ResponseError;

use crate::broker::BrokerState;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: DescribeProducersRequest) -> Option<DescribeProducersResponse> {
    let mut response = DescribeProducersResponse::default();
    for topic in &request.topics {
        let mut t = TopicResponse::default();
        t.name = topic.name.clone();
        for &index in &topic.partition_indexes {
            let mut p = PartitionResponse::default();
            p.partition_index = index;
            match state.replicas.get(&topic.name.0, index) {
                _ if !state.authorized(crate::acl::AclOperation::Read, crate::acl::ResourceType::Topic, &topic.name.0) => {
                    p.error_code = ResponseError::TopicAuthorizationFailed.code()
                }
                None => p.error_code = ResponseError::UnknownTopicOrPartition.code(),
                Some(partition) => {
                    let log = partition.log();
                    let mut producers: Vec<_> = log.producer_state().producers().collect();
                    producers.sort_by_key(|e| e.producer_id);
                    for e in producers {
                        let mut s = ProducerState::default();
                        s.producer_id = ProducerId(e.producer_id);
                        s.producer_epoch = i32::from(e.epoch);
                        s.last_sequence = e.batches.back().map_or(-1, |b| b.last_seq);
                        s.last_timestamp = e.last_timestamp;
                        s.coordinator_epoch = e.coordinator_epoch;
                        s.current_txn_start_offset = e.txn_first_offset.unwrap_or(-1);
                        p.active_producers.push(s);
                    }
                }
            }
            t.partitions.push(p);
        }
        response.topics.push(t);
    }
    Some(response)
}
