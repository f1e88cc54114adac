// properties/program_props.cc — whole programs in the simulator, under the online checker.
//
//   DecodedProgramsConform        (a) any decoded program (fuzzer bytes -> program::decode),
//                                 any strategy, seed and starting GOMAXPROCS: the online checker
//                                 finds no violation, and the run either finishes or ends in
//                                 one of the two fatal errors a decoded program may legitimately
//                                 cause (below); it also stays inside the decoder's bounds
//   ScheduleIndependentOutcome    (b) programs of a family that is schedule-independent by
//                                 construction (below): 50 schedules (strategies × seeds ×
//                                 procs) each finish cleanly with the outcome the plan predicts
//   TextRoundTripDecoded,         (c) print(parse(print(p))) == print(p) and
//   TextRoundTripFamily               parse(print(p)) == p, for decoded and family programs
//   DecodeIsTotal                 every byte string decodes to a valid program
//
// Classification for (a). A decoded program may deadlock (main's `wg w0 wait` for a goroutine
// that never finishes: the runtime's "fatal error: all goroutines are asleep - deadlock!") or
// panic ("panic: send on closed channel": a send racing with main's close); decode.h documents
// both. Those two sim::Failure::Fatal messages are the program's own errors and pass. Anything
// else fails the property: a conformance violation (the checker's callback ends the run as a
// fatal error "conformance violation <clause>: ...", as the CLI does), any other fatal error (a
// budget, an illegal G transition, "spinning with local work"...), a world deadlock, a step or
// time bound, a divergence. The checker's end-of-trace clauses run on runs that finished.
//
// The schedule-independent family (b). Main and 1..4 worker bodies, each spawned once (so one
// goroutine per body); main adds the workers to w0 first and waits on it last, each worker ends
// with `wg w0 done`. Every channel has one sender goroutine and one receiver goroutine. A
// generated global script — communications (`send c V` / `recv c`, or a `loop k as i` of them),
// noise (yield, work, syscall, sleep, a lock/unlock pair with nothing inside, procs) and, at the
// end, a channel's close followed by its receiver's one extra recv — is projected onto the
// goroutines: each executes its part in script order. That is deadlock-free (the earliest
// unfinished communication always has both parties at it: everything before it in either
// goroutine is earlier in the script and done; a full buffer would mean an earlier
// communication on the same channel is unfinished), and every recv's value is fixed by the
// sender's order (one sender, FIFO), so the outcome is the plan's, under any schedule.
//
// A failing property prints, in its assertion message, the shrunk program as text
// (program::print), the strategy, seed and procs, the checker's violation report and the
// `touchstone run` line that replays the same run (a generated plan or schedule is also shown
// that way in the counterexample: showValue below); rapidcheck then prints the RC_PARAMS that
// regenerates the counterexample.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conformance/checker/checker.h"
#include "conformance/program/decode.h"
#include "conformance/program/interp.h"
#include "conformance/program/program.h"
#include "conformance/program/text.h"
#include "platform/platform.h"
#include "runtime/sim_harness.h"

#if defined(__SANITIZE_ADDRESS__)
#define TS_PROPS_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TS_PROPS_LSAN 1
#endif
#endif
#if defined(TS_PROPS_LSAN)
#include <sanitizer/lsan_interface.h>
#endif

namespace touchstone::program {
namespace {

// A run that ends in a failure is abandoned mid-flight: what its goroutines' frames own can
// never be destroyed (runtime/sim_harness.h). Leak checking ignores the simulated runs.
struct AbandonableRun {
#if defined(TS_PROPS_LSAN)
  AbandonableRun() { __lsan_disable(); }
  ~AbandonableRun() { __lsan_enable(); }
#endif
};

// The CLI's settings (tools/cli/simrun.h), so `touchstone run` replays a failing run.
constexpr std::uint64_t kSimMaxSteps = 20'000'000;
constexpr std::int64_t kForcePreemptNs = 2'000'000;

constexpr const char* kDeadlock = "fatal error: all goroutines are asleep - deadlock!";
constexpr const char* kSendOnClosed = "panic: send on closed channel";

struct Schedule {
  std::string strategy;  // random, pct, bytes
  std::uint64_t seed = 1;
  int procs = 1;
};

struct Checked {
  sim::Result sim;
  RunResult run;
  std::optional<check::Violation> violation;
};

// One simulated run of p with the online checker; a violation ends the run (as in the CLI).
Checked run_checked(const Program& p, const Schedule& s, const RunOptions& base = {}) {
  check::OnlineChecker online(check::Options{.order = check::Order::Exact});
  online.set_on_violation([](const check::Violation& v) {
    if (sim::active()) platform::fatal("conformance violation ", v.clause + ": " + v.explanation);
  });
  RunOptions ro = base;
  ro.procs = s.procs;
  ro.seed = 0;  // drawn from the strategy
  ro.force_preempt_ns = kForcePreemptNs;
  ro.trace = &online;
  sim::Config cfg;
  cfg.max_steps = kSimMaxSteps;
  auto strategy = strategy_from_name(s.strategy, s.seed);
  Checked out;
  {
    [[maybe_unused]] AbandonableRun guard;
    out.sim = simulate(cfg, *strategy, [&] { out.run = run_program(p, ro); });
  }
  if (out.sim.ok() && !online.violation()) online.finish();
  out.violation = online.violation();
  return out;
}

std::string describe(const Program& p, const Schedule& s, const Checked& c) {
  std::string d = "program:\n" + print(p) + "schedule: --procs " + std::to_string(s.procs) + " --strategy " +
                  s.strategy + " --seed " + std::to_string(s.seed) +
                  "   (save the program as prog.tsp: tools/touchstone run prog.tsp --procs " +
                  std::to_string(s.procs) + " --strategy " + s.strategy + " --seed " + std::to_string(s.seed) + ")\n";
  d += std::string("sim: ") + sim::failure_name(c.sim.failure) + (c.sim.message.empty() ? "" : ": " + c.sim.message) + "\n";
  if (!c.run.error.empty()) d += "run error: " + c.run.error + "\n";
  if (c.violation) d += check::format_violation(*c.violation) + "\n";
  return d;
}

// How rapidcheck shows a generated schedule in a counterexample.
void showValue(const Schedule& s, std::ostream& os) {
  os << "--procs " << s.procs << " --strategy " << s.strategy << " --seed " << s.seed;
}

rc::Gen<Schedule> gen_schedule() {
  return rc::gen::exec([] {
    Schedule s;
    s.strategy = *rc::gen::element<std::string>("random", "pct", "bytes");
    s.seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000'000);
    s.procs = *rc::gen::inRange(1, 5);
    return s;
  });
}

// Fuzzer-like bytes: uniform values (arbitrary<uint8_t> would be small at small sizes),
// shrinking towards 0 and shorter strings; up to ~3 × the size parameter long.
rc::Gen<std::vector<std::uint8_t>> gen_bytes() {
  return rc::gen::scale(3.0, rc::gen::container<std::vector<std::uint8_t>>(
                                 rc::gen::map(rc::gen::inRange(0, 256), [](int v) { return std::uint8_t(v); })));
}

// ---- (a) ---------------------------------------------------------------------------------------

RC_GTEST_PROP(ProgramProps, DecodedProgramsConform, ()) {
  const auto bytes = *gen_bytes();
  const Schedule s = *gen_schedule();
  const Program p = decode(bytes);
  RunOptions bounds;  // the decoder's static bounds: exceeding one is a decoder bug
  bounds.total_steps = std::uint64_t(kDecodeMaxSteps);
  bounds.goroutine_steps = std::uint64_t(kDecodeMaxSteps);
  bounds.max_goroutines = std::uint64_t(kDecodeMaxGoroutines);
  const Checked c = run_checked(p, s, bounds);
  const bool legit_fatal = c.sim.failure == sim::Failure::Fatal && !c.violation &&
                           (c.sim.message == kDeadlock || c.sim.message == kSendOnClosed);
  RC_TAG(c.sim.ok() ? "finished" : legit_fatal ? c.sim.message : "FAILED");
  if (c.violation || !(c.sim.ok() || legit_fatal) || (c.sim.ok() && !c.run.ok())) {
    RC_FAIL("decoded program failed\n" + describe(p, s, c));
  }
}

// ---- (b) the schedule-independent family ---------------------------------------------------

enum class StepKind { Comm, Noise };
enum class NoiseKind { Yield, Work, Syscall, Sleep, LockUnlock, Procs };

struct Step {
  StepKind kind = StepKind::Comm;
  int chan = 0;         // Comm: the channel (mod the channel count)
  int count = 1;        // Comm: 1 = a single send/recv; > 1 = `loop count as i` of them
  std::int64_t base = 0;  // Comm: the value sent (plus i in a loop)
  int who = 0;          // Noise: the goroutine (mod the goroutine count)
  NoiseKind noise = NoiseKind::Yield;
  int arg = 0;          // Noise: units, µs, mutex, procs
};

struct ChanPlan {
  int cap = 0;
  int sender = 0;    // goroutine index (0 = main, w = body w)
  int offset = 1;    // receiver = (sender + offset) % goroutines, offset in 1..goroutines-1
  bool close = false;
};

struct Plan {
  int workers = 1;
  std::vector<ChanPlan> chans;
  std::vector<Step> script;
};

rc::Gen<Plan> gen_plan() {
  return rc::gen::exec([] {
    Plan plan;
    plan.workers = *rc::gen::inRange(1, 5);
    const int goroutines = plan.workers + 1;
    const int nchans = *rc::gen::inRange(1, 5);
    for (int c = 0; c < nchans; c++) {
      ChanPlan cp;
      cp.cap = *rc::gen::element(0, 0, 1, 2, 4);
      cp.sender = *rc::gen::inRange(0, goroutines);
      cp.offset = *rc::gen::inRange(1, goroutines);
      cp.close = *rc::gen::inRange(0, 4) == 3;  // (inRange shrinks towards 0: no close)
      plan.chans.push_back(cp);
    }
    plan.script = *rc::gen::container<std::vector<Step>>(rc::gen::exec([] {
      Step st;
      st.kind = *rc::gen::inRange(0, 4) == 3 ? StepKind::Noise : StepKind::Comm;
      if (st.kind == StepKind::Comm) {
        st.chan = *rc::gen::inRange(0, 4);
        const int c = *rc::gen::inRange(0, 6);
        st.count = c < 4 ? 1 : c == 4 ? 2 : 5;
        st.base = *rc::gen::inRange(-20, 100);
      } else {
        st.who = *rc::gen::inRange(0, 5);
        st.noise = *rc::gen::element(NoiseKind::Yield, NoiseKind::Work, NoiseKind::Syscall, NoiseKind::Sleep,
                                     NoiseKind::LockUnlock, NoiseKind::Procs);
        st.arg = *rc::gen::inRange(0, 20);
      }
      return st;
    }));
    return plan;
  });
}

struct Family {
  Program program;
  Outcome expected;
};

// The plan as a program, and the outcome every schedule must give.
Family build(const Plan& plan) {
  const int goroutines = plan.workers + 1;
  const int nchans = int(plan.chans.size());
  Family f;
  Program& p = f.program;
  for (int c = 0; c < nchans; c++) p.chans.push_back({"c" + std::to_string(c), plan.chans[c].cap});
  p.mutexes = {"m0", "m1"};
  p.waitgroups = {"w0"};
  p.bodies.push_back({"main", {}});
  for (int w = 1; w <= plan.workers; w++) p.bodies.push_back({"w" + std::to_string(w), {}});
  auto& main_ops = p.bodies[0].ops;
  main_ops.push_back(Op::wg_add(0, plan.workers));
  for (int w = 1; w <= plan.workers; w++) main_ops.push_back(Op::spawn(w));

  std::vector<std::vector<Received>> recvs(std::size_t(goroutines), std::vector<Received>{});
  auto receiver = [&](int c) { return (plan.chans[c].sender + plan.chans[c].offset) % goroutines; };
  for (const Step& st : plan.script) {
    if (st.kind == StepKind::Comm) {
      const int c = st.chan % nchans;
      auto& snd = p.bodies[std::size_t(plan.chans[c].sender)].ops;
      auto& rcv = p.bodies[std::size_t(receiver(c))].ops;
      if (st.count == 1) {
        snd.push_back(Op::send(c, st.base));
        rcv.push_back(Op::recv(c));
        recvs[std::size_t(receiver(c))].push_back({c, st.base, true});
      } else {
        // The loop variable's level is the nesting depth of the loop (0: outermost).
        snd.push_back(Op::loop(st.count, "i"));
        snd.push_back(Op::send(c, st.base, 0));
        snd.push_back(Op::end());
        rcv.push_back(Op::loop(st.count));
        rcv.push_back(Op::recv(c));
        rcv.push_back(Op::end());
        for (int i = 0; i < st.count; i++) recvs[std::size_t(receiver(c))].push_back({c, st.base + i, true});
      }
      continue;
    }
    auto& ops = p.bodies[std::size_t(st.who % goroutines)].ops;
    switch (st.noise) {
      case NoiseKind::Yield: ops.push_back(Op::yield()); break;
      case NoiseKind::Work: ops.push_back(Op::work(1 + st.arg)); break;
      case NoiseKind::Syscall: ops.push_back(Op::syscall(st.arg % 5)); break;
      case NoiseKind::Sleep: ops.push_back(Op::sleep(st.arg % 5)); break;
      case NoiseKind::LockUnlock:
        ops.push_back(Op::lock(st.arg % 2));
        ops.push_back(Op::unlock(st.arg % 2));
        break;
      case NoiseKind::Procs: ops.push_back(Op::procs(1 + st.arg % 4)); break;
    }
  }
  // Closes come last: the sender closes after its last send, then the receiver's extra recv
  // sees the channel closed (after draining the buffer, which its earlier recvs did).
  for (int c = 0; c < nchans; c++) {
    if (!plan.chans[c].close) continue;
    p.bodies[std::size_t(plan.chans[c].sender)].ops.push_back(Op::close(c));
    p.bodies[std::size_t(receiver(c))].ops.push_back(Op::recv(c));
    recvs[std::size_t(receiver(c))].push_back({c, 0, false});
  }
  for (int w = 1; w <= plan.workers; w++) p.bodies[std::size_t(w)].ops.push_back(Op::wg_done(0));
  main_ops.push_back(Op::wg_wait(0));

  Outcome& o = f.expected;
  for (const Body& b : p.bodies) o.bodies.push_back(b.name);
  for (const ChanDecl& c : p.chans) o.chans.push_back(c.name);
  for (int g = 0; g < goroutines; g++) o.recvs.push_back(std::vector<std::vector<Received>>(1, recvs[std::size_t(g)]));
  return f;
}

// How rapidcheck shows a generated plan in a counterexample: the program it builds.
void showValue(const Plan& plan, std::ostream& os) { os << "the program\n" << print(build(plan).program); }

constexpr int kSchedules = 50;
constexpr std::array<const char*, 3> kStrategies = {"random", "pct", "bytes"};

RC_GTEST_PROP(ProgramProps, ScheduleIndependentOutcome, ()) {
  const Family f = build(*gen_plan());
  const Program& p = f.program;
  const std::string invalid = validate(p);
  if (!invalid.empty()) RC_FAIL("the family generated an invalid program: " + invalid + "\n" + print(p));
  const std::string want = outcome_text(f.expected);
  std::size_t recvs = 0;
  for (const auto& body : f.expected.recvs) recvs += body.front().size();
  auto uses = [&](OpKind k) {
    for (const Body& b : p.bodies)
      for (const Op& op : b.ops)
        if (op.kind == k) return true;
    return false;
  };
  RC_CLASSIFY(recvs == 0, "no recvs");
  RC_CLASSIFY(recvs >= 10, ">= 10 recvs");
  RC_CLASSIFY(uses(OpKind::Close), "close");
  RC_CLASSIFY(uses(OpKind::Procs), "procs");
  RC_CLASSIFY(uses(OpKind::Loop), "loop");
  const auto seed0 = *rc::gen::inRange<std::uint64_t>(1, 1'000'000'000);
  for (int i = 0; i < kSchedules; i++) {
    const Schedule s{kStrategies[std::size_t(i) % kStrategies.size()], seed0 + std::uint64_t(i), 1 + i % 4};
    const Checked c = run_checked(p, s);
    if (c.violation || !c.sim.ok() || !c.run.ok()) {
      RC_FAIL("schedule " + std::to_string(i) + " of " + std::to_string(kSchedules) + " failed\n" + describe(p, s, c));
    }
    if (!(c.run.outcome == f.expected)) {
      RC_FAIL("schedule " + std::to_string(i) + " gave another outcome\n" + describe(p, s, c) + "expected:\n" +
              want + "got:\n" + outcome_text(c.run.outcome));
    }
  }
}

// ---- (c) text round trip, and the decoder's totality ------------------------------------------

std::string show_op(const Op& op) {
  return std::string("{") + op_keyword(op.kind) + " ref=" + std::to_string(op.ref) + " n=" + std::to_string(op.n) +
         " var=" + std::to_string(op.var) + " name='" + op.name + "'}";
}

// Where two programs differ, in words (the fields print may not show).
std::string first_difference(const Program& a, const Program& b) {
  if (a.chans != b.chans || a.mutexes != b.mutexes || a.waitgroups != b.waitgroups) return "the declarations differ";
  if (a.bodies.size() != b.bodies.size()) return "the number of bodies differs";
  for (std::size_t i = 0; i < a.bodies.size(); i++) {
    const Body& x = a.bodies[i];
    const Body& y = b.bodies[i];
    if (x.name != y.name) return "body " + std::to_string(i) + " is named '" + x.name + "' vs '" + y.name + "'";
    for (std::size_t k = 0; k < std::max(x.ops.size(), y.ops.size()); k++) {
      const std::string ox = k < x.ops.size() ? show_op(x.ops[k]) : "(none)";
      const std::string oy = k < y.ops.size() ? show_op(y.ops[k]) : "(none)";
      if (ox != oy) return "body '" + x.name + "' op " + std::to_string(k) + ": p has " + ox + ", parse(print(p)) has " + oy;
    }
  }
  return "?";
}

void expect_round_trip(const Program& p) {
  const std::string text = print(p);
  const ParseResult r = parse(text, "print");
  if (!r.ok()) RC_FAIL("parse(print(p)) failed: " + r.error + "\n" + text);
  if (!(*r.program == p)) RC_FAIL("parse(print(p)) != p: " + first_difference(p, *r.program) + "\nprint(p):\n" + text);
  const std::string again = print(*r.program);
  if (again != text) RC_FAIL("print(parse(print(p))) != print(p):\n" + again + "print(p):\n" + text);
}

RC_GTEST_PROP(ProgramProps, DecodeIsTotal, ()) {
  const auto bytes = *gen_bytes();
  const Program p = decode(bytes);
  const std::string e = validate(p);
  if (!e.empty()) RC_FAIL("decode gave an invalid program: " + e + "\n" + print(p));
}

RC_GTEST_PROP(ProgramProps, TextRoundTripDecoded, ()) { expect_round_trip(decode(*gen_bytes())); }

RC_GTEST_PROP(ProgramProps, TextRoundTripFamily, ()) { expect_round_trip(build(*gen_plan()).program); }

}  // namespace
}  // namespace touchstone::program
