// runtime/proc.h — the scheduler's internal interface, shared by the runtime's .cc files and
// the tests (through export_test.h). Not part of the public API (runtime/touchstone.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/runtime2.h"

namespace touchstone::runtime {

// Settings of the running runtime (from touchstone::Config).
struct RuntimeSettings {
  std::size_t stack_size = 0;
  bool sysmon = true;
  std::uint64_t seed = 0;
  std::int64_t force_preempt_ns = 10 * 1000 * 1000;  // Go's forcePreemptNS
};

extern Sched sched;
extern RuntimeSettings settings;
// allp[0, gomaxprocs) are the live Ps. The array never moves and Ps are never freed while the
// runtime runs, so a thief or sysmon may read a snapshot of gomaxprocs and index allp without
// a lock: a P beyond the current gomaxprocs is Pdead with empty queues.
extern Atomic<P*> allp[kMaxProcs];
extern Atomic<std::int32_t> gomaxprocs;
extern Mutex allglock;
extern G* allgs;            // allglock
extern Mutex allpLock;      // held by procresize while it changes allp; by sysmon's retake

// ---- run queues (runq.cc) --------------------------------------------------------------------
void runqput(P* pp, G* gp, bool next);
bool runqputslow(P* pp, G* gp, std::uint32_t h, std::uint32_t t);
void runqputbatch(P* pp, G** batch, std::uint32_t n);
G* runqget(P* pp, bool* inheritTime);
G* runqsteal(P* pp, P* p2, bool stealRunNextG);
std::uint32_t runqgrab(P* pp, Atomic<G*>* batch, std::uint32_t batchHead, bool stealRunNextG);
bool runqempty(P* pp);
std::uint32_t runqlen(P* pp);
void globrunqput(G* gp);       // sched.lock held
void globrunqputhead(G* gp);   // sched.lock held
void globrunqputbatch(G* head, G* tail, std::int32_t n);  // sched.lock held
G* globrunqget(P* pp, std::int32_t max);                    // sched.lock held

// ---- scheduler (proc.cc) ---------------------------------------------------------------------
G* newproc(void (*construct)(void* buf, void* src), void* src, void (*entry)(void*),
           void (*destroy)(void*));
[[noreturn]] void goexit1();
void gosched();
void goyield();
void preempt_check();
void gopark(bool (*unlockf)(G*, void*), void* lock, WaitReason reason);
void goready(G* gp);
void entersyscall();
void entersyscallblock();
void exitsyscall();
void wakep();
void startm(P* pp, bool spinning);
void handoffp(P* pp);
void acquirep(P* pp);
P* releasep();
void pidleput(P* pp);  // sched.lock held
P* pidleget();          // sched.lock held
void stopTheWorld(const char* reason);
void startTheWorld();
std::int32_t setgomaxprocs(std::int32_t n);
void preemptone(P* pp, std::uint32_t why);
void preemptall(std::uint32_t why);
void incidlelocked(std::int32_t v);
void setpstatus(P* pp, std::uint32_t to);  // owner store of a P status, with its trace event

// Steal order: a random start and a random stride coprime with the number of Ps, so each
// enumeration visits every P exactly once (Go's randomOrder).
struct RandomOrder {
  std::uint32_t count = 0;
  std::uint32_t coprimes[kMaxProcs] = {};
  std::uint32_t ncoprimes = 0;
  void reset(std::uint32_t n);
  struct Enum {
    std::uint32_t i, count, pos, inc;
    bool done() const { return i == count; }
    void next() {
      i++;
      pos = (pos + inc) % count;
    }
    std::uint32_t position() const { return pos; }
  };
  Enum start(std::uint32_t r) const {
    return Enum{0, count, r % count, coprimes[r / count % ncoprimes]};
  }
};
std::uint32_t fastrand(M* mp);

// ---- runtime lifetime (proc.cc) -------------------------------------------------------------
void runtime_start(std::int32_t procs, G* maing);
void runtime_wait_and_shutdown();
G* allocg_for_main(void (*construct)(void*, void*), void* src, void (*entry)(void*),
                   void (*destroy)(void*));

// Re-initialise every global of the runtime (locks included) before a run. After a simulated
// run that failed, the previous run's state is abandoned mid-flight: nothing may be assumed.
void proc_reset_globals();
void stack_reset_globals();
void sysmon_reset_globals();
// Frees every G, M and P of a finished or abandoned run (no locks taken: no thread runs).
void runtime_free_all();
void runtime_abandon();

// ---- stacks (stack.cc) -----------------------------------------------------------------------
Stack stackalloc(std::size_t n);
void stackfree(Stack s);
void stackcache_clear(P* pp);
void stackpool_release_all();
std::size_t default_stack_size();

// ---- sysmon (sysmon.cc) ---------------------------------------------------------------------
void sysmon_start();
void sysmon_stop();
std::uint32_t retake(std::int64_t now);
void sysmon_wake_locked();  // sched.lock held

}  // namespace touchstone::runtime
