// runtime/sema.h — goroutine-level blocking primitives: a counting semaphore (Go's sema.go,
// simplified to one wait queue per semaphore) and a wait group (Go's sync.WaitGroup).
#pragma once

#include <cstdint>

#include "runtime/lock_futex.h"
#include "runtime/runtime2.h"

namespace touchstone::runtime {

struct SemaWaiter {
  G* g = nullptr;
  SemaWaiter* next = nullptr;
};

// A counting semaphore. acquire parks the G while the count is zero; release hands the unit
// directly to the oldest waiter (FIFO, no barging), like Go's semrelease with handoff.
class Sema {
 public:
  // max > 0 bounds the count: a release that would exceed it is fatal with `overflow` (a
  // mutex is Sema(1, 1, "sync: unlock of unlocked mutex")).
  explicit Sema(std::int64_t count = 0, std::int64_t max = 0, const char* overflow = nullptr)
      : count_(count), max_(max), overflow_(overflow) {}
  void acquire();
  bool try_acquire();
  void release();

 private:
  Mutex lock_;
  std::int64_t count_;  // lock_
  std::int64_t max_;
  const char* overflow_;
  SemaWaiter* head_ = nullptr;
  SemaWaiter* tail_ = nullptr;
};

// Go's sync.WaitGroup: add may be negative; reaching zero wakes every waiter; going below zero
// is fatal ("sync: negative WaitGroup counter").
class WaitGroupImpl {
 public:
  void add(std::int64_t delta);
  void wait();

 private:
  Mutex lock_;
  std::int64_t counter_ = 0;  // lock_
  SemaWaiter* waiters_ = nullptr;
};

}  // namespace touchstone::runtime
