#!/usr/bin/env python3
"""One confluent-kafka (librdkafka) group member, for mixed groups with other clients.

  confluent_member.py --bootstrap HOST:PORT --group G --topic T [--idle-exit SECONDS]

Subscribes, reads until nothing new arrived for --idle-exit seconds (after having read at
least one record), committing after each batch and on revocation, then closes and prints a
one-line JSON summary: {"read": [[partition, offset], ...], "assignment": [...]}.
"""
import argparse
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--idle-exit", type=float, default=3.0)
    args = ap.parse_args()
    c = Consumer({"bootstrap.servers": args.bootstrap, "group.id": args.group, "client.id": "librdkafka-member",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "session.timeout.ms": 6000, "heartbeat.interval.ms": 500})

    def on_revoke(consumer, partitions):
        try:
            consumer.commit(asynchronous=False)
        except KafkaException:
            pass

    c.subscribe([args.topic], on_revoke=on_revoke)
    read, last = [], time.monotonic()
    assignment = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        msgs = c.consume(num_messages=200, timeout=0.2)
        if msgs:
            time.sleep(0.02)
            for m in msgs:
                if m.error():
                    raise SystemExit("consume error: %s" % m.error())
                read.append([m.partition(), m.offset()])
            try:
                c.commit(asynchronous=False)
            except KafkaException:
                pass
            last = time.monotonic()
            assignment = sorted(tp.partition for tp in c.assignment())
        elif time.monotonic() - last > (args.idle_exit if read else 20):
            break
    c.close()
    print(json.dumps({"read": read, "assignment": assignment}))


if __name__ == "__main__":
    main()
