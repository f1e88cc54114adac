// runtime/trace.h — the runtime's one event interface.
//
// Every G status change, run-queue operation, P status change, spinning change, park/ready,
// syscall, sysmon action and stop-the-world phase calls trace::emit with a typed Event. The
// simulator and the conformance checker (later issues) observe the runtime through this hook
// alone.
//
// Cost when nobody listens: `listener` is a plain pointer installed before the runtime starts
// its threads and cleared after they are joined (thread creation and join order those writes
// against every read), so the check at each site is one load and a predicted-not-taken branch;
// the Event is built only inside the branch. docs/PERFORMANCE.md records the measurement.
#pragma once

#include <cstdint>

namespace touchstone::runtime {

// ---- the events, and exactly when each is emitted -------------------------------------------
//
// Linearization rule. An event is emitted immediately after the atomic operation (or inside the
// critical section) that makes it true, with no other platform operation in between — or, for
// an event that *publishes* a G to other Ms (a ring put), immediately before the publishing
// store. On the simulated platform every platform operation is a scheduling point and nothing
// else is, so the order in which a simulated run emits its events is a valid linearization of
// what the runtime did: the checker may use cross-G and cross-P order ("exact" order). A native
// trace is merged from per-M buffers; only each M's own order and each G's order (gseq, below)
// are guaranteed there.
//
// gseq. Every event that names a G carries gseq = 1, 2, 3, ... in the order of that G's events.
// It is drawn from the G's own counter (G::traceseq) by whichever M holds the G at that moment
// (a G is only ever acted on by one M at a time, and hand-offs go through the run queues'
// release/acquire pairs), so the numbering is the G's true history even when two Ms' buffers
// disagree in time. Where an event is emitted after a CAS that publishes the G (runnext), the
// number is drawn before the CAS.
//
// Actors. `m` is the M that acted (-1: the host thread starting or stopping the runtime, or
// sysmon); `p` the P it held or acted on. "Held by M" below means: a runnable G in no queue,
// owned by that M's hands (just readied, just taken to run, in transit between queues).
enum class EvKind : std::uint8_t {
  // -- goroutines
  GStatus,        // g: status a -> b (gstatus.h), by m; right after the status CAS
  RunqPut,        // g (held by m) put on p's ring tail (a = 0) or into p's runnext (a = 1); the
                  // runnext's previous G, if any, is then held by m and its own RunqPut (a = 0,
                  // b = 1: "kicked") follows. Ring: just before the tail store. runnext: after
                  // the CAS.
  RunqGet,        // g taken by p's owner m from p's runnext (a = 1) or ring head (a = 0): held
  RunqSteal,      // g taken by thief p (m) from victim P a: from its ring head (b & 1 == 0) or
                  // its runnext (b & 1); b & 2: g is the one the thief runs (held), else it goes
                  // to the thief's ring tail. One event per G, in ring order, right after the
                  // CAS that committed the batch; the held G is the last.
  RunqPutSlow,    // g moved by p's owner from p's ring head into m's hands, on its way to the
                  // global queue (runqputslow: half the full ring). GlobrunqPut events follow.
  GlobrunqPut,    // g (held by m) put on the global queue: tail (a = 0) or head (a = 1).
                  // Under sched.lock.
  GlobrunqGet,    // g taken from the global queue head by p's m: held. Under sched.lock; one
                  // event per G, the first is the one m runs, the others are RunqPut next.
  RunqDrain,      // g moved from dead P p's ring tail (a = 0) or runnext (a = 1) into m's hands
                  // by procresize (world stopped); a GlobrunqPut (head) follows.
  // -- Ps and Ms
  PStatus,        // p: status a -> b (runtime2.h), by m; right after the store or CAS
  MSpinning,      // m starts (a = 1) or stops (a = 0) spinning; n = nmspinning after. Always
                  // the M's own event: an M that startm woke or created spinning emits its
                  // start once it runs (with its P).
  MStart,         // m (the waker) hands P p to M n and wakes it (a = 0) or creates it (a = 1);
                  // M n is busy from now on. Just before the wakeup / thread creation.
  MStop,          // m is about to sleep in stopm with no P (not spinning). Under sched.lock,
                  // after m is on the idle list. Not emitted when m leaves at shutdown.
  // -- blocking and syscalls
  Park,           // g parks for reason a (WaitReason), on m; before the status change
  Ready,          // g readied by m, which runs the G n (0: g0); before g's Gwaiting->Grunnable
  SyscallEnter,   // g enters a syscall on m, leaving p (a = 1: entersyscallblock)
  SyscallExit,    // g leaves its syscall; a = 1 fast path (p acquired), 0 slow path
  Retake,         // sysmon retook p from a syscall (a = 0, right after its PStatus) and has
                  // handed it off (a = 1: handoffp returned — an M was started for p, or p
                  // was parked idle or stopped for the world)
  PreemptRequest, // preemption requested for the G n running on p (a = 1 by sysmon, 2 by
                  // stop-the-world). g = 0: the requester does not hold that G (no gseq).
  // -- the world
  StwBegin,       // by g on p (m): a = 0 stop requested (sched.lock); a = 1 the world is
                  // stopped: every P is in Pgcstop (sched.lock, after the stopper verified it)
  StwEnd,         // the world restarts, a = gomaxprocs; under sched.lock right after procresize
                  // and the clearing of gcwaiting, before any P can be acquired
  Procs,          // gomaxprocs a -> b (procresize, world stopped or runtime starting)
  GoCreate,       // g created by the G n (0: the host, for main); before Gdead->Grunnable
  GoEnd,          // g exits (goexit0); before Grunning->Gdead
  Exit,           // the runtime has shut down: every M has left (host thread, m = -1). A trace
                  // ending with Exit is complete: what is runnable then was abandoned in a queue.
  // -- program-level events, emitted by code running on a G through touchstone::trace_user
  //    (the program interpreter). Tags are unique per run; a sender's tags increase.
  UserSend,       // g starts sending value n with tag b on channel a           (before the send)
  UserRecv,       // g received value n with tag b from channel a; b = 0: received because
                  // the channel is closed (ok = false)                         (after the recv)
  UserClose,      // g starts closing channel a                                 (before the close)
  UserLock,       // g acquired mutex a                                         (after the lock)
  UserUnlock,     // g starts releasing mutex a                                 (before the unlock)
  UserWgAdd,      // g adds n to wait group a: after the add when n > 0, before it when n < 0
  UserWgWait,     // g starts (a = wait group, b = 0) or ends (b = 1) a Wait
  // -- the wakeup protocol (appended after the program-level kinds to keep kind bytes stable)
  Wakep,          // m's wakep decision after making a G runnable: a = 0 no idle P, 1 an M is
                  // already spinning (or another waker won the CAS), 2 starting a spinning M;
                  // n = npidle seen. After wakep's fence and loads, before startm.
  Recheck,        // m, without a P, having dropped spinning in findRunnable, re-checked every
                  // P's run queue: a = 1 found P p's queue non-empty (right after that load),
                  // a = 0 found every queue empty (after the loop). WAKEUP-4.
};
const char* evkind_name(EvKind k);
// The number of kinds; the last one is kLastEvKind.
inline constexpr EvKind kLastEvKind = EvKind::Recheck;

struct Event {
  EvKind kind;
  std::int32_t p = -1;   // P id or -1
  std::int64_t m = -1;   // M id or -1
  std::int64_t g = 0;    // goid or 0
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  std::int64_t n = 0;
  std::uint64_t gseq = 0;  // see "gseq" above; 0 when g == 0
};

// Receives events. Called concurrently from every M: implementations synchronise themselves.
class TraceListener {
 public:
  virtual ~TraceListener() = default;
  virtual void event(const Event& ev) = 0;
};

namespace trace {
// Installed by Runtime before its threads start; see the file comment for why a plain pointer.
extern TraceListener* listener;

[[gnu::always_inline]] inline bool on() { return __builtin_expect(listener != nullptr, 0); }
[[gnu::noinline]] void emit_slow(const Event& ev);
// gp is a G* (runtime2.h; a void* keeps this header free of it). next_gseq draws the G's next
// gseq (see "gseq" above).
std::uint64_t next_gseq(const void* gp);
std::int64_t goid_of(const void* gp);

// Emit an event if someone listens. Arguments are evaluated only when a listener is set.
//   TS_TRACE(kind, p, m, 0, a, b, n)          an event that names no G
//   TS_TRACE_G(gp, kind, p, a, b, n)          an event about G gp: goid and gseq from gp
//   TS_TRACE_GSEQ(gp, seq, kind, p, a, b, n)  the same with a gseq drawn earlier (next_gseq)
// The acting M and its P are filled in by emit_slow where the site passes -1.
// TOUCHSTONE_NO_TRACE_HOOKS (CMake -DTOUCHSTONE_TRACE_HOOKS=OFF) compiles the sites out; it
// exists only to measure what the idle hooks cost (docs/PERFORMANCE.md).
#if defined(TOUCHSTONE_NO_TRACE_HOOKS)
#define TS_TRACE(...) \
  do {                \
  } while (0)
#define TS_TRACE_G(...) \
  do {                  \
  } while (0)
#define TS_TRACE_GSEQ(...) \
  do {                     \
  } while (0)
#else
#define TS_TRACE(...)                                                                      \
  do {                                                                                     \
    if (::touchstone::runtime::trace::on()) {                                              \
      ::touchstone::runtime::trace::emit_slow(::touchstone::runtime::Event{__VA_ARGS__});  \
    }                                                                                      \
  } while (0)
#define TS_TRACE_GSEQ(gp, seq, kind, p, a, b, n)                                               \
  do {                                                                                         \
    if (::touchstone::runtime::trace::on()) {                                                  \
      ::touchstone::runtime::trace::emit_slow(::touchstone::runtime::Event{                     \
          kind, p, -1, ::touchstone::runtime::trace::goid_of(gp), a, b, n, seq});              \
    }                                                                                          \
  } while (0)
#define TS_TRACE_G(gp, kind, p, a, b, n)                                                       \
  do {                                                                                         \
    if (::touchstone::runtime::trace::on()) {                                                  \
      ::touchstone::runtime::trace::emit_slow(::touchstone::runtime::Event{                     \
          kind, p, -1, ::touchstone::runtime::trace::goid_of(gp), a, b, n,                      \
          ::touchstone::runtime::trace::next_gseq(gp)});                                       \
    }                                                                                          \
  } while (0)
#endif
}  // namespace trace

}  // namespace touchstone::runtime
