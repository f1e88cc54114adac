// conformance/program/interp.h — running a Program on the public runtime API (touchstone.h).
//
//   RunResult r = run_program(p, {.procs = 4});
//   std::puts(outcome_text(r.outcome).c_str());
//
// Each goroutine of the program is a touchstone::go of one interpreter loop over its body's op
// array: a program counter and an explicit stack of loop frames, no recursion per op. Channels
// are Chan<std::int64_t>, mutexes touchstone::Mutex, wait groups touchstone::WaitGroup, all made
// by the main goroutine before it runs body 0. The ops map to the API one to one:
//
//   spawn B  go(...)            yield    gosched()           work N   N × (busy unit; preempt_check())
//   send     Chan::send         recv     Chan::recv2         close    Chan::close
//   lock     Mutex::lock        unlock   Mutex::unlock       wg       WaitGroup::add/done/wait
//   syscall US   touchstone::syscall([] { platform::usleep(US); })
//   sleep US     the same as syscall for now: the runtime has no timers yet. When it has, sleep
//                becomes Go's time.Sleep (the G parks on a timer, the M is free); programs keep
//                their meaning, only the scheduling differs.
//   loop, }  the interpreter's own control flow      exit   returns from the goroutine
//   procs N      touchstone::gomaxprocs(N), Go's runtime.GOMAXPROCS(N): stops the world,
//                resizes the P set to N and restarts it (nothing happens when N is already
//                the count). RunOptions::procs is only the starting count.
//
// Events for the checker. With a trace listener (RunOptions::trace) every send, recv, close,
// lock, unlock and wait-group operation is also reported as a program-level event
// (EvKind::UserSend ... UserWgWait, through touchstone::trace_user; runtime/trace.h says when
// each is emitted). A channel carries the value with a tag unique in the run, so the checker
// can tell every send apart: exactly-once delivery, per-sender FIFO, close semantics.
//
// The same sources build against the native runtime (touchstone_program) and the simulated one
// (touchstone_program_sim); the interpreter does not know which. In the sim build the caller
// wraps run_program in touchstone::simulate. Misuse is not guarded against: it does whatever
// the runtime does, which is the behaviour under test. Go's fatal cases — a send on or close of
// a closed channel, a negative wait group counter, an unlock of an unlocked mutex, everyone
// asleep — exit the process with status 2 and Go's message natively, and end the run with
// sim::Failure::Fatal carrying that message in the sim.
//
// Budgets (RunOptions). A step is one executed op (a loop header once, its `}` once per
// iteration), plus N for `work N`, US for `sleep US` / `syscall US` and kProcsSteps (10) for
// `procs N`; so a step is roughly a microsecond or less. A goroutine that runs more than
// goroutine_steps steps, a run that runs more than total_steps steps in all, or a spawn past
// max_goroutines goroutines (main included) ends the program as a fatal error, "fatal error:
// program: ..." (exit 2 natively, sim::Failure::Fatal in the sim). Stopping only the one
// goroutine would leave its peers blocked and the runtime would then report a misleading
// deadlock. With the language's static limits (program.h) these budgets make every run end in
// bounded time: it finishes, deadlocks (the runtime reports it) or exhausts a budget.
//
// Outcome. Every goroutine records each recv as (channel, value, ok), in order. Goroutines of
// one body are interchangeable — which instance a spawn creates first depends on the schedule —
// so the outcome keeps, per body, the sorted list of its goroutines' recv sequences (a
// multiset). Two runs of a schedule-independent program give equal outcomes whatever the
// schedule, GOMAXPROCS or platform. Goroutines still running when main returns are abandoned
// (as in Go); what they received so far is part of the outcome.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "conformance/program/program.h"
#include "runtime/touchstone.h"

namespace touchstone::program {

struct RunOptions {
  int procs = 1;                                     // GOMAXPROCS at the start (1..256)
  std::uint64_t seed = 0;                            // the runtime's fastrand seed (0: clock)
  std::int64_t force_preempt_ns = 10'000'000;        // sysmon's preemption threshold
  TraceListener* trace = nullptr;                    // runtime events (runtime/trace.h)
  std::uint64_t goroutine_steps = 1'000'000;         // steps one goroutine may run
  std::uint64_t total_steps = 10'000'000;            // steps all goroutines together may run
  std::uint64_t max_goroutines = 10'000;             // goroutines started, main included
};

struct Received {
  std::int32_t chan = 0;   // channel index
  std::int64_t value = 0;
  bool ok = false;         // false: received because the channel is closed (value is 0)
  auto operator<=>(const Received&) const = default;
};

struct Outcome {
  std::vector<std::string> bodies;   // body names, by body index
  std::vector<std::string> chans;    // channel names, by channel index
  // recvs[b]: one recv sequence per goroutine that ran body b, sorted (a canonical multiset).
  std::vector<std::vector<std::vector<Received>>> recvs;
  bool operator==(const Outcome&) const = default;
};

// One line per goroutine, bodies in index order, instances in sorted order:
//   "main: pong=2 pong=2 pong=2\n"  "echo: ping=1 c=closed\n"  "worker: -\n" (no recvs)
// A recv with ok=false prints as "c=closed" ("c=closed:V" if a runtime bug delivered V != 0).
std::string outcome_text(const Outcome& o);

struct RunResult {
  std::string error;             // "" when the program ran; else why it did not (invalid program)
  Outcome outcome;
  std::uint64_t goroutines = 0;  // goroutines started, main included
  std::uint64_t steps = 0;       // steps run by all goroutines
  bool ok() const { return error.empty(); }
};

// Validates p (validate()) and runs it on a new touchstone::Runtime. Must be called where a
// Runtime may run: natively on any thread outside a goroutine; in the sim build inside
// touchstone::simulate.
RunResult run_program(const Program& p, const RunOptions& opts = {});

}  // namespace touchstone::program
