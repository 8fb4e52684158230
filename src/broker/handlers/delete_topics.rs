//! DeleteTopics, by name (v0-5) or by topic id (v6+). The folders are renamed at once and
//! removed in the background, so the name can be reused immediately.

use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::{DeleteTopicsRequest, DeleteTopicsResponse, RequestHeader, TopicName};
use kafka_protocol::protocol::StrBytes;

use crate::broker::metadata::MetadataRecord;
use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: DeleteTopicsRequest) -> Option<DeleteTopicsResponse> {
    let mut wanted: Vec<(Option<String>, uuid::Uuid)> = request.topic_names.iter().map(|n| (Some(n.0.to_string()), uuid::Uuid::nil())).collect();
    wanted.extend(request.topics.iter().map(|t| (t.name.as_ref().map(|n| n.0.to_string()), t.topic_id)));
    let mut response = DeleteTopicsResponse::default();
    for (name, id) in wanted {
        let found = {
            let image = state.image();
            match &name {
                Some(n) => image.topics.get(n).cloned(),
                None => image.topic_by_id(&id).cloned(),
            }
        };
        let mut result = DeletableTopicResult::default();
        result.name = name.clone().map(|n| TopicName(StrBytes::from_string(n)));
        result.topic_id = id;
        // Kafka answers TOPIC_AUTHORIZATION_FAILED before saying whether the topic exists.
        let visible_name = found.as_ref().map(|t| t.name.clone()).or_else(|| name.clone());
        let allowed = visible_name
            .as_ref()
            .is_some_and(|n| state.authorized(AclOperation::Delete, ResourceType::Topic, n));
        match found {
            _ if !allowed => {
                result.error_code = ResponseError::TopicAuthorizationFailed.code();
            }
            None => {
                result.error_code = if name.is_some() { ResponseError::UnknownTopicOrPartition } else { ResponseError::UnknownTopicId }.code();
            }
            Some(_) if !state.config.delete_topic_enable => {
                result.error_code = ResponseError::TopicDeletionDisabled.code();
            }
            Some(topic) => {
                result.name = Some(TopicName(StrBytes::from_string(topic.name.clone())));
                result.topic_id = topic.id;
                if let Err(e) = state.commit_metadata(vec![MetadataRecord::RemoveTopic { id: topic.id }]).await {
                    result.error_code = ResponseError::UnknownServerError.code();
                    result.error_message = Some(StrBytes::from_string(e.to_string()));
                } else {
                    tracing::info!(topic = %topic.name, "deleted topic");
                }
            }
        }
        response.responses.push(result);
    }
    Some(response)
}
