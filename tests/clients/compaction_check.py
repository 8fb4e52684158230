#!/usr/bin/env python3
"""Log compaction, seen through confluent-kafka (librdkafka).

usage: compaction_check.py --bootstrap HOST:PORT [--keys N] [--rounds R] [--timeout S]

1. Creates a compacted topic (1 MiB segments, min.cleanable.dirty.ratio=0.01,
   delete.retention.ms=3000) and checks that a record without a key is refused (INVALID_RECORD).
2. Produces --rounds updates of each of --keys keys (100,000 by default), then tombstones one
   key in ten, then enough filler (one key) to seal the segments holding all of that.
   Meanwhile, and until the end, a reader thread reads the whole partition from the start
   again and again; in every pass offsets only grow and each key's values only move forward.
3. Waits (bounded) until a pass from the start shows the compacted view: every live key once
   with its last value, and the tombstoned keys as tombstones; then until the tombstones are
   gone too (delete.retention.ms). Every pass that began after the last write must see every
   live key with its final value.

Prints a JSON summary last on stdout; exit 0 on success, 1 on a failed check.
"""
import argparse
import json
import sys
import threading
import time
import uuid

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


class Fail(Exception):
    pass


def log(msg):
    sys.stderr.write("compaction_check: %s\n" % msg)
    sys.stderr.flush()


def value_of(key, rnd):
    return ("%s:%06d:" % (key, rnd)).encode().ljust(100, b".")


def round_of(value):
    return int(value.split(b":")[1])


class Reader(threading.Thread):
    """Reads the partition from the start to its end, over and over."""

    def __init__(self, bootstrap, topic):
        super().__init__(daemon=True)
        self.bootstrap, self.topic = bootstrap, topic
        self.stop = threading.Event()
        self.error = None
        self.passes = []  # (start time, {key: last value or None}, records read)
        self.lock = threading.Lock()

    def one_pass(self, consumer):
        started = time.monotonic()
        tp = TopicPartition(self.topic, 0)
        _, high = consumer.get_watermark_offsets(tp, timeout=10)
        consumer.assign([TopicPartition(self.topic, 0, 0)])
        latest, last_offset, count = {}, -1, 0
        # Ends at the first record at or past the pass's high watermark (high - 1 itself may be
        # compacted away by the time the pass gets there).
        while last_offset + 1 < high:
            msgs = consumer.consume(num_messages=1000, timeout=1.0)
            for m in msgs:
                if m.error():
                    raise Fail("consume error: %s" % m.error())
                if m.offset() <= last_offset:
                    raise Fail("offset went back from %d to %d" % (last_offset, m.offset()))
                last_offset = m.offset()
                count += 1
                key, value = m.key().decode(), m.value()
                if key == "filler":
                    continue
                before = latest.get(key)
                if value is not None and before is not None and round_of(value) < round_of(before):
                    raise Fail("key %s went back from round %d to %d at offset %d"
                               % (key, round_of(before), round_of(value), m.offset()))
                latest[key] = value
            if self.stop.is_set():
                return
        with self.lock:
            self.passes.append((started, latest, count))

    def run(self):
        consumer = Consumer({
            "bootstrap.servers": self.bootstrap,
            "group.id": "unused-" + uuid.uuid4().hex[:6],
            "enable.auto.commit": False,
            "enable.partition.eof": False,
        })
        try:
            while not self.stop.is_set():
                self.one_pass(consumer)
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.error = e
        finally:
            consumer.close()

    def last_pass(self):
        with self.lock:
            return self.passes[-1] if self.passes else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--keys", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--timeout", type=float, default=90.0)
    a = ap.parse_args()
    topic = "compacted-" + uuid.uuid4().hex[:8]
    admin = AdminClient({"bootstrap.servers": a.bootstrap})
    config = {"cleanup.policy": "compact", "segment.bytes": "1048576",
              "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "3000"}
    for f in admin.create_topics([NewTopic(topic, 1, 1, config=config)]).values():
        f.result(30)

    # A record without a key has no place in a compacted log.
    errors = []
    p = Producer({"bootstrap.servers": a.bootstrap, "acks": "all", "linger.ms": 5, "retries": 0})
    p.produce(topic, value=b"no key", on_delivery=lambda err, msg: errors.append(err))
    p.flush(30)
    if not errors or errors[0] is None or errors[0].code() != KafkaError.INVALID_RECORD:
        raise Fail("a keyless record was not refused with INVALID_RECORD: %s" % errors)

    def produce(key, value, **kw):
        # A busy machine may fill librdkafka's queue: wait for deliveries, then go on.
        while True:
            try:
                p.produce(topic, key=key, value=value, **kw)
                return
            except BufferError:
                p.poll(0.1)

    reader = Reader(a.bootstrap, topic)
    reader.start()
    failed = []
    keys = ["key-%04d" % i for i in range(a.keys)]
    for rnd in range(a.rounds):
        for key in keys:
            produce(key.encode(), value_of(key, rnd),
                    on_delivery=lambda err, msg: failed.append(err) if err else None)
        p.poll(0)
    tombstoned = set(keys[::10])
    for key in sorted(tombstoned):
        produce(key.encode(), None)
    for i in range(11000):  # about 1.2 MB: the segment holding the tombstones is sealed
        produce(b"filler", b"f" * 100)
    if p.flush(60) != 0 or failed:
        raise Fail("produce failed: %s" % failed[:3])
    written = time.monotonic()
    produced = a.keys * a.rounds + len(tombstoned) + 11000
    final = {key: (None if key in tombstoned else value_of(key, a.rounds - 1)) for key in keys}

    def check_view(latest):
        for key in keys:
            if key in tombstoned:
                if latest.get(key) is not None:
                    raise Fail("tombstoned key %s still has a value" % key)
            elif latest.get(key) != final[key]:
                raise Fail("key %s: last value %r, expected %r" % (key, latest.get(key), final[key]))

    def wait_for(pred, what):
        deadline = time.monotonic() + a.timeout
        while time.monotonic() < deadline:
            if reader.error:
                raise Fail("reader: %s" % reader.error)
            found = reader.last_pass()
            if found and found[0] > written:
                check_view(found[1])
                if pred(found):
                    return found
            time.sleep(0.1)
        raise Fail("timed out waiting for %s (last pass: %s records)"
                   % (what, reader.last_pass() and reader.last_pass()[2]))

    # Compacted: each live key once, at most the active segment's filler. The tombstones may
    # already have expired too (delete.retention.ms) when a loaded machine's reader is slow.
    compacted = wait_for(lambda f: f[2] < a.keys + 11000
                         and len(f[1]) in (a.keys, a.keys - len(tombstoned)), "compaction")
    gone = wait_for(lambda f: len(f[1]) == a.keys - len(tombstoned), "tombstones to expire")
    reader.stop.set()
    reader.join(30)
    if reader.error:
        raise Fail("reader: %s" % reader.error)
    print(json.dumps({"produced": produced, "compacted_read": compacted[2],
                      "after_tombstones_read": gone[2], "live_keys": len(gone[1]),
                      "passes": len(reader.passes)}))


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        log("FAILED: %s" % e)
        sys.exit(1)
