//! ListTransactions: transactional ids, filtered by state, producer id, duration (v1) and a
//! transactional id pattern (v2, a regular expression).

use kafka_protocol::messages::list_transactions_response::TransactionState;
use kafka_protocol::messages::{ListTransactionsRequest, ListTransactionsResponse, ProducerId, RequestHeader, TransactionalId};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;

use crate::broker::txn;
use crate::broker::BrokerState;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: ListTransactionsRequest) -> Option<ListTransactionsResponse> {
    let mut response = ListTransactionsResponse::default();
    let pattern = match request.transactional_id_pattern.as_ref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match regex::Regex::new(&format!("^(?:{})$", p.as_str())) {
            Ok(r) => Some(r),
            Err(_) => {
                response.error_code = ResponseError::InvalidRegularExpression.code();
                return Some(response);
            }
        },
    };
    response.unknown_state_filters = request.state_filters.iter().filter(|s| !KNOWN.contains(&s.as_str())).cloned().collect();
    let now = crate::broker::now_ms();
    for (id, m) in txn::snapshot(state).await {
        let state_name = m.status.name();
        if !request.state_filters.is_empty() && !request.state_filters.iter().any(|s| s.as_str() == state_name) {
            continue;
        }
        if !request.producer_id_filters.is_empty() && !request.producer_id_filters.contains(&ProducerId(m.producer_id)) {
            continue;
        }
        // duration_filter: only transactions open longer than this many ms.
        if request.duration_filter >= 0 && (m.start_ms < 0 || now - m.start_ms < request.duration_filter) {
            continue;
        }
        if pattern.as_ref().is_some_and(|r| !r.is_match(&id)) {
            continue;
        }
        // Only the transactional ids the requester may describe are listed.
        if !state.authorized(crate::acl::AclOperation::Describe, crate::acl::ResourceType::TransactionalId, &id) {
            continue;
        }
        let mut t = TransactionState::default();
        t.transactional_id = TransactionalId(StrBytes::from_string(id));
        t.producer_id = ProducerId(m.producer_id);
        t.transaction_state = StrBytes::from_static_str(state_name);
        response.transaction_states.push(t);
    }
    Some(response)
}

const KNOWN: [&str; 8] = ["Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence"];
