// tools/cli/explore.h — `touchstone explore`: many simulated runs, stopping at the first finding
// (sim builds only).
//
// Run i (0-based) runs, under opt.model, program i % programs.size() on procs[i % procs.size()] Ps under the
// strategy seeded base_seed + i. It stops after `runs` runs, or once `budget_s` seconds have
// passed, or at the first finding, whose reproducer it writes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conformance/checker/checker.h"
#include "conformance/program/program.h"
#include "tools/cli/simrun.h"

namespace touchstone::cli {

struct ExploreOptions {
  std::vector<std::string> paths;             // program files (for names and reproducers)
  std::vector<program::Program> programs;     // parsed, one per path
  std::string strategy = "random";
  std::uint64_t runs = 0;                     // 0: bounded by budget_s only
  double budget_s = 0;                        // 0: bounded by runs only
  std::vector<int> procs = {1, 2, 4};
  std::uint64_t base_seed = 1;
  sim::Model model = sim::Model::Sc;          // the memory model of every run (--arch/--model)
  std::string repro_dir = "touchstone-findings";
  bool progress = true;                       // about one line a second on stderr
};

struct ExploreFinding {
  Finding finding;
  std::string program_path;
  int procs = 0;
  std::uint64_t seed = 0;
  std::string repro_path;
};

struct ExploreResult {
  std::uint64_t runs = 0;
  double seconds = 0;
  std::vector<ExploreFinding> findings;   // at most one: explore stops at the first
  check::Coverage coverage;               // merged over every run
  std::map<std::string, std::uint64_t> clause_runs;  // per clause: the runs that checked it
};

ExploreResult explore(const ExploreOptions& opt);

}  // namespace touchstone::cli
