//! Leadership decisions the controller makes on the metadata image, each one a
//! `PartitionChange` record guarded by the partition's leader epoch: preferred and unclean
//! elections (ElectLeaders, `unclean.leader.election.enable`), the automatic leader rebalance
//! (`auto.leader.rebalance.enable`), and the steps of a partition reassignment. Pure functions
//! of the image, so they are tested without a cluster.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::broker::metadata::{MetadataImage, MetadataRecord, PartitionRecord, Reassignment};
use crate::protocol::ResponseError;

/// Kafka's election types (ElectLeaders' `election_type`: 0 preferred, 1 unclean).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElectionType {
    Preferred,
    Unclean,
}

impl ElectionType {
    pub fn from_wire(value: i8) -> Option<ElectionType> {
        match value {
            0 => Some(ElectionType::Preferred),
            1 => Some(ElectionType::Unclean),
            _ => None,
        }
    }

    pub fn wire_value(self) -> i8 {
        match self {
            ElectionType::Preferred => 0,
            ElectionType::Unclean => 1,
        }
    }

    /// As Kafka prints it (`ElectionType.toString()`).
    pub fn name(self) -> &'static str {
        match self {
            ElectionType::Preferred => "PREFERRED",
            ElectionType::Unclean => "UNCLEAN",
        }
    }
}

fn is_live(image: &MetadataImage, id: i32) -> bool {
    image.brokers.get(&id).is_some_and(|b| !b.fenced)
}

fn change(
    topic_id: Uuid,
    p: &PartitionRecord,
    leader: i32,
    isr: Vec<i32>,
    replicas: Option<Vec<i32>>,
    reassignment: Option<Reassignment>,
) -> MetadataRecord {
    MetadataRecord::PartitionChange {
        topic_id,
        partition: p.partition,
        leader_epoch: p.leader_epoch,
        leader,
        isr,
        replicas,
        reassignment,
    }
}

/// The election ElectLeaders asks for on one partition, or Kafka's reason for not holding it:
/// ELECTION_NOT_NEEDED (the preferred replica leads already / a leader exists),
/// PREFERRED_LEADER_NOT_AVAILABLE (the preferred replica is fenced or out of sync),
/// ELIGIBLE_LEADERS_NOT_AVAILABLE (no live replica at all).
pub fn elect(
    image: &MetadataImage,
    topic: &str,
    partition: i32,
    kind: ElectionType,
) -> Result<MetadataRecord, ResponseError> {
    let t = image
        .topics
        .get(topic)
        .ok_or(ResponseError::UnknownTopicOrPartition)?;
    let p = t
        .partitions
        .iter()
        .find(|p| p.partition == partition)
        .ok_or(ResponseError::UnknownTopicOrPartition)?;
    match kind {
        ElectionType::Preferred => {
            let preferred = *p
                .replicas
                .first()
                .ok_or(ResponseError::PreferredLeaderNotAvailable)?;
            if p.leader == preferred {
                return Err(ResponseError::ElectionNotNeeded);
            }
            if p.isr.contains(&preferred) && is_live(image, preferred) {
                Ok(change(t.id, p, preferred, p.isr.clone(), None, None))
            } else {
                Err(ResponseError::PreferredLeaderNotAvailable)
            }
        }
        ElectionType::Unclean => {
            if p.leader >= 0 {
                return Err(ResponseError::ElectionNotNeeded);
            }
            unclean_leader(image, p)
                .map(|(leader, isr)| change(t.id, p, leader, isr, None, None))
                .ok_or(ResponseError::EligibleLeadersNotAvailable)
        }
    }
}

/// A leader for a leaderless partition: a live ISR member if any, else (unclean) the first
/// live replica, which becomes the whole ISR; records it lacks are lost, as in Kafka.
fn unclean_leader(image: &MetadataImage, p: &PartitionRecord) -> Option<(i32, Vec<i32>)> {
    let live = |id: &&i32| is_live(image, **id);
    if let Some(id) = p.replicas.iter().filter(|id| p.isr.contains(id)).find(live) {
        return Some((*id, p.isr.clone()));
    }
    p.replicas.iter().find(live).map(|id| (*id, vec![*id]))
}

/// Unclean elections for every leaderless partition whose topic allows them
/// (`unclean_enabled`), where some replica is live.
pub fn unclean_elections(
    image: &MetadataImage,
    unclean_enabled: impl Fn(&BTreeMap<String, String>) -> bool,
) -> Vec<MetadataRecord> {
    let mut out = Vec::new();
    for t in image.topics.values() {
        if !t.partitions.iter().any(|p| p.leader < 0) || !unclean_enabled(&t.configs) {
            continue;
        }
        for p in t.partitions.iter().filter(|p| p.leader < 0) {
            if let Some((leader, isr)) = unclean_leader(image, p) {
                out.push(change(t.id, p, leader, isr, None, None));
            }
        }
    }
    out
}

/// Kafka's automatic leader rebalance: for each broker, the share of the partitions it is the
/// preferred (first) replica of that it does not lead; above `percentage` %, each of those
/// partitions whose preferred replica is live and in the ISR is moved back to it. Partitions
/// being reassigned are left alone.
pub fn rebalance_elections(image: &MetadataImage, percentage: i64) -> Vec<MetadataRecord> {
    // Per preferred replica: how many partitions prefer it, and those it does not lead.
    type Preference<'a> = (usize, Vec<(Uuid, &'a PartitionRecord)>);
    let mut preferred_of: BTreeMap<i32, Preference<'_>> = BTreeMap::new();
    for t in image.topics.values() {
        for p in &t.partitions {
            let Some(&preferred) = p.replicas.first() else {
                continue;
            };
            if p.replicas.len() < 2 {
                continue;
            }
            let entry = preferred_of.entry(preferred).or_default();
            entry.0 += 1;
            if p.leader != preferred && !image.reassignments.contains_key(&(t.id, p.partition)) {
                entry.1.push((t.id, p));
            }
        }
    }
    let mut out = Vec::new();
    for (broker, (total, not_led)) in preferred_of {
        if total == 0 || not_led.is_empty() || !is_live(image, broker) {
            continue;
        }
        let ratio = not_led.len() as f64 / total as f64;
        if ratio <= percentage as f64 / 100.0 {
            continue;
        }
        for (topic_id, p) in not_led {
            if p.isr.contains(&broker) {
                out.push(change(topic_id, p, broker, p.isr.clone(), None, None));
            }
        }
    }
    out
}

/// Why a reassignment request is refused.
pub type Refusal = (ResponseError, String);

/// Starts (or replaces) a reassignment of one partition to `target`: the replica list becomes
/// the target followed by the replicas leaving, which go once every target replica is in the
/// ISR. A target equal to the replicas (and no reassignment running) changes nothing (None).
pub fn start_reassignment(
    image: &MetadataImage,
    topic: &str,
    partition: i32,
    target: &[i32],
) -> Result<Option<MetadataRecord>, Refusal> {
    let unknown = || {
        (
            ResponseError::UnknownTopicOrPartition,
            format!("Unable to find partition {topic}-{partition}."),
        )
    };
    let t = image.topics.get(topic).ok_or_else(unknown)?;
    let p = t
        .partitions
        .iter()
        .find(|p| p.partition == partition)
        .ok_or_else(unknown)?;
    if target.is_empty() {
        return Err((
            ResponseError::InvalidReplicaAssignment,
            "The manual partition assignment includes an empty replica list.".into(),
        ));
    }
    let mut sorted = target.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != target.len() {
        return Err((
            ResponseError::InvalidReplicaAssignment,
            format!("The manual partition assignment includes the broker id more than once: {target:?}."),
        ));
    }
    if let Some(bad) = target.iter().find(|id| !image.brokers.contains_key(id)) {
        return Err((
            ResponseError::InvalidReplicaAssignment,
            format!("The manual partition assignment includes broker {bad}, but no such broker is registered."),
        ));
    }
    let running = image.reassignments.get(&(t.id, partition));
    let original = running
        .map(|r| r.original(&p.replicas))
        .unwrap_or_else(|| p.replicas.clone());
    if running.is_none() && p.replicas == target {
        return Ok(None);
    }
    let mut replicas = target.to_vec();
    replicas.extend(p.replicas.iter().copied().filter(|r| !target.contains(r)));
    let reassignment = Reassignment {
        adding: target
            .iter()
            .copied()
            .filter(|r| !original.contains(r))
            .collect(),
        removing: p
            .replicas
            .iter()
            .copied()
            .filter(|r| !target.contains(r))
            .collect(),
    };
    let isr: Vec<i32> = p
        .isr
        .iter()
        .copied()
        .filter(|id| replicas.contains(id))
        .collect();
    if reassignment.is_empty() {
        // Only the order changes: nothing to copy.
        return Ok(Some(finish(image, t.id, p, target.to_vec(), isr)));
    }
    Ok(Some(change(
        t.id,
        p,
        p.leader,
        isr,
        Some(replicas),
        Some(reassignment),
    )))
}

/// Cancels a running reassignment: back to the original replicas.
pub fn cancel_reassignment(
    image: &MetadataImage,
    topic: &str,
    partition: i32,
) -> Result<MetadataRecord, Refusal> {
    let t = image.topics.get(topic);
    let p = t.and_then(|t| t.partitions.iter().find(|p| p.partition == partition));
    let (Some(t), Some(p)) = (t, p) else {
        return Err((
            ResponseError::UnknownTopicOrPartition,
            format!("Unable to find partition {topic}-{partition}."),
        ));
    };
    let Some(running) = image.reassignments.get(&(t.id, partition)) else {
        return Err((
            ResponseError::NoReassignmentInProgress,
            format!("No ongoing reassignment for partition {topic}-{partition}."),
        ));
    };
    let original = running.original(&p.replicas);
    Ok(finish(image, t.id, p, original, p.isr.clone()))
}

/// The record ending a reassignment at `replicas`: the ISR keeps only those, and a leader
/// that is not among them hands over to the first live one in the ISR.
fn finish(
    image: &MetadataImage,
    topic_id: Uuid,
    p: &PartitionRecord,
    replicas: Vec<i32>,
    isr: Vec<i32>,
) -> MetadataRecord {
    let mut isr: Vec<i32> = isr.into_iter().filter(|id| replicas.contains(id)).collect();
    let leader = if replicas.contains(&p.leader) {
        p.leader
    } else {
        replicas
            .iter()
            .copied()
            .find(|id| isr.contains(id) && is_live(image, *id))
            .unwrap_or(-1)
    };
    if isr.is_empty() {
        // Nothing of the target is in sync (a cancel right after the start): keep the
        // leader's view rather than an empty ISR.
        isr = p.isr.clone();
    }
    change(
        topic_id,
        p,
        leader,
        isr,
        Some(replicas),
        Some(Reassignment::default()),
    )
}

/// The reassignments whose target replicas are all in the ISR now complete: the leaving
/// replicas go, and leadership moves if the leader leaves.
pub fn reassignment_steps(image: &MetadataImage) -> Vec<MetadataRecord> {
    let mut out = Vec::new();
    for ((topic_id, partition), r) in &image.reassignments {
        let Some(p) = image
            .topic_by_id(topic_id)
            .and_then(|t| t.partitions.iter().find(|p| p.partition == *partition))
        else {
            continue;
        };
        let target = r.target(&p.replicas);
        if target.iter().all(|id| p.isr.contains(id)) {
            out.push(finish(image, *topic_id, p, target, p.isr.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::metadata::BrokerRegistration;

    fn image_with(partitions: Vec<PartitionRecord>, fenced: &[i32]) -> MetadataImage {
        let mut image = MetadataImage::default();
        for id in 1..=4 {
            image.brokers.insert(
                id,
                BrokerRegistration {
                    id,
                    endpoints: vec![],
                    rack: None,
                    fenced: fenced.contains(&id),
                },
            );
        }
        image.apply(&MetadataRecord::Topic {
            name: "t".into(),
            id: Uuid::new_v4(),
            partitions,
            configs: BTreeMap::new(),
        });
        image
    }

    fn part(partition: i32, replicas: &[i32], isr: &[i32], leader: i32) -> PartitionRecord {
        PartitionRecord {
            partition,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            leader,
            leader_epoch: 3,
        }
    }

    fn apply(image: &mut MetadataImage, record: MetadataRecord) -> PartitionRecord {
        let partition = match &record {
            MetadataRecord::PartitionChange { partition, .. } => *partition,
            _ => unreachable!(),
        };
        image.apply(&record);
        image.topics["t"].partitions[partition as usize].clone()
    }

    #[test]
    fn preferred_elections_follow_kafkas_rules() {
        let mut image = image_with(
            vec![
                part(0, &[1, 2, 3], &[1, 2, 3], 2),
                part(1, &[1, 2, 3], &[1, 2, 3], 1),
                part(2, &[3, 1, 2], &[1, 2], 1),
                part(3, &[4, 1], &[4, 1], 1),
            ],
            &[4],
        );
        let record = elect(&image, "t", 0, ElectionType::Preferred).unwrap();
        let p = apply(&mut image, record);
        assert_eq!((p.leader, p.leader_epoch, p.isr), (1, 4, vec![1, 2, 3]));
        let not = |p, image: &MetadataImage| elect(image, "t", p, ElectionType::Preferred);
        assert_eq!(not(1, &image), Err(ResponseError::ElectionNotNeeded));
        assert_eq!(
            not(2, &image),
            Err(ResponseError::PreferredLeaderNotAvailable),
            "out of sync"
        );
        assert_eq!(
            not(3, &image),
            Err(ResponseError::PreferredLeaderNotAvailable),
            "fenced"
        );
        assert_eq!(not(9, &image), Err(ResponseError::UnknownTopicOrPartition));
        assert_eq!(
            elect(&image, "nope", 0, ElectionType::Preferred),
            Err(ResponseError::UnknownTopicOrPartition)
        );
    }

    #[test]
    fn unclean_elections_pick_a_live_replica_and_reset_the_isr() {
        let mut image = image_with(
            vec![
                part(0, &[1, 2, 3], &[1], -1),
                part(1, &[1, 2], &[1], 2),
                part(2, &[4, 1], &[4], -1),
            ],
            &[1, 4],
        );
        assert_eq!(
            elect(&image, "t", 1, ElectionType::Unclean),
            Err(ResponseError::ElectionNotNeeded)
        );
        // Topic config off: no automatic election.
        assert!(unclean_elections(&image, |_| false).is_empty());
        let automatic = unclean_elections(&image, |_| true);
        assert_eq!(automatic.len(), 1, "partition 2 has no live replica");
        let p = apply(&mut image, automatic[0].clone());
        assert_eq!((p.leader, p.isr, p.leader_epoch), (2, vec![2], 4));
        assert_eq!(
            elect(&image, "t", 2, ElectionType::Unclean),
            Err(ResponseError::EligibleLeadersNotAvailable)
        );
        // A stale decision (made at an older epoch) is void.
        let stale = change(
            image.topics["t"].id,
            &part(0, &[1, 2, 3], &[1], -1),
            3,
            vec![3],
            None,
            None,
        );
        let p = apply(&mut image, stale);
        assert_eq!(p.leader, 2);
    }

    #[test]
    fn rebalance_moves_leaders_back_above_the_imbalance_ratio() {
        let image = image_with(
            vec![
                part(0, &[1, 2], &[1, 2], 2),
                part(1, &[1, 2], &[1, 2], 1),
                part(2, &[1, 2], &[2], 2),
                part(3, &[2, 1], &[1, 2], 2),
            ],
            &[],
        );
        // Broker 1 prefers 3 partitions and leads 1: 67% imbalance; partition 2's preferred
        // replica is out of sync, so only partition 0 moves.
        let moves = rebalance_elections(&image, 10);
        assert_eq!(moves.len(), 1);
        assert!(matches!(
            moves[0],
            MetadataRecord::PartitionChange {
                partition: 0,
                leader: 1,
                ..
            }
        ));
        assert!(
            rebalance_elections(&image, 70).is_empty(),
            "67% is within 70%"
        );
    }

    #[test]
    fn a_reassignment_adds_then_removes_and_moves_the_leader() {
        let mut image = image_with(vec![part(0, &[1, 2], &[1, 2], 1)], &[]);
        let id = image.topics["t"].id;
        let start = start_reassignment(&image, "t", 0, &[2, 3])
            .unwrap()
            .unwrap();
        let p = apply(&mut image, start);
        assert_eq!((p.replicas.clone(), p.leader), (vec![2, 3, 1], 1));
        assert_eq!(
            image.reassignments[&(id, 0)],
            Reassignment {
                adding: vec![3],
                removing: vec![1]
            }
        );
        assert!(
            reassignment_steps(&image).is_empty(),
            "3 is not in sync yet"
        );
        image.apply(&MetadataRecord::AlterIsr {
            topic_id: id,
            partition: 0,
            leader_epoch: 3,
            isr: vec![1, 2, 3],
        });
        let steps = reassignment_steps(&image);
        assert_eq!(steps.len(), 1);
        let p = apply(&mut image, steps[0].clone());
        assert_eq!(
            (p.replicas, p.isr, p.leader, p.leader_epoch),
            (vec![2, 3], vec![2, 3], 2, 4)
        );
        assert!(image.reassignments.is_empty());
        assert_eq!(
            cancel_reassignment(&image, "t", 0).unwrap_err().0,
            ResponseError::NoReassignmentInProgress
        );
        assert_eq!(
            start_reassignment(&image, "t", 0, &[2, 9]).unwrap_err().0,
            ResponseError::InvalidReplicaAssignment
        );
        assert_eq!(start_reassignment(&image, "t", 0, &[2, 3]).unwrap(), None);

        // Cancel: back to the original replicas.
        let start = start_reassignment(&image, "t", 0, &[4, 3])
            .unwrap()
            .unwrap();
        let p = apply(&mut image, start);
        assert_eq!(p.replicas, [4, 3, 2]);
        let cancel = cancel_reassignment(&image, "t", 0).unwrap();
        let p = apply(&mut image, cancel);
        // As Kafka: the original replicas in the merged list's order (target first).
        assert_eq!((p.replicas, p.leader), (vec![3, 2], 2));
        assert!(image.reassignments.is_empty());
    }
}
