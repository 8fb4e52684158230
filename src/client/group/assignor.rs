//! Partition assignors, computed by the group leader: range, roundrobin, sticky and
//! cooperative-sticky, under Java's protocol names so mixed groups agree on one.
//!
//! All four take the members' subscriptions (topics, owned partitions, generation) and the
//! partition counts of the subscribed topics, and give every partition to exactly one member
//! that subscribes to its topic.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A topic and partition.
pub type TopicPartition = (String, i32);

/// What one member told the group in its JoinGroup metadata.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberSubscription {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub topics: Vec<String>,
    /// Partitions the member owned before this rebalance (subscription v1+).
    pub owned: Vec<TopicPartition>,
    /// The generation its owned partitions are from (subscription v2+; -1 unknown).
    pub generation: i32,
}

impl MemberSubscription {
    /// Java's ordering of members: static members by instance id first, then by member id.
    fn sort_key(&self) -> (bool, String, String) {
        (
            self.group_instance_id.is_none(),
            self.group_instance_id.clone().unwrap_or_default(),
            self.member_id.clone(),
        )
    }
}

/// Whether members give up all partitions before rejoining (eager) or only what moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebalanceProtocol {
    Eager,
    Cooperative,
}

/// The assignors kbox implements, by their protocol names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignor {
    Range,
    RoundRobin,
    Sticky,
    CooperativeSticky,
}

impl Assignor {
    /// Parses Java class names (`org.apache.kafka.clients.consumer.RangeAssignor`) and
    /// librdkafka's short names (`range`, `roundrobin`, `cooperative-sticky`).
    pub fn parse(name: &str) -> Option<Assignor> {
        let short = name
            .trim()
            .rsplit('.')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Some(match short.as_str() {
            "range" | "rangeassignor" => Assignor::Range,
            "roundrobin" | "roundrobinassignor" => Assignor::RoundRobin,
            "sticky" | "stickyassignor" => Assignor::Sticky,
            "cooperative-sticky" | "cooperativestickyassignor" => Assignor::CooperativeSticky,
            _ => return None,
        })
    }

    /// The protocol name sent in JoinGroup.
    pub fn name(self) -> &'static str {
        match self {
            Assignor::Range => "range",
            Assignor::RoundRobin => "roundrobin",
            Assignor::Sticky => "sticky",
            Assignor::CooperativeSticky => "cooperative-sticky",
        }
    }

    pub fn protocol(self) -> RebalanceProtocol {
        match self {
            Assignor::CooperativeSticky => RebalanceProtocol::Cooperative,
            _ => RebalanceProtocol::Eager,
        }
    }

    /// Computes the assignment: member id -> partitions (every member appears).
    pub fn assign(
        self,
        partitions_per_topic: &BTreeMap<String, i32>,
        members: &[MemberSubscription],
    ) -> BTreeMap<String, Vec<TopicPartition>> {
        let mut members: Vec<&MemberSubscription> = members.iter().collect();
        members.sort_by_key(|m| m.sort_key());
        let mut out: BTreeMap<String, Vec<TopicPartition>> = members
            .iter()
            .map(|m| (m.member_id.clone(), Vec::new()))
            .collect();
        match self {
            Assignor::Range => range(partitions_per_topic, &members, &mut out),
            Assignor::RoundRobin => round_robin(partitions_per_topic, &members, &mut out),
            Assignor::Sticky => sticky(partitions_per_topic, &members, &mut out),
            Assignor::CooperativeSticky => {
                sticky(partitions_per_topic, &members, &mut out);
                hold_back_transfers(&members, &mut out);
            }
        }
        for parts in out.values_mut() {
            parts.sort();
        }
        out
    }
}

/// Range: per topic, consecutive runs of partitions; the first `n % m` members get one more.
fn range(
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[&MemberSubscription],
    out: &mut BTreeMap<String, Vec<TopicPartition>>,
) {
    for (topic, &count) in partitions_per_topic {
        let subscribed: Vec<&&MemberSubscription> = members
            .iter()
            .filter(|m| m.topics.contains(topic))
            .collect();
        if subscribed.is_empty() {
            continue;
        }
        let n = count.max(0) as usize;
        let per = n / subscribed.len();
        let extra = n % subscribed.len();
        let mut next = 0;
        for (i, m) in subscribed.iter().enumerate() {
            let take = per + usize::from(i < extra);
            let list = out
                .get_mut(&m.member_id)
                .expect("every member has an entry");
            for p in next..next + take {
                list.push((topic.clone(), p as i32));
            }
            next += take;
        }
    }
}

/// Round robin: all partitions in topic order, dealt to the members in turn, skipping
/// members not subscribed to the partition's topic.
fn round_robin(
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[&MemberSubscription],
    out: &mut BTreeMap<String, Vec<TopicPartition>>,
) {
    if members.is_empty() {
        return;
    }
    let mut turn = 0;
    for (topic, &count) in partitions_per_topic {
        for p in 0..count {
            for _ in 0..members.len() {
                let m = members[turn % members.len()];
                turn += 1;
                if m.topics.contains(topic) {
                    out.get_mut(&m.member_id)
                        .expect("every member has an entry")
                        .push((topic.clone(), p));
                    break;
                }
            }
        }
    }
}

/// Sticky: keep what each member validly owns, give out the rest to the least loaded
/// eligible member, then move partitions from the most to the least loaded until no eligible
/// member has two fewer than another.
fn sticky(
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[&MemberSubscription],
    out: &mut BTreeMap<String, Vec<TopicPartition>>,
) {
    let exists = |tp: &TopicPartition| {
        partitions_per_topic
            .get(&tp.0)
            .is_some_and(|&n| tp.1 >= 0 && tp.1 < n)
    };
    // Newest generation first: when two members claim one partition, the newer claim wins.
    let mut by_generation: Vec<&&MemberSubscription> = members.iter().collect();
    by_generation.sort_by_key(|m| std::cmp::Reverse(m.generation));
    let mut taken: BTreeSet<TopicPartition> = BTreeSet::new();
    for m in by_generation {
        for tp in &m.owned {
            if exists(tp) && m.topics.contains(&tp.0) && taken.insert(tp.clone()) {
                out.get_mut(&m.member_id)
                    .expect("every member has an entry")
                    .push(tp.clone());
            }
        }
    }
    let eligible = |topic: &str| -> Vec<String> {
        members
            .iter()
            .filter(|m| m.topics.iter().any(|t| t == topic))
            .map(|m| m.member_id.clone())
            .collect()
    };
    // Trim members holding more than a fair share of what they could hold, so the newcomers
    // get partitions without a second pass of moves.
    for (topic, &count) in partitions_per_topic {
        for p in 0..count {
            let tp = (topic.clone(), p);
            if taken.contains(&tp) {
                continue;
            }
            let candidates = eligible(topic);
            if let Some(best) = candidates
                .iter()
                .min_by_key(|id| (out[*id].len(), (*id).clone()))
            {
                out.get_mut(best).expect("candidate").push(tp.clone());
                taken.insert(tp);
            }
        }
    }
    // Balance: move from the most loaded to the least loaded eligible member.
    let subscribed: HashMap<&str, &MemberSubscription> =
        members.iter().map(|m| (m.member_id.as_str(), *m)).collect();
    for _ in 0..10_000 {
        let mut moved = false;
        let mut ids: Vec<String> = out.keys().cloned().collect();
        ids.sort_by_key(|id| std::cmp::Reverse(out[id].len()));
        'outer: for from in &ids {
            let from_len = out[from].len();
            let parts = out[from].clone();
            for tp in parts.iter().rev() {
                let target = out
                    .iter()
                    .filter(|(id, list)| {
                        *id != from
                            && list.len() + 2 <= from_len
                            && subscribed[id.as_str()].topics.contains(&tp.0)
                    })
                    .min_by_key(|(id, list)| (list.len(), (*id).clone()))
                    .map(|(id, _)| id.clone());
                if let Some(to) = target {
                    out.get_mut(from).expect("member").retain(|x| x != tp);
                    out.get_mut(&to).expect("member").push(tp.clone());
                    moved = true;
                    break 'outer;
                }
            }
        }
        if !moved {
            break;
        }
    }
}

/// Cooperative rule: a partition moving from one member to another is left out this round;
/// its owner revokes it, rejoins, and the next rebalance hands it over.
fn hold_back_transfers(
    members: &[&MemberSubscription],
    out: &mut BTreeMap<String, Vec<TopicPartition>>,
) {
    let mut owner: HashMap<&TopicPartition, &str> = HashMap::new();
    for m in members {
        for tp in &m.owned {
            owner.entry(tp).or_insert(m.member_id.as_str());
        }
    }
    for (member, parts) in out.iter_mut() {
        parts.retain(|tp| owner.get(tp).is_none_or(|o| *o == member));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, topics: &[&str], owned: &[(&str, i32)]) -> MemberSubscription {
        MemberSubscription {
            member_id: id.into(),
            group_instance_id: None,
            topics: topics.iter().map(|t| t.to_string()).collect(),
            owned: owned.iter().map(|(t, p)| (t.to_string(), *p)).collect(),
            generation: 1,
        }
    }

    fn topics(list: &[(&str, i32)]) -> BTreeMap<String, i32> {
        list.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    fn check_complete(a: &BTreeMap<String, Vec<TopicPartition>>, t: &BTreeMap<String, i32>) {
        let mut all: Vec<TopicPartition> = a.values().flatten().cloned().collect();
        all.sort();
        let mut expected: Vec<TopicPartition> = t
            .iter()
            .flat_map(|(topic, n)| (0..*n).map(move |p| (topic.clone(), p)))
            .collect();
        expected.sort();
        assert_eq!(all, expected);
    }

    #[test]
    fn range_gives_runs_with_extras_first() {
        let t = topics(&[("a", 7)]);
        let m = [
            member("m1", &["a"], &[]),
            member("m2", &["a"], &[]),
            member("m3", &["a"], &[]),
        ];
        let a = Assignor::Range.assign(&t, &m);
        assert_eq!(
            a["m1"],
            vec![("a".into(), 0), ("a".into(), 1), ("a".into(), 2)]
        );
        assert_eq!(a["m2"], vec![("a".into(), 3), ("a".into(), 4)]);
        assert_eq!(a["m3"], vec![("a".into(), 5), ("a".into(), 6)]);
    }

    #[test]
    fn round_robin_deals_in_turn() {
        let t = topics(&[("a", 3), ("b", 2)]);
        let m = [
            member("m1", &["a", "b"], &[]),
            member("m2", &["a", "b"], &[]),
        ];
        let a = Assignor::RoundRobin.assign(&t, &m);
        assert_eq!(
            a["m1"],
            vec![("a".into(), 0), ("a".into(), 2), ("b".into(), 1)]
        );
        assert_eq!(a["m2"], vec![("a".into(), 1), ("b".into(), 0)]);
    }

    #[test]
    fn sticky_keeps_owned_and_balances() {
        let t = topics(&[("a", 6)]);
        let m = [
            member("m1", &["a"], &[("a", 0), ("a", 1), ("a", 2)]),
            member("m2", &["a"], &[("a", 3), ("a", 4), ("a", 5)]),
            member("m3", &["a"], &[]),
        ];
        let a = Assignor::Sticky.assign(&t, &m);
        check_complete(&a, &t);
        assert!(a.values().all(|p| p.len() == 2), "{a:?}");
        // Only one partition moved away from each old owner.
        assert!(a["m1"].iter().all(|tp| tp.1 <= 2));
        assert!(a["m2"].iter().all(|tp| tp.1 >= 3));
    }

    #[test]
    fn cooperative_holds_back_partitions_that_move() {
        let t = topics(&[("a", 4)]);
        let m = [
            member("m1", &["a"], &[("a", 0), ("a", 1), ("a", 2), ("a", 3)]),
            member("m2", &["a"], &[]),
        ];
        let a = Assignor::CooperativeSticky.assign(&t, &m);
        assert_eq!(a["m1"].len(), 2);
        assert!(a["m2"].is_empty(), "moves wait for the next round: {a:?}");
        // Next round: m1 revoked and owns two; m2 gets the free two.
        let m = [
            member(
                "m1",
                &["a"],
                &a["m1"]
                    .iter()
                    .map(|(t, p)| (t.as_str(), *p))
                    .collect::<Vec<_>>(),
            ),
            member("m2", &["a"], &[]),
        ];
        let b = Assignor::CooperativeSticky.assign(&t, &m);
        check_complete(&b, &t);
        assert_eq!(b["m1"], a["m1"]);
    }

    #[test]
    fn parses_java_and_librdkafka_names() {
        assert_eq!(
            Assignor::parse("org.apache.kafka.clients.consumer.CooperativeStickyAssignor"),
            Some(Assignor::CooperativeSticky)
        );
        assert_eq!(Assignor::parse("roundrobin"), Some(Assignor::RoundRobin));
        assert_eq!(Assignor::parse("bogus"), None);
    }
}
