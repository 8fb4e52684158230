//! Authentication pieces shared by the broker and the client: SCRAM (RFC 5802/7677), SASL
//! PLAIN, Java JAAS option strings, and TLS material (PEM certificates and keys, the principal
//! Kafka derives from a certificate's subject).

pub mod jaas;
pub mod scram;
pub mod stream;
pub mod tls;

/// Kafka's SASL mechanisms kbox speaks.
pub const SUPPORTED_MECHANISMS: &[&str] = &["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

/// A failed login or bad security material, worded for the log or the user.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    /// The peer's credentials were refused; the text is what Kafka answers.
    #[error("{0}")]
    AuthenticationFailed(String),
    /// The peer broke the SASL exchange (a malformed message).
    #[error("{0}")]
    Protocol(String),
    /// A certificate, key or option could not be used.
    #[error("{0}")]
    Config(String),
}
