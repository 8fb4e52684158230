#!/usr/bin/env python3
"""Check that every record acked_producer.py logged as acknowledged is in the topic.

  verify_acked.py --bootstrap B --topic T --acked acked.jsonl [--timeout 60]

Reads the acked file ({"p":..,"o":..,"v":..} per line), then reads the whole
topic: a Consumer assign()s every partition at OFFSET_BEGINNING and reads
until each partition's high watermark (taken at the start). Every acked
record must be present at exactly its partition/offset with the same value.
Prints {"acked":..,"found":..,"lost":..,...} as the last stdout line and
lists the first lost records on stderr. Exit 0 if none is lost, 1 if any is
lost or on error, 2 on bad usage or an unreadable acked file.

Waits (bounded by --timeout) for the broker to answer metadata first, so it
can be started right after the broker is restarted.
"""
import argparse
import json
import os
import sys
import time
import traceback
import uuid

try:
    from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition, OFFSET_BEGINNING
except ImportError:
    sys.stderr.write("verify_acked: confluent_kafka is not installed; run scripts/install-test-deps.sh\n")
    sys.exit(2)

NAME = "verify_acked"


class Fail(Exception):
    def __init__(self, msg, code=1):
        super().__init__(msg)
        self.code = code


def log(msg):
    sys.stderr.write("%s: %s\n" % (NAME, msg))
    sys.stderr.flush()


_err_seen = {}


def error_cb(err):
    key = err.code() if hasattr(err, "code") else str(err)
    _err_seen[key] = _err_seen.get(key, 0) + 1
    if _err_seen[key] <= 3:
        log("client error: %s%s" % (err, " (further repeats not shown)" if _err_seen[key] == 3 else ""))


def load_acked(path):
    """{(p, o): v}; a torn last line (writer killed mid-write) is skipped with a warning."""
    acked = {}
    conflicts = []
    try:
        with open(path, "r", encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as e:
        raise Fail("cannot read --acked %s: %s" % (path, e), 2)
    last = len(lines) - 1
    for n, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            key, v = (int(rec["p"]), int(rec["o"])), rec["v"]
        except (ValueError, KeyError, TypeError):
            if n == last:  # no trailing newline: torn write
                log("warning: ignoring torn last line of %s: %r" % (path, line[:80]))
                continue
            raise Fail("%s line %d is not an acked record: %r" % (path, n + 1, line[:80]), 2)
        if key in acked and acked[key] != v:
            conflicts.append((key, acked[key], v))
        acked[key] = v
    return acked, conflicts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bootstrap", required=True, help="HOST:PORT[,HOST:PORT...]")
    ap.add_argument("--topic", required=True)
    ap.add_argument("--acked", required=True, help="file written by acked_producer.py --out")
    ap.add_argument("--timeout", type=float, default=60.0, help="overall deadline in seconds (default 60)")
    ap.add_argument("--show", type=int, default=10, help="lost records to list on stderr (default 10)")
    args = ap.parse_args()
    deadline = time.monotonic() + args.timeout

    acked, conflicts = load_acked(args.acked)
    for (p, o), v1, v2 in conflicts[:args.show]:
        log("offset acked twice with different values: p%d@%d %r and %r" % (p, o, v1, v2))

    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": "kbox-verify-%s" % uuid.uuid4().hex[:8],  # required; never joined (assign only)
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "error",
        "error_cb": error_cb,
        "log_level": 2,
    })
    try:
        # Partitions and high watermarks, retried until the broker answers.
        last_err = None
        parts = None
        while parts is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail("no metadata for topic %s before the timeout (%s)" % (args.topic, last_err))
            try:
                md = consumer.list_topics(args.topic, timeout=min(5.0, left))
                t = md.topics.get(args.topic)
                if t is None or t.error is not None or not t.partitions:
                    last_err = "topic missing" if t is None else (t.error or "no partitions")
                elif any(p.leader < 0 for p in t.partitions.values()):
                    last_err = "partitions without leader"
                else:
                    parts = sorted(t.partitions)
            except KafkaException as e:
                last_err = e
            if parts is None:
                time.sleep(0.1)
        high = {}
        low = {}
        for p in parts:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Fail("no watermarks for p%d before the timeout (%s)" % (p, last_err))
                try:
                    low[p], high[p] = consumer.get_watermark_offsets(TopicPartition(args.topic, p),
                                                                     timeout=min(5.0, left))
                    break
                except KafkaException as e:
                    last_err = e
                    time.sleep(0.1)

        # Read every partition from the beginning to its high watermark.
        found_at = {}  # (p, o) -> value, only for acked positions
        pos = {p: low[p] for p in parts}
        todo = {p for p in parts if high[p] > low[p]}
        if todo:
            consumer.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in sorted(todo)])
        read = 0
        while todo:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail("timed out reading: partitions %s not read up to their high watermarks %s (at %s)"
                           % (sorted(todo), {p: high[p] for p in todo}, {p: pos[p] for p in todo}))
            for msg in consumer.consume(num_messages=10000, timeout=min(1.0, left)):
                p = msg.partition()
                err = msg.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        pos[p] = max(pos[p], msg.offset())
                    else:
                        raise Fail("consume error on p%s: %s" % (p, err))
                else:
                    o = msg.offset()
                    read += 1
                    pos[p] = max(pos[p], o + 1)
                    if (p, o) in acked:
                        v = msg.value()
                        found_at[(p, o)] = v.decode("utf-8", "replace") if v is not None else None
                if p in todo and pos[p] >= high[p]:
                    todo.discard(p)
    finally:
        consumer.close()

    lost = []
    missing = wrong = 0
    for key in sorted(acked):
        v = acked[key]
        if key not in found_at:
            missing += 1
            lost.append((key, v, None))
        elif found_at[key] != v:
            wrong += 1
            lost.append((key, v, found_at[key]))
    for (p, o), v, got in lost[:args.show]:
        if got is None:
            hint = "beyond high watermark %d" % high.get(p, -1) if o >= high.get(p, 0) else \
                   ("below low watermark %d" % low.get(p, 0) if o < low.get(p, 0) else "no record at that offset")
            log("LOST p%d@%d %r: %s" % (p, o, v, hint))
        else:
            log("LOST p%d@%d %r: found %r there instead" % (p, o, v, got))
    summary = {
        "scenario": NAME, "topic": args.topic, "acked": len(acked), "found": len(acked) - len(lost),
        "lost": len(lost), "missing": missing, "wrong_value": wrong, "conflicting_acks": len(conflicts),
        "records_read": read, "high_watermarks": {str(p): high[p] for p in parts},
    }
    print(json.dumps(summary))
    if lost or conflicts:
        log("FAIL: %d of %d acknowledged records lost%s" % (len(lost), len(acked),
            ", %d offsets acked twice with different values" % len(conflicts) if conflicts else ""))
        return 1
    return 0


def run():
    code = 1
    try:
        code = main()
    except Fail as e:
        log("FAIL: %s" % e)
        code = e.code
    except KafkaException as e:
        log("FAIL: client exception: %s" % e)
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
