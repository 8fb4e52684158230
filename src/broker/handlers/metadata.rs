//! Metadata: brokers, controller, topics with partitions, leaders and replicas. Creates
//! requested topics that do not exist when the client allows it and `auto.create.topics.enable`.

use kafka_protocol::messages::metadata_response::{MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic};
use kafka_protocol::messages::{BrokerId, MetadataRequest, MetadataResponse, RequestHeader, TopicName};
use kafka_protocol::protocol::StrBytes;

use super::create_topics::{create_topic, NewTopic};
use crate::acl::{AclOperation, ResourceType};
use crate::broker::metadata::TopicMeta;
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: MetadataRequest) -> Option<MetadataResponse> {
    let version = header.request_api_version;
    let mut response = MetadataResponse::default();
    if version >= 2 {
        response.cluster_id = Some(StrBytes::from_string(state.cluster_id.clone()));
    }
    if version >= 1 {
        response.controller_id = BrokerId(state.controller_id_for_clients());
    }
    let listener = crate::broker::network::session().map(|s| s.listener);
    for (id, ep, rack) in state.live_brokers(listener.as_deref()) {
        let mut b = MetadataResponseBroker::default();
        b.node_id = BrokerId(id);
        b.host = StrBytes::from_string(ep.host);
        b.port = ep.port as i32;
        if version >= 1 {
            b.rack = rack.map(StrBytes::from_string);
        }
        response.brokers.push(b);
    }
    match request.topics {
        None => {
            let image = state.image();
            // Only the topics the requester may describe are listed.
            response.topics = image
                .topics
                .values()
                .filter(|t| state.authorized_in(&image, AclOperation::Describe, ResourceType::Topic, &t.name))
                .map(|t| topic_entry(t, version))
                .collect();
        }
        Some(requested) => {
            for t in requested {
                let by_name = t.name.as_ref().map(|n| n.0.to_string());
                let found = {
                    let image = state.image();
                    match &by_name {
                        Some(n) => image.topics.get(n).cloned(),
                        None => image.topic_by_id(&t.topic_id).cloned(),
                    }
                };
                let may = |op, name: &str| state.authorized(op, ResourceType::Topic, name);
                let entry = match (found, by_name) {
                    (Some(topic), _) if !may(AclOperation::Describe, &topic.name) => {
                        error_entry(t.name.as_ref().map(|n| n.0.to_string()), t.topic_id, version, ResponseError::TopicAuthorizationFailed)
                    }
                    (Some(topic), _) => topic_entry(&topic, version),
                    // Unknown topics are not revealed to who may not describe them.
                    (None, Some(name)) if !may(AclOperation::Describe, &name) => {
                        error_entry(Some(name), t.topic_id, version, ResponseError::TopicAuthorizationFailed)
                    }
                    (None, Some(name))
                        if request.allow_auto_topic_creation
                            && state.config.auto_create_topics_enable
                            && !state.authorized_on_cluster(AclOperation::Create)
                            && !may(AclOperation::Create, &name) =>
                    {
                        error_entry(Some(name), t.topic_id, version, ResponseError::TopicAuthorizationFailed)
                    }
                    (None, Some(name)) if request.allow_auto_topic_creation && state.config.auto_create_topics_enable => {
                        let new = NewTopic {
                            name: name.clone(),
                            partitions: state.config.num_partitions,
                            replication_factor: state.config.default_replication_factor as i16,
                            assignments: vec![],
                            configs: Default::default(),
                        };
                        match create_topic(state, new, false).await {
                            Ok(topic) => topic_entry(&topic, version),
                            Err((ResponseError::TopicAlreadyExists, _)) => match state.image().topics.get(&name) {
                                Some(topic) => topic_entry(topic, version),
                                None => error_entry(Some(name), t.topic_id, version, ResponseError::UnknownTopicOrPartition),
                            },
                            Err((code, _)) => error_entry(Some(name), t.topic_id, version, code),
                        }
                    }
                    (None, name) => {
                        let code = match &name {
                            Some(n) if super::validate_topic_name(n).is_err() => ResponseError::InvalidTopicException,
                            Some(_) => ResponseError::UnknownTopicOrPartition,
                            None => ResponseError::UnknownTopicId,
                        };
                        error_entry(name, t.topic_id, version, code)
                    }
                };
                response.topics.push(entry);
            }
        }
    }
    Some(response)
}

fn error_entry(name: Option<String>, id: uuid::Uuid, version: i16, code: ResponseError) -> MetadataResponseTopic {
    let mut t = MetadataResponseTopic::default();
    t.error_code = code.code();
    t.name = name.map(|n| TopicName(StrBytes::from_string(n)));
    if version >= 10 {
        t.topic_id = id;
    }
    t
}

/// Fields newer than the request's version stay at their defaults: the codec refuses to
/// encode a non-default field the version does not have.
fn topic_entry(topic: &TopicMeta, version: i16) -> MetadataResponseTopic {
    let mut t = MetadataResponseTopic::default();
    t.name = Some(TopicName(StrBytes::from_string(topic.name.clone())));
    if version >= 10 {
        t.topic_id = topic.id;
    }
    if version >= 1 {
        t.is_internal = topic.is_internal();
    }
    t.partitions = topic
        .partitions
        .iter()
        .map(|p| {
            let mut mp = MetadataResponsePartition::default();
            mp.partition_index = p.partition;
            mp.leader_id = BrokerId(p.leader);
            if p.leader < 0 {
                // Offline (no live ISR member, unclean election off): Kafka's answer.
                mp.error_code = crate::protocol::ResponseError::LeaderNotAvailable.code();
            }
            if version >= 7 {
                mp.leader_epoch = p.leader_epoch;
            }
            mp.replica_nodes = p.replicas.iter().map(|b| BrokerId(*b)).collect();
            mp.isr_nodes = p.isr.iter().map(|b| BrokerId(*b)).collect();
            mp
        })
        .collect();
    t
}
