// platform/native/atomic.h — atomics with the memory order spelled out at every use.
//
// Atomic<T> wraps std::atomic<T> but has no defaulted memory orders: every load, store,
// exchange, compare-and-swap and add names its order at the call site, and the project rule is
// that a comment next to it says what it pairs with. fence() is the explicit full barrier used
// where Go relies on its sequentially consistent "release" stores (see docs/ARCHITECTURE.md,
// "Barriers").
//
// What it does not do: it does not make non-atomic fields safe to race on; fields of G, M and
// P that are read by other threads are Atomic<> themselves (runtime/runtime2.h says which).
#pragma once

#include <atomic>
#include <cstdint>

#include "platform/common/memory_order.h"

namespace touchstone::platform {

template <class T>
class Atomic {
 public:
  constexpr Atomic() noexcept : v_() {}
  constexpr explicit Atomic(T v) noexcept : v_(v) {}
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;

  [[gnu::always_inline]] T load(MemoryOrder mo) const noexcept { return v_.load(mo); }
  [[gnu::always_inline]] void store(T v, MemoryOrder mo) noexcept { v_.store(v, mo); }
  [[gnu::always_inline]] T exchange(T v, MemoryOrder mo) noexcept { return v_.exchange(v, mo); }

  // Strong CAS. Returns true on success; on failure `expected` holds the observed value.
  [[gnu::always_inline]] bool cas(T& expected, T desired, MemoryOrder success,
                                  MemoryOrder failure) noexcept {
    return v_.compare_exchange_strong(expected, desired, success, failure);
  }
  // Convenience: CAS from a known value, discarding the observed value.
  [[gnu::always_inline]] bool cas_from(T old, T desired, MemoryOrder success,
                                       MemoryOrder failure) noexcept {
    return v_.compare_exchange_strong(old, desired, success, failure);
  }
  [[gnu::always_inline]] T fetch_add(T d, MemoryOrder mo) noexcept { return v_.fetch_add(d, mo); }
  [[gnu::always_inline]] T fetch_sub(T d, MemoryOrder mo) noexcept { return v_.fetch_sub(d, mo); }

  // The address, for futex(2) only.
  void* address() noexcept { return &v_; }

 private:
  std::atomic<T> v_;
};

// A full barrier (StoreLoad included). Used where Go's algorithm depends on a sequentially
// consistent store (Go's StoreRel/Store are SC on amd64, arm64 and riscv64).
[[gnu::always_inline]] inline void fence(MemoryOrder mo) noexcept {
  std::atomic_thread_fence(mo);
}

}  // namespace touchstone::platform
