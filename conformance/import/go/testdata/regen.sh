#!/usr/bin/env bash
# conformance/import/go/testdata/regen.sh — rebuilds the checked-in Go traces.
#
#   conformance/import/go/testdata/regen.sh
#
# For each program P.go here: builds it with `go build` (Go 1.19) and with `gccgo` (gccgo 12),
# runs each with GOMAXPROCS=2 writing its runtime/trace output to P.go.trace and P.gccgo.trace,
# and records `go tool trace -d` of each trace in P.<toolchain>.gotool.txt (Go's own parse:
# gotrace_test compares our reader with it event by event). Refuses a trace over 64 KiB.
# Needs golang-go and gccgo (tools/setup --go); the tests need neither.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v go >/dev/null || { echo "regen.sh: go not found (tools/setup --go)" >&2; exit 2; }
command -v gccgo >/dev/null || { echo "regen.sh: gccgo not found (tools/setup --go)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GOCACHE="$tmp/gocache" GO111MODULE=off GOFLAGS= GOMAXPROCS=2
for src in "$here"/*.go; do
  name=$(basename "$src" .go)
  go build -o "$tmp/$name.go.bin" "$src"
  gccgo -O1 -o "$tmp/$name.gccgo.bin" "$src"
  for tc in go gccgo; do
    out="$here/$name.$tc.trace"
    "$tmp/$name.$tc.bin" "$out"
    size=$(stat -c %s "$out")
    if [ "$size" -gt 65536 ]; then
      echo "regen.sh: $out is $size bytes (over 64 KiB): make $name.go smaller" >&2
      exit 1
    fi
    go tool trace -d "$out" >"$here/$name.$tc.gotool.txt" 2>/dev/null
    printf '%-22s %6d bytes, header %s, %d events\n' "$name.$tc.trace" "$size" \
      "$(head -c 13 "$out")" "$(wc -l <"$here/$name.$tc.gotool.txt")"
  done
done
