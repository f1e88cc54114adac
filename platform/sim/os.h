// platform/sim/os.h — the simulated platform's threads, futexes, time and fatal exit.
//
// The same names as platform/native/os.h, implemented by the world (world.cc): a Thread is a
// simulated thread (a fiber on the one OS thread running the world), futexsleep blocks it,
// nanotime is virtual time, fatal ends the run with a structured failure instead of the
// process. Outside a running world these behave like the native ones where that is meaningful
// (fatal exits, tls is per OS thread), so unit tests can call runtime code directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/common/fatal_exit.h"
#include "platform/common/memory.h"
#include "platform/common/thread_slots.h"
#include "platform/sim/atomic.h"

namespace touchstone::platform {

class Thread {
 public:
  Thread() = default;
  void start(void (*fn)(void*), void* arg);
  void join();
  bool joinable() const { return started_; }

 private:
  int id_ = -1;  // the simulated thread's id
  bool started_ = false;
};

void current_thread_stack(void** lo, std::size_t* size);

ThreadSlots& tls();

void futexsleep(std::uint32_t* addr, std::uint32_t val, std::int64_t ns);
void futexwakeup(std::uint32_t* addr, std::uint32_t cnt);

std::int64_t nanotime();
void usleep(std::uint32_t us);
void osyield();
inline void procyield(std::uint32_t) { sim::point(sim::Op::Yield, nullptr); }

std::uint64_t random_seed(std::uint64_t configured);

[[noreturn]] void fatal(std::string_view prefix, std::string_view msg);

}  // namespace touchstone::platform
