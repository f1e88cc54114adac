// runtime/gogo.h — switching between goroutine stacks, and finding the current G and M.
//
// How the current G and M are found. Go keeps g in a register (R14 on amd64, R28 on arm64,
// X27 on riscv64). C++ cannot reserve a register, so each OS thread keeps its M and its current
// G in thread-locals, read only through getg()/getm(). Those are out-of-line functions on
// purpose: a G migrates between Ms (OS threads) while it is switched out, and a compiler may
// keep the *address* of a thread_local in a register across a call. An out-of-line accessor
// computes the address afresh on every call. The rule for runtime code running on a G stack:
// after anything that may switch (mcall, gopark, gosched, exitsyscall's slow path), never use an
// M or P obtained before it; re-read gp->m (gp itself is the same G on any thread).
// Proc.GoroutinesMigrateBetweenMsIntact and ContextSwitch.MigratesBetweenOSThreads check this
// with contexts that hop threads thousands of times.
//
// Switches. Every switch between stacks goes through gogo_switch, which tells the sanitizers
// about the stack change (ASan's start/finish_switch_fiber, TSan's fiber API) around the
// assembly primitive (runtime/arch/). g0 is the M's own OS-thread stack and runs the
// scheduling loop; a G reaches g0 with mcall(fn), and g0 runs fn(G) after the G's context is
// fully saved, so anything fn publishes (a run queue put, a channel wait queue) can never let
// another M resume a half-saved G.
#pragma once

#include "runtime/runtime2.h"

namespace touchstone::runtime {

[[gnu::noinline]] G* getg();
[[gnu::noinline]] M* getm();
// Called by the M's thread on entry (and with nullptrs on exit).
void setm(M* mp, G* g0);

// Switch from the running context `from` (getg() == from) to `to`. Returns when some M
// switches back to `from`. Sets the thread's current G to `to` before switching.
void gogo_switch(G* from, G* to);

// Switch to the M's g0 and run fn(gp) there (Go's mcall). Returns when gp is next executed,
// possibly on another M.
void mcall(MNext (*fn)(G*));

// Sanitizer bookkeeping for G and M lifetimes.
void fiber_create(G* gp);   // after the G's stack exists
void fiber_destroy(G* gp);  // before the G is freed
void fiber_g0_init(M* mp);  // on the M's thread, for its g0
// Before a G's stack is reused for a new goroutine.
void fiber_reset_stack(G* gp);
// The first thing a new goroutine does on its stack (completes the switch that started it).
void fiber_first_entry(G* gp);

}  // namespace touchstone::runtime
