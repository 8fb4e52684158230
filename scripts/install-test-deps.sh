#!/usr/bin/env bash
# Install the third-party Kafka clients the real-client tests use:
#   kcat (Debian package, librdkafka 2.0.x), confluent-kafka + kafka-python
#   (PyPI, pinned in tests/clients/requirements.txt) and kafkajs (npm, pinned in
#   tests/clients/node/package-lock.json).
# Idempotent: each part is installed only when missing, so a run with
# everything present takes well under 2 s and prints nothing. Prints one line
# per thing it installs. Needs root (or password-less sudo) for apt-get.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLIENTS="$ROOT/tests/clients"
NODE_DIR="$CLIENTS/node"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null && SUDO=(sudo -n)
fi

die() {
  echo "install-test-deps: FAILED: $*" >&2
  if [ -s "$LOG" ]; then tail -n 40 "$LOG" | sed 's/^/  /' >&2; fi
  exit 1
}

APT_UPDATED=0
apt_install() { # apt_install PKG...: apt-get update once, then install
  if [ "$APT_UPDATED" -eq 0 ]; then
    "${SUDO[@]}" apt-get update -qq >>"$LOG" 2>&1 || die "apt-get update"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" \
    >>"$LOG" 2>&1 || die "apt-get install $*"
}

deb_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# kcat (Debian bookworm: kcat 1.7.1 on librdkafka 2.0.2)
if ! command -v kcat >/dev/null 2>&1 && ! deb_installed kcat; then
  echo "install-test-deps: installing kcat (apt)"
  apt_install kcat
  command -v kcat >/dev/null || die "kcat still not on PATH after apt-get install"
fi

# openssl (Debian): the security tests make encrypted and PKCS#12 key stores with it
if ! command -v openssl >/dev/null 2>&1; then
  echo "install-test-deps: installing openssl (apt)"
  apt_install openssl
fi

# Python clients and codecs
PY_CHECK='import confluent_kafka, kafka, lz4.frame, zstandard, snappy'
if ! python3 -c "$PY_CHECK" >/dev/null 2>&1; then
  echo "install-test-deps: installing python clients (pip: $(grep -v '^#' "$CLIENTS/requirements.txt" | xargs))"
  python3 -m pip install --disable-pip-version-check --no-input --root-user-action=ignore -q \
    -r "$CLIENTS/requirements.txt" >>"$LOG" 2>&1 || die "pip install -r tests/clients/requirements.txt"
  python3 -c "$PY_CHECK" >>"$LOG" 2>&1 || die "python clients still not importable after pip install"
fi

# node + npm (preinstalled on the project's machines; Debian's as a fallback)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install-test-deps: installing nodejs + npm (apt)"
  apt_install nodejs npm
fi

# kafkajs: npm ci when node_modules is missing or older than the lock file
STAMP="$NODE_DIR/node_modules/.package-lock.json"
if [ ! -f "$STAMP" ] || [ ! -d "$NODE_DIR/node_modules/kafkajs" ] \
   || [ "$NODE_DIR/package-lock.json" -nt "$STAMP" ] || [ "$NODE_DIR/package.json" -nt "$STAMP" ]; then
  echo "install-test-deps: installing node clients (npm ci in tests/clients/node: kafkajs)"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error) >>"$LOG" 2>&1 \
    || die "npm ci in tests/clients/node"
  touch "$STAMP"
fi
