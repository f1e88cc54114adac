#!/usr/bin/env bash
# tools/cli/cli_test.sh BINDIR — end-to-end tests of the touchstone command line.
#
# BINDIR holds touchstone, touchstone-native and (if built) touchstone-broken; or, in a build
# without the simulator (TOUCHSTONE_SIM=OFF), only a native `touchstone`, and then the native
# checks run and the simulator's commands must fail cleanly. Every check runs; each failure is
# printed with the command's output, and the script exits 1 if any failed. Runs in a temporary
# directory; about 10-30 s on a 2-core machine (debug build).
set -euo pipefail

bindir="$(cd "${1:?usage: cli_test.sh BINDIR}" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
data="$here/testdata"
ts="$bindir/touchstone"
broken="$bindir/touchstone-broken"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

failures=0
checks=0
out=""
err=""
rc=0
last=""

# t CMD...: runs CMD, keeping its stdout in $out, stderr in $err and exit status in $rc.
t() {
  last="$*"
  rc=0
  "$@" >out.txt 2>err.txt || rc=$?
  out="$(cat out.txt)"
  err="$(cat err.txt)"
}
fail() {
  failures=$((failures + 1))
  {
    echo "FAIL: $1"
    echo "  command: $last"
    echo "  exit status: $rc"
    echo "  stdout (last lines):"
    tail -n 8 out.txt | sed 's/^/    /'
    echo "  stderr (last lines):"
    tail -n 8 err.txt | sed 's/^/    /'
  } >&2
}
expect_rc() {  # expect_rc WANT WHAT
  checks=$((checks + 1))
  [ "$rc" -eq "$1" ] || fail "$2: exit status $rc, want $1"
}
expect_out() {  # expect_out REGEX WHAT
  checks=$((checks + 1))
  grep -Eq -- "$1" out.txt || fail "$2: stdout does not match /$1/"
}
expect_no_out() {
  checks=$((checks + 1))
  ! grep -Eq -- "$1" out.txt || fail "$2: stdout matches /$1/"
}
expect_err() {
  checks=$((checks + 1))
  grep -Eq -- "$1" err.txt || fail "$2: stderr does not match /$1/"
}
expect_one_line_err() {
  checks=$((checks + 1))
  [ "$(wc -l <err.txt)" -eq 1 ] && grep -q '^touchstone: ' err.txt || fail "$1: stderr is not one 'touchstone: ...' line"
}
field() {  # field NAME: the value of NAME=... in the summary line of $out
  sed -n "s/.* $1=\([^ ]*\).*/\1/p" out.txt | head -n 1
}

sim=1
if "$ts" --version | grep -q 'native runtime only'; then
  sim=0
  echo "cli_test: $ts has no simulator: native checks only" >&2
fi

# ---- native runs ------------------------------------------------------------------------------
native_checks() {
  t "$ts" run "$data/pingpong.tsp" --platform native --procs 2 --outcome
  expect_rc 0 "native run of a clean program"
  expect_out '^run: .* platform=native procs=2 .* clean$' "native run summary"
  expect_out '^echo: ping=1 ping=1 ping=1$' "native run outcome"
  t "$ts" run "$data/steal.tsp" --platform native --procs 4 --trace native.trace
  expect_rc 0 "native run with --trace"
  t "$ts" check native.trace
  expect_rc 0 "check of a native trace"
  expect_out 'order perg: clean$' "native trace is checked per G"
  # A Go fatal error ends the native run's child process: a finding, not a crash.
  t "$ts" run "$data/deadlock.tsp" --platform native --procs 2
  expect_rc 1 "native run of a deadlocking program"
  expect_out '^run: .* platform=native .* FAILED fatal: ' "native deadlock summary"
  expect_err 'all goroutines are asleep - deadlock!' "native deadlock message"
  # In the sim build, through touchstone-native.
  t "$ts" stress --procs 2 --rounds 1 --goroutines 40 --quiet
  expect_rc 0 "stress"
  expect_out '^stress: clean$' "stress summary"
}

# ---- simulated runs: clean, deterministic, traced ------------------------------------------------
sim_run_checks() {
  t "$ts" run "$data/pingpong.tsp" --procs 2 --seed 3 --outcome --repro-dir findings
  expect_rc 0 "sim run of a clean program"
  expect_out '^run: .* platform=sim procs=2 strategy=random seed=3 .* clean$' "sim run summary"
  expect_out '^main: pong=2 pong=2 pong=2$' "sim run outcome"
  local hash1 hash2
  hash1="$(field hash)"
  t "$ts" run "$data/pingpong.tsp" --procs 2 --seed 3
  hash2="$(field hash)"
  checks=$((checks + 1))
  [ -n "$hash1" ] && [ "$hash1" = "$hash2" ] || fail "determinism: hashes '$hash1' and '$hash2' differ"
  t "$ts" run "$data/steal.tsp" --procs 4 --strategy pct --seed 11
  hash1="$(field hash)"
  t "$ts" run "$data/steal.tsp" --procs 4 --strategy pct --seed 11
  hash2="$(field hash)"
  checks=$((checks + 1))
  [ -n "$hash1" ] && [ "$hash1" = "$hash2" ] || fail "determinism (pct): hashes '$hash1' and '$hash2' differ"

  t "$ts" run "$data/steal.tsp" --procs 4 --seed 5 --trace sim.trace --json run.json
  expect_rc 0 "sim run with --trace"
  t "$ts" check sim.trace --json check.json
  expect_rc 0 "check of a simulated run's trace"
  expect_out '^check: sim.trace: [0-9]+ events, order exact: clean$' "check summary (exact order from the file)"
  expect_out 'G-TRANS-1 +passed' "check coverage table"
  t "$ts" check sim.trace --order perg
  expect_rc 0 "check --order perg"
  expect_out 'order perg: clean$' "check --order perg summary"
  if command -v python3 >/dev/null; then
    t python3 -c 'import json; r=json.load(open("run.json")); c=json.load(open("check.json")); assert r["clean"] and c["clean"] and r["events"]==c["events"]>0, (r, c)'
    expect_rc 0 "run/check JSON"
  fi
}

# ---- memory models: --arch/--model on run, explore, replay; the litmus command ---------------------
memory_model_checks() {
  local hash1 hash2
  t "$ts" run "$data/steal.tsp" --procs 4 --seed 5 --arch aarch64
  expect_rc 0 "sim run under --arch aarch64"
  expect_out '^run: .* platform=sim procs=4 strategy=random seed=5 model=weak .* clean$' "weak run summary"
  hash1="$(field hash)"
  t "$ts" run "$data/steal.tsp" --procs 4 --seed 5 --model weak
  hash2="$(field hash)"
  checks=$((checks + 1))
  [ -n "$hash1" ] && [ "$hash1" = "$hash2" ] || fail "determinism (weak): hashes '$hash1' and '$hash2' differ"
  t "$ts" run "$data/steal.tsp" --procs 4 --seed 5 --arch x86_64
  expect_rc 0 "sim run under --arch x86_64"
  expect_out ' model=tso ' "x86_64 means tso"
  t "$ts" run "$data/steal.tsp" --procs 4 --seed 5 --model sc
  expect_out ' model=sc ' "--model sc"
  t "$ts" run "$data/steal.tsp" --arch aarch64 --model weak
  expect_rc 2 "--arch with --model"
  expect_err '^touchstone: .*(excludes|--arch).*' "--arch with --model: one line"
  t "$ts" run "$data/steal.tsp" --arch sparc
  expect_rc 2 "unknown --arch"
  expect_err '^touchstone: .*sparc.*' "unknown --arch: one line"
  t "$ts" run "$data/steal.tsp" --model psc
  expect_rc 2 "unknown --model"
  t "$ts" explore "$data/pingpong.tsp" "$data/steal.tsp" --strategy pct --runs 6 --arch riscv64 --quiet --json weak.json
  expect_rc 0 "explore under --arch riscv64"
  expect_out '^explore: 6 runs in .*strategy pct, model weak, 0 findings$' "explore summary names the model"
  if command -v python3 >/dev/null; then
    t python3 -c 'import json; j=json.load(open("weak.json")); assert j["model"]=="weak" and j["runs"]==6, j'
    expect_rc 0 "explore JSON model"
  fi

  # A reproducer's model: line. Bad values are file:line errors; a recorded model must agree
  # with a --model given to replay.
  printf 'touchstone-repro 1\nbuild: x-sim\nprogram: p.tsp\nprocs: 2\nmodel: weak\nstrategy: random\nseed: 1\nfinding: RUNTIME\nmessage: m\n--- program\ngo main {\n  yield\n}\n--- decisions\ntouchstone-decisions 1\n' >weak.repro
  t "$ts" replay weak.repro
  expect_rc 0 "replay of a weak reproducer whose finding does not recur"
  t "$ts" replay weak.repro --model tso
  expect_rc 2 "replay --model against the file's model"
  expect_err '^touchstone: weak.repro: the reproducer was recorded under model weak, not tso$' "model mismatch message"
  sed 's/^model: weak$/model: arm/' weak.repro >badmodel.repro
  t "$ts" replay badmodel.repro
  expect_rc 2 "bad model line"
  expect_err "^touchstone: badmodel.repro:5: bad model 'arm' \(sc, tso, weak\)$" "bad model line: file:line"

  # litmus: a passing file, a mismatch, bad input, bad flags.
  printf 'test SBmini\ncite [herd-x86] SB Allow\ninit x=0 y=0\nthread 0: st x 1 rlx; ld r0 y rlx\nthread 1: st y 1 rlx; ld r0 x rlx\nexpect 0:r0=0 1:r0=0 : sc=forbidden tso=allowed weak=allowed\nend\n' >sb.litmus
  t "$ts" litmus sb.litmus --json litmus.json
  expect_rc 0 "litmus of a passing test"
  expect_out '^SBmini +tso +ok ' "litmus per-model line"
  expect_out '^litmus: 1 tests x 3 models: all pass$' "litmus summary"
  if command -v python3 >/dev/null; then
    t python3 -c 'import json; j=json.load(open("litmus.json")); assert j["failed"]==0 and j["tests"][0]["weak"]["ok"], j'
    expect_rc 0 "litmus JSON"
  fi
  sed 's/tso=allowed/tso=forbidden/' sb.litmus >sbwrong.litmus
  t "$ts" litmus sbwrong.litmus --arch x86_64
  expect_rc 1 "litmus with a wrong expectation"
  expect_out 'MISMATCH' "litmus mismatch marker"
  expect_out '^litmus: 1 tests x 1 models: 1 FAILED$' "litmus failure summary"
  printf 'test Bad\ninit x=0\nthread 0: st x 1 weird\nend\n' >bad.litmus
  t "$ts" litmus bad.litmus
  expect_rc 2 "bad litmus file"
  expect_err '^touchstone: bad.litmus:[0-9]+: ' "bad litmus file: file:line"
  checks=$((checks + 1))
  [ "$(wc -l <err.txt)" -eq 1 ] || fail "bad litmus file: one line on stderr"
  t "$ts" litmus nosuch.litmus
  expect_rc 2 "missing litmus file"
  expect_err '^touchstone: nosuch.litmus' "missing litmus file: names it"
  t "$ts" litmus sb.litmus --arch x86_64 --model tso
  expect_rc 2 "litmus --arch with --model"
  t "$ts" litmus sb.litmus --model arm
  expect_rc 2 "litmus bad --model"
}

# ---- without a simulator, its commands fail with one line --------------------------------------
no_sim_checks() {
  local cmd
  for cmd in "run $data/pingpong.tsp" "explore $data/pingpong.tsp --strategy random" "replay x.repro"; do
    t "$ts" $cmd
    expect_rc 2 "$cmd without a simulator"
    expect_err '^touchstone: this build has no simulator \(TOUCHSTONE_SIM=OFF\)$' "$cmd: no-simulator message"
  done
}

# ---- print and decode ------------------------------------------------------------------------
text_checks() {
  t "$ts" print "$data/pingpong.tsp"
  expect_rc 0 "print"
  cp out.txt p1.tsp
  t "$ts" print p1.tsp
  expect_rc 0 "print of printed text"
  checks=$((checks + 1))
  cmp -s out.txt p1.tsp || fail "print does not round-trip"
  printf '\x03\x00\x01\x07\x00\x05\x08\x41\x0e\x22\x1f\x00\x05\x09\x08\x12\x18\x33\x05\x01' >bytes.bin
  t "$ts" decode bytes.bin
  expect_rc 0 "decode"
  expect_out '^go main \{$' "decode prints a program"
  cp out.txt decoded.tsp
  t "$ts" print decoded.tsp
  expect_rc 0 "print accepts decoded text"
  checks=$((checks + 1))
  cmp -s out.txt decoded.tsp || fail "decoded text is not canonical"
  t "$ts" decode bytes.bin -o written.tsp
  expect_rc 0 "decode -o"
  checks=$((checks + 1))
  cmp -s written.tsp decoded.tsp || fail "decode -o wrote different text"
}

# ---- bad input: exit 2, one line ---------------------------------------------------------------
bad_input_checks() {
  printf 'chan c cap 0\ngo main {\n  sendx c 1\n}\n' >bad.tsp
  t "$ts" print bad.tsp
  expect_rc 2 "print of bad text"
  expect_err '^touchstone: bad.tsp:3:3: ' "bad text names file:line:col"
  expect_one_line_err "bad text"
  t "$ts" run bad.tsp --platform native
  expect_rc 2 "run of bad text"
  expect_err '^touchstone: bad.tsp:3:' "run of bad text names file:line"
  t "$ts" run "$data/pingpong.tsp" --no-such-flag
  expect_rc 2 "unknown flag"
  expect_one_line_err "unknown flag"
  t "$ts" run "$data/pingpong.tsp" --procs 0
  expect_rc 2 "--procs 0"
  t "$ts" explore "$data/pingpong.tsp" --strategy nosuch
  expect_rc 2 "unknown strategy"
  t "$ts"
  expect_rc 2 "no command"
  t "$ts" run missing.tsp --platform native
  expect_rc 2 "missing program file"
  expect_err '^touchstone: missing.tsp: cannot open' "missing file message"
  t "$ts" check missing.trace
  expect_rc 2 "missing trace file"
  head -c 300 /dev/urandom >garbage.trace
  t "$ts" check garbage.trace
  expect_rc 2 "garbage trace"
  expect_err '^touchstone: garbage.trace: offset [0-9]+: ' "garbage trace names the offset"
  head -c 40 native.trace >short.trace
  t "$ts" check short.trace
  expect_rc 2 "truncated trace"
  expect_err '^touchstone: short.trace: offset [0-9]+: ' "truncated trace names the offset"
  t "$ts" --help
  expect_rc 0 "--help"
  local cmd
  for cmd in run explore replay check print decode stress; do
    t "$ts" "$cmd" --help
    expect_rc 0 "$cmd --help"
  done
}

# ---- reproducers: a runtime failure is a finding; bad reproducers ------------------------------
repro_checks() {
  echo "this is not a reproducer" >garbage.repro
  t "$ts" replay garbage.repro
  expect_rc 2 "garbage reproducer"
  expect_err '^touchstone: garbage.repro:1: ' "garbage reproducer names file:line"

  t "$ts" run "$data/deadlock.tsp" --procs 2 --repro-dir findings
  expect_rc 1 "sim run of a deadlocking program"
  expect_out '^reproducer: findings/deadlock-RUNTIME-1\.repro$' "deadlock reproducer path"
  t "$ts" replay findings/deadlock-RUNTIME-1.repro
  expect_rc 1 "replay of the deadlock"
  expect_out '^reproduced: RUNTIME$' "deadlock reproduced"
  # One bad header line: the error names its line.
  sed 's/^procs: .*/procs: zero/' findings/deadlock-RUNTIME-1.repro >badprocs.repro 2>/dev/null || true
  t "$ts" replay badprocs.repro
  expect_rc 2 "reproducer with bad procs"
  expect_err '^touchstone: badprocs.repro:4: ' "bad procs names line 4"
}

# ---- explore on the correct runtime: clean ---------------------------------------------------
explore_checks() {
  t "$ts" explore "$data/pingpong.tsp" "$data/steal.tsp" --strategy random --runs 12 --procs 1,2,4 \
    --json explore.json --quiet --repro-dir findings
  expect_rc 0 "explore of clean programs"
  expect_out '^explore: 12 runs in .* 0 findings$' "explore summary"
  if command -v python3 >/dev/null; then
    t python3 -c 'import json; j=json.load(open("explore.json")); assert j["runs"]==12 and j["findings"]==[] and j["strategy"]=="random" and len(j["programs"])==2 and j["coverage"]["G-TRANS-1"]>0 and j["transitions"], j'
    expect_rc 0 "explore JSON"
  fi
}

# ---- the broken runtime: explore finds the duplicated steal, replay reproduces it --------------
broken_checks() {
  t "$broken" --version
  expect_out 'BROKEN' "touchstone-broken --version"
  t "$broken" explore "$data/steal.tsp" --strategy random --procs 2,4 --runs 200 --quiet \
    --repro-dir broken-findings --json broken.json
  expect_rc 1 "broken explore finds a violation"
  expect_no_out '^finding: RUNTIME' "broken explore finds a checker violation, not a runtime failure"
  local repro clause
  repro="$(sed -n 's/^reproducer: //p' out.txt | head -n 1)"
  clause="$(sed -n 's/^finding: \([^ ]*\) .*/\1/p' out.txt | head -n 1)"
  checks=$((checks + 1))
  if [ -z "$repro" ] || [ ! -f "$repro" ] || [ -z "$clause" ]; then
    fail "broken explore wrote no reproducer"
    return
  fi
  t "$broken" replay "$repro"
  expect_rc 1 "broken replay"
  expect_out "^reproduced: $clause\$" "broken replay reproduces $clause"
  t "$ts" replay "$repro"
  expect_rc 0 "correct runtime replaying the broken runtime's reproducer"
  expect_no_out '^reproduced:' "the correct runtime does not reproduce it"
  expect_out "^did not reproduce: $clause" "did not reproduce message"
  expect_err 'warning: .* was written by build .*-broken' "build id mismatch warning"
}

# ---- go-trace: real Go traces (conformance/import/go/testdata) -------------------------------------
go_trace_checks() {
  local gt="$here/../../conformance/import/go/testdata"
  t "$ts" go-trace print "$gt/chan.go.trace"
  expect_rc 0 "go-trace print (Go 1.19)"
  expect_out '^go trace version 1\.19, [0-9]+ events, ' "go-trace print header"
  expect_out '^[0-9]+ GoCreate p=[0-9]+ g=1 off=[0-9]+ g=[0-9]+ stack=[0-9]+$' "go-trace print event line"
  t "$ts" go-trace print --stacks "$gt/chan.gccgo.trace"
  expect_rc 0 "go-trace print --stacks (gccgo 12)"
  expect_out '^go trace version 1\.11, ' "go-trace print gccgo header"
  head -c 500 "$gt/chan.go.trace" >cut.trace
  t "$ts" go-trace print cut.trace
  expect_rc 2 "go-trace print of a truncated trace"
  expect_err '^touchstone: cut\.trace: offset [0-9]+: expected ' "go-trace truncated: one line with the offset"
  # certify --go-trace / --verify (tools/cli/certify.h; docs/CERTIFICATION.md)
  t "$ts" certify --go-trace "$gt/chan.go.trace" "$gt/procs.gccgo.trace" --out cert --quiet
  expect_rc 0 "certify --go-trace of real traces: clean"
  expect_out '^certificate: go-trace .*: 2 traces, .*9 passed.*CLEAN$' "certify summary line"
  t "$ts" certify --verify cert
  expect_rc 0 "certify --verify of a fresh certificate"
  printf 'x' >>cert/evidence/chan.go.trace
  t "$ts" certify --verify cert
  expect_rc 1 "certify --verify notices a changed evidence file"
  t "$ts" certify --go-trace cut.trace --out cert2
  expect_rc 2 "certify --go-trace of a truncated trace"
  expect_err '^touchstone: cut\.trace: offset [0-9]+: expected ' "certify truncated: one line with the offset"
  t "$ts" go-trace mutate "$gt/chan.go.trace" --sites 3
  expect_rc 0 "go-trace mutate: every mutation flagged by its clause"
}

native_checks
text_checks
bad_input_checks
go_trace_checks
if [ "$sim" = 1 ]; then
  sim_run_checks
  repro_checks
  explore_checks
  memory_model_checks
  if [ -x "$broken" ]; then
    broken_checks
  else
    echo "cli_test: $broken not built; skipping the broken-runtime checks" >&2
  fi
else
  no_sim_checks
fi

if [ "$failures" -ne 0 ]; then
  echo "cli_test: $failures of $checks checks FAILED" >&2
  exit 1
fi
echo "cli_test: all $checks checks passed"
