//! Request dispatch: one file per Kafka API, and the table that ties API keys to them.
//!
//! The table below is the only list of what the broker implements: dispatch matches on it and
//! ApiVersions advertises exactly its entries, so the advertised ranges can never drift from
//! the handlers. A version range is kafka-protocol's range for the message, i.e. every version
//! the codec knows; each handler answers all of them.

use bytes::Bytes;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Encodable, HeaderVersion, Message};

use super::response::ResponseFrame;
use super::BrokerState;

pub mod voter_changes;
use crate::protocol::codec::{
    decode_body, decode_request_header, encode_response, RequestPreamble,
};
use crate::protocol::{ApiKey, ProtocolError, VersionRange};

macro_rules! api_table {
    ($( $key:ident => $module:ident ( $Req:ident ) ),* $(,)?) => {
        $( pub mod $module; )*

        /// Every API this broker answers, with the versions it answers.
        pub fn supported_apis() -> Vec<(ApiKey, VersionRange)> {
            vec![ $( (ApiKey::$key, <$Req as Message>::VERSIONS) ),* ]
        }

        /// Decodes a request body as the broker would, without handling it (for fuzzers).
        pub fn decode_only(api: ApiKey, version: i16, mut body: Bytes) -> Result<(), ProtocolError> {
            match api {
                $( ApiKey::$key => decode_body::<$Req>(&mut body, version, stringify!($key)).map(|_| ()), )*
                other => Err(ProtocolError::UnsupportedVersion { api: other, version }),
            }
        }

        /// The body of a default (all fields empty) request, as a seed for fuzzers.
        pub fn default_request_body(api: ApiKey, version: i16) -> Option<Bytes> {
            let mut buf = bytes::BytesMut::new();
            match api {
                $( ApiKey::$key => kafka_protocol::protocol::Encodable::encode(&$Req::default(), &mut buf, version).ok()?, )*
                _ => return None,
            }
            Some(buf.freeze())
        }

        async fn route(
            state: &BrokerState,
            api: ApiKey,
            header: RequestHeader,
            mut body: Bytes,
        ) -> Result<Option<ResponseFrame>, ProtocolError> {
            let version = header.request_api_version;
            let correlation_id = header.correlation_id;
            match api {
                $( ApiKey::$key => {
                    let request: $Req = decode_body(&mut body, version, stringify!($key))?;
                    match $module::handle(state, &header, request).await {
                        Some(response) => Ok(Some(response.into_frame(correlation_id, version)?)),
                        None => Ok(None),
                    }
                } )*
                other => Err(ProtocolError::UnsupportedVersion { api: other, version }),
            }
        }
    };
}

api_table! {
    ApiVersions => api_versions(ApiVersionsRequest),
    Metadata => metadata(MetadataRequest),
    Produce => produce(ProduceRequest),
    Fetch => fetch(FetchRequest),
    ListOffsets => list_offsets(ListOffsetsRequest),
    CreateTopics => create_topics(CreateTopicsRequest),
    DeleteTopics => delete_topics(DeleteTopicsRequest),
    DescribeCluster => describe_cluster(DescribeClusterRequest),
    SaslHandshake => sasl_handshake(SaslHandshakeRequest),
    SaslAuthenticate => sasl_authenticate(SaslAuthenticateRequest),
    DescribeUserScramCredentials => describe_user_scram_credentials(DescribeUserScramCredentialsRequest),
    AlterUserScramCredentials => alter_user_scram_credentials(AlterUserScramCredentialsRequest),
    CreatePartitions => create_partitions(CreatePartitionsRequest),
    DescribeConfigs => describe_configs(DescribeConfigsRequest),
    AlterConfigs => alter_configs(AlterConfigsRequest),
    IncrementalAlterConfigs => incremental_alter_configs(IncrementalAlterConfigsRequest),
    DeleteRecords => delete_records(DeleteRecordsRequest),
    OffsetForLeaderEpoch => offset_for_leader_epoch(OffsetForLeaderEpochRequest),
    FindCoordinator => find_coordinator(FindCoordinatorRequest),
    JoinGroup => join_group(JoinGroupRequest),
    SyncGroup => sync_group(SyncGroupRequest),
    Heartbeat => heartbeat(HeartbeatRequest),
    LeaveGroup => leave_group(LeaveGroupRequest),
    OffsetCommit => offset_commit(OffsetCommitRequest),
    OffsetFetch => offset_fetch(OffsetFetchRequest),
    ListGroups => list_groups(ListGroupsRequest),
    DescribeGroups => describe_groups(DescribeGroupsRequest),
    DeleteGroups => delete_groups(DeleteGroupsRequest),
    OffsetDelete => offset_delete(OffsetDeleteRequest),
    DescribeTopicPartitions => describe_topic_partitions(DescribeTopicPartitionsRequest),
    DescribeLogDirs => describe_log_dirs(DescribeLogDirsRequest),
    CreateAcls => create_acls(CreateAclsRequest),
    DescribeAcls => describe_acls(DescribeAclsRequest),
    DeleteAcls => delete_acls(DeleteAclsRequest),
    DescribeClientQuotas => describe_client_quotas(DescribeClientQuotasRequest),
    AlterClientQuotas => alter_client_quotas(AlterClientQuotasRequest),
    InitProducerId => init_producer_id(InitProducerIdRequest),
    AddPartitionsToTxn => add_partitions_to_txn(AddPartitionsToTxnRequest),
    AddOffsetsToTxn => add_offsets_to_txn(AddOffsetsToTxnRequest),
    TxnOffsetCommit => txn_offset_commit(TxnOffsetCommitRequest),
    EndTxn => end_txn(EndTxnRequest),
    WriteTxnMarkers => write_txn_markers(WriteTxnMarkersRequest),
    DescribeTransactions => describe_transactions(DescribeTransactionsRequest),
    ListTransactions => list_transactions(ListTransactionsRequest),
    DescribeProducers => describe_producers(DescribeProducersRequest),
    DescribeQuorum => describe_quorum(DescribeQuorumRequest),
    AddRaftVoter => add_raft_voter(AddRaftVoterRequest),
    RemoveRaftVoter => remove_raft_voter(RemoveRaftVoterRequest),
    UpdateRaftVoter => update_raft_voter(UpdateRaftVoterRequest),
    ElectLeaders => elect_leaders(ElectLeadersRequest),
    AlterPartitionReassignments => alter_partition_reassignments(AlterPartitionReassignmentsRequest),
    ListPartitionReassignments => list_partition_reassignments(ListPartitionReassignmentsRequest),
}

/// What a handler answers, turned into the bytes (and file slices) of a response frame.
pub trait IntoFrame {
    fn into_frame(self, correlation_id: i32, version: i16) -> Result<ResponseFrame, ProtocolError>;
}

impl<T: Encodable + HeaderVersion> IntoFrame for T {
    fn into_frame(self, correlation_id: i32, version: i16) -> Result<ResponseFrame, ProtocolError> {
        encode_response(correlation_id, version, &self).map(ResponseFrame::from)
    }
}

/// The supported range of one API, if we implement it.
pub fn supported_range(api: ApiKey) -> Option<VersionRange> {
    supported_apis()
        .into_iter()
        .find(|(k, _)| *k == api)
        .map(|(_, r)| r)
}

/// Answers one request frame. `Ok(None)` means no response is owed (acks=0 produce);
/// `Err` means the connection must be closed, as Kafka closes it.
pub async fn dispatch(
    state: &BrokerState,
    mut frame: Bytes,
) -> Result<Option<ResponseFrame>, ProtocolError> {
    let preamble = RequestPreamble::peek(&frame).ok_or(ProtocolError::Truncated)?;
    let api = ApiKey::try_from(preamble.api_key)
        .map_err(|_| ProtocolError::UnknownApiKey(preamble.api_key))?;
    let range = supported_range(api).ok_or(ProtocolError::UnsupportedVersion {
        api,
        version: preamble.api_version,
    })?;
    if preamble.api_version < range.min || preamble.api_version > range.max {
        if api == ApiKey::ApiVersions {
            // Kafka's rule: a client newer than us learns our ranges from a v0 answer.
            return api_versions::unsupported_version_response(preamble.correlation_id)
                .map(|b| Some(b.into()));
        }
        return Err(ProtocolError::UnsupportedVersion {
            api,
            version: preamble.api_version,
        });
    }
    let started = std::time::Instant::now();
    let header = decode_request_header(&mut frame, api, preamble.api_version)?;
    let client_id = header
        .client_id
        .as_ref()
        .map(|c| c.to_string())
        .unwrap_or_default();
    let answer = route(state, api, header, frame).await;
    let elapsed = started.elapsed();
    state.metrics.record_request(api, elapsed);
    // Handler time counts against request_percentage; long polls wait, they do not work.
    if !matches!(api, ApiKey::Fetch | ApiKey::JoinGroup | ApiKey::SyncGroup) {
        state.throttle(
            super::quota::REQUEST_PERCENTAGE,
            &client_id,
            elapsed.as_secs_f64() * 1000.0,
        );
    }
    answer
}

/// Kafka's topic name rules: 1..=249 chars of `[a-zA-Z0-9._-]`, not `.` or `..`.
pub fn validate_topic_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("Topic name is illegal, it can't be empty".into());
    }
    if name == "." || name == ".." {
        return Err("Topic name cannot be \".\" or \"..\"".into());
    }
    if name.len() > 249 {
        return Err(format!(
            "Topic name is illegal, it can't be longer than 249 characters, topic name: {name}"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
    {
        return Err(format!(
            "Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_advertised_api_has_a_handler_and_names_are_checked() {
        let apis = supported_apis();
        assert!(apis.iter().any(|(k, _)| *k == ApiKey::Produce));
        assert!(apis.iter().all(|(_, r)| !r.is_empty()));
        assert!(validate_topic_name("orders.v1_x-2").is_ok());
        assert!(validate_topic_name("").is_err());
        assert!(validate_topic_name("..").is_err());
        assert!(validate_topic_name("a b").is_err());
        assert!(validate_topic_name(&"x".repeat(250)).is_err());
    }
}
