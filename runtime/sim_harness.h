// runtime/sim_harness.h — running the reference runtime inside the simulated world.
//
//   auto strategy = sim::make_pct(seed, 3, 20000);
//   sim::Result r = touchstone::simulate({}, *strategy, [] {
//     touchstone::Runtime rt({.procs = 4});
//     rt.run([] { ... });
//   });
//   if (!r.ok()) puts(r.message.c_str());     // e.g. "fatal error: all goroutines are asleep..."
//
// Only in the sim build of the runtime (touchstone_runtime_sim). After a failed run the
// runtime's abandoned state is discarded, so the next run starts clean; objects owned by the
// abandoned goroutines' stack frames are leaked (their destructors cannot run).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "platform/sim/world.h"

namespace touchstone {

sim::Result simulate(const sim::Config& cfg, sim::Strategy& strategy, const std::function<void()>& body);

// A strategy from a name ("random", "pct", "bytes") and a seed (bytes: the seed's expansion),
// as the sim test suites and tools take them from TOUCHSTONE_SIM_STRATEGY / TOUCHSTONE_SIM_SEED.
std::unique_ptr<sim::Strategy> strategy_from_name(const std::string& name, std::uint64_t seed);

}  // namespace touchstone
