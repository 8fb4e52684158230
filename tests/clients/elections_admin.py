#!/usr/bin/env python3
"""Leader elections and reassignments through clients kbox did not write.

  elections_admin.py --bootstrap B elect --type preferred|unclean [--partition topic:p ...]
  elections_admin.py --bootstrap B reassignments

elect: confluent-kafka's AdminClient.elect_leaders (librdkafka's ElectLeaders) on the given
partitions (all when none is given); prints {"topic-p": "NONE" | "<error name>", ...}.
reassignments: kafka-python's KafkaAdminClient.list_partition_reassignments; prints
{"topic-p": {"replicas": [..], "adding": [..], "removing": [..]}, ...}.
Exit 0 when the call was answered (per-partition errors are data), 1 on a request error,
2 on bad usage or a missing client library.
"""
import argparse
import json
import sys


def elect(bootstrap, kind, partitions):
    try:
        from confluent_kafka import TopicPartition
        from confluent_kafka.admin import AdminClient
        from confluent_kafka import ElectionType
    except ImportError:
        sys.stderr.write("elections_admin: confluent_kafka is not installed; run scripts/install-test-deps.sh\n")
        sys.exit(2)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    election = ElectionType.PREFERRED if kind == "preferred" else ElectionType.UNCLEAN
    targets = None
    if partitions:
        targets = []
        for p in partitions:
            topic, _, index = p.rpartition(":")
            targets.append(TopicPartition(topic, int(index)))
    result = admin.elect_leaders(election, targets).result(timeout=60)
    out = {}
    for tp, error in result.items():
        name = "%s-%d" % (tp.topic, tp.partition)
        if error is None:
            out[name] = "NONE"
        else:
            err = error.args[0] if getattr(error, "args", None) else error
            out[name] = err.name() if hasattr(err, "name") else str(err)
    print(json.dumps(out, sort_keys=True))


def reassignments(bootstrap):
    try:
        from kafka import KafkaAdminClient
    except ImportError:
        sys.stderr.write("elections_admin: kafka-python is not installed; run scripts/install-test-deps.sh\n")
        sys.exit(2)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        listed = admin.list_partition_reassignments()
    finally:
        admin.close()
    out = {}
    for tp, r in listed.items():
        out["%s-%d" % (tp.topic, tp.partition)] = {
            "replicas": list(r["replicas"]),
            "adding": list(r["adding_replicas"]),
            "removing": list(r["removing_replicas"]),
        }
    print(json.dumps(out, sort_keys=True))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("elect")
    e.add_argument("--type", choices=["preferred", "unclean"], required=True)
    e.add_argument("--partition", action="append", default=[])
    sub.add_parser("reassignments")
    args = parser.parse_args()
    try:
        if args.command == "elect":
            elect(args.bootstrap, args.type, args.partition)
        else:
            reassignments(args.bootstrap)
    except Exception as e:  # a request-level failure: reported, exit 1
        sys.stderr.write("elections_admin: %r\n" % (e,))
        sys.exit(1)


if __name__ == "__main__":
    main()
