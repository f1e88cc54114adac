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

enum class EvKind : std::uint8_t {
  GStatus,        // g: from -> to (a, b), by m
  RunqPut,        // g put on p's ring tail (a = 0) or runnext (a = 1)
  RunqGet,        // g taken by p's owner from its ring (a = 0) or runnext (a = 1)
  RunqSteal,      // p (thief) stole n Gs from victim a; g is the G it will run
  RunqPutSlow,    // p moved n Gs (half its ring + g) to the global queue
  GlobrunqPut,    // g put on the global queue (a = 1: at the head)
  GlobrunqGet,    // p took n Gs from the global queue; g is the one it runs
  PStatus,        // p: from -> to (a, b), by m
  MSpinning,      // m starts (a = 1) or stops (a = 0) spinning; n = nmspinning after
  Park,           // g parks for reason a
  Ready,          // g readied by the G running on m (g of the readier in n)
  SyscallEnter,   // g enters a syscall on m, releasing p (a = 1: entersyscallblock)
  SyscallExit,    // g leaves its syscall; a = 1 fast path (p re-acquired), 0 slow path
  Retake,         // sysmon retook p from a syscall
  PreemptRequest, // preemption requested for g on p (a = 1 by sysmon, 2 by stop-the-world)
  StwBegin,       // stop-the-world requested by g on p
  StwEnd,         // world restarted; a = gomaxprocs after
  Procs,          // gomaxprocs changed from a to b
  GoCreate,       // g created by the G in n
  GoEnd,          // g exited
};
const char* evkind_name(EvKind k);

struct Event {
  EvKind kind;
  std::int32_t p = -1;   // P id or -1
  std::int64_t m = -1;   // M id or -1
  std::int64_t g = 0;    // goid or 0
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  std::int64_t n = 0;
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

// Emit an event if someone listens. Arguments are evaluated only when a listener is set.
// TOUCHSTONE_NO_TRACE_HOOKS (CMake -DTOUCHSTONE_TRACE_HOOKS=OFF) compiles the sites out; it
// exists only to measure what the idle hooks cost (docs/PERFORMANCE.md).
#if defined(TOUCHSTONE_NO_TRACE_HOOKS)
#define TS_TRACE(...) \
  do {                \
  } while (0)
#else
#define TS_TRACE(...)                                                     \
  do {                                                                    \
    if (::touchstone::runtime::trace::on()) {                             \
      ::touchstone::runtime::trace::emit_slow(::touchstone::runtime::Event{__VA_ARGS__}); \
    }                                                                     \
  } while (0)
#endif
}  // namespace trace

}  // namespace touchstone::runtime
