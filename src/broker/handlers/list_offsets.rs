//! ListOffsets: earliest (-2), latest (-1), max timestamp (-3), earliest local (-4), or the first
//! offset at or after a timestamp (through the time index).

use kafka_protocol::messages::list_offsets_response::{ListOffsetsPartitionResponse, ListOffsetsTopicResponse};
use kafka_protocol::messages::{ListOffsetsRequest, ListOffsetsResponse, RequestHeader};

use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: ListOffsetsRequest) -> Option<ListOffsetsResponse> {
    let mut response = ListOffsetsResponse::default();
    for topic in request.topics {
        let mut t = ListOffsetsTopicResponse::default();
        t.name = topic.name.clone();
        let allowed = state.authorized(AclOperation::Describe, ResourceType::Topic, &topic.name.0);
        for req in topic.partitions {
            let mut p = ListOffsetsPartitionResponse::default();
            p.partition_index = req.partition_index;
            p.timestamp = -1;
            p.offset = -1;
            p.leader_epoch = -1;
            match state.replicas.get(&topic.name.0, req.partition_index) {
                _ if !allowed => p.error_code = ResponseError::TopicAuthorizationFailed.code(),
                None => p.error_code = ResponseError::UnknownTopicOrPartition.code(),
                Some(partition) => match partition.check_leader_epoch(req.current_leader_epoch) {
                    Err(code) => p.error_code = code.code(),
                    Ok(epoch) => {
                        // read_committed consumers see up to the last stable offset.
                        let hw = if request.isolation_level == 1 { partition.last_stable_offset() } else { partition.high_watermark() };
                        let log = partition.log();
                        p.leader_epoch = epoch;
                        match req.timestamp {
                            -1 => p.offset = hw,
                            -2 | -4 => p.offset = log.log_start_offset(),
                            ts => {
                                let found = if ts == -3 { log.max_timestamp_offset() } else { log.offset_for_timestamp(ts) };
                                match found {
                                    Ok(Some(found)) if found.offset < hw || ts == -3 => {
                                        p.offset = found.offset;
                                        p.timestamp = found.timestamp;
                                        p.leader_epoch = found.leader_epoch.unwrap_or(epoch);
                                    }
                                    Ok(_) => {}
                                    Err(e) => p.error_code = e.response_error().code(),
                                }
                            }
                        }
                    }
                }
            }
            if header.request_api_version < 4 {
                p.leader_epoch = -1;
            }
            t.partitions.push(p);
        }
        response.topics.push(t);
    }
    Some(response)
}
