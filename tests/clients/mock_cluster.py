#!/usr/bin/env python3
"""Run librdkafka's in-process mock Kafka cluster and print its bootstrap list.

Usage:
  python3 tests/clients/mock_cluster.py [--brokers 3] [--topic NAME:PARTITIONS ...]

Prints `BOOTSTRAP=host:port,host:port,...` as one line on stdout (flushed),
then keeps the cluster alive until stdin reaches EOF, SIGTERM/SIGINT arrives,
or --max-lifetime seconds pass (default 3600: a forgotten mock never outlives
its test run by long). Use --ignore-stdin when stdin is /dev/null.

The mock cluster is a real Kafka-protocol server that librdkafka (bundled in
confluent-kafka) runs inside this process, on 127.0.0.1 ports it picks. It
serves Produce, Fetch, ListOffsets, Metadata (auto-creating unknown topics
with 4 partitions), ApiVersions, FindCoordinator, the consumer-group APIs,
OffsetCommit/OffsetFetch, InitProducerId and the transaction APIs. It does
NOT serve CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs,
DescribeCluster... and its Metadata names no controller, so admin clients
cannot create or delete topics on it.

To make up for that, topics can be created with exact partition counts
through librdkafka's C mock API (rd_kafka_mock_topic_create, called with
ctypes), either with --topic at start or with commands on stdin, one a line;
each command gets one reply line on stdout, `OK ...` or `ERR ...`:
  create NAME PARTITIONS     create a topic (replication factor = brokers)
  down BROKER_ID             the broker closes its connections and refuses new ones
  up BROKER_ID               bring it back
"""
import argparse
import ctypes
import glob
import os
import select
import signal
import sys
import time

try:
    import confluent_kafka
    from confluent_kafka import Producer
except ImportError:
    sys.stderr.write("mock_cluster: confluent_kafka is not installed; run scripts/install-test-deps.sh\n")
    sys.exit(2)


def fail(msg, code=1):
    sys.stderr.write("mock_cluster: %s\n" % msg)
    sys.stderr.flush()
    sys.exit(code)


class MockControl:
    """ctypes access to librdkafka's mock-cluster C API for a confluent_kafka handle."""

    def __init__(self, producer):
        self.lib = self._load_lib()
        lib = self.lib
        lib.rd_kafka_name.restype = ctypes.c_char_p
        lib.rd_kafka_name.argtypes = [ctypes.c_void_p]
        lib.rd_kafka_handle_mock_cluster.restype = ctypes.c_void_p
        lib.rd_kafka_handle_mock_cluster.argtypes = [ctypes.c_void_p]
        lib.rd_kafka_mock_topic_create.restype = ctypes.c_int
        lib.rd_kafka_mock_topic_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
        lib.rd_kafka_mock_broker_set_down.restype = ctypes.c_int
        lib.rd_kafka_mock_broker_set_down.argtypes = [ctypes.c_void_p, ctypes.c_int32]
        lib.rd_kafka_mock_broker_set_up.restype = ctypes.c_int
        lib.rd_kafka_mock_broker_set_up.argtypes = [ctypes.c_void_p, ctypes.c_int32]
        lib.rd_kafka_err2str.restype = ctypes.c_char_p
        lib.rd_kafka_err2str.argtypes = [ctypes.c_int]
        # confluent_kafka's C Handle struct is {PyObject_HEAD; rd_kafka_t *rk; ...}:
        # the rd_kafka_t pointer sits right after the object header.
        rk = ctypes.c_void_p.from_address(id(producer) + object.__basicsize__).value
        if not rk:
            raise RuntimeError("could not read the rd_kafka_t handle from the Producer")
        name = lib.rd_kafka_name(rk) or b""
        if not name.startswith(b"rdkafka#producer"):
            raise RuntimeError("unexpected handle name %r: confluent_kafka layout changed" % name)
        self.mcluster = lib.rd_kafka_handle_mock_cluster(rk)
        if not self.mcluster:
            raise RuntimeError("the Producer has no mock cluster")
        self._keep = producer

    @staticmethod
    def _load_lib():
        pkg_dir = os.path.dirname(confluent_kafka.__file__)
        candidates = sorted(glob.glob(os.path.join(pkg_dir, os.pardir, "confluent_kafka.libs", "librdkafka*.so*")))
        candidates += ["librdkafka.so.1", "librdkafka.so"]
        for c in candidates:
            try:
                lib = ctypes.CDLL(c)
                lib.rd_kafka_handle_mock_cluster  # noqa: B018 (symbol check)
                return lib
            except (OSError, AttributeError):
                continue
        raise RuntimeError("cannot load the librdkafka shared library used by confluent_kafka")

    def _check(self, err, what):
        if err != 0:
            raise RuntimeError("%s: %s" % (what, self.lib.rd_kafka_err2str(err).decode()))

    def create_topic(self, name, partitions, rf):
        self._check(self.lib.rd_kafka_mock_topic_create(self.mcluster, name.encode(), partitions, rf),
                    "create %s" % name)

    def broker_down(self, broker_id):
        self._check(self.lib.rd_kafka_mock_broker_set_down(self.mcluster, broker_id), "down %d" % broker_id)

    def broker_up(self, broker_id):
        self._check(self.lib.rd_kafka_mock_broker_set_up(self.mcluster, broker_id), "up %d" % broker_id)


def reply(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def handle_command(ctl, line, nbrokers):
    parts = line.split()
    if not parts:
        return
    try:
        if parts[0] == "create" and len(parts) == 3:
            ctl.create_topic(parts[1], int(parts[2]), nbrokers)
            reply("OK create %s %s" % (parts[1], parts[2]))
        elif parts[0] in ("down", "up") and len(parts) == 2:
            (ctl.broker_down if parts[0] == "down" else ctl.broker_up)(int(parts[1]))
            reply("OK %s %s" % (parts[0], parts[1]))
        else:
            reply("ERR unknown command: %s" % line.strip())
    except (RuntimeError, ValueError) as e:
        reply("ERR %s" % e)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--brokers", type=int, default=3, help="number of mock brokers (default 3)")
    ap.add_argument("--topic", action="append", default=[], metavar="NAME:PARTITIONS",
                    help="create this topic before printing BOOTSTRAP (repeatable)")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds to wait for the mock cluster's metadata (default 30)")
    ap.add_argument("--max-lifetime", type=float, default=3600.0,
                    help="exit after this many seconds at the latest (default 3600)")
    ap.add_argument("--ignore-stdin", action="store_true",
                    help="do not watch stdin (run until SIGTERM or --max-lifetime)")
    args = ap.parse_args()

    stop = {"flag": False}

    def on_signal(_signum, _frame):
        stop["flag"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    # The producer owns the mock cluster; librdkafka points its own
    # bootstrap.servers at the mock brokers.
    p = Producer({"test.mock.num.brokers": args.brokers, "log_level": 2})

    ctl = None
    try:
        ctl = MockControl(p)
    except Exception as e:  # the harness still works without topic pre-creation
        sys.stderr.write("mock_cluster: mock control API unavailable (%s); create/down/up disabled\n" % e)
    for spec in args.topic:
        name, _, n = spec.rpartition(":")
        if not name or not n.isdigit():
            fail("bad --topic %r, expected NAME:PARTITIONS" % spec, 2)
        if ctl is None:
            fail("cannot pre-create topic %s without the mock control API" % name)
        try:
            ctl.create_topic(name, int(n), args.brokers)
        except RuntimeError as e:
            fail(str(e))

    deadline = time.monotonic() + args.timeout
    brokers = None
    last_err = None
    while time.monotonic() < deadline and not stop["flag"]:
        try:
            md = p.list_topics(timeout=min(5.0, max(0.1, deadline - time.monotonic())))
            if len(md.brokers) >= args.brokers:
                brokers = sorted(md.brokers.values(), key=lambda b: b.id)
                break
        except Exception as e:  # KafkaException while the mock starts
            last_err = e
        time.sleep(0.05)
    if not brokers:
        fail("no metadata from the mock cluster within %.0fs (%s)" % (args.timeout, last_err))

    reply("BOOTSTRAP=%s" % ",".join("%s:%d" % (b.host, b.port) for b in brokers))

    end = time.monotonic() + args.max_lifetime
    stdin_fd = None if args.ignore_stdin or sys.stdin is None else sys.stdin.fileno()
    buf = b""
    while not stop["flag"] and time.monotonic() < end:
        if stdin_fd is None:
            time.sleep(0.5)
            continue
        try:
            r, _, _ = select.select([stdin_fd], [], [], 0.5)
        except InterruptedError:
            continue
        if not r:
            continue
        try:
            data = os.read(stdin_fd, 4096)
        except OSError:
            data = b""
        if not data:  # EOF: the parent closed our stdin
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            line = line.decode("utf-8", "replace").strip()
            if line:
                if ctl is None:
                    reply("ERR mock control API unavailable")
                else:
                    handle_command(ctl, line, args.brokers)
    sys.stderr.write("mock_cluster: stopping\n")
    sys.stderr.flush()
    # Skip interpreter teardown of the librdkafka handle: exit at once.
    os._exit(0)


if __name__ == "__main__":
    main()
