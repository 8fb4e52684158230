//! DescribeTransactions: the coordinator's state of each transactional id.

use kafka_protocol::messages::describe_transactions_response::{TopicData, TransactionState};
use kafka_protocol::messages::{DescribeTransactionsRequest, DescribeTransactionsResponse, ProducerId, RequestHeader, TopicName};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;

use crate::broker::txn;
use crate::broker::BrokerState;

/// NOT_COORDINATOR (and the like) for an id another broker coordinates.
async fn coordinated(state: &BrokerState, id: &str) -> Result<i32, ResponseError> {
    crate::broker::placement::check(state, crate::broker::placement::Internal::Transactions, id).await
}

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: DescribeTransactionsRequest) -> Option<DescribeTransactionsResponse> {
    let all = txn::snapshot(state).await;
    let mut response = DescribeTransactionsResponse::default();
    for id in &request.transactional_ids {
        let mut s = TransactionState::default();
        s.transactional_id = id.clone();
        s.transaction_state = StrBytes::from_static_str("");
        s.producer_id = ProducerId(-1);
        s.producer_epoch = -1;
        s.transaction_start_time_ms = -1;
        let authorized = state.authorized(crate::acl::AclOperation::Describe, crate::acl::ResourceType::TransactionalId, &id.0);
        let elsewhere = if authorized { coordinated(state, &id.0).await.err() } else { None };
        match all.get(id.0.as_str()) {
            _ if !authorized => s.error_code = ResponseError::TransactionalIdAuthorizationFailed.code(),
            _ if elsewhere.is_some() => s.error_code = elsewhere.map_or(0, |e| e.code()),
            None => s.error_code = ResponseError::TransactionalIdNotFound.code(),
            Some(m) => {
                s.transaction_state = StrBytes::from_static_str(m.status.name());
                s.transaction_timeout_ms = m.timeout_ms;
                s.transaction_start_time_ms = m.start_ms;
                s.producer_id = ProducerId(m.producer_id);
                s.producer_epoch = m.producer_epoch;
                for (topic, p) in &m.partitions {
                    match s.topics.last_mut() {
                        Some(t) if t.topic.0.as_str() == topic => t.partitions.push(*p),
                        _ => {
                            let mut t = TopicData::default();
                            t.topic = TopicName(StrBytes::from_string(topic.clone()));
                            t.partitions.push(*p);
                            s.topics.push(t);
                        }
                    }
                }
            }
        }
        response.transaction_states.push(s);
    }
    Some(response)
}
