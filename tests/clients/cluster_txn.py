#!/usr/bin/env python3
"""A confluent-kafka transactional producer committing and aborting alternately, for fault tests.

produce mode: transaction i writes --batch records valued "c<i>-<j>" and commits when i is
even, "a<i>-<j>" and aborts when i is odd. Each outcome goes to --out as a JSON line:
committed, aborted, or unknown (a fatal error: the producer is replaced, and its transaction
may have committed or not). Retriable errors retry the commit; abortable ones abort. Runs
--transactions transactions at most --rate per second.

verify mode: a read_committed consumer reads the whole topic and checks every committed
transaction's records appear exactly once, no aborted record appears, and an unknown
transaction is all or nothing. Prints a JSON summary last; exit 1 on a violation.
"""

import argparse
import json
import sys
import time

try:
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
except ImportError:
    print("cluster_txn: confluent-kafka is not installed; run scripts/install-test-deps.sh", file=sys.stderr)
    sys.exit(2)


def new_producer(args):
    producer = Producer({
        "bootstrap.servers": args.bootstrap,
        "transactional.id": args.transactional_id,
        "transaction.timeout.ms": 20000,
        "linger.ms": 5,
    })
    producer.init_transactions(60)
    return producer


def produce(args):
    out = open(args.out, "w")
    producer = new_producer(args)
    counts = {"committed": 0, "aborted": 0, "unknown": 0, "retries": 0}
    for i in range(args.transactions):
        started = time.time()
        commit = i % 2 == 0
        prefix = "c" if commit else "a"
        outcome = None
        try:
            producer.begin_transaction()
            for j in range(args.batch):
                producer.produce(args.topic, value=f"{prefix}{i}-{j}".encode(), key=str(j).encode())
            while outcome is None:
                try:
                    if commit:
                        producer.commit_transaction(30)
                        outcome = "committed"
                    else:
                        producer.abort_transaction(30)
                        outcome = "aborted"
                except KafkaException as e:
                    err = e.args[0]
                    if err.retriable():
                        counts["retries"] += 1
                        print(f"txn {i}: retrying: {err}", file=sys.stderr, flush=True)
                        continue
                    raise
        except KafkaException as e:
            err = e.args[0]
            print(f"txn {i}: {err}", file=sys.stderr, flush=True)
            if err.txn_requires_abort():
                producer.abort_transaction(60)
                outcome = "aborted"
            else:
                outcome = "unknown"
                producer = new_producer(args)
        counts[outcome] += 1
        out.write(json.dumps({"txn": i, "outcome": outcome}) + "\n")
        out.flush()
        pause = 1.0 / args.rate - (time.time() - started)
        if pause > 0:
            time.sleep(pause)
    producer.flush(30)
    print(json.dumps(counts), flush=True)


def verify(args):
    outcomes = {}
    with open(args.out) as f:
        for line in f:
            r = json.loads(line)
            outcomes[r["txn"]] = r["outcome"]
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": "cluster-txn-verify",
        "isolation.level": "read_committed",
        "enable.auto.commit": False,
    })
    metadata = consumer.list_topics(args.topic, timeout=30)
    partitions = sorted(metadata.topics[args.topic].partitions)
    ends = {}
    for p in partitions:
        _, high = consumer.get_watermark_offsets(TopicPartition(args.topic, p), timeout=30)
        ends[p] = high
    consumer.assign([TopicPartition(args.topic, p, 0) for p in partitions])
    seen = {}
    deadline = time.time() + 60
    while time.time() < deadline:
        for m in consumer.consume(num_messages=500, timeout=0.5):
            if m.error() is None:
                v = m.value().decode()
                seen[v] = seen.get(v, 0) + 1
        positions = consumer.position([TopicPartition(args.topic, p) for p in partitions])
        if all(tp.offset >= ends[tp.partition] for tp in positions):
            break
    consumer.close()
    problems = []
    for i, outcome in outcomes.items():
        prefix = "c" if i % 2 == 0 else "a"
        counts = [seen.get(f"{prefix}{i}-{j}", 0) for j in range(args.batch)]
        if outcome == "committed" and counts != [1] * args.batch:
            problems.append(f"committed txn {i} read as {counts}")
        if outcome == "aborted" and any(counts):
            problems.append(f"aborted txn {i} visible: {counts}")
        if outcome == "unknown" and counts not in ([0] * args.batch, [1] * args.batch):
            problems.append(f"txn {i} of unknown outcome partly visible: {counts}")
    summary = {
        "transactions": len(outcomes),
        "committed": sum(1 for o in outcomes.values() if o == "committed"),
        "aborted": sum(1 for o in outcomes.values() if o == "aborted"),
        "unknown": sum(1 for o in outcomes.values() if o == "unknown"),
        "records_read": sum(seen.values()),
        "problems": problems[:10],
    }
    print(json.dumps(summary), flush=True)
    sys.exit(1 if problems else 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["produce", "verify"])
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--transactional-id", default="cluster-txn")
    ap.add_argument("--transactions", type=int, default=60)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--rate", type=float, default=4.0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    produce(args) if args.mode == "produce" else verify(args)


if __name__ == "__main__":
    main()
