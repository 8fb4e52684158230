#!/usr/bin/env python3
"""kafka-python admin + produce/consume scenario against a Kafka-compatible broker.

Steps, each bounded by the overall --timeout:
  1. KafkaAdminClient.create_topics: two new topics <prefix>-a and <prefix>-b,
     --partitions partitions each (any error fails, including already-exists).
  2. list_topics() contains both; describe_topics() shows --partitions
     partitions for each, every one with a leader.
  3. KafkaProducer (acks=1, idempotence off, compression --codec) sends --count records to explicit
     partitions (record i -> topic i%2, partition (i//2) % partitions); every
     future must resolve to the partition asked for, offsets 0,1,2... per
     partition in send order.
  4. KafkaConsumer (group_id=None) assign()s all partitions of both topics,
     seek_to_beginning(), reads everything back: per partition the records
     come in send order at the offsets the producer was told; end_offsets()
     equal the counts.
  5. delete_topics([<prefix>-b]); it disappears from list_topics().
  6. create_topics(<prefix>-b) again at once succeeds; the new topic is empty
     (end offsets 0) and a record sent to it lands at offset 0.
  7. Deletes both topics (best effort; --keep to skip).

--skip-admin-writes skips steps 1, 5, 6, 7 for brokers without CreateTopics
/DeleteTopics (librdkafka's mock cluster): the two topics must then exist,
empty, with --partitions partitions. --api-version pins kafka-python's
protocol level instead of probing (the mock needs 2.0, see README).

Prints a one-line JSON summary as the last line of stdout; exit 0 on success,
1 on a failed check or error (message on stderr), 2 on bad usage.
"""
import argparse
import json
import logging
import os
import sys
import time
import traceback
import uuid

try:
    import kafka.errors as Errors
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
except ImportError:
    sys.stderr.write("kafka_python_admin: kafka-python is not installed; run scripts/install-test-deps.sh\n")
    sys.exit(2)

NAME = "kafka_python_admin"


class Fail(Exception):
    pass


def log(msg):
    sys.stderr.write("%s: %s\n" % (NAME, msg))
    sys.stderr.flush()


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self, phase):
        left = self.end - time.monotonic()
        if left <= 0:
            raise Fail("timed out (--timeout) during %s" % phase)
        return left

    def ms(self, phase, cap_s=30.0):
        return int(min(cap_s, self.left(phase)) * 1000)


def poll_until(deadline, phase, fn, interval=0.1):
    """Call fn() until it returns (True, info); fail with the last info at the deadline."""
    info = None
    while True:
        try:
            ok, info = fn()
        except Errors.KafkaError as e:
            ok, info = False, "%s: %s" % (type(e).__name__, e)
        if ok:
            return info
        if time.monotonic() + interval >= deadline.end:
            raise Fail("%s: not done before the timeout (last: %s)" % (phase, info))
        time.sleep(interval)


def create_topics(admin, names, partitions, rf, deadline):
    spec = {n: {"num_partitions": partitions, "replication_factor": rf} for n in names}
    resp = admin.create_topics(spec, timeout_ms=deadline.ms("create_topics"), raise_errors=False)
    for t in resp.get("topics", []):
        if t.get("error_code", 0) != 0:
            err = Errors.for_code(t["error_code"])
            raise Fail("create_topics(%s): %s %s" % (t.get("name"), err.__name__, t.get("error_message") or ""))
    got = sorted(t.get("name") for t in resp.get("topics", []))
    if got != sorted(names):
        raise Fail("create_topics answered for %s, asked for %s" % (got, sorted(names)))


def check_described(admin, names, partitions, deadline):
    def described():
        topics = admin.describe_topics(names)
        by_name = {t["name"]: t for t in topics}
        for n in names:
            t = by_name.get(n)
            if t is None:
                return False, "%s missing from describe_topics" % n
            if t.get("error_code", 0) != 0:
                return False, "%s: %s" % (n, Errors.for_code(t["error_code"]).__name__)
            parts = t.get("partitions") or []
            idx = sorted(p["partition_index"] for p in parts)
            if idx != list(range(partitions)):
                return False, "%s partitions %s" % (n, idx)
            if any(p.get("leader_id", -1) < 0 or p.get("error_code", 0) for p in parts):
                return False, "%s has partitions without leader" % n
        return True, None
    poll_until(deadline, "describe_topics shows %d partitions for %s" % (partitions, names), described)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bootstrap", required=True, help="HOST:PORT[,HOST:PORT...]")
    ap.add_argument("--prefix", default=None, help="topic name prefix (default kpa-<random>)")
    ap.add_argument("--partitions", type=int, default=3)
    ap.add_argument("--replication-factor", type=int, default=1)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--timeout", type=float, default=60.0, help="overall deadline in seconds (default 60)")
    ap.add_argument("--codec", choices=("none", "gzip", "snappy", "lz4", "zstd"), default="none",
                    help="producer compression_type for step 3 (default none)")
    ap.add_argument("--api-version", default=None,
                    help="pin the protocol level, e.g. 2.0 (default: probe with ApiVersions)")
    ap.add_argument("--skip-admin-writes", action="store_true",
                    help="no CreateTopics/DeleteTopics: topics <prefix>-a/-b must already exist, empty")
    ap.add_argument("--keep", action="store_true", help="do not delete the topics at the end")
    ap.add_argument("--debug", action="store_true", help="kafka-python DEBUG logging on stderr")
    args = ap.parse_args()
    if args.skip_admin_writes and not args.prefix:
        ap.error("--skip-admin-writes needs --prefix (the topics must already exist)")
    if args.count < 2 or args.partitions < 1:
        ap.error("--count must be >= 2 and --partitions >= 1")

    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    run = uuid.uuid4().hex[:8]
    prefix = args.prefix or "kpa-%s" % run
    topic_a, topic_b = prefix + "-a", prefix + "-b"
    topics = [topic_a, topic_b]
    deadline = Deadline(args.timeout)
    common = {"bootstrap_servers": args.bootstrap.split(",")}
    if args.api_version:
        common["api_version"] = tuple(int(x) for x in args.api_version.split("."))
    clients = []
    summary = {"scenario": NAME, "topics": topics, "partitions": args.partitions, "codec": args.codec}

    try:
        # 1. create ------------------------------------------------------------
        admin = KafkaAdminClient(request_timeout_ms=deadline.ms("admin connect"),
                                 bootstrap_timeout_ms=deadline.ms("admin connect"), **common)
        clients.append(admin)
        if args.skip_admin_writes:
            summary["admin_writes"] = "skipped"
        else:
            create_topics(admin, topics, args.partitions, args.replication_factor, deadline)
            summary["created"] = 2

        # 2. list + describe -----------------------------------------------------
        def listed():
            names = admin.list_topics()
            missing = [t for t in topics if t not in names]
            return not missing, "missing %s (listed %d topics)" % (missing, len(names))
        poll_until(deadline, "list_topics contains %s" % topics, listed)
        check_described(admin, topics, args.partitions, deadline)

        # 3. produce to explicit partitions ---------------------------------------
        producer = KafkaProducer(acks=1, enable_idempotence=False, linger_ms=5,
                                 compression_type=None if args.codec == "none" else args.codec,
                                 max_block_ms=deadline.ms("producer connect"),
                                 request_timeout_ms=deadline.ms("producer connect"),
                                 bootstrap_timeout_ms=deadline.ms("producer connect"), **common)
        clients.append(producer)
        sent = []  # (i, topic, partition, future)
        for i in range(args.count):
            t = topics[i % 2]
            p = (i // 2) % args.partitions
            fut = producer.send(t, key=b"k%d" % i, value=b"%s:%d" % (run.encode(), i), partition=p)
            sent.append((i, t, p, fut))
        producer.flush(timeout=deadline.left("producer flush"))
        acked = {}  # (topic, partition) -> [(offset, i)]
        for i, t, p, fut in sent:
            try:
                md = fut.get(timeout=deadline.left("send results"))
            except Errors.KafkaError as e:
                raise Fail("send of record %d to %s/%d failed: %s" % (i, t, p, e))
            if (md.topic, md.partition) != (t, p):
                raise Fail("record %d asked for %s/%d, acked on %s/%d" % (i, t, p, md.topic, md.partition))
            lst = acked.setdefault((t, p), [])
            if md.offset != len(lst):
                raise Fail("%s/%d: record %d acked at offset %d, expected %d" % (t, p, i, md.offset, len(lst)))
            lst.append((md.offset, i))
        summary["produced"] = len(sent)

        # 4. consume with assign + seek_to_beginning ---------------------------------
        consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, auto_offset_reset="none",
                                 request_timeout_ms=deadline.ms("consumer connect"),
                                 bootstrap_timeout_ms=deadline.ms("consumer connect"), **common)
        clients.append(consumer)
        tps = [TopicPartition(t, p) for t in topics for p in range(args.partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning()
        got = {}  # (topic, partition) -> [(offset, i)]
        consumed = 0
        while consumed < args.count:
            left = deadline.end - time.monotonic()
            if left <= 0:
                raise Fail("timed out consuming: %d of %d records read" % (consumed, args.count))
            batch = consumer.poll(timeout_ms=int(min(1.0, left) * 1000))
            for tp, records in batch.items():
                for r in records:
                    try:
                        run_b, i_b = r.value.split(b":", 1)
                        i = int(i_b)
                    except (AttributeError, ValueError):
                        raise Fail("%s/%d@%d: unexpected value %r" % (tp.topic, tp.partition, r.offset, r.value))
                    if run_b != run.encode():
                        raise Fail("%s/%d@%d: record from another run %r" % (tp.topic, tp.partition, r.offset, r.value))
                    if r.key != b"k%d" % i:
                        raise Fail("%s/%d@%d: key %r for record %d" % (tp.topic, tp.partition, r.offset, r.key, i))
                    lst = got.setdefault((tp.topic, tp.partition), [])
                    lst.append((r.offset, i))
                    consumed += 1
        for key in sorted(set(acked) | set(got)):
            if got.get(key, []) != acked.get(key, []):
                a, g = acked.get(key, []), got.get(key, [])
                first = next((k for k in range(min(len(a), len(g))) if a[k] != g[k]), min(len(a), len(g)))
                raise Fail("%s/%d: read %d records, produced %d; first difference at #%d: read %s, produced %s"
                           % (key[0], key[1], len(g), len(a), first, g[first:first + 1], a[first:first + 1]))
        ends = consumer.end_offsets(tps, timeout_ms=deadline.ms("end_offsets"))
        for tp in tps:
            want = len(acked.get((tp.topic, tp.partition), []))
            if ends.get(tp) != want:
                raise Fail("end_offsets(%s/%d) = %s, expected %d" % (tp.topic, tp.partition, ends.get(tp), want))
        summary["consumed"] = consumed
        summary["per_partition"] = {"%s/%d" % k: len(v) for k, v in sorted(got.items())}
        consumer.close(timeout_ms=deadline.ms("consumer close", 5.0))
        clients.remove(consumer)

        if not args.skip_admin_writes:
            # 5. delete one topic ----------------------------------------------------
            resp = admin.delete_topics([topic_b], timeout_ms=deadline.ms("delete_topics"), raise_errors=False)
            for t in resp.get("responses", resp.get("topics", [])):
                if t.get("error_code", 0) != 0:
                    raise Fail("delete_topics(%s): %s" % (topic_b, Errors.for_code(t["error_code"]).__name__))

            def gone():
                names = admin.list_topics()
                return topic_b not in names and topic_a in names, "listed: %s" % [n for n in names if n in topics]
            poll_until(deadline, "%s disappears from list_topics" % topic_b, gone)
            summary["deleted"] = topic_b

            # 6. recreate at once --------------------------------------------------
            create_topics(admin, [topic_b], args.partitions, args.replication_factor, deadline)
            poll_until(deadline, "recreated %s listed" % topic_b,
                       lambda: (topic_b in admin.list_topics(), "not listed"))
            check_described(admin, [topic_b], args.partitions, deadline)
            probe = KafkaConsumer(group_id=None, enable_auto_commit=False,
                                  request_timeout_ms=deadline.ms("consumer connect"),
                                  bootstrap_timeout_ms=deadline.ms("consumer connect"), **common)
            clients.append(probe)
            new_tps = [TopicPartition(topic_b, p) for p in range(args.partitions)]
            ends = probe.end_offsets(new_tps, timeout_ms=deadline.ms("end_offsets"))
            if any(ends.get(tp) != 0 for tp in new_tps):
                raise Fail("recreated %s is not empty: end offsets %s"
                           % (topic_b, {tp.partition: ends.get(tp) for tp in new_tps}))
            producer2 = KafkaProducer(acks=1, enable_idempotence=False,
                                      max_block_ms=deadline.ms("producer connect"),
                                      request_timeout_ms=deadline.ms("producer connect"),
                                      bootstrap_timeout_ms=deadline.ms("producer connect"), **common)
            clients.append(producer2)
            md = producer2.send(topic_b, key=b"again", value=b"again", partition=0).get(
                timeout=deadline.left("send to recreated topic"))
            if md.offset != 0:
                raise Fail("first record in recreated %s landed at offset %d, expected 0" % (topic_b, md.offset))
            summary["recreated"] = topic_b

            # 7. cleanup ---------------------------------------------------------------
            if not args.keep:
                try:
                    admin.delete_topics(topics, timeout_ms=deadline.ms("cleanup", 10.0), raise_errors=False)
                except Exception as e:  # best effort
                    log("cleanup: delete_topics failed: %s" % e)
    finally:
        for c in reversed(clients):
            try:
                if isinstance(c, KafkaProducer):
                    c.close(timeout=2)
                elif isinstance(c, KafkaConsumer):
                    c.close(timeout_ms=2000)
                else:
                    c.close()
            except Exception as e:
                log("close %s: %s" % (type(c).__name__, e))

    print(json.dumps(summary))
    return 0


def run():
    code = 1
    try:
        code = main()
    except Fail as e:
        log("FAIL: %s" % e)
    except Errors.KafkaError as e:
        log("FAIL: client error: %s: %s" % (type(e).__name__, e))
    except KeyboardInterrupt:
        log("interrupted")
        code = 130
    except Exception:
        log("FAIL: unexpected error:\n%s" % traceback.format_exc())
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
