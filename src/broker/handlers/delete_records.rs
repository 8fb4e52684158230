//! DeleteRecords: move a partition's log start offset up (offset -1 means the high watermark);
//! whole segments below it are deleted.

use kafka_protocol::messages::delete_records_response::{DeleteRecordsPartitionResult, DeleteRecordsTopicResult};
use kafka_protocol::messages::{DeleteRecordsRequest, DeleteRecordsResponse, RequestHeader};

use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: DeleteRecordsRequest) -> Option<DeleteRecordsResponse> {
    let mut response = DeleteRecordsResponse::default();
    for topic in request.topics {
        let mut t = DeleteRecordsTopicResult::default();
        t.name = topic.name.clone();
        let allowed = state.authorized(AclOperation::Delete, ResourceType::Topic, topic.name.as_str());
        for p in topic.partitions {
            let mut r = DeleteRecordsPartitionResult::default();
            r.partition_index = p.partition_index;
            r.low_watermark = -1;
            match state.replicas.get(topic.name.as_str(), p.partition_index) {
                _ if !allowed => r.error_code = ResponseError::TopicAuthorizationFailed.code(),
                None => r.error_code = ResponseError::UnknownTopicOrPartition.code(),
                Some(partition) => {
                    let hw = partition.high_watermark();
                    let offset = if p.offset == -1 { hw } else { p.offset };
                    if offset < 0 || offset > hw {
                        r.error_code = ResponseError::OffsetOutOfRange.code();
                    } else {
                        match partition.delete_records_before(offset) {
                            Ok(start) => r.low_watermark = start,
                            Err(e) => r.error_code = e.response_error().code(),
                        }
                    }
                }
            }
            t.partitions.push(r);
        }
        response.topics.push(t);
    }
    Some(response)
}
