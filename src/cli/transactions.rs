//! `kbox transactions` (kafka-transactions.sh): list and describe transactions, describe a
//! partition's producers, find hanging transactions and abort them.
//!
//! - `list`: every transactional id of every broker (ListTransactions).
//! - `describe --transactional-id ID`: its coordinator's state (DescribeTransactions).
//! - `describe-producers --topic T --partition P`: the partition's producers (DescribeProducers).
//! - `find-hanging`: open transactions on partitions (DescribeProducers) older than
//!   `--max-transaction-timeout` minutes that their coordinator does not know as ongoing there.
//! - `abort --topic T --partition P`: writes an abort marker (WriteTxnMarkers) for the producer
//!   whose open transaction starts at `--start-offset`, or for `--producer-id/--producer-epoch/
//!   --coordinator-epoch`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use kafka_protocol::messages::describe_producers_request::TopicRequest;
use kafka_protocol::messages::write_txn_markers_request::{
    WritableTxnMarker, WritableTxnMarkerTopic,
};
use kafka_protocol::messages::{
    DescribeProducersRequest, DescribeTransactionsRequest, ListTransactionsRequest, ProducerId,
    TopicName, TransactionalId, WriteTxnMarkersRequest,
};
use kafka_protocol::protocol::StrBytes;

use super::common::client_config;
use super::ExitStatus;
use crate::client::cluster::Client;
use crate::client::group::protocol::find_coordinator_of;
use crate::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox transactions --bootstrap-server localhost:9092 list
  kbox transactions --bootstrap-server localhost:9092 describe --transactional-id my-app
  kbox transactions --bootstrap-server localhost:9092 find-hanging --broker-id 1
  kbox transactions --bootstrap-server localhost:9092 abort --topic orders --partition 0 --start-offset 42")]
pub struct TransactionsArgs {
    /// REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.
    #[arg(long = "bootstrap-server", global = true)]
    pub bootstrap_server: Option<String>,
    /// Property file with configs for the admin client.
    #[arg(long = "command-config", global = true)]
    pub command_config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: TransactionsCommand,
}

#[derive(Debug, Subcommand)]
pub enum TransactionsCommand {
    /// List transactions.
    List,
    /// Describe the state of a transaction.
    Describe {
        /// The transactional id.
        #[arg(long = "transactional-id")]
        transactional_id: String,
    },
    /// Describe the states of a partition's active producers.
    DescribeProducers {
        #[arg(long)]
        topic: String,
        #[arg(long)]
        partition: i32,
    },
    /// Abort a hanging transaction on a partition.
    Abort {
        #[arg(long)]
        topic: String,
        #[arg(long)]
        partition: i32,
        /// The first offset of the transaction to abort.
        #[arg(long = "start-offset")]
        start_offset: Option<i64>,
        /// The producer id (with --producer-epoch and --coordinator-epoch, instead of --start-offset).
        #[arg(long = "producer-id")]
        producer_id: Option<i64>,
        #[arg(long = "producer-epoch")]
        producer_epoch: Option<i16>,
        #[arg(long = "coordinator-epoch")]
        coordinator_epoch: Option<i32>,
    },
    /// Find transactions open on partitions longer than the maximum transaction timeout that
    /// their coordinator no longer has ongoing there.
    FindHanging {
        /// Look at every partition led by this broker.
        #[arg(long = "broker-id")]
        broker_id: Option<i32>,
        /// Look at this topic's partitions.
        #[arg(long)]
        topic: Option<String>,
        /// With --topic: only this partition.
        #[arg(long)]
        partition: Option<i32>,
        /// Minutes after which an open transaction is suspect (the brokers' transaction.max.timeout.ms).
        #[arg(long = "max-transaction-timeout", default_value_t = 15)]
        max_transaction_timeout: i64,
    },
}

/// Left-aligned columns separated by two spaces, as Apache's tools print tables.
fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: Vec<String>| {
        let text: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", text.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row.clone());
    }
}

/// One partition's producers: (producer id, epoch, last sequence, last timestamp,
/// coordinator epoch, open transaction's first offset).
async fn producers(
    client: &Client,
    topic: &str,
    partition: i32,
) -> Result<Vec<(i64, i32, i32, i64, i32, i64)>> {
    let metadata = client.metadata_for(&[topic.to_string()]).await?;
    let leader = metadata
        .leader(topic, partition)
        .ok_or_else(|| Error::Message(format!("no leader known for {topic}-{partition}")))?;
    let mut request = DescribeProducersRequest::default();
    let mut t = TopicRequest::default();
    t.name = TopicName(StrBytes::from_string(topic.to_string()));
    t.partition_indexes = vec![partition];
    request.topics = vec![t];
    let response = client.send_to(leader, &request).await?;
    let p = response
        .topics
        .into_iter()
        .flat_map(|t| t.partitions)
        .next()
        .ok_or_else(|| Error::Message("DescribeProducers answered without the partition".into()))?;
    if let Some(e) = Error::from_code(p.error_code, p.error_message.map(|m| m.to_string())) {
        return Err(e);
    }
    Ok(p.active_producers
        .into_iter()
        .map(|s| {
            (
                s.producer_id.0,
                s.producer_epoch,
                s.last_sequence,
                s.last_timestamp,
                s.coordinator_epoch,
                s.current_txn_start_offset,
            )
        })
        .collect())
}

/// Every transaction on every broker: (transactional id, coordinator, producer id, state).
async fn list_all(client: &Client) -> Result<Vec<(String, i32, i64, String)>> {
    let metadata = client.refresh_metadata(Some(&[]), false).await?;
    let mut out = Vec::new();
    for &node in metadata.brokers.keys() {
        let response = client
            .send_to(node, &ListTransactionsRequest::default())
            .await?;
        if let Some(e) = Error::from_code(response.error_code, None) {
            return Err(e);
        }
        for t in response.transaction_states {
            out.push((
                t.transactional_id.0.to_string(),
                node,
                t.producer_id.0,
                t.transaction_state.to_string(),
            ));
        }
    }
    out.sort();
    Ok(out)
}

/// DescribeTransactions of one id, asked of its coordinator.
async fn describe(
    client: &Client,
    id: &str,
) -> Result<(
    i32,
    kafka_protocol::messages::describe_transactions_response::TransactionState,
)> {
    let node = find_coordinator_of(client, id, 1).await?;
    let mut request = DescribeTransactionsRequest::default();
    request.transactional_ids = vec![TransactionalId(StrBytes::from_string(id.to_string()))];
    let response = client.send_to(node, &request).await?;
    let state = response
        .transaction_states
        .into_iter()
        .next()
        .ok_or_else(|| {
            Error::Message("DescribeTransactions answered without the transaction".into())
        })?;
    if let Some(e) = Error::from_code(state.error_code, None) {
        return Err(e);
    }
    Ok((node, state))
}

pub async fn run(args: TransactionsArgs) -> Result<ExitStatus> {
    let files: Vec<&PathBuf> = args.command_config.iter().collect();
    let config = client_config(args.bootstrap_server.as_deref(), &files, &[], &[])?;
    let client = Client::new(config)?;
    match args.command {
        TransactionsCommand::List => {
            let rows: Vec<Vec<String>> = list_all(&client)
                .await?
                .into_iter()
                .map(|(id, node, pid, state)| vec![id, node.to_string(), pid.to_string(), state])
                .collect();
            print_table(
                &[
                    "TransactionalId",
                    "Coordinator",
                    "ProducerId",
                    "TransactionState",
                ],
                &rows,
            );
        }
        TransactionsCommand::Describe { transactional_id } => {
            let (node, s) = describe(&client, &transactional_id).await?;
            let now = crate::client::now_ms();
            let (start, duration) = if s.transaction_start_time_ms >= 0 {
                (
                    s.transaction_start_time_ms.to_string(),
                    (now - s.transaction_start_time_ms).to_string(),
                )
            } else {
                ("None".to_string(), "None".to_string())
            };
            let partitions: Vec<String> = s
                .topics
                .iter()
                .flat_map(|t| {
                    t.partitions
                        .iter()
                        .map(move |p| format!("{}-{p}", t.topic.0))
                })
                .collect();
            print_table(
                &[
                    "CoordinatorId",
                    "TransactionalId",
                    "ProducerId",
                    "ProducerEpoch",
                    "TransactionState",
                    "TransactionTimeoutMs",
                    "CurrentTransactionStartTimeMs",
                    "TransactionDurationMs",
                    "TopicPartitions",
                ],
                &[vec![
                    node.to_string(),
                    transactional_id,
                    s.producer_id.0.to_string(),
                    s.producer_epoch.to_string(),
                    s.transaction_state.to_string(),
                    s.transaction_timeout_ms.to_string(),
                    start,
                    duration,
                    partitions.join(","),
                ]],
            );
        }
        TransactionsCommand::DescribeProducers { topic, partition } => {
            let rows: Vec<Vec<String>> = producers(&client, &topic, partition)
                .await?
                .into_iter()
                .map(|(pid, epoch, seq, ts, ce, start)| {
                    let start = if start >= 0 {
                        start.to_string()
                    } else {
                        "None".into()
                    };
                    vec![
                        pid.to_string(),
                        epoch.to_string(),
                        seq.to_string(),
                        ts.to_string(),
                        ce.to_string(),
                        start,
                    ]
                })
                .collect();
            print_table(
                &[
                    "ProducerId",
                    "ProducerEpoch",
                    "LatestCoordinatorEpoch",
                    "LastSequence",
                    "LastTimestamp",
                    "CurrentTransactionStartOffset",
                ],
                &rows
                    .iter()
                    .map(|r| {
                        vec![
                            r[0].clone(),
                            r[1].clone(),
                            r[4].clone(),
                            r[2].clone(),
                            r[3].clone(),
                            r[5].clone(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            );
        }
        TransactionsCommand::Abort {
            topic,
            partition,
            start_offset,
            producer_id,
            producer_epoch,
            coordinator_epoch,
        } => {
            let (pid, epoch, coordinator_epoch) = match (start_offset, producer_id, producer_epoch, coordinator_epoch) {
                (Some(offset), None, None, None) => {
                    let found = producers(&client, &topic, partition).await?.into_iter().find(|p| p.5 == offset);
                    let Some(p) = found else {
                        return Err(Error::Message(format!("Could not find any open transactions starting at offset {offset} on partition {topic}-{partition}")));
                    };
                    (p.0, p.1 as i16, p.4)
                }
                (None, Some(pid), Some(epoch), Some(ce)) => (pid, epoch, ce),
                _ => {
                    return Err(Error::Message(
                        "abort needs either --start-offset or all of --producer-id, --producer-epoch and --coordinator-epoch".into(),
                    ))
                }
            };
            let metadata = client.metadata_for(&[topic.clone()]).await?;
            let leader = metadata.leader(&topic, partition).ok_or_else(|| {
                Error::Message(format!("no leader known for {topic}-{partition}"))
            })?;
            let mut marker = WritableTxnMarker::default();
            marker.producer_id = ProducerId(pid);
            marker.producer_epoch = epoch;
            marker.transaction_result = false;
            marker.coordinator_epoch = coordinator_epoch;
            let mut t = WritableTxnMarkerTopic::default();
            t.name = TopicName(StrBytes::from_string(topic.clone()));
            t.partition_indexes = vec![partition];
            marker.topics = vec![t];
            let mut request = WriteTxnMarkersRequest::default();
            request.markers = vec![marker];
            let response = client.send_to(leader, &request).await?;
            for code in response
                .markers
                .iter()
                .flat_map(|m| &m.topics)
                .flat_map(|t| &t.partitions)
                .map(|p| p.error_code)
            {
                if let Some(e) = Error::from_code(code, None) {
                    return Err(e);
                }
            }
            println!(
                "Aborted the transaction of producer {pid} (epoch {epoch}) on {topic}-{partition}"
            );
        }
        TransactionsCommand::FindHanging {
            broker_id,
            topic,
            partition,
            max_transaction_timeout,
        } => {
            let metadata = client.refresh_metadata(None, false).await?;
            let mut partitions: Vec<(String, i32)> = Vec::new();
            for (name, info) in &metadata.topics {
                if topic.as_ref().is_some_and(|t| t != name) {
                    continue;
                }
                for p in &info.partitions {
                    let wanted = broker_id.is_none_or(|b| p.leader == b)
                        && partition.is_none_or(|x| x == p.partition);
                    if wanted {
                        partitions.push((name.clone(), p.partition));
                    }
                }
            }
            if broker_id.is_none() && topic.is_none() {
                return Err(Error::Message(
                    "find-hanging needs --broker-id or --topic".into(),
                ));
            }
            // The coordinators' view: which producer ids have a transaction ongoing where.
            let mut ongoing: BTreeMap<i64, Vec<(String, i32)>> = BTreeMap::new();
            for (id, _, pid, state) in list_all(&client).await? {
                if state == "Ongoing" {
                    if let Ok((_, s)) = describe(&client, &id).await {
                        ongoing
                            .entry(pid)
                            .or_default()
                            .extend(s.topics.iter().flat_map(|t| {
                                t.partitions
                                    .iter()
                                    .map(move |p| (t.topic.0.to_string(), *p))
                            }));
                    }
                }
            }
            let now = crate::client::now_ms();
            let limit = max_transaction_timeout * 60_000;
            let mut rows = Vec::new();
            partitions.sort();
            for (t, p) in partitions {
                for (pid, epoch, _, last_ts, ce, start) in producers(&client, &t, p).await? {
                    let known = ongoing
                        .get(&pid)
                        .is_some_and(|tps| tps.contains(&(t.clone(), p)));
                    if start >= 0 && now - last_ts > limit && !known {
                        rows.push(vec![
                            t.clone(),
                            p.to_string(),
                            pid.to_string(),
                            epoch.to_string(),
                            ce.to_string(),
                            start.to_string(),
                            last_ts.to_string(),
                            ((now - last_ts) / 60_000).to_string(),
                        ]);
                    }
                }
            }
            print_table(
                &[
                    "Topic",
                    "Partition",
                    "ProducerId",
                    "ProducerEpoch",
                    "CoordinatorEpoch",
                    "StartOffset",
                    "LastTimestamp",
                    "Duration(min)",
                ],
                &rows,
            );
        }
    }
    Ok(ExitStatus::Success)
}
