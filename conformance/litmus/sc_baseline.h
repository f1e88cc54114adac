// conformance/litmus/sc_baseline.h — the workload whose decision-log hashes pin the sc model's
// behaviour to the simulator's behaviour before memory models existed (see sc_baseline.cc).
#pragma once

#include <cstdint>
#include <string>

#include "platform/sim/world.h"

namespace touchstone::litmus {

// One simulated run of a small run-queue-heavy runtime workload (4 Ps, producers, consumers,
// a mutex, a wait group, a syscall) under the given config and strategy.
sim::Result runq_workload_run(const sim::Config& cfg, sim::Strategy& strategy, int goroutines = 16);

}  // namespace touchstone::litmus
