#!/usr/bin/env python3
"""Consumer groups with confluent-kafka (librdkafka) against a Kafka-compatible broker.

  confluent_group.py --bootstrap HOST:PORT [--topic T] [--group G] [--count N]

1. Creates a 6-partition topic and produces --count keyed records.
2. Three consumers (threads) join one group and read, committing synchronously after each
   batch and in their revoke callbacks. After a third of the records, member 0 leaves and a
   fourth member joins. Every record must be read exactly once across all members.
3. Once everything is read and the group is stable, the members' assignments must be
   disjoint and cover all six partitions.
4. All members close; 600 more records are produced; three fresh members of the same group
   must read exactly those 600 (the committed offsets are resumed).

Prints a one-line JSON summary last on stdout; exit 0 on success, 1 on a failed check.
"""
import argparse
import json
import sys
import threading
import time
import uuid

try:
    from confluent_kafka import Consumer, KafkaException, Producer
    from confluent_kafka.admin import AdminClient, NewTopic
except ImportError:
    sys.stderr.write("confluent_group: confluent_kafka is not installed; run scripts/install-test-deps.sh\n")
    sys.exit(2)

PARTITIONS = 6


class Fail(Exception):
    pass


def log(msg):
    sys.stderr.write("confluent_group: %s\n" % msg)
    sys.stderr.flush()


def produce(bootstrap, topic, start, end):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    errors = []
    for i in range(start, end):
        p.produce(topic, key=("k%d" % i).encode(), value=("v%d" % i).encode(),
                  on_delivery=lambda err, msg: errors.append(err) if err else None)
        if i % 1000 == 0:
            p.poll(0)
    if p.flush(30) != 0 or errors:
        raise Fail("produce failed: %s" % errors[:3])


class Member(threading.Thread):
    def __init__(self, name, bootstrap, group, topic, seen, lock):
        super().__init__(daemon=True)
        self.name_ = name
        self.seen = seen
        self.lock = lock
        self.stop = threading.Event()
        self.error = None
        self.assignment = []
        self.owned = False
        self.consumer = Consumer({
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "client.id": name,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 500,
        })
        self.consumer.subscribe([topic], on_revoke=self.on_revoke)

    def on_revoke(self, consumer, partitions):
        # Everything processed so far is committed before the partitions move.
        try:
            consumer.commit(asynchronous=False)
        except KafkaException:
            pass

    def run(self):
        try:
            while not self.stop.is_set():
                msgs = self.consumer.consume(num_messages=200, timeout=0.2)
                # librdkafka's handle is used from this thread only: others read this copy.
                self.assignment = [(tp.topic, tp.partition) for tp in self.consumer.assignment()]
                self.owned = len(self.assignment) > 0
                if not msgs:
                    continue
                # Simulated processing time, so that membership changes happen mid-stream.
                time.sleep(0.03)
                with self.lock:
                    for m in msgs:
                        if m.error():
                            raise Fail("consume error: %s" % m.error())
                        key = (m.partition(), m.offset())
                        if key in self.seen:
                            raise Fail("%s read partition %d offset %d already read by %s"
                                       % (self.name_, key[0], key[1], self.seen[key]))
                        self.seen[key] = self.name_
                try:
                    self.consumer.commit(asynchronous=False)
                except KafkaException as e:
                    log("%s: commit failed (will be retried by the next commit): %s" % (self.name_, e))
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.error = e
        finally:
            self.consumer.close()


def wait_for(pred, seconds, what):
    deadline = time.monotonic() + seconds
    while not pred():
        if time.monotonic() > deadline:
            raise Fail("timed out waiting for %s" % what)
        time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", default="grp-" + uuid.uuid4().hex[:8])
    ap.add_argument("--group", default="g-" + uuid.uuid4().hex[:8])
    ap.add_argument("--count", type=int, default=30000)
    args = ap.parse_args()

    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    for f in admin.create_topics([NewTopic(args.topic, PARTITIONS, 1)]).values():
        f.result(30)
    seen, lock = {}, threading.Lock()
    members = [Member("m%d" % i, args.bootstrap, args.group, args.topic, seen, lock) for i in range(3)]
    for m in members:
        m.start()
    # All three own partitions before the records exist, so the work is shared whatever the
    # machine's speed; then member 0 leaves and member 3 joins mid-stream.
    wait_for(lambda: all(m.owned for m in members) or any(m.error for m in members), 60, "three members to own partitions")
    produce(args.bootstrap, args.topic, 0, args.count)
    wait_for(lambda: len(seen) >= args.count // 3, 60, "a third of the records")
    members[0].stop.set()
    members[0].join(30)
    late = Member("m3", args.bootstrap, args.group, args.topic, seen, lock)
    late.start()
    members.append(late)
    wait_for(lambda: len(seen) >= args.count or any(m.error for m in members), 90, "all records")
    for m in members:
        if m.error:
            raise Fail(str(m.error))
    # Once the group is stable, the three live members' shares are disjoint and complete
    # (read while all of them run: a member stopping would trigger another rebalance).
    def shares():
        return [sorted(m.assignment) for m in members[1:]]

    def complete():
        owned = [tp for share in shares() for tp in share]
        return len(owned) == len(set(owned)) == PARTITIONS

    wait_for(complete, 30, "a stable, complete assignment")
    owned = [tp for share in shares() for tp in share]
    for m in members[1:]:
        m.stop.set()
    for m in members[1:]:
        m.join(30)
        if m.error:
            raise Fail(str(m.error))
    if len(seen) != args.count:
        raise Fail("read %d records, produced %d" % (len(seen), args.count))
    per_member = {}
    for who in seen.values():
        per_member[who] = per_member.get(who, 0) + 1
    if len(per_member) < 3:
        raise Fail("the work was not shared: %s" % per_member)

    # Restart: committed offsets are resumed, only new records are read.
    produce(args.bootstrap, args.topic, args.count, args.count + 600)
    fresh, fresh_lock = {}, threading.Lock()
    again = [Member("r%d" % i, args.bootstrap, args.group, args.topic, fresh, fresh_lock) for i in range(3)]
    for m in again:
        m.start()
    wait_for(lambda: len(fresh) >= 600 or any(m.error for m in again), 60, "the 600 new records")
    time.sleep(1)
    for m in again:
        m.stop.set()
    for m in again:
        m.join(30)
        if m.error:
            raise Fail(str(m.error))
    if len(fresh) != 600:
        raise Fail("after restart read %d records, expected the 600 new ones" % len(fresh))

    print(json.dumps({"consumed": len(seen), "per_member": per_member, "resumed": len(fresh),
                      "final_owners": len(set(owned))}))


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        log("FAILED: %s" % e)
        sys.exit(1)
