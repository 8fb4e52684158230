//! Produce: append each partition's batches to its log as leader. The batches are checked
//! (magic, length, CRC) and stored as they came; records are never decoded.
//! acks=0 gets no response at all, as in Kafka; acks=1 and acks=-1 are answered after the
//! append (and after the fsync when the topic's flush policy asks for one). acks=-1 is
//! refused with NOT_ENOUGH_REPLICAS before appending when the ISR is smaller than
//! `min.insync.replicas`, and answered once every ISR member has fetched past the batch (the
//! high watermark passed it), or with REQUEST_TIMED_OUT after the request's timeout.

use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::{ProduceRequest, ProduceResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::acl::{AclOperation, ResourceType};
use crate::broker::partition::AckWait;
use crate::broker::{quota, BrokerState};
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: ProduceRequest) -> Option<ProduceResponse> {
    let by_id = header.request_api_version >= 13;
    let acks = request.acks;
    let ack_deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(request.timeout_ms.max(0) as u64);
    let mut response = ProduceResponse::default();
    let bytes: usize = request
        .topic_data
        .iter()
        .flat_map(|t| t.partition_data.iter())
        .map(|p| p.records.as_ref().map_or(0, |r| r.len()))
        .sum();
    let client_id = header.client_id.as_deref().unwrap_or("");
    let throttle = state.throttle(quota::PRODUCER_BYTE_RATE, client_id, bytes as f64);
    if header.request_api_version >= 1 {
        response.throttle_time_ms = i32::try_from(throttle.as_millis()).unwrap_or(i32::MAX);
    }
    let transaction_allowed = request
        .transactional_id
        .as_ref()
        .is_none_or(|id| state.authorized(AclOperation::Write, ResourceType::TransactionalId, id));
    // First append everything, then wait (fsync, replicas): the connection is released in
    // between, so the client's next request is read and appended while this one waits.
    let mut waits = Vec::new();
    for topic in request.topic_data {
        let name = if by_id {
            state.image().topic_by_id(&topic.topic_id).map(|t| t.name.clone())
        } else {
            Some(topic.name.0.to_string())
        };
        let refused = if !transaction_allowed {
            Some(ResponseError::TransactionalIdAuthorizationFailed)
        } else if name.as_ref().is_some_and(|n| !state.authorized(AclOperation::Write, ResourceType::Topic, n)) {
            Some(ResponseError::TopicAuthorizationFailed)
        } else {
            None
        };
        let mut topic_response = TopicProduceResponse::default();
        topic_response.name = topic.name.clone();
        topic_response.topic_id = topic.topic_id;
        for data in topic.partition_data {
            let mut p = PartitionProduceResponse::default();
            p.index = data.index;
            p.base_offset = -1;
            p.log_append_time_ms = -1;
            p.log_start_offset = -1;
            let partition = name.as_ref().and_then(|n| state.replicas.get(n, data.index));
            let outcome = match (partition, data.records) {
                _ if !(-1..=1).contains(&acks) => Err((ResponseError::InvalidRequiredAcks, None)),
                _ if refused.is_some() => Err((refused.unwrap_or(ResponseError::TopicAuthorizationFailed), None)),
                (None, _) if by_id && name.is_none() => Err((ResponseError::UnknownTopicId, None)),
                // Only the leader takes writes; a client with stale metadata refreshes it.
                _ if name.as_ref().and_then(|n| state.leader_of(n, data.index)).is_some_and(|l| l != state.node_id) => {
                    Err((ResponseError::NotLeaderOrFollower, None))
                }
                (None, _) => Err((ResponseError::UnknownTopicOrPartition, None)),
                (Some(_), None) => Err((ResponseError::InvalidRecord, Some("produce request without records".to_string()))),
                (Some(partition), _) if acks == -1 && (partition.isr().len() as i32) < state.min_insync_replicas(&partition.topic) => {
                    Err((ResponseError::NotEnoughReplicas, None))
                }
                // The leader epoch is read before appending: acks wait only while it lasts.
                (Some(partition), Some(records)) => match (partition.leader_epoch(), partition.append_as_leader_unflushed(records)) {
                    (epoch, Ok((info, flush))) => {
                        state.metrics.produced(&partition.topic, info.bytes as u64, info.record_count.max(0) as u64);
                        let replicas = acks == -1 && info.last_offset >= 0;
                        if flush || replicas {
                            waits.push(Wait {
                                topic: response.responses.len(),
                                index: topic_response.partition_responses.len(),
                                partition,
                                epoch,
                                last_offset: info.last_offset,
                                flush,
                                replicas,
                            });
                        }
                        Ok(info)
                    }
                    (_, Err(e)) => {
                        tracing::debug!(topic = %partition.topic, partition = partition.index, error = %e, "produce rejected");
                        Err((e.response_error(), Some(e.to_string())))
                    }
                },
            };
            match outcome {
                Ok(info) => {
                    p.base_offset = info.first_offset;
                    p.log_append_time_ms = info.log_append_time;
                    if header.request_api_version >= 5 {
                        p.log_start_offset = info.log_start_offset;
                    }
                }
                Err((code, message)) => set_error(&mut p, header.request_api_version, code, message),
            }
            topic_response.partition_responses.push(p);
        }
        response.responses.push(topic_response);
    }
    if !waits.is_empty() {
        crate::broker::network::release_connection();
    }
    for wait in waits {
        let error = if wait.flush {
            wait.partition.flush().await.err().map(|e| {
                tracing::warn!(topic = %wait.partition.topic, partition = wait.partition.index, error = %e, "produce: fsync failed");
                (e.response_error(), Some(e.to_string()))
            })
        } else {
            None
        };
        let error = match error {
            None if wait.replicas => {
                let min_isr = state.min_insync_replicas(&wait.partition.topic).max(0) as usize;
                match wait.partition.wait_for_high_watermark(wait.last_offset, wait.epoch, min_isr, ack_deadline).await {
                    Ok(()) => None,
                    Err(AckWait::TimedOut) => Some((ResponseError::RequestTimedOut, None)),
                    Err(AckWait::NotLeader) => Some((ResponseError::NotLeaderOrFollower, None)),
                    Err(AckWait::NotEnoughReplicasAfterAppend) => Some((ResponseError::NotEnoughReplicasAfterAppend, None)),
                }
            }
            other => other,
        };
        if let Some((code, message)) = error {
            let p = &mut response.responses[wait.topic].partition_responses[wait.index];
            p.base_offset = -1;
            p.log_append_time_ms = -1;
            p.log_start_offset = -1;
            set_error(p, header.request_api_version, code, message);
        }
    }
    if acks == 0 {
        None
    } else {
        Some(response)
    }
}

/// A partition appended to whose answer waits for an fsync or for its replicas.
struct Wait {
    /// Where its answer is in the response.
    topic: usize,
    index: usize,
    partition: std::sync::Arc<crate::broker::partition::Partition>,
    /// The leader epoch read before appending.
    epoch: i32,
    last_offset: i64,
    flush: bool,
    replicas: bool,
}

fn set_error(p: &mut PartitionProduceResponse, version: i16, code: ResponseError, message: Option<String>) {
    p.error_code = code.code();
    if version >= 8 {
        p.error_message = message.map(StrBytes::from_string);
    }
}
