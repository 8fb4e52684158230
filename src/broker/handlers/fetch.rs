//! Fetch: long-poll reads from partition logs.
//!
//! Data comes from the segment files as stored (whole batches, possibly a partial one at the
//! end, as Kafka sends) up to the high watermark. If fewer than `min_bytes` are ready the
//! request waits until an append to one of its partitions or `max_wait_ms`; as soon as
//! `min_bytes` are there it answers, never waiting out the timer with data in hand.
//! read_committed (isolation level 1) reads stop at the last stable offset and come with the
//! aborted transactions overlapping them (from the `.txnindex`), so the client drops those.
//! Fetch sessions (KIP-227) are not kept: session id 0 tells clients to send full fetches.
//!
//! A follower's fetch (replica id, or ReplicaState from v15, >= 0) reads up to the log end, not
//! the high watermark; its fetch offset is its log end, which the leader records (moving the
//! high watermark). When its last fetched epoch ends earlier in the leader's log, the answer is
//! a diverging epoch (KIP-320) instead of records, and the follower truncates. Consumers may
//! only fetch from the leader. Under the leader replication throttle, a follower outside the
//! ISR gets at most a second's worth of a throttled partition per fetch, and nothing while the
//! leader's throttled bytes are over the rate.

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::{FetchRequest, FetchResponse, RequestHeader};

use crate::acl::{AclOperation, ResourceType};
use crate::broker::handlers::IntoFrame;
use crate::broker::log::{FileSlice, LogError};
use crate::broker::response::{self, ResponseFrame};
use crate::protocol::ProtocolError;
use crate::broker::partition::Partition;
use crate::broker::replication_throttle::{Side, Throttle};
use crate::broker::{quota, BrokerState};
use crate::protocol::ResponseError;

/// One requested partition, resolved once per request.
struct Wanted {
    topic_index: usize,
    request: kafka_protocol::messages::fetch_request::FetchPartition,
    partition: Result<Arc<Partition>, ResponseError>,
}

/// A Fetch answer: the message, with record placeholders standing for `files` (see
/// [`crate::broker::response`]), so record data is sent from the segment files.
pub struct FetchReply {
    pub response: FetchResponse,
    pub files: Vec<FileSlice>,
}

impl IntoFrame for FetchReply {
    fn into_frame(self, correlation_id: i32, version: i16) -> Result<ResponseFrame, ProtocolError> {
        response::encode_spliced(correlation_id, version, &self.response, self.files)
    }
}

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: FetchRequest) -> Option<FetchReply> {
    let by_id = header.request_api_version >= 13;
    let replica_id = if header.request_api_version >= 15 { request.replica_state.replica_id.0 } else { request.replica_id.0 };
    let mut topics = Vec::new();
    let mut wanted = Vec::new();
    for (i, topic) in request.topics.iter().enumerate() {
        let name = if by_id { state.image().topic_by_id(&topic.topic_id).map(|t| t.name.clone()) } else { Some(topic.topic.0.to_string()) };
        let mut t = FetchableTopicResponse::default();
        t.topic = topic.topic.clone();
        t.topic_id = topic.topic_id;
        topics.push(t);
        // Consumers need READ on the topic, followers CLUSTER_ACTION.
        let allowed = if replica_id >= 0 {
            state.authorized_on_cluster(AclOperation::ClusterAction)
        } else {
            name.as_ref().is_none_or(|n| state.authorized(AclOperation::Read, ResourceType::Topic, n))
        };
        for p in &topic.partitions {
            let partition = match &name {
                _ if !allowed => Err(ResponseError::TopicAuthorizationFailed),
                None => Err(ResponseError::UnknownTopicId),
                Some(n) => match state.replicas.get(n, p.partition) {
                    None => Err(ResponseError::UnknownTopicOrPartition),
                    Some(partition) if !partition.is_leader() => Err(ResponseError::NotLeaderOrFollower),
                    Some(partition) => {
                        // A fetch from a fenced epoch says nothing about this leader's log.
                        if replica_id >= 0 && partition.check_leader_epoch(p.current_leader_epoch).is_ok() {
                            partition.record_follower_fetch(replica_id, p.fetch_offset, p.last_fetched_epoch);
                        }
                        Ok(partition)
                    }
                },
            };
            wanted.push(Wanted { topic_index: i, request: p.clone(), partition });
        }
    }
    let read_committed = request.isolation_level == 1;
    let max_wait = Duration::from_millis(request.max_wait_ms.max(0) as u64);
    let deadline = Instant::now() + max_wait;
    let min_bytes = request.min_bytes.max(0) as usize;
    let max_bytes = if request.max_bytes <= 0 { i32::MAX as usize } else { request.max_bytes as usize };
    let leader_throttle = if replica_id >= 0 { Throttle::of(state, Side::Leader) } else { None };

    loop {
        // Register for wake-ups before reading, so an append between the read and the wait
        // is not missed.
        let mut wakeups: Vec<Pin<Box<tokio::sync::futures::Notified<'_>>>> = Vec::new();
        for w in &wanted {
            if let Ok(p) = &w.partition {
                let mut n = Box::pin(p.appended.notified());
                n.as_mut().enable();
                wakeups.push(n);
            }
        }
        let reader = Reader {
            max_bytes,
            read_committed,
            follower: replica_id >= 0,
            version: header.request_api_version,
            throttle: leader_throttle.as_ref().map(|t| LeaderThrottle {
                throttle: t,
                replica_id,
                exceeded: state.replication_throttles.leader.exceeded(),
            }),
        };
        let (partitions, files, bytes, errors, throttled_bytes) = reader.read_all(&wanted);
        let now = Instant::now();
        if bytes >= min_bytes || errors || now >= deadline || wakeups.is_empty() {
            if let Some(t) = &leader_throttle {
                state.replication_throttles.leader.record(throttled_bytes as u64, t.rate);
            }
            let mut topics = topics;
            for (w, data) in wanted.iter().zip(partitions) {
                if let (Ok(p), Some(records)) = (&w.partition, &data.records) {
                    state.metrics.fetched(&p.topic, records.len() as u64);
                }
                topics[w.topic_index].partitions.push(data);
            }
            let mut response = FetchResponse::default();
            // Over the consumer byte rate: answer at once without data (the client fetches
            // it again after the throttle time), as Kafka does.
            let client_id = header.client_id.as_deref().unwrap_or("");
            let throttle = if replica_id >= 0 {
                std::time::Duration::ZERO
            } else {
                state.throttle(quota::CONSUMER_BYTE_RATE, client_id, bytes as f64)
            };
            let mut files = files;
            if !throttle.is_zero() {
                state.quotas_unrecord(quota::CONSUMER_BYTE_RATE, client_id, bytes as f64);
                for p in topics.iter_mut().flat_map(|t| t.partitions.iter_mut()) {
                    p.records = None;
                }
                files.clear();
            }
            if header.request_api_version >= 1 {
                response.throttle_time_ms = i32::try_from(throttle.as_millis()).unwrap_or(i32::MAX);
            }
            response.responses = topics;
            return Some(FetchReply { response, files });
        }
        let _ = tokio::time::timeout(deadline - now, futures::future::select_all(wakeups)).await;
    }
}

/// How one round reads the wanted partitions.
struct Reader<'a> {
    max_bytes: usize,
    read_committed: bool,
    follower: bool,
    version: i16,
    throttle: Option<LeaderThrottle<'a>>,
}

/// The leader replication throttle as it stands for one follower's fetch.
struct LeaderThrottle<'a> {
    throttle: &'a Throttle,
    replica_id: i32,
    /// The leader's throttled bytes are over the rate: throttled partitions get nothing.
    exceeded: bool,
}

impl LeaderThrottle<'_> {
    /// The most a throttled partition may send to this follower now; `None` when the partition
    /// is not held back (the follower is in its ISR, or the list does not name it).
    fn limit(&self, partition: &Partition) -> Option<usize> {
        let held = self.throttle.applies_to(&partition.topic, partition.index) && !partition.isr().contains(&self.replica_id);
        held.then(|| if self.exceeded { 0 } else { usize::try_from(self.throttle.rate).unwrap_or(usize::MAX) })
    }
}

impl Reader<'_> {
    /// Reads every wanted partition once. Returns the partition answers, the file slices their
    /// placeholders stand for (in order), the bytes read, whether any partition has an error
    /// (an error is answered at once), and the bytes read under the leader throttle.
    fn read_all(&self, wanted: &[Wanted]) -> (Vec<PartitionData>, Vec<FileSlice>, usize, bool, usize) {
        let mut files = Vec::new();
        let mut total = 0usize;
        let mut throttled = 0usize;
        let mut errors = false;
        let mut out = Vec::with_capacity(wanted.len());
        for w in wanted {
            let mut data = PartitionData::default();
            data.partition_index = w.request.partition;
            data.high_watermark = -1;
            data.last_stable_offset = -1;
            data.log_start_offset = -1;
            data.preferred_read_replica = kafka_protocol::messages::BrokerId(-1);
            data.aborted_transactions = if self.read_committed { Some(Vec::new()) } else { None };
            match &w.partition {
                Err(code) => {
                    data.error_code = code.code();
                    errors = true;
                }
                Ok(partition) => {
                    let throttle_limit = self.throttle.as_ref().and_then(|t| t.limit(partition));
                    let budget = self.max_bytes.saturating_sub(total).min(throttle_limit.unwrap_or(usize::MAX));
                    // A partition with nothing left under the throttle is skipped, not given
                    // its first batch regardless of size.
                    let first = total == 0 && throttle_limit != Some(0);
                    match read_one(partition, &w.request, budget, first, self.read_committed, self.follower, &mut data, &mut files) {
                        Ok(n) => {
                            total += n;
                            if throttle_limit.is_some() {
                                throttled += n;
                            }
                            // A diverging epoch is an answer the follower acts on at once.
                            errors |= data.diverging_epoch.epoch >= 0;
                        }
                        Err(code) => {
                            data.error_code = code.code();
                            errors = true;
                        }
                    }
                }
            }
            if self.version < 5 {
                data.log_start_offset = -1;
            }
            out.push(data);
        }
        (out, files, total, errors, throttled)
    }
}

fn read_one(
    partition: &Partition,
    request: &kafka_protocol::messages::fetch_request::FetchPartition,
    budget: usize,
    first: bool,
    read_committed: bool,
    follower: bool,
    data: &mut PartitionData,
    files: &mut Vec<FileSlice>,
) -> Result<usize, ResponseError> {
    partition.check_leader_epoch(request.current_leader_epoch)?;
    if follower {
        if let Some((epoch, end)) = partition.diverging_epoch(request.last_fetched_epoch, request.fetch_offset) {
            data.high_watermark = partition.high_watermark();
            data.diverging_epoch.epoch = epoch;
            data.diverging_epoch.end_offset = end;
            return Ok(0);
        }
    }
    let hw = partition.high_watermark();
    let limit = budget.min(request.partition_max_bytes.max(0) as usize);
    let slice = {
        let log = partition.log();
        let lso = log.first_unstable_offset().map_or(hw, |first| first.min(hw));
        data.high_watermark = hw;
        data.last_stable_offset = lso;
        data.log_start_offset = log.log_start_offset();
        // read_committed stops at the last stable offset; offsets up to the high watermark
        // are still valid to ask for.
        let max_offset = if follower {
            log.log_end_offset()
        } else if read_committed {
            lso
        } else {
            hw
        };
        if request.fetch_offset >= max_offset && request.fetch_offset <= hw.max(max_offset) {
            None
        } else if limit == 0 && !first {
            None
        } else {
            match log.read(request.fetch_offset, limit, max_offset, first) {
                Ok(info) => {
                    if read_committed {
                        // Kafka's upper bound: the end of what is returned (here, the LSO).
                        let aborted = log.aborted_transactions(request.fetch_offset, max_offset);
                        data.aborted_transactions = Some(
                            aborted
                                .into_iter()
                                .map(|t| {
                                    let mut a = kafka_protocol::messages::fetch_response::AbortedTransaction::default();
                                    a.producer_id = kafka_protocol::messages::ProducerId(t.producer_id);
                                    a.first_offset = t.first_offset;
                                    a
                                })
                                .collect(),
                        );
                    }
                    Some(info.records)
                }
                Err(LogError::OffsetOutOfRange { .. }) => return Err(ResponseError::OffsetOutOfRange),
                Err(e) => return Err(e.response_error()),
            }
        }
    };
    let Some(slice) = slice else { return Ok(0) };
    if slice.is_empty() {
        return Ok(0);
    }
    let n = slice.len;
    match response::placeholder_for(&slice) {
        Some(placeholder) => {
            data.records = Some(placeholder);
            files.push(slice);
        }
        // Too large for a placeholder: read it (outside the log's lock).
        None => data.records = Some(slice.read_bytes().map_err(|_| ResponseError::KafkaStorageError)?),
    }
    Ok(n)
}
