//! Managing groups from outside: list, describe, delete, and read, reset or delete their
//! committed offsets (what kafka-consumer-groups.sh does, on any Kafka cluster).

use std::collections::{BTreeMap, HashMap};

use kafka_protocol::messages::offset_delete_request::{
    OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
};
use kafka_protocol::messages::{
    DeleteGroupsRequest, DescribeGroupsRequest, GroupId, ListGroupsRequest, OffsetDeleteRequest,
    TopicName,
};
use kafka_protocol::protocol::StrBytes;

use super::assignor::TopicPartition;
use super::protocol::{
    commit_offsets, decode_assignment, fetch_offsets, find_coordinator, CommitIdentity,
    CommittedOffset,
};
use crate::client::cluster::{BrokerInfo, Client};
use crate::{Error, Result};

/// A group as ListGroups reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedGroup {
    pub group_id: String,
    pub protocol_type: String,
    /// Empty when the broker is too old to say (ListGroups < v4).
    pub state: String,
    /// `classic` or `consumer` (ListGroups v5+), empty before.
    pub group_type: String,
}

/// One member of a described group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub host: String,
    /// Decoded from the member's assignment when the group speaks the consumer protocol.
    pub assignment: Vec<TopicPartition>,
}

/// A group as DescribeGroups reports it, with its coordinator.
#[derive(Debug, Clone)]
pub struct GroupDescription {
    pub group_id: String,
    /// Kafka's state names: Empty, Stable, PreparingRebalance, CompletingRebalance, Dead.
    pub state: String,
    pub protocol_type: String,
    /// The chosen assignor.
    pub protocol: String,
    pub members: Vec<GroupMember>,
    pub coordinator: BrokerInfo,
    pub error_code: i16,
}

/// Group operations on a cluster.
#[derive(Debug, Clone)]
pub struct GroupAdmin {
    client: Client,
}

impl GroupAdmin {
    pub fn new(client: Client) -> GroupAdmin {
        GroupAdmin { client }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Every group on every broker, sorted by id; `states` filters (empty: all).
    pub async fn list_groups(&self, states: &[String]) -> Result<Vec<ListedGroup>> {
        let metadata = self.client.refresh_metadata(Some(&[]), false).await?;
        let mut nodes: Vec<i32> = metadata.brokers.keys().copied().collect();
        nodes.sort();
        let mut out: BTreeMap<String, ListedGroup> = BTreeMap::new();
        for node in nodes {
            let conn = self.client.connection(node).await?;
            let version = conn.version_for::<ListGroupsRequest>()?;
            let mut request = ListGroupsRequest::default();
            if version >= 4 {
                request.states_filter = states
                    .iter()
                    .map(|s| StrBytes::from_string(s.clone()))
                    .collect();
            }
            let response = conn
                .send_at(&request, version, self.client.request_timeout())
                .await?;
            if let Some(e) = Error::from_code(response.error_code, None) {
                return Err(e);
            }
            for g in response.groups {
                let listed = ListedGroup {
                    group_id: g.group_id.0.to_string(),
                    protocol_type: g.protocol_type.to_string(),
                    state: g.group_state.to_string(),
                    group_type: g.group_type.to_string(),
                };
                // Old brokers ignore the filter: apply it here too.
                if version < 4
                    || states.is_empty()
                    || states.iter().any(|s| s.eq_ignore_ascii_case(&listed.state))
                {
                    out.insert(listed.group_id.clone(), listed);
                }
            }
        }
        Ok(out.into_values().collect())
    }

    /// The coordinator of a group.
    pub async fn coordinator(&self, group_id: &str) -> Result<i32> {
        find_coordinator(&self.client, group_id).await
    }

    /// Describes groups (each asked of its own coordinator).
    pub async fn describe_groups(&self, group_ids: &[String]) -> Result<Vec<GroupDescription>> {
        let mut out = Vec::new();
        for group_id in group_ids {
            let node = self.coordinator(group_id).await?;
            let coordinator = self
                .client
                .cached_metadata()
                .brokers
                .get(&node)
                .cloned()
                .unwrap_or(BrokerInfo {
                    node_id: node,
                    host: String::new(),
                    port: -1,
                    rack: None,
                });
            let mut request = DescribeGroupsRequest::default();
            request.groups = vec![GroupId(StrBytes::from_string(group_id.clone()))];
            let response = self.client.send_to(node, &request).await?;
            let Some(g) = response.groups.into_iter().next() else {
                return Err(Error::Message(format!(
                    "DescribeGroups said nothing of {group_id}"
                )));
            };
            let consumer = g.protocol_type.as_str() == "consumer" || g.protocol_type.is_empty();
            let members = g
                .members
                .into_iter()
                .map(|m| GroupMember {
                    member_id: m.member_id.to_string(),
                    group_instance_id: m.group_instance_id.map(|i| i.to_string()),
                    client_id: m.client_id.to_string(),
                    host: m.client_host.to_string(),
                    assignment: if consumer {
                        decode_assignment(m.member_assignment).unwrap_or_default()
                    } else {
                        Vec::new()
                    },
                })
                .collect();
            // DescribeGroups v6+ says GROUP_ID_NOT_FOUND where older versions said Dead.
            let not_found = g.error_code == crate::protocol::ResponseError::GroupIdNotFound.code();
            out.push(GroupDescription {
                group_id: g.group_id.0.to_string(),
                state: if not_found {
                    "Dead".to_string()
                } else {
                    g.group_state.to_string()
                },
                protocol_type: g.protocol_type.to_string(),
                protocol: g.protocol_data.to_string(),
                members,
                coordinator,
                error_code: if not_found { 0 } else { g.error_code },
            });
        }
        Ok(out)
    }

    /// A group's committed offsets (all of them when `partitions` is `None`).
    pub async fn committed_offsets(
        &self,
        group_id: &str,
        partitions: Option<&[TopicPartition]>,
    ) -> Result<HashMap<TopicPartition, CommittedOffset>> {
        let node = self.coordinator(group_id).await?;
        fetch_offsets(&self.client, node, group_id, partitions).await
    }

    /// Commits offsets for an inactive group (as reset-offsets does: no member, generation -1).
    pub async fn alter_offsets(
        &self,
        group_id: &str,
        offsets: &HashMap<TopicPartition, i64>,
    ) -> Result<()> {
        let node = self.coordinator(group_id).await?;
        let identity = CommitIdentity {
            generation: -1,
            member_id: String::new(),
            group_instance_id: None,
        };
        commit_offsets(&self.client, node, group_id, &identity, offsets).await
    }

    /// Deletes groups; one result per group.
    pub async fn delete_groups(&self, group_ids: &[String]) -> Result<Vec<(String, Result<()>)>> {
        let mut out = Vec::new();
        for group_id in group_ids {
            let result = async {
                let node = self.coordinator(group_id).await?;
                let mut request = DeleteGroupsRequest::default();
                request.groups_names = vec![GroupId(StrBytes::from_string(group_id.clone()))];
                let response = self.client.send_to(node, &request).await?;
                match response.results.first() {
                    Some(r) => match Error::from_code(r.error_code, None) {
                        Some(e) => Err(e),
                        None => Ok(()),
                    },
                    None => Err(Error::Message("DeleteGroups: empty response".into())),
                }
            }
            .await;
            out.push((group_id.clone(), result));
        }
        Ok(out)
    }

    /// Deletes a group's committed offsets for some partitions; the group-level error (e.g.
    /// GROUP_SUBSCRIBED_TO_TOPIC) or one result per partition.
    pub async fn delete_offsets(
        &self,
        group_id: &str,
        partitions: &[TopicPartition],
    ) -> Result<Vec<(TopicPartition, Result<()>)>> {
        let node = self.coordinator(group_id).await?;
        let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
        for (t, p) in partitions {
            by_topic.entry(t.as_str()).or_default().push(*p);
        }
        let mut request = OffsetDeleteRequest::default();
        request.group_id = GroupId(StrBytes::from_string(group_id.to_string()));
        request.topics = by_topic
            .into_iter()
            .map(|(t, ps)| {
                let mut topic = OffsetDeleteRequestTopic::default();
                topic.name = TopicName(StrBytes::from_string(t.to_string()));
                topic.partitions = ps
                    .into_iter()
                    .map(|p| {
                        let mut x = OffsetDeleteRequestPartition::default();
                        x.partition_index = p;
                        x
                    })
                    .collect();
                topic
            })
            .collect();
        let response = self.client.send_to(node, &request).await?;
        if let Some(e) = Error::from_code(response.error_code, None) {
            return Err(e);
        }
        let mut out = Vec::new();
        for t in response.topics {
            for p in t.partitions {
                let result = match Error::from_code(p.error_code, None) {
                    Some(e) => Err(e),
                    None => Ok(()),
                };
                out.push(((t.name.0.to_string(), p.partition_index), result));
            }
        }
        Ok(out)
    }
}
