//! Errors in kcat's words: librdkafka names every error with one fixed sentence
//! ("Broker: Unknown topic or partition", "Local: Timed out"), and scripts grep for them.

use crate::Error;

/// Local (client-side) errors kcat reports, in librdkafka's wording.
pub const TRANSPORT_FAILURE: &str = "Local: Broker transport failure";
pub const TIMED_OUT: &str = "Local: Timed out";
pub const MESSAGE_TIMED_OUT: &str = "Local: Message timed out";
pub const UNKNOWN_PARTITION: &str = "Local: Unknown partition";
pub const INVALID_ARGUMENT: &str = "Local: Invalid argument or configuration";

/// librdkafka's sentence for a Kafka error code (`rd_kafka_err2str`).
pub fn broker_error(code: i16) -> String {
    let text = match code {
        -1 => "Unknown broker error",
        0 => "Success",
        1 => "Broker: Offset out of range",
        2 => "Broker: Invalid message",
        3 => "Broker: Unknown topic or partition",
        4 => "Broker: Invalid message size",
        5 => "Broker: Leader not available",
        6 => "Broker: Not leader for partition",
        7 => "Broker: Request timed out",
        8 => "Broker: Broker not available",
        9 => "Broker: Replica not available",
        10 => "Broker: Message size too large",
        11 => "Broker: StaleControllerEpochCode",
        12 => "Broker: Offset metadata string too large",
        13 => "Broker: Broker disconnected before response received",
        14 => "Broker: Coordinator load in progress",
        15 => "Broker: Coordinator not available",
        16 => "Broker: Not coordinator",
        17 => "Broker: Invalid topic",
        18 => "Broker: Message batch larger than configured server segment size",
        19 => "Broker: Not enough in-sync replicas",
        20 => "Broker: Message(s) written to insufficient number of in-sync replicas",
        21 => "Broker: Invalid required acks value",
        22 => "Broker: Specified group generation id is not valid",
        23 => "Broker: Inconsistent group protocol",
        24 => "Broker: Invalid group.id",
        25 => "Broker: Unknown member",
        26 => "Broker: Invalid session timeout",
        27 => "Broker: Group rebalance in progress",
        28 => "Broker: Commit offset data size is not valid",
        29 => "Broker: Topic authorization failed",
        30 => "Broker: Group authorization failed",
        31 => "Broker: Cluster authorization failed",
        32 => "Broker: Invalid timestamp",
        33 => "Broker: Unsupported SASL mechanism",
        34 => "Broker: Request not valid in current SASL state",
        35 => "Broker: API version not supported",
        36 => "Broker: Topic already exists",
        37 => "Broker: Invalid number of partitions",
        38 => "Broker: Invalid replication factor",
        39 => "Broker: Invalid replica assignment",
        40 => "Broker: Configuration is invalid",
        41 => "Broker: Not controller for cluster",
        42 => "Broker: Invalid request",
        43 => "Broker: Message format on broker does not support request",
        44 => "Broker: Policy violation",
        45 => "Broker: Broker received an out of order sequence number",
        46 => "Broker: Broker received a duplicate sequence number",
        47 => "Broker: Producer attempted an operation with an old epoch",
        48 => "Broker: Producer attempted a transactional operation in an invalid state",
        49 => "Broker: Producer attempted to use a producer id which is not currently assigned to its transactional id",
        50 => "Broker: Transaction timeout is larger than the maximum value allowed by the broker's max.transaction.timeout.ms",
        51 => "Broker: Producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing",
        52 => "Broker: Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current coordinator for a given producer",
        53 => "Broker: Transactional Id authorization failed",
        54 => "Broker: Security features are disabled",
        55 => "Broker: Operation not attempted",
        56 => "Broker: Disk error when trying to access log file on disk",
        57 => "Broker: The user-specified log directory is not found in the broker config",
        58 => "Broker: SASL Authentication failed",
        59 => "Broker: Unknown Producer Id",
        60 => "Broker: Partition reassignment is in progress",
        61 => "Broker: Delegation Token feature is not enabled",
        62 => "Broker: Delegation Token is not found on server",
        63 => "Broker: Specified Principal is not valid Owner/Renewer",
        64 => "Broker: Delegation Token requests are not allowed on this connection",
        65 => "Broker: Delegation Token authorization failed",
        66 => "Broker: Delegation Token is expired",
        67 => "Broker: Supplied principalType is not supported",
        68 => "Broker: The group is not empty",
        69 => "Broker: The group id does not exist",
        70 => "Broker: The fetch session ID was not found",
        71 => "Broker: The fetch session epoch is invalid",
        72 => "Broker: No matching listener",
        73 => "Broker: Topic deletion is disabled",
        74 => "Broker: Leader epoch is older than broker epoch",
        75 => "Broker: Leader epoch is newer than broker epoch",
        76 => "Broker: Unsupported compression type",
        77 => "Broker: Broker epoch has changed",
        78 => "Broker: Leader high watermark is not caught up",
        79 => "Broker: Group member needs a valid member ID",
        80 => "Broker: Preferred leader was not available",
        81 => "Broker: Consumer group has reached maximum size",
        82 => "Broker: Static consumer fenced by other consumer with same group.instance.id",
        83 => "Broker: Eligible partition leaders are not available",
        84 => "Broker: Leader election not needed for topic partition",
        85 => "Broker: No partition reassignment is in progress",
        86 => "Broker: Deleting offsets of a topic while the consumer group is subscribed to it",
        87 => "Broker: Broker failed to validate record",
        88 => "Broker: There are unstable offsets that need to be cleared",
        89 => "Broker: Throttling quota has been exceeded",
        90 => "Broker: There is a newer producer with the same transactionalId which fences the current one",
        91 => "Broker: Request illegally referred to resource that does not exist",
        92 => "Broker: Request illegally referred to the same resource twice",
        93 => "Broker: Requested credential would not meet criteria for acceptability",
        94 => "Broker: Indicates that the either the sender or recipient of a voter-only request is not one of the expected voters",
        95 => "Broker: Invalid update version",
        96 => "Broker: Unable to update finalized features due to server error",
        97 => "Broker: Request principal deserialization failed during forwarding",
        other => return format!("Err-{other}?"),
    };
    text.to_string()
}

/// A client error in librdkafka's words: broker codes by their sentence, time-outs and
/// unreachable brokers as librdkafka's local errors, anything else in kbox's own words.
pub fn describe(error: &Error) -> String {
    match error {
        Error::Kafka { code, .. } => broker_error(code.code()),
        Error::Timeout(_) => TIMED_OUT.to_string(),
        Error::Io(_) => TRANSPORT_FAILURE.to_string(),
        Error::Message(m) if is_transport_failure(error) => {
            tracing::debug!("{m}");
            TRANSPORT_FAILURE.to_string()
        }
        other => other.to_string(),
    }
}

/// True when the error means "no broker answered" (refused, reset or closed connections), the
/// errors a retry may cure.
pub fn is_transport_failure(error: &Error) -> bool {
    match error {
        Error::Io(_) | Error::Timeout(_) => true,
        Error::Message(m) => {
            m.starts_with("cannot connect to")
                || m.contains("was closed")
                || m.contains("write to")
                || m == "no bootstrap servers"
        }
        _ => false,
    }
}

/// An I/O error as C's `strerror` words it (Rust appends " (os error N)").
pub fn strerror(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ResponseError;

    #[test]
    fn librdkafka_sentences() {
        assert_eq!(broker_error(3), "Broker: Unknown topic or partition");
        assert_eq!(broker_error(1000), "Err-1000?");
        let e = Error::Kafka {
            code: ResponseError::LeaderNotAvailable,
            message: None,
        };
        assert_eq!(describe(&e), "Broker: Leader not available");
        assert_eq!(describe(&Error::Timeout("x".into())), TIMED_OUT);
        assert_eq!(
            describe(&Error::Message(
                "cannot connect to 127.0.0.1:1: Connection refused".into()
            )),
            TRANSPORT_FAILURE
        );
        let io = std::io::Error::from_raw_os_error(2);
        assert_eq!(strerror(&io), "No such file or directory");
    }
}
