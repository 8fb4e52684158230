#!/usr/bin/env python3
"""Drives `kbox shell` through a pseudo-terminal, as a person at a terminal would.

usage: shell_pty.py --kbox PATH --bootstrap HOST:PORT --history FILE
Creates a topic, lists it, completes a flag and a live topic name with Tab, cancels a running
consumer with Ctrl-C (the shell survives), asks for help, and exits. Prints a JSON summary last.
"""
import argparse
import json
import os
import pty
import select
import sys
import time


class Fail(Exception):
    pass


class Term:
    def __init__(self, argv, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe(argv[0], argv, env)
        self.buf = b""

    def send(self, text):
        os.write(self.fd, text.encode())

    def expect(self, needle, timeout=30.0):
        """Reads until `needle` appears after what was consumed so far; returns the text before it."""
        deadline = time.monotonic() + timeout
        needle = needle.encode()
        while needle not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail("timed out waiting for %r; screen: %r" % (needle, self.buf[-800:]))
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise Fail("the shell ended while waiting for %r; screen: %r" % (needle, self.buf[-800:]))
                self.buf += chunk
        before, _, self.buf = self.buf.partition(needle)
        return before.decode(errors="replace")

    def wait(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            try:
                os.read(self.fd, 4096)
            except OSError:
                pass
            time.sleep(0.02)
        os.kill(self.pid, 9)
        raise Fail("the shell did not exit")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kbox", required=True)
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--history", required=True)
    a = ap.parse_args()
    env = dict(os.environ, KBOX_HISTORY=a.history, TERM="xterm", RUST_LOG="error")
    t = Term([a.kbox, "shell", "--bootstrap-server", a.bootstrap], env)
    prompt = "kbox [%s]> " % a.bootstrap
    try:
        t.expect(prompt)
        t.send("topics --create --topic shelltopic --partitions 2\r")
        out = t.expect(prompt)
        if "Created topic shelltopic." not in out:
            raise Fail("create: %r" % out)
        t.send("topics --list\r")
        out = t.expect(prompt)
        if "shelltopic" not in out:
            raise Fail("list: %r" % out)
        # Tab completes a flag, then a live topic name.
        t.send("topics --desc\t")
        t.expect("--describe")
        t.send(" --topic shellt\t")
        t.expect("shelltopic")
        t.send("\r")
        out = t.expect(prompt)
        if "Topic: shelltopic" not in out or "PartitionCount: 2" not in out:
            raise Fail("describe: %r" % out)
        # Ctrl-C cancels a consumer that would wait forever; the shell stays. It is sent once the
        # consumer has printed the record, so it lands while the command runs.
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": a.bootstrap})
        p.produce("shelltopic", b"record-from-outside", partition=0)
        p.flush(30)
        t.send("console-consumer --topic shelltopic --from-beginning\r")
        t.expect("record-from-outside")
        t.send("\x03")
        out = t.expect(prompt)
        if "cancelled" not in out:
            raise Fail("ctrl-c: %r" % out)
        t.send("help\r")
        out = t.expect(prompt)
        if "consumer-groups" not in out:
            raise Fail("help: %r" % out)
        t.send("topics --no-such-flag\r")
        out = t.expect(prompt)
        if "unexpected argument" not in out:
            raise Fail("usage error: %r" % out)
        t.send("exit\r")
        code = t.wait()
    except Fail:
        try:
            os.kill(t.pid, 9)
        except OSError:
            pass
        raise
    history = open(a.history).read()
    if "topics --list" not in history:
        raise Fail("history not saved: %r" % history)
    print(json.dumps({"exit_code": code, "history_lines": len(history.splitlines())}))


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        sys.stderr.write("shell_pty: FAILED: %s\n" % e)
        sys.exit(1)
