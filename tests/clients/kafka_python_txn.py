#!/usr/bin/env python3
"""kafka-python transactions against a broker.

  kafka_python_txn.py --bootstrap B [--transactions 6] [--per-txn 20]

One idempotent transactional KafkaProducer writes --transactions transactions of --per-txn
records to a new 3-partition topic, committing the even ones and aborting the odd ones; the
third also commits a group's offset (send_offsets_to_transaction). A read_committed and a
read_uncommitted KafkaConsumer read the topic back. Prints {"committed_expected",
"committed_seen","committed_exact","uncommitted_seen","total","group_offset"}.
"""
import argparse
import json
import sys
import time
import uuid

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.structs import OffsetAndMetadata


def read_all(bootstrap, topic, isolation, expect):
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                      enable_auto_commit=False, isolation_level=isolation,
                      group_id="read-%s" % uuid.uuid4().hex[:8], consumer_timeout_ms=3000)
    seen = []
    deadline = time.time() + 60
    while time.time() < deadline:
        for m in c:
            seen.append(m.value.decode())
        if len(seen) >= expect:
            break
    c.close()
    return seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--transactions", type=int, default=6)
    ap.add_argument("--per-txn", type=int, default=20)
    a = ap.parse_args()
    topic = "kp-txn-%s" % uuid.uuid4().hex[:8]
    admin = KafkaAdminClient(bootstrap_servers=a.bootstrap)
    admin.create_topics([NewTopic(topic, 3, 1), NewTopic(topic + "-src", 1, 1)])
    p = KafkaProducer(bootstrap_servers=a.bootstrap, transactional_id="kp-" + topic,
                      enable_idempotence=True)
    p.init_transactions()
    committed = set()
    n = 0
    for t in range(a.transactions):
        p.begin_transaction()
        values = []
        for _ in range(a.per_txn):
            v = "t%d-%d" % (t, n)
            p.send(topic, value=v.encode(), partition=n % 3)
            values.append(v)
            n += 1
        if t == 2:
            p.send_offsets_to_transaction({TopicPartition(topic + "-src", 0): OffsetAndMetadata(42, "", -1)},
                                          topic + "-group")
        p.flush()  # written before the end, so aborted records are in the log too
        if t % 2 == 0:
            p.commit_transaction()
            committed.update(values)
        else:
            p.abort_transaction()
    p.close()
    rc = read_all(a.bootstrap, topic, "read_committed", len(committed))
    ru = read_all(a.bootstrap, topic, "read_uncommitted", n)
    offsets = admin.list_group_offsets(topic + "-group")
    admin.close()
    # kafka-python 3 answers {group: {TopicPartition: OffsetAndMetadata}}.
    group_offset = None
    for tps in offsets.values():
        for tp, o in tps.items():
            if tp.topic == topic + "-src" and tp.partition == 0:
                group_offset = o
    print(json.dumps({
        "committed_expected": len(committed), "committed_seen": len(rc),
        "committed_exact": sorted(rc) == sorted(committed), "uncommitted_seen": len(ru),
        "total": n, "group_offset": group_offset.offset if group_offset else None,
    }))


if __name__ == "__main__":
    main()
