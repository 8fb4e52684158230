#!/usr/bin/env python3
"""Single-record latency with confluent-kafka (librdkafka): produce one record, flush, repeat.

usage: rdkafka_latency.py --bootstrap HOST:PORT [--count N] [--acks 1|all] [--topic T]
Prints a JSON summary (p50_ms, p99_ms, avg_ms) last on stdout.
"""
import argparse
import json
import time
import uuid

from confluent_kafka import Producer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--acks", default="1")
    ap.add_argument("--topic-config", action="append", default=[], help="key=value for the topic")
    ap.add_argument("--topic", help="an existing topic to produce to (else a new one)")
    a = ap.parse_args()
    topic = a.topic or "lat-" + uuid.uuid4().hex[:8]
    if a.topic_config:
        from confluent_kafka.admin import AdminClient, NewTopic
        cfg = dict(kv.split("=", 1) for kv in a.topic_config)
        admin = AdminClient({"bootstrap.servers": a.bootstrap})
        for f in admin.create_topics([NewTopic(topic, 1, 1, config=cfg)]).values():
            f.result(30)
    p = Producer({"bootstrap.servers": a.bootstrap, "acks": a.acks, "linger.ms": 0})
    p.produce(topic, b"warm-up")
    p.flush(30)
    lat = []
    for i in range(a.count):
        start = time.perf_counter()
        p.produce(topic, b"x" * 100)
        p.flush(30)
        lat.append((time.perf_counter() - start) * 1000)
    lat.sort()
    print(json.dumps({"count": a.count, "p50_ms": lat[len(lat) // 2], "p99_ms": lat[int(len(lat) * 0.99)],
                      "avg_ms": sum(lat) / len(lat)}))


if __name__ == "__main__":
    main()
