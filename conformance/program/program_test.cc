// conformance/program/program_test.cc — the workload language: text round trips, parse
// errors, the fuzzer decoder's totality and stability, and the interpreter's outcomes.
//
// Built twice: program_test on the native runtime, program_sim_test on the simulated one
// (TOUCHSTONE_PLATFORM_SIM). The language tests are the same in both; every interpreter run
// goes through run() below, which natively calls run_program and in the sim build wraps it in
// touchstone::simulate under Random seeds (several per test) and checks the run succeeded.
// Fatal outcomes (deadlock, send on closed, budgets) are death tests natively and structured
// sim::Failure::Fatal results in the sim.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "conformance/program/decode.h"
#include "conformance/program/interp.h"
#include "conformance/program/program.h"
#include "conformance/program/text.h"
#include "runtime/trace.h"

#if defined(TOUCHSTONE_PLATFORM_SIM)
#include "runtime/sim_harness.h"
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#define TS_LSAN 1
#endif
#endif
#endif

namespace touchstone::program {
namespace {

// ---- helpers ---------------------------------------------------------------------------------

Program parse_ok(std::string_view text) {
  ParseResult r = parse(text, "test.prog");
  EXPECT_TRUE(r.ok()) << r.error << "\n" << text;
  return r.ok() ? *r.program : Program{};
}

std::string parse_error(std::string_view text) {
  ParseResult r = parse(text, "t.prog");
  EXPECT_FALSE(r.ok()) << "parsed:\n" << text;
  return r.error;
}

#if defined(TOUCHSTONE_PLATFORM_SIM)
// A run that ends in a fatal error is abandoned mid-flight: objects owned by its goroutines'
// frames can never be destroyed. Leak checking is off for such a run only.
struct AbandonedRun {
#if defined(TS_LSAN)
  AbandonedRun() { __lsan_disable(); }
  ~AbandonedRun() { __lsan_enable(); }
#endif
};

struct SimRun {
  sim::Result result;
  RunResult run;
};

SimRun simulate_program(const Program& p, RunOptions opts, std::uint64_t seed) {
  auto strategy = sim::make_random(seed);
  // Virtual time is work: sysmon's 10 ms preemption would cost 50,000 points (export_test.h).
  opts.force_preempt_ns = std::min<std::int64_t>(opts.force_preempt_ns, 2'000'000);
  sim::Config cfg;
  cfg.max_steps = 20'000'000;
  SimRun out;
  out.result = simulate(cfg, *strategy, [&] { out.run = run_program(p, opts); });
  return out;
}
#endif

// Runs p; in the sim build under `seed` (natively the seed only feeds the runtime's fastrand).
RunResult run(const Program& p, RunOptions opts = {}, std::uint64_t seed = 1) {
#if defined(TOUCHSTONE_PLATFORM_SIM)
  SimRun r = simulate_program(p, opts, seed);
  EXPECT_TRUE(r.result.ok()) << "seed " << seed << ": " << sim::failure_name(r.result.failure) << ": "
                             << r.result.message;
  return r.run;
#else
  opts.seed = seed;
  return run_program(p, opts);
#endif
}

// Runs p with 1 and 4 Ps (in the sim build under three seeds each) and expects `expected`.
void expect_outcome(std::string_view text, const std::string& expected) {
  const Program p = parse_ok(text);
  for (int procs : {1, 4}) {
    for (std::uint64_t seed = 1; seed <= 3; seed++) {
      RunResult r = run(p, {.procs = procs}, seed);
      ASSERT_TRUE(r.ok()) << r.error;
      EXPECT_EQ(outcome_text(r.outcome), expected) << "procs " << procs << " seed " << seed;
    }
  }
}

// Lines of `a` and `b` that differ: |a| + |b| - 2 * LCS (what a line diff shows).
int line_diff(const std::string& a, const std::string& b) {
  auto split = [](const std::string& s) {
    std::vector<std::string> v;
    std::size_t i = 0;
    while (i < s.size()) {
      std::size_t j = s.find('\n', i);
      if (j == std::string::npos) j = s.size();
      v.push_back(s.substr(i, j - i));
      i = j + 1;
    }
    return v;
  };
  const auto x = split(a), y = split(b);
  std::vector<int> prev(y.size() + 1, 0), cur(y.size() + 1, 0);
  for (std::size_t i = 1; i <= x.size(); i++) {
    for (std::size_t j = 1; j <= y.size(); j++) {
      cur[j] = x[i - 1] == y[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    }
    std::swap(prev, cur);
  }
  return int(x.size() + y.size()) - 2 * prev[y.size()];
}

std::vector<std::uint8_t> random_bytes(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = std::uint8_t(rng());
  return v;
}

// ---- hand-written programs (canonical text) ------------------------------------------------

const char* const kPingPong =
    "chan ping cap 0\n"
    "chan pong cap 0\n"
    "go main {\n"
    "  spawn echo\n"
    "  loop 3 {\n"
    "    send ping 1\n"
    "    recv pong\n"
    "  }\n"
    "}\n"
    "go echo {\n"
    "  loop 3 {\n"
    "    recv ping\n"
    "    send pong 2\n"
    "  }\n"
    "}\n";

const char* const kFifo =
    "chan q cap 4\n"
    "go main {\n"
    "  spawn producer\n"
    "  loop 20 {\n"
    "    recv q\n"
    "  }\n"
    "}\n"
    "go producer {\n"
    "  loop 20 as i {\n"
    "    send q i\n"
    "  }\n"
    "}\n";

const char* const kCloseBuffered =
    "chan c cap 2\n"
    "go main {\n"
    "  send c 5\n"
    "  close c\n"
    "  recv c\n"
    "  recv c\n"
    "  recv c\n"
    "}\n";

// close wakes every blocked receiver with (0, false).
const char* const kCloseWakes =
    "chan c cap 0\n"
    "chan done cap 0\n"
    "go main {\n"
    "  spawn waiter\n"
    "  spawn waiter\n"
    "  yield\n"
    "  close c\n"
    "  recv done\n"
    "  recv done\n"
    "}\n"
    "go waiter {\n"
    "  recv c\n"
    "  send done 1\n"
    "}\n";

// wait returns only after every worker's send: the close after it cannot overtake a send.
const char* const kWaitGroup =
    "chan results cap 3\n"
    "waitgroup all\n"
    "go main {\n"
    "  wg all add 3\n"
    "  spawn worker\n"
    "  spawn worker\n"
    "  spawn worker\n"
    "  wg all wait\n"
    "  close results\n"
    "  loop 4 {\n"
    "    recv results\n"
    "  }\n"
    "}\n"
    "go worker {\n"
    "  work 50\n"
    "  send results 7\n"
    "  wg all done\n"
    "}\n";

// Mutual exclusion: inside the lock each goroutine sends 1, yields, sends 2. Without the
// mutex the log would interleave (1 1 2 2); with it, it strictly alternates.
const char* const kMutex =
    "chan log cap 64\n"
    "mutex mu\n"
    "waitgroup all\n"
    "go main {\n"
    "  wg all add 4\n"
    "  loop 4 {\n"
    "    spawn critical\n"
    "  }\n"
    "  wg all wait\n"
    "  close log\n"
    "  loop 33 {\n"
    "    recv log\n"
    "  }\n"
    "}\n"
    "go critical {\n"
    "  loop 4 {\n"
    "    lock mu\n"
    "    send log 1\n"
    "    yield\n"
    "    work 10\n"
    "    send log 2\n"
    "    unlock mu\n"
    "  }\n"
    "  wg all done\n"
    "}\n";

// exit leaves the goroutine from inside a loop: one send, never the second.
const char* const kExit =
    "chan c cap 4\n"
    "waitgroup all\n"
    "go main {\n"
    "  wg all add 1\n"
    "  spawn quitter\n"
    "  wg all wait\n"
    "  close c\n"
    "  recv c\n"
    "  recv c\n"
    "}\n"
    "go quitter {\n"
    "  loop 5 {\n"
    "    send c 1\n"
    "    wg all done\n"
    "    exit\n"
    "  }\n"
    "  send c 2\n"
    "}\n";

// Loop variables (nested, with offsets) and the blocking and yielding ops.
const char* const kLoopVars =
    "chan out cap 0\n"
    "go main {\n"
    "  spawn gen\n"
    "  loop 12 {\n"
    "    recv out\n"
    "  }\n"
    "}\n"
    "go gen {\n"
    "  loop 3 as i {\n"
    "    loop 2 as j {\n"
    "      sleep 10\n"
    "      syscall 5\n"
    "      yield\n"
    "      work 3\n"
    "      send out i+10\n"
    "      send out j-1\n"
    "    }\n"
    "  }\n"
    "  loop 0 {\n"
    "    send out 99\n"
    "  }\n"
    "}\n";

// Schedule-independent although everything races: four interchangeable workers take exactly
// ten identical jobs each; a two-stage pipeline keeps its order by FIFO.
const char* const kMixed =
    "chan jobs cap 2\n"
    "chan stage cap 0\n"
    "chan results cap 1\n"
    "mutex mu\n"
    "waitgroup all\n"
    "go main {\n"
    "  spawn pipeline\n"
    "  wg all add 4\n"
    "  loop 4 {\n"
    "    spawn worker\n"
    "  }\n"
    "  loop 40 {\n"
    "    send jobs 7\n"
    "  }\n"
    "  wg all wait\n"
    "  loop 20 {\n"
    "    recv results\n"
    "  }\n"
    "}\n"
    "go worker {\n"
    "  loop 10 {\n"
    "    recv jobs\n"
    "    lock mu\n"
    "    work 5\n"
    "    unlock mu\n"
    "    yield\n"
    "  }\n"
    "  syscall 20\n"
    "  sleep 10\n"
    "  wg all done\n"
    "}\n"
    "go pipeline {\n"
    "  spawn source\n"
    "  loop 20 as i {\n"
    "    recv stage\n"
    "    send results i+100\n"
    "  }\n"
    "}\n"
    "go source {\n"
    "  loop 20 as i {\n"
    "    work 2\n"
    "    send stage i\n"
    "  }\n"
    "}\n";

// procs: grow to 3 Ps, queue 8 workers, shrink to 1 while they are runnable, grow back. The
// workers' values survive every resize (STW-2: no runnable G is lost).
const char* const kProcs =
    "chan c cap 0\n"
    "waitgroup all\n"
    "go main {\n"
    "  procs 3\n"
    "  wg all add 8\n"
    "  loop 8 {\n"
    "    spawn w\n"
    "  }\n"
    "  procs 1\n"
    "  loop 8 {\n"
    "    recv c\n"
    "  }\n"
    "  wg all wait\n"
    "  procs 3\n"
    "}\n"
    "go w {\n"
    "  work 20\n"
    "  procs 2\n"
    "  send c 1\n"
    "  wg all done\n"
    "}\n";

const char* const kAllPrograms[] = {kPingPong, kFifo,  kCloseBuffered, kCloseWakes, kWaitGroup,
                                    kMutex,    kExit,  kLoopVars,      kMixed,      kProcs};

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; i++) out += s;
  return out;
}

// ---- text: round trips -----------------------------------------------------------------------

TEST(ProgramText, CanonicalTextRoundTrips) {
  std::set<OpKind> kinds;
  for (const char* text : kAllPrograms) {
    const Program p = parse_ok(text);
    EXPECT_EQ(validate(p), "");
    EXPECT_EQ(print(p), text);                 // print(parse(t)) == t
    EXPECT_EQ(parse_ok(print(p)), p);          // parse(print(p)) == p
    for (const Body& b : p.bodies) {
      for (const Op& op : b.ops) kinds.insert(op.kind);
    }
  }
  // Together the programs use every operation of the language.
  for (int k = 0; k <= int(OpKind::Exit); k++) EXPECT_TRUE(kinds.count(OpKind(k))) << op_keyword(OpKind(k));
  EXPECT_TRUE(kinds.count(OpKind::Procs));
}

TEST(ProgramText, ProcsParsesToTheExpectedIR) {
  const Program p = parse_ok("go main {\n  procs 1\n  loop 2 {\n    procs 8\n  }\n}\n");
  Program want;
  want.bodies = {{"main", {Op::procs(1), Op::loop(2), Op::procs(kMaxProcs), Op::end()}}};
  EXPECT_EQ(p, want);
  EXPECT_EQ(print(want), "go main {\n  procs 1\n  loop 2 {\n    procs 8\n  }\n}\n");
  // Non-canonical spacing and a comment: the canonical form is `procs N`.
  EXPECT_EQ(print(parse_ok("go main {\n\tprocs   04 # resize\n}\n")), "go main {\n  procs 4\n}\n");
}

TEST(ProgramText, PingPongParsesToTheExpectedIR) {
  const Program p = parse_ok(kPingPong);
  Program want;
  want.chans = {{"ping", 0}, {"pong", 0}};
  want.bodies = {{"main", {Op::spawn(1), Op::loop(3), Op::send(0, 1), Op::recv(1), Op::end()}},
                 {"echo", {Op::loop(3), Op::recv(0), Op::send(1, 2), Op::end()}}};
  EXPECT_EQ(p, want);
}

TEST(ProgramText, NonCanonicalTextParsesToTheCanonicalProgram) {
  // Comments, blank lines, tabs, extra spaces, CRLF, bodies before declarations, main last,
  // spaces inside values: all accepted, all gone from the canonical form.
  const std::string text =
      "# a comment line\n"
      "go worker {   # trailing comment\n"
      "\tloop 2 as k {\r\n"
      "      send c  k + 3\n"
      "      send c - 4\n"
      "      wg g add -2\n"
      "  }\n"
      "}\n"
      "\n"
      "mutex m\n"
      "chan c cap 1\n"
      "waitgroup g\n"
      "go main {\n"
      "spawn worker\n"
      "lock m\n"
      "unlock m\n"
      "}\n";
  const std::string canonical =
      "chan c cap 1\n"
      "mutex m\n"
      "waitgroup g\n"
      "go main {\n"
      "  spawn worker\n"
      "  lock m\n"
      "  unlock m\n"
      "}\n"
      "go worker {\n"
      "  loop 2 as k {\n"
      "    send c k+3\n"
      "    send c -4\n"
      "    wg g add -2\n"
      "  }\n"
      "}\n";
  const Program p = parse_ok(text);
  EXPECT_EQ(print(p), canonical);
  EXPECT_EQ(parse_ok(canonical), p);
  ASSERT_EQ(p.bodies[1].ops[1], Op::send(0, 3, 0));  // k+3: loop level 0
}

TEST(ProgramText, ProgramsBuiltInCodeRoundTrip) {
  Program p;
  p.chans = {{"a", 0}, {"b", kMaxChanCap}};
  p.mutexes = {"mu"};
  p.waitgroups = {"wg1", "wg2"};
  p.bodies = {{"main",
               {Op::spawn(1), Op::yield(), Op::work(kMaxWork), Op::loop(kMaxLoopCount, "i"), Op::loop(0, "j"),
                Op::send(0, -kMaxValue, 0), Op::send(1, kMaxValue, 1), Op::send(1, 0, 1), Op::end(), Op::end(),
                Op::recv(1), Op::close(0), Op::lock(0), Op::unlock(0), Op::wg_add(1, -kMaxWgDelta),
                Op::wg_done(0), Op::wg_wait(1), Op::sleep(kMaxMicros), Op::syscall(0), Op::procs(1),
                Op::procs(kMaxProcs), Op::exit()}},
              {"other", {}}};
  ASSERT_EQ(validate(p), "");
  const std::string text = print(p);
  EXPECT_EQ(parse_ok(text), p) << text;
  EXPECT_NE(text.find("    send a i-1000000000000000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("      send b j\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  procs 1\n  procs 8\n  exit\n"), std::string::npos) << text;
}

TEST(ProgramText, ValidateRejectsMalformedPrograms) {
  const Program good = parse_ok(kPingPong);
  auto broken = [&](auto edit) {
    Program p = good;
    edit(p);
    return validate(p);
  };
  EXPECT_EQ(broken([](Program& p) { p.bodies[0].name = "start"; }), "body 0 is 'start', not main");
  EXPECT_EQ(broken([](Program& p) { p.bodies[1].ops[1].ref = 5; }), "body 'echo' op 1 (recv): channel 5 out of range (2 declared)");
  EXPECT_EQ(broken([](Program& p) { p.bodies[1].ops.pop_back(); }), "body 'echo': 1 loop(s) not closed");
  EXPECT_EQ(broken([](Program& p) { p.bodies[0].ops[0].n = 3; }), "body 'main' op 0 (spawn): n must be 0");
  EXPECT_EQ(broken([](Program& p) { p.bodies[0].ops[2].var = 0; }),
            "body 'main' op 2 (send): var 0 names a loop without a variable");
  EXPECT_EQ(broken([](Program& p) { p.bodies[0].ops[0].kind = OpKind::Alloc; }),
            "body 'main' op 0 (alloc): 'alloc' is reserved (not yet supported)");
  EXPECT_EQ(broken([](Program& p) { p.chans[1].name = "ping"; }), "duplicate name 'ping' (channel and channel)");
  EXPECT_EQ(broken([](Program& p) { p.chans[1].cap = -1; }), "channel 'pong': capacity -1 out of range (0..4096)");
  EXPECT_EQ(broken([](Program& p) { p.bodies[1].ops.insert(p.bodies[1].ops.begin(), Op::end()); }),
            "body 'echo' op 0 (}): '}' without an open loop");
  // procs: 1..kMaxProcs, no ref; kinds between the reserved ones and procs are unknown.
  EXPECT_EQ(broken([](Program& p) { p.bodies[0].ops[0] = Op::procs(0); }), "body 'main' op 0 (procs): number 0 out of range (1..8)");
  EXPECT_EQ(broken([](Program& p) { p.bodies[0].ops[0] = Op::procs(9); }), "body 'main' op 0 (procs): number 9 out of range (1..8)");
  EXPECT_EQ(broken([](Program& p) { p.bodies[0].ops[0] = Op::make(OpKind::Procs, 1, 2); }), "body 'main' op 0 (procs): ref must be 0");
  EXPECT_EQ(broken([](Program& p) { p.bodies[0].ops[0] = Op::procs(kMaxProcs); }), "");
  EXPECT_EQ(broken([](Program& p) { p.bodies[0].ops[0].kind = OpKind(21); }), "body 'main' op 0 (?): unknown op kind 21");
  EXPECT_EQ(broken([](Program& p) { p.bodies[0].ops[0].kind = OpKind(31); }), "body 'main' op 0 (?): unknown op kind 31");
  EXPECT_EQ(broken([](Program& p) { p.bodies[0].ops[0].kind = OpKind(33); }), "body 'main' op 0 (?): unknown op kind 33");
}

// ---- text: errors ----------------------------------------------------------------------------

TEST(ProgramText, ParseErrorsHaveExactPositions) {
  EXPECT_EQ(parse_error("go main {\n  jump\n}\n"), "t.prog:2:3: unknown operation 'jump'");
  EXPECT_EQ(parse_error("go main {\n  send c 1\n}\n"), "t.prog:2:8: unknown channel 'c'");
  EXPECT_EQ(parse_error("go main {\n  spawn w\n}\n"), "t.prog:2:9: unknown body 'w'");
  EXPECT_EQ(parse_error("mutex m\ngo main {\n  send m 1\n}\n"), "t.prog:3:8: 'm' is a mutex, not a channel");
  EXPECT_EQ(parse_error("go main {\n  loop 3 {\n    yield\n}\n"), "t.prog:1:1: 'go' block is never closed (missing '}')");
  EXPECT_EQ(parse_error("go main {\n  loop 3 {\n    yield\n"), "t.prog:2:3: 'loop' block is never closed (missing '}')");
  EXPECT_EQ(parse_error("go main {\n  loop 10001 {\n  }\n}\n"), "t.prog:2:8: loop count 10001 out of range (0..10000)");
  EXPECT_EQ(parse_error("go main {\n  work 99999999999999999999999\n}\n"),
            "t.prog:2:8: work units 99999999999999999999999 out of range (0..1000000)");
  EXPECT_EQ(parse_error("chan c cap 0\ngo main {\n  send c 1000000000000001\n}\n"),
            "t.prog:3:10: value 1000000000000001 out of range (-1000000000000000..1000000000000000)");
  EXPECT_EQ(parse_error("chan c cap -1\n"), "t.prog:1:12: unexpected '-'; expected a number (channel capacity)");
  EXPECT_EQ(parse_error("chan a cap 0\nchan a cap 1\ngo main {\n}\n"), "t.prog:2:6: duplicate name 'a' (first declared at 1:6)");
  EXPECT_EQ(parse_error("go main {\n}\ngo main {\n}\n"), "t.prog:3:4: duplicate name 'main' (first declared at 1:4)");
  EXPECT_EQ(parse_error("go w {\n}\n"), "t.prog:1:1: no 'go main' body");
  EXPECT_EQ(parse_error(""), "t.prog:1:1: no 'go main' body");
  EXPECT_EQ(parse_error("go main {\n  alloc\n}\n"), "t.prog:2:3: 'alloc' is reserved for a later issue (not yet supported)");
  EXPECT_EQ(parse_error("go main {\n  yield;\n}\n"), "t.prog:2:8: unexpected character ';'");
  EXPECT_EQ(parse_error("go main {\n  yield\x01\n}\n"), "t.prog:2:8: unexpected byte 0x01");
  EXPECT_EQ(parse_error("go main {\n  send\n}\n"), "t.prog:2:7: expected a channel name at the end of the line");
  EXPECT_EQ(parse_error("go main {\n  yield now\n}\n"), "t.prog:2:9: unexpected 'now'; expected the end of the line");
  EXPECT_EQ(parse_error("go main\n}\n"), "t.prog:1:8: expected '{' at the end of the line");
  EXPECT_EQ(parse_error("}\n"), "t.prog:1:1: unexpected '}' outside a body");
  EXPECT_EQ(parse_error("send c 1\n"), "t.prog:1:1: 'send' outside a body (statements go inside 'go NAME { ... }')");
  EXPECT_EQ(parse_error("channel c\n"), "t.prog:1:1: unknown declaration 'channel' (expected chan, mutex, waitgroup or go)");
  EXPECT_EQ(parse_error("go main {\n  go w {\n"), "t.prog:2:3: 'go' inside a body: bodies do not nest (use 'spawn NAME')");
  EXPECT_EQ(parse_error("go main {\n  chan c cap 0\n}\n"), "t.prog:2:3: 'chan' declarations belong at the top level");
  EXPECT_EQ(parse_error("chan c cap 0\ngo main {\n  send c i\n}\n"), "t.prog:3:10: 'i' is not the variable of an enclosing loop");
  EXPECT_EQ(parse_error("go main {\n  loop 2 as i {\n    loop 2 as i {\n    }\n  }\n}\n"),
            "t.prog:3:15: loop variable 'i' is already bound by an enclosing loop");
  EXPECT_EQ(parse_error("waitgroup w\ngo main {\n  wg w finish\n}\n"),
            "t.prog:3:8: unexpected 'finish'; expected 'add', 'done' or 'wait'");
  EXPECT_EQ(parse_error("go main {\n  procs 0\n}\n"), "t.prog:2:9: procs count 0 out of range (1..8)");
  EXPECT_EQ(parse_error("go main {\n  procs 9\n}\n"), "t.prog:2:9: procs count 9 out of range (1..8)");
  EXPECT_EQ(parse_error("go main {\n  procs 99999999999999999999\n}\n"),
            "t.prog:2:9: procs count 99999999999999999999 out of range (1..8)");
  EXPECT_EQ(parse_error("go main {\n  procs x\n}\n"), "t.prog:2:9: unexpected 'x'; expected a number (procs count)");
  EXPECT_EQ(parse_error("go main {\n  procs -2\n}\n"), "t.prog:2:9: unexpected '-'; expected a number (procs count)");
  EXPECT_EQ(parse_error("go main {\n  procs\n}\n"), "t.prog:2:8: expected a number (procs count) at the end of the line");
  EXPECT_EQ(parse_error("go main {\n  yield\n  procs 2 4\n}\n"), "t.prog:3:11: unexpected '4'; expected the end of the line");
  EXPECT_EQ(parse_error("procs 2\n"), "t.prog:1:1: 'procs' outside a body (statements go inside 'go NAME { ... }')");
  EXPECT_EQ(parse_error("chan " + std::string(33, 'x') + " cap 0\n"),
            "t.prog:1:6: name '" + std::string(33, 'x') + "' is longer than 32 characters");
}

TEST(ProgramText, ParseErrorsForExceededLimits) {
  // 65 channels.
  std::string chans;
  for (int i = 0; i < 65; i++) chans += "chan c" + std::to_string(i) + " cap 0\n";
  EXPECT_EQ(parse_error(chans), "t.prog:65:1: too many channels (at most 64)");
  // 17 mutexes, 17 wait groups, 65 bodies.
  std::string mus, wgs, bodies = "go main {\n}\n";
  for (int i = 0; i < 17; i++) mus += "mutex m" + std::to_string(i) + "\n";
  for (int i = 0; i < 17; i++) wgs += "waitgroup w" + std::to_string(i) + "\n";
  for (int i = 1; i < 65; i++) bodies += "go b" + std::to_string(i) + " {\n}\n";
  EXPECT_EQ(parse_error(mus), "t.prog:17:1: too many mutexes (at most 16)");
  EXPECT_EQ(parse_error(wgs), "t.prog:17:1: too many wait groups (at most 16)");
  EXPECT_EQ(parse_error(bodies), "t.prog:129:1: too many bodies (at most 64)");
  // 4097 operations.
  EXPECT_EQ(parse_error("go main {\n" + repeat("  yield\n", 4097) + "}\n"),
            "t.prog:4098:3: too many operations (at most 4096 in a program)");
  EXPECT_TRUE(parse("go main {\n" + repeat("  yield\n", 4096) + "}\n").ok());
  // Nesting: 8 loops are fine, the 9th is not; 100,000 open loops are no problem either.
  EXPECT_TRUE(parse("go main {\n" + repeat("loop 1 {\n", 8) + repeat("}\n", 9)).ok());
  EXPECT_EQ(parse_error("go main {\n" + repeat("loop 1 {\n", 9) + repeat("}\n", 10)),
            "t.prog:10:1: loops nested too deeply (at most 8)");
  EXPECT_EQ(parse_error("go main {\n" + repeat("loop 1 {\n", 100000)), "t.prog:10:1: loops nested too deeply (at most 8)");
}

TEST(ProgramText, ParserSurvivesMutatedInput) {
  // Random edits of valid programs from an alphabet that reaches every parser path: each
  // result is either a program that round-trips or a located error; nothing crashes or hangs.
  std::mt19937_64 rng(20240601);
  const std::string alphabet = "abcimnopsw{}+-# \n\t0123456789xyz;\x01";
  const std::vector<std::string> words = {"loop ", "send ", "recv ", "chan ", "go ", "spawn ", "wg ", " as ",
                                          " cap ", "{\n", "}\n", "main", "exit\n", "alloc ", "procs "};
  int ok = 0;
  for (int iter = 0; iter < 20000; iter++) {
    std::string text = kAllPrograms[rng() % std::size(kAllPrograms)];
    const int edits = 1 + int(rng() % 4);
    for (int e = 0; e < edits; e++) {
      const std::size_t at = rng() % (text.size() + 1);
      switch (rng() % 4) {
        case 0: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        case 1: text.insert(at, words[rng() % words.size()]); break;
        case 2:
          if (at < text.size()) text.erase(at, 1 + rng() % 8);
          break;
        case 3:
          if (at < text.size()) text[at] = alphabet[rng() % alphabet.size()];
          break;
      }
    }
    ParseResult r = parse(text, "m.prog");
    if (r.ok()) {
      ok++;
      ASSERT_EQ(validate(*r.program), "");
      ASSERT_EQ(parse_ok(print(*r.program)), *r.program) << text;
    } else {
      ASSERT_EQ(r.error.rfind("m.prog:", 0), 0u) << r.error;
      ASSERT_NE(r.error.find(": ", 7), std::string::npos) << r.error;
    }
  }
  EXPECT_GT(ok, 100);  // the edits leave some programs valid (otherwise the loop tests little)
}

// ---- decoder -----------------------------------------------------------------------------

// 5,000 inputs of up to 512 bytes (many decode to programs of hundreds of ops: a few seconds in
// the checked debug build; the nightly fuzz campaigns cover the decoder far more widely). The
// thresholds below are fractions of kInputs.
TEST(ProgramDecode, TotalOn5000RandomInputs) {
  constexpr int kInputs = 5000;
  std::mt19937_64 rng(7);
  int with_spawn = 0, with_loop = 0, with_lock = 0, with_close = 0, multi_body = 0;
  int with_procs = 0, procs_outside_main = 0;
  std::set<std::int64_t> procs_counts;
  for (int iter = 0; iter < kInputs; iter++) {
    const auto bytes = random_bytes(rng, rng() % 513);
    const Program p = decode(bytes);
    ASSERT_EQ(validate(p), "") << "input " << iter;
    const std::string text = print(p);
    ParseResult r = parse(text, "decoded");
    ASSERT_TRUE(r.ok()) << r.error << "\n" << text;
    ASSERT_EQ(*r.program, p) << text;
    if (iter % 16 == 0) {
      ASSERT_EQ(decode(bytes), p) << "decode is a function of the bytes";
    }
    multi_body += p.bodies.size() > 1;
    for (const Body& b : p.bodies) {
      for (const Op& op : b.ops) {
        with_spawn += op.kind == OpKind::Spawn;
        with_loop += op.kind == OpKind::Loop;
        with_lock += op.kind == OpKind::Lock;
        with_close += op.kind == OpKind::Close;
        if (op.kind == OpKind::Procs) {
          with_procs++;
          procs_outside_main += &b != &p.bodies[0];
          procs_counts.insert(op.n);
        }
      }
    }
  }
  // The decoder reaches the whole language, and close stays rare.
  EXPECT_GT(multi_body, kInputs / 2);
  EXPECT_GT(with_spawn, kInputs / 2);
  EXPECT_GT(with_loop, kInputs / 2);
  EXPECT_GT(with_lock, kInputs / 4);
  EXPECT_GT(with_close, kInputs / 200);
  EXPECT_LT(with_close, with_lock / 4);
  // procs (a stop-the-world) is rare too, but reached, in every body, with every count.
  EXPECT_GT(with_procs, kInputs / 20);
  EXPECT_LT(with_procs, with_lock / 4);
  EXPECT_GT(procs_outside_main, kInputs / 200);
  EXPECT_EQ(procs_counts.size(), std::size_t(kMaxProcs));
}

TEST(ProgramDecode, ProcsMapping) {
  // Slot 21 (decode.h): (a>>2)%8 == 0 closes c<a%4> in main; == 1 is `procs 1 + (a>>5)`;
  // anything else is a yield, as before procs existed.
  auto main_ops = [](std::vector<std::uint8_t> pairs) {
    std::vector<std::uint8_t> in = {0, 0, 0, 0};
    in.insert(in.end(), pairs.begin(), pairs.end());
    const Program p = decode(in);
    EXPECT_EQ(validate(p), "");
    return p.bodies[0].ops;
  };
  const Op grace = Op::sleep(kDecodeGraceMicros);
  EXPECT_EQ(main_ops({21, 0x04}), (std::vector<Op>{Op::procs(1), grace}));
  EXPECT_EQ(main_ops({21, 0x25}), (std::vector<Op>{Op::procs(2), grace}));
  EXPECT_EQ(main_ops({21 + 32, 0xe7}), (std::vector<Op>{Op::procs(8), grace}));
  EXPECT_EQ(main_ops({21, 0x02}), (std::vector<Op>{Op::close(2), grace}));
  EXPECT_EQ(main_ops({21, 0x08}), (std::vector<Op>{Op::yield(), grace}));
  EXPECT_EQ(main_ops({21, 0xfc}), (std::vector<Op>{Op::yield(), grace}));
  // Inside a loop (24: loop 1+a%4 over the next 1+(a>>2)%4 pairs) and in a spawned body.
  EXPECT_EQ(main_ops({24, 0x01, 21, 0x64}), (std::vector<Op>{Op::loop(2), Op::procs(4), Op::end(), grace}));
  const Program two = decode(std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0, 31, 0, 21, 0x44});
  ASSERT_EQ(two.bodies.size(), 2u);
  EXPECT_EQ(two.bodies[1].ops, (std::vector<Op>{Op::procs(3), Op::wg_done(0)}));
  // Every pair of slot 21 decodes to a valid program; exactly the 32 bytes with (a>>2)%8 == 1
  // give procs, each count 1..8 four times.
  std::vector<int> per_count(kMaxProcs + 1, 0);
  for (int a = 0; a < 256; a++) {
    const std::vector<Op> ops = main_ops({21, std::uint8_t(a)});
    ASSERT_EQ(ops.size(), 2u);
    if (ops[0].kind == OpKind::Procs) {
      EXPECT_EQ((a >> 2) % 8, 1) << a;
      per_count[std::size_t(ops[0].n)]++;
    }
  }
  for (int n = 1; n <= kMaxProcs; n++) EXPECT_EQ(per_count[std::size_t(n)], 4) << n;
}

TEST(ProgramDecode, EdgeInputs) {
  const Program empty = decode({});
  EXPECT_EQ(validate(empty), "");
  EXPECT_EQ(print(empty),
            "chan c0 cap 0\nchan c1 cap 0\nchan c2 cap 0\nchan c3 cap 0\nmutex m0\nmutex m1\nwaitgroup w0\n"
            "go main {\n  sleep 1000\n}\n");
  // All-ones and all-zeros long inputs, and more pairs than the decoder reads.
  for (std::uint8_t fill : {std::uint8_t(0x00), std::uint8_t(0xff), std::uint8_t(31), std::uint8_t(0x18)}) {
    const std::vector<std::uint8_t> big(20000, fill);
    const Program p = decode(big);
    EXPECT_EQ(validate(p), "") << int(fill);
    EXPECT_LE(count_ops(p), kMaxOps);
  }
  // Every input of one pair.
  for (int o = 0; o < 256; o++) {
    for (int a = 0; a < 256; a++) {
      const std::vector<std::uint8_t> in = {1, 2, 3, 4, std::uint8_t(o), std::uint8_t(a)};
      ASSERT_EQ(validate(decode(in)), "") << o << " " << a;
    }
  }
}

TEST(ProgramDecode, DecodedProgramsAreWellBehaved) {
  // The decoder's promises (decode.h): locks are released by their locker in the same block,
  // never nest and never cover a channel op; only main closes, each channel at most once;
  // every spawn is preceded by `wg w0 add 1` and goes forward; only main waits; main never
  // sends or receives and ends with the grace sleep; the other bodies end with `wg w0 done`.
  std::mt19937_64 rng(11);
  for (int iter = 0; iter < 3000; iter++) {
    const Program p = decode(random_bytes(rng, 64 + rng() % 449));
    for (std::size_t b = 0; b < p.bodies.size(); b++) {
      const std::vector<Op>& ops = p.bodies[b].ops;
      std::vector<int> held;  // per open block: the mutex held, or -1
      held.push_back(-1);
      std::set<int> closed;
      for (std::size_t i = 0; i < ops.size(); i++) {
        const Op& op = ops[i];
        switch (op.kind) {
          case OpKind::Loop: held.push_back(-1); break;
          case OpKind::End:
            ASSERT_EQ(held.back(), -1) << "a loop ends while a lock taken in it is held";
            held.pop_back();
            break;
          case OpKind::Lock:
            for (int h : held) ASSERT_EQ(h, -1) << "nested lock";
            held.back() = op.ref;
            break;
          case OpKind::Unlock:
            ASSERT_EQ(held.back(), op.ref);
            held.back() = -1;
            break;
          case OpKind::Close:
            ASSERT_EQ(b, 0u);
            ASSERT_EQ(held.size(), 1u) << "close inside a loop";
            ASSERT_TRUE(closed.insert(op.ref).second) << "closed twice";
            break;
          case OpKind::Spawn:
            ASSERT_GT(std::size_t(op.ref), b);
            ASSERT_GT(i, 0u);
            ASSERT_EQ(ops[i - 1], Op::wg_add(0, 1));
            break;
          case OpKind::WgWait: ASSERT_EQ(b, 0u); break;
          case OpKind::Send:
          case OpKind::Recv:
            ASSERT_NE(b, 0u) << "main never blocks on a channel";
            for (int h : held) ASSERT_EQ(h, -1) << "channel op while holding a lock";
            break;
          default: break;
        }
      }
      ASSERT_EQ(held.size(), 1u);
      ASSERT_EQ(held.back(), -1) << "lock held at the end of the body";
      ASSERT_EQ(ops.back(), b > 0 ? Op::wg_done(0) : Op::sleep(kDecodeGraceMicros));
    }
  }
}

TEST(ProgramDecode, OneFlippedByteMakesASmallChange) {
  // Flip one byte in the middle of a 200-byte input (the kind byte of pair 48): the printed
  // programs differ in a few lines. Changing one op to another changes its lines (a send or
  // recv prints as two); a flip to or from a loop or lock region re-indents or wraps the 1..4
  // pairs it covers; a flip to or from a body marker splits or merges bodies, which retargets
  // spawns — the rare large changes, bounded only by the program's size.
  std::mt19937_64 rng(99);
  auto structural = [](std::uint8_t o) {
    const int k = o % 32;
    return (k >= 22 && k <= 26) || k == 31;  // lock, loop, body marker
  };
  std::vector<int> all, plain;
  for (int iter = 0; iter < 1000; iter++) {
    auto bytes = random_bytes(rng, 200);
    const std::string before = print(decode(bytes));
    const std::uint8_t old = bytes[100];
    bytes[100] ^= std::uint8_t(1 + rng() % 255);
    const std::string after = print(decode(bytes));
    const int d = line_diff(before, after);
    all.push_back(d);
    if (!structural(old) && !structural(bytes[100])) plain.push_back(d);
  }
  std::sort(all.begin(), all.end());
  std::sort(plain.begin(), plain.end());
  auto pct = [](const std::vector<int>& v, int p) { return v[v.size() * std::size_t(p) / 100]; };
  // When written: all flips: median 3, 90th percentile 12, worst 132 (a merge that leaves main
  // the only body: all its spawns become yields); op-to-op flips (666): median 2, 99th
  // percentile 5, worst 17 (the decoder's goroutine and step caps can admit or drop later ops).
  EXPECT_LE(pct(all, 50), 3);
  EXPECT_LE(pct(all, 90), 14);
  ASSERT_GT(plain.size(), 600u);
  EXPECT_LE(pct(plain, 50), 3);
  EXPECT_LE(pct(plain, 99), 8) << "worst " << plain.back();
  // And the flips are not ignored: most change the program.
  EXPECT_GT(std::count_if(all.begin(), all.end(), [](int d) { return d > 0; }), 700);
}

// ---- interpreter -----------------------------------------------------------------------------

TEST(ProgramRun, PingPong) {
  expect_outcome(kPingPong, "main: pong=2 pong=2 pong=2\necho: ping=1 ping=1 ping=1\n");
  RunResult r = run(parse_ok(kPingPong));
  EXPECT_EQ(r.goroutines, 2u);
  // main: spawn + loop + 3 x (send, recv, }) = 11; echo: loop + 3 x (recv, send, }) = 10,
  // unless main returns before echo runs its last `}` (echo is then abandoned, as in Go).
  EXPECT_GE(r.steps, 20u);
  EXPECT_LE(r.steps, 21u);
}

TEST(ProgramRun, StepsAreCountedExactly) {
  // Everything finishes before main returns, so the count is exact: main: wg add + 3 spawns +
  // wait + close + loop + 4 x (recv, }) = 15; each worker: work 50 (51) + send + done = 53.
  for (int procs : {1, 3}) {
    const RunResult r = run(parse_ok(kWaitGroup), {.procs = procs});
    EXPECT_EQ(r.goroutines, 4u);
    EXPECT_EQ(r.steps, 15u + 3 * 53);
  }
}

TEST(ProgramRun, BufferedChannelIsFifo) {
  std::string want = "main:";
  for (int i = 0; i < 20; i++) want += " q=" + std::to_string(i);
  expect_outcome(kFifo, want + "\nproducer: -\n");
}

TEST(ProgramRun, RecvAfterCloseGivesZeroAndNotOk) {
  expect_outcome(kCloseBuffered, "main: c=5 c=closed c=closed\n");
  expect_outcome(kCloseWakes, "main: done=1 done=1\nwaiter: c=closed\nwaiter: c=closed\n");
}

TEST(ProgramRun, WaitGroupWaitsForEveryWorker) {
  expect_outcome(kWaitGroup, "main: results=7 results=7 results=7 results=closed\nworker: -\nworker: -\nworker: -\n");
}

TEST(ProgramRun, MutexExcludes) {
  std::string want = "main:";
  for (int i = 0; i < 16; i++) want += " log=1 log=2";
  want += " log=closed\n";
  for (int i = 0; i < 4; i++) want += "critical: -\n";
  expect_outcome(kMutex, want);
}

TEST(ProgramRun, ExitEndsTheGoroutine) { expect_outcome(kExit, "main: c=1 c=closed\nquitter: -\n"); }

TEST(ProgramRun, LoopVariablesAndBlockingOps) {
  expect_outcome(kLoopVars,
                 "main: out=10 out=-1 out=10 out=0 out=11 out=-1 out=11 out=0 out=12 out=-1 out=12 out=0\ngen: -\n");
}

TEST(ProgramRun, InstancesOfABodyAreAMultiset) {
  // Which waiter gets 1 and which 2 depends on the schedule; the outcome does not.
  const char* text =
      "chan c cap 0\n"
      "waitgroup all\n"
      "go main {\n"
      "  wg all add 2\n"
      "  spawn w\n"
      "  spawn w\n"
      "  send c 2\n"
      "  send c 1\n"
      "  wg all wait\n"
      "}\n"
      "go w {\n"
      "  recv c\n"
      "  wg all done\n"
      "}\n";
  expect_outcome(text, "main: -\nw: c=1\nw: c=2\n");
}

TEST(ProgramRun, ScheduleIndependentOutcomeAcrossProcsAndSeeds) {
  const Program p = parse_ok(kMixed);
  std::string want = "main:";
  for (int i = 0; i < 20; i++) want += " results=" + std::to_string(100 + i);
  want += "\n" + repeat("worker:" + repeat(" jobs=7", 10) + "\n", 4);
  want += "pipeline:";
  for (int i = 0; i < 20; i++) want += " stage=" + std::to_string(i);
  want += "\nsource: -\n";
  const RunResult first = run(p, {.procs = 1});
  ASSERT_TRUE(first.ok()) << first.error;
  EXPECT_EQ(outcome_text(first.outcome), want);
  EXPECT_EQ(first.goroutines, 7u);
#if defined(TOUCHSTONE_PLATFORM_SIM)
  const int runs = 20;  // Random seeds 1..20
#else
  const int runs = 5;   // the OS schedules: each run is a different interleaving
#endif
  for (int procs : {1, 4}) {
    for (int i = 1; i <= runs; i++) {
      const RunResult r = run(p, {.procs = procs}, std::uint64_t(i));
      ASSERT_TRUE(r.ok()) << r.error;
      EXPECT_EQ(r.outcome, first.outcome) << "procs " << procs << " run " << i << "\n" << outcome_text(r.outcome);
    }
  }
}

// Counts the runtime's Procs events (gomaxprocs a -> b) and the completed stops of the world.
class ProcsListener : public TraceListener {
 public:
  void event(const runtime::Event& ev) override {
    if (ev.kind == runtime::EvKind::Procs) {
      procs_events++;
      if (ev.a == 1 && ev.b == 3) one_to_three++;
      if (ev.a == 3 && ev.b == 1) three_to_one++;
      if (ev.b == 3) to_three++;
    }
    if (ev.kind == runtime::EvKind::StwBegin && ev.a == 1) stopped++;
  }
  std::atomic<int> procs_events{0}, one_to_three{0}, three_to_one{0}, to_three{0}, stopped{0};
};

TEST(ProgramRun, ProcsChangesGomaxprocs) {
  // Starting at 1 P: `procs 3` stops the world and resizes 1 -> 3, the second `procs 3` changes
  // nothing, `procs 1` shrinks 3 -> 1 (with the spawned goroutine runnable or running).
  const Program p = parse_ok(
      "chan c cap 1\n"
      "go main {\n"
      "  procs 3\n"
      "  spawn w\n"
      "  procs 3\n"
      "  procs 1\n"
      "  recv c\n"
      "}\n"
      "go w {\n"
      "  work 5\n"
      "  send c 7\n"
      "}\n");
#if defined(TOUCHSTONE_PLATFORM_SIM)
  const int seeds = 5;
#else
  const int seeds = 3;
#endif
  for (int seed = 1; seed <= seeds; seed++) {
    ProcsListener l;
    const RunResult r = run(p, {.procs = 1, .trace = &l}, std::uint64_t(seed));
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(outcome_text(r.outcome), "main: c=7\nw: -\n");
    EXPECT_EQ(l.one_to_three.load(), 1) << "seed " << seed;
    EXPECT_EQ(l.three_to_one.load(), 1) << "seed " << seed;
    EXPECT_EQ(l.to_three.load(), 1) << "seed " << seed;
    EXPECT_EQ(l.procs_events.load(), 3) << "seed " << seed << ": the start (0 -> 1) and the two resizes";
    EXPECT_EQ(l.stopped.load(), 2) << "seed " << seed << ": one stop of the world per resize";
  }
}

TEST(ProgramRun, ProcsOutcomeAndSteps) {
  // kProcs: the workers survive every resize (each one's value arrives); steps are exact.
  expect_outcome(kProcs, "main: c=1 c=1 c=1 c=1 c=1 c=1 c=1 c=1\n" + repeat("w: -\n", 8));
  // main: procs 3 (11) + wg add + loop + 8 x (spawn, }) + procs 1 (11) + loop + 8 x (recv, })
  // + wait + procs 3 (11) = 69; each worker: work 20 (21) + procs 2 (11) + send + done = 34.
  for (int procs : {1, 4}) {
    const RunResult r = run(parse_ok(kProcs), {.procs = procs});
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.steps, 69u + 8 * 34);
  }
}

TEST(ProgramRun, InvalidProgramsAreNotRun) {
  Program p = parse_ok(kPingPong);
  p.bodies[0].ops[0].ref = 9;
  const RunResult r = run_program(p, {});
  EXPECT_EQ(r.error, "invalid program: body 'main' op 0 (spawn): body 9 out of range (2 declared)");
  EXPECT_EQ(run_program(parse_ok(kPingPong), {.procs = 0}).error, "procs 0 out of range (1..256)");
}

// ---- fatal outcomes --------------------------------------------------------------------------

const char* const kDeadlock =
    "chan c cap 0\n"
    "go main {\n"
    "  spawn stuck\n"
    "  recv c\n"
    "}\n"
    "go stuck {\n"
    "  recv c\n"
    "}\n";

const char* const kSendOnClosed =
    "chan c cap 1\n"
    "go main {\n"
    "  close c\n"
    "  send c 1\n"
    "}\n";

const char* const kSpin =
    "go main {\n"
    "  loop 10000 {\n"
    "    yield\n"
    "  }\n"
    "}\n";

// The 100th spawn starts the 101st goroutine (main included), whatever the schedule.
const char* const kManySpawns =
    "go main {\n"
    "  loop 200 {\n"
    "    spawn idle\n"
    "  }\n"
    "}\n"
    "go idle {\n"
    "}\n";

#if defined(TOUCHSTONE_PLATFORM_SIM)

// The run ends with sim::Failure::Fatal and a message containing `what`, for every seed.
void expect_fatal(const char* text, RunOptions opts, const std::string& what) {
  const Program p = parse_ok(text);
  for (std::uint64_t seed = 1; seed <= 3; seed++) {
    [[maybe_unused]] AbandonedRun abandoned;
    SimRun r = simulate_program(p, opts, seed);
    EXPECT_EQ(r.result.failure, sim::Failure::Fatal) << sim::failure_name(r.result.failure) << ": " << r.result.message;
    EXPECT_NE(r.result.message.find(what), std::string::npos) << r.result.message;
  }
  // And the next run is clean.
  EXPECT_TRUE(run(parse_ok(kPingPong)).ok());
}

TEST(ProgramFatal, DeadlockIsReported) { expect_fatal(kDeadlock, {.procs = 2}, "all goroutines are asleep"); }
TEST(ProgramFatal, SendOnClosedChannelPanics) { expect_fatal(kSendOnClosed, {}, "panic: send on closed channel"); }
TEST(ProgramFatal, GoroutineStepBudget) {
  expect_fatal(kSpin, {.goroutine_steps = 1000}, "program: goroutine 1 (body 'main') exceeded its budget of 1000 steps");
}
TEST(ProgramFatal, TotalStepBudget) {
  expect_fatal(kSpin, {.total_steps = 500}, "program: the program exceeded its budget of 500 steps");
}
TEST(ProgramFatal, GoroutineBudget) {
  expect_fatal(kManySpawns, {.procs = 2, .max_goroutines = 100}, "program: more than 100 goroutines");
}

TEST(ProgramFatal, DecodedProgramsMostlyRunAndStayInsideTheDecoderBounds) {
  // Random decoded programs under the sim: they stay within the decoder's static bounds (no
  // budget error with budgets set to exactly those bounds), most finish, and the ones that do
  // not end in one of the fatal errors a program can cause — anything else would be a bug.
  std::mt19937_64 rng(5);
  RunOptions opts{.procs = 3};
  opts.total_steps = kDecodeMaxSteps;
  opts.goroutine_steps = kDecodeMaxSteps;
  opts.max_goroutines = kDecodeMaxGoroutines;
  int ok = 0;
  std::uint64_t recvs = 0;
  const int n = 200;
  for (int i = 0; i < n; i++) {
    const auto bytes = random_bytes(rng, 200);
    const Program p = decode(bytes);
    [[maybe_unused]] AbandonedRun abandoned;
    SimRun r = simulate_program(p, opts, std::uint64_t(i + 1));
    if (r.result.ok()) {
      ok++;
      EXPECT_LE(r.run.steps, std::uint64_t(kDecodeMaxSteps));
      EXPECT_LE(r.run.goroutines, std::uint64_t(kDecodeMaxGoroutines));
      for (const auto& body : r.run.outcome.recvs) {
        for (const auto& seq : body) recvs += seq.size();
      }
      continue;
    }
    EXPECT_EQ(r.result.failure, sim::Failure::Fatal) << r.result.message << "\n" << print(p);
    const bool expected = r.result.message == "fatal error: all goroutines are asleep - deadlock!" ||
                          r.result.message == "panic: send on closed channel";
    EXPECT_TRUE(expected) << r.result.message << "\n" << print(p);
  }
  // 172 of 200 when written (the others: 19 deadlocks in main's wait, 9 sends racing main's
  // close), with 20 recvs per finished run on average: the goroutines do communicate.
  EXPECT_GE(ok, n * 7 / 10) << "most decoded programs should run to the end";
  EXPECT_GE(recvs, std::uint64_t(ok) * 8) << "decoded goroutines should communicate";
}

#else  // native: fatal errors end the process (exit status 2), so these are death tests.

TEST(ProgramFatalDeathTest, DeadlockIsReported) {
  // A deadlock is fatal and ends the process; in the sim build it is a structured failure.
  const Program p = parse_ok(kDeadlock);
  EXPECT_EXIT(run_program(p, {.procs = 2}), ::testing::ExitedWithCode(2), "fatal error: all goroutines are asleep - deadlock!");
}
TEST(ProgramFatalDeathTest, SendOnClosedChannelPanics) {
  const Program p = parse_ok(kSendOnClosed);
  EXPECT_EXIT(run_program(p, {}), ::testing::ExitedWithCode(2), "panic: send on closed channel");
}
TEST(ProgramFatalDeathTest, GoroutineStepBudget) {
  const Program p = parse_ok(kSpin);
  EXPECT_EXIT(run_program(p, {.goroutine_steps = 1000}), ::testing::ExitedWithCode(2),
              "fatal error: program: goroutine 1 \\(body 'main'\\) exceeded its budget of 1000 steps");
}
TEST(ProgramFatalDeathTest, TotalStepBudget) {
  const Program p = parse_ok(kSpin);
  EXPECT_EXIT(run_program(p, {.total_steps = 500}), ::testing::ExitedWithCode(2),
              "program: the program exceeded its budget of 500 steps");
}
TEST(ProgramFatalDeathTest, GoroutineBudget) {
  const Program p = parse_ok(kManySpawns);
  EXPECT_EXIT(run_program(p, {.procs = 2, .max_goroutines = 100}), ::testing::ExitedWithCode(2),
              "program: more than 100 goroutines");
}

#endif

}  // namespace
}  // namespace touchstone::program
