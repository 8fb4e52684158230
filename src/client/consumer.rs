//! The consumer in assignment mode: the caller names the partitions, the consumer fetches.
//!
//! Positions start unknown and are resolved with ListOffsets (earliest, latest or a timestamp)
//! the first time `poll` needs them. Fetching is pipelined: one Fetch request in flight per
//! leader broker at all times, each long-polling up to `fetch.max.wait.ms`, so the next answer
//! is usually already here when the caller asks. Fetched data is decoded lazily, batch by batch,
//! only as far as `max.poll.records` needs. Group membership builds on this type: a rebalance
//! ends in [`Consumer::assign`] with the committed positions.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::FuturesUnordered;
use futures::StreamExt;
use indexmap::IndexMap;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::{FetchRequest, FetchResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

use super::admin::{list_offsets, OffsetSpec};
use super::cluster::{is_retriable_metadata_error, Client};
use super::config::{ClientConfig, IsolationLevel, OffsetReset};
use super::interceptors::ConsumerInterceptor;
use super::records::{ConsumerRecord, RecordDecoder};
use crate::protocol::{batch, ResponseError};
use crate::{Error, Result};

/// A topic and partition.
pub type TopicPartition = (String, i32);

#[derive(Debug, Clone)]
struct PartitionState {
    /// The next offset to return; `None` until resolved.
    position: Option<i64>,
    /// How to resolve the position when it is `None`.
    reset: Option<OffsetSpec>,
    paused: bool,
    high_watermark: i64,
    leader_epoch: i32,
}

/// Fetched, not yet returned data of one partition.
struct CompletedFetch {
    tp: TopicPartition,
    /// The position this data starts at; stale when the position moved since (a seek).
    fetch_offset: i64,
    /// The offset after the last whole batch: where a prefetch of this partition starts.
    end_offset: i64,
    decoder: RecordDecoder,
    ready: VecDeque<ConsumerRecord>,
}

type FetchOutcome = (i32, Vec<(TopicPartition, i64)>, Result<FetchResponse>);
type FetchFuture = std::pin::Pin<Box<dyn std::future::Future<Output = FetchOutcome> + Send>>;

#[derive(Debug, Clone)]
struct Settings {
    fetch_min_bytes: i32,
    fetch_max_bytes: i32,
    fetch_max_wait: Duration,
    max_partition_fetch_bytes: i32,
    max_poll_records: usize,
    isolation: IsolationLevel,
    auto_offset_reset: OffsetReset,
    check_crcs: bool,
    request_timeout: Duration,
    retry_backoff: Duration,
}

/// A consumer of explicitly assigned partitions.
pub struct Consumer {
    client: Client,
    settings: Settings,
    assignment: IndexMap<TopicPartition, PartitionState>,
    completed: VecDeque<CompletedFetch>,
    in_flight: FuturesUnordered<FetchFuture>,
    nodes_in_flight: HashSet<i32>,
    interceptors: Vec<Arc<dyn ConsumerInterceptor>>,
}

impl Consumer {
    /// A consumer with its own client.
    pub fn new(config: ClientConfig) -> Result<Consumer> {
        Consumer::with_client(Client::new(config)?)
    }

    /// A consumer sharing an existing client.
    pub fn with_client(client: Client) -> Result<Consumer> {
        let c = client.config();
        let settings = Settings {
            fetch_min_bytes: c.fetch_min_bytes()?,
            fetch_max_bytes: c.fetch_max_bytes()?,
            fetch_max_wait: c.fetch_max_wait()?,
            max_partition_fetch_bytes: c.max_partition_fetch_bytes()?,
            max_poll_records: c.max_poll_records()?,
            isolation: c.isolation_level()?,
            auto_offset_reset: c.auto_offset_reset()?,
            check_crcs: c.check_crcs()?,
            request_timeout: c.request_timeout()?,
            retry_backoff: c.retry_backoff()?,
        };
        Ok(Consumer {
            client,
            settings,
            assignment: IndexMap::new(),
            completed: VecDeque::new(),
            in_flight: FuturesUnordered::new(),
            nodes_in_flight: HashSet::new(),
            interceptors: Vec::new(),
        })
    }

    /// The client this consumer uses.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Adds an interceptor that sees every record `poll` returns.
    pub fn add_interceptor(&mut self, interceptor: Arc<dyn ConsumerInterceptor>) {
        self.interceptors.push(interceptor);
    }

    /// Replaces the assignment. Partitions kept keep their positions; new ones start from
    /// `auto.offset.reset` unless sought.
    pub fn assign(&mut self, partitions: &[TopicPartition]) {
        let reset = self.default_reset();
        let mut next = IndexMap::new();
        for tp in partitions {
            let state = self.assignment.swap_remove(tp).unwrap_or(PartitionState {
                position: None,
                reset,
                paused: false,
                high_watermark: -1,
                leader_epoch: -1,
            });
            next.insert(tp.clone(), state);
        }
        self.assignment = next;
        let assigned = &self.assignment;
        self.completed.retain(|c| assigned.contains_key(&c.tp));
    }

    /// The partitions assigned now.
    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.assignment.keys().cloned().collect()
    }

    fn default_reset(&self) -> Option<OffsetSpec> {
        match self.settings.auto_offset_reset {
            OffsetReset::Earliest => Some(OffsetSpec::Earliest),
            OffsetReset::Latest => Some(OffsetSpec::Latest),
            OffsetReset::None => None,
        }
    }

    fn state_mut(&mut self, tp: &TopicPartition) -> Result<&mut PartitionState> {
        self.assignment.get_mut(tp).ok_or_else(|| {
            Error::Message(format!(
                "No current assignment for partition {}-{}",
                tp.0, tp.1
            ))
        })
    }

    /// Moves a partition's position to an offset.
    pub fn seek(&mut self, tp: &TopicPartition, offset: i64) -> Result<()> {
        let state = self.state_mut(tp)?;
        state.position = Some(offset);
        state.reset = None;
        Ok(())
    }

    /// Moves a partition's position to where `spec` points, resolved on the next poll.
    pub fn seek_to(&mut self, tp: &TopicPartition, spec: OffsetSpec) -> Result<()> {
        let state = self.state_mut(tp)?;
        state.position = None;
        state.reset = Some(spec);
        Ok(())
    }

    /// The next offset `poll` will return for a partition, resolving it if needed.
    pub async fn position(&mut self, tp: &TopicPartition) -> Result<i64> {
        self.state_mut(tp)?;
        self.resolve_positions().await?;
        self.assignment
            .get(tp)
            .and_then(|s| s.position)
            .ok_or_else(|| Error::Message(format!("no position for {}-{}", tp.0, tp.1)))
    }

    /// Positions known now, without resolving anything (for commits).
    pub fn positions(&self) -> HashMap<TopicPartition, i64> {
        self.assignment
            .iter()
            .filter_map(|(tp, s)| s.position.map(|p| (tp.clone(), p)))
            .collect()
    }

    /// The high watermark seen in the last fetch of a partition (-1 before any).
    pub fn high_watermark(&self, tp: &TopicPartition) -> i64 {
        self.assignment.get(tp).map_or(-1, |s| s.high_watermark)
    }

    /// Stops or resumes fetching some partitions.
    pub fn set_paused(&mut self, tp: &TopicPartition, paused: bool) -> Result<()> {
        self.state_mut(tp)?.paused = paused;
        Ok(())
    }

    /// Resolves every unknown position with ListOffsets.
    async fn resolve_positions(&mut self) -> Result<()> {
        let mut by_spec: HashMap<OffsetSpec, Vec<TopicPartition>> = HashMap::new();
        for (tp, state) in &self.assignment {
            if state.position.is_none() {
                match state.reset {
                    Some(spec) => by_spec.entry(spec).or_default().push(tp.clone()),
                    None => {
                        return Err(Error::Message(format!(
                            "Undefined offset with no reset policy for partitions: [{}-{}]",
                            tp.0, tp.1
                        )))
                    }
                }
            }
        }
        for (spec, tps) in by_spec {
            let found = list_offsets(&self.client, &tps, spec, self.settings.isolation).await?;
            let mut needs_latest = Vec::new();
            for (tp, result) in found {
                let listed = result?;
                if listed.offset < 0 {
                    // No record at or after the timestamp: start at the end, as Java's tools do.
                    needs_latest.push(tp);
                } else if let Some(state) = self.assignment.get_mut(&tp) {
                    state.position = Some(listed.offset);
                }
            }
            if !needs_latest.is_empty() {
                let found = list_offsets(
                    &self.client,
                    &needs_latest,
                    OffsetSpec::Latest,
                    self.settings.isolation,
                )
                .await?;
                for (tp, result) in found {
                    if let Some(state) = self.assignment.get_mut(&tp) {
                        state.position = Some(result?.offset);
                    }
                }
            }
        }
        Ok(())
    }

    /// Returns up to `max.poll.records` records, waiting up to `timeout` for some.
    pub async fn poll(&mut self, timeout: Duration) -> Result<Vec<ConsumerRecord>> {
        let deadline = Instant::now() + timeout;
        loop {
            self.resolve_positions().await?;
            let mut records = self.drain_completed()?;
            if !records.is_empty() {
                // Prefetch while the caller works on these.
                self.send_fetches();
                for i in &self.interceptors {
                    i.on_consume(&mut records);
                }
                return Ok(records);
            }
            self.send_fetches();
            if self.in_flight.is_empty() {
                // Nothing to fetch (no assignment, all paused, or no leaders): wait a little.
                let wait = self
                    .settings
                    .retry_backoff
                    .min(deadline.saturating_duration_since(Instant::now()));
                if wait.is_zero() {
                    return Ok(Vec::new());
                }
                tokio::time::sleep(wait).await;
                continue;
            }
            tokio::select! {
                Some(outcome) = self.in_flight.next() => self.handle_fetch(outcome)?,
                _ = tokio::time::sleep_until(deadline.into()) => return Ok(Vec::new()),
            }
            if Instant::now() >= deadline && self.completed.is_empty() {
                return Ok(Vec::new());
            }
        }
    }

    /// Takes records from buffered fetches, decoding batch by batch.
    fn drain_completed(&mut self) -> Result<Vec<ConsumerRecord>> {
        let max = self.settings.max_poll_records;
        let mut out = Vec::new();
        while out.len() < max {
            let Some(fetch) = self.completed.front_mut() else {
                break;
            };
            let state = match self.assignment.get_mut(&fetch.tp) {
                Some(s) if s.position == Some(fetch.fetch_offset) => s,
                _ => {
                    // Unassigned or sought since this was fetched: drop it.
                    self.completed.pop_front();
                    continue;
                }
            };
            if fetch.ready.is_empty() {
                let mut batch = Vec::new();
                if !fetch.decoder.next_batch(&mut batch)? {
                    self.completed.pop_front();
                    continue;
                }
                fetch.ready.extend(batch);
                if fetch.ready.is_empty() {
                    // A batch with nothing for us (control, or before our position): step over.
                    let next = fetch.decoder.next_offset();
                    state.position = Some(next);
                    fetch.fetch_offset = next;
                    continue;
                }
            }
            while out.len() < max {
                let Some(record) = fetch.ready.pop_front() else {
                    break;
                };
                state.position = Some(record.offset + 1);
                state.leader_epoch = record.leader_epoch;
                out.push(record);
            }
            fetch.fetch_offset = state.position.unwrap_or(fetch.fetch_offset);
            if fetch.ready.is_empty() {
                let next = fetch.decoder.next_offset();
                if fetch.decoder.is_done() {
                    if next > fetch.fetch_offset {
                        state.position = Some(next);
                    }
                    self.completed.pop_front();
                }
            }
        }
        Ok(out)
    }

    /// Sends a Fetch to every leader that has fetchable partitions and none in flight.
    fn send_fetches(&mut self) {
        let metadata = self.client.cached_metadata();
        let prefetch = self.prefetch_offsets();
        let mut by_node: IndexMap<i32, Vec<(TopicPartition, i64, i32)>> = IndexMap::new();
        let mut missing = false;
        for (tp, state) in &self.assignment {
            let Some(position) = state.position else {
                continue;
            };
            // A partition with data buffered is fetched from where that data ends (one fetch
            // ahead at most), so the request is answered at once instead of long-polling on the
            // partitions that are at their end.
            let position = match prefetch.get(tp) {
                None => position,
                Some(Some(end)) => *end,
                Some(None) => continue,
            };
            if state.paused {
                continue;
            }
            match metadata.leader(&tp.0, tp.1) {
                Some(node) if !self.nodes_in_flight.contains(&node) => {
                    let epoch = metadata
                        .topics
                        .get(&tp.0)
                        .and_then(|t| t.partition(tp.1))
                        .map_or(-1, |p| p.leader_epoch);
                    by_node
                        .entry(node)
                        .or_default()
                        .push((tp.clone(), position, epoch));
                }
                Some(_) => {}
                None => missing = true,
            }
        }
        if missing {
            let client = self.client.clone();
            let topics: Vec<String> = {
                let mut t: Vec<String> = self.assignment.keys().map(|(t, _)| t.clone()).collect();
                t.sort();
                t.dedup();
                t
            };
            // Learn the leaders in the background; the next poll uses them.
            self.nodes_in_flight.insert(-1);
            self.in_flight.push(Box::pin(async move {
                let result = client.refresh_metadata(Some(&topics), false).await;
                (-1, Vec::new(), result.map(|_| FetchResponse::default()))
            }));
        }
        for (node, parts) in by_node {
            self.nodes_in_flight.insert(node);
            self.in_flight.push(Box::pin(fetch_from(
                self.client.clone(),
                self.settings.clone(),
                node,
                parts,
            )));
        }
    }

    /// For each partition with buffered data: where a prefetch would start, or `None` when it
    /// already has a prefetch (two buffered fetches) or its data ends mid-batch.
    fn prefetch_offsets(&self) -> HashMap<TopicPartition, Option<i64>> {
        let mut out: HashMap<TopicPartition, Option<i64>> = HashMap::new();
        for c in &self.completed {
            let ahead = c.end_offset > c.fetch_offset;
            out.entry(c.tp.clone())
                .and_modify(|e| *e = None)
                .or_insert(ahead.then_some(c.end_offset));
        }
        out
    }

    fn handle_fetch(&mut self, (node, asked, result): FetchOutcome) -> Result<()> {
        self.nodes_in_flight.remove(&node);
        if node < 0 {
            return Ok(());
        }
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!("fetch from broker {node} failed: {e}");
                self.client.invalidate_metadata();
                return Ok(());
            }
        };
        if let Some(e) = Error::from_code(response.error_code, None) {
            tracing::debug!("fetch from broker {node}: {e}");
            return Ok(());
        }
        let metadata = self.client.cached_metadata();
        let asked: HashMap<TopicPartition, i64> = asked.into_iter().collect();
        let prefetch = self.prefetch_offsets();
        let mut stale_metadata = false;
        for topic in response.responses {
            let name = if topic.topic.0.is_empty() {
                match metadata.topic_name(topic.topic_id) {
                    Some(n) => n.to_string(),
                    None => continue,
                }
            } else {
                topic.topic.0.to_string()
            };
            for p in topic.partitions {
                let tp = (name.clone(), p.partition_index);
                let Some(&fetch_offset) = asked.get(&tp) else {
                    continue;
                };
                let Some(state) = self.assignment.get_mut(&tp) else {
                    continue;
                };
                // Fresh data continues either the position or the buffered data (a prefetch).
                let expected = match prefetch.get(&tp) {
                    Some(Some(end)) => Some(*end),
                    Some(None) => None,
                    None => state.position,
                };
                if expected != Some(fetch_offset) {
                    continue;
                }
                match p.error_code {
                    0 => {
                        state.high_watermark = p.high_watermark;
                        let data = p.records.unwrap_or_default();
                        if data.is_empty() {
                            continue;
                        }
                        let end_offset = batch::batches(&data)
                            .map_while(|b| b.ok())
                            .last()
                            .map_or(fetch_offset, |(h, _)| h.next_offset().max(fetch_offset));
                        let aborted: Vec<(i64, i64)> = p
                            .aborted_transactions
                            .iter()
                            .flatten()
                            .map(|t| (t.producer_id.0, t.first_offset))
                            .collect();
                        self.completed.push_back(CompletedFetch {
                            end_offset,
                            decoder: RecordDecoder::new(
                                &tp.0,
                                tp.1,
                                data,
                                fetch_offset,
                                self.settings.check_crcs,
                            )
                            .with_aborted_transactions(aborted),
                            tp,
                            fetch_offset,
                            ready: VecDeque::new(),
                        });
                    }
                    code if code == ResponseError::OffsetOutOfRange.code() => {
                        match self.settings.auto_offset_reset {
                            OffsetReset::Earliest => {
                                state.position = None;
                                state.reset = Some(OffsetSpec::Earliest);
                            }
                            OffsetReset::Latest => {
                                state.position = None;
                                state.reset = Some(OffsetSpec::Latest);
                            }
                            OffsetReset::None => {
                                return Err(Error::Message(format!(
                                    "Fetch position FetchPosition{{offset={fetch_offset}}} is out of range for partition {}-{}",
                                    tp.0, tp.1
                                )))
                            }
                        }
                    }
                    code if is_retriable_metadata_error(code) => stale_metadata = true,
                    code => {
                        return Err(Error::from_code(
                            code,
                            Some(format!("fetching {}-{}", tp.0, tp.1)),
                        )
                        .expect("nonzero code"))
                    }
                }
            }
        }
        if stale_metadata {
            self.client.invalidate_metadata();
            let client = self.client.clone();
            let topics: Vec<String> = self.assignment.keys().map(|(t, _)| t.clone()).collect();
            self.nodes_in_flight.insert(-1);
            self.in_flight.push(Box::pin(async move {
                let result = client.refresh_metadata(Some(&topics), false).await;
                (-1, Vec::new(), result.map(|_| FetchResponse::default()))
            }));
        }
        Ok(())
    }
}

async fn fetch_from(
    client: Client,
    settings: Settings,
    node: i32,
    parts: Vec<(TopicPartition, i64, i32)>,
) -> FetchOutcome {
    let asked: Vec<(TopicPartition, i64)> =
        parts.iter().map(|(tp, o, _)| (tp.clone(), *o)).collect();
    let result = async {
        let conn = client.connection(node).await?;
        let version = conn.version_for::<FetchRequest>()?;
        let metadata = client.cached_metadata();
        let mut topics: IndexMap<String, FetchTopic> = IndexMap::new();
        for ((topic, partition), offset, epoch) in &parts {
            let entry = topics.entry(topic.clone()).or_insert_with(|| {
                let mut t = FetchTopic::default();
                if version >= 13 {
                    t.topic_id = metadata.topics.get(topic).map(|i| i.id).unwrap_or_default();
                } else {
                    t.topic = TopicName(StrBytes::from_string(topic.clone()));
                }
                t
            });
            let mut p = FetchPartition::default();
            p.partition = *partition;
            p.fetch_offset = *offset;
            if version >= 9 {
                p.current_leader_epoch = *epoch;
            }
            p.partition_max_bytes = settings.max_partition_fetch_bytes;
            entry.partitions.push(p);
        }
        let mut request = FetchRequest::default();
        request.max_wait_ms = settings.fetch_max_wait.as_millis().min(i32::MAX as u128) as i32;
        request.min_bytes = settings.fetch_min_bytes;
        request.max_bytes = settings.fetch_max_bytes;
        request.isolation_level = settings.isolation.wire_value();
        request.topics = topics.into_values().collect();
        conn.send_at(
            &request,
            version,
            settings.request_timeout + settings.fetch_max_wait,
        )
        .await
    }
    .await;
    if result.is_err() {
        // Do not spin on a broker that just failed.
        tokio::time::sleep(settings.retry_backoff).await;
    }
    (node, asked, result)
}
