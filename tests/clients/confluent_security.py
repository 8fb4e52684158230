#!/usr/bin/env python3
"""confluent-kafka (librdkafka) against a TLS or SASL listener: with the right credentials it
creates a topic, produces and consumes back; with --expect-failure it checks that the broker
refuses it and reports librdkafka's error.

usage: confluent_security.py --bootstrap HOST:PORT --protocol SASL_SSL [--mechanism M --user U
       --password P] [--ca CA.pem] [--cert C.pem --key K.pem] [--expect-failure] [--timeout S]
Prints a one-line JSON summary last; exits 0 when the outcome is the expected one, 1 otherwise.
"""
import argparse
import json
import logging
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic


def fail(msg):
    print(f"confluent_security: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


class Collect(logging.Handler):
    """Keeps librdkafka's log lines, where it reports why a broker refused it."""

    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--protocol", required=True)
    ap.add_argument("--mechanism")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--ca")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--expect-failure", action="store_true")
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()

    errors = []
    collected = Collect()
    log = logging.getLogger("rdkafka")
    log.addHandler(collected)
    log.setLevel(logging.INFO)
    log.propagate = False
    conf = {
        "bootstrap.servers": a.bootstrap,
        "security.protocol": a.protocol,
        "error_cb": lambda e: errors.append(str(e)),
        "logger": log,
    }
    if a.mechanism:
        conf.update({"sasl.mechanism": a.mechanism, "sasl.username": a.user, "sasl.password": a.password})
    if a.ca:
        conf["ssl.ca.location"] = a.ca
    if a.cert:
        conf.update({"ssl.certificate.location": a.cert, "ssl.key.location": a.key})

    admin = AdminClient(dict(conf))
    if a.expect_failure:
        try:
            admin.list_topics(timeout=5)
            fail(f"the broker served a client it should refuse (errors: {errors})")
        except KafkaException as e:
            errors.append(str(e))
        admin.poll(0.5)  # logs and errors are handed over on poll
        reasons = sorted({line.split(": ", 2)[-1].split(" (after")[0] for line in collected.lines})
        codes = sorted({e.split(",")[0] for e in errors})
        print(json.dumps({"refused": True, "reasons": reasons, "error_codes": codes}))
        return

    topic = f"kbox-sec-{uuid.uuid4().hex[:8]}"
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(a.timeout)
    producer = Producer(dict(conf))
    delivered = []
    for i in range(10):
        producer.produce(topic, value=f"m{i}".encode(), on_delivery=lambda err, m: delivered.append(err))
    producer.flush(a.timeout)
    if len(delivered) != 10 or any(delivered):
        fail(f"delivery reports: {delivered} errors: {errors}")
    consumer = Consumer(dict(conf, **{"group.id": topic, "auto.offset.reset": "earliest"}))
    consumer.subscribe([topic])
    got = []
    deadline = time.time() + a.timeout
    while len(got) < 10 and time.time() < deadline:
        m = consumer.poll(0.5)
        if m is not None and m.error() is None:
            got.append(m.value().decode())
    consumer.close()
    if got != [f"m{i}" for i in range(10)]:
        fail(f"consumed {got} errors: {errors}")
    print(json.dumps({"produced": 10, "consumed": len(got), "topic": topic}))


if __name__ == "__main__":
    main()
