#!/usr/bin/env bash
# Full national scale: synth 11.3M persons, load into SQLite; wall time, peak memory, size;
# then one person across all registries, in process, over 100,000 random national numbers.
# Usage: bench/national.sh [PERSONS] (default 11300000).
set -euo pipefail
cd "$(dirname "$0")/.."
persons=${1:-11300000}
out=bench/out/national-$persons
nur=target/release/nur
cargo build --release -p nur >/dev/null
rm -rf "$out"; mkdir -p "$out"
/usr/bin/time -v $nur synth --persons "$persons" --seed 1 --out "$out/data" > "$out/synth.out" 2> "$out/synth.time"
$nur init --db "sqlite:$out/nur.db" >/dev/null
/usr/bin/time -v $nur load --db "sqlite:$out/nur.db" "$out/data" > "$out/load.out" 2> "$out/load.time"
$nur bench-lookup --db "sqlite:$out/nur.db" --samples 100000 > "$out/lookup.json"
wall() { grep "Elapsed (wall" "$1" | awk '{print $NF}'; }
rss() { grep "Maximum resident" "$1" | awk '{print $NF}'; }
echo "synth: $(wall "$out/synth.time") wall, $(rss "$out/synth.time") KiB peak RSS; $(cat "$out/synth.out")"
echo "load:  $(wall "$out/load.time") wall, $(rss "$out/load.time") KiB peak RSS; $(tail -1 "$out/load.out")"
echo "csv:   $(du -sh "$out/data" | cut -f1); database: $(du -sh "$out/nur.db" | cut -f1)"
echo "lookup: $(cat "$out/lookup.json")"
