#!/usr/bin/env bash
# tools/cli/emit_go_test.sh BIN_DIR — `touchstone emit-go` (conformance/program/emit_go.h): bad
# input is one line "touchstone: FILE:LINE:COL: message" with exit 2; a few catalog programs
# (every op kind among them: spawn, yield, work, send/recv/close, mutex, wait group, sleep,
# syscall, procs, loop variables, exit) translate to Go that `go build` compiles and that prints
# the reference runtime's outcome (`touchstone run --outcome`). Without `go` the Go half prints
# "SKIP: go not installed" and exits 77 (ctest's SKIP_RETURN_CODE: reported as skipped).
# tools/compare-outcomes does the whole catalog with gc and gccgo and certifies the traces.
set -uo pipefail
bin="$1/touchstone"
# A build without the simulator (the tsan tier) has only the native runtime: the reference run
# is native there (these programs' outcomes are schedule-independent either way).
platform=()
if "$bin" --version | grep -q 'native runtime only'; then platform=(--platform native); fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# Bad input: the parser's position, exit 2; no output file.
printf 'go main {\n  sned c 1\n}\n' >"$tmp/bad.tsp"
err="$("$bin" emit-go "$tmp/bad.tsp" -o "$tmp/bad.go" 2>&1)"
rc=$?
[ $rc -eq 2 ] || bad "bad program: exit $rc, want 2"
[[ "$err" == "touchstone: $tmp/bad.tsp:2:3: "* ]] || bad "bad program: message '$err'"
[ ! -e "$tmp/bad.go" ] || bad "bad program: an output file was written"
"$bin" emit-go "$tmp/missing.tsp" >/dev/null 2>&1
[ $? -eq 2 ] || bad "missing file: want exit 2"

progs="16-mutex-contention 19-wg-fanout-fanin 25-close-drain 31-nested-loop-vars 32-exit-early 45-procs-syscalls 08-yield-heavy 10-busy-preempt"
for name in $progs; do
  "$bin" emit-go "$root/conformance/programs/$name.tsp" -o "$tmp/$name.go" || bad "$name: emit-go exit $?"
done
[ $fail -eq 0 ] && echo "emit-go: bad input rejected, $(echo $progs | wc -w) programs translated"

if ! command -v go >/dev/null; then
  echo "SKIP: go not installed (the Go half of emit_go_test: compile and compare outcomes)"
  [ $fail -eq 0 ] && exit 77
  exit 1
fi
export GO111MODULE=off
for name in $progs; do
  [ -f "$tmp/$name.go" ] || continue
  if ! go build -o "$tmp/$name" "$tmp/$name.go" >"$tmp/$name.log" 2>&1; then
    bad "$name: go build failed:"; cat "$tmp/$name.log"; continue
  fi
  TOUCHSTONE_GO_TRACE="$tmp/$name.trace" timeout 30 "$tmp/$name" >"$tmp/$name.go.txt" || { bad "$name: Go run exit $?"; continue; }
  [ -s "$tmp/$name.trace" ] || bad "$name: no trace written"
  "$bin" run --outcome "${platform[@]}" "$root/conformance/programs/$name.tsp" >"$tmp/$name.ref.log" 2>&1 ||
    bad "$name: reference run exit $?"
  sed '/^run: /,$d' "$tmp/$name.ref.log" >"$tmp/$name.ref.txt"
  if ! cmp -s "$tmp/$name.ref.txt" "$tmp/$name.go.txt"; then
    bad "$name: outcomes differ (reference, then Go)"; diff "$tmp/$name.ref.txt" "$tmp/$name.go.txt" | head -10
  fi
done
[ $fail -eq 0 ] && echo "emit-go: $(echo $progs | wc -w) Go translations compile and print the reference outcome ($(go version | cut -d' ' -f3))"
exit $fail
