// tools/cli/stress.h — `touchstone stress`: a mixed workload on the native runtime, with every
// event checked online against the G transition table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace touchstone::cli {

struct StressOptions {
  int procs = 4;
  int goroutines = 2000;   // per round
  int rounds = 20;
  std::uint64_t seed = 1;
  bool resize = true;      // change GOMAXPROCS between rounds (stop-the-world)
  bool progress = true;    // a progress line on stderr
};

struct StressResult {
  long rounds = 0;
  long goroutines = 0;     // created
  long events = 0;
  long transitions = 0;
  long steals = 0;
  long stw = 0;
  long retakes = 0;
  long preemptions = 0;
  double seconds = 0;
  std::vector<std::string> violations;  // empty: clean
};

StressResult run_stress(const StressOptions& opt);

}  // namespace touchstone::cli
