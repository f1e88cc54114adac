// platform/common/memory_order.h — the memory-order names every platform's Atomic<T> takes.
#pragma once

#include <atomic>

namespace touchstone::platform {

using MemoryOrder = std::memory_order;
inline constexpr MemoryOrder relaxed = std::memory_order_relaxed;
inline constexpr MemoryOrder acquire = std::memory_order_acquire;
inline constexpr MemoryOrder release = std::memory_order_release;
inline constexpr MemoryOrder acq_rel = std::memory_order_acq_rel;
inline constexpr MemoryOrder seq_cst = std::memory_order_seq_cst;

}  // namespace touchstone::platform
