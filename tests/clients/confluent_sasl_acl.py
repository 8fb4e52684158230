#!/usr/bin/env python3
"""What a SASL/PLAIN user may do under ACLs, seen by confluent-kafka (librdkafka).

usage: confluent_sasl_acl.py --bootstrap HOST:PORT --user U --password P
         [--produce TOPIC=ok|denied ...] [--consume TOPIC:GROUP=ok|denied ...]
Each --produce sends one record and expects it acknowledged (ok) or refused with
TOPIC_AUTHORIZATION_FAILED (denied); each --consume reads from the beginning in GROUP and
expects a record (ok) or TOPIC/GROUP_AUTHORIZATION_FAILED (denied).
Prints a one-line JSON summary last; exits 0 when every expectation holds, 1 otherwise.
"""
import argparse
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer

DENIED = {KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED}


def fail(msg):
    print(f"confluent_sasl_acl: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--produce", action="append", default=[])
    ap.add_argument("--consume", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=20.0)
    a = ap.parse_args()
    auth = {"bootstrap.servers": a.bootstrap, "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "PLAIN",
            "sasl.username": a.user, "sasl.password": a.password}
    results = {}
    for spec in a.produce:
        topic, expect = spec.split("=")
        reports = []
        p = Producer(dict(auth, **{"message.timeout.ms": int(a.timeout * 1000)}))
        p.produce(topic, f"from {a.user}".encode(), on_delivery=lambda err, m: reports.append(err))
        p.flush(a.timeout)
        err = reports[0] if reports else None
        got = "ok" if reports and err is None else ("denied" if err is not None and err.code() in DENIED else f"error {err}")
        results[f"produce {topic}"] = got
        if got != expect:
            fail(f"{a.user} producing to {topic}: expected {expect}, got {got}")
    for spec in a.consume:
        target, expect = spec.split("=")
        topic, group = target.split(":")
        c = Consumer(dict(auth, **{"group.id": group, "auto.offset.reset": "earliest"}))
        c.subscribe([topic])
        got = None
        deadline = time.monotonic() + a.timeout
        while got is None and time.monotonic() < deadline:
            try:
                m = c.poll(0.5)
            except KafkaException as e:
                got = "denied" if e.args[0].code() in DENIED else f"error {e}"
                break
            if m is None:
                continue
            if m.error():
                got = "denied" if m.error().code() in DENIED else f"error {m.error()}"
            else:
                got = "ok"
        c.close()
        results[f"consume {topic}"] = got
        if got != expect:
            fail(f"{a.user} consuming {topic} in {group}: expected {expect}, got {got}")
    print(json.dumps({"user": a.user, "results": results}))


if __name__ == "__main__":
    main()
