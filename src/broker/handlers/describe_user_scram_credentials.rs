//! DescribeUserScramCredentials: which SCRAM mechanisms (and iterations) each user has; never
//! the credentials themselves. No user list means every user.

use kafka_protocol::messages::describe_user_scram_credentials_response::{
    CredentialInfo, DescribeUserScramCredentialsResult,
};
use kafka_protocol::messages::{
    DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse, RequestHeader,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(
    state: &BrokerState,
    _header: &RequestHeader,
    request: DescribeUserScramCredentialsRequest,
) -> Option<DescribeUserScramCredentialsResponse> {
    if !state.authorized_on_cluster(crate::acl::AclOperation::Describe) {
        return Some(
            DescribeUserScramCredentialsResponse::default()
                .with_error_code(ResponseError::ClusterAuthorizationFailed.code())
                .with_error_message(Some(StrBytes::from_static_str("Cluster authorization failed."))),
        );
    }
    let image = state.image();
    let users: Vec<String> = match &request.users {
        None => image.scram_credentials.keys().cloned().collect(),
        Some(list) => list.iter().map(|u| u.name.to_string()).collect(),
    };
    let mut results = Vec::new();
    for (i, user) in users.iter().enumerate() {
        let result = DescribeUserScramCredentialsResult::default().with_user(StrBytes::from_string(user.clone()));
        let result = if users[..i].contains(user) || users[i + 1..].contains(user) {
            if users[..i].contains(user) {
                continue;
            }
            result
                .with_error_code(ResponseError::DuplicateResource.code())
                .with_error_message(Some(StrBytes::from_static_str(
                    "Cannot describe SCRAM credentials for the same user twice in a single request",
                )))
        } else {
            match image.scram_credentials.get(user) {
                Some(credentials) if !credentials.is_empty() => result.with_credential_infos(
                    credentials
                        .iter()
                        .map(|(m, c)| {
                            CredentialInfo::default()
                                .with_mechanism(m.type_id())
                                .with_iterations(c.iterations)
                        })
                        .collect(),
                ),
                _ => result
                    .with_error_code(ResponseError::ResourceNotFound.code())
                    .with_error_message(Some(StrBytes::from_string(format!(
                        "Attempt to describe a user credential that does not exist: {user}"
                    )))),
            }
        };
        results.push(result);
    }
    Some(DescribeUserScramCredentialsResponse::default().with_results(results))
}
