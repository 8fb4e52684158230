#!/usr/bin/env python3
"""Client quotas seen by librdkafka: a producer over its producer_byte_rate and a consumer over
its consumer_byte_rate are told to back off (throttle events with a positive throttle time),
and still deliver and read every record.

usage: confluent_quota.py --bootstrap HOST:PORT --topic T --producer-client-id P --consumer-client-id C
Prints a one-line JSON summary last; exits 0 when every check passes, 1 otherwise.
"""
import argparse
import json
import sys
import time

from confluent_kafka import Consumer, Producer


def fail(msg):
    print(f"confluent_quota: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--producer-client-id", required=True)
    ap.add_argument("--consumer-client-id", required=True)
    ap.add_argument("--records", type=int, default=300)
    ap.add_argument("--timeout", type=float, default=120.0)
    a = ap.parse_args()
    value = b"x" * 1000

    throttled = {"producer": 0, "consumer": 0}

    def on_throttle(kind):
        def cb(event):
            if event.throttle_time > 0:
                throttled[kind] += 1
        return cb

    p = Producer({"bootstrap.servers": a.bootstrap, "client.id": a.producer_client_id,
                  "linger.ms": 5, "batch.size": 20000, "throttle_cb": on_throttle("producer")})
    delivered = []
    for i in range(a.records):
        p.produce(a.topic, value, key=str(i).encode(), on_delivery=lambda err, m: delivered.append(err))
        p.poll(0)
    if p.flush(a.timeout) != 0:
        fail("records left unflushed")
    if len(delivered) != a.records or any(e is not None for e in delivered):
        fail(f"delivery: {len(delivered)} reports, errors {[e for e in delivered if e]}")
    p.poll(0.5)  # throttle events are served by poll

    c = Consumer({"bootstrap.servers": a.bootstrap, "client.id": a.consumer_client_id, "group.id": "quota-check",
                  "auto.offset.reset": "earliest",
                  # Fetches smaller than the quota allows per window, or every fetch is throttled
                  # whole (as with Kafka).
                  "message.max.bytes": 20000, "fetch.max.bytes": 20000, "max.partition.fetch.bytes": 20000,
                  "throttle_cb": on_throttle("consumer")})
    c.subscribe([a.topic])
    seen = set()
    deadline = time.monotonic() + a.timeout
    while len(seen) < a.records and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            fail(f"consumer error {m.error()}")
        seen.add(int(m.key()))
    c.poll(0.5)
    c.close()
    if len(seen) != a.records:
        fail(f"read {len(seen)} of {a.records}")
    if throttled["producer"] == 0 or throttled["consumer"] == 0:
        fail(f"expected throttle events from both clients, got {throttled}")
    print(json.dumps({"records": a.records, "producer_throttle_events": throttled["producer"],
                      "consumer_throttle_events": throttled["consumer"]}))


if __name__ == "__main__":
    main()
