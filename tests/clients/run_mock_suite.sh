#!/usr/bin/env bash
# Prove the client scenario scripts against librdkafka's mock cluster
# (tests/clients/mock_cluster.py), before / independently of kbox's broker.
#
#   tests/clients/run_mock_suite.sh [--count N] [--quick] [--keep-logs]
#
# Starts one 3-broker mock cluster on 127.0.0.1, creates each test's topics
# through the mock's C API (the mock serves no CreateTopics/DeleteTopics),
# runs every scenario with its mock-mode flags, then stops the mock. Also runs
# negative checks: a scenario must FAIL (clearly, within its timeout) when the
# broker cannot do what it checks. Ends with the line "N passed, N failed";
# exit 0 only if all passed. Needs scripts/install-test-deps.sh to have run.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
COUNT=100000
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT=$2; shift 2 ;;
    --quick) COUNT=10000; shift ;;
    --keep-logs) KEEP=1; shift ;;
    *) echo "usage: $0 [--count N] [--quick] [--keep-logs]" >&2; exit 2 ;;
  esac
done

# The interpreter itself, not a version-manager shim, so that the PIDs we
# signal (and `timeout` signals) are the Python processes.
PY=$(python3 -c 'import sys; print(sys.executable)')
"$PY" -c 'import confluent_kafka, kafka' 2>/dev/null && command -v kcat >/dev/null \
  && [ -d "$HERE/node/node_modules/kafkajs" ] \
  || { echo "run_mock_suite: client deps missing; run scripts/install-test-deps.sh" >&2; exit 2; }

LOGS=$(mktemp -d)
MOCK_PID=""
cleanup() {
  if [ -n "$MOCK_PID" ]; then
    kill "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
  fi
  if [ "$KEEP" -eq 1 ]; then echo "logs kept in $LOGS"; else rm -rf "$LOGS"; fi
}
trap cleanup EXIT

# The mock: stdin is our command pipe (closing it stops the mock), stdout its replies.
coproc MOCK { exec "$PY" "$HERE/mock_cluster.py" --brokers 3 --max-lifetime 1800 2>"$LOGS/mock.err"; }
MOCK_PID=$MOCK_PID
IFS= read -r -t 30 line <&"${MOCK[0]}" || { cat "$LOGS/mock.err" >&2; echo "mock cluster did not start" >&2; exit 1; }
B=${line#BOOTSTRAP=}
echo "mock cluster: $B"

mock_cmd() { # mock_cmd "create T 3" -> fails unless the mock answers OK
  local reply
  echo "$1" >&"${MOCK[1]}"
  IFS= read -r -t 10 reply <&"${MOCK[0]}" || { echo "mock: no reply to '$1'" >&2; return 1; }
  [[ "$reply" == OK* ]] || { echo "mock: '$1' -> $reply" >&2; return 1; }
}

PASS=0
FAIL=0
N=0
# check NAME EXPECT(pass|fail) LIMIT_S CMD...
# CMD runs under `timeout LIMIT_S`; a shell function runs directly (it must
# bound its own waits). A test expected to fail must fail by itself, not by
# the suite's timeout.
check() {
  local name=$1 expect=$2 limit=$3 rc=0 t0 dt
  shift 3
  N=$((N + 1))
  t0=$(date +%s%N)
  if declare -F "$1" >/dev/null; then
    "$@" >"$LOGS/$N.out" 2>"$LOGS/$N.err" || rc=$?
  else
    timeout "$limit" "$@" >"$LOGS/$N.out" 2>"$LOGS/$N.err" </dev/null || rc=$?
  fi
  dt=$(( ($(date +%s%N) - t0) / 100000000 ))
  dt="$((dt / 10)).$((dt % 10))"
  local last
  last=$(tail -n 1 "$LOGS/$N.out" || true)
  if { [ "$expect" = pass ] && [ "$rc" -eq 0 ]; } || { [ "$expect" = fail ] && [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; }; then
    PASS=$((PASS + 1))
    if [ "$expect" = pass ]; then
      echo "PASS $name (${dt}s): $last"
    else
      echo "PASS $name (${dt}s, failed as expected, rc=$rc): $(grep -m1 'FAIL' "$LOGS/$N.err" || tail -n1 "$LOGS/$N.err")"
    fi
  else
    FAIL=$((FAIL + 1))
    echo "FAIL $name (${dt}s, rc=$rc$([ "$rc" -eq 124 ] && echo ', killed by the suite timeout'))"
    tail -n 5 "$LOGS/$N.out" | sed 's/^/    out: /'
    tail -n 15 "$LOGS/$N.err" | sed 's/^/    err: /'
  fi
}

# 1. confluent-kafka round trip, every codec
for codec in none gzip snappy lz4 zstd; do
  mock_cmd "create rt-$codec 6"
  check "confluent_roundtrip codec=$codec count=$COUNT" pass 300 \
    "$PY" "$HERE/confluent_roundtrip.py" --bootstrap "$B" --topic "rt-$codec" --no-create \
      --partitions 6 --count "$COUNT" --codec "$codec" --timeout 240
done

# 2. kafka-python admin/produce/consume (no topic create/delete on the mock;
#    --api-version: the mock's answer to ApiVersions v3/v4 is undecodable)
for codec in none gzip snappy lz4 zstd; do
  mock_cmd "create kpa-$codec-a 3"
  mock_cmd "create kpa-$codec-b 3"
  check "kafka_python_admin codec=$codec (mock: --skip-admin-writes)" pass 120 \
    "$PY" "$HERE/kafka_python_admin.py" --bootstrap "$B" --prefix "kpa-$codec" --skip-admin-writes \
      --api-version 2.3 --codec "$codec" --timeout 90
done

# 3. kafkajs: with the consumer group, and --no-consume
mock_cmd "create kjs-1 3"
check "kafkajs_roundtrip (mock: --no-create)" pass 120 \
  node "$HERE/node/kafkajs_roundtrip.js" --bootstrap "$B" --topic kjs-1 --no-create --timeout 90
mock_cmd "create kjs-2 3"
check "kafkajs_roundtrip --no-consume (mock: --no-create)" pass 120 \
  node "$HERE/node/kafkajs_roundtrip.js" --bootstrap "$B" --topic kjs-2 --no-create --no-consume --timeout 90

# 4. kcat: a 1-partition topic (exact compare) and an auto-created 4-partition one
mock_cmd "create kcat-1 1"
check "kcat_roundtrip 1 partition (mock: --no-create)" pass 120 \
  bash "$HERE/kcat_roundtrip.sh" --no-create --topic kcat-1 --timeout 90 "$B"
check "kcat_roundtrip auto-created topic (mock: --no-create)" pass 120 \
  bash "$HERE/kcat_roundtrip.sh" --no-create --topic "kcat-auto-$RANDOM" --timeout 90 "$B"

# 5. acked producer + verifier: plain, then with every broker down for 3 s mid-run
mock_cmd "create acked-1 3"
check "acked_producer count=$COUNT" pass 120 \
  "$PY" "$HERE/acked_producer.py" --bootstrap "$B" --topic acked-1 --out "$LOGS/acked-1.jsonl" \
    --count "$COUNT" --timeout 90
check "verify_acked" pass 120 \
  "$PY" "$HERE/verify_acked.py" --bootstrap "$B" --topic acked-1 --acked "$LOGS/acked-1.jsonl" --timeout 90

outage() {
  # acked_producer paced at 2000 records/s; after its first acks every broker
  # goes down for 3 s, then comes back; all 12000 must end acked and verified.
  mock_cmd "create acked-2 3"
  "$PY" "$HERE/acked_producer.py" --bootstrap "$B" --topic acked-2 --out "$LOGS/acked-2.jsonl" \
    --count 12000 --rate 2000 --timeout 60 >"$LOGS/acked-2.out" 2>"$LOGS/acked-2.err" </dev/null &
  local ap=$! k b before during rc=0
  for ((k = 0; k < 200; k++)); do  # bounded wait for the first acks
    [ -s "$LOGS/acked-2.jsonl" ] && break
    sleep 0.05
  done
  sleep 1
  for b in 1 2 3; do mock_cmd "down $b"; done
  before=$(wc -l <"$LOGS/acked-2.jsonl")
  sleep 3
  during=$(wc -l <"$LOGS/acked-2.jsonl")
  for b in 1 2 3; do mock_cmd "up $b"; done
  wait "$ap" || rc=$?  # bounded by the producer's --timeout
  cat "$LOGS/acked-2.err" >&2
  [ "$rc" -eq 0 ] || { echo "FAIL: acked_producer exit code $rc" >&2; return 1; }
  echo "acks when the brokers went down: $before, 3 s later: $during" >&2
  [ "$before" -gt 0 ] && [ "$before" -lt 12000 ] || { echo "FAIL: outage did not fall mid-run ($before acks)" >&2; return 1; }
  [ "$((during - before))" -le 0 ] || { echo "FAIL: $((during - before)) records acked while every broker was down" >&2; return 1; }
  "$PY" -c 'import json,sys; s=json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(0 if s["acked"]==12000 else "FAIL: only %d acked" % s["acked"])' "$LOGS/acked-2.out" || return 1
  echo "producer: $(tail -n 1 "$LOGS/acked-2.out")" >&2
  timeout 90 "$PY" "$HERE/verify_acked.py" --bootstrap "$B" --topic acked-2 --acked "$LOGS/acked-2.jsonl" --timeout 60 </dev/null
}
check "acked_producer + verify_acked across a 3 s outage of all brokers" pass 0 outage

# 6. negative checks: each must fail by itself, with a clear message, in time
tampered() {
  cp "$LOGS/acked-1.jsonl" "$LOGS/tampered.jsonl"
  echo '{"p": 0, "o": 99999999, "v": "never-produced"}' >>"$LOGS/tampered.jsonl"
  timeout 90 "$PY" "$HERE/verify_acked.py" --bootstrap "$B" --topic acked-1 --acked "$LOGS/tampered.jsonl" --timeout 60 </dev/null
}
check "verify_acked detects a lost record" fail 0 tampered
check "confluent_roundtrip fails on a broker without CreateTopics" fail 60 \
  "$PY" "$HERE/confluent_roundtrip.py" --bootstrap "$B" --count 10 --timeout 10
mock_cmd "create rt-none-again 6"
check "confluent_roundtrip fails on wrong partition count" fail 60 \
  "$PY" "$HERE/confluent_roundtrip.py" --bootstrap "$B" --topic rt-none-again --no-create --partitions 5 --count 10 --timeout 10
check "confluent_roundtrip refuses a non-empty topic" fail 60 \
  "$PY" "$HERE/confluent_roundtrip.py" --bootstrap "$B" --topic rt-none --no-create --count 10 --timeout 10
check "kafka_python_admin fails on a broker without CreateTopics" fail 60 \
  "$PY" "$HERE/kafka_python_admin.py" --bootstrap "$B" --api-version 2.3 --timeout 10
check "kafkajs_roundtrip fails on a broker without CreateTopics" fail 60 \
  node "$HERE/node/kafkajs_roundtrip.js" --bootstrap "$B" --timeout 10
check "kcat_roundtrip fails when its topic cannot be created" fail 60 \
  bash "$HERE/kcat_roundtrip.sh" --timeout 10 "$B"
check "confluent_roundtrip fails when nothing listens" fail 60 \
  "$PY" "$HERE/confluent_roundtrip.py" --bootstrap 127.0.0.1:1 --count 10 --timeout 5

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
