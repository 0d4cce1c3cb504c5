#!/usr/bin/env bash
# Download benchmark: our FORCE_DOWNLOAD vs mbsync (default and FSync no) against a
# loopback Dovecot. Needs root and: apt-get install -y --no-install-recommends
# dovecot-imapd dovecot-lmtpd postfix isync openssl
# usage: crates/mapi-provider-internet/bench/download.sh [MESSAGES [ROUNDS]]   (default 10000 5; try 50000 3)
# Prints medians over the rounds (ours and mbsync FSync no alternate who goes first;
# mbsync default runs in the first 3 rounds) and the ratios.
set -euo pipefail
n=${1:-10000}
for tool in dovecot mbsync openssl; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (apt-get install dovecot-imapd dovecot-lmtpd isync openssl)" >&2; exit 1; }
done
cd "$(dirname "$0")/.."
exec cargo run --release --quiet -p mapi-provider-internet --example download_bench -- "$n" "${2:-5}"
