#!/usr/bin/env python3
"""kafka-python against a TLS or SASL listener: with the right credentials it produces and
consumes back; with --expect-failure it checks that the broker refuses it.

usage: kafka_python_security.py --bootstrap HOST:PORT --protocol SASL_SSL [--mechanism M
       --user U --password P] [--ca CA.pem] [--cert C.pem --key K.pem] [--expect-failure]
Prints a one-line JSON summary last; exits 0 when the outcome is the expected one, 1 otherwise.
"""
import argparse
import json
import logging
import sys
import uuid

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic


def fail(msg):
    print(f"kafka_python_security: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


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
    a = ap.parse_args()

    conf = {"bootstrap_servers": a.bootstrap, "security_protocol": a.protocol,
            "request_timeout_ms": 10000}
    if a.mechanism:
        conf.update(sasl_mechanism=a.mechanism, sasl_plain_username=a.user, sasl_plain_password=a.password)
    if a.ca:
        conf.update(ssl_cafile=a.ca, ssl_check_hostname=True)
    if a.cert:
        conf.update(ssl_certfile=a.cert, ssl_keyfile=a.key)

    if a.expect_failure:
        # kafka-python logs the broker's refusal and then reports that it cannot bootstrap.
        lines = []
        handler = logging.Handler()
        handler.emit = lambda record: lines.append(record.getMessage())
        logging.getLogger("kafka").addHandler(handler)
        logging.getLogger("kafka").setLevel(logging.WARNING)
        try:
            admin = KafkaAdminClient(**conf)
            admin.list_topics()
        except Exception as e:  # kafka-python raises its own error types for a refused login
            reasons = sorted({line.split("Abort (")[-1] for line in lines
                              if "Authentication failed" in line or "SSL" in line})
            print(json.dumps({"refused": True, "error": f"{type(e).__name__}: {e}", "reasons": reasons}))
            return
        fail("the broker served a client it should refuse")

    topic = f"kbox-kp-sec-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(**conf)
    admin.create_topics([NewTopic(topic, 1, 1)])
    admin.close()
    producer = KafkaProducer(enable_idempotence=False, **conf)
    for i in range(5):
        producer.send(topic, f"m{i}".encode()).get(timeout=30)
    producer.close()
    consumer = KafkaConsumer(topic, auto_offset_reset="earliest", consumer_timeout_ms=10000, **conf)
    got = [m.value.decode() for _, m in zip(range(5), consumer)]
    consumer.close()
    if got != [f"m{i}" for i in range(5)]:
        fail(f"consumed {got}")
    print(json.dumps({"produced": 5, "consumed": len(got)}))


if __name__ == "__main__":
    main()
