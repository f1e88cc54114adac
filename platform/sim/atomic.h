// platform/sim/atomic.h — atomics for the simulated platform.
//
// Same interface as platform/native/atomic.h. Every operation is a scheduling point
// (sim::point) at which the world may switch to another simulated thread; the operation itself
// then executes without interruption (all simulated threads share one OS thread), so the
// memory model here is sequential consistency. The memory-model issue replaces the plain value
// with a per-location store history and makes the read-from choice a decision.
#pragma once

#include <atomic>
#include <cstdint>

#include "platform/common/memory_order.h"

namespace touchstone::platform {

namespace sim {
enum class Op : std::uint8_t { Load, Store, Rmw, Fence, Futex, Yield };
// A scheduling point (platform/sim/world.cc). Outside a simulated run it does nothing.
void point(Op op, const void* addr);
}  // namespace sim

template <class T>
class Atomic {
 public:
  constexpr Atomic() noexcept : v_() {}
  constexpr explicit Atomic(T v) noexcept : v_(v) {}
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;

  T load(MemoryOrder) const noexcept {
    sim::point(sim::Op::Load, &v_);
    return v_;
  }
  void store(T v, MemoryOrder) noexcept {
    sim::point(sim::Op::Store, &v_);
    v_ = v;
  }
  T exchange(T v, MemoryOrder) noexcept {
    sim::point(sim::Op::Rmw, &v_);
    T old = v_;
    v_ = v;
    return old;
  }
  bool cas(T& expected, T desired, MemoryOrder, MemoryOrder) noexcept {
    sim::point(sim::Op::Rmw, &v_);
    if (v_ == expected) {
      v_ = desired;
      return true;
    }
    expected = v_;
    return false;
  }
  bool cas_from(T old, T desired, MemoryOrder s, MemoryOrder f) noexcept { return cas(old, desired, s, f); }
  T fetch_add(T d, MemoryOrder) noexcept {
    sim::point(sim::Op::Rmw, &v_);
    T old = v_;
    v_ = T(old + d);
    return old;
  }
  T fetch_sub(T d, MemoryOrder) noexcept {
    sim::point(sim::Op::Rmw, &v_);
    T old = v_;
    v_ = T(old - d);
    return old;
  }
  void* address() noexcept { return &v_; }

 private:
  T v_;
};

inline void fence(MemoryOrder) noexcept { sim::point(sim::Op::Fence, nullptr); }

}  // namespace touchstone::platform
