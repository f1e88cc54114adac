// runtime/sim_harness.cc — see sim_harness.h.
#include "runtime/sim_harness.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "runtime/proc.h"

namespace touchstone {

sim::Result simulate(const sim::Config& cfg, sim::Strategy& strategy, const std::function<void()>& body) {
  sim::Result r = sim::run(cfg, strategy, body);
  if (!r.ok()) runtime::runtime_abandon();
  return r;
}

std::unique_ptr<sim::Strategy> strategy_from_name(const std::string& name, std::uint64_t seed) {
  if (name == "random") return sim::make_random(seed);
  if (name == "pct") return sim::make_pct(seed, 3, 20000);
  if (name == "bytes") {
    // A deterministic byte string standing in for a fuzzer's input, then the default.
    std::vector<std::uint8_t> bytes(4096);
    std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (auto& b : bytes) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      b = std::uint8_t(x);
    }
    return sim::make_bytes(bytes);
  }
  std::fprintf(stderr, "fatal error: unknown sim strategy '%s' (random, pct, bytes)\n", name.c_str());
  std::exit(2);
}

}  // namespace touchstone
