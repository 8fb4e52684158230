#!/usr/bin/env python3
"""Fault tests of a 3-node kbox cluster (issue 6), judged by an independent client.

  run.py [--kbox BIN] [--short] [--out DIR] [--rate N] [--partitions N] [scenario ...]

For each scenario: start three `kbox server-start` processes (broker+controller each, free
127.0.0.1 ports, a fresh temporary directory), create a topic with RF=3 and
min.insync.replicas=2, produce continuously with confluent-kafka (acks=all,
enable.idempotence=true), inject the fault, heal, stop producing, then check:

- every acknowledged record is read back once, at the offset it was acknowledged at
  (lost, moved, inconsistent offsets, duplicated), and per partition in the order it was sent
  (out of order); a record librdkafka acknowledged implicitly, without an offset (its own
  request's answer was lost, a later one succeeded), is checked by its partition only;
- every replica's log of every partition is the same bytes once the ISR is full (replicas
  agree: a deposed leader truncated its unacknowledged tail and follows);
- what the scenario promises (a new leader, a rejoined ISR, no non-retriable error, ...).

Scenarios (all when none is named):
  leader-kill      kill -9 the leader of partition 0 and restart it, five times (--short: 3)
  follower-kill    kill -9 a follower of partition 0 and restart it: writes continue, ISR regrows
  leader-pause     SIGSTOP the leader of partition 0 past broker.session.timeout.ms, then SIGCONT
  rolling-restart  SIGTERM each broker in turn and restart it
  kill-all         kill -9 all three brokers and restart them
  controller-kill  kill -9 the active controller: a new one is elected, topic creation works
  leader-bounce    kill -9 the leader of partition 0 and restart it at once (before its session
                   expires), five times (--short: 3)
  controller-pause leader-pause aimed at the active controller
  follower-power-loss  kill -9 a follower of partition 0, cut (or zero 4 KiB pages of) each
                   partition's active segment at a random byte past its last fsync, restart it
  all-power-loss   the same on all three nodes, topic with flush.messages=1; the old leader of
                   partition 0 restarts last, after a new leader was elected
  leader-isolated  (root, ip netns) blackhole routes from partition 0's leader to its peers
  controller-isolated  (root, ip netns) the same aimed at the active controller

Prints one line per scenario and a table, and writes DIR/results.json (DIR/<scenario>.json
too) with, per scenario: acked, lost, moved, inconsistent, duplicated, out_of_order,
delivery_errors, longest_ack_gap_s (per partition), recover_s (from each fault until every
partition acknowledged a record sent after it), scenario figures and `valid`.
Exit 0 when every scenario is valid, 1 otherwise, 2 on bad usage.
"""
import argparse
import ctypes
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid

try:
    from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition, OFFSET_BEGINNING
except ImportError:
    sys.stderr.write("faults: confluent_kafka is not installed; run scripts/install-test-deps.sh\n")
    sys.exit(2)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIOS = ["leader-kill", "follower-kill", "leader-pause", "rolling-restart", "kill-all", "controller-kill",
             "leader-bounce", "controller-pause", "follower-power-loss", "all-power-loss", "leader-isolated",
             "controller-isolated"]
# Run only as root with network namespaces; reported as skipped otherwise.
NETWORK_SCENARIOS = {"leader-isolated", "controller-isolated"}
TOPIC = "faults"
# Topic configs beyond min.insync.replicas=2: an fsync before every acknowledgement.
TOPIC_CONFIGS = {"all-power-loss": ["flush.messages=1"]}


def log(msg):
    sys.stderr.write("faults %s %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


class Fail(Exception):
    pass


def wait_for(what, timeout, check, interval=0.1):
    """Polls `check` (asking the cluster again each time) until it returns a truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise Fail("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Skip(Exception):
    pass


CLONE_NEWNET = 0x40000000


def setns(path):
    """Moves this thread (and the threads and processes it starts later) to a network namespace."""
    fd = os.open(path, os.O_RDONLY)
    try:
        if ctypes.CDLL(None, use_errno=True).setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns %s" % path)
    finally:
        os.close(fd)


class Lab:
    """Network namespaces for the partition scenarios: nodes 1-3 and the driver (producer,
    checker, tools) each in a namespace of its own, joined by veth to a bridge in a lab
    namespace, on 10.66.6.0/29; nothing is routed out. Names carry a random suffix, so two runs
    at once do not collide; teardown() removes every namespace (with its veths and bridge)."""

    def __init__(self):
        self.prefix = "kbf%s" % uuid.uuid4().hex[:8]
        self.created = []
        self.home = None
        self.blackholes = []

    def namespace(self, member):
        return "%s-%s" % (self.prefix, "n%d" % member if isinstance(member, int) else member)

    @staticmethod
    def address(member):
        return "10.66.6.%d" % (member if isinstance(member, int) else 4)

    def ip(self, *args):
        out = subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise Fail("ip %s: %s" % (" ".join(args), out.stderr.strip()))

    def up(self):
        if os.geteuid() != 0 or not shutil.which("ip"):
            raise Skip("needs root and iproute2 (ip netns)")
        lab = self.namespace("lab")
        try:
            self.ip("netns", "add", lab)
        except Fail as e:
            raise Skip("network namespaces unavailable: %s" % e)
        self.created.append(lab)
        try:
            self.build(lab)
        except (Fail, OSError) as e:
            # Namespaces without bridges or veths here: the host cannot run these scenarios.
            raise Skip("cannot build the lab network: %s" % e)

    def build(self, lab):
        self.ip("-n", lab, "link", "add", "br0", "type", "bridge")
        self.ip("-n", lab, "link", "set", "br0", "up")
        for member in (1, 2, 3, "client"):
            ns = self.namespace(member)
            self.ip("netns", "add", ns)
            self.created.append(ns)
            self.ip("-n", ns, "link", "set", "lo", "up")
            port = "v%s" % member
            self.ip("-n", lab, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
            self.ip("-n", lab, "link", "set", port, "master", "br0", "up")
            self.ip("-n", ns, "addr", "add", "%s/29" % self.address(member), "dev", "eth0")
            self.ip("-n", ns, "link", "set", "eth0", "up")
        # The driver's own thread moves into the client namespace: the producer's and the
        # tools' threads and processes, started from it, follow.
        self.home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        setns("/run/netns/%s" % self.namespace("client"))

    def isolate(self, n, peers):
        """Blackhole routes in node n's namespace to each peer: nothing it sends them leaves
        (their packets still arrive, its answers do not)."""
        for peer in peers:
            self.ip("-n", self.namespace(n), "route", "add", "blackhole", "%s/32" % self.address(peer))
            self.blackholes.append((n, peer))

    def heal(self):
        for n, peer in self.blackholes:
            self.ip("-n", self.namespace(n), "route", "del", "blackhole", "%s/32" % self.address(peer))
        self.blackholes = []

    def teardown(self):
        if self.home is not None:
            if ctypes.CDLL(None, use_errno=True).setns(self.home, CLONE_NEWNET) != 0:
                log("could not return to the host's network namespace (errno %d)" % ctypes.get_errno())
            os.close(self.home)
            self.home = None
        for ns in reversed(self.created):
            out = subprocess.run(["ip", "netns", "del", ns], capture_output=True, text=True)
            if out.returncode != 0:
                log("could not remove namespace %s: %s" % (ns, out.stderr.strip()))
        self.created = []


class Cluster:
    """Three broker+controller nodes as child processes."""

    def __init__(self, kbox, root, session_ms, heartbeat_ms, lag_ms, lab=None):
        self.kbox = kbox
        self.root = root
        self.session_ms = session_ms
        self.lab = lab
        self.procs = {}
        self.paused = set()
        if lab:
            # Each node has a namespace and an address of its own: the same ports everywhere.
            self.host = {n: lab.address(n) for n in (1, 2, 3)}
            self.broker_port = {n: 9092 for n in (1, 2, 3)}
            controller_port = {n: 9093 for n in (1, 2, 3)}
        else:
            self.host = {n: "127.0.0.1" for n in (1, 2, 3)}
            ports = free_ports(6)
            self.broker_port = {n: ports[n - 1] for n in (1, 2, 3)}
            controller_port = {n: ports[n + 2] for n in (1, 2, 3)}
        voters = ",".join("%d@%s:%d" % (n, self.host[n], controller_port[n]) for n in (1, 2, 3))
        cluster_id = self.cli(["storage", "random-uuid"]).strip()
        for n in (1, 2, 3):
            text = "\n".join([
                "process.roles=broker,controller",
                "node.id=%d" % n,
                "controller.quorum.voters=%s" % voters,
                "listeners=PLAINTEXT://%s:%d,CONTROLLER://%s:%d" % (self.host[n], self.broker_port[n], self.host[n],
                                                                  controller_port[n]),
                "advertised.listeners=PLAINTEXT://%s:%d" % (self.host[n], self.broker_port[n]),
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=%s" % self.data_dir(n),
                "broker.heartbeat.interval.ms=%d" % heartbeat_ms,
                "broker.session.timeout.ms=%d" % session_ms,
                "replica.lag.time.max.ms=%d" % lag_ms,
                "offsets.topic.replication.factor=3",
                "",
            ])
            with open(self.config(n), "w") as f:
                f.write(text)
            self.cli(["storage", "format", "-t", cluster_id, "-c", self.config(n)])

    def config(self, n):
        return os.path.join(self.root, "node%d.properties" % n)

    def data_dir(self, n):
        return os.path.join(self.root, "node%d" % n)

    def bootstrap(self, n=None):
        nodes = [n] if n else [1, 2, 3]
        return ",".join("%s:%d" % (self.host[i], self.broker_port[i]) for i in nodes)

    def cli(self, args, check=True, timeout=30):
        out = subprocess.run([self.kbox] + args, capture_output=True, text=True, timeout=timeout)
        if check and out.returncode != 0:
            raise Fail("kbox %s: %s%s" % (" ".join(args), out.stdout, out.stderr))
        return out.stdout if check else (out.returncode, out.stdout, out.stderr)

    def log_path(self, n):
        return os.path.join(self.root, "node%d.log" % n)

    def start(self, n):
        logf = open(self.log_path(n), "a")
        # kbox::fsync: each flush's flushed offset, for the power-loss scenarios.
        env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "info,kbox::fsync=debug"))
        # Nodes must not outlive the driver, however it ends: setpriv execs kbox with a parent-death
        # signal (a preexec_fn is not safe with the producer's threads running).
        command = [self.kbox, "server-start", self.config(n)]
        if self.lab:
            command = ["ip", "netns", "exec", self.lab.namespace(n)] + command
        if shutil.which("setpriv"):
            command = ["setpriv", "--pdeathsig", "KILL", "--"] + command
        self.procs[n] = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, env=env)
        logf.close()

    def running(self):
        return [n for n, p in sorted(self.procs.items()) if p.poll() is None]

    def kill9(self, n):
        p = self.procs.pop(n)
        p.kill()
        p.wait()
        self.paused.discard(n)

    def terminate(self, n, timeout=60):
        p = self.procs.pop(n)
        p.terminate()
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise Fail("node %d did not stop within %d s of SIGTERM" % (n, timeout))

    def pause(self, n):
        """SIGSTOP; returns when it was sent."""
        os.kill(self.procs[n].pid, signal.SIGSTOP)
        at = time.monotonic()
        self.paused.add(n)
        return at

    def resume(self, n):
        os.kill(self.procs[n].pid, signal.SIGCONT)
        self.paused.discard(n)

    def stop_all(self):
        for n in list(self.paused):
            self.resume(n)
        for n in list(self.procs):
            self.kill9(n)

    # Views of the cluster, asked of one broker at a time (views may lag: tests ask each).

    def brokers_seen_by(self, n):
        try:
            out = subprocess.run(["kcat", "-L", "-J", "-m", "3", "-b", self.bootstrap(n)],
                                 capture_output=True, text=True, timeout=10)
            return sorted(b["id"] for b in json.loads(out.stdout)["brokers"]) if out.returncode == 0 else []
        except (ValueError, KeyError, subprocess.TimeoutExpired):
            return []

    def partitions_seen_by(self, n, topic=TOPIC):
        """{partition: (leader, isr)} from `kbox topics --describe` against node n, or None."""
        try:
            code, out, _ = self.cli(["topics", "--bootstrap-server", self.bootstrap(n), "--describe",
                                     "--topic", topic], check=False, timeout=15)
        except subprocess.TimeoutExpired:
            return None
        if code != 0:
            return None
        rows = {}
        for line in out.splitlines():
            fields = {}
            for f in line.split("\t"):
                if ":" in f:
                    k, v = f.split(":", 1)
                    fields[k.strip()] = v.strip()
            if "Partition" in fields and "Leader" in fields:
                try:
                    isr = sorted(int(x) for x in fields.get("Isr", "").split(",") if x.strip())
                    rows[int(fields["Partition"])] = (int(fields["Leader"]), isr)
                except ValueError:
                    return None
        return rows or None

    def wait_registered(self, timeout=60):
        for n in self.running():
            wait_for("node %d to see brokers 1-3" % n, timeout,
                     lambda n=n: self.brokers_seen_by(n) == [1, 2, 3])

    def full_isr_everywhere(self, partitions):
        for n in self.running():
            rows = self.partitions_seen_by(n)
            if not rows or len(rows) != partitions:
                return False
            if any(isr != [1, 2, 3] or leader < 0 for leader, isr in rows.values()):
                return False
        return True

    def leader_of(self, partition, asking=None):
        for n in ([asking] if asking else self.running()):
            rows = self.partitions_seen_by(n)
            if rows and partition in rows and rows[partition][0] >= 0:
                return rows[partition][0]
        return None

    def active_controller(self, n):
        code, out, _ = self.cli(["metadata-quorum", "--bootstrap-server", self.bootstrap(n), "describe", "--status"],
                                check=False, timeout=15)
        if code != 0:
            return None
        for line in out.splitlines():
            if line.startswith("LeaderId:"):
                try:
                    return int(line.split(":", 1)[1])
                except ValueError:
                    return None
        return None

    def log_digests(self, partition, topic=TOPIC):
        """{node: sha256 of the partition's .log segments in order} on every node."""
        digests = {}
        for n in (1, 2, 3):
            d = os.path.join(self.data_dir(n), "%s-%d" % (topic, partition))
            h = hashlib.sha256()
            try:
                for name in sorted(f for f in os.listdir(d) if f.endswith(".log")):
                    with open(os.path.join(d, name), "rb") as f:
                        h.update(f.read())
            except OSError:
                digests[n] = None
                continue
            digests[n] = h.hexdigest()
        return digests

    def partition_dir(self, n, partition, topic=TOPIC):
        return os.path.join(self.data_dir(n), "%s-%d" % (topic, partition))

    def checkpointed_offsets(self, n, topic=TOPIC):
        """{partition: Kafka's recovery-point-offset-checkpoint of node n}: below it records,
        indexes and leader epochs are fsynced."""
        points = {}
        try:
            with open(os.path.join(self.data_dir(n), "recovery-point-offset-checkpoint")) as f:
                for line in f.read().splitlines()[2:]:
                    t, p, o = line.split()
                    if t == topic:
                        points[int(p)] = int(o)
        except (OSError, ValueError):
            pass
        return points

    def durable_offsets(self, n, topic=TOPIC):
        """{partition: the offset below which node n's records are known fsynced}: the larger of
        the checkpointed recovery point (written every log.flush.offset.checkpoint.interval.ms)
        and the last flushed offset the node logged after an fsync (target kbox::fsync)."""
        points = self.checkpointed_offsets(n, topic)
        # The last line, not the largest: a truncation lowers the recovery point.
        logged = {}
        flushed = re.compile(r"log flushed topic=(\S+) partition=(\d+) flushed_offset=(\d+)")
        with open(self.log_path(n), errors="replace") as f:
            for m in flushed.finditer(f.read()):
                if m.group(1) == topic:
                    logged[int(m.group(2))] = int(m.group(3))
        for p, o in logged.items():
            points[p] = max(points.get(p, 0), o)
        return points

    def log_bytes(self, n, partition, topic=TOPIC):
        d = self.partition_dir(n, partition, topic)
        return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".log"))

    def power_loss(self, n, rng, partitions, topic=TOPIC):
        """On stopped node n, what a power loss could leave of each partition's active segment:
        cut at a random byte past its last fsync, or random 4 KiB pages there zeroed; and half
        the time its index files cut past the entries the checkpointed recovery point covers
        (indexes are fsynced only before that point moves). Returns one dict per partition
        saying what was done."""
        durable = self.durable_offsets(n, topic)
        checkpointed = self.checkpointed_offsets(n, topic)
        done = []
        for p in range(partitions):
            d = self.partition_dir(n, p, topic)
            logs = sorted((f for f in os.listdir(d) if f.endswith(".log")), key=lambda f: int(f.split(".")[0]))
            path = os.path.join(d, logs[-1])
            base = int(logs[-1].split(".")[0])
            with open(path, "rb") as f:
                data = f.read()
            boundaries = batch_boundaries(data)
            point = durable.get(p, 0)
            # The byte position of the first batch at or past the recovery point.
            fsynced = next((pos for pos, first in boundaries if first >= point), len(data)) if point > base else 0
            what = {"node": n, "partition": p, "recovery_point": point, "fsynced_bytes": fsynced,
                    "size": len(data), "mode": "none"}
            unsynced = len(data) - fsynced
            pages = list(range(-(-fsynced // 4096) * 4096, len(data), 4096))
            if unsynced > 1 and (not pages or rng.random() < 0.5):
                cut = rng.randint(fsynced + 1, len(data) - 1)
                os.truncate(path, cut)
                what.update(mode="cut", at=cut, bytes_lost=len(data) - cut)
            elif pages:
                chosen = sorted(rng.sample(pages, min(len(pages), rng.randint(1, 3))))
                with open(path, "r+b") as f:
                    for page in chosen:
                        f.seek(page)
                        f.write(bytes(min(4096, len(data) - page)))
                what.update(mode="zeroed pages", pages=chosen)
            # A torn batch (a cut off a boundary, or zeroes over bytes that were not all zero
            # already) must be found and truncated by recovery.
            what["torn"] = (what["mode"] == "zeroed pages" and any(any(data[page:page + 4096]) for page in what["pages"])) or (
                what["mode"] == "cut" and what["at"] not in {pos for pos, _ in boundaries})
            if rng.random() < 0.5:
                what["index_entries_lost"] = cut_indexes(path, base, checkpointed.get(p, 0), rng)
            done.append(what)
        return done


def cut_indexes(log_path, base, recovery_point, rng):
    """Truncates a segment's .index and .timeindex at a random whole entry past those whose
    offset is below the recovery point. Returns how many entries each lost."""
    lost = {}
    # (suffix, entry size, where the relative offset sits in an entry)
    for suffix, size, at in ((".index", 8, 0), (".timeindex", 12, 8)):
        path = log_path[:-len(".log")] + suffix
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        entries = len(data) // size
        offsets = [base + int.from_bytes(data[i * size + at:i * size + at + 4], "big") for i in range(entries)]
        keep = sum(1 for o in offsets if o < recovery_point)
        cut = rng.randint(keep, entries)
        os.truncate(path, cut * size)
        lost[suffix] = entries - cut
    return lost


def batch_boundaries(data):
    """[(byte position, base offset)] of every whole batch in a segment's bytes, then the end of
    the last whole one (with a base offset past any) (Kafka's format: base offset, then the length of the rest)."""
    out = []
    pos = 0
    while pos + 12 <= len(data):
        base = int.from_bytes(data[pos:pos + 8], "big", signed=True)
        length = int.from_bytes(data[pos + 8:pos + 12], "big", signed=True)
        if length <= 0 or pos + 12 + length > len(data):
            break
        out.append((pos, base))
        pos += 12 + length
    out.append((pos, 1 << 62))
    return out


class Workload:
    """One idempotent acks=all producer writing unique values round-robin over the partitions at
    a fixed rate, remembering when each record was sent and acknowledged."""

    def __init__(self, bootstrap, partitions, rate):
        self.partitions = partitions
        self.rate = rate
        self.run_id = uuid.uuid4().hex[:8]
        self.sent = 0
        self.acks = []  # (t_ack, t_send, partition, offset, seq)
        self.delivery_errors = []  # (t, error)
        self.client_errors = {}  # error name -> count (connection losses etc., retriable)
        self.fatal = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.producer = Producer({
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 5,
            # Retried (idempotently) for as long as a fault can last; a failure is a finding.
            "message.timeout.ms": 120000,
            "request.timeout.ms": 10000,
            "reconnect.backoff.ms": 50,
            "reconnect.backoff.max.ms": 500,
            "error_cb": self.on_error,
            "log_level": 2,
        })
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def on_error(self, err):
        name = err.name()
        with self.lock:
            self.client_errors[name] = self.client_errors.get(name, 0) + 1
            if err.fatal():
                self.fatal.append(str(err))
                log("FATAL producer error: %s" % err)

    def loop(self):
        start = time.monotonic()
        i = 0
        while not self.stopping.is_set():
            due = start + i / self.rate
            now = time.monotonic()
            if due > now:
                self.producer.poll(min(due - now, 0.05))
                continue
            partition = i % self.partitions
            t_send = time.monotonic()

            def on_delivery(err, msg, t_send=t_send, seq=i):
                now = time.monotonic()
                if err is not None:
                    with self.lock:
                        self.delivery_errors.append((now, str(err)))
                        if len(self.delivery_errors) <= 3:
                            log("delivery failed: %s" % err)
                    return
                with self.lock:
                    self.acks.append((now, t_send, msg.partition(), msg.offset(), seq))

            try:
                self.producer.produce(TOPIC, value="%s:%d" % (self.run_id, i), partition=partition,
                                      on_delivery=on_delivery)
                i += 1
                self.sent = i
            except BufferError:
                self.producer.poll(0.1)
            self.producer.poll(0)

    def start(self):
        self.started = time.monotonic()
        self.thread.start()

    def acked(self):
        with self.lock:
            return len(self.acks)

    def wait_acks(self, more, timeout, what):
        target = self.acked() + more
        wait_for("%d more acks (%s)" % (more, what), timeout, lambda: self.acked() >= target)

    def stop(self, timeout=90):
        self.stopping.set()
        self.thread.join()
        self.stopped = time.monotonic()
        left = self.producer.flush(timeout)
        return left


def final_read(bootstrap, partitions, timeout=90):
    """Reads every partition from the start to its high watermark: {p: [(offset, value)]}."""
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "faults-check-%s" % uuid.uuid4().hex[:8],
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "error",
        "log_level": 2,
    })
    deadline = time.monotonic() + timeout
    try:
        high = {}
        for p in range(partitions):
            while p not in high:
                try:
                    high[p] = consumer.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=5)[1]
                except Exception as e:  # the cluster may still be settling
                    if time.monotonic() >= deadline:
                        raise Fail("no watermarks for partition %d: %s" % (p, e))
                    time.sleep(0.2)
        records = {p: [] for p in range(partitions)}
        pos = {p: 0 for p in range(partitions)}
        todo = {p for p in range(partitions) if high[p] > 0}
        consumer.assign([TopicPartition(TOPIC, p, OFFSET_BEGINNING) for p in sorted(todo)])
        while todo:
            if time.monotonic() >= deadline:
                raise Fail("final read timed out: at %s of %s" % (pos, high))
            for msg in consumer.consume(num_messages=10000, timeout=1.0):
                p = msg.partition()
                if msg.error() is not None:
                    if msg.error().code() != KafkaError._PARTITION_EOF:
                        raise Fail("final read of partition %d: %s" % (p, msg.error()))
                    pos[p] = max(pos[p], msg.offset())
                else:
                    records[p].append((msg.offset(), (msg.value() or b"").decode("utf-8", "replace")))
                    pos[p] = max(pos[p], msg.offset() + 1)
                if p in todo and pos[p] >= high[p]:
                    todo.discard(p)
        return records, high
    finally:
        consumer.close()


def check(workload, records, high):
    """The queue checker: every acknowledged record once, at its offset, in order."""
    prefix = workload.run_id + ":"
    at = {}  # (p, o) -> value read there
    where = {}  # value -> [(p, o)] of every place it was read
    out_of_order = 0
    for p, rows in records.items():
        last_seq = -1
        for o, v in rows:
            at[(p, o)] = v
            where.setdefault(v, []).append((p, o))
            if v.startswith(prefix):
                seq = int(v[len(prefix):])
                if seq < last_seq:
                    out_of_order += 1
                last_seq = max(last_seq, seq)
    acked_at = {}
    inconsistent = lost = moved = without_offset = 0
    examples = []
    for _, _, p, o, seq in workload.acks:
        v = "%s%d" % (prefix, seq)
        if (p, o) in acked_at and acked_at[(p, o)] != v:
            inconsistent += 1  # one offset acknowledged for two records
        acked_at[(p, o)] = v
        if o is None or o < 0:
            # librdkafka acknowledges a request whose answer it lost (a timeout, a dropped
            # connection) "implicitly" once a later request of the same producer succeeds: its
            # records are delivered without an offset. Then only the partition can be checked.
            without_offset += 1
            places = where.get(v, [])
            if any(q == p for q, _ in places):
                continue
            if places:
                moved += 1
                examples.append("p%d (no offset) acked %s, read at %s" % (p, v, places))
            else:
                lost += 1
                examples.append("p%d (no offset) acked %s, not read" % (p, v))
            continue
        got = at.get((p, o))
        if got == v:
            continue
        if got is not None:
            inconsistent += 1
            examples.append("p%d@%d acked %s, holds %s" % (p, o, v, got))
        elif v in where:
            moved += 1
            examples.append("p%d@%d acked %s, read at %s" % (p, o, v, where[v]))
        else:
            lost += 1
            examples.append("p%d@%d acked %s, not read (high watermark %d)" % (p, o, v, high.get(p, -1)))
    duplicated = sum(len(places) - 1 for v, places in where.items() if v.startswith(prefix) and len(places) > 1)
    return {
        "acked": len(workload.acks), "sent": workload.sent, "read": len(at), "lost": lost, "moved": moved,
        "inconsistent": inconsistent, "duplicated": duplicated, "out_of_order": out_of_order,
        "acked_without_offset": without_offset, "examples": examples[:10],
    }


def ack_figures(workload, faults):
    """Longest gap between acks of one partition, and time to recover from each fault."""
    by_partition = {}
    for t_ack, t_send, p, _, _ in workload.acks:
        by_partition.setdefault(p, []).append((t_ack, t_send))
    longest = (0.0, None, None)
    for p, acks in by_partition.items():
        times = sorted(t for t, _ in acks) + [workload.stopped]
        for a, b in zip(times, times[1:]):
            if b - a > longest[0]:
                longest = (b - a, p, a - workload.started)
    recover = []
    for name, t0 in faults:
        per_partition = []
        for p in range(workload.partitions):
            after = [t_ack for t_ack, t_send in by_partition.get(p, []) if t_send >= t0]
            per_partition.append(round(min(after) - t0, 3) if after else None)
        worst = max((float("inf") if r is None else r for r in per_partition), default=0.0)
        recover.append({"fault": name, "at_s": round(t0 - workload.started, 2), "recover_s": round(worst, 2),
                        "per_partition_s": per_partition})
    return {
        "longest_ack_gap_s": round(longest[0], 2), "longest_ack_gap_partition": longest[1],
        "longest_ack_gap_at_s": round(longest[2], 2) if longest[2] is not None else None,
        "recover_s": max((r["recover_s"] for r in recover), default=0.0), "faults": recover,
    }


class Run:
    """One scenario: a fresh cluster, the workload, the fault, the checks."""

    def __init__(self, args, name):
        self.args = args
        self.name = name
        self.root = tempfile.mkdtemp(prefix="kbox-faults-%s-" % name)
        self.faults = []  # (name, monotonic time)
        self.figures = {}
        self.problems = []
        self.workload = None
        self.cluster = None
        self.lab = None
        self.rng = random.Random(args.seed)

    def create_cluster(self):
        """The namespaces first when the scenario partitions the network (Skip without them)."""
        if self.name in NETWORK_SCENARIOS:
            self.lab = Lab()
            self.lab.up()
        a = self.args
        self.cluster = Cluster(a.kbox, self.root, a.session_ms, a.heartbeat_ms, a.lag_ms, self.lab)

    def fault(self, what, at=None):
        """Notes a fault injected at `at` (default: now, right after the injection)."""
        at = at or time.monotonic()
        self.faults.append((what, at))
        log("%s: %s" % (self.name, what))

    def expect(self, ok, problem):
        if not ok:
            self.problems.append(problem)
            log("%s: PROBLEM %s" % (self.name, problem))

    def setup(self):
        c = self.cluster
        for n in (1, 2, 3):
            c.start(n)
        c.wait_registered()
        c.cli(["topics", "--bootstrap-server", c.bootstrap(1), "--create", "--topic", TOPIC,
               "--partitions", str(self.args.partitions), "--replication-factor", "3",
               "--config", "min.insync.replicas=2"] + [x for c in TOPIC_CONFIGS.get(self.name, [])
                                                        for x in ("--config", c)])
        wait_for("the topic's full ISR on every node", 60, lambda: c.full_isr_everywhere(self.args.partitions))
        self.workload = Workload(c.bootstrap(), self.args.partitions, self.args.rate)
        self.workload.start()
        self.workload.wait_acks(self.args.rate * self.args.steady_s, 120, "steady state")

    def wait_full_isr(self, what, since):
        self.cluster_wait(what, lambda: self.cluster.full_isr_everywhere(self.args.partitions), 120)
        took = time.monotonic() - since
        self.figures.setdefault("isr_restored_s", []).append(round(took, 2))
        return took

    def cluster_wait(self, what, check, timeout):
        try:
            return wait_for(what, timeout, check)
        except Fail as e:
            self.expect(False, str(e))
            return None

    def wait_new_leader(self, partition, victim, since):
        """A leader other than `victim` for `partition` seen by every other running node."""
        c = self.cluster

        def elected():
            leaders = set()
            for n in c.running():
                if n in c.paused or n == victim:
                    continue
                leaders.add(c.leader_of(partition, asking=n))
            return len(leaders) == 1 and None not in leaders and victim not in leaders
        if self.cluster_wait("a new leader for partition %d" % partition, elected, 60):
            self.figures.setdefault("election_s", []).append(round(time.monotonic() - since, 2))

    def steady_writes(self, what):
        try:
            self.workload.wait_acks(self.args.rate * self.args.fault_s, 120, what)
        except Fail as e:
            self.expect(False, str(e))

    def finish(self):
        w, c = self.workload, self.cluster
        if not c.running() or len(c.running()) < 3:
            self.expect(False, "nodes not running at the end: %s" % c.running())
        wait_for("the full ISR before stopping the producer", 120,
                 lambda: c.full_isr_everywhere(self.args.partitions))
        unanswered = w.stop()
        records, high = final_read(c.bootstrap(), self.args.partitions)
        result = check(w, records, high)
        result.update(ack_figures(w, self.faults))
        result["unanswered"] = unanswered
        result["delivery_errors"] = len(w.delivery_errors)
        result["fatal_errors"] = len(w.fatal)
        result["client_errors"] = w.client_errors
        # Every replica holds the same bytes once the producer stopped and followers caught up.
        agree = []
        for p in range(self.args.partitions):
            def same(p=p):
                d = c.log_digests(p)
                return len(set(d.values())) == 1 and None not in d.values()
            try:
                wait_for("replicas of partition %d to agree" % p, 60, same, interval=0.25)
                agree.append(True)
            except Fail:
                agree.append(False)
                self.expect(False, "replicas of partition %d differ: %s" % (p, c.log_digests(p)))
        result["replicas_agree"] = all(agree)
        for k in ("lost", "moved", "inconsistent", "duplicated", "out_of_order", "unanswered", "fatal_errors"):
            self.expect(result[k] == 0, "%s = %d %s" % (k, result[k], result["examples"][:3]))
        self.expect(result["acked"] > 0, "nothing acknowledged")
        result.update(self.figures)
        result["problems"] = self.problems
        result["valid"] = not self.problems
        result["scenario"] = self.name
        return result

    def close(self):
        if self.workload and not self.workload.stopping.is_set():
            self.workload.stopping.set()
        try:
            if self.cluster:
                self.cluster.stop_all()
        finally:
            if self.lab:
                self.lab.teardown()
        if self.args.keep or self.problems:
            log("%s: logs and data kept in %s" % (self.name, self.root))
        else:
            shutil.rmtree(self.root, ignore_errors=True)


# The scenarios. Each runs between setup() (cluster up, steady writes) and finish().

def leader_kill(run):
    c = run.cluster
    for round_ in range(1, run.args.kills + 1):
        victim = c.leader_of(0)
        c.kill9(victim)
        run.fault("kill -9 of node %d, the leader of partition 0 (round %d)" % (victim, round_))
        t0 = run.faults[-1][1]
        run.wait_new_leader(0, victim, t0)
        run.steady_writes("writes after killing the leader")
        c.start(victim)
        run.wait_full_isr("node %d back in every ISR" % victim, time.monotonic())


def leader_bounce(run):
    """kill -9 of partition 0's leader and an immediate restart, before its session expires: it
    may come back still leading, from what its log kept."""
    c = run.cluster
    for round_ in range(1, run.args.kills + 1):
        victim = c.leader_of(0)
        c.kill9(victim)
        run.fault("kill -9 and immediate restart of node %d, the leader of partition 0 (round %d)"
                  % (victim, round_))
        c.start(victim)
        run.wait_full_isr("node %d back in every ISR" % victim, run.faults[-1][1])
        run.steady_writes("writes after the bounce")


def follower_kill(run):
    c = run.cluster
    leader = c.leader_of(0)
    victim = next(n for n in (3, 2, 1) if n != leader)
    acked_before = run.workload.acked()
    c.kill9(victim)
    run.fault("kill -9 of node %d, a follower of partition 0" % victim)
    t0 = run.faults[-1][1]
    run.steady_writes("writes without the follower")
    # Partition 0 kept its leader: its writes never waited for an election.
    run.expect(c.leader_of(0, asking=leader) == leader, "partition 0 changed leader")
    run.figures["acked_while_down"] = run.workload.acked() - acked_before
    c.start(victim)
    run.figures["down_s"] = round(time.monotonic() - t0, 2)
    run.wait_full_isr("node %d back in every ISR" % victim, time.monotonic())


def leader_pause(run, victim=None):
    c = run.cluster
    victim = victim or c.leader_of(0)
    rows = c.partitions_seen_by(victim) or {}
    led = [p for p, (leader, _) in sorted(rows.items()) if leader == victim]
    at = c.pause(victim)
    run.fault("SIGSTOP of node %d, the leader of partitions %s" % (victim, led), at)
    t0 = run.faults[-1][1]
    for p in led:
        run.wait_new_leader(p, victim, t0)
    run.steady_writes("writes while the old leader is stopped")
    # Past the session timeout for sure: the new leader was elected after it.
    c.resume(victim)
    run.figures["paused_s"] = round(time.monotonic() - t0, 2)
    log("%s: SIGCONT of node %d" % (run.name, victim))
    run.wait_full_isr("node %d back in every ISR" % victim, time.monotonic())
    # Whether it had appended in its old epoch (requests queued while stopped) and cut that off.
    with open(os.path.join(c.root, "node%d.log" % victim), errors="replace") as f:
        run.figures["old_leader_truncations"] = f.read().count("truncating a diverged log")


def controller_pause(run):
    """leader-pause aimed at the active controller: the quorum elects another controller, which
    fences the stopped broker after a full session; on SIGCONT it steps down and follows."""
    victim = run.cluster.active_controller(1)
    run.expect(victim in (1, 2, 3), "no active controller reported: %s" % victim)
    if victim in (1, 2, 3):
        leader_pause(run, victim)


def rolling_restart(run):
    c = run.cluster
    for n in (1, 2, 3):
        t = time.monotonic()
        code = c.terminate(n)
        run.faults.append(("SIGTERM of node %d" % n, t))
        log("%s: SIGTERM of node %d exited %s in %.1f s" % (run.name, n, code, time.monotonic() - t))
        run.expect(code == 0, "node %d exit status %s after SIGTERM" % (n, code))
        took = time.monotonic() - t
        run.figures.setdefault("shutdown_s", []).append(round(took, 2))
        # A controlled shutdown hands leadership over and answers what waits, then exits; waiting
        # out the producers' request timeout (10 s) is the bug this once had.
        run.expect(took < 5, "node %d took %.1f s to stop after SIGTERM" % (n, took))
        c.start(n)
        run.wait_full_isr("node %d back in every ISR" % n, time.monotonic())
        run.steady_writes("writes after restarting node %d" % n)
    errors = run.workload.delivery_errors
    run.expect(not errors, "produce errors reached the application: %s" % [e for _, e in errors[:3]])


def kill_all(run):
    c = run.cluster
    for n in (1, 2, 3):
        c.kill9(n)
    run.fault("kill -9 of all three nodes")
    t0 = run.faults[-1][1]
    for n in (1, 2, 3):
        c.start(n)
    run.cluster_wait("all brokers registered again", lambda: all(c.brokers_seen_by(n) == [1, 2, 3] for n in (1, 2, 3)),
                     120)
    run.figures["brokers_back_s"] = round(time.monotonic() - t0, 2)
    run.wait_full_isr("every ISR full again", t0)
    run.steady_writes("writes after the restart")


def controller_kill(run):
    c = run.cluster
    victim = c.active_controller(1)
    run.expect(victim in (1, 2, 3), "no active controller reported: %s" % victim)
    if victim not in (1, 2, 3):
        return
    c.kill9(victim)
    run.fault("kill -9 of node %d, the active controller" % victim)
    t0 = run.faults[-1][1]
    survivors = [n for n in (1, 2, 3) if n != victim]
    new = run.cluster_wait("a new active controller", lambda: all(
        c.active_controller(n) not in (None, victim) for n in survivors) and c.active_controller(survivors[0]), 60)
    run.figures["new_controller"] = new
    run.figures["controller_election_s"] = round(time.monotonic() - t0, 2)
    code, out, err = c.cli(["topics", "--bootstrap-server", c.bootstrap(survivors[0]), "--create", "--topic",
                            "after-controller-kill", "--partitions", "3", "--replication-factor", "2"],
                           check=False, timeout=60)
    run.expect(code == 0, "topic creation after the controller's kill: %s%s" % (out, err))
    run.figures["topic_created_s"] = round(time.monotonic() - t0, 2)
    run.steady_writes("writes after the controller's kill")
    c.start(victim)
    run.wait_full_isr("node %d back in every ISR" % victim, time.monotonic())


def recovery_lines(cluster, n, since):
    """What node n's log says its restart (from byte `since` of the log) repaired."""
    with open(cluster.log_path(n), errors="replace") as f:
        f.seek(since)
        text = f.read()
    # Index files are not counted: kbox writes index entries 512 at a time, so a segment of
    # these sizes has none on disk yet, and recovery rebuilds the index of every segment it
    # validates anyway.
    return {"torn_tails_truncated": text.count("truncated invalid bytes at the end of the log")}


def cut_power(run, n):
    """The power loss on stopped node n; returns where its log file stood before the restart."""
    cuts = run.cluster.power_loss(n, run.rng, run.args.partitions)
    for cut in cuts:
        log("%s: node %d partition %d: %s past byte %d of %d (recovery point %d)" % (
            run.name, n, cut["partition"], cut["mode"], cut["fsynced_bytes"], cut["size"], cut["recovery_point"]))
    run.figures.setdefault("power_loss", []).extend(cuts)
    return os.path.getsize(run.cluster.log_path(n))


def check_recovered(run, n, log_at, cuts):
    """Node n's restart truncated every torn tail the power loss left."""
    repaired = recovery_lines(run.cluster, n, log_at)
    torn = sum(1 for cut in cuts if cut["node"] == n and cut["torn"])
    run.figures.setdefault("torn_tails", {})[n] = {"torn": torn, **repaired}
    run.expect(repaired["torn_tails_truncated"] >= torn,
               "node %d truncated %d torn tails, %d were torn" % (n, repaired["torn_tails_truncated"], torn))


def follower_power_loss(run):
    """kill -9 of a follower of partition 0, then its unsynced tails cut or zeroed: it recovers,
    stays out of every ISR until it caught up again, and ends with the leader's bytes."""
    c = run.cluster
    leader = c.leader_of(0)
    victim = next(n for n in (3, 2, 1) if n != leader)
    c.kill9(victim)
    run.fault("kill -9 of node %d, a follower of partition 0, and a power loss on its disk" % victim)
    t0 = run.faults[-1][1]
    before = {p: c.log_bytes(victim, p) for p in range(run.args.partitions)}
    log_at = cut_power(run, victim)
    others = [n for n in (1, 2, 3) if n != victim]

    def out_of_every_isr():
        for n in others:
            rows = c.partitions_seen_by(n)
            if not rows or any(victim in isr for _, isr in rows.values()):
                return False
        return True
    run.cluster_wait("node %d out of every ISR" % victim, out_of_every_isr, 60)
    run.steady_writes("writes without the follower")
    restart = time.monotonic()
    c.start(victim)
    # Whenever the leader lets it back into a partition's ISR, its log there is at least what it
    # held before the power loss: it did not rejoin on its cut log.
    rejoined = set()

    def caught_up_when_rejoining():
        rows = c.partitions_seen_by(leader) or {}
        for p, (_, isr) in rows.items():
            if victim in isr and p not in rejoined:
                rejoined.add(p)
                size = c.log_bytes(victim, p)
                run.expect(size >= before[p], "node %d rejoined partition %d's ISR with %d bytes of %d" % (
                    victim, p, size, before[p]))
        return len(rejoined) == run.args.partitions and c.full_isr_everywhere(run.args.partitions)
    run.cluster_wait("node %d back in every ISR" % victim, caught_up_when_rejoining, 120)
    run.figures.setdefault("isr_restored_s", []).append(round(time.monotonic() - restart, 2))
    run.figures["down_s"] = round(restart - t0, 2)
    check_recovered(run, victim, log_at, run.figures["power_loss"])


def all_power_loss(run):
    """flush.messages=1 (an fsync before every ack, on every replica): kill -9 of all three and
    every unsynced tail cut or zeroed. The leader of partition 0 comes back last, after a new
    leader was elected from what the others kept: nothing acknowledged may be missing."""
    c = run.cluster
    old_leader = c.leader_of(0)
    for n in (1, 2, 3):
        c.kill9(n)
    run.fault("kill -9 of all three nodes and a power loss on every disk")
    t0 = run.faults[-1][1]
    log_at = {n: cut_power(run, n) for n in (1, 2, 3)}
    others = [n for n in (1, 2, 3) if n != old_leader]
    for n in others:
        c.start(n)
    run.wait_new_leader(0, old_leader, t0)
    run.steady_writes("writes on two nodes")
    c.start(old_leader)
    run.wait_full_isr("every ISR full again", time.monotonic())
    for n in (1, 2, 3):
        check_recovered(run, n, log_at[n], run.figures["power_loss"])


def isolated(run, victim, what):
    """Blackhole routes in `victim`'s namespace to both peers (brokers and controllers alike)."""
    c, lab = run.cluster, run.lab
    rows = c.partitions_seen_by(victim) or {}
    led = [p for p, (leader, _) in sorted(rows.items()) if leader == victim]
    lab.isolate(victim, [n for n in (1, 2, 3) if n != victim])
    run.fault("node %d (%s, leader of partitions %s) cut off from its peers" % (victim, what, led))
    return led


def heal(run, victim, t0):
    run.lab.heal()
    run.figures["isolated_s"] = round(time.monotonic() - t0, 2)
    log("%s: routes to node %d's peers restored" % (run.name, victim))
    run.wait_full_isr("node %d back in every ISR" % victim, time.monotonic())
    with open(run.cluster.log_path(victim), errors="replace") as f:
        run.figures["old_leader_truncations"] = f.read().count("truncating a diverged log")


def leader_isolated(run):
    """The leader of partition 0 cut off from its peers (the client still reaches it): it can
    neither replicate nor shrink its ISR, so it acknowledges nothing more; the majority elects
    a new leader; after the heal it truncates what it wrote alone and follows."""
    c = run.cluster
    victim = c.leader_of(0)
    led = isolated(run, victim, "partition leader")
    t0 = run.faults[-1][1]
    for p in led:
        run.wait_new_leader(p, victim, t0)
    run.steady_writes("writes while the old leader is cut off")
    heal(run, victim, t0)


def controller_isolated(run):
    """The active controller cut off from its peers: the other two elect a controller and
    metadata operations (a topic created and deleted) work on them; after the heal all three
    name one controller leader."""
    c = run.cluster
    victim = c.active_controller(1)
    run.expect(victim in (1, 2, 3), "no active controller reported: %s" % victim)
    if victim not in (1, 2, 3):
        return
    led = isolated(run, victim, "active controller")
    t0 = run.faults[-1][1]
    survivors = [n for n in (1, 2, 3) if n != victim]
    new = run.cluster_wait("a new active controller on the majority", lambda: len(
        {c.active_controller(n) for n in survivors} - {None, victim}) == 1 and all(
        c.active_controller(n) not in (None, victim) for n in survivors) and c.active_controller(survivors[0]), 60)
    run.figures["new_controller"] = new
    run.figures["controller_election_s"] = round(time.monotonic() - t0, 2)
    for args in (["--create", "--topic", "during-isolation", "--partitions", "3", "--replication-factor", "2"],
                 ["--delete", "--topic", "during-isolation"]):
        code, out, err = c.cli(["topics", "--bootstrap-server", c.bootstrap(survivors[0])] + args,
                               check=False, timeout=60)
        run.expect(code == 0, "topics %s during the isolation: %s%s" % (args[0], out, err))
    run.figures["metadata_ops_done_s"] = round(time.monotonic() - t0, 2)
    for p in led:
        run.wait_new_leader(p, victim, t0)
    run.steady_writes("writes while the old controller is cut off")
    # What the cut-off node says meanwhile (the client still reaches it): a figure, not a
    # promise; Raft's leader steps down once it hears from no majority.
    run.figures["isolated_node_names_controller"] = c.active_controller(victim)
    heal(run, victim, t0)
    # One controller leader, named alike by all three (the isolated one stepped down).
    leaders = run.cluster_wait("one controller leader on every node", lambda: (
        lambda seen: len(seen) == 1 and None not in seen and seen)({c.active_controller(n) for n in (1, 2, 3)}), 60)
    run.figures["controller_after_heal"] = sorted(leaders) if leaders else None


RUNNERS = {
    "leader-kill": leader_kill, "follower-kill": follower_kill, "leader-pause": leader_pause,
    "rolling-restart": rolling_restart, "kill-all": kill_all, "controller-kill": controller_kill,
    "leader-bounce": leader_bounce, "controller-pause": controller_pause,
    "follower-power-loss": follower_power_loss, "all-power-loss": all_power_loss,
    "leader-isolated": leader_isolated, "controller-isolated": controller_isolated,
}


def run_scenario(args, name):
    run = Run(args, name)
    started = time.monotonic()
    try:
        run.create_cluster()
        run.setup()
        RUNNERS[name](run)
        result = run.finish()
    except Skip as e:
        log("%s: skipped: %s" % (name, e))
        result = {"scenario": name, "valid": True, "skipped": str(e)}
    except Fail as e:
        run.problems.append(str(e))
        log("%s: FAIL %s" % (name, e))
        result = {"scenario": name, "valid": False, "problems": run.problems}
    except Exception:
        run.problems.append("driver error: %s" % traceback.format_exc())
        log("%s: driver error\n%s" % (name, traceback.format_exc()))
        result = {"scenario": name, "valid": False, "problems": run.problems}
    finally:
        run.close()
    result["duration_s"] = round(time.monotonic() - started, 1)
    if run.problems:
        result["kept"] = run.root
    return result


COLUMNS = ["acked", "lost", "moved", "inconsistent", "duplicated", "out_of_order", "delivery_errors",
           "longest_ack_gap_s", "recover_s", "duration_s", "valid"]


def table(results):
    rows = [["scenario"] + COLUMNS]
    for r in results:
        rows.append([r["scenario"]] + [str(r.get(k, "-")) if k != "valid" or "skipped" not in r else "skipped"
                                       for k in COLUMNS])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows)


def default_kbox():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    for path in (os.environ.get("KBOX"), shutil.which("kbox"), os.path.join(target, "release", "kbox"),
                 os.path.join(target, "debug", "kbox")):
        if path and os.access(path, os.X_OK):
            return path
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*", help="of: %s (default: all)" % ", ".join(SCENARIOS))
    ap.add_argument("--kbox", default=default_kbox(), help="the kbox binary (default: $KBOX, PATH, target/)")
    ap.add_argument("--short", action="store_true", help="the CI version: fewer kills, shorter phases")
    ap.add_argument("--out", default=None, help="directory for results.json (default: a new temporary one)")
    ap.add_argument("--rate", type=int, default=500, help="records per second (default 500)")
    ap.add_argument("--partitions", type=int, default=3)
    ap.add_argument("--session-ms", type=int, default=3000, help="broker.session.timeout.ms (default 3000)")
    ap.add_argument("--heartbeat-ms", type=int, default=250)
    ap.add_argument("--lag-ms", type=int, default=5000, help="replica.lag.time.max.ms (default 5000)")
    ap.add_argument("--keep", action="store_true", help="keep every scenario's logs and data")
    ap.add_argument("--seed", type=int, default=None, help="seed of the power-loss cuts (default: random, reported)")
    args = ap.parse_args()
    for s in args.scenarios:
        if s not in SCENARIOS:
            ap.error("unknown scenario %r (known: %s)" % (s, ", ".join(SCENARIOS)))
    if not args.kbox:
        ap.error("no kbox binary: build it (cargo build) or pass --kbox")
    args.kbox = os.path.abspath(args.kbox)
    if args.seed is None:
        args.seed = random.randrange(1 << 32)
    log("seed %d" % args.seed)
    args.kills = 3 if args.short else 5
    args.steady_s = 2 if args.short else 5  # seconds of writes before the fault
    args.fault_s = 2 if args.short else 5  # seconds of writes during the fault
    out = args.out or tempfile.mkdtemp(prefix="kbox-faults-")
    os.makedirs(out, exist_ok=True)

    results = []
    for name in args.scenarios or SCENARIOS:
        log("%s: starting" % name)
        result = run_scenario(args, name)
        results.append(result)
        with open(os.path.join(out, "%s.json" % name), "w") as f:
            json.dump(result, f, indent=1)
        print(json.dumps(result), flush=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"valid": all(r["valid"] for r in results), "seed": args.seed, "scenarios": results}, f, indent=1)
    sys.stderr.write(table(results) + "\nresults: %s\n" % os.path.join(out, "results.json"))
    return 0 if all(r["valid"] for r in results) else 1


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
