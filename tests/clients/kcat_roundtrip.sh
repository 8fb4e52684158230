#!/usr/bin/env bash
# kcat (librdkafka, Debian package) round trip against a Kafka-compatible broker.
#
#   tests/clients/kcat_roundtrip.sh [--topic T] [--count N] [--timeout S] [--no-create] HOST:PORT
#
# 1. `kcat -b B -L` lists at least one broker.
# 2. The topic (default kbox-kcat-<random>) is created with ONE partition by
#    kafka-python's KafkaAdminClient (CreateTopics), so that the read-back order
#    is total and the comparison can be byte-exact. With --no-create the topic
#    must already exist or be auto-created by the broker on kcat's metadata
#    request; if it then has several partitions the comparison is done on sorted
#    lines plus per-key order (a key always maps to one partition).
# 3. `kcat -P -K:` produces N lines "k<i % 50>:line-<i>-<run>".
# 4. `kcat -C -o beginning -e -f '%k:%s\n'` reads them back: identical.
# 5. `kcat -L -J` output parses with `python3 -m json.tool` and names the topic.
# Every command runs under `timeout`. The last stdout line is a JSON summary.
# Exit 0 on success, 1 on failure (message on stderr), 2 on bad usage.
set -euo pipefail

NAME=kcat_roundtrip
TOPIC=""
COUNT=1000
TIMEOUT=60
CREATE=1
BOOTSTRAP=""

usage() { echo "usage: $0 [--topic T] [--count N] [--timeout S] [--no-create] HOST:PORT" >&2; exit 2; }
fail() { echo "$NAME: FAIL: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --topic) [ $# -ge 2 ] || usage; TOPIC=$2; shift 2 ;;
    --count) [ $# -ge 2 ] || usage; COUNT=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; TIMEOUT=$2; shift 2 ;;
    --no-create) CREATE=0; shift ;;
    --bootstrap) [ $# -ge 2 ] || usage; BOOTSTRAP=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "$NAME: unknown option $1" >&2; usage ;;
    *) [ -z "$BOOTSTRAP" ] || usage; BOOTSTRAP=$1; shift ;;
  esac
done
[ -n "$BOOTSTRAP" ] || usage
[[ "$COUNT" =~ ^[1-9][0-9]*$ ]] || usage
[[ "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || usage
command -v kcat >/dev/null || { echo "$NAME: kcat is not installed; run scripts/install-test-deps.sh" >&2; exit 2; }

# The interpreter itself (not a version-manager shim), so `timeout` signals the Python process.
PY=$(python3 -c 'import sys; print(sys.executable)')
RUN=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
TOPIC=${TOPIC:-kbox-kcat-$RUN}
DEADLINE=$(( $(date +%s) + TIMEOUT ))
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Seconds left before the overall deadline (at least 1), for `timeout`.
left() {
  local l=$(( DEADLINE - $(date +%s) ))
  [ "$l" -gt 0 ] || fail "timed out (--timeout $TIMEOUT) during $1"
  echo "$l"
}
# run_bounded PHASE CMD...: run CMD under the remaining time, stdout/stderr to $WORK/PHASE.{out,err}.
run_bounded() {
  local phase=$1; shift
  local t rc=0
  t=$(left "$phase")
  timeout "$t" "$@" >"$WORK/$phase.out" 2>"$WORK/$phase.err" || rc=$?
  if [ "$rc" -eq 124 ]; then
    sed 's/^/  /' "$WORK/$phase.err" >&2
    fail "$phase: no result before the timeout ($*)"
  elif [ "$rc" -ne 0 ]; then
    sed 's/^/  /' "$WORK/$phase.err" >&2
    fail "$phase: exit code $rc ($*)"
  fi
}

# 1. list brokers
run_bounded list kcat -b "$BOOTSTRAP" -L
NBROKERS=$(sed -n 's/^ *\([0-9][0-9]*\) brokers:$/\1/p' "$WORK/list.out" | head -n1)
BROKER_LINES=$(grep -c '^ *broker [0-9-]* at ' "$WORK/list.out" || true)
if [ -z "$NBROKERS" ] || [ "$NBROKERS" -lt 1 ] || [ "$BROKER_LINES" -ne "$NBROKERS" ]; then
  sed 's/^/  /' "$WORK/list.out" >&2
  fail "kcat -L lists no brokers (header says '${NBROKERS:-none}', $BROKER_LINES broker lines)"
fi

# 2. topic
if [ "$CREATE" -eq 1 ]; then
  run_bounded create "$PY" - "$BOOTSTRAP" "$TOPIC" "$(left create)" <<'PY'
import sys, time
try:
    import kafka.errors as Errors
    from kafka import KafkaAdminClient
except ImportError:
    sys.exit("kafka-python is not installed; run scripts/install-test-deps.sh")
bootstrap, topic, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
end = time.monotonic() + timeout * 0.9  # finish before the shell's `timeout` kills us
ms = lambda: max(1000, int(min(30.0, end - time.monotonic()) * 1000))
admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=ms(), bootstrap_timeout_ms=ms())
resp = admin.create_topics({topic: {"num_partitions": 1, "replication_factor": 1}}, timeout_ms=ms(), raise_errors=False)
for t in resp.get("topics", []):
    if t.get("error_code", 0):
        sys.exit("create_topics(%s): %s" % (topic, Errors.for_code(t["error_code"]).__name__))
while time.monotonic() < end:
    d = [t for t in admin.describe_topics([topic]) if t.get("name") == topic]
    if d and not d[0].get("error_code") and len(d[0].get("partitions") or []) == 1 \
            and all(p.get("leader_id", -1) >= 0 for p in d[0]["partitions"]):
        break
    time.sleep(0.1)
else:
    sys.exit("topic %s not ready in metadata before the timeout" % topic)
admin.close()
PY
fi

# 3. produce
IN="$WORK/in.txt"
awk -v n="$COUNT" -v run="$RUN" 'BEGIN { for (i = 0; i < n; i++) printf "k%d:line-%d-%s\n", i % 50, i, run }' >"$IN"
run_bounded produce kcat -b "$BOOTSTRAP" -P -t "$TOPIC" -K: <"$IN"
if grep -qiE 'delivery failed|error' "$WORK/produce.err"; then
  sed 's/^/  /' "$WORK/produce.err" >&2
  fail "kcat -P reported errors"
fi

# 4. consume back
run_bounded consume kcat -b "$BOOTSTRAP" -C -t "$TOPIC" -o beginning -e -q -f '%k:%s\n' </dev/null
OUT="$WORK/consume.out"
NOUT=$(wc -l <"$OUT")
[ "$NOUT" -eq "$COUNT" ] || fail "kcat -C read $NOUT lines, $COUNT were produced"

# 5. JSON metadata (also gives the partition count)
run_bounded listjson kcat -b "$BOOTSTRAP" -L -J
"$PY" -m json.tool "$WORK/listjson.out" >/dev/null 2>"$WORK/jsontool.err" ||
  { sed 's/^/  /' "$WORK/jsontool.err" >&2; fail "kcat -L -J output is not valid JSON"; }
PARTS=$("$PY" - "$WORK/listjson.out" "$TOPIC" <<'PY'
import json, sys
md = json.load(open(sys.argv[1]))
brokers = md.get("brokers") or []
topics = [t for t in md.get("topics") or [] if t.get("topic") == sys.argv[2]]
if not brokers:
    sys.exit("kcat -L -J lists no brokers")
if not topics:
    sys.exit("kcat -L -J does not list topic %s" % sys.argv[2])
print(len(topics[0].get("partitions") or []))
PY
) || fail "kcat -L -J metadata check failed"

if [ "$PARTS" -eq 1 ]; then
  cmp -s "$IN" "$OUT" || { diff "$IN" "$OUT" | head -n 10 >&2; fail "read-back differs from what was produced"; }
  COMPARE=exact
else
  # Several partitions (--no-create on an auto-creating broker): same lines,
  # and each key's lines in produce order.
  cmp -s <(sort "$IN") <(sort "$OUT") ||
    { diff <(sort "$IN") <(sort "$OUT") | head -n 10 >&2; fail "read-back lines differ from what was produced"; }
  cmp -s <(awk -F: '{print $1 " " NR " " $0}' "$IN" | sort -k1,1 -s -k2,2n | cut -d' ' -f3-) \
         <(awk -F: '{print $1 " " NR " " $0}' "$OUT" | sort -k1,1 -s -k2,2n | cut -d' ' -f3-) ||
    fail "some key's records came back out of produce order"
  COMPARE=sorted+per-key-order
fi

printf '{"scenario":"%s","topic":"%s","topic_create":"%s","brokers":%d,"partitions":%d,"produced":%d,"consumed":%d,"compare":"%s"}\n' \
  "$NAME" "$TOPIC" "$([ "$CREATE" -eq 1 ] && echo created || echo skipped)" "$NBROKERS" "$PARTS" "$COUNT" "$NOUT" "$COMPARE"
