// platform/common/thread_slots.h — the per-thread slots every platform's tls() returns.
#pragma once

#include <cstddef>

namespace touchstone::platform {

// The runtime's current M and G (runtime/gogo.cc), and the stack the thread runs on now (set by
// the runtime's switches; the sim tells ASan about it when it switches simulated threads). Call
// tls() afresh after anything that may switch goroutines: never cache the reference (see
// runtime/gogo.h).
struct ThreadSlots {
  void* m = nullptr;
  void* g = nullptr;
  const void* stack_lo = nullptr;
  std::size_t stack_size = 0;
};

}  // namespace touchstone::platform
