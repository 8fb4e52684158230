//! The producer: partition, batch, send, retry, report.
//!
//! `send` picks the partition (see [`super::partitioner`]) and hands the record to one sender
//! task, which keeps a queue of batches per partition. A batch leaves when it is full
//! (`batch.size`), when it has waited `linger.ms`, or when the user flushes. Each request to a
//! broker carries at most one batch per partition, and up to
//! `max.in.flight.requests.per.connection` requests are in flight per broker.
//!
//! Ordering: without idempotence a partition has at most one batch in flight, so a retried
//! batch can never be overtaken by a later one of the same partition (Java needs
//! max.in.flight=1 or idempotence for that; kbox gives it always). With idempotence a
//! partition has up to `max.in.flight.requests.per.connection` (at most 5) batches in flight,
//! as in Java: the sequence numbers keep the order, as long as these rules hold:
//! - requests reach each broker in the order they were built (see [`Turn`]);
//! - until the broker acknowledged a first batch of the partition under the current producer
//!   id and epoch, only one batch is in flight: a broker with no state for a producer takes
//!   any sequence from it (Kafka's rule), so a later batch that got there first would be
//!   written and the first one refused for good;
//! - a failed batch goes back into its queue in sequence order and leaves again only when
//!   nothing else of its partition is in flight; a later batch that the broker refused as out
//!   of order because an earlier one was not written (OUT_OF_ORDER_SEQUENCE_NUMBER while its
//!   sequence is not the next after the last acknowledged one) is retried behind it, as Java's
//!   producer does. A batch keeps its sequence across retries; only a new producer id (taken
//!   when nothing is in flight) renumbers the queued batches from 0.
//!
//! Retriable errors (leader moved, timeouts, lost connections) are retried after
//! `retry.backoff.ms` with fresh metadata, until `delivery.timeout.ms` has passed.
//!
//! Idempotence (`enable.idempotence`, on by default with acks=all as in Java): the sender
//! first gets a producer id (InitProducerId) and stamps every batch with it, its epoch and the
//! partition's next sequence. A batch keeps its stamp across retries, so the broker answers a
//! retry of a batch it already wrote with the original offsets instead of writing it twice.
//! When a stamped batch fails for good (a gap in the sequence), the sender takes a new
//! producer id once nothing is in flight. Brokers without InitProducerId get plain batches
//! unless idempotence was asked for explicitly.
//!
//! Transactions (`transactional.id`): [`Producer::init_transactions`] finds the transaction
//! coordinator and gets the id's producer id and epoch (fencing older producers with the same
//! id), and hands them to the sender, which then stamps batches transactional. Between
//! [`Producer::begin_transaction`] and [`Producer::commit_transaction`] /
//! [`Producer::abort_transaction`], each partition is added to the transaction
//! (AddPartitionsToTxn) before its first record is queued; ending flushes, then sends EndTxn.
//! [`Producer::send_offsets_to_transaction`] commits a consumer group's offsets with it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::FuturesUnordered;
use futures::StreamExt;
use indexmap::IndexMap;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{ProduceRequest, ProduceResponse, TopicName};
use kafka_protocol::protocol::StrBytes;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

use super::cluster::{is_retriable, is_retriable_metadata_error, Client};
use super::config::{Acks, ClientConfig, CompressionType};
use super::interceptors::ProducerInterceptor;
use super::partitioner::{partition_for_key, StickyPartitioner};
use super::records::{ProducerRecord, ProducerStamp, RecordMetadata};
use crate::protocol::batch_builder::{BatchBuilder, ProducerFields};
use crate::protocol::recycle::Recycler;
use crate::protocol::TopicPartitionRef;
use crate::{Error, Result};

/// What happens when a record's fate is known.
enum Delivery {
    Future(oneshot::Sender<Result<RecordMetadata>>),
    Callback(Box<dyn FnOnce(Result<RecordMetadata>) + Send>),
    /// One callback shared by many records (`send_many`), with the record's index.
    Shared(Arc<SharedCallback>, usize),
}

/// A callback shared by the records of `send_many`: `(index in the batch, result)`.
pub type SharedCallback = dyn Fn(usize, Result<RecordMetadata>) + Send + Sync;

impl Delivery {
    fn complete(self, result: Result<RecordMetadata>) {
        match self {
            Delivery::Future(tx) => {
                let _ = tx.send(result);
            }
            Delivery::Callback(f) => f(result),
            Delivery::Shared(f, index) => f(index, result),
        }
    }
}

/// The pending result of one `send`.
pub struct DeliveryFuture(oneshot::Receiver<Result<RecordMetadata>>);

impl std::future::Future for DeliveryFuture {
    type Output = Result<RecordMetadata>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.unwrap_or_else(|_| Err(Error::Message("the producer was closed".into()))))
    }
}

/// The producer's settings, read once from its configuration.
#[derive(Debug, Clone)]
struct Settings {
    acks: Acks,
    linger: Duration,
    batch_size: usize,
    max_request_size: usize,
    buffer_memory: usize,
    max_block: Duration,
    delivery_timeout: Duration,
    request_timeout: Duration,
    retry_backoff: Duration,
    retries: u32,
    max_in_flight: usize,
    compression: CompressionType,
    /// Stamp batches with a producer id and sequences.
    idempotence: bool,
    /// Idempotence was asked for (not just the default): a broker without it is an error.
    idempotence_required: bool,
    /// `transactional.id`: the producer id comes from `init_transactions`.
    transactional_id: Option<String>,
    /// `transaction.timeout.ms` (60 s).
    transaction_timeout_ms: i32,
}

impl Settings {
    fn from_config(c: &ClientConfig) -> Result<Settings> {
        if c.get("transactional.id").is_some_and(|t| !t.is_empty())
            && (c.acks()? != Acks::All
                || (c.get("enable.idempotence").is_some() && !c.enable_idempotence()?))
        {
            return Err(Error::Message(
                "Cannot set a transactional.id without also enabling idempotence (and acks=all)."
                    .into(),
            ));
        }
        if c.enable_idempotence()?
            && c.get("enable.idempotence").is_some()
            && c.acks()? != Acks::All
        {
            return Err(Error::Message(
                    "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.".into(),
                ));
        }
        Ok(Settings {
            acks: c.acks()?,
            linger: c.linger()?,
            batch_size: c.batch_size()?,
            max_request_size: c.max_request_size()?,
            buffer_memory: c.buffer_memory()?,
            max_block: c.max_block()?,
            delivery_timeout: c.delivery_timeout()?,
            request_timeout: c.request_timeout()?,
            retry_backoff: c.retry_backoff()?,
            retries: c.retries()?,
            max_in_flight: c.max_in_flight()?,
            compression: c.compression()?,
            idempotence: match c.get("enable.idempotence") {
                Some(_) => c.enable_idempotence()?,
                None => c.acks()? == Acks::All,
            },
            idempotence_required: (c.get("enable.idempotence").is_some() && c.enable_idempotence()?)
                || c.get("transactional.id").is_some_and(|t| !t.is_empty()),
            transactional_id: c.get("transactional.id").filter(|t| !t.is_empty()).map(str::to_string),
            transaction_timeout_ms: match c.get("transaction.timeout.ms") {
                Some(v) => v.trim().parse().map_err(|_| {
                    Error::Message(format!("Invalid value {v} for configuration transaction.timeout.ms: Not a number of type INT"))
                })?,
                None => 60_000,
            },
        })
    }
}

struct Queued {
    record: ProducerRecord,
    delivery: Delivery,
    _memory: OwnedSemaphorePermit,
}

enum Command {
    Send(String, i32, Queued),
    SendMany(Vec<(String, i32, Queued)>),
    /// `send_many`'s fast path: records with their partitions, one callback for all (by
    /// index), and the buffer memory of the whole chunk.
    SendChunk {
        records: Vec<(i32, ProducerRecord)>,
        callback: Arc<SharedCallback>,
        memory: OwnedSemaphorePermit,
    },
    Flush(oneshot::Sender<()>),
    /// A transactional producer's id and epoch, from `init_transactions`.
    Identity(i64, i16),
}

/// A transactional producer's state on the caller's side.
#[derive(Debug, Default)]
struct TxnState {
    coordinator: Option<i32>,
    producer_id: i64,
    epoch: i16,
    in_transaction: bool,
    partitions: std::collections::HashSet<(String, i32)>,
}

/// A Kafka producer on kbox's client.
pub struct Producer {
    client: Client,
    settings: Settings,
    commands: mpsc::UnboundedSender<Command>,
    memory: Arc<Semaphore>,
    sticky: StickyPartitioner,
    interceptors: Vec<Arc<dyn ProducerInterceptor>>,
    sender: Option<tokio::task::JoinHandle<()>>,
    txn: tokio::sync::Mutex<TxnState>,
    /// Set by the sender when a record of the open transaction failed.
    txn_error: Arc<std::sync::Mutex<Option<String>>>,
}

impl Producer {
    /// A producer with its own client.
    pub fn new(config: ClientConfig) -> Result<Producer> {
        let client = Client::new(config)?;
        Producer::with_client(client)
    }

    /// A producer sharing an existing client.
    pub fn with_client(client: Client) -> Result<Producer> {
        let settings = Settings::from_config(client.config())?;
        let (commands, rx) = mpsc::unbounded_channel();
        let interceptors: Vec<Arc<dyn ProducerInterceptor>> = Vec::new();
        let txn_error: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
        let memory = Arc::new(Semaphore::new(settings.buffer_memory));
        let sender = SenderLoop::new(
            client.clone(),
            settings.clone(),
            memory.clone(),
            txn_error.clone(),
        );
        let task = tokio::spawn(sender.run(rx));
        Ok(Producer {
            memory,
            client,
            settings,
            commands,
            sticky: StickyPartitioner::new(),
            interceptors,
            sender: Some(task),
            txn: tokio::sync::Mutex::new(TxnState::default()),
            txn_error,
        })
    }

    /// Adds an interceptor: it sees each record before it is partitioned, and each result.
    pub fn add_interceptor(&mut self, interceptor: Arc<dyn ProducerInterceptor>) {
        self.interceptors.push(interceptor);
    }

    /// The client this producer uses.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Queues a record and returns the future of its result.
    pub async fn send(&self, record: ProducerRecord) -> Result<DeliveryFuture> {
        let (tx, rx) = oneshot::channel();
        self.enqueue(record, Delivery::Future(tx)).await?;
        Ok(DeliveryFuture(rx))
    }

    /// Queues a record; `callback` runs on the sender task with the result.
    pub async fn send_with_callback(
        &self,
        record: ProducerRecord,
        callback: impl FnOnce(Result<RecordMetadata>) + Send + 'static,
    ) -> Result<()> {
        self.enqueue(record, Delivery::Callback(Box::new(callback)))
            .await
    }

    /// Queues many records with one shared callback (`index, result`): one hand-off to the
    /// sender task for all of them, which is what makes piping a million lines cheap.
    pub async fn send_many(
        &self,
        records: Vec<ProducerRecord>,
        callback: Arc<SharedCallback>,
    ) -> Result<()> {
        let sizes: Vec<usize> = records.iter().map(ProducerRecord::estimated_size).collect();
        let total: usize = sizes.iter().sum();
        let fast = self.interceptors.is_empty()
            && total <= self.settings.buffer_memory
            && sizes.iter().all(|s| *s <= self.settings.max_request_size);
        if fast {
            return self
                .send_many_at_once(records, sizes, total, callback)
                .await;
        }
        let mut prepared = Vec::with_capacity(records.len());
        for (index, record) in records.into_iter().enumerate() {
            match self
                .prepare(record, Delivery::Shared(callback.clone(), index))
                .await
            {
                Ok(p) => prepared.push(p),
                Err(e) => {
                    // What was prepared still goes; the caller learns of the failure.
                    if !prepared.is_empty() {
                        let _ = self.commands.send(Command::SendMany(prepared));
                    }
                    return Err(e);
                }
            }
        }
        self.enqueue_many(prepared).await
    }

    /// [`Producer::send_many`] for records that all pass the size checks, with no
    /// interceptors: buffer memory is taken once for the chunk and partition counts are looked
    /// up once per topic, instead of per record (the per-record work is what bounds a producer
    /// of small records).
    async fn send_many_at_once(
        &self,
        records: Vec<ProducerRecord>,
        sizes: Vec<usize>,
        total: usize,
        callback: Arc<SharedCallback>,
    ) -> Result<()> {
        let deadline = Instant::now() + self.settings.max_block;
        let mut memory = self.reserve_memory(total, deadline).await?;
        let mut counts: Vec<(String, usize)> = Vec::new();
        for record in &records {
            if !counts.iter().any(|(t, _)| *t == record.topic) {
                let n = self.partition_count(&record.topic, deadline).await?;
                counts.push((record.topic.clone(), n));
            }
        }
        let mut partitioned = Vec::with_capacity(records.len());
        let mut failure = None;
        let mut taken = 0;
        {
            // One lock of the sticky partitioner for the whole chunk.
            let mut sticky = self.sticky.run();
            let mut last_count: Option<(&str, usize)> = None;
            for (record, size) in records.into_iter().zip(sizes) {
                let count = match last_count {
                    Some((t, n)) if t == record.topic => n,
                    _ => {
                        let (t, n) = counts
                            .iter()
                            .find(|(t, _)| *t == record.topic)
                            .expect("counted above");
                        last_count = Some((t.as_str(), *n));
                        *n
                    }
                };
                let partition = match (record.partition, &record.key) {
                    (None, None) => {
                        Ok(sticky.partition(&record.topic, count, size, self.settings.batch_size))
                    }
                    _ => self.partition_in(&record, size, count),
                };
                match partition {
                    Ok(partition) => partitioned.push((partition, record)),
                    Err(e) => {
                        // What was partitioned still goes; the caller learns of the failure.
                        failure = Some(e);
                        break;
                    }
                }
                taken += size;
            }
        }
        if failure.is_some() {
            memory = memory
                .split(taken)
                .expect("the chunk's permits cover the records before the failure");
        }
        if self.settings.transactional_id.is_some() {
            let tps: std::collections::HashSet<(String, i32)> = partitioned
                .iter()
                .map(|(p, r)| (r.topic.clone(), *p))
                .collect();
            self.add_partitions_to_transaction(tps.into_iter()).await?;
        }
        if !partitioned.is_empty() {
            self.commands
                .send(Command::SendChunk {
                    records: partitioned,
                    callback,
                    memory,
                })
                .map_err(|_| Error::Message("the producer was closed".into()))?;
        }
        failure.map_or(Ok(()), Err)
    }

    /// Hands prepared records to the sender loop; in a transaction, their partitions are added
    /// to it first.
    async fn enqueue_many(&self, prepared: Vec<(String, i32, Queued)>) -> Result<()> {
        if self.settings.transactional_id.is_some() {
            let tps: std::collections::HashSet<(String, i32)> =
                prepared.iter().map(|(t, p, _)| (t.clone(), *p)).collect();
            self.add_partitions_to_transaction(tps.into_iter()).await?;
        }
        self.commands
            .send(Command::SendMany(prepared))
            .map_err(|_| Error::Message("the producer was closed".into()))
    }

    /// `buffer.memory` for `bytes`, waiting for records in flight to free it until `deadline`
    /// (`max.block.ms`), as Java's producer does.
    async fn reserve_memory(
        &self,
        bytes: usize,
        deadline: Instant,
    ) -> Result<tokio::sync::OwnedSemaphorePermit> {
        tokio::time::timeout_at(
            deadline.into(),
            self.memory.clone().acquire_many_owned(bytes as u32),
        )
        .await
        .map_err(|_| {
            Error::Timeout(format!(
                "Failed to allocate memory within the configured max blocking time {} ms.",
                self.settings.max_block.as_millis()
            ))
        })?
        .map_err(|_| Error::Message("the producer was closed".into()))
    }

    async fn enqueue(&self, record: ProducerRecord, delivery: Delivery) -> Result<()> {
        let (topic, partition, queued) = self.prepare(record, delivery).await?;
        self.add_partitions_to_transaction(std::iter::once((topic.clone(), partition)))
            .await?;
        self.commands
            .send(Command::Send(topic, partition, queued))
            .map_err(|_| Error::Message("the producer was closed".into()))
    }

    /// Interceptors, size checks, partitioning and buffer memory for one record.
    async fn prepare(
        &self,
        mut record: ProducerRecord,
        delivery: Delivery,
    ) -> Result<(String, i32, Queued)> {
        for i in &self.interceptors {
            i.on_send(&mut record);
        }
        let size = record.estimated_size();
        if size > self.settings.max_request_size {
            return Err(Error::Message(format!(
                "The message is {size} bytes when serialized which is larger than {}, which is the value of the max.request.size configuration.",
                self.settings.max_request_size
            )));
        }
        if size > self.settings.buffer_memory {
            return Err(Error::Message(format!(
                "The message is {size} bytes when serialized which is larger than the total memory buffer you have configured with the buffer.memory configuration."
            )));
        }
        let deadline = Instant::now() + self.settings.max_block;
        let partition = self.choose_partition(&record, size, deadline).await?;
        let permit = self.reserve_memory(size, deadline).await?;
        let delivery = if self.interceptors.is_empty() {
            delivery
        } else {
            let interceptors = self.interceptors.clone();
            Delivery::Callback(Box::new(move |result: Result<RecordMetadata>| {
                for i in &interceptors {
                    i.on_acknowledgement(result.as_ref());
                }
                delivery.complete(result);
            }))
        };
        let topic = record.topic.clone();
        Ok((
            topic,
            partition,
            Queued {
                record,
                delivery,
                _memory: permit,
            },
        ))
    }

    async fn choose_partition(
        &self,
        record: &ProducerRecord,
        size: usize,
        deadline: Instant,
    ) -> Result<i32> {
        let count = self.partition_count(&record.topic, deadline).await?;
        self.partition_in(record, size, count)
    }

    /// Java's choice of partition among `count`: explicit, else murmur2 of the key, else sticky.
    fn partition_in(&self, record: &ProducerRecord, size: usize, count: usize) -> Result<i32> {
        if let Some(p) = record.partition {
            if p < 0 || p as usize >= count {
                return Err(Error::Message(format!(
                    "Invalid partition given with record: {p} is not in the range [0...{count})."
                )));
            }
            return Ok(p);
        }
        Ok(match &record.key {
            Some(key) => partition_for_key(key, count),
            None => self
                .sticky
                .partition(&record.topic, count, size, self.settings.batch_size),
        })
    }

    /// The topic's partition count, waiting (up to `max.block.ms`) for metadata as Java does;
    /// the request allows auto-creation, as the producer's metadata requests do.
    async fn partition_count(&self, topic: &str, deadline: Instant) -> Result<usize> {
        if let Some(n) = self.client.cached_metadata().partition_count(topic) {
            return Ok(n);
        }
        let topics = [topic.to_string()];
        let mut last_error = None;
        loop {
            match self.client.refresh_metadata(Some(&topics), true).await {
                Ok(metadata) => {
                    if let Some(n) = metadata.partition_count(topic) {
                        return Ok(n);
                    }
                    if let Some(info) = metadata.topics.get(topic) {
                        let code = info.error_code;
                        if code != 0 && !is_retriable(code) {
                            return Err(Error::from_code(code, Some(format!("topic {topic}")))
                                .unwrap_or_else(|| Error::Message(format!("topic {topic}"))));
                        }
                    }
                }
                Err(e) => last_error = Some(e),
            }
            if Instant::now() + self.settings.retry_backoff >= deadline {
                let why = last_error.map(|e| format!(" ({e})")).unwrap_or_default();
                return Err(Error::Timeout(format!(
                    "Topic {topic} not present in metadata after {} ms.{why}",
                    self.settings.max_block.as_millis()
                )));
            }
            tokio::time::sleep(self.settings.retry_backoff).await;
        }
    }

    /// Transactions: finds the coordinator of `transactional.id` and gets the producer id and
    /// epoch, fencing any older producer with the same id (its open transaction is aborted).
    pub async fn init_transactions(&self) -> Result<()> {
        let Some(id) = self.settings.transactional_id.clone() else {
            return Err(Error::Message(
                "Transactional method invoked on a non-transactional producer.".into(),
            ));
        };
        let mut txn = self.txn.lock().await;
        let deadline = Instant::now() + self.settings.max_block;
        let mut request = kafka_protocol::messages::InitProducerIdRequest::default();
        request.transactional_id = Some(kafka_protocol::messages::TransactionalId(
            StrBytes::from_string(id.clone()),
        ));
        request.transaction_timeout_ms = self.settings.transaction_timeout_ms;
        request.producer_id = kafka_protocol::messages::ProducerId(-1);
        request.producer_epoch = -1;
        let response = self
            .coordinator_call(
                &mut txn,
                deadline,
                |client, node| {
                    let request = request.clone();
                    async move { client.send_to(node, &request).await }
                },
                |r| r.error_code,
            )
            .await?;
        txn.producer_id = response.producer_id.0;
        txn.epoch = response.producer_epoch;
        txn.in_transaction = false;
        txn.partitions.clear();
        self.commands
            .send(Command::Identity(txn.producer_id, txn.epoch))
            .map_err(|_| Error::Message("the producer was closed".into()))
    }

    /// Starts a transaction (locally: the coordinator learns of it with the first partition).
    pub async fn begin_transaction(&self) -> Result<()> {
        let mut txn = self.txn.lock().await;
        if self.settings.transactional_id.is_none() || txn.coordinator.is_none() {
            return Err(Error::Message(
                "Cannot begin a transaction before init_transactions.".into(),
            ));
        }
        if txn.in_transaction {
            return Err(Error::Message(
                "A transaction is already in progress.".into(),
            ));
        }
        txn.in_transaction = true;
        txn.partitions.clear();
        *self.txn_error.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }

    /// Adds partitions to the open transaction before their first record is queued.
    async fn add_partitions_to_transaction(
        &self,
        tps: impl Iterator<Item = (String, i32)>,
    ) -> Result<()> {
        if self.settings.transactional_id.is_none() {
            return Ok(());
        }
        let mut txn = self.txn.lock().await;
        if !txn.in_transaction {
            return Err(Error::Message(
                "Cannot send a record outside a transaction: call begin_transaction first.".into(),
            ));
        }
        let fresh: Vec<(String, i32)> = tps.filter(|tp| !txn.partitions.contains(tp)).collect();
        if fresh.is_empty() {
            return Ok(());
        }
        use kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
        let mut topics: IndexMap<String, Vec<i32>> = IndexMap::new();
        for (t, p) in &fresh {
            topics.entry(t.clone()).or_default().push(*p);
        }
        let mut request = kafka_protocol::messages::AddPartitionsToTxnRequest::default();
        request.v3_and_below_transactional_id = kafka_protocol::messages::TransactionalId(
            StrBytes::from_string(self.settings.transactional_id.clone().unwrap_or_default()),
        );
        request.v3_and_below_producer_id = kafka_protocol::messages::ProducerId(txn.producer_id);
        request.v3_and_below_producer_epoch = txn.epoch;
        request.v3_and_below_topics = topics
            .into_iter()
            .map(|(name, partitions)| {
                let mut t = AddPartitionsToTxnTopic::default();
                t.name = TopicName(StrBytes::from_string(name));
                t.partitions = partitions;
                t
            })
            .collect();
        let deadline = Instant::now() + self.settings.max_block;
        self.coordinator_call(
            &mut txn,
            deadline,
            |client, node| {
                let request = request.clone();
                async move {
                    // v4+ is for brokers; clients speak v3 and below.
                    let conn = client.connection(node).await?;
                    let version = conn
                        .version_capped::<kafka_protocol::messages::AddPartitionsToTxnRequest>(3)?;
                    conn.send_at(&request, version, client.request_timeout())
                        .await
                }
            },
            |r| {
                r.results_by_topic_v3_and_below
                    .iter()
                    .flat_map(|t| &t.results_by_partition)
                    .map(|p| p.partition_error_code)
                    .find(|c| *c != 0)
                    .unwrap_or(r.error_code)
            },
        )
        .await?;
        txn.partitions.extend(fresh);
        Ok(())
    }

    /// Commits the consumer group's offsets with the open transaction (consume-transform-produce).
    pub async fn send_offsets_to_transaction(
        &self,
        offsets: &[((String, i32), i64)],
        group_id: &str,
    ) -> Result<()> {
        let id = self.settings.transactional_id.clone().unwrap_or_default();
        let mut txn = self.txn.lock().await;
        if !txn.in_transaction {
            return Err(Error::Message(
                "Cannot send offsets outside a transaction.".into(),
            ));
        }
        let deadline = Instant::now() + self.settings.max_block;
        let mut add = kafka_protocol::messages::AddOffsetsToTxnRequest::default();
        add.transactional_id =
            kafka_protocol::messages::TransactionalId(StrBytes::from_string(id.clone()));
        add.producer_id = kafka_protocol::messages::ProducerId(txn.producer_id);
        add.producer_epoch = txn.epoch;
        add.group_id =
            kafka_protocol::messages::GroupId(StrBytes::from_string(group_id.to_string()));
        self.coordinator_call(
            &mut txn,
            deadline,
            |client, node| {
                let add = add.clone();
                async move { client.send_to(node, &add).await }
            },
            |r| r.error_code,
        )
        .await?;
        use kafka_protocol::messages::txn_offset_commit_request::{
            TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
        };
        let mut request = kafka_protocol::messages::TxnOffsetCommitRequest::default();
        request.transactional_id =
            kafka_protocol::messages::TransactionalId(StrBytes::from_string(id));
        request.group_id =
            kafka_protocol::messages::GroupId(StrBytes::from_string(group_id.to_string()));
        request.producer_id = kafka_protocol::messages::ProducerId(txn.producer_id);
        request.producer_epoch = txn.epoch;
        request.generation_id = -1;
        let mut topics: IndexMap<String, Vec<TxnOffsetCommitRequestPartition>> = IndexMap::new();
        for ((topic, partition), offset) in offsets {
            let mut p = TxnOffsetCommitRequestPartition::default();
            p.partition_index = *partition;
            p.committed_offset = *offset;
            p.committed_leader_epoch = -1;
            topics.entry(topic.clone()).or_default().push(p);
        }
        request.topics = topics
            .into_iter()
            .map(|(name, partitions)| {
                let mut t = TxnOffsetCommitRequestTopic::default();
                t.name = TopicName(StrBytes::from_string(name));
                t.partitions = partitions;
                t
            })
            .collect();
        // The group's coordinator may move (or still be loading): find it again and retry
        // until max.block.ms, as Java's producer does.
        use kafka_protocol::ResponseError as E;
        let deadline = Instant::now() + self.settings.max_block;
        loop {
            let outcome = match crate::client::group::protocol::find_coordinator(
                &self.client,
                group_id,
            )
            .await
            {
                Ok(node) => self.client.send_to(node, &request).await,
                Err(e) => Err(e),
            };
            let failure = match outcome {
                Ok(response) => {
                    let Some(code) = response
                        .topics
                        .iter()
                        .flat_map(|t| &t.partitions)
                        .map(|p| p.error_code)
                        .find(|c| *c != 0)
                    else {
                        return Ok(());
                    };
                    let error = Error::from_code(code, Some("TxnOffsetCommit".into()))
                        .unwrap_or_else(|| {
                            Error::Message(format!("TxnOffsetCommit failed: {code}"))
                        });
                    if !matches!(
                        E::try_from_code(code),
                        Some(
                            E::NotCoordinator
                                | E::CoordinatorNotAvailable
                                | E::CoordinatorLoadInProgress
                                | E::RequestTimedOut
                        )
                    ) {
                        return Err(error);
                    }
                    error
                }
                Err(e) => e,
            };
            if Instant::now() + self.settings.retry_backoff >= deadline {
                return Err(failure);
            }
            tokio::time::sleep(self.settings.retry_backoff).await;
        }
    }

    /// Flushes, then commits the transaction. A record that failed makes the commit fail (the
    /// transaction must then be aborted).
    pub async fn commit_transaction(&self) -> Result<()> {
        self.end_transaction(true).await
    }

    /// Flushes, then aborts the transaction: read_committed consumers never see its records.
    pub async fn abort_transaction(&self) -> Result<()> {
        self.end_transaction(false).await
    }

    async fn end_transaction(&self, commit: bool) -> Result<()> {
        let id = self.settings.transactional_id.clone().unwrap_or_default();
        self.flush().await?;
        let mut txn = self.txn.lock().await;
        if !txn.in_transaction {
            return Err(Error::Message("No transaction in progress.".into()));
        }
        if commit {
            if let Some(why) = self
                .txn_error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
            {
                return Err(Error::Message(format!(
                    "Cannot commit a transaction with a failed send ({why}); abort it."
                )));
            }
        }
        if !txn.partitions.is_empty() {
            let mut request = kafka_protocol::messages::EndTxnRequest::default();
            request.transactional_id =
                kafka_protocol::messages::TransactionalId(StrBytes::from_string(id));
            request.producer_id = kafka_protocol::messages::ProducerId(txn.producer_id);
            request.producer_epoch = txn.epoch;
            request.committed = commit;
            let deadline = Instant::now() + self.settings.max_block;
            self.coordinator_call(
                &mut txn,
                deadline,
                |client, node| {
                    let request = request.clone();
                    async move {
                        // v5 (KIP-890) bumps epochs per transaction; this client speaks v4 and below.
                        let conn = client.connection(node).await?;
                        let version =
                            conn.version_capped::<kafka_protocol::messages::EndTxnRequest>(4)?;
                        conn.send_at(&request, version, client.request_timeout())
                            .await
                    }
                },
                |r| r.error_code,
            )
            .await?;
        }
        txn.in_transaction = false;
        txn.partitions.clear();
        Ok(())
    }

    /// Sends a request to the transaction coordinator, finding it first and again after
    /// NOT_COORDINATOR, retrying retriable errors (CONCURRENT_TRANSACTIONS, loading) until
    /// `deadline`. `code` extracts the response's error.
    async fn coordinator_call<R, F, Fut>(
        &self,
        txn: &mut TxnState,
        deadline: Instant,
        call: F,
        code: impl Fn(&R) -> i16,
    ) -> Result<R>
    where
        F: Fn(Client, i32) -> Fut,
        Fut: std::future::Future<Output = Result<R>>,
    {
        use kafka_protocol::ResponseError as E;
        let id = self.settings.transactional_id.clone().unwrap_or_default();
        loop {
            let node = match txn.coordinator {
                Some(n) => n,
                None => {
                    let n =
                        crate::client::group::protocol::find_coordinator_of(&self.client, &id, 1)
                            .await?;
                    txn.coordinator = Some(n);
                    n
                }
            };
            let outcome = call(self.client.clone(), node).await;
            let retry = match &outcome {
                Ok(r) => {
                    let c = code(r);
                    if c == 0 {
                        return outcome;
                    }
                    let e = E::try_from_code(c);
                    if matches!(e, Some(E::NotCoordinator | E::CoordinatorNotAvailable)) {
                        txn.coordinator = None;
                    }
                    if !matches!(
                        e,
                        Some(
                            E::NotCoordinator
                                | E::CoordinatorNotAvailable
                                | E::CoordinatorLoadInProgress
                                | E::ConcurrentTransactions
                        )
                    ) {
                        return Err(Error::from_code(c, None).unwrap_or_else(|| {
                            Error::Message(format!("transaction request failed: {c}"))
                        }));
                    }
                    format!("error {c}")
                }
                Err(e) => {
                    txn.coordinator = None;
                    e.to_string()
                }
            };
            if Instant::now() + self.settings.retry_backoff >= deadline {
                return Err(Error::Timeout(format!(
                    "transaction coordinator request timed out ({retry})"
                )));
            }
            tokio::time::sleep(self.settings.retry_backoff).await;
        }
    }

    /// Sends everything queued now and waits until each record has its result.
    pub async fn flush(&self) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Flush(tx))
            .map_err(|_| Error::Message("the producer was closed".into()))?;
        rx.await
            .map_err(|_| Error::Message("the producer was closed".into()))
    }

    /// Flushes, then stops the sender task.
    pub async fn close(mut self) -> Result<()> {
        let result = self.flush().await;
        if let Some(task) = self.sender.take() {
            drop(std::mem::replace(
                &mut self.commands,
                mpsc::unbounded_channel().0,
            ));
            let _ = task.await;
        }
        result
    }
}

/// Who waits for a batch's records, in record order.
enum Pending {
    One(Delivery),
    /// Records `first..first + count` of one `send_many` call, next to each other in the batch.
    Shared {
        callback: Arc<SharedCallback>,
        first: usize,
        count: usize,
    },
}

/// Completes each record of a batch, in order: `result(i)` is the fate of the batch's i-th.
fn complete_pending(
    pending: Vec<Pending>,
    mut result: impl FnMut(usize) -> Result<RecordMetadata>,
) {
    let mut position = 0;
    for p in pending {
        match p {
            Pending::One(delivery) => {
                delivery.complete(result(position));
                position += 1;
            }
            Pending::Shared {
                callback,
                first,
                count,
            } => {
                for i in 0..count {
                    callback(first + i, result(position));
                    position += 1;
                }
            }
        }
    }
}

/// Buffer memory held by a batch, given back to the producer's pool when the batch is done
/// (one release per batch, not one per record).
struct Memory {
    pool: Arc<Semaphore>,
    bytes: usize,
}

impl Drop for Memory {
    fn drop(&mut self) {
        if self.bytes > 0 {
            self.pool.add_permits(self.bytes);
        }
    }
}

/// A batch's bytes: built record by record while open, sealed (header written) when first sent.
enum BatchData {
    Open(BatchBuilder),
    Sealed(bytes::Bytes),
}

/// A batch on its way: the records, built in place, and who waits for them.
struct Batch {
    data: BatchData,
    /// Each record's timestamp, for its `RecordMetadata`.
    timestamps: Vec<i64>,
    pending: Vec<Pending>,
    memory: Memory,
    /// Estimated size (the sum of `ProducerRecord::estimated_size`), for batch.size and
    /// max.request.size.
    bytes: usize,
    created: Instant,
    /// Earliest time of the next attempt (after a retriable failure).
    retry_at: Option<Instant>,
    attempts: u32,
    /// Producer id, epoch and sequence, fixed when the batch is first sent (idempotence).
    stamp: Option<ProducerStamp>,
}

impl Batch {
    fn new(pool: &Arc<Semaphore>, builder: BatchBuilder) -> Batch {
        Batch {
            data: BatchData::Open(builder),
            timestamps: Vec::new(),
            pending: Vec::new(),
            memory: Memory {
                pool: pool.clone(),
                bytes: 0,
            },
            bytes: 0,
            created: Instant::now(),
            retry_at: None,
            attempts: 0,
            stamp: None,
        }
    }

    fn count(&self) -> usize {
        self.timestamps.len()
    }

    fn is_open(&self) -> bool {
        matches!(self.data, BatchData::Open(_))
    }

    /// Appends a record to an open batch; `size` is its estimated size, whose buffer memory
    /// the batch now holds.
    fn append(&mut self, record: &ProducerRecord, size: usize, now_ms: i64) {
        let BatchData::Open(builder) = &mut self.data else {
            unreachable!("records are only appended to open batches");
        };
        let timestamp = record.timestamp.unwrap_or(now_ms);
        builder.append(
            timestamp,
            record.key.as_deref(),
            record.value.as_deref(),
            record
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_deref())),
        );
        self.timestamps.push(timestamp);
        self.bytes += size;
        self.memory.bytes += size;
    }

    /// Makes room for `additional` bytes of records about to be absorbed.
    fn reserve(&mut self, additional: usize) {
        if let BatchData::Open(builder) = &mut self.data {
            builder.reserve(additional);
        }
    }

    /// Takes over `next`'s records (both batches open, never sent), its waiters and its memory.
    fn absorb(&mut self, mut next: Batch) {
        if let (BatchData::Open(builder), BatchData::Open(other)) = (&mut self.data, &next.data) {
            builder.absorb(other);
        }
        self.timestamps.extend_from_slice(&next.timestamps);
        self.pending.append(&mut next.pending);
        self.bytes += next.bytes;
        self.memory.bytes += std::mem::take(&mut next.memory.bytes);
    }

    /// Adds record `index` of a `send_many` call as the waiter of the record just appended:
    /// a run of that call's records shares one entry.
    fn push_shared(&mut self, callback: &Arc<SharedCallback>, index: usize) {
        if let Some(Pending::Shared {
            callback: last,
            first,
            count,
        }) = self.pending.last_mut()
        {
            if Arc::ptr_eq(last, callback) && *first + *count == index {
                *count += 1;
                return;
            }
        }
        self.pending.push(Pending::Shared {
            callback: callback.clone(),
            first: index,
            count: 1,
        });
    }

    /// The bytes to send: the header is written (with the batch's stamp) the first time; a
    /// batch re-stamped after a producer id reset gets its header rewritten.
    fn seal(&mut self, compression: CompressionType) -> Result<bytes::Bytes> {
        let fields = self.stamp.map_or(ProducerFields::NONE, |s| ProducerFields {
            producer_id: s.producer_id,
            epoch: s.epoch,
            base_sequence: s.base_sequence,
            transactional: s.transactional,
        });
        let data = std::mem::replace(&mut self.data, BatchData::Sealed(bytes::Bytes::new()));
        let sealed = match data {
            BatchData::Open(builder) => builder
                .seal(compression.codec(), fields)
                .map_err(|e| Error::Message(format!("cannot encode a record batch: {e}")))?,
            BatchData::Sealed(bytes) => {
                let header = crate::protocol::batch::BatchHeader::parse(&bytes)
                    .map_err(|e| Error::Message(format!("sealed batch: {e}")))?;
                if header.producer_id == fields.producer_id
                    && header.producer_epoch == fields.epoch
                    && header.base_sequence == fields.base_sequence
                    && header.is_transactional() == fields.transactional
                {
                    bytes
                } else {
                    let mut copy = bytes::BytesMut::from(&bytes[..]);
                    crate::protocol::batch::set_producer_fields(&mut copy, fields)
                        .map_err(|e| Error::Message(format!("sealed batch: {e}")))?;
                    copy.freeze()
                }
            }
        };
        self.data = BatchData::Sealed(sealed.clone());
        Ok(sealed)
    }
}

#[derive(Default)]
struct PartitionQueue {
    batches: VecDeque<Batch>,
    /// Batches of this partition in flight.
    in_flight: usize,
    /// Idempotence: the sequence after the last batch the broker acknowledged under the
    /// current producer id and epoch; `None` until the first acknowledgement.
    acked_sequence: Option<i32>,
    /// Why its last attempt was retried or it could not leave (no leader known): named
    /// when its records expire, which otherwise says only how long they waited.
    last_problem: Option<String>,
}

/// The partitions one drain takes for a broker's next request.
struct NextRequest {
    /// (queue index, place in the drain's pass)
    partitions: Vec<(usize, usize)>,
    /// Their head batches' estimated size.
    bytes: usize,
    /// Full, or the broker has max.in.flight requests out.
    closed: bool,
}

/// A batch on its way: topic, partition, the encoded batch, and the batch.
type SealedBatch = (String, i32, bytes::Bytes, Batch);

type InFlight = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = (
                    i32,
                    Vec<(String, i32, Batch)>,
                    Result<Option<ProduceResponse>>,
                ),
            > + Send,
    >,
>;

/// Sealed batches at least this large have their memory reused for new batches once their
/// request is answered ([`Recycler`]): fresh buffers of a MiB cost the producer a third of
/// its CPU in page faults and zeroed pages, and growing a batch copies it each time.
const RECYCLED_BATCH_MIN: usize = 64 * 1024;
/// Enough for the batches of `max.in.flight.requests.per.connection` requests and the ones
/// filling behind them.
const RECYCLED_BATCHES_KEPT: usize = 16;

struct SenderLoop {
    client: Client,
    settings: Settings,
    /// Large sealed batches whose memory new batches take back once they are done.
    spare_buffers: Recycler,
    /// The producer's `buffer.memory` pool: batches give their bytes back to it.
    memory: Arc<Semaphore>,
    queues: IndexMap<(String, i32), PartitionQueue>,
    in_flight: FuturesUnordered<InFlight>,
    in_flight_per_node: std::collections::HashMap<i32, usize>,
    flush_waiters: Vec<oneshot::Sender<()>>,
    refreshing: Option<tokio::task::JoinHandle<()>>,
    /// A ready batch's partition had no known leader at the last drain.
    waiting_for_leaders: bool,
    /// Where the next drain starts looking at partitions: after the last one that sent a
    /// batch, so that each gets its turn (Java's drainIndex).
    drain_from: usize,
    /// When the oldest batch not in flight reaches delivery.timeout.ms (from `next_wake`):
    /// `expire_batches` looks at every partition only then.
    expiry_due: Option<Instant>,
    /// The producer id and epoch (idempotence), once InitProducerId answered.
    identity: Option<(i64, i16)>,
    /// InitProducerId under way: `Ok(None)` when the broker does not support it.
    init: Option<tokio::task::JoinHandle<Result<Option<(i64, i16)>>>>,
    init_retry_at: Option<Instant>,
    /// Why the last InitProducerId failed, until one succeeds.
    init_problem: Option<String>,
    /// The next sequence of each partition.
    sequences: std::collections::HashMap<(String, i32), i32>,
    /// Per broker, the signal that the newest request was handed to the connection: the next
    /// request waits for it, so requests reach each broker in the order they were built.
    last_enqueued: std::collections::HashMap<i32, oneshot::Receiver<()>>,
    /// A stamped batch failed for good: take a new producer id before sending more.
    reset_needed: bool,
    /// A transactional batch failed: the transaction can only abort.
    txn_error: Arc<std::sync::Mutex<Option<String>>>,
}

/// Asks any broker for a producer id. `Ok(None)`: the broker has no InitProducerId.
async fn init_producer_id(client: Client) -> Result<Option<(i64, i16)>> {
    let conn = client.any_connection().await?;
    let Ok(version) = conn.version_for::<kafka_protocol::messages::InitProducerIdRequest>() else {
        return Ok(None);
    };
    let mut request = kafka_protocol::messages::InitProducerIdRequest::default();
    request.transactional_id = None;
    request.transaction_timeout_ms = i32::MAX;
    request.producer_id = kafka_protocol::messages::ProducerId(-1);
    request.producer_epoch = -1;
    let response = conn
        .send_at(&request, version, client.request_timeout())
        .await?;
    if response.error_code != 0 {
        return Err(
            Error::from_code(response.error_code, None).unwrap_or_else(|| {
                Error::Message(format!(
                    "InitProducerId failed with error {}",
                    response.error_code
                ))
            }),
        );
    }
    Ok(Some((response.producer_id.0, response.producer_epoch)))
}

/// Java's DefaultRecordBatch.incrementSequence: sequences wrap to 0 after i32::MAX.
fn increment_sequence(sequence: i32, increment: i32) -> i32 {
    if sequence > i32::MAX - increment {
        increment - (i32::MAX - sequence) - 1
    } else {
        sequence + increment
    }
}

impl SenderLoop {
    fn new(
        client: Client,
        settings: Settings,
        memory: Arc<Semaphore>,
        txn_error: Arc<std::sync::Mutex<Option<String>>>,
    ) -> SenderLoop {
        SenderLoop {
            memory,
            txn_error,
            client,
            settings,
            queues: IndexMap::new(),
            in_flight: FuturesUnordered::new(),
            spare_buffers: Recycler::new(RECYCLED_BATCHES_KEPT, None),
            in_flight_per_node: Default::default(),
            flush_waiters: Vec::new(),
            refreshing: None,
            waiting_for_leaders: false,
            drain_from: 0,
            expiry_due: None,
            identity: None,
            init: None,
            init_retry_at: None,
            init_problem: None,
            sequences: Default::default(),
            last_enqueued: Default::default(),
            reset_needed: false,
        }
    }

    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut open = true;
        loop {
            // Set when records keep coming faster than they are accepted: this task then
            // yields once per request's worth, so that the tasks it spawned (InitProducerId,
            // connections) run on this worker too; tokio would otherwise only run them once the
            // task's cooperative budget is spent, after about 128 chunks of records.
            let mut busy = false;
            let wake = self.next_wake();
            tokio::select! {
                cmd = commands.recv(), if open => match cmd {
                    Some(cmd) => {
                        // Take what else is queued before deciding what to send, up to about
                        // one request's worth: a caller that hands over records faster than
                        // they are accepted would otherwise keep this loop from sending
                        // anything until buffer.memory is full.
                        let mut accepted = self.accept(cmd);
                        while accepted < self.settings.max_request_size {
                            let Ok(cmd) = commands.try_recv() else {
                                break;
                            };
                            accepted += self.accept(cmd);
                        }
                        busy = accepted >= self.settings.max_request_size;
                    }
                    None => {
                        open = false;
                    }
                },
                Some((node, batches, result)) = self.in_flight.next(), if !self.in_flight.is_empty() => {
                    self.complete(node, batches, result);
                }
                done = async { self.init.as_mut().expect("guarded").await }, if self.init.is_some() => {
                    self.init = None;
                    match done {
                        Ok(Ok(Some(identity))) => {
                            self.identity = Some(identity);
                            self.init_problem = None;
                        }
                        Ok(Ok(None)) if !self.settings.idempotence_required => {
                            tracing::debug!("the broker has no InitProducerId: producing without idempotence");
                            self.settings.idempotence = false;
                        }
                        Ok(Ok(None)) => self.fail_all("the broker does not support idempotent producers (InitProducerId)"),
                        Ok(Err(e)) => {
                            tracing::debug!("InitProducerId failed: {e}");
                            self.init_problem = Some(format!("no producer id: InitProducerId failed: {e}"));
                            self.init_retry_at = Some(Instant::now() + self.settings.retry_backoff);
                        }
                        Err(e) => {
                            tracing::debug!("InitProducerId task failed: {e}");
                            self.init_problem = Some(format!("no producer id: InitProducerId task failed: {e}"));
                            self.init_retry_at = Some(Instant::now() + self.settings.retry_backoff);
                        }
                    }
                }
                _ = sleep_until(wake) => {}
            }
            if self.expiry_due.is_some_and(|due| Instant::now() >= due) {
                self.expire_batches();
            }
            let urgent = self.drain();
            if self.is_idle() {
                for w in self.flush_waiters.drain(..) {
                    let _ = w.send(());
                }
                if !open {
                    return;
                }
            }
            // A request task just spawned waits in this worker's next-task slot, where no
            // other worker takes it from: with records still coming, this task would run on
            // and the request leave only later (measured: the first request of a run waited 4
            // to 16 ms). That matters when the broker has nothing else of ours to work on.
            if busy || urgent {
                tokio::task::yield_now().await;
            }
        }
    }

    /// Queues a command's records; returns their estimated size.
    fn accept(&mut self, cmd: Command) -> usize {
        match cmd {
            Command::SendMany(all) => all
                .into_iter()
                .map(|(topic, partition, queued)| {
                    self.accept(Command::Send(topic, partition, queued))
                })
                .sum(),
            Command::Send(topic, partition, queued) => {
                let now_ms = crate::client::now_ms();
                let index = self.queue_index(&topic, partition);
                let Queued {
                    record,
                    delivery,
                    _memory,
                } = queued;
                // The batch holds the record's memory from now on.
                let size = _memory.num_permits();
                _memory.forget();
                self.append(index, &record, now_ms)
                    .pending
                    .push(Pending::One(delivery));
                size
            }
            Command::SendChunk {
                records,
                callback,
                memory,
            } => {
                // The records' sizes add up to the chunk's permits: each batch gives back its
                // share when it is done.
                let size = memory.num_permits();
                memory.forget();
                let now_ms = crate::client::now_ms();
                // Sticky partitioning sends runs of records to one partition: look the queue up
                // once per run.
                let mut last: Option<(usize, i32)> = None;
                for (i, (partition, record)) in records.into_iter().enumerate() {
                    let index = match last {
                        Some((index, p))
                            if p == partition
                                && self
                                    .queues
                                    .get_index(index)
                                    .is_some_and(|(k, _)| k.0 == record.topic) =>
                        {
                            index
                        }
                        _ => self.queue_index(&record.topic, partition),
                    };
                    last = Some((index, partition));
                    let batch = self.append(index, &record, now_ms);
                    batch.push_shared(&callback, i);
                }
                size
            }
            Command::Flush(tx) => {
                self.flush_waiters.push(tx);
                0
            }
            Command::Identity(producer_id, epoch) => {
                self.identity = Some((producer_id, epoch));
                self.sequences.clear();
                self.forget_acknowledged_sequences();
                0
            }
        }
    }

    /// The index of a partition's queue, created when new.
    fn queue_index(&mut self, topic: &str, partition: i32) -> usize {
        match self
            .queues
            .get_index_of(&TopicPartitionRef(topic, partition))
        {
            Some(index) => index,
            None => {
                self.queues
                    .insert_full((topic.to_string(), partition), PartitionQueue::default())
                    .0
            }
        }
    }

    /// Appends a record to its partition's open batch, starting a new batch when it does not
    /// fit. While the partition has a batch in flight, or one waiting ahead of the open one
    /// (for a producer id, for the first answer), the open batch grows up to
    /// max.request.size: it leaves as one request when its turn comes, instead of one request
    /// (and round trip) per batch.size, or many batch.size buffers copied into one.
    fn append(&mut self, index: usize, record: &ProducerRecord, now_ms: i64) -> &mut Batch {
        let size = record.estimated_size();
        let batch_size = self.settings.batch_size;
        let (_, queue) = self
            .queues
            .get_index_mut(index)
            .expect("a queue index from queue_index");
        let limit = if queue.in_flight > 0 || queue.batches.len() > 1 {
            batch_size.max(self.settings.max_request_size)
        } else {
            batch_size
        };
        let fits = queue.batches.back().is_some_and(|b| {
            b.is_open() && b.attempts == 0 && (b.bytes + size <= limit || b.count() == 0)
        });
        if !fits {
            let builder = match self.spare_buffers.take() {
                Some(buffer) => BatchBuilder::in_buffer(buffer),
                None => BatchBuilder::with_capacity(batch_size.min(1 << 20).max(size)),
            };
            queue.batches.push_back(Batch::new(&self.memory, builder));
        }
        let batch = queue.batches.back_mut().expect("a batch was just ensured");
        batch.append(record, size, now_ms);
        batch
    }

    fn is_idle(&self) -> bool {
        self.in_flight.is_empty() && self.queues.values().all(|q| q.batches.is_empty())
    }

    /// How many batches of one partition may be in flight now. Without idempotence
    /// `max.in.flight.requests.per.connection`, as Java's producer: a batch retried after a
    /// later one was written lands behind it (Java documents it; 1 keeps the order). With
    /// idempotence at most 5, and only once the broker acknowledged one under the current
    /// producer id: a broker with no state for a producer accepts any sequence from it
    /// (Kafka's rule, so that a producer whose state was deleted with the log can go on), so a
    /// later batch that overtook the first one would be written before it. And while a batch
    /// is retried it is alone in flight (as Java's producer): nothing after it may be written
    /// ahead of it.
    fn in_flight_limit(&self, queue: &PartitionQueue) -> usize {
        let retrying = queue.batches.front().is_some_and(|b| b.attempts > 0);
        if retrying {
            1
        } else if !self.settings.idempotence {
            self.settings.max_in_flight.max(1)
        } else if self.identity.is_some() && queue.acked_sequence.is_some() {
            self.settings.max_in_flight.clamp(1, 5)
        } else {
            1
        }
    }

    /// Forgets which sequences were acknowledged (a new producer id or epoch).
    fn forget_acknowledged_sequences(&mut self) {
        for queue in self.queues.values_mut() {
            queue.acked_sequence = None;
        }
    }

    /// Whether a partition's head batch may leave now.
    fn head_ready(&self, queue: &PartitionQueue, now: Instant) -> bool {
        let Some(head) = queue.batches.front() else {
            return false;
        };
        if queue.in_flight >= self.in_flight_limit(queue) || head.retry_at.is_some_and(|t| t > now)
        {
            return false;
        }
        // With a batch in flight the open one grows up to max.request.size (see `append`):
        // full means another batch is behind it.
        let full = if queue.in_flight > 0 {
            queue.batches.len() > 1
        } else {
            queue.batches.len() > 1 || head.bytes >= self.settings.batch_size
        };
        !self.flush_waiters.is_empty()
            || full
            || now >= head.created + self.settings.linger
            || head.attempts > 0
    }

    /// When something may become ready without any event: a linger or a retry backoff ending,
    /// or a batch reaching delivery.timeout.ms (noted in `expiry_due`). One pass over the
    /// partitions: with 1,000 of them this runs for every chunk of records and every answer.
    fn next_wake(&mut self) -> Option<Instant> {
        let now = Instant::now();
        let mut wake: Option<Instant> = None;
        let mut expiry: Option<Instant> = None;
        let earliest = |slot: &mut Option<Instant>, t: Instant| {
            *slot = Some(slot.map_or(t, |w| w.min(t)));
        };
        if let Some(t) = self.init_retry_at {
            earliest(&mut wake, t.max(now));
        }
        for q in self.queues.values() {
            let Some(head) = q.batches.front() else {
                continue;
            };
            if q.in_flight == 0 {
                // Delivery timeouts must fire even when nothing else happens.
                earliest(&mut expiry, head.created + self.settings.delivery_timeout);
            }
            if q.in_flight >= self.in_flight_limit(q) {
                continue;
            }
            // A head that is ready but could not leave waits for an event (a response frees
            // an in-flight slot), not for the clock: no busy loop.
            let t = head.retry_at.unwrap_or(head.created + self.settings.linger);
            if t > now {
                earliest(&mut wake, t);
            }
        }
        if self.waiting_for_leaders {
            // Some ready batch has no known leader: look again after a backoff.
            earliest(&mut wake, now + self.settings.retry_backoff);
        }
        self.expiry_due = expiry;
        if let Some(due) = expiry {
            earliest(&mut wake, due.max(now));
        }
        wake
    }

    /// Fails batches that have waited longer than `delivery.timeout.ms`.
    fn expire_batches(&mut self) {
        let limit = self.settings.delivery_timeout;
        for ((topic, partition), queue) in self.queues.iter_mut() {
            if queue.in_flight > 0 {
                continue;
            }
            while queue
                .batches
                .front()
                .is_some_and(|b| b.created.elapsed() >= limit)
            {
                let batch = queue.batches.pop_front().expect("checked front");
                let n = batch.count();
                let ms = batch.created.elapsed().as_millis();
                let why = match (&self.identity, &self.init_problem, &queue.last_problem) {
                    (None, Some(problem), _) | (_, _, Some(problem)) => {
                        format!(" (last problem: {problem})")
                    }
                    _ => String::new(),
                };
                if self.settings.transactional_id.is_some() {
                    *self.txn_error.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(format!("{n} record(s) for {topic}-{partition} expired"));
                }
                fail_batch(batch, || {
                    Error::Timeout(format!(
                        "Expiring {n} record(s) for {topic}-{partition}:{ms} ms has passed since batch creation{why}"
                    ))
                });
            }
        }
    }

    fn refresh_metadata(&mut self) {
        if self.refreshing.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        let client = self.client.clone();
        let topics: Vec<String> = {
            let mut t: Vec<String> = self.queues.keys().map(|(t, _)| t.clone()).collect();
            t.dedup();
            t
        };
        self.refreshing = Some(tokio::spawn(async move {
            if let Err(e) = client.refresh_metadata(Some(&topics), true).await {
                tracing::debug!("metadata refresh failed: {e}");
            }
        }));
    }

    /// Fails every queued record (a fatal producer error).
    fn fail_all(&mut self, message: &str) {
        for queue in self.queues.values_mut() {
            for batch in queue.batches.drain(..) {
                fail_batch(batch, || Error::Message(message.to_string()));
            }
        }
    }

    /// Idempotence: whether batches may leave (a producer id is known), starting
    /// InitProducerId when needed, and taking a new id after a sequence gap.
    fn identity_ready(&mut self) -> bool {
        if !self.settings.idempotence {
            return true;
        }
        if self.reset_needed && self.in_flight.is_empty() {
            // Nothing in flight: unacknowledged batches start over under a new producer id.
            self.reset_needed = false;
            self.identity = None;
            self.sequences.clear();
            self.forget_acknowledged_sequences();
            for queue in self.queues.values_mut() {
                for batch in &mut queue.batches {
                    batch.stamp = None;
                }
            }
        }
        if self.reset_needed {
            return false;
        }
        if self.identity.is_some() {
            return true;
        }
        if self.settings.transactional_id.is_some() {
            // The identity comes from init_transactions.
            return false;
        }
        let due = self.init_retry_at.is_none_or(|t| t <= Instant::now());
        if self.init.is_none() && due && !self.is_idle() {
            self.init_retry_at = None;
            self.init = Some(tokio::spawn(init_producer_id(self.client.clone())));
        }
        false
    }

    /// Builds and sends one request per broker with ready batches, within the in-flight limits.
    /// True when one went to a broker that had none in flight (nothing of ours keeps it busy
    /// until this one arrives).
    fn drain(&mut self) -> bool {
        let requests = self.take_requests();
        let urgent = requests
            .iter()
            .any(|(node, _)| self.in_flight_per_node.get(node) == Some(&1));
        for (node, batches) in requests {
            let (queued, next_turn) = oneshot::channel();
            let turn = Turn {
                after: self.last_enqueued.insert(node, next_turn),
                queued,
            };
            self.in_flight.push(send_produce(
                self.client.clone(),
                self.settings.clone(),
                node,
                batches,
                turn,
            ));
        }
        urgent
    }

    /// Takes the batches that may leave now off their queues, stamped and sealed, as one
    /// request per broker, and counts them in flight.
    fn take_requests(&mut self) -> Vec<(i32, Vec<SealedBatch>)> {
        let mut requests = Vec::new();
        if !self.identity_ready() {
            return requests;
        }
        let now = Instant::now();
        let metadata = self.client.cached_metadata();
        // Ready partitions per leader, as (queue index, place in this pass), in turn from
        // where the last drain stopped. A leader's request is full at max.request.size, and
        // once every broker's is full (or has max.in.flight requests out) the rest wait for
        // the next drain: with 1,000 partitions, most of them.
        let count = self.queues.len();
        let start = if count == 0 {
            0
        } else {
            self.drain_from % count
        };
        let mut per_node: IndexMap<i32, NextRequest> = IndexMap::new();
        let mut closed_nodes = 0;
        let mut without_leader = Vec::new();
        let all_closed = |closed: usize| closed >= metadata.brokers.len().max(1);
        for step in 0..count {
            let index = (start + step) % count;
            let (key, queue) = self.queues.get_index(index).expect("an index below len");
            if !self.head_ready(queue, now) {
                continue;
            }
            let Some(node) = metadata.leader(&key.0, key.1) else {
                without_leader.push(index);
                continue;
            };
            let request = match per_node.entry(node) {
                indexmap::map::Entry::Occupied(e) => e.into_mut(),
                indexmap::map::Entry::Vacant(e) => {
                    let busy = self.in_flight_per_node.get(&node).copied().unwrap_or(0)
                        >= self.settings.max_in_flight;
                    closed_nodes += usize::from(busy);
                    e.insert(NextRequest {
                        partitions: Vec::new(),
                        bytes: 0,
                        closed: busy,
                    })
                }
            };
            if request.closed {
                if all_closed(closed_nodes) {
                    break;
                }
                continue;
            }
            request.partitions.push((index, step));
            request.bytes += queue.batches.front().map_or(0, |b| b.bytes);
            if request.bytes >= self.settings.max_request_size {
                request.closed = true;
                closed_nodes += 1;
                if all_closed(closed_nodes) {
                    break;
                }
            }
        }
        let missing_leader = !without_leader.is_empty();
        for index in without_leader {
            if let Some((_, queue)) = self.queues.get_index_mut(index) {
                queue.last_problem = Some("no leader known for the partition".into());
            }
        }
        self.waiting_for_leaders = missing_leader;
        if missing_leader {
            self.refresh_metadata();
        }
        let mut last_step = None;
        for (node, request) in per_node {
            if request.partitions.is_empty() {
                continue;
            }
            let mut batches = Vec::new();
            let mut bytes = 0;
            for (index, step) in request.partitions {
                let (key, queue) = self
                    .queues
                    .get_index_mut(index)
                    .expect("an index below len");
                let size = queue.batches.front().map_or(0, |b| b.bytes);
                if !batches.is_empty() && bytes + size > self.settings.max_request_size {
                    break;
                }
                bytes += size;
                let mut batch = queue.batches.pop_front().expect("ready head");
                // A partition sends one batch per request: a backlog of batches that were
                // never sent (waiting for a producer id or an in-flight slot) leaves as one,
                // in order, up to max.request.size, instead of one round trip per batch.size.
                let flushing = !self.flush_waiters.is_empty();
                let mut reserved = false;
                while let Some(next) = queue.batches.front() {
                    // The last batch may still be filling; it leaves on its own linger.
                    let closed = queue.batches.len() > 1 || flushing;
                    let fits = closed
                        && batch.is_open()
                        && next.is_open()
                        && next.attempts == 0
                        && batch.attempts == 0
                        && batch.stamp.is_none()
                        && next.stamp.is_none()
                        && bytes + next.bytes <= self.settings.max_request_size;
                    if !fits {
                        break;
                    }
                    if !reserved {
                        // At most what is queued, within the request's limit: one allocation.
                        let queued: usize = queue.batches.iter().map(|b| b.bytes).sum();
                        batch.reserve(queued.min(self.settings.max_request_size - bytes));
                        reserved = true;
                    }
                    let next = queue.batches.pop_front().expect("front exists");
                    bytes += next.bytes;
                    batch.absorb(next);
                }
                if let (Some((producer_id, epoch)), None) = (self.identity, batch.stamp) {
                    if !self.sequences.contains_key(key) {
                        self.sequences.insert(key.clone(), 0);
                    }
                    let next = self.sequences.get_mut(key).expect("just ensured");
                    batch.stamp = Some(ProducerStamp {
                        producer_id,
                        epoch,
                        base_sequence: *next,
                        transactional: self.settings.transactional_id.is_some(),
                    });
                    *next = increment_sequence(*next, batch.count() as i32);
                }
                let sealed = match batch.seal(self.settings.compression) {
                    Ok(sealed) => {
                        if sealed.len() >= RECYCLED_BATCH_MIN {
                            self.spare_buffers.keep(&sealed);
                        }
                        sealed
                    }
                    Err(e) => {
                        if batch.stamp.is_some() {
                            self.reset_needed = true;
                        }
                        fail_batch(batch, || Error::Message(e.to_string()));
                        continue;
                    }
                };
                queue.in_flight += 1;
                last_step = last_step.max(Some(step));
                batches.push((key.0.clone(), key.1, sealed, batch));
            }
            if batches.is_empty() {
                continue;
            }
            *self.in_flight_per_node.entry(node).or_default() += 1;
            requests.push((node, batches));
        }
        if let Some(step) = last_step {
            self.drain_from = (start + step + 1) % count.max(1);
        }
        requests
    }

    /// Handles the outcome of one produce request.
    fn complete(
        &mut self,
        node: i32,
        batches: Vec<(String, i32, Batch)>,
        result: Result<Option<ProduceResponse>>,
    ) {
        if let Some(n) = self.in_flight_per_node.get_mut(&node) {
            *n = n.saturating_sub(1);
        }
        let mut needs_metadata = false;
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                // The request as a whole failed (connection lost, timeout): every batch in it is
                // retried, as its fate is unknown.
                tracing::debug!("produce to broker {node} failed: {e}");
                for (topic, partition, batch) in batches {
                    self.retry_or_fail(topic, partition, batch, None, &e.to_string());
                }
                self.refresh_metadata();
                return;
            }
        };
        let metadata = self.client.cached_metadata();
        for (topic, partition, batch) in batches {
            let Some(response) = &response else {
                // acks=0: written is all we will ever know.
                self.finish_batch(&topic, partition, batch, -1, -1);
                continue;
            };
            let part = response
                .responses
                .iter()
                .filter(|t| {
                    t.name.0.as_str() == topic
                        || (!t.topic_id.is_nil()
                            && metadata.topic_name(t.topic_id) == Some(topic.as_str()))
                })
                .flat_map(|t| t.partition_responses.iter())
                .find(|p| p.index == partition);
            match part {
                None => self.retry_or_fail(
                    topic,
                    partition,
                    batch,
                    None,
                    "the broker's response did not mention this partition",
                ),
                Some(p) if p.error_code == 0 => {
                    let (base, append_time) = (p.base_offset, p.log_append_time_ms);
                    self.finish_batch(&topic, partition, batch, base, append_time);
                }
                // DUPLICATE_SEQUENCE_NUMBER: written before, offsets unknown.
                Some(p) if p.error_code == 46 => {
                    self.finish_batch(&topic, partition, batch, -1, -1)
                }
                Some(p) => {
                    let code = p.error_code;
                    if is_retriable_metadata_error(code) {
                        needs_metadata = true;
                    }
                    let message = p.error_message.as_ref().map(|m| m.to_string());
                    self.retry_or_fail(topic, partition, batch, Some((code, message)), "");
                }
            }
        }
        if needs_metadata {
            self.client.invalidate_metadata();
            self.refresh_metadata();
        }
    }

    fn finish_batch(
        &mut self,
        topic: &str,
        partition: i32,
        batch: Batch,
        base: i64,
        append_time: i64,
    ) {
        if let Some(q) = self.queues.get_mut(&TopicPartitionRef(topic, partition)) {
            q.in_flight = q.in_flight.saturating_sub(1);
            // Written: an earlier problem no longer explains anything.
            q.last_problem = None;
            if let Some(stamp) = &batch.stamp {
                let next = increment_sequence(stamp.base_sequence, batch.count() as i32);
                // Answers of one connection come in order, but completions may be polled out
                // of it: keep the newest (sequences wrap after i32::MAX).
                let newer = q
                    .acked_sequence
                    .is_none_or(|acked| next > acked || (acked - next) > i32::MAX / 2);
                if newer {
                    q.acked_sequence = Some(next);
                }
            }
        }
        let Batch {
            timestamps,
            pending,
            ..
        } = batch;
        complete_pending(pending, |i| {
            Ok(RecordMetadata {
                topic: topic.to_string(),
                partition,
                offset: if base < 0 { -1 } else { base + i as i64 },
                timestamp: if append_time >= 0 {
                    append_time
                } else {
                    timestamps.get(i).copied().unwrap_or(-1)
                },
            })
        });
    }

    /// Puts a failed batch back at the front of its queue, or fails its records when the
    /// error is final or the batch is out of attempts or time.
    fn retry_or_fail(
        &mut self,
        topic: String,
        partition: i32,
        mut batch: Batch,
        kafka_error: Option<(i16, Option<String>)>,
        network_error: &str,
    ) {
        // OUT_OF_ORDER_SEQUENCE_NUMBER for a batch that is not the next after the last
        // acknowledged one: an earlier batch was not written (it failed and is retried), so
        // this one follows it again.
        let acked = self
            .queues
            .get(&TopicPartitionRef(&topic, partition))
            .and_then(|q| q.acked_sequence)
            .unwrap_or(0);
        let behind_a_failed_batch = kafka_error.as_ref().is_some_and(|(code, _)| {
            *code == kafka_protocol::ResponseError::OutOfOrderSequenceNumber.code()
        }) && batch
            .stamp
            .as_ref()
            .is_some_and(|stamp| stamp.base_sequence != acked);
        tracing::debug!(
            "{topic}-{partition}: batch at sequence {:?} ({} records, attempt {}) failed: {:?} {network_error}",
            batch.stamp.as_ref().map(|s| s.base_sequence),
            batch.count(),
            batch.attempts,
            kafka_error
        );
        let queue = self.queues.entry((topic.clone(), partition)).or_default();
        queue.in_flight = queue.in_flight.saturating_sub(1);
        queue.last_problem = Some(match &kafka_error {
            Some((code, message)) => Error::from_code(*code, message.clone())
                .map_or_else(|| format!("error {code}"), |e| e.to_string()),
            None => network_error.to_string(),
        });
        let retriable = behind_a_failed_batch
            || kafka_error
                .as_ref()
                .is_none_or(|(code, _)| is_retriable(*code));
        let in_time =
            batch.created.elapsed() + self.settings.retry_backoff < self.settings.delivery_timeout;
        if retriable && in_time && batch.attempts < self.settings.retries {
            batch.attempts += 1;
            batch.retry_at = Some(Instant::now() + self.settings.retry_backoff);
            // Stamped batches go back in sequence order, others in the order they were made
            // (several may have been in flight).
            let at = match &batch.stamp {
                Some(stamp) => queue
                    .batches
                    .iter()
                    .position(|b| {
                        b.stamp
                            .as_ref()
                            .is_none_or(|s| s.base_sequence > stamp.base_sequence)
                    })
                    .unwrap_or(queue.batches.len()),
                None => queue
                    .batches
                    .iter()
                    .position(|b| b.created > batch.created)
                    .unwrap_or(queue.batches.len()),
            };
            queue.batches.insert(at, batch);
            return;
        }
        let make_error = || match &kafka_error {
            Some((code, message)) => Error::from_code(*code, message.clone())
                .unwrap_or_else(|| Error::Message(format!("{topic}-{partition}: error {code}"))),
            None => Error::Message(format!("{topic}-{partition}: {network_error}")),
        };
        if batch.stamp.is_some() {
            // Its sequence may have reached the broker or not: later ones could not follow.
            self.reset_needed = true;
        }
        if self.settings.transactional_id.is_some() {
            *self.txn_error.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(make_error().to_string());
        }
        fail_batch(batch, make_error);
    }
}

fn fail_batch(batch: Batch, make_error: impl Fn() -> Error) {
    complete_pending(batch.pending, |_| Err(make_error()));
}

async fn sleep_until(when: Option<Instant>) {
    match when {
        Some(t) => tokio::time::sleep_until(t.into()).await,
        None => std::future::pending().await,
    }
}

/// A produce request's place in its broker's line: requests are handed to the connection in
/// the order the sender built them. Each one waits until the one before it was queued (or
/// failed), as each may first have to wait for the connection; without that, a later batch of
/// a partition could reach the broker before an earlier one.
struct Turn {
    /// Resolves once the previous request to the broker was queued or gave up.
    after: Option<oneshot::Receiver<()>>,
    /// Sent (or dropped) once this request was queued or gave up.
    queued: oneshot::Sender<()>,
}

/// Sends one Produce request with the sealed batches to `node`; the future gives the outcome.
/// The request's task is spawned now, not when the future is first polled: the sender task
/// may go on batching records for a while before it polls its requests again.
fn send_produce(
    client: Client,
    settings: Settings,
    node: i32,
    batches: Vec<(String, i32, bytes::Bytes, Batch)>,
    turn: Turn,
) -> InFlight {
    let mut encoded = Vec::with_capacity(batches.len());
    let mut kept = Vec::with_capacity(batches.len());
    for (topic, partition, bytes, batch) in batches {
        encoded.push((topic.clone(), partition, bytes));
        kept.push((topic, partition, batch));
    }
    // Its own task: the request is written and its answer read on whichever worker is free,
    // while the sender task goes on batching records.
    let task = tokio::spawn(send_encoded(client, settings, node, encoded, turn));
    Box::pin(async move {
        let result = match task.await {
            Ok(result) => result,
            Err(e) => Err(Error::Message(format!(
                "the produce request's task failed: {e}"
            ))),
        };
        (node, kept, result)
    })
}

async fn send_encoded(
    client: Client,
    settings: Settings,
    node: i32,
    encoded: Vec<(String, i32, bytes::Bytes)>,
    turn: Turn,
) -> Result<Option<ProduceResponse>> {
    if let Some(previous) = turn.after {
        // Dropped or sent: either way the previous request is no longer ahead of this one.
        let _ = previous.await;
    }
    let conn = client.connection(node).await?;
    let version = conn.version_for::<ProduceRequest>()?;
    let metadata = client.cached_metadata();
    let mut topics: IndexMap<String, TopicProduceData> = IndexMap::new();
    for (topic, partition, records) in encoded {
        let entry = topics.entry(topic.clone()).or_insert_with(|| {
            let mut t = TopicProduceData::default();
            if version >= 13 {
                t.topic_id = metadata
                    .topics
                    .get(&topic)
                    .map(|i| i.id)
                    .unwrap_or_default();
            } else {
                t.name = TopicName(StrBytes::from_string(topic.clone()));
            }
            t
        });
        let mut p = PartitionProduceData::default();
        p.index = partition;
        p.records = Some(records);
        entry.partition_data.push(p);
    }
    let mut request = ProduceRequest::default();
    request.acks = settings.acks.wire_value();
    request.timeout_ms = settings.request_timeout.as_millis().min(i32::MAX as u128) as i32;
    request.topic_data = topics.into_values().collect();
    // The batches go to the socket from their own buffers, in the order they are encoded.
    let batches: Vec<bytes::Bytes> = request
        .topic_data
        .iter()
        .flat_map(|t| &t.partition_data)
        .filter_map(|p| p.records.clone())
        .filter(|records| !records.is_empty())
        .collect();
    if settings.acks == Acks::None {
        conn.send_no_response(&request, batches, version).await?;
        let _ = turn.queued.send(());
        return Ok(None);
    }
    // The broker may hold the request up to timeout_ms for acks=all; allow for that.
    let response = conn.start_at(
        &request,
        batches,
        version,
        settings.request_timeout + Duration::from_secs(5),
    )?;
    let _ = turn.queued.send(());
    Ok(Some(response.await?))
}

#[cfg(test)]
mod tests {
    //! The sender's ordering rules, driven without a network: requests are taken off the
    //! sender as it builds them and answered by a fake partition that judges sequences as
    //! Kafka's broker does.
    use super::*;
    use crate::client::cluster::{BrokerInfo, ClusterMetadata, PartitionInfo, TopicInfo};
    use kafka_protocol::messages::produce_response::{
        PartitionProduceResponse, TopicProduceResponse,
    };

    const NOT_LEADER_OR_FOLLOWER: i16 = 6;
    const OUT_OF_ORDER_SEQUENCE_NUMBER: i16 = 45;

    /// One partition's log as a broker keeps it: the written batches (base sequence, record
    /// count) at their offsets, and Kafka's sequence rule for one producer: with no state for
    /// the producer any sequence is taken, else only the one after the last written batch; a
    /// retry of a written batch gets its first offsets back.
    #[derive(Default)]
    struct FakePartition {
        written: Vec<(i32, usize, i64)>,
        next_offset: i64,
    }

    impl FakePartition {
        /// The error code and base offset the broker answers a batch with.
        fn append(&mut self, base_sequence: i32, count: usize) -> (i16, i64) {
            if let Some(&(_, _, offset)) = self
                .written
                .iter()
                .find(|(s, n, _)| *s == base_sequence && *n == count)
            {
                return (0, offset);
            }
            if let Some(&(last_base, last_count, _)) = self.written.last() {
                if base_sequence != last_base + last_count as i32 {
                    return (OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
                }
            }
            let offset = self.next_offset;
            self.written.push((base_sequence, count, offset));
            self.next_offset += count as i64;
            (0, offset)
        }

        /// The sequences of the written records, in log order.
        fn sequences(&self) -> Vec<i32> {
            self.written
                .iter()
                .flat_map(|&(base, count, _)| base..base + count as i32)
                .collect()
        }
    }

    type Request = (i32, Vec<SealedBatch>);

    struct Harness {
        sender: SenderLoop,
        deliveries: Vec<oneshot::Receiver<Result<RecordMetadata>>>,
        /// Keeps the metadata's broker address a listening port nobody answers.
        _listener: std::net::TcpListener,
    }

    impl Harness {
        /// A sender for topic `t` (one partition, led by broker 1) that already has producer
        /// id 7, epoch 0; every batch leaves at once (linger.ms=0) and retries at once.
        fn new() -> Harness {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            let mut config = ClientConfig::new();
            config
                .set("bootstrap.servers", format!("127.0.0.1:{port}"))
                .set("acks", "all")
                .set("linger.ms", "0")
                .set("retry.backoff.ms", "0");
            let client = Client::new(config).unwrap();
            client.set_cached_metadata(ClusterMetadata {
                cluster_id: None,
                controller_id: 1,
                brokers: [(
                    1,
                    BrokerInfo {
                        node_id: 1,
                        host: "127.0.0.1".into(),
                        port: port.into(),
                        rack: None,
                    },
                )]
                .into(),
                topics: [(
                    "t".to_string(),
                    TopicInfo {
                        name: "t".into(),
                        id: Default::default(),
                        is_internal: false,
                        partitions: vec![PartitionInfo {
                            partition: 0,
                            leader: 1,
                            leader_epoch: 0,
                            replicas: vec![1],
                            isr: vec![1],
                            offline: vec![],
                            error_code: 0,
                        }],
                        error_code: 0,
                    },
                )]
                .into(),
            });
            let settings = Settings::from_config(client.config()).unwrap();
            let memory = Arc::new(Semaphore::new(settings.buffer_memory));
            let mut sender = SenderLoop::new(client, settings, memory, Arc::default());
            sender.identity = Some((7, 0));
            Harness {
                sender,
                deliveries: Vec::new(),
                _listener: listener,
            }
        }

        /// Queues the next record (its value is its number) on partition 0.
        fn send(&mut self) {
            self.send_record(ProducerRecord::new("t", self.deliveries.len().to_string()));
        }

        /// Queues `record` on partition 0.
        fn send_record(&mut self, record: ProducerRecord) {
            self.send_to(0, record);
        }

        /// Queues `record` on `partition`.
        fn send_to(&mut self, partition: i32, record: ProducerRecord) {
            let permit = self
                .sender
                .memory
                .clone()
                .try_acquire_many_owned(record.estimated_size() as u32)
                .unwrap();
            let (tx, rx) = oneshot::channel();
            self.deliveries.push(rx);
            self.sender.accept(Command::Send(
                "t".into(),
                partition,
                Queued {
                    record,
                    delivery: Delivery::Future(tx),
                    _memory: permit,
                },
            ));
        }

        /// Sends one batch and has it written (so several may be in flight), then puts five
        /// one-batch requests in flight, sequences 1 to 5.
        fn five_in_flight(&mut self, log: &mut FakePartition) -> Vec<Request> {
            self.send();
            self.settle(log);
            let mut in_flight = Vec::new();
            for _ in 0..5 {
                self.send();
                in_flight.extend(self.sender.take_requests());
            }
            assert_eq!(Harness::sequences(&in_flight), vec![1, 2, 3, 4, 5]);
            in_flight
        }

        /// The base sequences of the batches of partition 0 in a set of requests.
        fn sequences(requests: &[Request]) -> Vec<i32> {
            requests
                .iter()
                .flat_map(|(_, batches)| batches)
                .map(|(_, _, _, b)| b.stamp.as_ref().unwrap().base_sequence)
                .collect()
        }

        /// Answers one request: `error` for its batch when given, else the partition's verdict.
        fn answer(&mut self, request: Request, log: &mut FakePartition, error: Option<i16>) {
            let (node, batches) = request;
            let mut topic = TopicProduceResponse::default();
            topic.name = TopicName(StrBytes::from_static_str("t"));
            let mut kept = Vec::new();
            for (t, partition, _, batch) in batches {
                let stamp = batch.stamp.as_ref().unwrap();
                let (code, base) = match error {
                    Some(code) => (code, -1),
                    None => log.append(stamp.base_sequence, batch.count()),
                };
                let mut p = PartitionProduceResponse::default();
                p.index = partition;
                p.error_code = code;
                p.base_offset = base;
                topic.partition_responses.push(p);
                kept.push((t, partition, batch));
            }
            let mut response = ProduceResponse::default();
            response.responses.push(topic);
            self.sender.complete(node, kept, Ok(Some(response)));
        }

        /// Sends and answers (through `log`) until nothing is left, checking that a retried
        /// batch leaves only when nothing else of its partition is in flight.
        fn settle(&mut self, log: &mut FakePartition) {
            for round in 0..100 {
                // Everything the sender lets go before any answer comes back.
                let mut requests = Vec::new();
                loop {
                    let more = self.sender.take_requests();
                    if more.is_empty() {
                        break;
                    }
                    requests.extend(more);
                }
                if requests.is_empty() {
                    assert!(
                        self.sender.is_idle(),
                        "stuck with work left (round {round})"
                    );
                    return;
                }
                // Nothing is in flight at the start of a round: a retried batch may only be
                // the first to leave, so at most one per round.
                let retried: Vec<usize> = requests
                    .iter()
                    .flat_map(|(_, b)| b)
                    .enumerate()
                    .filter(|(_, (_, _, _, b))| b.attempts > 0)
                    .map(|(i, _)| i)
                    .collect();
                assert!(retried.is_empty() || retried == [0], "a retry leaves alone");
                for request in requests {
                    self.answer(request, log, None);
                }
            }
            panic!("no end after 100 rounds");
        }

        /// Every record's offset, in send order (each must have succeeded).
        fn offsets(&mut self) -> Vec<i64> {
            self.deliveries
                .iter_mut()
                .map(|rx| rx.try_recv().expect("delivered").expect("written").offset)
                .collect()
        }
    }

    #[tokio::test]
    async fn a_partition_sends_one_batch_until_the_first_is_acknowledged() {
        let mut h = Harness::new();
        let mut log = FakePartition::default();
        h.send();
        let first = h.sender.take_requests();
        assert_eq!(Harness::sequences(&first), vec![0]);
        h.send();
        assert!(
            h.sender.take_requests().is_empty(),
            "the broker has no state for the producer yet: a second batch could overtake"
        );
        for request in first {
            h.answer(request, &mut log, None);
        }
        // Acknowledged: now up to five batches in flight.
        let mut in_flight = h.sender.take_requests();
        for _ in 0..5 {
            h.send();
            in_flight.extend(h.sender.take_requests());
        }
        assert_eq!(Harness::sequences(&in_flight), vec![1, 2, 3, 4, 5]);
        for request in in_flight {
            h.answer(request, &mut log, None);
        }
        h.settle(&mut log);
        assert_eq!(log.sequences(), (0..7).collect::<Vec<_>>());
        assert_eq!(h.offsets(), (0..7).collect::<Vec<_>>());
    }

    /// Where the bytes of the first batch of a set of requests start.
    fn first_batch_memory(requests: &[Request]) -> *const u8 {
        requests[0].1[0].2.as_ptr()
    }

    #[tokio::test]
    async fn a_large_batch_lends_its_memory_to_a_later_one_once_answered() {
        let mut h = Harness::new();
        let mut log = FakePartition::default();
        let large = || ProducerRecord::new("t", vec![b'x'; 100_000]);
        h.send_record(large());
        let first = h.sender.take_requests();
        let memory = first_batch_memory(&first);
        for request in first {
            h.answer(request, &mut log, None);
        }
        // In flight, the second batch's memory is still the request's: the third gets fresh.
        h.send_record(large());
        let second = h.sender.take_requests();
        assert_eq!(
            first_batch_memory(&second),
            memory,
            "the answered batch's memory"
        );
        assert_eq!(h.sender.spare_buffers.reused, 1);
        h.send_record(large());
        let third = h.sender.take_requests();
        assert_ne!(first_batch_memory(&third), memory, "memory still in flight");
        for request in second.into_iter().chain(third) {
            h.answer(request, &mut log, None);
        }
        h.settle(&mut log);
        assert_eq!(h.offsets(), vec![0, 1, 2]);
    }

    /// The first of five batches in flight fails with a retriable error, the four behind it
    /// are refused as out of order (their answers polled in any order): all are retried in
    /// sequence order, one at a time, and each record is written once, in order.
    #[tokio::test]
    async fn a_failed_batch_is_retried_before_the_ones_refused_behind_it() {
        for answer_order in [[0, 1, 2, 3, 4], [4, 2, 0, 3, 1], [3, 4, 1, 2, 0]] {
            let mut h = Harness::new();
            let mut log = FakePartition::default();
            let in_flight = h.five_in_flight(&mut log);
            // Records that come meanwhile wait behind the retries.
            h.send();
            h.send();
            let mut in_flight: Vec<Option<Request>> = in_flight.into_iter().map(Some).collect();
            // The first batch reaches the broker and fails (not written); the others then
            // reach it in order and are refused, as the log's last batch is still the first.
            let verdicts: Vec<Option<i16>> = (0..5)
                .map(|i| {
                    let (_, batches) = in_flight[i].as_ref().unwrap();
                    let (_, _, _, batch) = &batches[0];
                    if i == 0 {
                        Some(NOT_LEADER_OR_FOLLOWER)
                    } else {
                        let stamp = batch.stamp.as_ref().unwrap();
                        Some(log.append(stamp.base_sequence, batch.count()).0)
                            .filter(|code| *code != 0)
                    }
                })
                .collect();
            assert!(verdicts[1..]
                .iter()
                .all(|v| *v == Some(OUT_OF_ORDER_SEQUENCE_NUMBER)));
            for i in answer_order {
                let request = in_flight[i].take().unwrap();
                h.answer(request, &mut log, verdicts[i]);
            }
            h.settle(&mut log);
            assert_eq!(
                log.sequences(),
                (0..8).collect::<Vec<_>>(),
                "{answer_order:?}"
            );
            assert_eq!(h.offsets(), (0..8).collect::<Vec<_>>(), "{answer_order:?}");
        }
    }

    /// The connection dies with five batches in flight, after the broker wrote the first three:
    /// all five are retried in order, the three written ones are answered with their first
    /// offsets (duplicates), and nothing is written twice.
    #[tokio::test]
    async fn batches_lost_with_their_connection_are_retried_in_order_and_written_once() {
        let mut h = Harness::new();
        let mut log = FakePartition::default();
        let in_flight = h.five_in_flight(&mut log);
        for (i, (node, batches)) in in_flight.into_iter().enumerate() {
            let mut kept = Vec::new();
            for (topic, partition, _, batch) in batches {
                if i < 3 {
                    let stamp = batch.stamp.as_ref().unwrap();
                    assert_eq!(log.append(stamp.base_sequence, batch.count()).0, 0);
                }
                kept.push((topic, partition, batch));
            }
            let lost = Err(Error::Message("connection to the broker was closed".into()));
            h.sender.complete(node, kept, lost);
        }
        h.settle(&mut log);
        assert_eq!(log.sequences(), (0..6).collect::<Vec<_>>());
        assert_eq!(h.offsets(), (0..6).collect::<Vec<_>>());
    }

    /// A broker with no state for the producer takes any sequence: if the second batch
    /// reached it before the first (which failed), the first could never be written after it.
    /// The sender never lets that happen, so the fake partition's first write is sequence 0.
    #[tokio::test]
    async fn without_idempotence_a_partition_has_max_in_flight_batches_out() {
        let mut h = Harness::new();
        h.sender.settings.idempotence = false;
        h.sender.identity = None;
        let mut out = Vec::new();
        for _ in 0..7 {
            h.send();
            out.extend(h.sender.take_requests());
        }
        // As Java's producer: max.in.flight.requests.per.connection (5) requests unanswered.
        assert_eq!(out.len(), 5, "five in flight, the rest waits");
        assert!(out.iter().all(|(_, b)| b[0].3.stamp.is_none()));
    }

    #[tokio::test]
    async fn a_full_request_leaves_the_next_partitions_first_in_the_next_one() {
        let mut h = Harness::new();
        h.sender.settings.idempotence = false;
        h.sender.identity = None;
        // Topic t with four partitions; a request holds two of these records' batches.
        let mut metadata = h.sender.client.cached_metadata().as_ref().clone();
        let topic = metadata.topics.get_mut("t").unwrap();
        let first = topic.partitions[0].clone();
        topic.partitions = (0..4)
            .map(|partition| PartitionInfo {
                partition,
                ..first.clone()
            })
            .collect();
        h.sender.client.set_cached_metadata(metadata);
        let record = || ProducerRecord::new("t", "x".repeat(100));
        h.sender.settings.max_request_size = 2 * record().estimated_size() + 10;
        let partitions = |requests: Vec<(i32, Vec<SealedBatch>)>| -> Vec<i32> {
            requests
                .into_iter()
                .flat_map(|(_, batches)| batches.into_iter().map(|b| b.1))
                .collect()
        };
        for p in 0..4 {
            h.send_to(p, record());
        }
        assert_eq!(partitions(h.sender.take_requests()), vec![0, 1]);
        // Partitions 0 and 1 have records again; 2 and 3 waited longer and go first.
        h.send_to(0, record());
        h.send_to(1, record());
        assert_eq!(partitions(h.sender.take_requests()), vec![2, 3]);
        assert_eq!(partitions(h.sender.take_requests()), vec![0, 1]);
    }

    #[tokio::test]
    async fn a_backlog_behind_a_waiting_batch_grows_one_batch_not_many() {
        let mut h = Harness::new();
        // 100 KB while nothing is in flight (as while InitProducerId is under way): the first
        // batch stops at batch.size, the one behind it takes all the rest.
        for _ in 0..100 {
            h.send_record(ProducerRecord::new("t", vec![7u8; 1000]));
        }
        let queue = &h.sender.queues[0];
        assert_eq!(queue.batches.len(), 2, "batch.size is 16 KiB");
        assert!(queue.batches[0].bytes <= h.sender.settings.batch_size);
        assert!(
            queue.batches[1].count() > 80,
            "{}",
            queue.batches[1].count()
        );
    }

    #[tokio::test]
    async fn records_that_expire_name_why_they_could_not_leave() {
        let mut h = Harness::new();
        h.sender.settings.delivery_timeout = Duration::from_millis(20);
        let mut metadata = h.sender.client.cached_metadata().as_ref().clone();
        metadata.topics.get_mut("t").unwrap().partitions[0].leader = -1;
        h.sender.client.set_cached_metadata(metadata);
        h.send();
        assert!(h.sender.take_requests().is_empty(), "no leader to send to");
        tokio::time::sleep(Duration::from_millis(30)).await;
        h.sender.expire_batches();
        let err = h.deliveries[0].try_recv().unwrap().unwrap_err().to_string();
        assert!(err.contains("Expiring 1 record(s) for t-0:"), "{err}");
        assert!(
            err.ends_with("(last problem: no leader known for the partition)"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_first_batch_that_fails_is_not_overtaken() {
        let mut h = Harness::new();
        let mut log = FakePartition::default();
        h.send();
        let first = h.sender.take_requests();
        for _ in 0..4 {
            h.send();
            assert!(h.sender.take_requests().is_empty());
        }
        for request in first {
            h.answer(request, &mut log, Some(NOT_LEADER_OR_FOLLOWER));
        }
        h.settle(&mut log);
        assert_eq!(log.written[0].0, 0);
        assert_eq!(log.sequences(), (0..5).collect::<Vec<_>>());
        assert_eq!(h.offsets(), (0..5).collect::<Vec<_>>());
    }
}
