#!/bin/sh
# Fuzzes what mapi reads from outside, each target for N seconds: ./run.sh [SECONDS]
# (default 30). Targets: imap_responses, smtp_replies, registry, mime_import, mbox.
# Installs cargo-fuzz if missing. cargo-fuzz passes nightly-only flags
# (-Zsanitizer=address); RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them. Runs
# on a copy of the committed corpus (corpus/TARGET). Exits non-zero on a crash, a panic,
# a per-input timeout or a single allocation over 64 MiB; the failing input is saved
# under artifacts/TARGET/ and can be replayed with `cargo fuzz run TARGET <file>`.
set -eu

secs="${1:-30}"
case "$secs" in
    '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
RUSTC_BOOTSTRAP=1 cargo fuzz build
for target in imap_responses smtp_replies registry mime_import mbox; do
    echo "== fuzz $target (${secs} s)"
    cp -r "corpus/$target" "$work/$target"
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "$work/$target" -- \
        -max_total_time="$secs" -timeout=10 -malloc_limit_mb=64 -print_final_stats=0
done
