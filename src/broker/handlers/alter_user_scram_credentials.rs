//! AlterUserScramCredentials: upsert (from the client's salted password) or delete SCRAM
//! credentials, stored in the metadata log as Kafka's UserScramCredential records. Checks and
//! messages follow Kafka's controller: a user changed twice in one request, an unknown
//! mechanism, too few or too many iterations, an empty user name, deleting what is not there.

use std::collections::HashMap;

use kafka_protocol::messages::alter_user_scram_credentials_response::AlterUserScramCredentialsResult;
use kafka_protocol::messages::{
    AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse, RequestHeader,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::metadata::MetadataRecord;
use crate::broker::BrokerState;
use crate::protocol::ResponseError;
use crate::security::scram::{ScramMechanism, MAX_ITERATIONS, MIN_ITERATIONS};

pub async fn handle(
    state: &BrokerState,
    _header: &RequestHeader,
    request: AlterUserScramCredentialsRequest,
) -> Option<AlterUserScramCredentialsResponse> {
    // Credentials are a cluster resource: ALTER on the cluster, or every user is refused.
    if !state.authorized_on_cluster(crate::acl::AclOperation::Alter) {
        let mut users: Vec<String> = request
            .deletions
            .iter()
            .map(|d| d.name.to_string())
            .chain(request.upsertions.iter().map(|u| u.name.to_string()))
            .collect();
        users.dedup();
        let results = users
            .into_iter()
            .map(|user| {
                AlterUserScramCredentialsResult::default()
                    .with_user(StrBytes::from_string(user))
                    .with_error_code(ResponseError::ClusterAuthorizationFailed.code())
                    .with_error_message(Some(StrBytes::from_static_str("Cluster authorization failed.")))
            })
            .collect();
        return Some(AlterUserScramCredentialsResponse::default().with_results(results));
    }
    // The same (user, mechanism) twice in one request fails that user, as in Kafka's controller.
    let mut counts: HashMap<(String, i8), usize> = HashMap::new();
    for key in request
        .deletions
        .iter()
        .map(|d| (d.name.to_string(), d.mechanism))
        .chain(request.upsertions.iter().map(|u| (u.name.to_string(), u.mechanism)))
    {
        *counts.entry(key).or_default() += 1;
    }
    type Outcome = (Option<ResponseError>, Option<String>);
    let mut outcome: indexmap::IndexMap<String, Outcome> = indexmap::IndexMap::new();
    let mut pending: Vec<(String, MetadataRecord)> = Vec::new();
    let image = state.image().clone();
    for (name, mechanism, upsert) in request
        .deletions
        .iter()
        .map(|d| (d.name.to_string(), d.mechanism, None))
        .chain(request.upsertions.iter().map(|u| (u.name.to_string(), u.mechanism, Some(u))))
    {
        let failure = |code: ResponseError, message: &str| Some((Some(code), Some(message.to_string())));
        let mech = ScramMechanism::from_type(mechanism);
        let result = if counts.get(&(name.clone(), mechanism)).copied().unwrap_or(0) > 1 {
            failure(ResponseError::DuplicateResource, "A user credential cannot be altered twice in the same request")
        } else if name.is_empty() {
            failure(ResponseError::UnacceptableCredential, "Username must not be empty")
        } else if let Some(m) = mech {
            match upsert {
                Some(u) if u.iterations < MIN_ITERATIONS => failure(ResponseError::UnacceptableCredential, "Too few iterations"),
                Some(u) if u.iterations > MAX_ITERATIONS => failure(ResponseError::UnacceptableCredential, "Too many iterations"),
                Some(u) if u.salt.is_empty() || u.salted_password.is_empty() => {
                    failure(ResponseError::UnacceptableCredential, "Salt and salted password must not be empty")
                }
                Some(u) => {
                    let credential = m.credential(&u.salted_password, &u.salt, u.iterations);
                    pending.push((name.clone(), MetadataRecord::scram_credential(&name, m, &credential)));
                    None
                }
                None if image.scram_credential(&name, m).is_none() => {
                    failure(ResponseError::ResourceNotFound, "Attempt to delete a user credential that does not exist")
                }
                None => {
                    pending.push((name.clone(), MetadataRecord::RemoveUserScramCredential { name: name.clone(), mechanism }));
                    None
                }
            }
        } else {
            failure(ResponseError::UnsupportedSaslMechanism, "Unknown SCRAM mechanism")
        };
        let entry = outcome.entry(name).or_insert((None, None));
        if entry.0.is_none() {
            if let Some(failed) = result {
                *entry = failed;
            }
        }
    }
    // A user with any failed change gets none of its changes.
    let records: Vec<MetadataRecord> = pending
        .into_iter()
        .filter(|(user, _)| outcome.get(user).is_some_and(|(code, _)| code.is_none()))
        .map(|(_, record)| record)
        .collect();
    if !records.is_empty() {
        if let Err(e) = state.commit_metadata(records).await {
            tracing::warn!(error = %e, "storing SCRAM credentials failed");
            for (code, message) in outcome.values_mut() {
                if code.is_none() {
                    *code = Some(ResponseError::UnknownServerError);
                    *message = Some(e.to_string());
                }
            }
        }
    }
    let results = outcome
        .into_iter()
        .map(|(user, (code, message))| {
            AlterUserScramCredentialsResult::default()
                .with_user(StrBytes::from_string(user))
                .with_error_code(code.map_or(0, |c| c.code()))
                .with_error_message(message.map(StrBytes::from_string))
        })
        .collect();
    Some(AlterUserScramCredentialsResponse::default().with_results(results))
}
