// platform/native/os.h — threads, futexes, time, stack memory and fatal exit on Linux.
//
// Every function here is what the runtime would otherwise take directly from the OS. The
// simulation platform provides the same names with simulated threads and virtual time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/common/fatal_exit.h"
#include "platform/common/memory.h"
#include "platform/common/thread_slots.h"

namespace touchstone::platform {

// ---- threads ---------------------------------------------------------------------------------

// An OS thread that runs fn(arg) and can be joined. Ms and sysmon are Threads.
class Thread {
 public:
  Thread() = default;
  // Starts the thread. Fatal on failure (Go's newosproc throws as well).
  void start(void (*fn)(void*), void* arg);
  void join();
  bool joinable() const { return started_; }

 private:
  unsigned long handle_ = 0;  // pthread_t
  bool started_ = false;
};

// Bounds of the calling OS thread's own stack (the g0 stack of an M).
void current_thread_stack(void** lo, std::size_t* size);

// ---- per-thread slots -----------------------------------------------------------------------

// Natively a thread_local.
inline ThreadSlots& tls() {
  static thread_local ThreadSlots slots;
  return slots;
}

// ---- futex-style sleep and wake ------------------------------------------------------------

// Sleeps while *addr == val, for at most ns nanoseconds (ns < 0: no limit). May wake
// spuriously; callers re-check their condition (runtime/lock_futex.cc).
void futexsleep(std::uint32_t* addr, std::uint32_t val, std::int64_t ns);
// Wakes up to cnt threads sleeping on addr.
void futexwakeup(std::uint32_t* addr, std::uint32_t cnt);

// ---- time and yielding -----------------------------------------------------------------------

std::int64_t nanotime();       // monotonic nanoseconds
void usleep(std::uint32_t us);  // sleep the OS thread
void osyield();                 // sched_yield
// A few hundred cycles of busy waiting (Go's procyield: PAUSE / YIELD).
[[gnu::always_inline]] inline void procyield(std::uint32_t cycles) {
  for (std::uint32_t i = 0; i < cycles; i++) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#else
    asm volatile("" ::: "memory");
#endif
  }
}

// ---- randomness ------------------------------------------------------------------------------

// The seed for the runtime's fastrand (steal order). Native: the configured seed, or the
// clock when none is configured. The sim takes it from its strategy.
std::uint64_t random_seed(std::uint64_t configured);

// ---- fatal errors ----------------------------------------------------------------------------

// Prints "fatal error: <msg>" (or "<prefix><msg>") to stderr and ends the process with exit
// status 2, as Go's throw does. The sim platform turns this into a structured failure instead.
[[noreturn]] void fatal(std::string_view prefix, std::string_view msg);

}  // namespace touchstone::platform
