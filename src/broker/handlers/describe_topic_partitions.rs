//! DescribeTopicPartitions (KIP-966): topics with their partitions, leaders, ISR and
//! eligible leader replicas, paged by `response_partition_limit` with a cursor. This node
//! keeps no ELR (there are no other replicas to elect), so the lists are empty, as on a
//! healthy Kafka 4 cluster.

use kafka_protocol::messages::describe_topic_partitions_response::{
    Cursor, DescribeTopicPartitionsResponsePartition, DescribeTopicPartitionsResponseTopic,
};
use kafka_protocol::messages::{BrokerId, DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse, RequestHeader, TopicName};
use kafka_protocol::protocol::StrBytes;

use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: DescribeTopicPartitionsRequest) -> Option<DescribeTopicPartitionsResponse> {
    let image = state.image();
    let may_describe = |name: &str| state.authorized_in(&image, AclOperation::Describe, ResourceType::Topic, name);
    let mut names: Vec<String> = if request.topics.is_empty() {
        image.topics.keys().filter(|n| may_describe(n)).cloned().collect()
    } else {
        request.topics.iter().map(|t| t.name.0.to_string()).collect()
    };
    names.sort();
    names.dedup();
    let (start_topic, start_partition) = match &request.cursor {
        Some(c) => (Some(c.topic_name.0.to_string()), c.partition_index),
        None => (None, 0),
    };
    let mut budget = request.response_partition_limit.max(1) as usize;
    let mut response = DescribeTopicPartitionsResponse::default();
    for name in names {
        if start_topic.as_ref().is_some_and(|s| name < *s) {
            continue;
        }
        let mut t = DescribeTopicPartitionsResponseTopic::default();
        t.name = Some(TopicName(StrBytes::from_string(name.clone())));
        t.topic_authorized_operations = i32::MIN;
        if !may_describe(&name) {
            t.error_code = ResponseError::TopicAuthorizationFailed.code();
            response.topics.push(t);
            continue;
        }
        let Some(meta) = image.topics.get(&name) else {
            t.error_code = ResponseError::UnknownTopicOrPartition.code();
            response.topics.push(t);
            continue;
        };
        t.topic_id = meta.id;
        t.is_internal = meta.is_internal();
        let first = if start_topic.as_deref() == Some(name.as_str()) { start_partition } else { 0 };
        for p in meta.partitions.iter().filter(|p| p.partition >= first) {
            if budget == 0 {
                let mut cursor = Cursor::default();
                cursor.topic_name = TopicName(StrBytes::from_string(name.clone()));
                cursor.partition_index = p.partition;
                response.next_cursor = Some(cursor);
                break;
            }
            budget -= 1;
            let mut x = DescribeTopicPartitionsResponsePartition::default();
            x.partition_index = p.partition;
            x.leader_id = BrokerId(p.leader);
            x.leader_epoch = p.leader_epoch;
            x.replica_nodes = p.replicas.iter().map(|b| BrokerId(*b)).collect();
            x.isr_nodes = p.isr.iter().map(|b| BrokerId(*b)).collect();
            x.eligible_leader_replicas = Some(Vec::new());
            x.last_known_elr = Some(Vec::new());
            t.partitions.push(x);
        }
        response.topics.push(t);
        if response.next_cursor.is_some() {
            break;
        }
    }
    Some(response)
}
