// runtime/proc.cc — the scheduler: Go's proc.go re-built in C++.
//
// Goroutine scheduler
// ===================
// The scheduler's job is to distribute ready-to-run goroutines (G) over worker threads (M).
// An M must hold a P (processor) to run Gs; there are exactly gomaxprocs Ps. Each P has a
// local run queue (runq.cc); there is also a global run queue under sched.lock.
//
// The scheduling loop (schedule, on each M's g0 = its OS-thread stack):
//   1. findRunnable: every 61st schedtick take one G from the global queue first (fairness:
//      two Gs that keep readying each other on one P cannot starve the global queue); then
//      the local queue (runnext first); then the global queue; then, as a spinning M, steal
//      half of another P's queue (4 passes in random order; runnext only on the last); then
//      give up the P and park the M (stopm).
//   2. execute: Grunnable -> Grunning, switch to the G. The G runs until it calls back into
//      the scheduler with mcall: gosched (-> global queue), gopark (-> Gwaiting; an unlock
//      function runs on g0 once the G is off its stack), goexit (-> Gdead, free list),
//      preemption (like gosched), or exitsyscall's slow path.
//   3. g0 runs the mcall's function, then loops.
//
// Worker thread parking/unparking (the spinning-M protocol)
// --------------------------------------------------------
// We want enough running Ms to use the available Ps, and no more (parking and unparking threads
// is expensive). An M is "spinning" when it is out of local work and looks for work to steal.
// sched.nmspinning counts spinning Ms, including ones being started on their behalf.
//   - When a G becomes runnable (newproc, ready), the readier calls wakep(): if there is an
//     idle P and no spinning M, it starts one spinning M (CAS nmspinning 0 -> 1 first, so only
//     one readier wins).
//   - A spinning M that finds work calls resetspinning: it stops spinning and, if it was the
//     last spinner, calls wakep() so that a new spinner looks for further work.
//   - A spinning M that finds nothing gives up in this order (the "delicate dance"):
//       a. under sched.lock: release its P to the idle list (npidle++);
//       b. m.spinning = false; nmspinning-- (an atomic RMW);
//       c. FULL BARRIER;
//       d. re-check every P's run queue; if work appeared, take an idle P and spin again;
//       e. park.
//     The readier does: publish the G (runq tail store / runnext CAS); FULL BARRIER (at the top
//     of wakep); load npidle and nmspinning. This is the store-buffering (Dekker) pattern: with
//     both barriers, either the readier sees nmspinning == 0 and starts a spinner, or the
//     giving-up M's re-check (d) sees the G. Without (c), or with (b) and (d) swapped, a G can
//     sit in a queue while every other P is idle: a lost wakeup.
//   The global queue needs no dance: its producers and the final check before releasing the P
//   both hold sched.lock.
//
// Barriers. Go's StoreRel on the ring tail is sequentially consistent on amd64/arm64/riscv64
// (it is compiled as Store), and the protocol above silently relies on that StoreLoad. C++
// release stores do not give it (on x86 a release store is a plain MOV that can sit in the
// store buffer), hence the explicit platform::fence(seq_cst) in wakep (readier side) and in
// findRunnable step (c). docs/ARCHITECTURE.md has the litmus-style argument.
//
// System calls. entersyscall detaches the P (Prunning -> Psyscall, p.m = null) but keeps it in
// m.oldp. exitsyscall's fast path wins it back by CAS Psyscall -> Pidle and rewires it, else
// takes an idle P; the slow path (on g0) makes the G runnable on the global queue and parks the M.
// Meanwhile sysmon (sysmon.cc) may take the P (CAS Psyscall -> Pidle, handoffp) if the syscall
// lasts more than a tick and there is work; stop-the-world takes it with CAS Psyscall -> Pgcstop.
//
// Stop-the-world (stopTheWorldWithSema). Under sched.lock: set gcwaiting and stopwait =
// gomaxprocs; request preemption of every running G; stop our own P; CAS every Psyscall P to
// Pgcstop; take every idle P to Pgcstop. Then sleep on stopnote (re-preempting every 100µs:
// requests can be lost) until every running P has stopped itself: an M that sees gcwaiting at a
// scheduling point releases its P as Pgcstop, decrements stopwait under sched.lock and wakes the
// stopper when it reaches 0 (gcstopm). Visibility: every stopping M's writes happen before its
// unlock of sched.lock / its Note::wakeup (release), and the stopper acquires both, so once the
// world is stopped the stopper sees everything every mutator wrote before it stopped. A P in a
// syscall is taken by a CAS whose acquire pairs with the release store of Psyscall in
// entersyscall, which orders the G's writes before its syscall; a G in a syscall does not write
// the heap of the runtime until exitsyscall wins a P back, which needs a CAS or sched.lock.
//
// Alternatives rejected:
//   - One global queue under a lock (Go before 1.1): a lock on every ready/run.
//   - Parking idle Ms eagerly and waking one per ready: thundering herd; the spinning limit
//     (at most half the busy Ps spin) is what keeps steal attempts cheap.
//   - Running the mcall function on the G's stack: the G's context would not be saved before
//     the function publishes the G, so another M could resume a half-saved G.
//
// Not done (yet): timers and netpoll (findRunnable has no time-based wakeups), async
// (signal-based) preemption, locked Ms (LockOSThread), GC worker scheduling.
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "runtime/arch/context.h"
#include "runtime/gogo.h"
#include "runtime/gstatus.h"
#include "runtime/proc.h"
#include "runtime/trace.h"

namespace touchstone::runtime {

Sched sched;
RuntimeSettings settings;
Atomic<P*> allp[kMaxProcs];
Atomic<std::int32_t> gomaxprocs{0};
Mutex allglock;
G* allgs = nullptr;
Mutex allpLock;

namespace {

std::int32_t nmidlelocked = 0;  // sched.lock: see incidlelocked
RandomOrder stealOrder;

[[noreturn, gnu::cold]] void throw_(const std::string& msg) { platform::fatal("fatal error: ", msg); }

using Next = MNext;

void schedule(M* mp);
void execute(M* mp, G* gp, bool inheritTime);
Next run_mcallfn(M* mp);
void stopm(M* mp);
void mexit(M* mp);
void checkdead();
void mspinning_start(M* mp);

inline std::int64_t midof(M* mp) { return mp != nullptr ? mp->id : -1; }

// ---- Ms ----------------------------------------------------------------------------------

void mput(M* mp) {  // sched.lock
  sched.lock.assert_held("mput: sched.lock not held");
  mp->schedlink = sched.midle;
  sched.midle = mp;
  sched.nmidle++;
  checkdead();
}

M* mget() {  // sched.lock
  sched.lock.assert_held("mget: sched.lock not held");
  M* mp = sched.midle;
  if (mp != nullptr) {
    sched.midle = mp->schedlink;
    sched.nmidle--;
  }
  return mp;
}

void mstart(void* arg) {
  M* mp = static_cast<M*>(arg);
  setm(mp, mp->g0);
  fiber_g0_init(mp);
  if (mp->nextp != nullptr) {
    P* pp = mp->nextp;
    mp->nextp = nullptr;
    acquirep(pp);
  }
  if (mp->spinning) mspinning_start(mp);  // started spinning by startm (nmspinning counted it)
  schedule(mp);
  mexit(mp);
}

// newm creates an M (an OS thread) that starts with P pp (or idle if pp is null).
// sched.lock must NOT be held.
void newm(P* pp, bool spinning) {
  M* mp = new M();
  mp->g0 = new G();
  mp->g0->m = mp;
  mp->g0->goid = -1;
  mp->nextp = pp;
  mp->spinning = spinning;
  sched.lock.lock();
  if (sched.mnext - sched.nmfreed >= sched.maxmcount) {
    throw_("thread exhaustion: program exceeds " + std::to_string(sched.maxmcount) + "-thread limit");
  }
  mp->id = sched.mnext++;
  mp->fastrand = platform::random_seed(settings.seed) ^ (std::uint64_t(mp->id + 1) * 0x9E3779B97F4A7C15ull);
  mp->alllink = sched.allm;
  sched.allm = mp;
  TS_TRACE(EvKind::MStart, pp != nullptr ? pp->id : -1, -1, 0, 1, 0, mp->id);
  sched.lock.unlock();
  mp->thread.start(mstart, mp);
  sched.lock.lock();
  mp->threadStarted = true;  // read by the host's join loop under sched.lock
  sched.lock.unlock();
}

// mexit: the M leaves its scheduling loop (runtime shutdown only).
void mexit(M* mp) {
  if (mp->p != nullptr) releasep();
  sched.lock.lock();
  sched.nmfreed++;
  sched.lock.unlock();
  setm(nullptr, nullptr);
}

// stopm parks the M until startm hands it a P (or the runtime exits).
void stopm(M* mp) {
  if (mp->p != nullptr) throw_("stopm holding p");
  if (mp->spinning) throw_("stopm spinning");
  sched.lock.lock();
  if (sched.exiting.load(platform::relaxed)) {  // under the lock: see runtime_wait_and_shutdown
    mp->exiting = true;
    sched.lock.unlock();
    return;
  }
  mput(mp);
  TS_TRACE(EvKind::MStop, -1, mp->id, 0, 0, 0, 0);
  sched.lock.unlock();
  mp->park.sleep();
  mp->park.clear();
  if (mp->nextp == nullptr) {  // woken without a P: the runtime is exiting
    mp->exiting = true;
    return;
  }
  P* pp = mp->nextp;
  mp->nextp = nullptr;
  acquirep(pp);
  if (mp->spinning) mspinning_start(mp);  // woken spinning by startm (nmspinning counted it)
}

void mspinning_start(M* mp) {
  TS_TRACE(EvKind::MSpinning, mp->p ? mp->p->id : -1, mp->id, 0, 1, 0,
           sched.nmspinning.load(platform::relaxed));
}

void resetspinning(M* mp) {
  if (!mp->spinning) throw_("resetspinning: not a spinning m");
  mp->spinning = false;
  const std::int32_t n = sched.nmspinning.fetch_sub(1, platform::seq_cst) - 1;
  if (n < 0) throw_("findrunnable: negative nmspinning");
  TS_TRACE(EvKind::MSpinning, mp->p->id, mp->id, 0, 0, 0, n);
  // The last spinner to find work makes sure another M looks for more.
  wakep();
}

// ---- G allocation ----------------------------------------------------------------------------

void allgadd(G* gp) {
  allglock.lock();
  gp->alllink = allgs;
  allgs = gp;
  allglock.unlock();
}

G* malg(std::size_t stacksize) {
  G* gp = new G();
  gp->stack = stackalloc(stacksize);
  fiber_create(gp);
  return gp;
}

void gfput(P* pp, G* gp) {
  if (readgstatus(gp) != Gdead) throw_("gfput: bad status (not Gdead)");
  gp->schedlink = pp->gfree;
  pp->gfree = gp;
  pp->gfreecnt++;
  if (pp->gfreecnt >= 64) {
    // Move half to the global list so other Ps can reuse them.
    sched.lock.lock();
    while (pp->gfreecnt >= 32) {
      G* g = pp->gfree;
      pp->gfree = g->schedlink;
      pp->gfreecnt--;
      g->schedlink = sched.gfree;
      sched.gfree = g;
      sched.gfreecnt.store(sched.gfreecnt.load(platform::relaxed) + 1, platform::relaxed);
    }
    sched.lock.unlock();
  }
}

G* gfget(P* pp) {
  // The global count is read without the lock as a hint (Go reads sched.gFree racily).
  if (pp->gfree == nullptr && sched.gfreecnt.load(platform::relaxed) > 0) {
    sched.lock.lock();
    while (pp->gfreecnt < 32 && sched.gfree != nullptr) {
      G* g = sched.gfree;
      sched.gfree = g->schedlink;
      sched.gfreecnt.store(sched.gfreecnt.load(platform::relaxed) - 1, platform::relaxed);
      g->schedlink = pp->gfree;
      pp->gfree = g;
      pp->gfreecnt++;
    }
    sched.lock.unlock();
  }
  G* gp = pp->gfree;
  if (gp == nullptr) return nullptr;
  pp->gfree = gp->schedlink;
  pp->gfreecnt--;
  return gp;
}

// The first code a new goroutine runs, on its own stack.
void goentry(void* arg) {
  G* gp = static_cast<G*>(arg);
  fiber_first_entry(gp);
  gp->entry(gp->closure);  // runs the body and destroys the closure
  gp->entry = nullptr;
  goexit1();
}

// Sets up newg (Gdead) to run construct/entry; leaves it Grunnable.
void newproc1(G* newg, void (*construct)(void*, void*), void* src, void (*entry)(void*),
              void (*destroy)(void*), std::int64_t creator) {
  construct(newg->closure, src);
  newg->entry = entry;
  newg->closure_destroy = destroy;
  newg->dying = false;
  newg->mainG = false;
  newg->waitreason = WaitReason::None;
  newg->param = nullptr;
  newg->preempt.store(false, platform::relaxed);
  fiber_reset_stack(newg);
  arch::gostartcall(&newg->sched, newg->stack.hi, goentry, newg);
  TS_TRACE_G(newg, EvKind::GoCreate, -1, 0, 0, creator);
  casgstatus(newg, Gdead, Grunnable);
}

// A Gdead G with a fresh goid: from the P's free list, or newly allocated. The goid is set
// before the first status change so that every event of a goroutine carries its id.
G* newg_alloc(P* pp) {
  G* newg = pp != nullptr ? gfget(pp) : nullptr;
  const std::int64_t goid = sched.goidgen.fetch_add(1, platform::relaxed) + 1;
  if (newg != nullptr) {
    newg->goid = goid;
    newg->traceseq = 0;
    return newg;
  }
  newg = malg(settings.stack_size);
  newg->goid = goid;
  newg->traceseq = 0;
  casgstatus(newg, Gidle, Gdead);
  allgadd(newg);
  return newg;
}

// ---- mcall functions (run on g0) ------------------------------------------------------------

void dropg(M* mp, G* gp) {
  mp->curg.store(nullptr, platform::relaxed);  // sysmon reads it (relaxed: a hint)
  gp->m = nullptr;
}

Next park_m(G* gp) {
  M* mp = getm();
  casgstatus(gp, Grunning, Gwaiting);
  dropg(mp, gp);
  if (mp->waitunlockf != nullptr) {
    auto fn = mp->waitunlockf;
    void* lock = mp->waitlock;
    mp->waitunlockf = nullptr;
    mp->waitlock = nullptr;
    if (!fn(gp, lock)) {
      casgstatus(gp, Gwaiting, Grunnable);
      return {gp, true};
    }
  }
  return {};
}

// goschedImpl: the G goes to the tail of the global queue (Gosched, preemption).
Next gosched_m(G* gp) {
  M* mp = getm();
  casgstatus(gp, Grunning, Grunnable);
  dropg(mp, gp);
  sched.lock.lock();
  globrunqput(gp);
  sched.lock.unlock();
  return {};
}

// goyield_m: the G goes to the tail of its P's local queue.
Next goyield_m(G* gp) {
  M* mp = getm();
  casgstatus(gp, Grunning, Grunnable);
  dropg(mp, gp);
  runqput(mp->p, gp, false);
  return {};
}

Next goexit0(G* gp) {
  M* mp = getm();
  TS_TRACE_G(gp, EvKind::GoEnd, mp->p->id, 0, 0, 0);
  casgstatus(gp, Grunning, Gdead);
  dropg(mp, gp);
  gp->closure_destroy = nullptr;
  gp->waitreason = WaitReason::None;
  gfput(mp->p, gp);
  return {};
}

Next exitsyscall0(G* gp) {
  M* mp = getm();
  casgstatus(gp, Gsyscall, Grunnable);
  dropg(mp, gp);
  sched.lock.lock();
  P* pp = pidleget();
  if (pp == nullptr) {
    globrunqput(gp);
  } else if (sched.sysmonwait) {
    sysmon_wake_locked();
  }
  sched.lock.unlock();
  if (pp != nullptr) {
    acquirep(pp);
    return {gp, false};
  }
  stopm(mp);
  return {};
}

Next run_mcallfn(M* mp) {
  Next (*fn)(G*) = mp->mcallfn;
  G* gp = mp->mcallg;
  mp->mcallfn = nullptr;
  mp->mcallg = nullptr;
  return fn(gp);
}

void mcall_next(Next (*fn)(G*)) { mcall(fn); }

// ---- P hand-off --------------------------------------------------------------------------

void gcstopm(M* mp) {
  if (!sched.gcwaiting.load(platform::relaxed)) throw_("gcstopm: not waiting for gc");
  if (mp->spinning) {
    mp->spinning = false;
    // OK to just drop nmspinning: startTheWorld unparks threads as necessary.
    const std::int32_t n = sched.nmspinning.fetch_sub(1, platform::seq_cst) - 1;
    if (n < 0) throw_("gcstopm: negative nmspinning");
    TS_TRACE(EvKind::MSpinning, mp->p->id, mp->id, 0, 0, 0, n);
  }
  P* pp = releasep();
  sched.lock.lock();
  setpstatus(pp, Pgcstop);
  if (--sched.stopwait == 0) sched.stopnote.wakeup();
  sched.lock.unlock();
  stopm(mp);
}

// ---- findRunnable -----------------------------------------------------------------------------

// stealWork: 4 passes over all Ps in random order; runnext only on the last. Returns a G or
// null; *newWork is set when stop-the-world began (the caller must re-check).
G* stealWork(M* mp, bool* newWork) {
  P* pp = mp->p;
  constexpr int stealTries = 4;
  for (int i = 0; i < stealTries; i++) {
    const bool stealRunNextG = i == stealTries - 1;
    for (auto e = stealOrder.start(fastrand(mp)); !e.done(); e.next()) {
      if (sched.gcwaiting.load(platform::relaxed)) {
        *newWork = true;
        return nullptr;
      }
      P* p2 = allp[e.position()].load(platform::acquire);
      if (p2 == pp) continue;
      // Go skips Ps on the idle list (idlepMask). We have no mask, and a P in Pidle may be in
      // transit with work (procresize, handoffp), so every other P is tried; an empty queue
      // costs two loads.
      if (G* gp = runqsteal(pp, p2, stealRunNextG)) return gp;
    }
  }
  return nullptr;
}

// Returns a runnable G, blocking (parking the M) if necessary; null if the M must exit.
G* findRunnable(M* mp, bool* inheritTime) {
top:
  // A pending stop-the-world first, even when exiting: an M that left with its P would leave
  // the stopper waiting for a P that never reaches Pgcstop.
  if (mp->p != nullptr && sched.gcwaiting.load(platform::relaxed)) {
    gcstopm(mp);
    goto top;
  }
  if (mp->exiting || sched.exiting.load(platform::relaxed)) return nullptr;
  P* pp = mp->p;
  // Fairness: check the global queue once in a while.
  if (pp->schedtick.load(platform::relaxed) % 61 == 0 && sched.runqsize.load(platform::relaxed) > 0) {
    sched.lock.lock();
    G* gp = globrunqget(pp, 1);
    sched.lock.unlock();
    if (gp != nullptr) {
      *inheritTime = false;
      return gp;
    }
  }
  if (G* gp = runqget(pp, inheritTime)) return gp;
  if (sched.runqsize.load(platform::relaxed) != 0) {
    sched.lock.lock();
    G* gp = globrunqget(pp, 0);
    sched.lock.unlock();
    if (gp != nullptr) {
      *inheritTime = false;
      return gp;
    }
  }
  // Spinning Ms: steal work from other Ps. Limit the number of spinning Ms to half the number
  // of busy Ps: spinning burns CPU when gomaxprocs >> 1 but parallelism is low.
  const std::int32_t procs = gomaxprocs.load(platform::relaxed);
  if (mp->spinning || 2 * sched.nmspinning.load(platform::relaxed) < procs - sched.npidle.load(platform::relaxed)) {
    if (!mp->spinning) {
      mp->spinning = true;
      sched.nmspinning.fetch_add(1, platform::seq_cst);
      mspinning_start(mp);
    }
    bool newWork = false;
    G* gp = stealWork(mp, &newWork);
    if (gp != nullptr) {
      *inheritTime = false;
      return gp;
    }
    if (newWork) goto top;
  }

  // Nothing to do: give up the P. Snapshot the number of Ps before releasing ours (after
  // that, a stop-the-world may change it; allp itself never moves).
  const std::int32_t allpSnapshot = gomaxprocs.load(platform::relaxed);
  sched.lock.lock();
  if (sched.gcwaiting.load(platform::relaxed)) {
    sched.lock.unlock();
    goto top;
  }
  if (sched.runqsize.load(platform::relaxed) != 0) {
    G* gp = globrunqget(pp, 0);
    sched.lock.unlock();
    *inheritTime = false;
    return gp;
  }
  if (releasep() != pp) throw_("findrunnable: wrong p");
  pidleput(pp);
  sched.lock.unlock();

  // The delicate dance (see the file comment): drop spinning, barrier, re-check.
  if (mp->spinning) {
    mp->spinning = false;
    const std::int32_t n = sched.nmspinning.fetch_sub(1, platform::seq_cst) - 1;
    if (n < 0) throw_("findrunnable: negative nmspinning");
    TS_TRACE(EvKind::MSpinning, -1, mp->id, 0, 0, 0, n);
    // StoreLoad between our nmspinning decrement (and npidle increment) and the loads of
    // the run queues below. Pairs with the fence at the top of wakep.
    platform::fence(platform::seq_cst);
    bool found = false;
    for (std::int32_t i = 0; i < allpSnapshot; i++) {
      P* p2 = allp[i].load(platform::acquire);
      if (p2 != nullptr && !runqempty(p2)) {
        found = true;
        TS_TRACE(EvKind::Recheck, p2->id, mp->id, 0, 1, 0, 0);
        sched.lock.lock();
        P* np = pidleget();
        sched.lock.unlock();
        if (np != nullptr) {
          acquirep(np);
          mp->spinning = true;
          sched.nmspinning.fetch_add(1, platform::seq_cst);
          mspinning_start(mp);
          goto top;
        }
        break;
      }
    }
    if (!found) TS_TRACE(EvKind::Recheck, -1, mp->id, 0, 0, 0, 0);
  }
  stopm(mp);
  goto top;
}

// ---- the scheduling loop ----------------------------------------------------------------------

void execute(M* mp, G* gp, bool inheritTime) {
  P* pp = mp->p;
  // release: pairs with preemptone's acquire load; sysmon then writes gp->preempt, so gp's
  // initialisation must be visible to it.
  mp->curg.store(gp, platform::release);
  gp->m = mp;
  casgstatus(gp, Grunnable, Grunning);
  gp->preempt.store(false, platform::relaxed);
  if (!inheritTime) {
    // Owner-only writer; sysmon reads it to detect long-running Gs.
    pp->schedtick.store(pp->schedtick.load(platform::relaxed) + 1, platform::relaxed);
  }
  gogo_switch(mp->g0, gp);
}

void schedule(M* mp) {
  Next next;
  for (;;) {
    G* gp = next.g;
    bool inheritTime = next.inheritTime;
    if (gp == nullptr) {
      P* pp = mp->p;
      if (pp != nullptr && mp->spinning &&
          (pp->runnext.load(platform::relaxed) != nullptr ||
           pp->runqhead.load(platform::relaxed) != pp->runqtail.load(platform::relaxed))) {
        throw_("schedule: spinning with local work");
      }
      gp = findRunnable(mp, &inheritTime);
      if (gp == nullptr) return;  // exiting
      // A spinning M that found work stops spinning (and may wake another spinner).
      if (mp->spinning) resetspinning(mp);
    }
    execute(mp, gp, inheritTime);
    // Back on g0: the G called mcall.
    next = run_mcallfn(mp);
    if (mp->exiting) return;
  }
}

void checkdead() {  // sched.lock held
  if (sched.exiting.load(platform::relaxed)) return;
  const std::int64_t run = (sched.mnext - sched.nmfreed) - sched.nmidle - nmidlelocked;
  if (run > 0) return;
  if (run < 0) throw_("checkdead: inconsistent counts: run=" + std::to_string(run));
  int grunning = 0;
  allglock.lock();
  for (G* gp = allgs; gp != nullptr; gp = gp->alllink) {
    const std::uint32_t s = readgstatus(gp);
    if (s == Gwaiting || s == Gpreempted) {
      grunning++;
    } else if (s == Grunnable || s == Grunning || s == Gsyscall) {
      allglock.unlock();
      throw_("checkdead: runnable g (goroutine " + std::to_string(gp->goid) + " in status " + gstatus_name(s) + ")");
    }
  }
  allglock.unlock();
  if (grunning == 0) throw_("no goroutines (main called runtime.Goexit) - deadlock!");
  throw_("all goroutines are asleep - deadlock!");
}

}  // namespace

// ---- fastrand and steal order ----------------------------------------------------------------

std::uint32_t fastrand(M* mp) {
  // wyrand (Go 1.19 uses it on 64-bit platforms).
  mp->fastrand += 0xa0761d6478bd642full;
  const __uint128_t r = __uint128_t(mp->fastrand) * (mp->fastrand ^ 0xe7037ed1a0b428dbull);
  return std::uint32_t(std::uint64_t(r >> 64) ^ std::uint64_t(r));
}

namespace {
std::uint32_t gcd(std::uint32_t a, std::uint32_t b) {
  while (b != 0) {
    const std::uint32_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}
}  // namespace

void RandomOrder::reset(std::uint32_t n) {
  count = n;
  ncoprimes = 0;
  for (std::uint32_t i = 1; i <= n; i++) {
    if (gcd(i, n) == 1) coprimes[ncoprimes++] = i;
  }
}

// ---- P ownership ------------------------------------------------------------------------------

void setpstatus(P* pp, std::uint32_t to) {
  [[maybe_unused]] const std::uint32_t from = pp->status.load(platform::relaxed);
  // release: a thread that acquires the status (a CAS in exitsyscall, retake, stopTheWorld)
  // sees what the owner did before changing it.
  pp->status.store(to, platform::release);
  TS_TRACE(EvKind::PStatus, pp->id, -1, 0, from, to);
}

void acquirep(P* pp) {
  M* mp = getm();
  if (mp->p != nullptr || pp->m.load(platform::relaxed) != nullptr ||
      pp->status.load(platform::acquire) != Pidle) {
    throw_(std::string("wirep: invalid p state (p ") + std::to_string(pp->id) + " " +
           pstatus_name(pp->status.load(platform::relaxed)) + ")");
  }
  mp->p = pp;
  // release: pairs with preemptone's acquire load (sysmon), which then reads mp->curg; the M
  // object's initialisation must be visible to it.
  pp->m.store(mp, platform::release);
  setpstatus(pp, Prunning);
}

P* releasep() {
  M* mp = getm();
  P* pp = mp->p;
  if (pp == nullptr) throw_("releasep: m has no p");
  if (pp->m.load(platform::relaxed) != mp || pp->status.load(platform::relaxed) != Prunning) {
    throw_(std::string("releasep: invalid p state (p ") + std::to_string(pp->id) + " " +
           pstatus_name(pp->status.load(platform::relaxed)) + ")");
  }
  mp->p = nullptr;
  pp->m.store(nullptr, platform::relaxed);
  setpstatus(pp, Pidle);
  return pp;
}

void pidleput(P* pp) {  // sched.lock
  sched.lock.assert_held("pidleput: sched.lock not held");
  if (!runqempty(pp)) throw_("pidleput: P has non-empty run queue");
  pp->link = sched.pidle;
  sched.pidle = pp;
  // seq_cst: part of the wakeup protocol; the giving-up M's increment must be ordered before
  // its nmspinning decrement and re-check (see the file comment).
  sched.npidle.fetch_add(1, platform::seq_cst);
}

P* pidleget() {  // sched.lock
  sched.lock.assert_held("pidleget: sched.lock not held");
  P* pp = sched.pidle;
  if (pp != nullptr) {
    sched.pidle = pp->link;
    sched.npidle.fetch_sub(1, platform::seq_cst);
  }
  return pp;
}

// wakep: try to add one more spinning M to run Gs (called after a G became runnable).
void wakep() {
  // StoreLoad: the caller published a G; order that publication before our loads of npidle and
  // nmspinning. Pairs with the fence in findRunnable's give-up path (the delicate dance).
  platform::fence(platform::seq_cst);
  const std::int32_t npidle = sched.npidle.load(platform::relaxed);
  if (npidle == 0) {
    TS_TRACE(EvKind::Wakep, -1, -1, 0, 0, 0, 0);
    return;
  }
  // Be conservative about spinning threads: only one waker starts one.
  if (sched.nmspinning.load(platform::relaxed) != 0 ||
      !sched.nmspinning.cas_from(0, 1, platform::seq_cst, platform::relaxed)) {
    TS_TRACE(EvKind::Wakep, -1, -1, 0, 1, 0, npidle);
    return;
  }
  TS_TRACE(EvKind::Wakep, -1, -1, 0, 2, 0, npidle);
  startm(nullptr, true);
}

// startm schedules some M to run pp (or an idle P if pp is null). If spinning, the caller
// already incremented nmspinning on the new M's behalf.
void startm(P* pp, bool spinning) {
  sched.lock.lock();
  if (pp == nullptr) {
    pp = pidleget();
    if (pp == nullptr) {
      sched.lock.unlock();
      if (spinning) {
        // The caller incremented nmspinning, but there is no idle P: undo and give up.
        if (sched.nmspinning.fetch_sub(1, platform::seq_cst) - 1 < 0) throw_("startm: negative nmspinning");
      }
      return;
    }
  }
  if (sched.exiting.load(platform::relaxed)) {
    // Shutting down: do not start Ms. Park the P (its queue may be non-empty; nobody runs it).
    pp->link = sched.pidle;
    sched.pidle = pp;
    sched.npidle.fetch_add(1, platform::seq_cst);
    sched.lock.unlock();
    if (spinning) sched.nmspinning.fetch_sub(1, platform::seq_cst);
    return;
  }
  M* nmp = mget();
  sched.lock.unlock();
  if (nmp == nullptr) {
    newm(pp, spinning);
    return;
  }
  if (nmp->spinning) throw_("startm: m is spinning");
  if (nmp->nextp != nullptr) throw_("startm: m has p");
  if (spinning && !runqempty(pp)) throw_("startm: p has runnable gs");
  nmp->spinning = spinning;
  nmp->nextp = pp;
  TS_TRACE(EvKind::MStart, pp->id, -1, 0, 0, 0, nmp->id);
  nmp->park.wakeup();  // release: nextp and spinning are visible to the woken M
}

// handoffp hands off pp (held by the caller, Pidle) from a syscall or a locked M.
void handoffp(P* pp) {
  // If it has local work, start it straight away.
  if (!runqempty(pp) || sched.runqsize.load(platform::relaxed) != 0) {
    startm(pp, false);
    return;
  }
  // No local work: if no M is spinning and no P is idle, our help may be needed.
  if (sched.nmspinning.load(platform::relaxed) + sched.npidle.load(platform::relaxed) == 0 &&
      sched.nmspinning.cas_from(0, 1, platform::seq_cst, platform::relaxed)) {
    startm(pp, true);
    return;
  }
  sched.lock.lock();
  if (sched.gcwaiting.load(platform::relaxed)) {
    setpstatus(pp, Pgcstop);
    if (--sched.stopwait == 0) sched.stopnote.wakeup();
    sched.lock.unlock();
    return;
  }
  if (sched.runqsize.load(platform::relaxed) != 0) {
    sched.lock.unlock();
    startm(pp, false);
    return;
  }
  pidleput(pp);
  sched.lock.unlock();
}

void incidlelocked(std::int32_t v) {
  sched.lock.lock();
  nmidlelocked += v;
  if (v > 0) checkdead();
  sched.lock.unlock();
}

// ---- goroutine operations (called on a G stack) ----------------------------------------------

G* newproc(void (*construct)(void*, void*), void* src, void (*entry)(void*), void (*destroy)(void*)) {
  // A safe point, like the prologue of Go's newproc: a G preempted here yields *before* its
  // successor exists, which is what breaks a chain of Gs that each spawn the next and exit
  // (each successor runs from runnext with the same time slice, so only preemption stops it).
  preempt_check();
  G* gp = getg();
  P* pp = gp->m->p;
  G* newg = newg_alloc(pp);
  newproc1(newg, construct, src, entry, destroy, gp->goid);
  runqput(pp, newg, true);
  wakep();
  return newg;
}

void goexit1() {
  G* gp = getg();
  gp->dying = true;
  mcall_next(goexit0);
  __builtin_unreachable();
}

void gosched() { mcall_next(gosched_m); }

void goyield() { mcall_next(goyield_m); }

void preempt_check() {
  G* gp = getg();
  if (__builtin_expect(gp->preempt.load(platform::relaxed), 0)) {
    gp->preempt.store(false, platform::relaxed);
    mcall_next(gosched_m);  // Go's gopreempt_m is goschedImpl
  }
}

void gopark(bool (*unlockf)(G*, void*), void* lock, WaitReason reason) {
  G* gp = getg();
  M* mp = gp->m;
  const std::uint32_t s = readgstatus(gp);
  if (s != Grunning) throw_(std::string("gopark: bad g status ") + gstatus_name(s));
  mp->waitlock = lock;
  mp->waitunlockf = unlockf;
  gp->waitreason = reason;
  TS_TRACE_G(gp, EvKind::Park, mp->p->id, std::uint32_t(reason), 0, 0);
  mcall_next(park_m);
}

// goready (Go's ready): Gwaiting -> Grunnable, to the current P's runnext, and wake a P.
void goready(G* gp) {
  M* mp = getm();
  G* readier = mp->curg.load(platform::relaxed);
  TS_TRACE_G(gp, EvKind::Ready, mp->p->id, 0, 0, readier != nullptr ? readier->goid : 0);
  casgstatus(gp, Gwaiting, Grunnable);
  runqput(mp->p, gp, true);
  wakep();
}

void entersyscall() {
  G* gp = getg();
  M* mp = gp->m;
  P* pp = mp->p;
  pp->syscalltick.store(pp->syscalltick.load(platform::relaxed) + 1, platform::relaxed);
  pp->syscallwhen.store(platform::nanotime(), platform::relaxed);
  TS_TRACE_G(gp, EvKind::SyscallEnter, pp->id, 0, 0, 0);
  casgstatus(gp, Grunning, Gsyscall);
  pp->m.store(nullptr, platform::relaxed);
  mp->oldp = pp;
  mp->p = nullptr;
  // seq_cst store of Psyscall then seq_cst load of gcwaiting: the Dekker pair with
  // stopTheWorldWithSema (seq_cst store of gcwaiting, then a CAS of each P's status). Either
  // the stopper sees Psyscall and takes the P, or we see gcwaiting and give the P to it.
  // The release half also publishes our writes to whoever takes the P by CAS.
  [[maybe_unused]] const std::uint32_t from = pp->status.load(platform::relaxed);
  pp->status.store(Psyscall, platform::seq_cst);
  TS_TRACE(EvKind::PStatus, pp->id, mp->id, 0, from, Psyscall);
  if (sched.gcwaiting.load(platform::seq_cst)) {
    sched.lock.lock();
    std::uint32_t expected = Psyscall;
    if (sched.stopwait > 0 && pp->status.cas(expected, Pgcstop, platform::acq_rel, platform::relaxed)) {
      TS_TRACE(EvKind::PStatus, pp->id, mp->id, 0, Psyscall, Pgcstop);
      pp->syscalltick.store(pp->syscalltick.load(platform::relaxed) + 1, platform::relaxed);
      if (--sched.stopwait == 0) sched.stopnote.wakeup();
    }
    sched.lock.unlock();
  }
}

// entersyscallblock: for a call known to block: hand the P off immediately.
void entersyscallblock() {
  G* gp = getg();
  M* mp = gp->m;
  P* pp = mp->p;
  pp->syscalltick.store(pp->syscalltick.load(platform::relaxed) + 1, platform::relaxed);
  TS_TRACE_G(gp, EvKind::SyscallEnter, pp->id, 1, 0, 0);
  casgstatus(gp, Grunning, Gsyscall);
  handoffp(releasep());
}

void exitsyscall() {
  G* gp = getg();
  M* mp = gp->m;
  P* oldp = mp->oldp;
  mp->oldp = nullptr;
  // Fast path 1: win our old P back. acquire pairs with the release store of Psyscall.
  if (oldp != nullptr && oldp->status.load(platform::relaxed) == Psyscall &&
      oldp->status.cas_from(Psyscall, Pidle, platform::acq_rel, platform::relaxed)) {
    TS_TRACE(EvKind::PStatus, oldp->id, mp->id, 0, Psyscall, Pidle);
    acquirep(oldp);
    casgstatus(gp, Gsyscall, Grunning);
    oldp->syscalltick.store(oldp->syscalltick.load(platform::relaxed) + 1, platform::relaxed);
    TS_TRACE_G(gp, EvKind::SyscallExit, oldp->id, 1, 0, 0);
    return;
  }
  // Fast path 2: any idle P.
  if (sched.npidle.load(platform::relaxed) > 0) {
    sched.lock.lock();
    P* pp = pidleget();
    if (pp != nullptr && sched.sysmonwait) sysmon_wake_locked();
    sched.lock.unlock();
    if (pp != nullptr) {
      acquirep(pp);
      casgstatus(gp, Gsyscall, Grunning);
      TS_TRACE_G(gp, EvKind::SyscallExit, pp->id, 1, 0, 0);
      return;
    }
  }
  // Slow path, on g0: queue the G and park the M.
  TS_TRACE_G(gp, EvKind::SyscallExit, -1, 0, 0, 0);
  mcall_next(exitsyscall0);
}

// ---- preemption ---------------------------------------------------------------------------

void preemptone(P* pp, std::uint32_t why) {
  M* mp = pp->m.load(platform::acquire);  // pairs with acquirep's release store
  if (mp == nullptr) return;
  G* gp = mp->curg.load(platform::acquire);  // pairs with execute's release store
  if (gp == nullptr) return;
  // relaxed: a request, not a hand-off. A stale target (gp already switched out) costs at
  // most one extra yield; a lost request is retried (stopTheWorld re-preempts every 100µs,
  // sysmon on its next tick).
  gp->preempt.store(true, platform::relaxed);
  // The G is named in n, not g: the requester does not hold it, so it may not draw its gseq.
  TS_TRACE(EvKind::PreemptRequest, pp->id, -1, 0, why, 0, gp->goid);
}

void preemptall(std::uint32_t why) {
  const std::int32_t n = gomaxprocs.load(platform::relaxed);
  for (std::int32_t i = 0; i < n; i++) {
    P* pp = allp[i].load(platform::acquire);
    if (pp->status.load(platform::relaxed) == Prunning) preemptone(pp, why);
  }
}

// ---- stop the world ---------------------------------------------------------------------------

namespace {

void stopTheWorldWithSema() {
  G* gp = getg();
  P* mypp = gp->m->p;
  sched.lock.lock();
  TS_TRACE_G(gp, EvKind::StwBegin, mypp->id, 0, 0, 0);
  sched.stopwait = gomaxprocs.load(platform::relaxed);
  // seq_cst: the Dekker pair with entersyscall (see there).
  sched.gcwaiting.store(true, platform::seq_cst);
  preemptall(2);
  // Stop the current P. The stopper itself must not act on the request it just posted to its
  // own G (Go sets m.preemptoff): later re-preempts only target Prunning Ps.
  setpstatus(mypp, Pgcstop);
  gp->preempt.store(false, platform::relaxed);
  sched.stopwait--;
  // Take every P in a syscall. acquire pairs with entersyscall's release store of Psyscall.
  const std::int32_t n = gomaxprocs.load(platform::relaxed);
  for (std::int32_t i = 0; i < n; i++) {
    P* pp = allp[i].load(platform::acquire);
    std::uint32_t s = pp->status.load(platform::seq_cst);
    if (s == Psyscall && pp->status.cas(s, Pgcstop, platform::seq_cst, platform::relaxed)) {
      TS_TRACE(EvKind::PStatus, pp->id, gp->m->id, 0, Psyscall, Pgcstop);
      pp->syscalltick.store(pp->syscalltick.load(platform::relaxed) + 1, platform::relaxed);
      sched.stopwait--;
    }
  }
  // Stop idle Ps.
  while (P* pp = pidleget()) {
    setpstatus(pp, Pgcstop);
    sched.stopwait--;
  }
  const bool wait = sched.stopwait > 0;
  sched.lock.unlock();
  // Wait for the running Ps to stop themselves (gcstopm, handoffp).
  if (wait) {
    for (;;) {
      if (sched.stopnote.tsleep(100 * 1000)) {
        sched.stopnote.clear();
        break;
      }
      preemptall(2);  // requests can be lost: a G may have switched in after preemptall
    }
  }
  sched.lock.lock();
  std::string bad;
  if (sched.stopwait != 0) {
    bad = "stopTheWorld: not stopped (stopwait != 0)";
  } else {
    for (std::int32_t i = 0; i < n; i++) {
      if (allp[i].load(platform::relaxed)->status.load(platform::acquire) != Pgcstop) {
        bad = "stopTheWorld: not stopped (status != Pgcstop)";
      }
    }
  }
  if (bad.empty()) TS_TRACE_G(gp, EvKind::StwBegin, mypp->id, 1, 0, 0);
  sched.lock.unlock();
  if (!bad.empty()) throw_(bad);
}

void pinit(P* pp, std::int32_t id) {
  pp->id = id;
  for (auto& c : pp->stackcachecnt) c = 0;
}

// P.destroy: move its Gs to the global queue (preserving order), free its caches.
void pdestroy(P* pp) {  // sched.lock held, world stopped
  while (runqlen(pp) > 0) {
    const std::uint32_t t = pp->runqtail.load(platform::relaxed) - 1;
    G* gp = pp->runq[t % kRunqSize].load(platform::relaxed);
    pp->runqtail.store(t, platform::release);
    TS_TRACE_G(gp, EvKind::RunqDrain, pp->id, 0, 0, 0);
    globrunqputhead(gp);
  }
  if (G* next = pp->runnext.exchange(nullptr, platform::acq_rel)) {
    TS_TRACE_G(next, EvKind::RunqDrain, pp->id, 1, 0, 0);
    globrunqputhead(next);
  }
  while (pp->gfree != nullptr) {
    G* g = pp->gfree;
    pp->gfree = g->schedlink;
    pp->gfreecnt--;
    g->schedlink = sched.gfree;
    sched.gfree = g;
    sched.gfreecnt.store(sched.gfreecnt.load(platform::relaxed) + 1, platform::relaxed);
  }
  stackcache_clear(pp);
  setpstatus(pp, Pdead);
}

// procresize changes the number of Ps to nprocs. sched.lock held; the world is stopped, or the
// runtime is starting (no M yet: mp == null). Returns the Ps with local work (linked, each
// with an M in p.m to hand it to, or null p.m if a new M must be started).
P* procresize(std::int32_t nprocs, M* mp) {
  const std::int32_t old = gomaxprocs.load(platform::relaxed);
  if (nprocs <= 0 || nprocs > kMaxProcs) throw_("procresize: invalid arg");
  TS_TRACE(EvKind::Procs, -1, midof(mp), 0, std::uint32_t(old), std::uint32_t(nprocs));
  allpLock.lock();
  for (std::int32_t i = old; i < nprocs; i++) {
    P* pp = allp[i].load(platform::relaxed);
    if (pp == nullptr) {
      pp = new P();
      pinit(pp, i);
      allp[i].store(pp, platform::release);
    }
    setpstatus(pp, Pgcstop);
  }
  allpLock.unlock();
  if (mp != nullptr) {
    if (mp->p != nullptr && mp->p->id < nprocs) {
      setpstatus(mp->p, Prunning);  // continue to use the current P
    } else {
      // Release the current P and acquire allp[0].
      if (mp->p != nullptr) mp->p->m.store(nullptr, platform::relaxed);
      mp->p = nullptr;
      P* pp = allp[0].load(platform::relaxed);
      pp->m.store(nullptr, platform::relaxed);
      setpstatus(pp, Pidle);
      acquirep(pp);
    }
  }
  for (std::int32_t i = nprocs; i < old; i++) pdestroy(allp[i].load(platform::relaxed));
  P* runnablePs = nullptr;
  for (std::int32_t i = nprocs - 1; i >= 0; i--) {
    P* pp = allp[i].load(platform::relaxed);
    if (mp != nullptr && mp->p == pp) continue;
    setpstatus(pp, Pidle);
    if (runqempty(pp)) {
      pidleput(pp);
    } else {
      pp->m.store(mget(), platform::relaxed);
      pp->link = runnablePs;
      runnablePs = pp;
    }
  }
  stealOrder.reset(std::uint32_t(nprocs));
  gomaxprocs.store(nprocs, platform::release);
  return runnablePs;
}

// Goroutine-level lock serialising stop-the-world (Go's worldsema).
Mutex worldsema_lock;
bool worldsema_held = false;
struct WorldWaiter {
  G* g;
  WorldWaiter* next;
};
WorldWaiter* worldsema_waiters = nullptr;

bool unlock_worldsema(G*, void*) {
  worldsema_lock.unlock();
  return true;
}

void worldsema_acquire() {
  G* gp = getg();
  worldsema_lock.lock();
  if (!worldsema_held) {
    worldsema_held = true;
    worldsema_lock.unlock();
    return;
  }
  WorldWaiter w{gp, nullptr};
  WorldWaiter** tail = &worldsema_waiters;
  while (*tail != nullptr) tail = &(*tail)->next;
  *tail = &w;
  gopark(unlock_worldsema, nullptr, WaitReason::StopTheWorld);
  // Ownership was handed to us by worldsema_release.
}

void worldsema_release() {
  worldsema_lock.lock();
  WorldWaiter* w = worldsema_waiters;
  if (w == nullptr) {
    worldsema_held = false;
    worldsema_lock.unlock();
    return;
  }
  worldsema_waiters = w->next;
  G* g = w->g;
  worldsema_lock.unlock();
  goready(g);
}

std::int32_t newprocs = 0;

}  // namespace

void proc_reset_globals() {
  sched.~Sched();
  new (&sched) Sched();
  new (&allglock) Mutex();
  new (&allpLock) Mutex();
  new (&worldsema_lock) Mutex();
  worldsema_held = false;
  worldsema_waiters = nullptr;
  newprocs = 0;
  nmidlelocked = 0;
  allgs = nullptr;
}

void stopTheWorld(const char* /*reason*/) {
  worldsema_acquire();
  // Go marks the caller Gwaiting while it stops the world (so a GC could scan it) and back.
  G* gp = getg();
  casgstatus(gp, Grunning, Gwaiting);
  gp->waitreason = WaitReason::StopTheWorld;
  stopTheWorldWithSema();
  casgstatus(gp, Gwaiting, Grunning);
}

void startTheWorld() {
  M* mp = getg()->m;
  sched.lock.lock();
  std::int32_t procs = gomaxprocs.load(platform::relaxed);
  if (newprocs != 0) {
    procs = newprocs;
    newprocs = 0;
  }
  P* p1 = procresize(procs, mp);
  sched.gcwaiting.store(false, platform::seq_cst);
  // Under sched.lock: no M can acquire one of the Ps procresize just made idle before this.
  TS_TRACE_G(getg(), EvKind::StwEnd, mp->p->id, std::uint32_t(procs), 0, 0);
  if (sched.sysmonwait) sysmon_wake_locked();
  sched.lock.unlock();
  while (p1 != nullptr) {
    P* pp = p1;
    p1 = p1->link;
    M* nmp = pp->m.load(platform::relaxed);
    if (nmp != nullptr) {
      pp->m.store(nullptr, platform::relaxed);
      if (nmp->nextp != nullptr) throw_("startTheWorld: inconsistent mp->nextp");
      nmp->nextp = pp;
      TS_TRACE(EvKind::MStart, pp->id, -1, 0, 0, 0, nmp->id);
      nmp->park.wakeup();
    } else {
      newm(pp, false);
    }
  }
  // Wake an additional proc in case there are excess runnable goroutines.
  wakep();
  worldsema_release();
}

std::int32_t setgomaxprocs(std::int32_t n) {
  const std::int32_t ret = gomaxprocs.load(platform::relaxed);
  if (n <= 0 || n == ret) return ret;
  if (n > kMaxProcs) n = kMaxProcs;
  stopTheWorld("GOMAXPROCS");
  newprocs = n;
  startTheWorld();
  return ret;
}

// ---- runtime lifetime -----------------------------------------------------------------------

G* allocg_for_main(void (*construct)(void*, void*), void* src, void (*entry)(void*), void (*destroy)(void*)) {
  G* gp = newg_alloc(nullptr);
  newproc1(gp, construct, src, entry, destroy, 0);
  gp->mainG = true;
  return gp;
}

void runtime_start(std::int32_t procs, G* maing) {
  sched.lock.lock();
  procresize(procs, nullptr);
  // Hand the main goroutine to the first idle P and start an M for it.
  P* pp = pidleget();
  runqput(pp, maing, true);
  sched.lock.unlock();
  if (settings.sysmon) sysmon_start();
  newm(pp, false);
}

void runtime_wait_and_shutdown() {
  sched.maindone.sleep();
  // The main goroutine set sched.exiting. Wake every parked M (they see exiting and leave),
  // ask running Gs to reach a safe point, stop sysmon, and join every thread.
  // Until every M has left: wake the parked ones (nextp == null: exit) and ask the running Gs
  // to reach a safe point. The request is repeated because it can be lost (a G switched in
  // after it, or one that was in a syscall and won its P back on the fast path).
  for (;;) {
    sched.lock.lock();
    while (M* mp = mget()) mp->park.wakeup();
    const bool alive = sched.mnext - sched.nmfreed > 0;
    sched.lock.unlock();
    if (!alive) break;
    preemptall(2);
    platform::usleep(50);
  }
  if (settings.sysmon) sysmon_stop();
  for (;;) {
    // Ms may still be created while others stop (startm refuses once exiting is set, but one
    // may be mid-creation): join until a pass finds no unjoined M.
    std::vector<M*> toJoin;
    sched.lock.lock();
    for (M* mp = sched.allm; mp != nullptr; mp = mp->alllink) {
      if (mp->threadStarted && !mp->threadJoined) toJoin.push_back(mp);
    }
    sched.lock.unlock();
    if (toJoin.empty()) break;
    for (M* mp : toJoin) {
      mp->thread.join();
      mp->threadJoined = true;  // host only
    }
  }
}

}  // namespace touchstone::runtime
