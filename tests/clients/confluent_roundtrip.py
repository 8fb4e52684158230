#!/usr/bin/env python3
"""confluent-kafka (librdkafka) produce/consume round trip against a Kafka-compatible broker.

Creates the topic with AdminClient (an already-existing topic is accepted,
any other error fails), produces --count keyed records (key k<i % 1000>,
value "<run>:<i>:<filler>") with acks=all, enable.idempotence=false,
compression.type=--codec, linger.ms=5, counting delivery reports (any
delivery error fails). Then a Consumer assign()s every partition at
OFFSET_BEGINNING (no subscribe, no commits) and reads until all records are
in. Checks: every produced record read exactly once; in each partition the
offsets run 0,1,2,... without gaps and the records come in produce order; each
record sits at the partition/offset its delivery report named; all records of
a key went to one partition; the high watermarks match the counts.

The topic must be empty before the run (offsets are checked from 0).
Prints a one-line JSON summary as the last line of stdout; exit 0 on success,
1 on a failed check or error (message on stderr), 2 on bad usage.
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
    from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition, OFFSET_BEGINNING
    from confluent_kafka.admin import AdminClient, NewTopic
except ImportError:
    sys.stderr.write("confluent_roundtrip: confluent_kafka is not installed; run scripts/install-test-deps.sh\n")
    sys.exit(2)

NAME = "confluent_roundtrip"
CODECS = ("none", "gzip", "snappy", "lz4", "zstd")


class Fail(Exception):
    pass


def log(msg):
    sys.stderr.write("%s: %s\n" % (NAME, msg))
    sys.stderr.flush()


def remaining(deadline, phase):
    left = deadline - time.monotonic()
    if left <= 0:
        raise Fail("timed out (--timeout) during %s" % phase)
    return left


_err_seen = {}


def error_cb(err):
    # Transient client-side errors (connection refused, ...) are logged, not
    # fatal: the bounded waits decide whether the run fails. Repeats of one
    # error are shown 3 times at most.
    key = err.code() if hasattr(err, "code") else str(err)
    _err_seen[key] = _err_seen.get(key, 0) + 1
    if _err_seen[key] <= 3:
        log("client error: %s%s" % (err, " (further repeats not shown)" if _err_seen[key] == 3 else ""))


def wait_topic(admin, topic, partitions, deadline):
    """Poll metadata until the topic shows `partitions` partitions, each with a leader."""
    last = "no metadata yet"
    while True:
        try:
            md = admin.list_topics(topic=topic, timeout=min(5.0, remaining(deadline, "topic metadata")))
            t = md.topics.get(topic)
            if t is None:
                last = "topic missing from metadata"
            elif t.error is not None:
                last = "topic error %s" % t.error
            elif len(t.partitions) != partitions:
                last = "%d partitions" % len(t.partitions)
                if len(t.partitions) > 0 and all(p.leader >= 0 for p in t.partitions.values()):
                    raise Fail("topic %s has %d partitions, expected %d" % (topic, len(t.partitions), partitions))
            elif any(p.leader < 0 or p.error is not None for p in t.partitions.values()):
                last = "partitions without leader"
            else:
                return
        except KafkaException as e:
            last = str(e)
        if time.monotonic() + 0.1 >= deadline:
            raise Fail("topic %s not ready before timeout: %s" % (topic, last))
        time.sleep(0.1)


def create_topic(admin, topic, partitions, rf, deadline):
    fs = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=rf)],
                             request_timeout=min(30.0, remaining(deadline, "create topic")))
    try:
        fs[topic].result(timeout=remaining(deadline, "create topic"))
        return "created"
    except concurrent.futures.TimeoutError:
        raise Fail("CreateTopics(%s): no answer before the timeout" % topic)
    except KafkaException as e:
        err = e.args[0]
        if isinstance(err, KafkaError) and err.code() == KafkaError.TOPIC_ALREADY_EXISTS:
            return "already-exists"
        raise Fail("CreateTopics(%s) failed: %s" % (topic, err))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bootstrap", required=True, help="HOST:PORT[,HOST:PORT...]")
    ap.add_argument("--topic", default=None, help="topic name (default: kbox-rt-<random>)")
    ap.add_argument("--partitions", type=int, default=6)
    ap.add_argument("--replication-factor", type=int, default=1)
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--codec", choices=CODECS, default="none")
    ap.add_argument("--value-size", type=int, default=100, help="approximate value size in bytes (default 100)")
    ap.add_argument("--timeout", type=float, default=180.0, help="overall deadline in seconds (default 180)")
    ap.add_argument("--no-create", action="store_true",
                    help="skip CreateTopics: the topic must already exist with --partitions partitions "
                         "(for brokers without CreateTopics, e.g. librdkafka's mock cluster)")
    ap.add_argument("--debug", default=None, help="librdkafka debug contexts, e.g. protocol,msg")
    args = ap.parse_args()
    if args.count < 1 or args.partitions < 1:
        ap.error("--count and --partitions must be >= 1")

    run = uuid.uuid4().hex[:8]
    topic = args.topic or "kbox-rt-%s" % run
    deadline = time.monotonic() + args.timeout
    # librdkafka's own log lines repeat every reconnect; errors reach error_cb instead.
    common = {"bootstrap.servers": args.bootstrap, "error_cb": error_cb, "log_level": 2}
    if args.debug:
        common.update({"debug": args.debug, "log_level": 7})

    # --- topic -------------------------------------------------------------
    admin = AdminClient(dict(common))
    created = "skipped"
    if not args.no_create:
        created = create_topic(admin, topic, args.partitions, args.replication_factor, deadline)
    wait_topic(admin, topic, args.partitions, deadline)

    # The consumer is made now to check that the topic is empty (offsets are
    # checked from 0); it is used after producing.
    consumer = Consumer(dict(common, **{
        "group.id": "kbox-rt-%s" % run,  # required by librdkafka; never joined (assign only)
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "error",
    }))
    for p in range(args.partitions):
        lo, hi = consumer.get_watermark_offsets(TopicPartition(topic, p),
                                                timeout=min(10.0, remaining(deadline, "watermarks")))
        if hi != 0:
            raise Fail("topic %s partition %d already holds records (watermarks [%d,%d)); "
                       "use a new topic" % (topic, p, lo, hi))

    # --- produce ------------------------------------------------------------
    producer = Producer(dict(common, **{
        "acks": "all",
        "enable.idempotence": False,
        "compression.type": args.codec,
        "linger.ms": 5,
        "message.timeout.ms": max(1000, int(remaining(deadline, "produce") * 1000)),
    }))
    n = args.count
    d_part = [-1] * n
    d_off = [-1] * n
    state = {"delivered": 0, "errors": 0, "first_error": None}

    def on_delivery(err, msg):
        if err is not None:
            state["errors"] += 1
            if state["first_error"] is None:
                state["first_error"] = "%s (key=%r)" % (err, msg.key())
            return
        i = int(msg.value().split(b":", 2)[1])
        if d_off[i] != -1:
            state["errors"] += 1
            state["first_error"] = state["first_error"] or "two delivery reports for record %d" % i
            return
        d_part[i] = msg.partition()
        d_off[i] = msg.offset()
        state["delivered"] += 1

    prefix = run.encode()
    filler_unit = b"kbox-payload-"
    t0 = time.monotonic()
    for i in range(n):
        head = b"%s:%d:" % (prefix, i)
        fill = max(0, args.value_size - len(head))
        value = head + (filler_unit * (fill // len(filler_unit) + 1))[:fill]
        key = b"k%d" % (i % 1000)
        while True:
            try:
                producer.produce(topic, value=value, key=key, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(min(0.1, remaining(deadline, "produce (queue full)")))
        if i % 1000 == 0:
            producer.poll(0)
        if state["errors"]:
            raise Fail("delivery failed: %s" % state["first_error"])
    left = producer.flush(remaining(deadline, "produce flush"))
    produce_s = time.monotonic() - t0
    if state["errors"]:
        raise Fail("%d delivery errors, first: %s" % (state["errors"], state["first_error"]))
    if left or state["delivered"] != n:
        raise Fail("only %d of %d records delivered before the timeout (%d still queued)"
                   % (state["delivered"], n, left))

    key_part = {}
    per_part_delivered = [0] * args.partitions
    for i in range(n):
        k = i % 1000
        if key_part.setdefault(k, d_part[i]) != d_part[i]:
            raise Fail("key k%d delivered to partitions %d and %d" % (k, key_part[k], d_part[i]))
        if not 0 <= d_part[i] < args.partitions:
            raise Fail("record %d delivered to partition %d of %d" % (i, d_part[i], args.partitions))
        per_part_delivered[d_part[i]] += 1

    # --- consume ------------------------------------------------------------
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(args.partitions)])
    seen = bytearray(n)
    next_off = [0] * args.partitions
    last_i = [-1] * args.partitions
    consumed = 0
    t1 = time.monotonic()
    try:
        while consumed < n:
            left_s = deadline - time.monotonic()
            if left_s <= 0:
                raise Fail("timed out consuming: %d of %d records read (per partition next offsets %s)"
                           % (consumed, n, next_off))
            for msg in consumer.consume(num_messages=max(1, min(10000, n - consumed)), timeout=min(1.0, left_s)):
                if msg.error() is not None:
                    if msg.error().code() == KafkaError._PARTITION_EOF:
                        continue
                    raise Fail("consume error: %s" % msg.error())
                p, o = msg.partition(), msg.offset()
                try:
                    run_b, i_b, _ = msg.value().split(b":", 2)
                    i = int(i_b)
                except (AttributeError, ValueError):
                    raise Fail("p%d@%d: unexpected value %r" % (p, o, (msg.value() or b"")[:60]))
                if run_b != prefix or not 0 <= i < n:
                    raise Fail("p%d@%d: record %r does not belong to this run" % (p, o, msg.value()[:60]))
                if seen[i]:
                    raise Fail("record %d read twice (again at p%d@%d)" % (i, p, o))
                seen[i] = 1
                if o != next_off[p]:
                    raise Fail("p%d: offset %d read where %d was expected (offsets must be contiguous from 0)"
                               % (p, o, next_off[p]))
                next_off[p] = o + 1
                if i <= last_i[p]:
                    raise Fail("p%d@%d: record %d after record %d (not in produce order)" % (p, o, i, last_i[p]))
                last_i[p] = i
                if (p, o) != (d_part[i], d_off[i]):
                    raise Fail("record %d read at p%d@%d but delivery report said p%d@%d"
                               % (i, p, o, d_part[i], d_off[i]))
                if msg.key() != b"k%d" % (i % 1000):
                    raise Fail("record %d has key %r" % (i, msg.key()))
                consumed += 1
        consume_s = time.monotonic() - t1
        # No extra records: the high watermarks equal what we read.
        for p in range(args.partitions):
            lo, hi = consumer.get_watermark_offsets(TopicPartition(topic, p),
                                                    timeout=min(10.0, remaining(deadline, "watermarks")))
            if lo != 0 or hi != next_off[p]:
                raise Fail("p%d watermarks [%d,%d) but %d records were read" % (p, lo, hi, next_off[p]))
    finally:
        consumer.close()

    summary = {
        "scenario": NAME, "topic": topic, "topic_create": created, "partitions": args.partitions,
        "codec": args.codec, "produced": n, "delivered": state["delivered"], "consumed": consumed,
        "per_partition": next_off, "produce_s": round(produce_s, 2), "consume_s": round(consume_s, 2),
    }
    print(json.dumps(summary))
    return 0


def run():
    code = 1
    try:
        code = main()
    except Fail as e:
        log("FAIL: %s" % e)
    except KafkaException as e:
        log("FAIL: client exception: %s" % e)
    except KeyboardInterrupt:
        log("interrupted")
        code = 130
    except Exception:  # unexpected: show where
        log("FAIL: unexpected error:\n%s" % traceback.format_exc())
    # Exit at once: tearing down librdkafka handles with records or requests
    # still in flight to a dead broker could otherwise block.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
