#!/bin/sh
# Fuzzes mapi-proto's decoders (target `decode`) for N seconds: ./run.sh [SECONDS] (default 60).
# Installs cargo-fuzz if missing. cargo-fuzz passes nightly-only flags (-Zsanitizer=address);
# RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them. Exits non-zero on a crash, a
# panic, a per-input timeout or a single allocation over 32 MB; the failing input is saved
# under artifacts/decode/ and can be replayed with `cargo fuzz run decode <file>`.
set -eu

secs="${1:-60}"
case "$secs" in
    '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# Seed corpus: one encoded message of every variant.
cargo run --locked --quiet --manifest-path ../Cargo.toml --example fuzz_seeds -- corpus/decode

RUSTC_BOOTSTRAP=1 exec cargo fuzz run decode corpus/decode -- \
    -max_total_time="$secs" -timeout=10 -malloc_limit_mb=32
