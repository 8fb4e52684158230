#!/usr/bin/env python3
"""Produce records and log exactly those the broker acknowledged (durability test driver).

  acked_producer.py --bootstrap B --topic T --out acked.jsonl --count N
                    [--timeout 60] [--rate 0] [--partitions P]

Produces up to --count records (key "k<i>", value "<run>:<i>") with acks=all,
enable.idempotence=false and librdkafka's default retries. For every delivery
report that succeeded it appends {"p": partition, "o": offset, "v": value} as
one line to --out and flushes the file at once, so the file holds what the
broker acknowledged at every instant.

Built to have the broker kill -9'ed (and restarted) under it: connection
errors are logged and retried, records whose delivery fails are counted, not
fatal. It stops producing when --count records were attempted or --timeout
elapsed, waits for outstanding reports until --timeout, and exits 0 printing
{"attempted":..,"acked":..,"failed":..,"unanswered":..}. --rate caps records
per second (0 = as fast as possible) to stretch a run over a kill. With
--partitions P the topic is first created with P partitions (already-exists
is fine); otherwise it must exist (or be auto-created by the broker).
Exit 1 only on a usage or local error (e.g. --out not writable) or a failed
topic creation, 2 on bad usage.
"""
import argparse
import concurrent.futures
import json
import os
import sys
import time
import traceback
import uuid

try:
    from confluent_kafka import KafkaError, KafkaException, Producer
    from confluent_kafka.admin import AdminClient, NewTopic
except ImportError:
    sys.stderr.write("acked_producer: confluent_kafka is not installed; run scripts/install-test-deps.sh\n")
    sys.exit(2)

NAME = "acked_producer"


class Fail(Exception):
    pass


def log(msg):
    sys.stderr.write("%s: %s\n" % (NAME, msg))
    sys.stderr.flush()


_err_seen = {}


def error_cb(err):
    # Broker gone / back: expected in this scenario, so logged (3 times per kind), never fatal.
    key = err.code() if hasattr(err, "code") else str(err)
    _err_seen[key] = _err_seen.get(key, 0) + 1
    if _err_seen[key] <= 3:
        log("client error: %s%s" % (err, " (further repeats not shown)" if _err_seen[key] == 3 else ""))


def create_topic(bootstrap, topic, partitions, deadline):
    admin = AdminClient({"bootstrap.servers": bootstrap, "error_cb": error_cb, "log_level": 2})
    left = max(1.0, deadline - time.monotonic())
    fs = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                             request_timeout=min(30.0, left))
    try:
        fs[topic].result(timeout=left)
    except concurrent.futures.TimeoutError:
        raise Fail("CreateTopics(%s): no answer before the timeout" % topic)
    except KafkaException as e:
        err = e.args[0]
        if not (isinstance(err, KafkaError) and err.code() == KafkaError.TOPIC_ALREADY_EXISTS):
            raise Fail("CreateTopics(%s) failed: %s" % (topic, err))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bootstrap", required=True, help="HOST:PORT[,HOST:PORT...]")
    ap.add_argument("--topic", required=True)
    ap.add_argument("--out", required=True, help="JSON-lines file of acknowledged records (appended)")
    ap.add_argument("--count", type=int, required=True, help="records to attempt")
    ap.add_argument("--timeout", type=float, default=60.0, help="overall deadline in seconds (default 60)")
    ap.add_argument("--rate", type=float, default=0.0, help="max records per second (default 0 = unlimited)")
    ap.add_argument("--partitions", type=int, default=None, help="create the topic with this many partitions first")
    ap.add_argument("--debug", default=None, help="librdkafka debug contexts, e.g. broker,msg")
    args = ap.parse_args()
    if args.count < 0 or args.rate < 0:
        ap.error("--count and --rate must be >= 0")

    start = time.monotonic()
    deadline = start + args.timeout
    try:
        out = open(args.out, "a", encoding="utf-8")
    except OSError as e:
        raise Fail("cannot open --out %s: %s" % (args.out, e))

    if args.partitions:
        create_topic(args.bootstrap, args.topic, args.partitions, deadline)

    conf = {
        "bootstrap.servers": args.bootstrap,
        "acks": "all",
        "enable.idempotence": False,
        "linger.ms": 5,
        # Fail a record (not the run) if it cannot be delivered before our deadline.
        "message.timeout.ms": max(1000, int(args.timeout * 1000)),
        # Reconnect quickly once a killed broker is back.
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 500,
        "error_cb": error_cb,
        "log_level": 2,
    }
    if args.debug:
        conf.update({"debug": args.debug, "log_level": 7})
    producer = Producer(conf)
    st = {"acked": 0, "failed": 0, "first_failure": None}

    def on_delivery(err, msg):
        if err is not None:
            st["failed"] += 1
            if st["first_failure"] is None:
                st["first_failure"] = str(err)
                log("delivery failed (first failure, others only counted): %s" % err)
            return
        out.write(json.dumps({"p": msg.partition(), "o": msg.offset(), "v": msg.value().decode()}) + "\n")
        out.flush()
        st["acked"] += 1

    run = uuid.uuid4().hex[:8]
    attempted = 0
    stopped_by = "count"
    for i in range(args.count):
        now = time.monotonic()
        if now >= deadline:
            stopped_by = "timeout"
            break
        if args.rate > 0:
            due = start + i / args.rate
            # Pace, serving delivery reports meanwhile; up to 2 ms early is
            # fine (poll() has millisecond resolution: waiting less would spin).
            while due - now > 0.002 and now < deadline:
                producer.poll(min(due - now, deadline - now, 0.1))
                now = time.monotonic()
        value = "%s:%d" % (run, i)
        queued = False
        while not queued:
            try:
                producer.produce(args.topic, key="k%d" % i, value=value, on_delivery=on_delivery)
                queued = True
            except BufferError:  # local queue full (e.g. broker down): wait for room
                if time.monotonic() >= deadline:
                    break
                producer.poll(0.1)
        if not queued:
            stopped_by = "timeout"
            break
        attempted += 1
        producer.poll(0)

    while len(producer) > 0 and time.monotonic() < deadline:
        producer.flush(min(1.0, max(0.0, deadline - time.monotonic())))
    producer.poll(0)
    unanswered = len(producer)
    out.flush()
    os.fsync(out.fileno())
    out.close()
    print(json.dumps({
        "scenario": NAME, "topic": args.topic, "count": args.count, "attempted": attempted,
        "acked": st["acked"], "failed": st["failed"], "unanswered": unanswered,
        "stopped_by": stopped_by, "elapsed_s": round(time.monotonic() - start, 2),
    }))
    return 0


def run():
    code = 1
    try:
        code = main()
    except Fail as e:
        log("FAIL: %s" % e)
    except KeyboardInterrupt:
        log("interrupted")
        code = 130
    except Exception:
        log("FAIL: unexpected error:\n%s" % traceback.format_exc())
    sys.stdout.flush()
    sys.stderr.flush()
    # Exit at once: records may still be in flight to a dead broker.
    os._exit(code)


if __name__ == "__main__":
    run()
