// runtime/stack.cc — goroutine stacks: pooled, size-classed, with a guard page.
//
// Each G runs on its own stack [lo, hi) with a PROT_NONE guard page below lo, so an overflow
// faults instead of corrupting a neighbour. Stacks come in power-of-two size classes from
// 16 KiB (class 0) to 2 MiB (class 7); larger requests are mapped directly.
//
// Allocation order (Go's stackalloc/stackcacherefill, simplified to whole stacks):
//   1. the current P's cache for the class (no lock: the P's owner only);
//   2. the global pool for the class, under stackpool lock, refilling half the P's cache;
//   3. a fresh mapping (platform::map_stack).
// stackfree returns to the P's cache, spilling half of it to the global pool when full.
// Stacks are never unmapped while the runtime runs (Gs keep theirs on the G free lists anyway);
// stackpool_release_all unmaps everything when a Runtime finishes, so every Runtime starts from
// the same empty pool. (Keeping them for the next Runtime would make a simulated run depend on
// the runs before it: a warm pool takes the pool lock where a cold one maps memory, a different
// sequence of scheduling points. The sim platform recycles the memory below the seam instead,
// where it costs no scheduling point: platform/common/memory.cc.)
//
// Fixed size for now: growth by copying comes with the stack-growth issue.
#include <new>
#include <vector>

#include "runtime/gogo.h"
#include "runtime/proc.h"

namespace touchstone::runtime {

namespace {

constexpr std::size_t kMinStack = 16 * 1024;

Mutex stackpool_lock;
std::vector<char*> stackpool[kStackCacheClasses];  // stackpool_lock

int size_class(std::size_t n) {
  std::size_t s = kMinStack;
  for (int c = 0; c < kStackCacheClasses; c++, s <<= 1) {
    if (n <= s) return c;
  }
  return -1;
}

std::size_t class_size(int c) { return kMinStack << c; }

P* current_p() {
  M* mp = getm();
  return mp != nullptr ? mp->p : nullptr;
}

}  // namespace

std::size_t default_stack_size() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return 256 * 1024;  // sanitizer frames are several times larger
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return 256 * 1024;
#else
  return 64 * 1024;
#endif
#else
  return 64 * 1024;
#endif
}

Stack stackalloc(std::size_t n) {
  if (n == 0) n = default_stack_size();
  const int c = size_class(n);
  if (c < 0) {
    const std::size_t ps = platform::page_size();
    n = (n + ps - 1) / ps * ps;
    char* lo = static_cast<char*>(platform::map_stack(n));
    return Stack{lo, lo + n};
  }
  const std::size_t size = class_size(c);
  P* pp = current_p();
  if (pp != nullptr) {
    if (pp->stackcachecnt[c] == 0) {
      stackpool_lock.lock();
      while (pp->stackcachecnt[c] < kStackCacheSize / 2 && !stackpool[c].empty()) {
        pp->stackcache[c][pp->stackcachecnt[c]++] = stackpool[c].back();
        stackpool[c].pop_back();
      }
      stackpool_lock.unlock();
    }
    if (pp->stackcachecnt[c] > 0) {
      char* lo = pp->stackcache[c][--pp->stackcachecnt[c]];
      return Stack{lo, lo + size};
    }
  } else {
    stackpool_lock.lock();
    if (!stackpool[c].empty()) {
      char* lo = stackpool[c].back();
      stackpool[c].pop_back();
      stackpool_lock.unlock();
      return Stack{lo, lo + size};
    }
    stackpool_lock.unlock();
  }
  char* lo = static_cast<char*>(platform::map_stack(size));
  return Stack{lo, lo + size};
}

void stackfree(Stack s) {
  const int c = size_class(s.size());
  if (c < 0 || class_size(c) != s.size()) {
    platform::unmap_stack(s.lo, s.size());
    return;
  }
  P* pp = current_p();
  if (pp == nullptr) {
    stackpool_lock.lock();
    stackpool[c].push_back(s.lo);
    stackpool_lock.unlock();
    return;
  }
  if (pp->stackcachecnt[c] == kStackCacheSize) {
    stackpool_lock.lock();
    while (pp->stackcachecnt[c] > kStackCacheSize / 2) stackpool[c].push_back(pp->stackcache[c][--pp->stackcachecnt[c]]);
    stackpool_lock.unlock();
  }
  pp->stackcache[c][pp->stackcachecnt[c]++] = s.lo;
}

void stackcache_clear(P* pp) {
  stackpool_lock.lock();
  for (int c = 0; c < kStackCacheClasses; c++) {
    while (pp->stackcachecnt[c] > 0) stackpool[c].push_back(pp->stackcache[c][--pp->stackcachecnt[c]]);
  }
  stackpool_lock.unlock();
}

void stack_reset_globals() { new (&stackpool_lock) Mutex(); }

void stackpool_release_all() {
  stackpool_lock.lock();
  for (int c = 0; c < kStackCacheClasses; c++) {
    for (char* lo : stackpool[c]) platform::unmap_stack(lo, class_size(c));
    stackpool[c].clear();
    stackpool[c].shrink_to_fit();
  }
  stackpool_lock.unlock();
}

}  // namespace touchstone::runtime
