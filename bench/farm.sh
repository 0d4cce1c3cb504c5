#!/usr/bin/env bash
# The farm run: one PostgreSQL profile store (a real server on loopback), HOSTS host
# processes with their own MAPI homes and runtime dirs, USERS users (a role each) with
# ten profiles each, and one concurrent logon per user to their default profile (local
# store + contacts), spread over the hosts. Prints throughput and latency (median, p99)
# and fails on any error or on an admin change not seen by every host.
#
#   bench/farm.sh [USERS] [HOSTS]      (default 1000 3)
set -euo pipefail
cd "$(dirname "$0")/.."
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || {
  echo "install Debian's postgresql package first (apt-get install postgresql)" >&2
  exit 1
}
# The CLI and the daemon, for the per-host shared-session check.
cargo build -q --release -p mapi-cli -p mapid
MAPI_BIN="$PWD/target/release/mapi" \
  cargo run -q --release -p mapi --example farm -- "${1:-1000}" "${2:-3}"
