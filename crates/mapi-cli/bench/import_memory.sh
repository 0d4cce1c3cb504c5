#!/usr/bin/env bash
# Peak memory of `mapi store import` for one large message (a text body, then an
# attachment): prints each import's peak RSS and its ratio to the message size (the
# target is under 3x). usage: crates/mapi-cli/bench/import_memory.sh [MEGABYTES] (default 100)
set -euo pipefail
cd "$(dirname "$0")/../../.."
cargo build --release --quiet -p mapi-cli --bin mapi --example import_memory
exec target/release/examples/import_memory target/release/mapi "${1:-100}"
