#!/usr/bin/env python3
"""ACLs through confluent-kafka (librdkafka), against a broker running the StandardAuthorizer
with allow.everyone.if.no.acl.found=true and no super users; this client is User:ANONYMOUS.

Checks: create_acls / describe_acls / delete_acls round trip; a DENY WRITE on one topic makes
produce fail with TOPIC_AUTHORIZATION_FAILED while another topic still takes writes; an ALLOW
for someone else hides a topic from metadata and refuses reads; deleting the DENY restores writes.

usage: confluent_acls.py --bootstrap HOST:PORT [--timeout S]
Prints a one-line JSON summary last; exits 0 when every check passes, 1 otherwise.
"""
import argparse
import json
import sys
import uuid

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation, AclPermissionType,
                                   AdminClient, NewTopic, ResourcePatternType, ResourceType)


def fail(msg):
    print(f"confluent_acls: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def produce_one(bootstrap, topic, timeout):
    """The delivery error code, or None when the record was acknowledged."""
    errors = []
    p = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": int(timeout * 1000),
                  "allow.auto.create.topics": False})
    p.produce(topic, b"v", on_delivery=lambda err, msg: errors.append(err))
    p.flush(timeout)
    if not errors:
        fail(f"no delivery report for {topic}")
    return errors[0].code() if errors[0] is not None else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()
    t = a.timeout
    admin = AdminClient({"bootstrap.servers": a.bootstrap})
    suffix = uuid.uuid4().hex[:8]
    secret, open_, private = f"secret-{suffix}", f"open-{suffix}", f"private-{suffix}"
    for f in admin.create_topics([NewTopic(n, 1, 1) for n in (secret, open_, private)]).values():
        f.result(t)

    deny = AclBinding(ResourceType.TOPIC, secret, ResourcePatternType.LITERAL, "User:ANONYMOUS", "*",
                      AclOperation.WRITE, AclPermissionType.DENY)
    bob = AclBinding(ResourceType.TOPIC, private, ResourcePatternType.LITERAL, "User:bob", "*",
                     AclOperation.READ, AclPermissionType.ALLOW)
    for f in admin.create_acls([deny, bob]).values():
        f.result(t)
    listed = admin.describe_acls(AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                                                  AclOperation.ANY, AclPermissionType.ANY)).result(t)
    if sorted(map(str, listed)) != sorted(map(str, [deny, bob])):
        fail(f"describe_acls gave {listed}")

    if produce_one(a.bootstrap, open_, t) is not None:
        fail("produce to the open topic was refused")
    code = produce_one(a.bootstrap, secret, t)
    if code != KafkaError.TOPIC_AUTHORIZATION_FAILED:
        fail(f"produce to the denied topic gave {code}, expected TOPIC_AUTHORIZATION_FAILED")

    topics = admin.list_topics(timeout=t).topics
    if private in topics or open_ not in topics:
        fail(f"metadata should hide {private} and show {open_}: {sorted(topics)}")

    c = Consumer({"bootstrap.servers": a.bootstrap, "group.id": f"g-{suffix}", "auto.offset.reset": "earliest"})
    c.subscribe([private])
    refused = None
    for _ in range(int(t * 2)):
        try:
            m = c.poll(0.5)
        except KafkaException as e:
            refused = e.args[0].code()
            break
        if m is not None and m.error():
            refused = m.error().code()
            break
    c.close()
    if refused != KafkaError.TOPIC_AUTHORIZATION_FAILED:
        fail(f"reading {private} as User:ANONYMOUS gave {refused}, expected TOPIC_AUTHORIZATION_FAILED")

    deleted = admin.delete_acls([AclBindingFilter(ResourceType.TOPIC, secret, ResourcePatternType.LITERAL, None, None,
                                                  AclOperation.ANY, AclPermissionType.ANY)])
    removed = list(deleted.values())[0].result(t)
    if [str(b) for b in removed] != [str(deny)]:
        fail(f"delete_acls removed {removed}")
    if produce_one(a.bootstrap, secret, t) is not None:
        fail("produce to the formerly denied topic still refused")
    print(json.dumps({"acls_created": 2, "acls_deleted": len(removed), "denied_produce": True,
                      "hidden_topic": True, "denied_read": True}))


if __name__ == "__main__":
    main()
