//! ApiVersions: which APIs and versions this broker speaks. Always answered with header v0.

use bytes::Bytes;
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{ApiVersionsRequest, ApiVersionsResponse, RequestHeader};

use crate::broker::BrokerState;
use crate::protocol::codec::encode_response_with_header_version;
use crate::protocol::{ProtocolError, ResponseError};

fn api_list() -> Vec<ApiVersion> {
    super::supported_apis()
        .into_iter()
        .map(|(key, range)| {
            let mut v = ApiVersion::default();
            v.api_key = key as i16;
            v.min_version = range.min;
            v.max_version = range.max;
            v
        })
        .collect()
}

pub async fn handle(_state: &BrokerState, _header: &RequestHeader, _request: ApiVersionsRequest) -> Option<ApiVersionsResponse> {
    let mut response = ApiVersionsResponse::default();
    response.api_keys = api_list();
    Some(response)
}

/// The v0 answer to an ApiVersions request at a version we do not know: UNSUPPORTED_VERSION
/// plus our ranges, so the client can retry at one we share.
pub fn unsupported_version_response(correlation_id: i32) -> Result<Bytes, ProtocolError> {
    let mut response = ApiVersionsResponse::default();
    response.error_code = ResponseError::UnsupportedVersion.code();
    response.api_keys = api_list();
    encode_response_with_header_version(correlation_id, 0, 0, &response)
}
