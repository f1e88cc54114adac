// tools/cli/explore.cc — see explore.h.
#include "tools/cli/explore.h"

#include <fmt/core.h>

#include <chrono>
#include <cstdio>

#include "runtime/sim_harness.h"
#include "tools/cli/common.h"
#include "tools/cli/crash_guard.h"
#include "tools/cli/repro.h"

namespace touchstone::cli {

namespace {

// Arms the crash guard with the reproducer of the run about to start, less what only the run
// itself knows (the signal, the decisions): the same file write_repro would write for a RUNTIME
// finding, split around the message.
void arm_crash_guard(const ExploreOptions& opt, std::size_t pi, int procs, std::uint64_t seed) {
  Finding crash;
  crash.clause = std::string(kRuntimeClause);
  constexpr std::string_view kMark = "@CRASH-MESSAGE@";  // printable: format_repro keeps it as is
  crash.message = std::string(kMark);
  Repro r = make_repro(opt.paths[pi], opt.programs[pi], procs, opt.strategy, seed, crash, sim::Result{}, opt.model);
  r.decisions.clear();
  const std::string text = format_repro(r);
  const std::size_t mark = text.find(kMark);
  if (mark == std::string::npos) return;  // cannot happen: message is written verbatim
  const std::string path = repro_path(opt.repro_dir, r);
  // The handler writes the message (ending in '\n') between the two halves.
  crash_guard_arm(path, text.substr(0, mark), text.substr(mark + kMark.size() + 1));
}

}  // namespace

ExploreResult explore(const ExploreOptions& opt) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  double next_progress = 1.0;

  ExploreResult res;
  crash_guard_install();
  for (std::uint64_t i = 0;; i++) {
    if (opt.runs != 0 && i >= opt.runs) break;
    if (opt.budget_s > 0 && elapsed() >= opt.budget_s) break;
    const std::size_t pi = i % opt.programs.size();
    const int procs = opt.procs[i % opt.procs.size()];
    const std::uint64_t seed = opt.base_seed + i;

    auto strategy = touchstone::strategy_from_name(opt.strategy, seed);
    if (!opt.repro_dir.empty()) arm_crash_guard(opt, pi, procs, seed);
    SimRun run = simulate_program(opt.programs[pi], procs, *strategy, /*keep_records=*/false, opt.model);
    crash_guard_disarm();
    res.runs++;
    res.coverage.merge(run.coverage);
    for (const auto& [id, n] : run.coverage.clauses) {
      if (n > 0) res.clause_runs[id]++;
    }

    if (run.finding) {
      ExploreFinding f{*run.finding, opt.paths[pi], procs, seed, ""};
      f.repro_path = write_repro(
          opt.repro_dir,
          make_repro(opt.paths[pi], opt.programs[pi], procs, opt.strategy, seed, *run.finding, run.sim, opt.model));
      res.findings.push_back(std::move(f));
      break;
    }
    if (opt.progress && elapsed() >= next_progress) {
      const double t = elapsed();
      fmt::print(stderr, "explore: {} runs, {:.1f} runs/s, {:.0f}s, {} clauses covered\n", res.runs, res.runs / t, t,
                 clauses_covered(res.coverage));
      std::fflush(stderr);
      next_progress = t + 1.0;
    }
  }
  res.seconds = elapsed();
  return res;
}

}  // namespace touchstone::cli
