// platform/sim/world.h — the simulated world: every thread a fiber, every platform operation a
// scheduling point, virtual time, failures as values.
//
//   sim::Result r = sim::run(cfg, strategy, [] { ... code using the runtime ... });
//
// The body runs as simulated thread 0. Threads it starts (the runtime's Ms and sysmon) are
// further simulated threads. All of them are fibers on the calling OS thread, switched with the
// project's own context switch (runtime/arch). At every scheduling point (an atomic operation,
// a fence, a futex call, a yield) the world asks the strategy which runnable thread continues.
// A thread blocked in futexsleep/usleep/join is not runnable until woken or until virtual time
// reaches its deadline.
//
// Virtual time: starts at 0 and advances by cfg.step_ns at every scheduling point (so time-based
// runtime logic — sysmon's ticks, 10 ms preemption — happens after a deterministic amount of
// work), and jumps to the earliest deadline when every thread is blocked. Nothing reads real
// time.
//
// Failures end the run and come back in the Result, never as an abort of the process:
//   Deadlock   every thread blocked with no deadline (nothing can wake anything)
//   StepBound  more than cfg.max_steps scheduling points (livelock, runaway)
//   TimeBound  virtual time beyond cfg.max_vtime_ns (e.g. threads only ever sleep)
//   Fatal      platform::fatal: a runtime fatal error (illegal G transition, checkdead, ...)
//   Diverged   Replay asked for a decision the log does not have
// After a failure the abandoned threads' stacks return to the pool; cleaning up the runtime's
// own state is the caller's job (runtime/sim_harness.h does it).
//
// Determinism rules (enforced by tests that hash event streams across runs): the world and the
// code it runs must not read real time or real randomness, start real threads, iterate over
// pointer-keyed containers, or otherwise depend on addresses.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/sim/strategy.h"

namespace touchstone::sim {

// The memory model of a run (platform/sim/memory_model.h explains each):
//   Sc    sequential consistency: every load reads the latest store (the default; no
//         decisions beyond the schedule)
//   Tso   x86-64: per-thread FIFO store buffers, flushed at scheduling points (Flush decisions)
//   Weak  C++ release/acquire/relaxed/seq_cst atomics as compiled for AArch64 and RISC-V: a load
//         may read any store coherence and happens-before allow (ReadFrom decisions)
enum class Model : std::uint8_t { Sc, Tso, Weak };
const char* model_name(Model m);  // "sc", "tso", "weak"
// Accepts "sc", "tso", "weak"; false for anything else.
bool parse_model(std::string_view name, Model* m);
// The model an architecture implies: x86_64 (also amd64) -> tso; aarch64 (arm64) and riscv64
// -> weak. False for an unknown name.
bool model_for_arch(std::string_view arch, Model* m);

struct Config {
  std::uint64_t max_steps = 5'000'000;
  std::int64_t max_vtime_ns = 3600LL * 1000 * 1000 * 1000;  // one virtual hour
  std::int64_t step_ns = 200;                                // virtual cost of a scheduling point
  std::size_t stack_size = 256 * 1024;                       // per simulated thread
  Model model = Model::Sc;                                   // the memory model
  std::uint32_t history = 8;       // weak: stores kept per location (loom keeps 7, Relacy 3); >= 1
  std::uint32_t store_buffer = 8;  // tso: entries per store buffer (a full buffer flushes its oldest)
};

enum class Failure : std::uint8_t { None, Deadlock, StepBound, TimeBound, Fatal, Diverged };
const char* failure_name(Failure f);

struct Result {
  Failure failure = Failure::None;
  std::string message;              // what failed, in words
  std::vector<Decision> log;        // every decision, in order: replays the run
  std::uint64_t steps = 0;          // scheduling points
  std::int64_t vtime_ns = 0;        // virtual time at the end
  int threads = 0;                  // simulated threads created
  std::uint64_t hash = 0;           // FNV-1a of the decision log and the step count
  bool ok() const { return failure == Failure::None; }
};

Result run(const Config& cfg, Strategy& strategy, const std::function<void()>& body);

// True while the calling code runs inside a simulated thread.
bool active();
// The current simulated thread's id (-1 outside a run).
int current_thread();
// The decisions the run in progress has drawn so far, or null outside a run. For a crash
// handler (tools/cli/crash_guard.cc) that writes a reproducer of the run a fatal signal is
// ending; nothing else should look at a run from inside.
const std::vector<Decision>* in_flight_log();

}  // namespace touchstone::sim
