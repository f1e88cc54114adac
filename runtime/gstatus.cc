// runtime/gstatus.cc — see gstatus.h.
#include "runtime/gstatus.h"

#include <array>
#include <string>

#include "runtime/trace.h"

namespace touchstone::runtime {

namespace {

// Go 1.19's legal transitions (src/runtime/proc.go call sites), restricted to modelled states.
constexpr GTransition kGTransitions[] = {
    {Gidle, Gdead, GActor::Creator, "malg (newproc1)"},
    {Gdead, Grunnable, GActor::Creator, "newproc1"},
    {Grunnable, Grunning, GActor::Executor, "execute"},
    {Grunning, Grunnable, GActor::Owner, "goschedImpl (Gosched, gopreempt_m), goyield_m"},
    {Grunning, Gwaiting, GActor::Owner, "park_m (gopark); stopTheWorld self-marking"},
    {Gwaiting, Grunning, GActor::Owner, "undo of self-marking (stopTheWorld)"},
    {Gwaiting, Grunnable, GActor::Readier, "ready (goready); park_m when unlockf fails"},
    {Grunning, Gsyscall, GActor::Owner, "reentersyscall, entersyscallblock"},
    {Gsyscall, Grunning, GActor::Owner, "exitsyscall (fast path)"},
    {Gsyscall, Grunnable, GActor::Owner, "exitsyscall0 (slow path)"},
    {Grunning, Gdead, GActor::Owner, "goexit0"},
    {Grunning, Gcopystack, GActor::Owner, "newstack (stack growth)"},
    {Gcopystack, Grunning, GActor::Owner, "newstack (stack growth)"},
};

constexpr auto kLegal = [] {
  std::array<std::array<bool, kGStatusCount>, kGStatusCount> legal{};
  for (const auto& t : kGTransitions) legal[t.from][t.to] = true;
  return legal;
}();

#if defined(TOUCHSTONE_CHECKED)
constexpr bool kChecked = true;
#else
constexpr bool kChecked = false;
#endif

[[noreturn, gnu::noinline, gnu::cold]] void bad_transition(const char* what, G* gp, std::uint32_t oldval,
                                                        std::uint32_t newval, std::uint32_t seen) {
  std::string msg = std::string("casgstatus: ") + what + ": goroutine " + std::to_string(gp->goid) + " " +
                    gstatus_name(oldval) + " -> " + gstatus_name(newval);
  if (seen != oldval) msg += std::string(" (status is ") + gstatus_name(seen) + ")";
  platform::fatal("fatal error: ", msg);
}

}  // namespace

std::span<const GTransition> gtransitions() { return kGTransitions; }

bool gtransition_legal(std::uint32_t from, std::uint32_t to) {
  return from < kGStatusCount && to < kGStatusCount && kLegal[from][to];
}

void casgstatus(G* gp, std::uint32_t oldval, std::uint32_t newval) {
  if (kChecked && !gtransition_legal(oldval, newval)) {
    bad_transition("illegal transition", gp, oldval, newval, readgstatus(gp));
  }
  // acq_rel: the release half publishes what this M did to gp before the transition to any
  // thread that later reads the status with acquire (readgstatus); the acquire half orders
  // our subsequent accesses after the previous transition. Hand-offs between Ms are also
  // ordered by the run queues themselves (runq.cc).
  std::uint32_t seen = oldval;
  if (!gp->atomicstatus.cas(seen, newval, platform::acq_rel, platform::acquire)) {
    bad_transition("bad incoming status", gp, oldval, newval, seen);
  }
  TS_TRACE_G(gp, EvKind::GStatus, -1, oldval, newval, 0);
}

const char* gstatus_name(std::uint32_t s) {
  switch (s) {
    case Gidle: return "Gidle";
    case Grunnable: return "Grunnable";
    case Grunning: return "Grunning";
    case Gsyscall: return "Gsyscall";
    case Gwaiting: return "Gwaiting";
    case Gdead: return "Gdead";
    case Gcopystack: return "Gcopystack";
    case Gpreempted: return "Gpreempted";
  }
  return "G?";
}

const char* pstatus_name(std::uint32_t s) {
  switch (s) {
    case Pidle: return "Pidle";
    case Prunning: return "Prunning";
    case Psyscall: return "Psyscall";
    case Pgcstop: return "Pgcstop";
    case Pdead: return "Pdead";
  }
  return "P?";
}

const char* waitreason_name(WaitReason r) {
  switch (r) {
    case WaitReason::None: return "";
    case WaitReason::ChanSend: return "chan send";
    case WaitReason::ChanReceive: return "chan receive";
    case WaitReason::ChanSendNilChan: return "chan send (nil chan)";
    case WaitReason::ChanReceiveNilChan: return "chan receive (nil chan)";
    case WaitReason::SemAcquire: return "semacquire";
    case WaitReason::WaitGroupWait: return "sync.WaitGroup.Wait";
    case WaitReason::StopTheWorld: return "stop the world";
    case WaitReason::Exiting: return "runtime exiting";
  }
  return "?";
}

}  // namespace touchstone::runtime
