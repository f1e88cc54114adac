// platform/platform.h — the one seam between the runtime and the machine.
//
// Everything the runtime takes from the machine goes through this header: atomics and fences,
// OS threads, futex-style sleep/wake, the clock, sleeping, randomness seeds, stack memory and
// the fatal-error exit. The runtime never names std::atomic, std::thread, a clock or mmap
// itself; `tools/lint-platform` (run by ci/gate) greps runtime/ to keep it that way.
//
// The implementation is chosen at compile time, one implementation per directory (abseil's
// waiter.h pattern):
//
//   native/   real OS threads, std::atomic, futex(2), clock_gettime, mmap. Zero overhead: every
//             wrapper is an always-inline forwarding function (docs/PERFORMANCE.md measures it).
//   sim/      Ms as fibers on one OS thread, every operation a scheduling point whose
//             outcome a Strategy decides, virtual time, structured failures (world.h). It
//             provides exactly the names declared by native/.
//
// Rejected alternative: a virtual interface selected at run time. It would put an indirect
// call on every atomic in the scheduler's fast paths, and the sim needs to intercept plain
// loads/stores of atomics anyway, which only a compile-time type substitution can do (loom's
// cfg(loom) approach).
#pragma once

#if defined(TOUCHSTONE_PLATFORM_SIM)
#include "platform/sim/atomic.h"
#include "platform/sim/os.h"
#else
#include "platform/native/atomic.h"
#include "platform/native/os.h"
#endif
