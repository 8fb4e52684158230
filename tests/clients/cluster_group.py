#!/usr/bin/env python3
"""One consumer group of confluent-kafka members, each bootstrapping from a different broker.

Produces --count records (values 0..count-1, acks=all) unless --skip-produce, then runs one
member per bootstrap server in threads. A member consumes a batch, writes every record to
--out (one JSON line: partition, offset, value), and commits the batch's offsets
synchronously; a commit that fails (coordinator lost, rebalance) is retried a few times,
and a batch whose commit never succeeded is counted as `uncommitted` (only those may be
consumed twice). Members are throttled to --rate records/s in all so a fault can be injected
mid-run. Stops when every value was seen or at --timeout; prints a JSON summary last.
"""

import argparse
import json
import sys
import threading
import time

try:
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
except ImportError:
    print("cluster_group: confluent-kafka is not installed; run scripts/install-test-deps.sh", file=sys.stderr)
    sys.exit(2)


def produce(bootstrap, topic, count):
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                         "linger.ms": 5})
    failed = []
    for i in range(count):
        while True:
            try:
                producer.produce(topic, value=str(i).encode(), key=str(i).encode(),
                                 on_delivery=lambda err, msg: err and failed.append(err))
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    producer.flush(60)
    if failed:
        raise SystemExit(f"cluster_group: {len(failed)} records not acknowledged: {failed[0]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True, help="comma-separated; one member per server")
    ap.add_argument("--topic", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--rate", type=float, default=1500.0)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--timeout", type=float, default=90.0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--skip-produce", action="store_true")
    args = ap.parse_args()
    servers = args.bootstrap.split(",")
    if not args.skip_produce:
        produce(args.bootstrap, args.topic, args.count)
        print("produced", flush=True)

    lock = threading.Lock()
    seen = set()
    stats = {"consumed": 0, "commits": 0, "commit_failures": 0, "uncommitted": 0}
    out = open(args.out, "w")
    done = threading.Event()
    deadline = time.time() + args.timeout
    per_member_rate = args.rate / len(servers)

    def member(server, index):
        consumer = Consumer({
            "bootstrap.servers": server,
            "group.id": args.group,
            "client.id": f"member-{index}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 10000,
            "heartbeat.interval.ms": 500,
        })
        consumer.subscribe([args.topic])
        try:
            while not done.is_set() and time.time() < deadline:
                started = time.time()
                messages = consumer.consume(num_messages=args.batch, timeout=0.5)
                batch = [m for m in messages if m.error() is None]
                if not batch:
                    continue
                positions = {}
                with lock:
                    for m in batch:
                        out.write(json.dumps({"partition": m.partition(), "offset": m.offset(),
                                              "value": m.value().decode(), "member": index}) + "\n")
                        seen.add(m.value().decode())
                        positions[m.partition()] = m.offset() + 1
                    out.flush()
                    stats["consumed"] += len(batch)
                    if len(seen) >= args.count:
                        done.set()
                offsets = [TopicPartition(args.topic, p, o) for p, o in positions.items()]
                committed = False
                for _ in range(10):
                    try:
                        consumer.commit(offsets=offsets, asynchronous=False)
                        committed = True
                        break
                    except KafkaException as e:
                        with lock:
                            stats["commit_failures"] += 1
                        print(f"member {index}: commit failed: {e}", file=sys.stderr, flush=True)
                        if done.is_set():
                            break
                        time.sleep(0.3)
                with lock:
                    if committed:
                        stats["commits"] += 1
                    else:
                        stats["uncommitted"] += len(batch)
                pause = len(batch) / per_member_rate - (time.time() - started)
                if pause > 0:
                    time.sleep(pause)
        finally:
            consumer.close()

    threads = [threading.Thread(target=member, args=(s, i)) for i, s in enumerate(servers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.close()
    missing = args.count - len(seen)
    summary = dict(stats, distinct=len(seen), missing=missing,
                   duplicates=stats["consumed"] - len(seen))
    print(json.dumps(summary), flush=True)
    sys.exit(0 if missing == 0 else 1)


if __name__ == "__main__":
    main()
