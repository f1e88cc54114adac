// conformance/import/go/gocheck.cc — the Go-trace checker and the trace mutator (gocheck.h).
//
// The model, per event, in merged order (docs/spec/go-traces.md has the same as a table):
//   1. GSEQ-1: an event that moves a G (Event::order_g) carries that G's next sequence number:
//      +1 for the events that advance it (GoCreate, GoStart*, GoUnblock, GoSysExit, GoWaiting,
//      GoInSyscall), unchanged for the others (block, sched, preempt, sleep, sysblock).
//   2. Each G has a status in the runtime's numbering (runtime2.h): unseen, then Grunnable
//      (GoCreate), Grunning (GoStart), Grunnable (GoSched/GoPreempt/GoUnblock/GoSysExit),
//      Gwaiting (GoBlock*/GoSleep/GoStop), Gsyscall (GoSysBlock), Gdead (GoEnd). Each event is
//      one edge: G-TRANS-1 asks the runtime's table (gtransition_legal) whether the edge is
//      legal, G-TRANS-2 whether the G is in the edge's from-status. GoWaiting/GoInSyscall are
//      not edges: they declare the first observed state of a G alive at trace start, legal
//      only right after its GoCreate.
//   3. P-OWN-2: GoStart of a G already running (anywhere), or on a P whose last started G has
//      not stopped. P-OWN-1: ProcStart of a P already started by another thread, or by a thread
//      that holds another started P (ProcStop and GoSysBlock release; a P first seen in a
//      ProcStop was started before the trace; a thread whose P's last event is a GoSysCall may be
//      released by sysmon's retake, whose record comes later with its own timestamp).
//   4. CONSERVE-2: GoCreate of a G id seen before; GoEnd of a G not Grunning (twice: Gdead).
//   5. SYSCALL-1: GoSysCall by a G not Grunning; GoSysExit of a G not in Gsyscall (entered by
//      GoSysBlock, or GoInSyscall at trace start).
//   6. STW-1 (the part Go can witness): between GCSTWStart and GCSTWDone no GoStart on the
//      stopper's P. STW-2 (the part Go can witness): after Gomaxprocs n, no GoStart on a P >= n.
// Not checked, and why, in docs/spec/go-traces.md.
#include "conformance/import/go/gocheck.h"

#include <algorithm>
#include <array>
#include <deque>
#include <string>
#include <unordered_map>

#include "runtime/gstatus.h"

namespace touchstone::gotrace {
namespace {

namespace rt = touchstone::runtime;

constexpr std::uint32_t kUnseen = 0xffffffffu;

constexpr std::array<GoClause, 9> kGoClauses = {{
    {"G-TRANS-1", "every G event is one edge of the table (GoCreate Gdead->Grunnable, GoStart Grunnable->Grunning, ...)"},
    {"G-TRANS-2", "each G event starts from the status the G's previous event ended in"},
    {"GSEQ-1", "Go's per-G sequence numbers (GoStart/GoUnblock/GoSysExit args) go 1, 2, 3, ...; a trace the reader cannot order is a GSEQ-1 failure"},
    {"P-OWN-1", "ProcStart (arg: the OS thread, our M): a P is started by one thread at a time, a thread starts one P at a time"},
    {"P-OWN-2", "GoStart: the G is not already running, and the P's previous G has stopped"},
    {"CONSERVE-2", "GoCreate of a new G id only; GoEnd only from Grunning (never twice). No end-of-trace condition: traces are cut"},
    {"STW-1", "partly: no GoStart on the stopping P between GCSTWStart and GCSTWDone (Go writes GCSTWStart before the world stops)"},
    {"STW-2", "partly: after Gomaxprocs n, no GoStart on a P >= n"},
    {"SYSCALL-1", "GoSysCall only by a running G; GoSysExit only of a G in a syscall (GoSysBlock or GoInSyscall before it)"},
}};

const char* status_name(std::uint32_t s) {
  switch (s) {
    case rt::Gidle: return "Gidle";
    case rt::Grunnable: return "Grunnable";
    case rt::Grunning: return "Grunning";
    case rt::Gsyscall: return "Gsyscall";
    case rt::Gwaiting: return "Gwaiting";
    case rt::Gdead: return "Gdead";
    case kUnseen: return "unseen";
    default: return "G?";
  }
}

bool is_block(EvType t) {
  switch (t) {
    case EvType::GoSleep: case EvType::GoBlock: case EvType::GoBlockSend: case EvType::GoBlockRecv:
    case EvType::GoBlockSelect: case EvType::GoBlockSync: case EvType::GoBlockCond:
    case EvType::GoBlockNet: case EvType::GoBlockGC: case EvType::GoStop:
      return true;
    default:
      return false;
  }
}
bool is_start(EvType t) { return t == EvType::GoStart || t == EvType::GoStartLabel || t == EvType::GoStartLocal; }
bool is_unblock(EvType t) { return t == EvType::GoUnblock || t == EvType::GoUnblockLocal; }
bool is_sysexit(EvType t) { return t == EvType::GoSysExit || t == EvType::GoSysExitLocal; }
// Events that advance their G's sequence number by one.
bool advances(EvType t) {
  return t == EvType::GoCreate || is_start(t) || is_unblock(t) || is_sysexit(t) || t == EvType::GoWaiting ||
         t == EvType::GoInSyscall;
}
bool is_g(std::uint64_t g) { return g != kUnordered && g != kGCSeq; }

struct GSt {
  std::uint32_t status = kUnseen;
  std::uint64_t seq = 0;
  std::int64_t p = -1;   // P it runs on (Grunning)
  bool fresh = false;    // only its GoCreate so far
};
struct PSt {
  std::uint64_t g = kNoG;      // G started on it and not stopped
  bool started = false;
  bool known = false;
  bool in_syscall = false;  // its last event is a GoSysCall: a retake may release it late
  std::uint64_t thread = 0;
};

class Run {
 public:
  Run(std::span<const Event> evs, const GoCheckOptions& opt) : evs_(evs), opt_(opt) {}

  GoCheckResult go() {
    for (const GoClause& c : kGoClauses) r_.checks[std::string(c.id)] = 0;
    for (i_ = 0; i_ < evs_.size(); i_++) {
      r_.events++;
      if (!step(evs_[i_])) break;
    }
    r_.goroutines = gs_.size();
    return std::move(r_);
  }

 private:
  std::span<const Event> evs_;
  GoCheckOptions opt_;
  GoCheckResult r_;
  std::size_t i_ = 0;
  std::unordered_map<std::uint64_t, GSt> gs_;
  std::unordered_map<std::int64_t, PSt> ps_;
  std::unordered_map<std::uint64_t, std::int64_t> thread_p_;  // thread -> started P
  bool stw_ = false;
  std::int64_t stw_p_ = -1;
  std::uint64_t gomaxprocs_ = 0;

  void count(std::string_view id) { r_.checks[std::string(id)]++; }

  bool fail(std::string_view clause, std::string why) {
    GoViolation v;
    v.clause = std::string(clause);
    v.explanation = std::move(why);
    v.index = i_;
    const Event& e = evs_[i_];
    const std::uint64_t g1 = e.g, g2 = subject(e);
    for (std::size_t j = i_; j-- > 0 && v.window.size() + 1 < opt_.window;) {
      const Event& o = evs_[j];
      if (o.p == e.p || (g1 != kNoG && (o.g == g1 || subject(o) == g1)) || (g2 != kNoG && (o.g == g2 || subject(o) == g2))) {
        v.window.push_back(j);
      }
    }
    std::reverse(v.window.begin(), v.window.end());
    v.window.push_back(i_);
    r_.violation = std::move(v);
    return false;
  }

  // The G an event is about (the created/unblocked/exiting one where the event names it).
  static std::uint64_t subject(const Event& e) {
    switch (e.type) {
      case EvType::GoCreate: case EvType::GoUnblock: case EvType::GoUnblockLocal:
      case EvType::GoSysExit: case EvType::GoSysExitLocal: case EvType::GoWaiting: case EvType::GoInSyscall:
        return e.args[0];
      default:
        return e.g;
    }
  }

  static std::string gname(std::uint64_t g) { return "g" + std::to_string(g); }
  static std::string pname(std::int64_t p) { return "P" + std::to_string(p); }
  std::string at() const { return std::string(ev_name(evs_[i_].type)) + " on " + pname(evs_[i_].p); }

  // One edge of G g: G-TRANS-2 (from-status), G-TRANS-1 (legal), then the new status.
  bool edge(std::uint64_t g, std::uint32_t from, std::uint32_t to, bool first_ok) {
    GSt& s = gs_[g];
    count("G-TRANS-2");
    if (s.status != from && !(first_ok && s.status == kUnseen)) {
      return fail("G-TRANS-2", at() + ": " + gname(g) + " " + status_name(from) + " -> " + status_name(to) +
                                   ", but " + gname(g) + " is " + status_name(s.status));
    }
    count("G-TRANS-1");
    if (!rt::gtransition_legal(from, to)) {
      return fail("G-TRANS-1", at() + ": " + gname(g) + " " + status_name(from) + " -> " + status_name(to) +
                                   " is not an edge of the transition table");
    }
    r_.transitions[{from, to}]++;
    s.status = to;
    s.fresh = false;
    return true;
  }

  // `from running` events: block/sched/preempt/sysblock/end of the G on e's P.
  bool leave_running(const Event& e, std::uint32_t to) {
    const std::uint64_t g = e.g;
    if (g == kNoG) {
      count("G-TRANS-2");
      return fail("G-TRANS-2", at() + ": no goroutine is running on " + pname(e.p));
    }
    if (!edge(g, rt::Grunning, to, true)) return false;
    gs_[g].p = -1;
    PSt& p = ps_[e.p];
    if (p.g == g) p.g = kNoG;
    return true;
  }

  // GoSysBlock hands the P off: the thread in the syscall no longer holds it. Go 1.19 follows it
  // with ProcStop; gccgo 12 hands the P to another thread with no ProcStop/ProcStart at all.
  void release_p(std::int64_t p) {
    PSt& ps = ps_[p];
    if (ps.started) {
      const auto it = thread_p_.find(ps.thread);
      if (it != thread_p_.end() && it->second == p) thread_p_.erase(it);
    }
    ps.started = false;
  }

  bool step(const Event& e) {
    if (e.p >= 0) ps_[e.p].in_syscall = e.type == EvType::GoSysCall;
    // 1. GSEQ-1.
    if (is_g(e.order_g) && e.order_g != kNoG) {
      GSt& s = gs_[e.order_g];
      const std::uint64_t want = s.seq + (advances(e.type) ? 1 : 0);
      count("GSEQ-1");
      if (e.seq != want && !(s.status == kUnseen && advances(e.type))) {
        return fail("GSEQ-1", at() + ": " + gname(e.order_g) + "'s event has seq " + std::to_string(e.seq) +
                                  ", expected " + std::to_string(want));
      }
      s.seq = e.seq;
    }
    switch (e.type) {
      case EvType::GoCreate: {
        const std::uint64_t ng = e.args[0];
        count("CONSERVE-2");
        auto it = gs_.find(ng);
        if (it != gs_.end() && it->second.status != kUnseen) {
          return fail("CONSERVE-2", at() + ": " + gname(ng) + " created again (it is " +
                                        status_name(it->second.status) + ")");
        }
        if (!edge(ng, rt::Gdead, rt::Grunnable, true)) return false;
        gs_[ng].fresh = true;
        return true;
      }
      case EvType::GoWaiting:
      case EvType::GoInSyscall: {
        const std::uint64_t g = e.args[0];
        GSt& s = gs_[g];
        count("G-TRANS-2");
        if (!(s.fresh && s.status == rt::Grunnable)) {
          return fail("G-TRANS-2", at() + ": " + gname(g) + " declared " +
                                       (e.type == EvType::GoWaiting ? "Gwaiting" : "Gsyscall") +
                                       " at trace start, but it is " + status_name(s.status) +
                                       (s.fresh ? "" : " and has had events since its creation"));
        }
        s.status = e.type == EvType::GoWaiting ? rt::Gwaiting : rt::Gsyscall;  // first observed state
        s.fresh = false;
        return true;
      }
      case EvType::GoStart:
      case EvType::GoStartLabel:
      case EvType::GoStartLocal: {
        const std::uint64_t g = e.g;
        count("STW-1");
        if (stw_ && e.p == stw_p_) {
          return fail("STW-1", at() + ": " + gname(g) + " starts on the stopping " + pname(e.p) +
                                   " between GCSTWStart and GCSTWDone");
        }
        count("STW-2");
        if (gomaxprocs_ > 0 && e.p >= 0 && std::uint64_t(e.p) >= gomaxprocs_) {
          return fail("STW-2", at() + ": " + gname(g) + " starts on " + pname(e.p) + " after GOMAXPROCS(" +
                                   std::to_string(gomaxprocs_) + ")");
        }
        GSt& s = gs_[g];
        count("P-OWN-2");
        if (s.status == rt::Grunning) {
          return fail("P-OWN-2", at() + ": " + gname(g) + " starts on " + pname(e.p) + " while it runs on " +
                                     pname(s.p));
        }
        PSt& p = ps_[e.p];
        if (p.g != kNoG && p.g != g) {
          return fail("P-OWN-2", at() + ": " + gname(g) + " starts on " + pname(e.p) + ", which still runs " +
                                     gname(p.g));
        }
        if (!edge(g, rt::Grunnable, rt::Grunning, true)) return false;
        gs_[g].p = e.p;
        p.g = g;
        return true;
      }
      case EvType::GoEnd: {
        const std::uint64_t g = e.g;
        count("CONSERVE-2");
        const auto it = gs_.find(g);
        const std::uint32_t st = it == gs_.end() ? kUnseen : it->second.status;
        if (g == kNoG || (st != rt::Grunning && st != kUnseen)) {
          return fail("CONSERVE-2", at() + ": " + gname(g) + " ends " +
                                        (st == rt::Gdead ? std::string("twice") : std::string("from ") + status_name(st)));
        }
        return leave_running(e, rt::Gdead);
      }
      case EvType::GoSched:
      case EvType::GoPreempt:
        return leave_running(e, rt::Grunnable);
      case EvType::GoSysBlock:
        release_p(e.p);
        return leave_running(e, rt::Gsyscall);
      case EvType::GoUnblock:
      case EvType::GoUnblockLocal:
        return edge(e.args[0], rt::Gwaiting, rt::Grunnable, true);
      case EvType::GoSysCall: {
        count("SYSCALL-1");
        const auto it = gs_.find(e.g);
        if (e.g == kNoG || (it != gs_.end() && it->second.status != rt::Grunning && it->second.status != kUnseen)) {
          return fail("SYSCALL-1", at() + ": " + gname(e.g) + " enters a syscall while " +
                                       status_name(it == gs_.end() ? kUnseen : it->second.status));
        }
        return true;
      }
      case EvType::GoSysExit:
      case EvType::GoSysExitLocal: {
        const std::uint64_t g = e.args[0];
        count("SYSCALL-1");
        const auto it = gs_.find(g);
        const std::uint32_t st = it == gs_.end() ? kUnseen : it->second.status;
        if (st != rt::Gsyscall && st != kUnseen) {
          return fail("SYSCALL-1", at() + ": " + gname(g) + " leaves a syscall, but it is " + status_name(st));
        }
        return edge(g, rt::Gsyscall, rt::Grunnable, true);
      }
      case EvType::ProcStart: {
        const std::uint64_t th = e.args[0];
        PSt& p = ps_[e.p];
        count("P-OWN-1");
        if (p.started && p.thread != th) {
          return fail("P-OWN-1", at() + ": thread " + std::to_string(th) + " starts " + pname(e.p) +
                                     ", which thread " + std::to_string(p.thread) + " holds");
        }
        const auto it = thread_p_.find(th);
        if (it != thread_p_.end() && it->second != e.p && !ps_[it->second].in_syscall) {
          return fail("P-OWN-1", at() + ": thread " + std::to_string(th) + " starts " + pname(e.p) +
                                     " while it holds " + pname(it->second));
        }
        p.started = p.known = true;
        p.thread = th;
        thread_p_[th] = e.p;
        return true;
      }
      case EvType::ProcStop: {
        PSt& p = ps_[e.p];
        if (p.started) {
          const auto it = thread_p_.find(p.thread);
          if (it != thread_p_.end() && it->second == e.p) thread_p_.erase(it);
        }
        p.started = false;
        p.known = true;
        return true;
      }
      case EvType::GCSTWStart:
        stw_ = true;
        stw_p_ = e.p;
        return true;
      case EvType::GCSTWDone:
        stw_ = false;
        stw_p_ = -1;
        return true;
      case EvType::Gomaxprocs:
        gomaxprocs_ = e.args[0];
        return true;
      default:
        if (is_block(e.type)) return leave_running(e, rt::Gwaiting);
        return true;
    }
  }
};

}  // namespace

std::span<const GoClause> go_clauses() { return kGoClauses; }

bool go_witnessable(std::string_view id) {
  return std::any_of(kGoClauses.begin(), kGoClauses.end(), [&](const GoClause& c) { return c.id == id; });
}

GoCheckResult check(const Trace& t, const GoCheckOptions& opt) { return check_events(t, t.events, opt); }

GoCheckResult check_events(const Trace&, std::span<const Event> events, const GoCheckOptions& opt) {
  return Run(events, opt).go();
}

std::string format_violation(const Trace& t, std::span<const Event> events, const GoViolation& v) {
  std::string out = "VIOLATION " + v.clause + ": " + v.explanation + "\n  events leading to it:\n";
  for (std::size_t j : v.window) {
    if (j >= events.size()) continue;
    out += (j == v.index ? "   >> [" : "      [") + std::to_string(j) + "] " + dump_event(t, events[j]);
    if (out.back() != '\n') out += '\n';
  }
  return out;
}

// ---- mutator ----------------------------------------------------------------------------------

std::string_view mutation_name(Mutation m) {
  switch (m) {
    case Mutation::DropUnblock: return "drop-unblock";
    case Mutation::DuplicateStart: return "duplicate-start";
    case Mutation::StartOnTwoPs: return "start-on-two-ps";
    case Mutation::StartDuringStw: return "start-during-stw";
    case Mutation::EndTwice: return "end-twice";
    case Mutation::BlockAfterUnblock: return "block-after-unblock";
  }
  return "?";
}

std::string_view mutation_clause(Mutation m) {
  switch (m) {
    case Mutation::DropUnblock: return "G-TRANS-2";        // the G is started while Gwaiting
    case Mutation::DuplicateStart: return "P-OWN-2";       // a running G started again
    case Mutation::StartOnTwoPs: return "P-OWN-2";         // a running G started on another P
    case Mutation::StartDuringStw: return "STW-1";
    case Mutation::EndTwice: return "CONSERVE-2";
    case Mutation::BlockAfterUnblock: return "G-TRANS-2";  // a running G unblocked
  }
  return "?";
}

namespace {

// Recomputes order_g/seq as the runtime would have written them for this event list.
void renumber(std::vector<Event>* evs) {
  std::unordered_map<std::uint64_t, std::uint64_t> seq;
  for (Event& e : *evs) {
    if (!is_g(e.order_g) || e.order_g == kNoG) continue;
    std::uint64_t& s = seq[e.order_g];
    if (advances(e.type)) s++;
    e.seq = s;
    if (is_start(e.type) && e.type != EvType::GoStartLocal) e.args[1] = s - 1;
    if ((e.type == EvType::GoUnblock || e.type == EvType::GoSysExit) && e.raw_type != EvType::GoUnblockLocal &&
        e.raw_type != EvType::GoSysExitLocal) {
      e.args[1] = s - 1;
    }
  }
}

// Index of the next event of G g at or after i that is about g (subject), or npos.
std::size_t next_of(const std::vector<Event>& evs, std::size_t i, std::uint64_t g) {
  for (std::size_t j = i; j < evs.size(); j++) {
    const Event& e = evs[j];
    if (e.order_g == g) return j;
    if (e.type == EvType::GoEnd && e.g == g) return j;
  }
  return std::string::npos;
}

}  // namespace

std::size_t mutate(const Trace& t, Mutation m, std::size_t k, std::vector<Event>* out) {
  const std::vector<Event>& ev = t.events;
  // Sites: (index, extra) pairs.
  std::vector<std::pair<std::size_t, std::size_t>> sites;
  switch (m) {
    case Mutation::DropUnblock:
      // An unblock whose G's next event is a start.
      for (std::size_t i = 0; i < ev.size(); i++) {
        if (!is_unblock(ev[i].type)) continue;
        const std::size_t j = next_of(ev, i + 1, ev[i].args[0]);
        if (j != std::string::npos && is_start(ev[j].type)) sites.push_back({i, j});
      }
      break;
    case Mutation::DuplicateStart:
      for (std::size_t i = 0; i < ev.size(); i++)
        if (is_start(ev[i].type)) sites.push_back({i, 0});
      break;
    case Mutation::StartOnTwoPs: {
      // A start of g on P; a copy of it on another P below the GOMAXPROCS of the moment (P0, or
      // P1 when g starts on P0), just after it.
      std::uint64_t procs = 0;
      for (std::size_t i = 0; i < ev.size(); i++) {
        if (ev[i].type == EvType::Gomaxprocs) procs = ev[i].args[0];
        if (!is_start(ev[i].type) || ev[i].p < 0 || procs < 2) continue;
        sites.push_back({i, ev[i].p == 0 ? 1 : 0});
      }
      break;
    }
    case Mutation::StartDuringStw:
      // A GCSTWStart: insert a start of some G that is runnable then (the next G started anywhere
      // after it) on the stopper's P, right after the GCSTWStart.
      for (std::size_t i = 0; i < ev.size(); i++) {
        if (ev[i].type != EvType::GCSTWStart) continue;
        for (std::size_t j = i + 1; j < ev.size(); j++) {
          if (is_start(ev[j].type)) {
            sites.push_back({i, j});
            break;
          }
        }
      }
      break;
    case Mutation::EndTwice:
      for (std::size_t i = 0; i < ev.size(); i++)
        if (ev[i].type == EvType::GoEnd) sites.push_back({i, 0});
      break;
    case Mutation::BlockAfterUnblock:
      // A block of g whose next event of g is its unblock.
      for (std::size_t i = 0; i < ev.size(); i++) {
        if (!is_block(ev[i].type) || ev[i].g == kNoG) continue;
        const std::size_t j = next_of(ev, i + 1, ev[i].g);
        if (j != std::string::npos && is_unblock(ev[j].type) && ev[j].args[0] == ev[i].g) sites.push_back({i, j});
      }
      break;
  }
  if (sites.empty()) return 0;
  const auto [i, x] = sites[k % sites.size()];
  std::vector<Event> evs = ev;
  switch (m) {
    case Mutation::DropUnblock:
      evs.erase(evs.begin() + std::ptrdiff_t(i));
      break;
    case Mutation::DuplicateStart:
    case Mutation::EndTwice:
      evs.insert(evs.begin() + std::ptrdiff_t(i) + 1, ev[i]);
      break;
    case Mutation::StartOnTwoPs: {
      Event dup = ev[i];
      dup.p = std::int64_t(x);
      dup.type = dup.raw_type = EvType::GoStart;
      evs.insert(evs.begin() + std::ptrdiff_t(i) + 1, dup);
      break;
    }
    case Mutation::StartDuringStw: {
      Event s = ev[x];
      s.p = ev[i].p;
      s.type = s.raw_type = EvType::GoStart;
      evs.erase(evs.begin() + std::ptrdiff_t(x));
      evs.insert(evs.begin() + std::ptrdiff_t(i) + 1, s);
      break;
    }
    case Mutation::BlockAfterUnblock: {
      // The unblock moves to just before the block (the block now follows its unblock): the
      // blocked G's own P keeps its order, as a runtime that readies a G before it has parked
      // would write it.
      Event u = ev[x];
      evs.erase(evs.begin() + std::ptrdiff_t(x));
      evs.insert(evs.begin() + std::ptrdiff_t(i), u);
      break;
    }
  }
  renumber(&evs);
  *out = std::move(evs);
  return sites.size();
}

}  // namespace touchstone::gotrace
