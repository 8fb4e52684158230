//! Admin calls for SCRAM credentials (AlterUserScramCredentials, DescribeUserScramCredentials),
//! as Java's `Admin.alterUserScramCredentials` / `describeUserScramCredentials`. The password
//! never leaves the client: it sends a random salt and the salted password only.

use bytes::Bytes;
use kafka_protocol::messages::alter_user_scram_credentials_request::{
    ScramCredentialDeletion, ScramCredentialUpsertion,
};
use kafka_protocol::messages::describe_user_scram_credentials_request::UserName;
use kafka_protocol::messages::{
    AlterUserScramCredentialsRequest, DescribeUserScramCredentialsRequest,
};
use kafka_protocol::protocol::StrBytes;

use super::admin::Admin;
use crate::security::scram::{random_bytes, ScramMechanism};
use crate::{Error, Result};

/// One credential a user has: its mechanism and iteration count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScramCredentialInfo {
    pub mechanism: ScramMechanism,
    pub iterations: i32,
}

/// A change to one user's credentials.
#[derive(Debug, Clone)]
pub enum ScramAlteration {
    Upsert {
        user: String,
        mechanism: ScramMechanism,
        iterations: i32,
        password: String,
    },
    Delete {
        user: String,
        mechanism: ScramMechanism,
    },
}

impl Admin {
    /// Each user's SCRAM mechanisms; `None` asks for every user that has one.
    pub async fn describe_user_scram_credentials(
        &self,
        users: Option<&[String]>,
    ) -> Result<Vec<(String, Result<Vec<ScramCredentialInfo>>)>> {
        let conn = self.client().any_connection().await?;
        let request =
            DescribeUserScramCredentialsRequest::default().with_users(users.map(|list| {
                list.iter()
                    .map(|u| UserName::default().with_name(StrBytes::from_string(u.clone())))
                    .collect()
            }));
        let response = conn.send(&request).await?;
        if let Some(e) = Error::from_code(
            response.error_code,
            response.error_message.map(|m| m.to_string()),
        ) {
            return Err(e);
        }
        Ok(response
            .results
            .into_iter()
            .map(|r| {
                let result =
                    match Error::from_code(r.error_code, r.error_message.map(|m| m.to_string())) {
                        Some(e) => Err(e),
                        None => Ok(r
                            .credential_infos
                            .iter()
                            .filter_map(|c| {
                                ScramMechanism::from_type(c.mechanism).map(|mechanism| {
                                    ScramCredentialInfo {
                                        mechanism,
                                        iterations: c.iterations,
                                    }
                                })
                            })
                            .collect()),
                    };
                (r.user.to_string(), result)
            })
            .collect())
    }

    /// Sets or removes credentials; one result per user.
    pub async fn alter_user_scram_credentials(
        &self,
        alterations: &[ScramAlteration],
    ) -> Result<Vec<(String, Result<()>)>> {
        let mut request = AlterUserScramCredentialsRequest::default();
        for alteration in alterations {
            match alteration {
                ScramAlteration::Upsert {
                    user,
                    mechanism,
                    iterations,
                    password,
                } => {
                    let salt = random_bytes(32);
                    let salted = mechanism.salted_password(password.as_bytes(), &salt, *iterations);
                    request.upsertions.push(
                        ScramCredentialUpsertion::default()
                            .with_name(StrBytes::from_string(user.clone()))
                            .with_mechanism(mechanism.type_id())
                            .with_iterations(*iterations)
                            .with_salt(Bytes::from(salt))
                            .with_salted_password(Bytes::from(salted)),
                    );
                }
                ScramAlteration::Delete { user, mechanism } => request.deletions.push(
                    ScramCredentialDeletion::default()
                        .with_name(StrBytes::from_string(user.clone()))
                        .with_mechanism(mechanism.type_id()),
                ),
            }
        }
        let conn = self.client().any_connection().await?;
        let response = conn.send(&request).await?;
        Ok(response
            .results
            .into_iter()
            .map(|r| {
                let result =
                    match Error::from_code(r.error_code, r.error_message.map(|m| m.to_string())) {
                        Some(e) => Err(e),
                        None => Ok(()),
                    };
                (r.user.to_string(), result)
            })
            .collect())
    }
}
