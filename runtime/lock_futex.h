// runtime/lock_futex.h — runtime locks and one-shot notifications on futexes (Go's
// lock_futex.go).
//
// Mutex: the runtime's internal lock (sched.lock, channel locks). Three states: unlocked,
// locked, locked with sleepers. lock spins a little (procyield, then osyield) before sleeping on
// the futex; unlock wakes one sleeper only if there may be one.
//
// Note: a one-shot event. One thread calls notesleep (or notetsleep with a timeout), another
// calls notewakeup once; noteclear re-arms it. Ms park on their Note in stopm.
//
// These sleep the OS thread: they must never be held across a goroutine switch (a G that
// wants to wait parks with gopark instead, and gopark's unlock function releases the lock on
// g0 after the switch).
#pragma once

#include <cstdint>

#include "platform/platform.h"

namespace touchstone::runtime {

class Mutex {
 public:
  void lock();
  void unlock();

 private:
  // 0 unlocked, 1 locked, 2 locked and someone may be sleeping.
  platform::Atomic<std::uint32_t> key_{0};
};

class Note {
 public:
  void clear() { key_.store(0, platform::relaxed); }  // only when no one sleeps or wakes
  void wakeup();
  void sleep();
  // Returns true if woken, false on timeout (ns > 0).
  bool tsleep(std::int64_t ns);

 private:
  platform::Atomic<std::uint32_t> key_{0};
};

}  // namespace touchstone::runtime
