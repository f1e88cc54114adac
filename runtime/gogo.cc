// runtime/gogo.cc — see gogo.h.
#include "runtime/gogo.h"

#include "runtime/arch/context.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TS_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define TS_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TS_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define TS_TSAN 1
#endif

#if defined(TS_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(TS_TSAN)
extern "C" {
void* __tsan_get_current_fiber(void);
void* __tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void* fiber);
void __tsan_switch_to_fiber(void* fiber, unsigned flags);
}
#endif

namespace touchstone::runtime {

namespace {
// The current M and G live in the platform's per-thread slots: a real thread_local natively,
// the simulated thread's slots in the sim (where every M shares one OS thread).
inline M*& tls_m() { return reinterpret_cast<M*&>(platform::tls().m); }
inline G*& tls_g() { return reinterpret_cast<G*&>(platform::tls().g); }

// Bounds of the stack `gp` runs on, for ASan.
[[maybe_unused]] void stack_bounds(G* gp, const void** bottom, std::size_t* size) {
  if (gp->m != nullptr && gp == gp->m->g0) {
    *bottom = gp->m->g0_stack_lo;
    *size = gp->m->g0_stack_size;
  } else {
    *bottom = gp->stack.lo;
    *size = gp->stack.size();
  }
}
}  // namespace

G* getg() {
  // The empty asm with a memory clobber keeps the compiler from treating this accessor as
  // pure and merging calls across a switch (see the file comment in gogo.h).
  asm volatile("" ::: "memory");
  return tls_g();
}

M* getm() {
  asm volatile("" ::: "memory");
  return tls_m();
}

void setm(M* mp, G* g0) {
  tls_m() = mp;
  tls_g() = g0;
}

void gogo_switch(G* from, G* to) {
  tls_g() = to;
#if defined(TS_ASAN)
  const void* bottom;
  std::size_t size;
  stack_bounds(to, &bottom, &size);
  platform::tls().stack_lo = bottom;  // for the sim's own switches (platform/sim/world.cc)
  platform::tls().stack_size = size;
  // A dying G's fake stack is released (nullptr save slot): it is never resumed.
  __sanitizer_start_switch_fiber(from->dying ? nullptr : &from->asan_fake_stack, bottom, size);
#endif
#if defined(TS_TSAN)
  __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
  arch::touchstone_gogo_switch(&from->sched, &to->sched);
  // Resumed: `from` runs again, maybe on another OS thread; the resumer set tls_g already.
#if defined(TS_ASAN)
  __sanitizer_finish_switch_fiber(from->asan_fake_stack, nullptr, nullptr);
#endif
}

void mcall(MNext (*fn)(G*)) {
  G* gp = getg();
  M* mp = gp->m;
  mp->mcallfn = fn;
  mp->mcallg = gp;
  gogo_switch(gp, mp->g0);
}

void fiber_create([[maybe_unused]] G* gp) {
#if defined(TS_TSAN)
  if (gp->tsan_fiber == nullptr) gp->tsan_fiber = __tsan_create_fiber(0);
#endif
}

void fiber_destroy([[maybe_unused]] G* gp) {
#if defined(TS_TSAN)
  if (gp->tsan_fiber != nullptr) __tsan_destroy_fiber(gp->tsan_fiber);
  gp->tsan_fiber = nullptr;
#endif
}

void fiber_g0_init([[maybe_unused]] M* mp) {
  platform::current_thread_stack(&mp->g0_stack_lo, &mp->g0_stack_size);
#if defined(TS_TSAN)
  mp->g0->tsan_fiber = __tsan_get_current_fiber();
#endif
}

void fiber_reset_stack([[maybe_unused]] G* gp) {
#if defined(TS_TSAN)
  // A new TSan fiber per goroutine: the old one's shadow call stack still holds the frames of
  // the previous goroutine, which never returned (goexit switches away for good); reusing it
  // thousands of times overflows that shadow stack.
  if (gp->tsan_fiber != nullptr) __tsan_destroy_fiber(gp->tsan_fiber);
  gp->tsan_fiber = __tsan_create_fiber(0);
#endif
#if defined(TS_ASAN)
  // A reused stack may carry the poisoned redzones of the frames of its previous goroutine,
  // which never returned (it switched away for good in goexit).
  ASAN_UNPOISON_MEMORY_REGION(gp->stack.lo, gp->stack.size());
#endif
}

void fiber_first_entry([[maybe_unused]] G* gp) {
#if defined(TS_ASAN)
  __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
#endif
}

}  // namespace touchstone::runtime
