// platform/sim/atomic.h — atomics for the simulated platform.
//
// Same interface as platform/native/atomic.h. Every operation is a scheduling point
// (sim::point) at which the world may switch to another simulated thread; the operation itself
// then executes without interruption (all simulated threads share one OS thread).
//
// What the operation means depends on the run's memory model (sim::Config::model,
// platform/sim/memory_model.h):
//   sc        the plain inline value: every load reads the latest store (and no bookkeeping:
//             the same cost and the same decisions as before memory models existed)
//   tso, weak the operation goes to the world's MemoryModel (sim::mm_*), which honours the
//             memory-order arguments: store buffers, or a per-location store history from
//             which a load's read-from is a decision
// Outside a simulated run (sim::active() false) an Atomic is a plain value with no bookkeeping.
//
// The inline value is always the location's newest value in modification order (weak) or its
// value in memory (tso), so futexes (through address()) and code outside a run read it directly.
// `loc_` finds the location's state in the current run without hashing the address; a
// constructor zeroes it, so a new object at a reused address starts a fresh history, and the
// destructor retires it (memory_model.h, "Common to both models").
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "platform/common/memory_order.h"

namespace touchstone::platform {

namespace sim {
enum class Op : std::uint8_t { Load, Store, Rmw, Fence, Futex, Yield };
// A scheduling point (platform/sim/world.cc). Outside a simulated run it does nothing.
void point(Op op, const void* addr);

// A location's handle into the current run's memory model: {run epoch, index}; {0, 0} = none.
struct Loc {
  std::uint32_t epoch = 0;
  std::uint32_t idx = 0;
};
// True while a simulated run with a model other than sc is in progress.
extern bool g_model_on;
// The memory-model hooks (world.cc forwards them to the run's MemoryModel).
std::uint64_t mm_load(Loc& loc, void* addr, unsigned size, MemoryOrder mo);
void mm_store(Loc& loc, void* addr, unsigned size, std::uint64_t bits, MemoryOrder mo);
void mm_rmw_prepare(Loc& loc, void* addr, unsigned size);
void mm_rmw_commit(Loc& loc, void* addr, unsigned size, std::uint64_t bits, MemoryOrder mo);
void mm_rmw_fail(Loc& loc, void* addr, unsigned size, MemoryOrder mo);
void mm_fence(MemoryOrder mo);
void mm_retire(Loc& loc);
}  // namespace sim

template <class T>
class Atomic {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "sim Atomic<T> models T up to 8 bytes");

 public:
  constexpr Atomic() noexcept : v_() {}
  constexpr explicit Atomic(T v) noexcept : v_(v) {}
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;
  ~Atomic() {
    if (loc_.epoch != 0) sim::mm_retire(loc_);
  }

  T load(MemoryOrder mo) const noexcept {
    sim::point(sim::Op::Load, &v_);
    if (!sim::g_model_on) return v_;
    return from_bits(sim::mm_load(loc_, addr(), sizeof(T), mo));
  }
  void store(T v, MemoryOrder mo) noexcept {
    sim::point(sim::Op::Store, &v_);
    if (!sim::g_model_on) {
      v_ = v;
      return;
    }
    sim::mm_store(loc_, addr(), sizeof(T), to_bits(v), mo);
  }
  T exchange(T v, MemoryOrder mo) noexcept {
    sim::point(sim::Op::Rmw, &v_);
    T old = v_;
    if (!sim::g_model_on) {
      v_ = v;
      return old;
    }
    sim::mm_rmw_prepare(loc_, addr(), sizeof(T));  // tso: drains; v_ is then the value to read
    old = v_;
    sim::mm_rmw_commit(loc_, addr(), sizeof(T), to_bits(v), mo);
    return old;
  }
  bool cas(T& expected, T desired, MemoryOrder s, MemoryOrder f) noexcept {
    sim::point(sim::Op::Rmw, &v_);
    if (sim::g_model_on) sim::mm_rmw_prepare(loc_, addr(), sizeof(T));
    if (v_ == expected) {
      if (!sim::g_model_on) {
        v_ = desired;
      } else {
        sim::mm_rmw_commit(loc_, addr(), sizeof(T), to_bits(desired), s);
      }
      return true;
    }
    expected = v_;
    if (sim::g_model_on) sim::mm_rmw_fail(loc_, addr(), sizeof(T), f);
    return false;
  }
  bool cas_from(T old, T desired, MemoryOrder s, MemoryOrder f) noexcept { return cas(old, desired, s, f); }
  T fetch_add(T d, MemoryOrder mo) noexcept { return rmw_arith(d, mo, false); }
  T fetch_sub(T d, MemoryOrder mo) noexcept { return rmw_arith(d, mo, true); }
  void* address() noexcept { return &v_; }

 private:
  T rmw_arith(T d, MemoryOrder mo, bool sub) noexcept {
    sim::point(sim::Op::Rmw, &v_);
    if (sim::g_model_on) sim::mm_rmw_prepare(loc_, addr(), sizeof(T));
    T old = v_;
    T next = sub ? T(old - d) : T(old + d);
    if (!sim::g_model_on) {
      v_ = next;
    } else {
      sim::mm_rmw_commit(loc_, addr(), sizeof(T), to_bits(next), mo);
    }
    return old;
  }
  void* addr() const noexcept { return const_cast<T*>(&v_); }
  static std::uint64_t to_bits(T v) noexcept {
    std::uint64_t b = 0;
    std::memcpy(&b, &v, sizeof(T));
    return b;
  }
  static T from_bits(std::uint64_t b) noexcept {
    T v;
    std::memcpy(&v, &b, sizeof(T));
    return v;
  }

  T v_;                  // first member: address() is the value's address (futexes use it)
  mutable sim::Loc loc_;  // the location in the current run's memory model
};

// A fence: a scheduling point; under tso a seq_cst fence drains the store buffer, under weak
// every order does what memory_model.h rule 7 says.
inline void fence(MemoryOrder mo) noexcept {
  sim::point(sim::Op::Fence, nullptr);
  if (sim::g_model_on) sim::mm_fence(mo);
}

}  // namespace touchstone::platform
