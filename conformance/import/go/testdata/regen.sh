#!/usr/bin/env bash
# conformance/import/go/testdata/regen.sh — rebuilds the checked-in Go traces.
#
#   conformance/import/go/testdata/regen.sh [PROGRAM...]     (default: every *.go here)
#
# For each program P.go here: builds it with `go build` (Go 1.19) and with `gccgo` (gccgo 12),
# runs each with GOMAXPROCS=2 writing its runtime/trace output to P.go.trace and P.gccgo.trace,
# and records `go tool trace -d` of each trace in P.<toolchain>.gotool.txt (Go's own parse:
# gotrace_test compares our reader with it event by event). Keeps every trace under 64 KiB
# (and its text under 256 KiB).
# Needs golang-go and gccgo (tools/setup --go); the tests need neither. REGEN_OUT=DIR writes the
# traces there instead (then `TOUCHSTONE_GOTRACE_TESTDATA=DIR gotrace_test` tests a fresh set:
# the tests rely only on what every run of the programs does).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out_dir=${REGEN_OUT:-$here}
mkdir -p "$out_dir"
command -v go >/dev/null || { echo "regen.sh: go not found (tools/setup --go)" >&2; exit 2; }
command -v gccgo >/dev/null || { echo "regen.sh: gccgo not found (tools/setup --go)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GOCACHE="$tmp/gocache" GO111MODULE=off GOFLAGS= GOMAXPROCS=2
srcs=("$here"/*.go)
[ $# -gt 0 ] && srcs=("${@/#/$here/}") && srcs=("${srcs[@]/%/.go}")
for src in "${srcs[@]}"; do
  [ -f "$src" ] || { echo "regen.sh: no program $src" >&2; exit 2; }
  name=$(basename "$src" .go)
  go build -o "$tmp/$name.go.bin" "$src"
  gccgo -O1 -o "$tmp/$name.gccgo.bin" "$src"
  for tc in go gccgo; do
    out="$out_dir/$name.$tc.trace"
    # The size varies from run to run (runtime.GC() sweeps with a Gosched per span, and who
    # sweeps how much differs): retry until the trace is under 64 KiB and Go's text of it under
    # 256 KiB.
    for try in $(seq 1 12); do
      "$tmp/$name.$tc.bin" "$out"
      go tool trace -d "$out" >"$out_dir/$name.$tc.gotool.txt" 2>/dev/null
      size=$(stat -c %s "$out")
      text=$(stat -c %s "$out_dir/$name.$tc.gotool.txt")
      [ "$size" -le 65536 ] && [ "$text" -le 262144 ] && break
      if [ "$try" = 12 ]; then
        echo "regen.sh: $out is $size bytes, its text $text, in 12 runs: make $name.go smaller" >&2
        exit 1
      fi
    done
    printf '%-22s %6d bytes, header %s, %d events\n' "$name.$tc.trace" "$size" \
      "$(head -c 13 "$out")" "$(wc -l <"$out_dir/$name.$tc.gotool.txt")"
  done
done
