#!/usr/bin/env python3
"""Admin APIs through confluent-kafka (librdkafka): CreatePartitions, DescribeConfigs,
IncrementalAlterConfigs, DeleteRecords, ListOffsets, DescribeCluster.

usage: confluent_admin.py --bootstrap HOST:PORT [--timeout S]
Prints a one-line JSON summary last; exits 0 when every check passes, 1 otherwise.
"""
import argparse
import json
import sys
import uuid

from confluent_kafka import Producer, TopicPartition
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource,
                                   NewPartitions, NewTopic, OffsetSpec)


def fail(msg):
    print(f"confluent_admin: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--timeout", type=float, default=60.0)
    a = ap.parse_args()
    t = a.timeout
    admin = AdminClient({"bootstrap.servers": a.bootstrap})
    topic = f"kbox-admin-{uuid.uuid4().hex[:8]}"

    admin.create_topics([NewTopic(topic, 2, 1, config={"retention.ms": "3600000"})])[topic].result(t)
    cluster = admin.describe_cluster().result(t)
    if not cluster.nodes or cluster.cluster_id is None:
        fail(f"describe_cluster gave {cluster}")

    admin.create_partitions([NewPartitions(topic, 4)])[topic].result(t)
    md = admin.list_topics(topic, timeout=t)
    if len(md.topics[topic].partitions) != 4:
        fail(f"expected 4 partitions, metadata says {len(md.topics[topic].partitions)}")
    try:
        admin.create_partitions([NewPartitions(topic, 3)])[topic].result(t)
        fail("shrinking partitions was accepted")
    except Exception as e:  # expected: INVALID_PARTITIONS
        if "INVALID_PARTITIONS" not in str(e) and "higher than the requested" not in str(e):
            fail(f"unexpected error shrinking: {e}")

    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    configs = admin.describe_configs([res])[res].result(t)
    if configs["retention.ms"].value != "3600000" or not configs["retention.ms"].is_default is False:
        fail(f"retention.ms override not described: {configs['retention.ms']}")
    if configs["segment.bytes"].value != "1073741824":
        fail(f"segment.bytes default wrong: {configs['segment.bytes'].value}")

    alter = ConfigResource(ConfigResource.Type.TOPIC, topic, incremental_configs=[
        ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.SET),
        ConfigEntry("retention.ms", None, incremental_operation=AlterConfigOpType.DELETE),
    ])
    admin.incremental_alter_configs([alter])[alter].result(t)
    configs = admin.describe_configs([res])[res].result(t)
    if configs["cleanup.policy"].value != "compact" or configs["retention.ms"].value != "604800000":
        fail(f"incremental alter not applied: {configs['cleanup.policy'].value} {configs['retention.ms'].value}")
    bad = ConfigResource(ConfigResource.Type.TOPIC, topic, incremental_configs=[
        ConfigEntry("retention.ms", "soon", incremental_operation=AlterConfigOpType.SET)])
    try:
        admin.incremental_alter_configs([bad])[bad].result(t)
        fail("an invalid config value was accepted")
    except Exception as e:
        if "INVALID_CONFIG" not in str(e) and "Invalid value" not in str(e):
            fail(f"unexpected error for a bad value: {e}")

    # The topic is compacted now: every record needs a key.
    p = Producer({"bootstrap.servers": a.bootstrap, "acks": "all"})
    errors = []
    for i in range(100):
        p.produce(topic, key=b"k%d" % i, value=str(i).encode(), partition=0,
                  on_delivery=lambda err, msg: errors.append(err) if err else None)
    if p.flush(t) != 0 or errors:
        fail(f"produce did not complete: {errors[:3]}")
    tp = TopicPartition(topic, 0, 40)
    deleted = admin.delete_records([tp])[tp].result(t)
    if deleted.low_watermark != 40:
        fail(f"delete_records low watermark {deleted.low_watermark}, expected 40")
    earliest = admin.list_offsets({TopicPartition(topic, 0): OffsetSpec.earliest()})[TopicPartition(topic, 0)].result(t)
    latest = admin.list_offsets({TopicPartition(topic, 0): OffsetSpec.latest()})[TopicPartition(topic, 0)].result(t)
    if earliest.offset != 40 or latest.offset != 100:
        fail(f"list_offsets earliest={earliest.offset} latest={latest.offset}, expected 40 and 100")

    admin.delete_topics([topic])[topic].result(t)
    print(json.dumps({"scenario": "confluent_admin", "topic": topic, "partitions": 4, "low_watermark": 40,
                      "earliest": earliest.offset, "latest": latest.offset}))


if __name__ == "__main__":
    main()
