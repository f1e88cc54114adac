// fuzz/fuzz_model.h — the memory model the runtime harnesses (runq, sched) simulate under.
//
//   TOUCHSTONE_FUZZ_MODEL=sc|tso|weak   or   TOUCHSTONE_FUZZ_ARCH=x86_64|aarch64|riscv64
//
// read once per process (default sc: the harnesses as they always were, so every corpus entry
// and every regression input means what it meant). The model is deliberately NOT a byte of the
// input: the inputs' layout is unchanged, so the same corpora seed campaigns under every model;
// under tso/weak the same decision bytes (sim::make_bytes) also feed the Flush/ReadFrom
// decisions (option 0, the sc choice, once the bytes run out). A bad value, or both variables,
// is a one-line error and exit 2 before the first input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "platform/sim/world.h"

namespace touchstone::fuzz {

inline sim::Model model_from_env() {
  const char* m = std::getenv("TOUCHSTONE_FUZZ_MODEL");
  const char* a = std::getenv("TOUCHSTONE_FUZZ_ARCH");
  sim::Model out = sim::Model::Sc;
  if (m != nullptr && *m != '\0' && a != nullptr && *a != '\0') {
    std::fputs("fuzz: set TOUCHSTONE_FUZZ_MODEL or TOUCHSTONE_FUZZ_ARCH, not both\n", stderr);
    std::exit(2);
  }
  if (m != nullptr && *m != '\0' && !sim::parse_model(m, &out)) {
    std::fprintf(stderr, "fuzz: TOUCHSTONE_FUZZ_MODEL=%s: unknown memory model (sc, tso, weak)\n", m);
    std::exit(2);
  }
  if (a != nullptr && *a != '\0' && !sim::model_for_arch(a, &out)) {
    std::fprintf(stderr, "fuzz: TOUCHSTONE_FUZZ_ARCH=%s: unknown architecture (x86_64, aarch64, riscv64)\n", a);
    std::exit(2);
  }
  return out;
}

// The model of this process (read once).
inline sim::Model fuzz_model() {
  static const sim::Model m = model_from_env();
  return m;
}

}  // namespace touchstone::fuzz
