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
//
// Mutex remembers its holder (the holding thread's platform::tls() slots; a plain field written
// only by the holder, right after the acquiring exchange/CAS and right before the releasing
// one) so that assert_held() can check what Go's assertLockHeld(&sched.lock) checks with
// static lock ranking: the global run queue, the idle-P and idle-M lists are touched only under
// sched.lock (golang/go#40457 was a batch put onto the global queue without it). Always on:
// the cost is one store per lock/unlock and one compare per assertion, and in the simulator a
// missing lock is otherwise invisible (no scheduling point separates the unlocked accesses).
#pragma once

#include <cstdint>

#include "platform/platform.h"

namespace touchstone::runtime {

class Mutex {
 public:
  void lock();
  void unlock();
  // Fatal error `msg` unless the calling thread holds the lock (Go's assertLockHeld).
  void assert_held(const char* msg) const;

 private:
  void acquire();

  // 0 unlocked, 1 locked, 2 locked and someone may be sleeping.
  platform::Atomic<std::uint32_t> key_{0};
  // The holder's thread slots, or null. Written by the holder only: read by assert_held on
  // the holder's own thread (or by another thread, which then sees "not me" either way).
  const platform::ThreadSlots* holder_ = nullptr;
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
