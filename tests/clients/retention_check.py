#!/usr/bin/env python3
"""Retention by time and by size, enforced by the broker's background task.

usage: retention_check.py --bootstrap HOST:PORT [--timeout S]
Creates two topics (retention.ms=1000; retention.bytes=1 with 1 MiB segments), produces into
each, and polls (bounded) until the log start offset moves: the time topic to its end, the size
topic past its first segment while the active segment stays. Prints a JSON summary last.
"""
import argparse
import json
import sys
import time
import uuid

from confluent_kafka import Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic, OffsetSpec


def fail(msg):
    print(f"retention_check: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def offsets(admin, topic, t):
    tp = TopicPartition(topic, 0)
    early = admin.list_offsets({tp: OffsetSpec.earliest()})[tp].result(t).offset
    late = admin.list_offsets({tp: OffsetSpec.latest()})[tp].result(t).offset
    return early, late


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--timeout", type=float, default=60.0)
    a = ap.parse_args()
    admin = AdminClient({"bootstrap.servers": a.bootstrap})
    run = uuid.uuid4().hex[:8]
    by_time, by_size = f"ret-time-{run}", f"ret-size-{run}"
    futures = admin.create_topics([
        NewTopic(by_time, 1, 1, config={"retention.ms": "1000"}),
        NewTopic(by_size, 1, 1, config={"retention.bytes": "1", "segment.bytes": "1048576"}),
    ])
    for f in futures.values():
        f.result(a.timeout)
    p = Producer({"bootstrap.servers": a.bootstrap, "acks": "all", "linger.ms": 5})
    value = b"v" * 1000
    for i in range(100):
        p.produce(by_time, value)
    for i in range(3000):  # about 3 MB: three 1 MiB segments
        p.produce(by_size, value)
    if p.flush(a.timeout) != 0:
        fail("produce did not complete")

    deadline = time.monotonic() + a.timeout
    done_time = done_size = False
    while time.monotonic() < deadline and not (done_time and done_size):
        e1, l1 = offsets(admin, by_time, a.timeout)
        e2, l2 = offsets(admin, by_size, a.timeout)
        done_time = e1 == l1 == 100
        done_size = 0 < e2 < l2 == 3000
        if not (done_time and done_size):
            time.sleep(0.1)
    if not done_time:
        fail(f"time retention did not delete: earliest {e1}, latest {l1}")
    if not done_size:
        fail(f"size retention did not delete: earliest {e2}, latest {l2}")
    print(json.dumps({"scenario": "retention", "time_topic_start": e1, "size_topic_start": e2, "size_topic_end": l2}))


if __name__ == "__main__":
    main()
