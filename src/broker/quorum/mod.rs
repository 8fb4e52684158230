//! The KRaft controller quorum: the metadata log replicated by Raft among the controllers.
//!
//! - [`raft`]: the Raft core, without I/O, and its deterministic simulation test.
//! - [`node`]: this node's member of the quorum: durable log and vote, clock, write path.
//! - [`rpc`]: the framed messages on the CONTROLLER listener.
//! - [`controller`]: the active controller's decisions (registration, fencing, placement).
//! - [`elections`]: preferred, unclean and rebalancing elections and reassignment steps.

pub mod controller;
pub mod elections;
pub mod node;
pub mod raft;
pub mod rpc;

pub use node::Quorum;
