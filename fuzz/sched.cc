// fuzz/sched.cc — the whole simulated runtime running a decoded program, with the conformance
// checker online.
//
// Input layout:
//   byte 0          GOMAXPROCS at the start: 1 + b % 4
//   byte 1          L: the program is the next kDecodeHeaderBytes + 2*L bytes (fewer if the input
//                   ends), decoded by program::decode (conformance/program/decode.h: total, so
//                   every input is a valid program)
//   the rest        scheduling decisions (sim::make_bytes)
//
// The run is what `touchstone run` does (tools/cli/simrun.cc, copied in its essentials): the
// program runs inside touchstone::simulate with a check::OnlineChecker (Order::Exact) as the
// runtime's trace listener; the first violation calls platform::fatal, which ends the simulated
// run at that event; a run that ends normally then gets the end-of-trace clauses (finish). Same
// knobs as the CLI: 20M scheduling points, sysmon's preemption at 2 ms of virtual time, the
// runtime's fastrand seed drawn from the strategy.
//
// A finding (prints "fuzz sched: FINDING ..." with the program text and aborts):
//   - any checker violation (during the run or at finish);
//   - a simulated Deadlock, StepBound, TimeBound or Diverged: the runtime hung, livelocked or
//     failed to notice a deadlock itself (checkdead reports a real one as a Fatal);
//   - any runtime fatal error other than the program-level ones below, e.g. an illegal G
//     transition, "schedule: spinning with local work", "checkdead: ...";
//   - a decoded program the interpreter rejects (the decoder's totality is broken).
// Not a finding — the program's own fault, as in Go — but only where the decoder's guarantees
// (decode.h) allow it:
//   - "fatal error: all goroutines are asleep - deadlock!" when main has a `wg wait`: a decoded
//     program can deadlock only there (main never blocks on a channel, lock regions do not nest
//     and never block on a channel, so everything else can always finish). Without a `wg wait`
//     in main the same message is a false deadlock report: a finding;
//   - "panic: send on closed channel" when the program has a `close` (a send racing main's
//     close). "close of closed channel", "negative WaitGroup counter" and "unlock of unlocked
//     mutex" cannot come from a decoded program (close is emitted once per channel, wg and
//     lock/unlock are balanced): findings;
//   - "fatal error: program: ..." (an interpreter budget ran out; the decoder keeps programs far
//     inside the default budgets, so this does not happen in practice).
// A failed run is abandoned (touchstone::simulate discards the runtime), and what its
// goroutines' frames owned leaks: leak checking is off during the run, as in the CLI.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "conformance/checker/checker.h"
#include "conformance/program/decode.h"
#include "conformance/program/interp.h"
#include "conformance/program/text.h"
#include "platform/platform.h"
#include "platform/sim/world.h"
#include "fuzz/fuzz_model.h"
#include "runtime/sim_harness.h"

#if defined(__SANITIZE_ADDRESS__)
#define TS_FUZZ_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TS_FUZZ_LSAN 1
#endif
#endif
#if defined(TS_FUZZ_LSAN)
#include <sanitizer/lsan_interface.h>
#endif

namespace {

using namespace touchstone;

constexpr std::uint64_t kSimMaxSteps = 20'000'000;     // tools/cli/simrun.h
constexpr std::int64_t kForcePreemptNs = 2'000'000;    // tools/cli/simrun.h

struct AbandonableRun {
#if defined(TS_FUZZ_LSAN)
  AbandonableRun() { __lsan_disable(); }
  ~AbandonableRun() { __lsan_enable(); }
#endif
};

[[noreturn]] void finding(const program::Program& p, int procs, const std::string& what) {
  std::fprintf(stderr, "fuzz sched: FINDING on %d Ps: %s\n--- program ---\n%s---\n", procs, what.c_str(),
               program::print(p).c_str());
  std::fflush(stderr);
  std::abort();
}

bool has_op(const program::Body& b, program::OpKind k) {
  for (const program::Op& op : b.ops) {
    if (op.kind == k) return true;
  }
  return false;
}

bool has_op(const program::Program& p, program::OpKind k) {
  for (const program::Body& b : p.bodies) {
    if (has_op(b, k)) return true;
  }
  return false;
}

// A program-level fatal error this program may legitimately end with (see the top comment).
bool legitimate_fatal(const program::Program& p, const std::string& msg) {
  if (msg.rfind("fatal error: program: ", 0) == 0) return true;
  if (msg == "fatal error: all goroutines are asleep - deadlock!") {
    return !p.bodies.empty() && has_op(p.bodies[0], program::OpKind::WgWait);
  }
  if (msg == "panic: send on closed channel") return has_op(p, program::OpKind::Close);
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  const int procs = 1 + (size > 0 ? data[0] % 4 : 0);
  const std::size_t want = std::size_t(program::kDecodeHeaderBytes) + 2 * std::size_t(size > 1 ? data[1] : 0);
  const std::size_t start = size < 2 ? size : 2;
  const std::size_t plen = std::min(want, size - start);
  const program::Program p = program::decode(in.subspan(start, plen));
  auto strategy = sim::make_bytes(in.subspan(start + plen));

  check::OnlineChecker online(check::Options{.order = check::Order::Exact});
  online.set_on_violation([](const check::Violation& v) {
    if (sim::active()) platform::fatal("conformance violation ", v.clause + ": " + v.explanation);
  });
  program::RunOptions ro;
  ro.procs = procs;
  ro.seed = 0;  // drawn from the strategy
  ro.force_preempt_ns = kForcePreemptNs;
  ro.trace = &online;
  sim::Config cfg;
  cfg.max_steps = kSimMaxSteps;
  cfg.model = touchstone::fuzz::fuzz_model();  // TOUCHSTONE_FUZZ_MODEL / _ARCH (fuzz_model.h); default sc

  program::RunResult run;
  sim::Result r;
  {
    [[maybe_unused]] AbandonableRun guard;
    r = touchstone::simulate(cfg, *strategy, [&] { run = program::run_program(p, ro); });
  }
  static const bool verbose = std::getenv("TOUCHSTONE_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "fuzz sched: %d Ps, %d statements, %llu points, %zu decisions, %llu events, %s%s\n", procs,
                 program::count_ops(p), (unsigned long long)r.steps, r.log.size(), (unsigned long long)online.records().size(),
                 sim::failure_name(r.failure), r.ok() ? "" : (": " + r.message).c_str());
  }
  if (r.ok() && !online.violation()) online.finish();
  if (const auto& v = online.violation()) finding(p, procs, check::format_violation(*v));
  if (!r.ok()) {
    if (r.failure == sim::Failure::Fatal && legitimate_fatal(p, r.message)) return 0;
    finding(p, procs, std::string(sim::failure_name(r.failure)) + ": " + r.message);
  }
  if (!run.ok()) finding(p, procs, "the interpreter rejected a decoded program: " + run.error);
  return 0;
}
