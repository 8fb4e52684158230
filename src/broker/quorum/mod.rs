//! The KRaft controller quorum: the metadata log replicated by Raft among the controllers.

pub mod raft;
