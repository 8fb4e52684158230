//! DescribeLogDirs: each log directory with the size of every partition in it (kafka-log-dirs.sh,
//! admin clients), plus the volume's total and usable bytes.

use std::collections::BTreeMap;

use kafka_protocol::messages::describe_log_dirs_response::{
    DescribeLogDirsPartition, DescribeLogDirsResult, DescribeLogDirsTopic,
};
use kafka_protocol::messages::{
    DescribeLogDirsRequest, DescribeLogDirsResponse, RequestHeader, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::acl::AclOperation;
use crate::broker::BrokerState;

pub async fn handle(
    state: &BrokerState,
    _header: &RequestHeader,
    request: DescribeLogDirsRequest,
) -> Option<DescribeLogDirsResponse> {
    // `None` asks for every partition; otherwise only the listed ones.
    let wanted = request.topics.map(|topics| {
        topics
            .into_iter()
            .map(|t| (t.topic.0.to_string(), t.partitions))
            .collect::<BTreeMap<String, Vec<i32>>>()
    });
    let mut response = DescribeLogDirsResponse::default();
    if !state.authorized_on_cluster(AclOperation::Describe) {
        response.error_code = crate::protocol::ResponseError::ClusterAuthorizationFailed.code();
        return Some(response);
    }
    let partitions = state.replicas.all();
    for dir in &state.config.log_dirs {
        let mut topics: BTreeMap<String, Vec<DescribeLogDirsPartition>> = BTreeMap::new();
        for p in partitions.iter().filter(|p| &p.log_dir == dir) {
            let asked = wanted
                .as_ref()
                .is_none_or(|w| w.get(&p.topic).is_some_and(|ps| ps.contains(&p.index)));
            if !asked {
                continue;
            }
            let log = p.log();
            let mut d = DescribeLogDirsPartition::default();
            d.partition_index = p.index;
            d.partition_size = log.size_bytes() as i64;
            // A leader's lag is 0; followers (a later issue) report how far they trail.
            d.offset_lag = 0;
            d.is_future_key = false;
            topics.entry(p.topic.clone()).or_default().push(d);
        }
        let mut result = DescribeLogDirsResult::default();
        result.log_dir = StrBytes::from_string(dir.display().to_string());
        // Kafka's UNKNOWN_VOLUME_BYTES (-1) when the volume cannot be read.
        let stats = fs4::statvfs(dir).ok();
        result.total_bytes = stats.as_ref().map_or(-1, |s| s.total_space() as i64);
        result.usable_bytes = stats.as_ref().map_or(-1, |s| s.available_space() as i64);
        result.topics = topics
            .into_iter()
            .map(|(name, mut parts)| {
                parts.sort_by_key(|p| p.partition_index);
                let mut t = DescribeLogDirsTopic::default();
                t.name = TopicName(StrBytes::from_string(name));
                t.partitions = parts;
                t
            })
            .collect();
        response.results.push(result);
    }
    Some(response)
}
