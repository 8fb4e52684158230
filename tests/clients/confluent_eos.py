#!/usr/bin/env python3
"""Exactly-once checks with confluent-kafka (librdkafka) against a broker.

  confluent_eos.py idempotent --bootstrap B --topic T --count N --partitions P [--check-bootstrap B2] [--flushed-file F]
      Idempotent producer (acks=all, 5 in flight): record i goes to partition i % P with
      value "i". Built to have its connections cut and the broker restarted under it. Then
      reads everything back (from --check-bootstrap, default B) and reports per partition
      duplicates and reorderings. Prints {"produced","delivered","failed","consumed",
      "duplicates","reorders","missing"}.

  confluent_eos.py alternate --bootstrap B --topic T --transactions K --per-txn R
      One transactional producer: K transactions of R records over 3 partitions, committing
      the even ones and aborting the odd ones. Then a read_committed and a read_uncommitted
      consumer read the topic. Prints {"committed_expected","committed_seen","committed_exact",
      "uncommitted_seen"}.

  confluent_eos.py process --bootstrap B --input I --output O --group G --txn-id X
                   [--batch 50] [--die-after N] [--idle-ms 3000] [--pause-ms 0]
      Consume-transform-produce: copies every record of I to O (value "copy:<value>") in
      transactions of --batch records with send_offsets_to_transaction. With --die-after N it
      kills itself (SIGKILL) after producing N records of an open transaction. Stops after
      --idle-ms without records; --pause-ms waits after each commit. Prints
      {"copied","transactions"}.

  confluent_eos.py fencing --bootstrap B --topic T
      A second producer with the same transactional id fences the first (whose commit must
      fail); a transaction left open past its 2 s timeout is aborted by the coordinator, which
      lets a later record become readable with read_committed. Prints {"zombie_fenced",
      "read_committed" (values), "waited_s", "timed_out_commit_failed"}.

  confluent_eos.py check --bootstrap B --topic T --count N
      Reads values 0..N-1 back as the idempotent mode does: {"consumed","duplicates",
      "reorders","missing"} (for another producer's run).

  confluent_eos.py open --bootstrap B --topic T --txn-id X [--txn-timeout-ms 600000]
      Begins a transaction, writes one record to partition 0 and exits without ending it.
      Prints {"start_offset"}.

  confluent_eos.py count --bootstrap B --topic T [--isolation read_committed]
      Prints {"count"}: the records a consumer at that isolation level reads.

  confluent_eos.py check-output --bootstrap B --input I --output O
      read_committed read of O: prints {"input","output","distinct","exact"} where exact means
      every input value appears exactly once in O.
"""
import argparse
import json
import os
import signal
import sys
import time
import traceback

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def log(msg):
    now = time.time()
    stamp = time.strftime("%H:%M:%S", time.gmtime(now)) + ".%03d" % (now % 1 * 1000)
    sys.stderr.write("confluent_eos %s: %s\n" % (stamp, msg))
    sys.stderr.flush()


def create(bootstrap, topic, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for attempt in range(5):
        fs = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
        try:
            for f in fs.values():
                f.result(30)
            return
        except Exception as e:
            if "TOPIC_ALREADY_EXISTS" in str(e):
                return
            if attempt == 4:
                raise
            log("create %s: %s (retrying)" % (topic, e))  # a connection cut by a test's proxy


# How the last read_all went, for the summaries: a check that read too little says whether
# its consumer was ever assigned partitions, and what errors it saw.
LAST_READ = {}


def read_all(bootstrap, topic, isolation, expect=None, idle=5.0, deadline=60.0):
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "check-%d-%s" % (os.getpid(), isolation),
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "isolation.level": isolation,
    })
    # The idle time counts from the assignment: joining the group can take longer than `idle`
    # on a loaded machine, and nothing can be read before it.
    assigned = []

    def on_assign(consumer, partitions):
        assigned.append(time.time())

    c.subscribe([topic], on_assign=on_assign)
    out = []
    errors = []
    start = time.time()
    last = time.time()
    while time.time() - start < deadline:
        m = c.poll(0.5)
        if m is None:
            quiet_since = max([last] + assigned[-1:])
            if assigned and time.time() - quiet_since > idle and (expect is None or len(out) >= expect):
                break
            continue
        if m.error():
            if m.error().code() != KafkaError._PARTITION_EOF:
                log("consume error: %s" % m.error())
                errors.append(str(m.error()))
            continue
        last = time.time()
        out.append((m.partition(), m.offset(), m.value().decode()))
    c.close()
    LAST_READ.clear()
    LAST_READ.update({"read_seconds": round(time.time() - start, 1),
                      "assigned_after": [round(t - start, 1) for t in assigned],
                      "read_errors": errors[:5]})
    return out


def idempotent(a):
    create(a.bootstrap, a.topic, a.partitions)
    stats = {"delivered": 0, "failed": 0, "first_error": None}

    def report(err, _msg):
        stats["failed" if err else "delivered"] += 1
        if err and stats["first_error"] is None:
            stats["first_error"] = str(err)
            log("delivery failed: %s" % err)

    def on_error(err):
        log("client error: %s" % err)
        if err.fatal() and stats["first_error"] is None:
            stats["first_error"] = "fatal: %s" % err

    p = Producer({
        "bootstrap.servers": a.bootstrap,
        "enable.idempotence": not a.no_idempotence,
        "acks": "all",
        "max.in.flight.requests.per.connection": 5,
        "linger.ms": 5,
        "batch.num.messages": 50,
        "message.timeout.ms": 120000,
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 500,
        "error_cb": on_error,
    })
    started = time.time()
    for i in range(a.count):
        while True:
            try:
                p.produce(a.topic, value=str(i).encode(), partition=i % a.partitions, on_delivery=report)
                break
            except BufferError:
                p.poll(0.05)
        if i % 100 == 0:
            p.poll(0)
            time.sleep(a.pause_ms / 1000.0)
    log("produced in %.1f s" % (time.time() - started))
    left = p.flush(150)
    log("flushed in %.1f s" % (time.time() - started))
    if a.flushed_file:
        # Tells a fault-injecting test that producing is over: the check reads without faults.
        open(a.flushed_file, "w").close()
    summary = check_sequence(a.check_bootstrap or a.bootstrap, a.topic, a.count)
    summary.update({"produced": a.count, "delivered": stats["delivered"], "failed": stats["failed"],
                    "unflushed": left, "first_error": stats["first_error"]})
    print(json.dumps(summary))


def check_sequence(bootstrap, topic, count):
    """Reads values 0..count back; counts duplicates, per-partition reorderings, missing."""
    records = read_all(bootstrap, topic, "read_uncommitted", expect=count)
    per = {}
    for part, _off, v in records:
        per.setdefault(part, []).append(int(v))
    dups = reorders = 0
    seen = set()
    for values in per.values():
        for x, y in zip(values, values[1:]):
            if y <= x:
                reorders += 1
        for v in values:
            if v in seen:
                dups += 1
            seen.add(v)
    summary = {"consumed": len(records), "duplicates": dups, "reorders": reorders,
               "missing": count - len(seen)}
    if len(seen) < count:
        summary["check"] = dict(LAST_READ)
    return summary


def alternate(a):
    create(a.bootstrap, a.topic, 3)
    p = Producer({"bootstrap.servers": a.bootstrap, "transactional.id": "alt-%d" % os.getpid(), "linger.ms": 1})
    p.init_transactions(30)
    committed = set()
    n = 0
    for t in range(a.transactions):
        p.begin_transaction()
        values = []
        for _ in range(a.per_txn):
            v = "t%d-%d" % (t, n)
            n += 1
            values.append(v)
            p.produce(a.topic, value=v.encode(), partition=n % 3)
        p.flush(30)
        if t % 2 == 0:
            p.commit_transaction(30)
            committed.update(values)
        else:
            p.abort_transaction(30)
    rc = read_all(a.bootstrap, a.topic, "read_committed", expect=len(committed))
    ru = read_all(a.bootstrap, a.topic, "read_uncommitted", expect=n)
    seen = [v for _, _, v in rc]
    print(json.dumps({
        "committed_expected": len(committed), "committed_seen": len(seen),
        "committed_exact": sorted(seen) == sorted(committed), "uncommitted_seen": len(ru),
        "total": n,
    }))


def process(a):
    """A consume-transform-produce loop written as confluent-kafka documents it: a retriable
    error retries the call, an abortable one aborts the transaction and rewinds the consumer to
    the group's committed offsets, a fatal one ends the run."""
    create(a.bootstrap, a.output, 3)
    c = Consumer({
        "bootstrap.servers": a.bootstrap, "group.id": a.group, "enable.auto.commit": False,
        "auto.offset.reset": "earliest", "isolation.level": "read_committed",
        # A killed predecessor stays a member until its session expires.
        "session.timeout.ms": 6000,
    })
    p = Producer({"bootstrap.servers": a.bootstrap, "transactional.id": a.txn_id, "linger.ms": 1})
    p.init_transactions(60)
    c.subscribe([a.input],
                on_assign=lambda _, tps: log("assigned %s" % [t.partition for t in tps]),
                on_revoke=lambda _, tps: log("revoked %s" % [t.partition for t in tps]))
    counts = {"copied": 0, "transactions": 0, "aborted": 0, "retried": 0}

    def retrying(what, call):
        """`call` until it succeeds or fails other than retriably: False when the transaction
        must be aborted."""
        while True:
            try:
                call()
                return True
            except KafkaException as e:
                err = e.args[0]
                log("%s: %s (retriable %s, abortable %s, fatal %s)" % (
                    what, err, err.retriable(), err.txn_requires_abort(), err.fatal()))
                if err.txn_requires_abort():
                    return False
                if not err.retriable():
                    raise
                counts["retried"] += 1

    def end_transaction():
        """Commits the open transaction with the consumer's positions, or aborts it and
        rewinds the consumer (its records are read again in the next one)."""
        committed = (retrying("send_offsets_to_transaction", lambda: p.send_offsets_to_transaction(
            c.position(c.assignment()), c.consumer_group_metadata(), 30))
            and retrying("commit_transaction", lambda: p.commit_transaction(30)))
        if committed:
            counts["transactions"] += 1
            log("committed transaction %d: %d copied, assignment %s" % (
                counts["transactions"], counts["copied"], [tp.partition for tp in c.assignment()]))
            return
        retrying("abort_transaction", lambda: p.abort_transaction(30))
        counts["aborted"] += 1
        for tp in c.committed(c.assignment(), 30):
            # Nothing committed yet: back to the start, as auto.offset.reset=earliest would.
            c.seek(TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else OFFSET_BEGINNING))
        log("aborted a transaction and rewound to the committed offsets")

    last = time.time()
    open_txn = False
    in_txn = 0
    last_error = None
    while True:
        m = c.poll(0.2)
        if m is None:
            if open_txn:
                end_transaction()
                open_txn = False
                in_txn = 0
            if not c.assignment():
                last = time.time()  # idle time counts once partitions are assigned
            elif time.time() - last > a.idle_ms / 1000.0:
                break
            continue
        if m.error():
            if str(m.error()) != last_error:
                last_error = str(m.error())
                log("consumer: %s" % last_error)
            continue
        last = time.time()
        if not open_txn:
            p.begin_transaction()
            open_txn = True
        p.produce(a.output, value=b"copy:" + m.value(), partition=m.partition())
        counts["copied"] += 1
        in_txn += 1
        if a.die_after and counts["copied"] >= a.die_after:
            p.flush(10)
            log("killing myself mid-transaction after %d records" % counts["copied"])
            os.kill(os.getpid(), signal.SIGKILL)
        if in_txn >= a.batch:
            end_transaction()
            open_txn = False
            in_txn = 0
            if a.pause_ms:
                time.sleep(a.pause_ms / 1000.0)  # paced, so a fault test can strike mid-run
    c.close()
    print(json.dumps(counts))


def check_output(a):
    inp = read_all(a.bootstrap, a.input, "read_committed")
    out = read_all(a.bootstrap, a.output, "read_committed", expect=len(inp))
    values = [v for _, _, v in out]
    expected = sorted("copy:" + v for _, _, v in inp)
    print(json.dumps({"input": len(inp), "output": len(values), "distinct": len(set(values)),
                      "exact": sorted(values) == expected}))


def fencing(a):
    create(a.bootstrap, a.topic, 1)
    tid = "fence-%d" % os.getpid()
    conf = {"bootstrap.servers": a.bootstrap, "linger.ms": 1}
    zombie = Producer(dict(conf, **{"transactional.id": tid}))
    zombie.init_transactions(30)
    zombie.begin_transaction()
    zombie.produce(a.topic, value=b"zombie")
    zombie.flush(30)
    # A second producer with the same id fences the first and aborts its transaction.
    survivor = Producer(dict(conf, **{"transactional.id": tid}))
    survivor.init_transactions(30)
    fenced = False
    try:
        zombie.commit_transaction(30)
    except KafkaException as e:
        fenced = True
        log("zombie: %s" % e)
    survivor.begin_transaction()
    survivor.produce(a.topic, value=b"survivor")
    survivor.commit_transaction(30)
    # A transaction left open past its timeout is aborted by the coordinator: a record
    # written after it becomes readable with read_committed only then.
    slow = Producer(dict(conf, **{"transactional.id": tid + "-slow", "transaction.timeout.ms": 2000,
                                  "message.timeout.ms": 2000}))
    slow.init_transactions(30)
    slow.begin_transaction()
    slow.produce(a.topic, value=b"timed-out")
    slow.flush(30)
    plain = Producer(dict(conf, **{"enable.idempotence": True}))
    plain.produce(a.topic, value=b"after")
    plain.flush(30)
    started = time.time()
    values = [v for _, _, v in read_all(a.bootstrap, a.topic, "read_committed", expect=2, idle=1.0)]
    waited = time.time() - started
    slow_failed = False
    try:
        slow.commit_transaction(10)
    except KafkaException as e:
        slow_failed = True
        log("timed-out producer: %s" % e)
    print(json.dumps({"zombie_fenced": fenced, "read_committed": values, "waited_s": round(waited, 1),
                      "timed_out_commit_failed": slow_failed}))


def check(a):
    print(json.dumps(check_sequence(a.bootstrap, a.topic, a.count)))


def leave_open(a):
    create(a.bootstrap, a.topic, 1)
    p = Producer({"bootstrap.servers": a.bootstrap, "transactional.id": a.txn_id, "linger.ms": 1,
                  "transaction.timeout.ms": a.txn_timeout_ms,
                  "message.timeout.ms": min(a.txn_timeout_ms, 300000)})
    p.init_transactions(30)
    p.begin_transaction()
    offsets = []
    p.produce(a.topic, value=b"open", partition=0, on_delivery=lambda err, m: offsets.append(m.offset()))
    p.flush(30)
    print(json.dumps({"start_offset": offsets[0]}))
    sys.stdout.flush()
    os._exit(0)  # leave the transaction open, as a crashed producer does


def count(a):
    records = read_all(a.bootstrap, a.topic, a.isolation)
    print(json.dumps({"count": len(records)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["idempotent", "alternate", "process", "check-output", "count", "fencing", "check", "open"])
    ap.add_argument("--isolation", default="read_committed")
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--check-bootstrap")
    ap.add_argument("--flushed-file", help="created once the idempotent producer has flushed")
    ap.add_argument("--topic")
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--partitions", type=int, default=3)
    ap.add_argument("--pause-ms", type=int, default=0)
    ap.add_argument("--no-idempotence", action="store_true", help="to see the faults cause duplicates")
    ap.add_argument("--transactions", type=int, default=10)
    ap.add_argument("--per-txn", type=int, default=20)
    ap.add_argument("--input")
    ap.add_argument("--output")
    ap.add_argument("--group")
    ap.add_argument("--txn-id")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--die-after", type=int, default=0)
    ap.add_argument("--idle-ms", type=int, default=3000)
    ap.add_argument("--txn-timeout-ms", type=int, default=600000)
    a = ap.parse_args()
    run = {"idempotent": idempotent, "alternate": alternate, "process": process,
           "check-output": check_output, "count": count, "fencing": fencing, "check": check,
           "open": leave_open}[a.mode]
    try:
        run(a)
    except Exception:
        # Ends at once: an unclosed consumer can block the interpreter's exit for minutes
        # (librdkafka leaving the group from a destructor), hiding the error behind a timeout.
        log(traceback.format_exc())
        sys.stdout.flush()
        os._exit(1)


if __name__ == "__main__":
    main()
