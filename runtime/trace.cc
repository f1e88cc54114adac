// runtime/trace.cc — see trace.h.
#include "runtime/trace.h"

#include "runtime/gogo.h"
#include "runtime/runtime2.h"

namespace touchstone::runtime {

namespace trace {
TraceListener* listener = nullptr;

void emit_slow(const Event& ev) {
  if (listener == nullptr) return;
  // Fill in the acting M and its P where the call site did not name them.
  Event e = ev;
  if (M* mp = getm()) {
    if (e.m < 0) e.m = mp->id;
    if (e.p < 0 && mp->p != nullptr) e.p = mp->p->id;
  }
  listener->event(e);
}

// A nil gp is traced as g0 with gseq 0: a run-queue take that read a ring slot's stale nil
// (its store not visible: a missing release/acquire pair under a weak memory model) reaches
// the checker as such (BARRIER-1) instead of crashing the tracer.
std::uint64_t next_gseq(const void* gp) {
  return gp == nullptr ? 0 : ++static_cast<G*>(const_cast<void*>(gp))->traceseq;
}
std::int64_t goid_of(const void* gp) { return gp == nullptr ? 0 : static_cast<const G*>(gp)->goid; }
}  // namespace trace

const char* evkind_name(EvKind k) {
  switch (k) {
    case EvKind::GStatus: return "GStatus";
    case EvKind::RunqPut: return "RunqPut";
    case EvKind::RunqGet: return "RunqGet";
    case EvKind::RunqSteal: return "RunqSteal";
    case EvKind::RunqPutSlow: return "RunqPutSlow";
    case EvKind::GlobrunqPut: return "GlobrunqPut";
    case EvKind::GlobrunqGet: return "GlobrunqGet";
    case EvKind::PStatus: return "PStatus";
    case EvKind::MSpinning: return "MSpinning";
    case EvKind::Park: return "Park";
    case EvKind::Ready: return "Ready";
    case EvKind::SyscallEnter: return "SyscallEnter";
    case EvKind::SyscallExit: return "SyscallExit";
    case EvKind::Retake: return "Retake";
    case EvKind::PreemptRequest: return "PreemptRequest";
    case EvKind::StwBegin: return "StwBegin";
    case EvKind::StwEnd: return "StwEnd";
    case EvKind::Procs: return "Procs";
    case EvKind::GoCreate: return "GoCreate";
    case EvKind::GoEnd: return "GoEnd";
    case EvKind::RunqDrain: return "RunqDrain";
    case EvKind::MStart: return "MStart";
    case EvKind::MStop: return "MStop";
    case EvKind::Exit: return "Exit";
    case EvKind::UserSend: return "UserSend";
    case EvKind::UserRecv: return "UserRecv";
    case EvKind::UserClose: return "UserClose";
    case EvKind::UserLock: return "UserLock";
    case EvKind::UserUnlock: return "UserUnlock";
    case EvKind::UserWgAdd: return "UserWgAdd";
    case EvKind::UserWgWait: return "UserWgWait";
    case EvKind::Wakep: return "Wakep";
    case EvKind::Recheck: return "Recheck";
  }
  return "?";
}

}  // namespace touchstone::runtime
