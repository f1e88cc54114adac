// tools/cli/simrun.h — one simulated run of a program with the conformance checker online
// (sim builds only). What run, explore and replay share.
//
// The program runs inside touchstone::simulate under the given strategy, with a
// check::OnlineChecker (Order::Exact) as the runtime's trace listener. The first violation
// ends the run at once: the checker's callback calls platform::fatal("conformance violation
// CLAUSE: ..."), so the simulated run stops with Failure::Fatal right at the violating event and
// its decision log replays exactly up to it. A run that ends normally then gets the checker's
// end-of-trace clauses (Checker::finish). A simulated failure that is not a violation (deadlock,
// step or time bound, a runtime fatal error such as Go's "all goroutines are asleep") is a
// finding too, with the clause RUNTIME.
//
// The simulation's knobs are fixed here, so a reproducer replays under the same ones:
// kSimMaxSteps scheduling points, sysmon's preemption threshold kForcePreemptNs (virtual time
// is work: the default 10 ms would cost 50,000 points), the runtime's fastrand seed drawn from
// the strategy (RunOptions.seed = 0), so it is in the decision log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conformance/checker/checker.h"
#include "conformance/program/interp.h"
#include "conformance/program/program.h"
#include "conformance/trace/trace_file.h"
#include "platform/sim/world.h"
#include "tools/cli/repro.h"

namespace touchstone::cli {

inline constexpr std::uint64_t kSimMaxSteps = 20'000'000;
inline constexpr std::int64_t kForcePreemptNs = 2'000'000;

struct Finding {
  std::string clause;    // a clause id, or kRuntimeClause
  std::string message;   // one line
  std::string report;    // for people: format_violation, or the failure's full message
  std::optional<check::Violation> violation;   // set when the finding is a checker violation
};

struct SimRun {
  sim::Result sim;
  program::RunResult run;                    // meaningful when sim.ok()
  std::optional<Finding> finding;
  check::Coverage coverage;
  std::uint64_t events = 0;
  std::vector<trace::TraceRecord> records;   // only when asked for (keep_records)
};

// `model`: the memory model of the run (sim::Config::model; docs/MEMORY-MODELS.md). sc, the
// default, is the simulator as it always was: same decisions, same hash.
SimRun simulate_program(const program::Program& p, int procs, sim::Strategy& strategy, bool keep_records,
                        sim::Model model = sim::Model::Sc);

// The model that --arch or --model names ("" = not given): --arch x86_64 -> tso, aarch64 and
// riscv64 -> weak; neither -> sc. Throws UsageError when both are given or a name is unknown.
sim::Model model_from_flags(const std::string& arch, const std::string& model);

// The same finding: the same clause, and for RUNTIME also the same message (failure kind and
// text).
bool same_finding(const Finding& a, const Finding& b);

// A reproducer for a finding of `run` (its decision log).
Repro make_repro(const std::string& program_path, const program::Program& p, int procs, const std::string& strategy,
                 std::uint64_t seed, const Finding& f, const sim::Result& r, sim::Model model = sim::Model::Sc);

}  // namespace touchstone::cli
