//! EndTxn: commit or abort a producer's transaction (markers in every partition it touched).

use kafka_protocol::messages::{EndTxnRequest, EndTxnResponse, ProducerId, RequestHeader};
use kafka_protocol::ResponseError;

use crate::broker::txn;
use crate::broker::BrokerState;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: EndTxnRequest) -> Option<EndTxnResponse> {
    let mut response = EndTxnResponse::default();
    response.producer_id = ProducerId(-1);
    response.producer_epoch = -1;
    if !state.authorized(crate::acl::AclOperation::Write, crate::acl::ResourceType::TransactionalId, &request.transactional_id.0) {
        response.error_code = ResponseError::TransactionalIdAuthorizationFailed.code();
        return Some(response);
    }
    match txn::end_txn(state, &request.transactional_id.0, request.producer_id.0, request.producer_epoch, request.committed).await {
        Ok((pid, epoch)) => {
            if header.request_api_version >= 5 {
                response.producer_id = ProducerId(pid);
                response.producer_epoch = epoch;
            }
        }
        Err(e) => {
            let e = match e {
                ResponseError::ProducerFenced if header.request_api_version < 2 => ResponseError::InvalidProducerEpoch,
                other => other,
            };
            response.error_code = e.code();
        }
    }
    Some(response)
}
