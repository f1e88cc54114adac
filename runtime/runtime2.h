// runtime/runtime2.h — the data-structure hub of the reference runtime (Go's runtime2.go).
//
// G is a goroutine, M an OS thread ("machine"), P a processor: the right to run Go code, with
// its own run queue. An M must hold a P to run a G; there are exactly gomaxprocs Ps. Every state
// constant below says who owns what in that state: that ownership is what the scheduler's
// correctness rests on, and what the conformance checker (docs/spec/) holds the runtime to.
//
// Field access rules. A field is either
//   - Atomic<>: read by other threads without a lock; the comment names the writer(s);
//   - "owner": touched only by the thread that owns the object at the time (the G's M, the P's M,
//     the M's own thread);
//   - "sched.lock": protected by the scheduler lock.
// Nothing else is shared. Hand-offs of ownership (a G put on a run queue and taken by another
// M) are synchronised by the queue's release/acquire pairs, which makes the owner fields
// written before the hand-off visible after it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "platform/platform.h"
#include "runtime/arch/context.h"
#include "runtime/lock_futex.h"

namespace touchstone::runtime {

using platform::Atomic;

struct G;
struct M;
struct P;
struct Sudog;

// ---- G status (g.atomicstatus) ---------------------------------------------------------------
// The legal transitions between these states are a table in gstatus.cc, the single source of
// truth used by casgstatus here and by the conformance checker.
inline constexpr std::uint32_t Gidle = 0;  // just allocated, not yet initialised. Owner: the
                                           // allocating M. Stack: none yet.
inline constexpr std::uint32_t Grunnable = 1;  // on a run queue (or "in hand" of exactly one M
                                               // between dequeue and execute); not running user
                                               // code. Stack: not owned by anyone running on it.
inline constexpr std::uint32_t Grunning = 2;   // executing on an M with a P (g.m, m.curg set).
                                               // Stack: owned by the G. Not on any run queue.
inline constexpr std::uint32_t Gsyscall = 3;   // in a system call: has an M, its P may be
                                               // retaken. Stack: owned by the G. Not queued.
inline constexpr std::uint32_t Gwaiting = 4;   // parked in the runtime (channel, sema); recorded
                                               // in some wait queue whose lock protects it.
                                               // Stack: not owned; a channel op under the
                                               // channel lock may copy into its sudog's elem.
inline constexpr std::uint32_t Gdead = 6;      // exited or not yet started; on a free list or
                                               // being initialised. Owner: the M holding it.
inline constexpr std::uint32_t Gcopystack = 8;  // stack being moved (stack-growth issue).
inline constexpr std::uint32_t Gpreempted = 9;  // stopped for suspendG (GC issue).
inline constexpr std::uint32_t kGStatusCount = 10;

const char* gstatus_name(std::uint32_t s);

// Why a G is parked (Go's waitReason).
enum class WaitReason : std::uint8_t {
  None,
  ChanSend,
  ChanReceive,
  ChanSendNilChan,
  ChanReceiveNilChan,
  SemAcquire,
  WaitGroupWait,
  StopTheWorld,
  Exiting,
};
const char* waitreason_name(WaitReason r);

// ---- P status (p.status) ---------------------------------------------------------------------
inline constexpr std::uint32_t Pidle = 0;     // on sched.pidle (or transiently held by whoever
                                              // is moving it). Run queue empty.
inline constexpr std::uint32_t Prunning = 1;  // owned by p.m; only that M changes it.
inline constexpr std::uint32_t Psyscall = 2;  // its M is in a syscall and has affinity but not
                                              // ownership: anyone may take it by CAS.
inline constexpr std::uint32_t Pgcstop = 3;   // halted for stop-the-world; owned by the stopper.
                                              // Keeps its run queue.
inline constexpr std::uint32_t Pdead = 4;     // beyond gomaxprocs; queues empty; reusable.

const char* pstatus_name(std::uint32_t s);

inline constexpr std::size_t kRunqSize = 256;     // per-P ring capacity (Go: len(p.runq))
inline constexpr int kMaxProcs = 256;              // upper bound on gomaxprocs
inline constexpr std::size_t kClosureBytes = 64;   // goroutine closures up to this size live in the G
inline constexpr int kStackCacheClasses = 8;       // stack size classes: 16 KiB << class
inline constexpr int kStackCacheSize = 16;         // stacks cached per P per class

struct Stack {
  char* lo = nullptr;  // lowest usable address (a guard page lies below)
  char* hi = nullptr;  // one past the highest address
  std::size_t size() const { return std::size_t(hi - lo); }
};

// A G: the goroutine.
struct G {
  arch::Gobuf sched;                 // owner: saved context while not running
  Stack stack;                       // owner
  Atomic<std::uint32_t> atomicstatus{Gidle};  // read by anyone; changed only via casgstatus
  std::int64_t goid = 0;             // set once by newproc under no contention
  // The gseq of this G's last trace event (runtime/trace.h). Owner: the M holding the G — the
  // run queues' release/acquire pairs and the locks that order every hand-off of the G order
  // this counter too. A plain integer on purpose: a platform atomic would be a scheduling
  // point in the simulator, between an event's linearization point and its emission.
  std::uint64_t traceseq = 0;
  M* m = nullptr;                    // owner: the M running it (Grunning/Gsyscall), else null
  G* schedlink = nullptr;            // sched.lock or owner: global queue / free-list link
  // Preemption request. Written by sysmon and stopTheWorld (relaxed: a hint; the G acts on it
  // at its next safe point, and a lost request is retried by the requester). Read by the G.
  Atomic<bool> preempt{false};
  WaitReason waitreason = WaitReason::None;  // owner (set before parking)
  void* param = nullptr;             // wake-up parameter (Go's g.param): the sudog that woke us
  bool mainG = false;                // the program's main goroutine
  bool dying = false;                // owner: set by goexit before its last switch
  // Entry: entry(closure) runs the goroutine body. The closure lives inline (kClosureBytes)
  // or boxed on the heap by the public API.
  void (*entry)(void*) = nullptr;
  void (*closure_destroy)(void*) = nullptr;  // destroys a closure that never ran to completion
  alignas(16) unsigned char closure[kClosureBytes];
  // Sanitizer bookkeeping (runtime/gogo.cc); null in plain builds.
  void* asan_fake_stack = nullptr;
  void* tsan_fiber = nullptr;
  G* alllink = nullptr;              // allglock: list of every G ever allocated
};

// What g0 runs next after an mcall function: a G to execute right away (Go's park_m and
// exitsyscall0 call execute directly), or none (schedule as usual).
struct MNext {
  G* g = nullptr;
  bool inheritTime = false;
};

// An M: an OS thread.
struct M {
  std::int64_t id = 0;
  G* g0 = nullptr;                   // the scheduling stack (the thread's own stack)
  Atomic<G*> curg{nullptr};          // the user G it runs; written by the M, read by sysmon
  P* p = nullptr;                    // owner: attached P (null when idle or in a syscall)
  P* nextp = nullptr;                // set by the waker before notewakeup(&park) (sched.lock)
  P* oldp = nullptr;                 // owner: the P it had before a syscall
  bool spinning = false;             // owner: looking for work to steal (see nmspinning)
  bool exiting = false;              // owner: leave the scheduling loop
  Note park;                         // stopm sleeps here
  M* schedlink = nullptr;            // sched.lock: idle M list
  M* alllink = nullptr;              // sched.lock: all Ms
  std::uint64_t fastrand = 0;        // owner: wyrand state
  // mcall: the function g0 runs on behalf of the G that switched to it.
  MNext (*mcallfn)(G*) = nullptr;
  G* mcallg = nullptr;
  // gopark's unlock function and its argument, run on g0 after the G is off its stack.
  bool (*waitunlockf)(G*, void*) = nullptr;
  void* waitlock = nullptr;
  platform::Thread thread;
  bool threadStarted = false;        // sched.lock: thread.start returned
  bool threadJoined = false;         // the host thread only (shutdown)
  void* g0_stack_lo = nullptr;       // the OS thread stack (for sanitizer fiber bookkeeping)
  std::size_t g0_stack_size = 0;
};

// Sysmon's private view of a P (Go's sysmontick).
struct SysmonTick {
  std::uint32_t schedtick = 0;
  std::int64_t schedwhen = 0;
  std::uint32_t syscalltick = 0;
  std::int64_t syscallwhen = 0;
};

// A P: the right to run goroutines, with a run queue.
struct P {
  std::int32_t id = 0;
  Atomic<std::uint32_t> status{Pgcstop};  // see the P status constants
  P* link = nullptr;                 // sched.lock: idle P list
  Atomic<M*> m{nullptr};             // the M running it; written by that M / under sched.lock;
                                     // read by sysmon (preemptone)
  // Incremented on every scheduler call (schedtick) and syscall (syscalltick) by the P's
  // owner; read by sysmon to notice a G running or a syscall blocking for too long.
  Atomic<std::uint32_t> schedtick{0};
  Atomic<std::uint32_t> syscalltick{0};
  Atomic<std::int64_t> syscallwhen{0};  // when the current syscall started; for sysmon
  SysmonTick sysmontick;             // sysmon only

  // The run queue. head is advanced by the owner and by thieves (CAS); tail and runnext are
  // published only by the owner (thieves may CAS runnext to null). Both counters run free;
  // tail - head is in [0, kRunqSize]. See runq.cc for the orders and what they pair with.
  Atomic<std::uint32_t> runqhead{0};
  Atomic<std::uint32_t> runqtail{0};
  Atomic<G*> runq[kRunqSize];
  Atomic<G*> runnext{nullptr};

  // owner: dead Gs (with their stacks) for reuse by newproc.
  G* gfree = nullptr;
  std::int32_t gfreecnt = 0;
  // owner: per-P stack cache, by size class.
  char* stackcache[kStackCacheClasses][kStackCacheSize];
  std::int32_t stackcachecnt[kStackCacheClasses] = {};
};

// The global scheduler state (Go's schedt). One instance, `sched`.
struct Sched {
  Mutex lock;

  // Ms. sched.lock.
  M* midle = nullptr;
  std::int32_t nmidle = 0;
  std::int64_t mnext = 0;           // number of Ms created; also the next M id
  std::int32_t nmfreed = 0;         // Ms that have exited
  std::int32_t maxmcount = 10000;
  M* allm = nullptr;

  // Ps. pidle under sched.lock; npidle also read without it (as Go does).
  P* pidle = nullptr;
  Atomic<std::int32_t> npidle{0};
  // Spinning Ms (Go's nmspinning): incremented before an M starts spinning (often on its
  // behalf by wakep/handoffp), decremented when it stops. See proc.cc for the protocol.
  Atomic<std::int32_t> nmspinning{0};

  // The global run queue (linked through g.schedlink). sched.lock; runqsize is also read
  // without the lock as a hint (relaxed) and re-checked under it.
  G* runqhead_ = nullptr;
  G* runqtail_ = nullptr;
  Atomic<std::int32_t> runqsize{0};

  // Dead Gs beyond what a P caches. sched.lock; gfreecnt is also read without it as a hint
  // (relaxed), like runqsize.
  G* gfree = nullptr;
  Atomic<std::int32_t> gfreecnt{0};

  // Stop-the-world. gcwaiting is read without the lock by every M at its scheduling points.
  Atomic<bool> gcwaiting{false};
  std::int32_t stopwait = 0;        // sched.lock: Ps still to stop
  Note stopnote;                    // the stopper sleeps here until stopwait reaches 0

  // sysmon. sched.lock.
  bool sysmonwait = false;
  Note sysmonnote;

  // Shutdown: set when the main goroutine returns (or the runtime is destroyed).
  Atomic<bool> exiting{false};
  Note maindone;                    // the host thread in Runtime::run sleeps here

  Atomic<std::int64_t> goidgen{0};  // goroutine ids; relaxed fetch_add (ids only need to be unique)
};

}  // namespace touchstone::runtime
