// conformance/checker/checker.cc — see checker.h.
//
// The model. The checker replays the trace against a small shadow of the scheduler, the same
// state a Go runtime engineer draws on a whiteboard:
//
//   G  status (Gidle ... Gdead), the gseq of its last event, where it is — nowhere (running,
//      waiting, dead), P's ring, P's runnext, the global queue, or "held" by one M (between a
//      dequeue and execute, or between ready/newproc and runqput) — the M that runs it (or last
//      ran it: the stopper's self-marked Gwaiting), and created / ended / in-syscall flags;
//   P  status (Pidle ... Pdead), the M that owns it (wirep .. releasep), its ring as a deque of
//      goids, its runnext;
//   M  the P it holds, the G it runs (curg), the Gs it holds, its spinning flag, busy/stopped
//      (MStart makes M n busy, MStop stops m, any event of m makes it busy), and the steal
//      batch in progress;
//   world: stopped (StwBegin a=1 .. StwEnd) with the stopper's G/M/P, gomaxprocs, the Gs
//      runnable when it stopped; program objects: channel tags sent and received, closed
//      channels, mutex holders, wait-group counters.
//
// Each event is first checked against the model (each clause that applies counts as one check
// in the coverage) and then applied to it. The first violation ends checking: a model that
// has diverged from the runtime would only produce follow-on noise.
//
// Exact vs PerG. Every piece of the model is updated only by events of the entity it belongs
// to where that is possible — a G's location only by events naming that G, an M's P, curg,
// held set and spinning flag only by that M's own events — so that a clause reading only
// those pieces is sound on a native trace, whose merge keeps only each M's and each G's order.
// The P rings, the global queue, P ownership across Ms, the world and the program-level
// orders are cross-G/cross-M state: the clauses that read them have needs_exact and are not
// checked (nor counted) under Order::PerG. The ring deques are still maintained in PerG mode
// (removing by value instead of asserting the head) so that later Exact-only reads are never
// made from them by accident; they are simply not trusted.
//
// Rejected alternatives:
//   - Checking against the runtime's own data structures (a debug hook reading allp): ties
//     the oracle to one implementation and cannot run on a trace file or a Go trace.
//   - Re-ordering a PerG trace into a "most plausible" total order before checking (like Go's
//     internal/trace does for its own parser): any order we pick is a guess, and a violation
//     found under a guessed order may not be real. We check only what the trusted orders give.
//   - One clause per event kind: clauses are about invariants (conservation, ownership), not
//     about kinds; one kind feeds several clauses and one clause reads several kinds.
//   - Reporting every violation: after the first, the model no longer matches the run.
#include "conformance/checker/checker.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <limits>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <tuple>
#include <utility>

#include "runtime/gstatus.h"
#include "runtime/runtime2.h"

namespace touchstone::check {

namespace {

using runtime::EvKind;
using trace::TraceRecord;
using runtime::Gcopystack, runtime::Gdead, runtime::Gidle, runtime::Grunnable, runtime::Grunning,
    runtime::Gsyscall, runtime::Gwaiting;
using runtime::Pdead, runtime::Pgcstop, runtime::Pidle, runtime::Prunning, runtime::Psyscall;

// ---- the catalog -------------------------------------------------------------------------------

// Indices into kClauses, in catalog order.
enum Cl : std::uint8_t {
  kGTrans1, kGTrans2, kGTrans3, kGseq1,
  kPTrans1, kPTrans2, kPOwn1, kPOwn2,
  kRunqOwn1, kRunqOwn2, kRunqOrder1, kRunq1,
  kConserve1, kConserve2,
  kWakeup1, kWakeup2, kWakeup3, kWakeup4,
  kStw1, kStw2, kStw3,
  kSyscall1, kDead1,
  kChanFifo1, kChanOnce1, kChanClose1, kWg1, kMutex1,
  kBarrier1, kBarrier2,
  kClauseCount
};

constexpr Clause kClauses[kClauseCount] = {
    {"G-TRANS-1", "A G's status changes only along an edge of the transition table.", "runtime.casgstatus",
     "GStatus Grunnable -> Gwaiting", false},
    {"G-TRANS-2", "Each change of a G starts from the status its previous change ended in.",
     "runtime.casgstatus (the CAS)", "GStatus Gwaiting -> Grunnable on a G that is Grunnable (a double ready)",
     false},
    {"G-TRANS-3", "Each edge is taken by its actor: Grunnable->Grunning by the M holding the G, the edges out of "
                  "Grunning/Gsyscall by the M running it.",
     "runtime.execute, runtime.dropg, call sites of casgstatus",
     "Grunnable -> Grunning by an M that did not dequeue the G", false},
    {"GSEQ-1", "A G's events carry gseq 1, 2, 3, ... in the order they happened (no event lost or reordered).",
     "runtime.traceEvent (the per-G sequence of internal/trace)", "g5's events go 3, 5: one event lost", false},
    {"P-TRANS-1", "A P's status changes only along Go's edges.",
     "runtime.procresize, wirep, releasep, reentersyscall, retake, stopTheWorldWithSema",
     "PStatus P2 Psyscall -> Prunning", false},
    {"P-TRANS-2", "Each change of a P starts from the status its previous change ended in.",
     "runtime.wirep, releasep, the CAS in exitsyscallfast and retake", "P1 Pidle -> Prunning while P1 is Prunning",
     true},
    {"P-OWN-1", "A P is held by at most one M, only its holder changes it while Prunning, and an M holds at most "
                "one P.",
     "runtime.wirep, releasep, acquirep", "two Ms run P1", true},
    {"P-OWN-2", "An M runs at most one G at a time, and only while holding a P (a G in a syscall excepted).",
     "runtime.execute, dropg", "g9 Grunning on M1, which already runs g4", false},
    {"RUNQ-OWN-1", "Only the M holding P puts to P's ring tail and stores into P's runnext.", "runtime.runqput",
     "RunqPut to P0 by an M holding P1", false},
    {"RUNQ-OWN-2", "Only the M holding P takes from P's queue with runqget/runqputslow; others take only by "
                   "stealing into their own P; only the stopper drains a P.",
     "runtime.runqget, runqputslow, runqgrab, (*p).destroy", "RunqGet from P0 by M2, which holds P1", false},
    {"RUNQ-ORDER-1", "Run queues are FIFO: gets, steals and runqputslow take the ring's head (runqget only once "
                     "runnext is empty), a drain takes the tail, globrunqget takes the global queue's head.",
     "runtime.runqget, runqgrab, runqputslow, globrunqget", "RunqGet of g8 while g3 is at the ring's head", true},
    {"RUNQ-1", "A P's ring holds between 0 and 256 Gs; a thief never takes more than half of what it saw "
               "(rounded up), and steals runnext alone.",
     "runtime.runqput, runqgrab", "a steal of 3 Gs from a ring of 4", true},
    {"CONSERVE-1", "Every runnable G is in exactly one place: one P's ring, one P's runnext, the global queue, or "
                   "the hands of exactly one M (between dequeue and execute).",
     "proc.go invariants (runqput, runqget, runqgrab, globrunqput, globrunqget)",
     "g5 stolen twice; g5 put while in a ring; an M parks holding g5", false},
    {"CONSERVE-2", "Every created G is created once and ends at most once, from Grunning; at the end of a complete "
                   "trace no G is running, in a syscall or held by an M.",
     "runtime.newproc1, goexit0", "GoEnd of g4 twice; g6 Grunning after Exit", false},
    {"WAKEUP-1", "When the last busy M stops, with no P in a syscall or in sysmon's hands, no runnable G is left in a "
                 "queue (no lost wakeup).",
     "runtime.wakep, findRunnable's re-check after dropping spinning, retake/handoffp", "g4 in P0's ring, every M stopped", true},
    {"WAKEUP-2", "nmspinning is never negative, and a spinning M stops spinning before it runs a G or stops.",
     "runtime.resetspinning, stopm", "Grunnable -> Grunning on M2 while M2 is spinning", false},
    {"WAKEUP-3", "An M that makes a G runnable into its P's runnext (newproc, ready) then makes a wakep decision "
                 "before anything else.",
     "runtime.newproc, ready (wakep after runqput)", "RunqPut runnext of g5 by M1, then M1 parks g2 without a Wakep",
     false},
    {"WAKEUP-4", "When a giving-up M's decrement ends the last spin, that M re-checks every P's run queue "
                 "afterwards: it does not stop, nor find every queue empty, while a G is still queued whose "
                 "wakep, before that decrement, left it to a spinning M.",
     "runtime.findRunnable's delicate dance (drop nmspinning, StoreLoad, re-check all Ps), wakep",
     "M2 drops the last spin and stops; g5, left by wakep to spinning Ms, is still in P0's runnext", true},
    {"STW-1", "When the world is stopped every P is Pgcstop, and until it restarts no G but the stopper's runs and "
              "no P but the stopper's becomes Prunning.",
     "runtime.stopTheWorldWithSema, startTheWorldWithSema", "g3 Grunnable -> Grunning on M1 between StwBegin and StwEnd",
     true},
    {"STW-2", "A P-count change preserves every runnable G, and a P beyond gomaxprocs keeps no G.",
     "runtime.procresize, (*p).destroy", "a runnable G lost by GOMAXPROCS(1)", true},
    {"STW-3", "Every write a mutator made before it stopped is visible to the stopper once the world is stopped.",
     "runtime.stopTheWorldWithSema, gcstopm", "(weak-memory issue; no trace event witnesses it)", true, false},
    {"SYSCALL-1", "A G leaves a syscall only after entering one, and an M returning on the fast path holds a P.",
     "runtime.reentersyscall, exitsyscall, exitsyscallfast", "SyscallExit of g2, which is Grunning", false},
    {"DEAD-1", "When every goroutine is blocked and nothing can wake them, the program ends with a deadlock "
               "error instead of hanging.",
     "runtime.checkdead", "a hang (no trace event witnesses it)", false, false},
    {"CHAN-FIFO-1", "A receiver gets one sender's values on a channel in the order they were sent.",
     "runtime.chansend, chanrecv", "g3 receives tag 9 from g2 after tag 11", false},
    {"CHAN-ONCE-1", "Every value sent is received at most once, with the value and on the channel it was sent, "
                    "and no value is received that was not sent.",
     "runtime.send, recv", "tag 7 received twice", false},
    {"CHAN-CLOSE-1", "A receive returns because the channel is closed only after the channel was closed.",
     "runtime.closechan, chanrecv", "UserRecv closed on channel 2, never closed", false},
    {"WG-1", "Wait returns only once the counter has reached zero.", "sync.(*WaitGroup).Wait",
     "a waiter returns while an Add(1) before its Wait has no Done", true},
    {"MUTEX-1", "A mutex is held by at most one goroutine, and only a locked mutex is unlocked.",
     "sync.(*Mutex).Lock, Unlock", "g5 locks mutex 1 while g4 holds it", true},
    // The barrier-ordering family (docs/MEMORY-MODELS.md): what a missing release/acquire pair or
    // StoreLoad fence looks like in a trace, reported as such before the follow-on damage.
    {"BARRIER-1", "A take from a P's ring (runqget, runqgrab, runqputslow, a drain) reads a slot whose store it "
                  "has seen: it names a G, never the slot's stale nil.",
     "runtime.runqput's StoreRel of runqtail paired with runqgrab's LoadAcq (and runqget's)",
     "RunqSteal of g0 (nil) from P1's ring by M2", false},
    {"BARRIER-2", "A G published in a ring or runnext before its readier's wakep check (the Wakep event) is seen "
                  "by the re-check of every M that drops spinning on findRunnable's give-up path afterwards, "
                  "while it stays queued.",
     "runtime.wakep's StoreLoad and findRunnable's StoreLoad after dropping nmspinning (the delicate dance)",
     "M2 drops spinning, re-checks and finds every queue empty while g5, published before M1's wakep check, "
     "is still in P0's runnext",
     true},
};

// ---- names -------------------------------------------------------------------------------------

constexpr std::int64_t kNoM = std::numeric_limits<std::int64_t>::min();

std::string gname(std::int64_t g) { return "g" + std::to_string(g); }
std::string pname(std::int64_t p) { return p < 0 ? std::string("no P") : "P" + std::to_string(p); }
std::string mname(std::int64_t m) {
  if (m == kNoM) return "no M";
  return m < 0 ? std::string("the host/sysmon thread (M-1)") : "M" + std::to_string(m);
}
std::string gst(std::uint32_t s) { return runtime::gstatus_name(s); }
std::string pst(std::uint32_t s) { return runtime::pstatus_name(s); }

// ---- the model ---------------------------------------------------------------------------------

enum class Where : std::uint8_t { None, Ring, Runnext, Global, Held };

// The last few events that touched one G, P or M (for violation windows).
struct History {
  std::deque<std::pair<std::uint64_t, TraceRecord>> ev;
};

struct GState {
  bool known = false;  // a GStatus event has been seen
  std::uint32_t status = Gidle;
  std::uint32_t prev = Gidle;  // the status before the last change
  std::uint64_t gseq = 0;
  Where where = Where::None;
  std::int64_t where_id = 0;  // the P (Ring, Runnext) or the M (Held)
  std::int64_t m = kNoM;      // the M running it (Grunning, Gsyscall), or that last ran it
  bool created = false;
  bool ended = false;
  bool in_syscall = false;  // SyscallEnter seen, SyscallExit not yet
  History hist;
};

struct PState {
  bool known = false;
  std::uint32_t status = Pgcstop;  // Ps are born Pgcstop (Go's (*p).init)
  std::int64_t owner = kNoM;
  std::deque<std::int64_t> ring;
  std::int64_t runnext = 0;
  History hist;
};

struct StealBatch {
  bool open = false;
  std::int64_t victim = -1;
  std::size_t seen = 0;   // the victim's ring length when the batch began
  std::size_t taken = 0;
};

struct MState {
  std::int64_t p = -1;
  std::int64_t curg = 0;
  bool spinning = false;
  bool busy = false;
  std::int64_t wakep_owed = 0;  // a G this M readied into runnext, until its Wakep (WAKEUP-3)
  // WAKEUP-4: this M ended the last spin on findRunnable's give-up path and has not re-checked
  // yet; `stranded` are the Gs left to spinning Ms that were queued at that decrement (a G
  // leaves the set when it moves).
  bool owes_recheck = false;
  std::set<std::int64_t> stranded;
  // BARRIER-2: this M dropped spinning on findRunnable's give-up path and has not re-checked
  // yet; `published` are the Gs that were published (put, then the putter's Wakep) and queued
  // at that decrement, with the index of their put (a G leaves when it has any later event).
  bool owes_visible_recheck = false;
  std::vector<std::pair<std::int64_t, std::uint64_t>> published;
  // BARRIER-2: the Gs this M put into a ring or runnext, with the put's index, until its Wakep.
  std::vector<std::pair<std::int64_t, std::uint64_t>> unpublished;
  std::set<std::int64_t> held;
  StealBatch steal;
  History hist;
};

struct SendInfo {
  std::int64_t g;
  std::int64_t value;
  std::uint32_t chan;
};

struct RecvInfo {  // a UserRecv kept for end-of-trace checks (PerG)
  std::uint64_t index;
  TraceRecord rec;
};

struct WaitGroup {
  std::int64_t pos_done = 0;     // sum of positive adds completed
  std::int64_t neg_started = 0;  // sum of |n| of negative adds started
  std::unordered_map<std::int64_t, std::int64_t> wait_snapshot;  // waiter -> pos_done at its start
};

std::string where_str(Where w, std::int64_t id) {
  switch (w) {
    case Where::None: return "in no queue";
    case Where::Ring: return "in " + pname(id) + "'s ring";
    case Where::Runnext: return "in " + pname(id) + "'s runnext";
    case Where::Global: return "in the global queue";
    case Where::Held: return "held by " + mname(id);
  }
  return "?";
}

bool p_edge_legal(std::uint32_t from, std::uint32_t to) {
  // procresize (re)initialises each P it adds in Pgcstop, which a fresh P already is.
  if (from == Pgcstop && to == Pgcstop) return true;
  if (from == to) return false;
  switch (to) {
    case Pdead: return true;
    case Pidle: return from == Prunning || from == Pgcstop || from == Psyscall;
    case Prunning: return from == Pidle || from == Pgcstop;
    case Psyscall: return from == Prunning;
    case Pgcstop: return from == Prunning || from == Pidle || from == Psyscall || from == Pdead;
  }
  return false;
}

}  // namespace

// ---- the checker state -------------------------------------------------------------------------

struct Checker::State {
  Options opts;
  std::optional<Violation> violation;
  std::uint64_t counts[kClauseCount] = {};
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> transitions;
  mutable Coverage cov;  // built from counts on demand
  std::uint64_t events = 0;

  // The event being checked.
  const TraceRecord* cur = nullptr;
  std::uint64_t cur_index = 0;
  std::optional<TraceRecord> last;  // the last event (finish: complete iff it is Exit)

  std::unordered_map<std::int64_t, GState> gs;
  std::unordered_map<std::int64_t, PState> ps;
  std::unordered_map<std::int64_t, MState> ms;
  std::deque<std::int64_t> globrunq;
  std::size_t queued = 0;     // Gs in a ring, a runnext or the global queue
  std::size_t busy_ms = 0;    // Ms (id >= 0) busy
  std::size_t psyscall = 0;   // Ps in Psyscall
  std::set<std::int32_t> retaking;  // Ps sysmon retook and is still handing off (Retake a=0 .. a=1)
  bool any_m = false;         // an event by an M (id >= 0) has been seen

  // WAKEUP-4: Gs queued in a runnext whose readier's wakep found an M spinning (Wakep a = 1):
  // their wakeup is the spinning Ms' job. A G leaves the set when it moves (place).
  std::set<std::int64_t> left_to_spinners;
  // BARRIER-2: published Gs (put, then the putter's Wakep) -> the index of their put, and every
  // G's last event index (a G with a later event than its put has moved, or is moving).
  std::map<std::int64_t, std::uint64_t> published;
  std::unordered_map<std::int64_t, std::uint64_t> last_event;
  bool stw_requested = false;  // StwBegin a = 0 .. StwEnd: gcstopm drops spinning without a re-check
  bool stopped = false;
  std::int64_t stopper_g = 0, stopper_m = kNoM, stopper_p = -1;
  std::int64_t gomaxprocs = -1;
  std::vector<std::int64_t> runnable_at_stop;

  std::unordered_map<std::uint32_t, SendInfo> sends;           // tag -> send
  std::unordered_set<std::uint32_t> received;                  // tags received
  // (receiver, sender, channel) -> the last tag received: FIFO holds per channel only (a sender
  // may send on c0 then c1, and its receiver take them from c1 first).
  std::map<std::tuple<std::int64_t, std::int64_t, std::uint32_t>, std::uint32_t> last_tag;
  std::unordered_set<std::uint32_t> closed;
  std::vector<RecvInfo> recvs;                                  // PerG: every UserRecv, in order
  std::unordered_map<std::uint32_t, std::int64_t> mutex_holder;
  std::unordered_map<std::uint32_t, WaitGroup> wgs;

  explicit State(Options o) : opts(o) {}

  bool exact() const { return opts.order == Order::Exact; }

  // A clause applies to the current event: counts it, unless it needs an order we lack.
  bool check(Cl c) {
    if (kClauses[c].needs_exact && !exact()) return false;
    counts[c]++;
    return true;
  }

  GState& G(std::int64_t g) { return gs[g]; }
  PState& P(std::int64_t p) { return ps[p]; }
  MState& M(std::int64_t m) { return ms[m]; }

  // ---- violations ------------------------------------------------------------------------------

  static void collect(const History& h, std::uint64_t before, std::vector<std::pair<std::uint64_t, TraceRecord>>* out) {
    for (const auto& e : h.ev)
      if (e.first < before) out->push_back(e);
  }

  // Records a violation at event (index, rec); the window holds the earlier events of the
  // G, P and M it touches plus `extra_g` (end-of-trace reports name the G they are about).
  bool fail_at(Cl c, std::string why, std::uint64_t index, const TraceRecord& rec, std::int64_t extra_g = 0) {
    Violation v;
    v.clause = std::string(kClauses[c].id);
    v.explanation = std::move(why);
    v.index = index;
    std::vector<std::pair<std::uint64_t, TraceRecord>> ctx;
    for_each_touched(rec, [&](History& h) { collect(h, index, &ctx); });
    if (extra_g != 0 && extra_g != rec.ev.g) collect(G(extra_g).hist, index, &ctx);
    std::sort(ctx.begin(), ctx.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    ctx.erase(std::unique(ctx.begin(), ctx.end(), [](const auto& x, const auto& y) { return x.first == y.first; }),
              ctx.end());
    const std::size_t keep = std::min(ctx.size(), opts.window);
    for (std::size_t i = ctx.size() - keep; i < ctx.size(); i++) {
      v.window.push_back(ctx[i].second);
      v.window_index.push_back(ctx[i].first);
    }
    v.window.push_back(rec);
    v.window_index.push_back(index);
    violation = std::move(v);
    return false;
  }
  bool fail(Cl c, std::string why) { return fail_at(c, std::move(why), cur_index, *cur); }

  // The histories of the entities an event touches: its G, its P, its M, a steal's victim P
  // and an MStart's target M.
  template <class F>
  void for_each_touched(const TraceRecord& r, F&& f) {
    const runtime::Event& e = r.ev;
    if (e.g != 0) f(G(e.g).hist);
    if (e.p >= 0) f(P(e.p).hist);
    f(M(e.m).hist);
    if (e.kind == EvKind::RunqSteal && std::int64_t(e.a) != e.p) f(P(e.a).hist);
    if (e.kind == EvKind::MStart && e.n != e.m) f(M(e.n).hist);
  }

  void remember(std::uint64_t index, const TraceRecord& r) {
    if (opts.window == 0) return;
    for_each_touched(r, [&](History& h) {
      h.ev.emplace_back(index, r);
      if (h.ev.size() > opts.window) h.ev.pop_front();
    });
  }

  // ---- G locations -----------------------------------------------------------------------------

  bool in_queue(const GState& g) const { return g.where == Where::Ring || g.where == Where::Runnext || g.where == Where::Global; }

  // Takes g out of wherever the model has it (by value: under PerG the deques are not trusted
  // to have it at the head).
  void unplace(std::int64_t goid, GState& g) {
    switch (g.where) {
      case Where::None: break;
      case Where::Ring: {
        auto& ring = P(g.where_id).ring;
        if (auto it = std::find(ring.begin(), ring.end(), goid); it != ring.end()) ring.erase(it);
        break;
      }
      case Where::Runnext: {
        auto& p = P(g.where_id);
        if (p.runnext == goid) p.runnext = 0;
        break;
      }
      case Where::Global: {
        if (auto it = std::find(globrunq.begin(), globrunq.end(), goid); it != globrunq.end()) globrunq.erase(it);
        break;
      }
      case Where::Held: M(g.where_id).held.erase(goid); break;
    }
    if (in_queue(g)) queued--;
    g.where = Where::None;
    g.where_id = 0;
  }

  void place(std::int64_t goid, GState& g, Where w, std::int64_t id, bool at_head = false) {
    if (left_to_spinners.erase(goid) != 0) {
      for (auto& [mid, m] : ms) m.stranded.erase(goid);
    }
    unplace(goid, g);
    g.where = w;
    g.where_id = id;
    switch (w) {
      case Where::None: break;
      case Where::Ring: P(id).ring.push_back(goid); break;
      case Where::Runnext: P(id).runnext = goid; break;
      case Where::Global:
        if (at_head) globrunq.push_front(goid); else globrunq.push_back(goid);
        break;
      case Where::Held: M(id).held.insert(goid); break;
    }
    if (in_queue(g)) queued++;
  }

  std::string gdesc(std::int64_t goid) {
    const GState& g = G(goid);
    return gname(goid) + " (" + (g.known ? gst(g.status) : std::string("status unknown")) + ", " +
           where_str(g.where, g.where_id) + ")";
  }

  // ---- dispatch --------------------------------------------------------------------------------

  bool event(const TraceRecord& r) {
    if (violation) return false;
    cur = &r;
    cur_index = events++;
    const runtime::Event& e = r.ev;
    if (e.m >= 0) {
      any_m = true;
      mark_busy(e.m);
    }
    bool ok = check_barrier1(r) && check_gseq(r) && check_wakep_owed(r) && dispatch(r);
    if (ok) {
      remember(cur_index, r);
      track_published(r);
    }
    last = r;
    return ok;
  }

  void mark_busy(std::int64_t m) {
    MState& ms_ = M(m);
    if (!ms_.busy) {
      ms_.busy = true;
      busy_ms++;
    }
  }

  bool dispatch(const TraceRecord& r) {
    switch (r.ev.kind) {
      case EvKind::GStatus: return on_gstatus(r.ev);
      case EvKind::RunqPut: return on_runqput(r.ev);
      case EvKind::RunqGet: return on_runqget(r.ev);
      case EvKind::RunqSteal: return on_runqsteal(r.ev);
      case EvKind::RunqPutSlow: return on_runqputslow(r.ev);
      case EvKind::GlobrunqPut: return on_globrunqput(r.ev);
      case EvKind::GlobrunqGet: return on_globrunqget(r.ev);
      case EvKind::RunqDrain: return on_runqdrain(r.ev);
      case EvKind::PStatus: return on_pstatus(r.ev);
      case EvKind::MSpinning: return on_mspinning(r.ev);
      case EvKind::MStart: return on_mstart(r.ev);
      case EvKind::MStop: return on_mstop(r.ev);
      case EvKind::SyscallEnter: return on_syscallenter(r.ev);
      case EvKind::SyscallExit: return on_syscallexit(r.ev);
      case EvKind::StwBegin: return on_stwbegin(r.ev);
      case EvKind::StwEnd: return on_stwend(r.ev);
      case EvKind::Procs: gomaxprocs = r.ev.b; return true;
      case EvKind::GoCreate: return on_gocreate(r.ev);
      case EvKind::GoEnd: return on_goend(r.ev);
      case EvKind::UserSend: return on_usersend(r.ev);
      case EvKind::UserRecv: return on_userrecv(r);
      case EvKind::UserClose: closed.insert(r.ev.a); return true;
      case EvKind::UserLock: return on_userlock(r.ev);
      case EvKind::UserUnlock: return on_userunlock(r.ev);
      case EvKind::UserWgAdd: return on_userwgadd(r.ev);
      case EvKind::UserWgWait: return on_userwgwait(r.ev);
      case EvKind::Retake: return on_retake(r.ev);
      case EvKind::Wakep: return true;  // check_wakep_owed settled it
      case EvKind::Recheck: return on_recheck(r.ev);
      case EvKind::Park:
      case EvKind::Ready:
      case EvKind::PreemptRequest:
      case EvKind::Exit: return true;
    }
    return true;
  }

  // GSEQ-1: a G's numbered events come 1, 2, 3, ... (an event without a number is skipped).
  // BARRIER-1. A ring take reads the slot after acquiring the tail the owner released after
  // storing the slot (runtime/runq.cc, P1/A1). A take that names no G (g0: the runtime traces a
  // nil slot as goid 0) read the slot's stale initial value: the store was not visible to it.
  // A stale slot from an earlier lap names a G already taken: G-TRANS/CONSERVE-1 report that.
  bool check_barrier1(const TraceRecord& r) {
    const runtime::Event& e = r.ev;
    const bool ring_take = (e.kind == EvKind::RunqGet && e.a == 0) || e.kind == EvKind::RunqSteal ||
                           e.kind == EvKind::RunqPutSlow || e.kind == EvKind::RunqDrain;
    if (!ring_take || !check(kBarrier1) || e.g != 0) return true;
    const std::string what = e.kind == EvKind::RunqSteal ? "steal from " + pname(std::int64_t(e.a)) + "'s"
                             : e.kind == EvKind::RunqGet ? "runqget from " + pname(e.p) + "'s"
                             : e.kind == EvKind::RunqPutSlow ? "runqputslow from " + pname(e.p) + "'s"
                                                             : "drain of " + pname(e.p) + "'s";
    return fail(kBarrier1, mname(e.m) + "'s " + what + " ring took a nil G: it read a slot whose store it had not "
                               "seen (the tail's release/acquire pair is missing: a stale slot)");
  }

  // BARRIER-2 bookkeeping, after an event was applied: a put starts a G's wait for its
  // readier's Wakep; the Wakep publishes the Gs still queued since their put.
  void track_published(const TraceRecord& r) {
    const runtime::Event& e = r.ev;
    if (!exact()) return;
    if (e.g != 0) {
      last_event[e.g] = cur_index;
      published.erase(e.g);
      if (e.kind == EvKind::RunqPut && e.m >= 0) M(e.m).unpublished.push_back({e.g, cur_index});
    }
    if (e.kind == EvKind::Wakep && e.m >= 0) {
      MState& m = M(e.m);
      for (const auto& [g, at] : m.unpublished) {
        const Where w = G(g).where;
        if (last_event[g] == at && (w == Where::Ring || w == Where::Runnext)) published[g] = at;
      }
      m.unpublished.clear();
    }
  }

  bool check_gseq(const TraceRecord& r) {
    if (r.ev.g == 0 || r.gseq == 0) return true;
    GState& g = G(r.ev.g);
    if (check(kGseq1) && r.gseq != g.gseq + 1) {
      return fail(kGseq1, gname(r.ev.g) + "'s event has gseq " + std::to_string(r.gseq) + ", but its previous event had " +
                              std::to_string(g.gseq) + ": an event of " + gname(r.ev.g) + " is missing or out of order");
    }
    g.gseq = r.gseq;
    return true;
  }

  // ---- G status --------------------------------------------------------------------------------

  bool on_gstatus(const runtime::Event& e) {
    const std::uint32_t from = e.a, to = e.b;
    GState& g = G(e.g);
    transitions[{from, to}]++;
    if (check(kGTrans1) && !runtime::gtransition_legal(from, to)) {
      return fail(kGTrans1, gname(e.g) + " " + gst(from) + " -> " + gst(to) + " on " + mname(e.m) +
                                ": not an edge of the transition table (runtime/gstatus.cc)");
    }
    if (check(kGTrans2)) {
      if (g.known && from != g.status) {
        return fail(kGTrans2, gname(e.g) + " " + gst(from) + " -> " + gst(to) + " on " + mname(e.m) + ", but " +
                                  gname(e.g) + " is " + gst(g.status));
      }
      if (!g.known && from != Gidle && from != Gdead) {
        return fail(kGTrans2, gname(e.g) + "'s first change is " + gst(from) + " -> " + gst(to) +
                                  ": a G starts from Gidle (malg) or Gdead (reused from the free list)");
      }
    }
    if (!check_actor(e, g) || !check_to_running(e, g)) return false;
    apply_gstatus(e, g);
    return true;
  }

  // G-TRANS-3: who may take the edge.
  bool check_actor(const runtime::Event& e, GState& g) {
    const std::uint32_t from = e.a, to = e.b;
    if (!check(kGTrans3)) return true;
    if (from == Grunnable && to == Grunning) {
      if (!(g.where == Where::Held && g.where_id == e.m)) {
        return fail(kGTrans3, gname(e.g) + " Grunnable -> Grunning on " + mname(e.m) + ", but " + gname(e.g) + " is " +
                                  where_str(g.where, g.where_id) + ": only the M that took it (runqget, steal, "
                                  "globrunqget) or readied it may execute it");
      }
    } else if (from == Grunning || from == Gsyscall || from == Gcopystack || (from == Gwaiting && to == Grunning)) {
      if (g.m != e.m) {
        return fail(kGTrans3, gname(e.g) + " " + gst(from) + " -> " + gst(to) + " by " + mname(e.m) + ", but " +
                                  gname(e.g) + (from == Gwaiting ? " was last run by " : " runs on ") + mname(g.m));
      }
    }
    return true;
  }

  // The clauses about a G starting to run: P-OWN-2, WAKEUP-2, STW-1, CONSERVE-1.
  bool check_to_running(const runtime::Event& e, GState& g) {
    if (e.b != Grunning) return true;
    {
      MState& runner = M(e.m);  // WAKEUP-4: an M that runs a G found work after all
      runner.owes_recheck = false;
      runner.stranded.clear();
    }
    MState& m = M(e.m);
    if (check(kPOwn2)) {
      if (m.curg != 0 && m.curg != e.g) {
        return fail(kPOwn2, gname(e.g) + " " + gst(e.a) + " -> Grunning on " + mname(e.m) + ", which already runs " +
                                gname(m.curg));
      }
      if (m.p < 0) {
        return fail(kPOwn2, gname(e.g) + " " + gst(e.a) + " -> Grunning on " + mname(e.m) + ", which holds no P");
      }
    }
    if (e.a == Grunnable && check(kWakeup2) && m.spinning) {
      return fail(kWakeup2, gname(e.g) + " Grunnable -> Grunning on " + mname(e.m) +
                                ", which is still spinning (resetspinning must come first)");
    }
    if (stopped && check(kStw1) && e.g != stopper_g) {
      return fail(kStw1, gname(e.g) + " " + gst(e.a) + " -> Grunning on " + mname(e.m) +
                             " while the world is stopped by " + gname(stopper_g) + " on " + mname(stopper_m));
    }
    if (e.a == Grunnable && check(kConserve1)) {
      for (std::int64_t other : m.held) {
        if (other != e.g) {
          return fail(kConserve1, mname(e.m) + " runs " + gname(e.g) + " while it still holds runnable " +
                                      gname(other) + " (taken from a queue and not put anywhere)");
        }
      }
    }
    return true;
  }

  void apply_gstatus(const runtime::Event& e, GState& g) {
    const std::uint32_t from = e.a, to = e.b;
    MState& m = M(e.m);
    g.known = true;
    g.prev = from;
    g.status = to;
    if (to == Grunnable) {
      // newproc1, ready, goschedImpl, exitsyscall0: the acting M holds the G until it queues
      // or executes it.
      if (from == Grunning || from == Gsyscall) m.curg = 0;
      place(e.g, g, Where::Held, e.m);
    } else if (to == Grunning) {
      unplace(e.g, g);
      m.curg = e.g;
      g.m = e.m;
    } else if (to == Gwaiting || to == Gdead) {
      if (from == Grunning && m.curg == e.g) m.curg = 0;
      unplace(e.g, g);
    }
  }

  bool on_gocreate(const runtime::Event& e) {
    GState& g = G(e.g);
    if (check(kConserve2)) {
      if (g.created) return fail(kConserve2, gname(e.g) + " created a second time (by " + gname(e.n) + ")");
      if (g.known && g.status != Gdead) {
        return fail(kConserve2, gname(e.g) + " created while it is " + gst(g.status) + ": only a Gdead G is (re)used");
      }
    }
    g.created = true;
    return true;
  }

  bool on_goend(const runtime::Event& e) {
    GState& g = G(e.g);
    if (check(kConserve2)) {
      if (g.ended) return fail(kConserve2, gname(e.g) + " ends a second time (GoEnd on " + mname(e.m) + ")");
      if (g.status != Grunning || !g.known) {
        return fail(kConserve2, gname(e.g) + " ends (GoEnd on " + mname(e.m) + ") while it is " +
                                    (g.known ? gst(g.status) : std::string("not started")) + ", not Grunning");
      }
    }
    g.ended = true;
    return true;
  }

  // ---- run queues ------------------------------------------------------------------------------

  // The acting M owns P p (or may act on it: the host before any M runs, the stopper while
  // the world is stopped).
  bool may_act_on(std::int64_t m, std::int64_t p) const {
    auto it = ms.find(m);
    if (it != ms.end() && it->second.p == p) return true;
    // The host thread puts the main G before any M exists; under PerG the merge may have put
    // an M's first events before it, so the host is trusted there.
    if (m < 0 && (!any_m || !exact())) return true;
    return stopped && m == stopper_m;
  }

  std::string holds(std::int64_t m) {
    const MState& ms_ = M(m);
    return ms_.p < 0 ? mname(m) + ", which holds no P" : mname(m) + ", which holds " + pname(ms_.p);
  }

  // CONSERVE-1 for a put: the G is runnable and in the acting M's hands.
  bool check_put(const runtime::Event& e, GState& g, const char* what, bool kicked = false) {
    if (!check(kConserve1)) return true;
    if (!g.known || g.status != Grunnable) {
      return fail(kConserve1, std::string(what) + " of " + gdesc(e.g) + " by " + mname(e.m) + ": only a Grunnable G is queued");
    }
    const bool held_here = g.where == Where::Held && g.where_id == e.m;
    const bool kicked_from_runnext = kicked && g.where == Where::Runnext && g.where_id == e.p;
    if (!held_here && !kicked_from_runnext) {
      return fail(kConserve1, std::string(what) + " of " + gname(e.g) + " by " + mname(e.m) + ", but " + gname(e.g) +
                                  " is " + where_str(g.where, g.where_id) + ": it would be in two places");
    }
    return true;
  }

  // CONSERVE-1 for a take: the G is in that very queue.
  bool check_take(const runtime::Event& e, GState& g, Where w, std::int64_t id, const char* what) {
    if (!check(kConserve1)) return true;
    if (g.where != w || g.where_id != id || !g.known || g.status != Grunnable) {
      return fail(kConserve1, std::string(what) + " of " + gname(e.g) + " by " + mname(e.m) + ", but " + gname(e.g) +
                                  " is " + (g.known ? gst(g.status) : std::string("not started")) + " and " +
                                  where_str(g.where, g.where_id) + ", not " + where_str(w, id));
    }
    return true;
  }

  bool check_ring_room(std::int64_t p, const char* what) {
    if (check(kRunq1) && P(p).ring.size() >= runtime::kRunqSize) {
      return fail(kRunq1, std::string(what) + " onto " + pname(p) + "'s ring, which already holds " +
                              std::to_string(P(p).ring.size()) + " Gs (capacity 256)");
    }
    return true;
  }

  bool check_ring_head(const runtime::Event& e, std::int64_t p, const char* what) {
    if (!check(kRunqOrder1)) return true;
    const auto& ring = P(p).ring;
    if (ring.empty() || ring.front() != e.g) {
      return fail(kRunqOrder1, std::string(what) + " of " + gname(e.g) + " from " + pname(p) + "'s ring, but its head is " +
                                   (ring.empty() ? std::string("nothing (empty)") : gname(ring.front())));
    }
    return true;
  }

  bool on_runqput(const runtime::Event& e) {
    GState& g = G(e.g);
    const bool next = e.a == 1, kicked = e.b == 1;
    const char* what = next ? "RunqPut (runnext)" : "RunqPut (ring)";
    if (check(kRunqOwn1) && !may_act_on(e.m, e.p)) {
      return fail(kRunqOwn1, std::string(what) + " of " + gname(e.g) + " to " + pname(e.p) + " by " + holds(e.m));
    }
    if (!check_put(e, g, what, kicked)) return false;
    if (!next && !check_ring_room(e.p, what)) return false;
    if (next) {
      PState& p = P(e.p);
      // The previous runnext, if any, is kicked into the M's hands; its own RunqPut follows.
      // (Under PerG the model's runnext may be stale: the kicked G's own put, which accepts
      // it from runnext, moves it instead.)
      if (exact() && p.runnext != 0 && p.runnext != e.g) {
        GState& kicked_g = G(p.runnext);
        if (kicked_g.where == Where::Runnext && kicked_g.where_id == e.p) place(p.runnext, kicked_g, Where::Held, e.m);
      }
      place(e.g, g, Where::Runnext, e.p);
    } else {
      place(e.g, g, Where::Ring, e.p);
    }
    return true;
  }

  bool on_runqget(const runtime::Event& e) {
    GState& g = G(e.g);
    const bool next = e.a == 1;
    if (check(kRunqOwn2) && !may_act_on(e.m, e.p)) {
      return fail(kRunqOwn2, "RunqGet of " + gname(e.g) + " from " + pname(e.p) + " by " + holds(e.m) +
                                 ": only the owner takes with runqget");
    }
    if (!check_take(e, g, next ? Where::Runnext : Where::Ring, e.p, next ? "RunqGet (runnext)" : "RunqGet (ring)")) {
      return false;
    }
    if (!next) {
      if (check(kRunqOrder1) && P(e.p).runnext != 0) {
        return fail(kRunqOrder1, "RunqGet of " + gname(e.g) + " from " + pname(e.p) + "'s ring while " +
                                     gname(P(e.p).runnext) + " is in its runnext (runqget takes runnext first)");
      }
      if (!check_ring_head(e, e.p, "RunqGet")) return false;
    }
    place(e.g, g, Where::Held, e.m);
    return true;
  }

  bool on_runqsteal(const runtime::Event& e) {
    GState& g = G(e.g);
    const std::int64_t victim = e.a;
    const bool from_next = (e.b & 1) != 0, held = (e.b & 2) != 0;
    if (check(kRunqOwn2)) {
      if (!may_act_on(e.m, e.p)) {
        return fail(kRunqOwn2, "RunqSteal of " + gname(e.g) + " into " + pname(e.p) + " by " + holds(e.m) +
                                   ": a thief steals into the P it holds");
      }
      if (victim == e.p) {
        return fail(kRunqOwn2, "RunqSteal of " + gname(e.g) + " by " + mname(e.m) + " from its own " + pname(e.p));
      }
    }
    if (!check_take(e, g, from_next ? Where::Runnext : Where::Ring, victim, "RunqSteal")) return false;
    if (!check_steal_batch(e, victim, from_next)) return false;
    if (!from_next && !check_ring_head(e, victim, "RunqSteal")) return false;
    if (!held && !check_ring_room(e.p, "RunqSteal")) return false;
    place(e.g, g, held ? Where::Held : Where::Ring, held ? e.m : e.p);
    return true;
  }

  // RUNQ-1 for a steal: a batch (this M's consecutive steals from one victim, the held G
  // last) takes at most half (rounded up) of the ring; runnext is stolen alone. The ring at
  // the first event of the batch (right after the CAS) is at least what the thief saw: the
  // owner only adds to it in between, any other take would have failed the thief's CAS.
  bool check_steal_batch(const runtime::Event& e, std::int64_t victim, bool from_next) {
    StealBatch& b = M(e.m).steal;
    if (!b.open || b.victim != victim) b = {true, victim, P(victim).ring.size(), 0};
    b.taken++;
    if ((e.b & 2) != 0) b.open = false;
    if (!check(kRunq1)) return true;
    // (Not checked: that the ring was empty when runnext was taken. The thief saw it empty
    // before its CAS on runnext; the owner may have kicked the old runnext into the ring since,
    // so at the CAS the ring need not be empty.)
    if (from_next && b.taken != 1) {
      return fail(kRunq1, "RunqSteal of " + gname(e.g) + " from " + pname(victim) + "'s runnext as the " +
                              std::to_string(b.taken) + "th G of one steal (runnext is stolen alone)");
    }
    if (!from_next && b.taken > (b.seen + 1) / 2) {
      return fail(kRunq1, mname(e.m) + " steals " + std::to_string(b.taken) + " Gs from " + pname(victim) +
                              "'s ring of " + std::to_string(b.seen) + " (at most half, rounded up)");
    }
    return true;
  }

  bool on_runqputslow(const runtime::Event& e) {
    GState& g = G(e.g);
    if (check(kRunqOwn2) && !may_act_on(e.m, e.p)) {
      return fail(kRunqOwn2, "RunqPutSlow of " + gname(e.g) + " from " + pname(e.p) + " by " + holds(e.m));
    }
    if (!check_take(e, g, Where::Ring, e.p, "RunqPutSlow")) return false;
    if (!check_ring_head(e, e.p, "RunqPutSlow")) return false;
    place(e.g, g, Where::Held, e.m);
    return true;
  }

  bool on_runqdrain(const runtime::Event& e) {
    GState& g = G(e.g);
    const bool next = e.a == 1;
    if (check(kRunqOwn2) && !(stopped && e.m == stopper_m) && !(e.m < 0 && !any_m)) {
      return fail(kRunqOwn2, "RunqDrain of " + gname(e.g) + " from " + pname(e.p) + " by " + mname(e.m) +
                                 (stopped ? ", not the stopper " + mname(stopper_m) : std::string(" while the world runs")));
    }
    if (!check_take(e, g, next ? Where::Runnext : Where::Ring, e.p, "RunqDrain")) return false;
    if (!next && check(kRunqOrder1)) {
      const auto& ring = P(e.p).ring;
      if (ring.empty() || ring.back() != e.g) {
        return fail(kRunqOrder1, "RunqDrain of " + gname(e.g) + " from " + pname(e.p) + "'s ring, but its tail is " +
                                     (ring.empty() ? std::string("nothing (empty)") : gname(ring.back())));
      }
    }
    place(e.g, g, Where::Held, e.m);
    return true;
  }

  bool on_globrunqput(const runtime::Event& e) {
    GState& g = G(e.g);
    if (!check_put(e, g, e.a == 1 ? "GlobrunqPut (head)" : "GlobrunqPut (tail)")) return false;
    place(e.g, g, Where::Global, 0, e.a == 1);
    return true;
  }

  bool on_globrunqget(const runtime::Event& e) {
    GState& g = G(e.g);
    if (!check_take(e, g, Where::Global, 0, "GlobrunqGet")) return false;
    if (check(kRunqOrder1) && (globrunq.empty() || globrunq.front() != e.g)) {
      return fail(kRunqOrder1, "GlobrunqGet of " + gname(e.g) + ", but the global queue's head is " +
                                   (globrunq.empty() ? std::string("nothing") : gname(globrunq.front())));
    }
    place(e.g, g, Where::Held, e.m);
    return true;
  }

  // ---- Ps ----------------------------------------------------------------------------------

  bool on_pstatus(const runtime::Event& e) {
    const std::uint32_t from = e.a, to = e.b;
    PState& p = P(e.p);
    if (check(kPTrans1) && !p_edge_legal(from, to)) {
      return fail(kPTrans1, pname(e.p) + " " + pst(from) + " -> " + pst(to) + " by " + mname(e.m) + ": not one of Go's P edges");
    }
    if (check(kPTrans2) && from != p.status) {
      return fail(kPTrans2, pname(e.p) + " " + pst(from) + " -> " + pst(to) + " by " + mname(e.m) + ", but " +
                                pname(e.p) + " is " + pst(p.status));
    }
    if (!check_p_owner(e, p)) return false;
    if (to == Prunning && stopped && check(kStw1) && e.m != stopper_m) {
      return fail(kStw1, pname(e.p) + " " + pst(from) + " -> Prunning by " + mname(e.m) + " while the world is stopped by " +
                             mname(stopper_m));
    }
    apply_pstatus(e, p);
    return true;
  }

  // P-OWN-1: one owner per P, one P per M, Prunning changed only by its owner.
  bool check_p_owner(const runtime::Event& e, PState& p) {
    const std::uint32_t from = e.a, to = e.b;
    if (!check(kPOwn1)) return true;
    if (to == Prunning) {
      if (p.owner != kNoM && p.owner != e.m) {
        return fail(kPOwn1, mname(e.m) + " acquires " + pname(e.p) + ", which " + mname(p.owner) + " holds");
      }
      const MState& m = M(e.m);
      if (m.p >= 0 && m.p != e.p && !(stopped && e.m == stopper_m && P(m.p).status == Pgcstop)) {
        return fail(kPOwn1, mname(e.m) + " acquires " + pname(e.p) + " while it holds " + pname(m.p));
      }
    } else if (from == Prunning && to != Pdead && p.owner != e.m) {
      return fail(kPOwn1, pname(e.p) + " Prunning -> " + pst(to) + " by " + mname(e.m) + ", but " + pname(e.p) + " is held by " +
                              mname(p.owner));
    }
    return true;
  }

  // The P has no owner any more. The owner M's own view (m.p) is changed only by that M's
  // events, so that it stays sound under PerG.
  void release_owner(PState& p, std::int64_t pid, std::int64_t actor) {
    if (p.owner != kNoM && p.owner == actor) {
      MState& m = M(p.owner);
      if (m.p == pid) m.p = -1;
    }
    p.owner = kNoM;
  }

  void apply_pstatus(const runtime::Event& e, PState& p) {
    const std::uint32_t from = e.a, to = e.b;
    if (p.status == Psyscall) psyscall--;  // counted from the model's status, even under PerG
    if (to == Psyscall) psyscall++;
    p.known = true;
    p.status = to;
    MState& m = M(e.m);
    if (to == Prunning) {
      // procresize: the stopper keeps its P, or gives a P beyond the new count up for allp[0].
      if (m.p >= 0 && m.p != e.p) release_owner(P(m.p), m.p, e.m);
      p.owner = e.m;
      m.p = e.p;
    } else if (to == Pgcstop && from == Prunning) {
      // The stopper's own P: it keeps holding it while the world is stopped.
    } else {
      release_owner(p, e.p, e.m);
      if (m.p == e.p) m.p = -1;
    }
  }

  // ---- Ms ----------------------------------------------------------------------------------

  bool on_mspinning(const runtime::Event& e) {
    if (check(kWakeup2) && e.n < 0) {
      return fail(kWakeup2, mname(e.m) + (e.a ? " starts" : " stops") + " spinning and nmspinning becomes " + std::to_string(e.n));
    }
    MState& m = M(e.m);
    m.spinning = e.a == 1;
    // WAKEUP-4: on findRunnable's give-up path (the M has released its P: p = -1) the decrement
    // that ends the last spin obliges this M to re-check every P afterwards. gcstopm drops
    // spinning without a re-check on purpose: startTheWorld wakes Ms as needed.
    m.owes_recheck = e.a == 0 && e.n == 0 && e.p < 0 && !stw_requested && exact();
    m.stranded.clear();
    if (m.owes_recheck) m.stranded = left_to_spinners;
    // BARRIER-2: any drop of spinning on the give-up path (not only the last spin's) is
    // followed by a re-check that must see every G published before it.
    m.owes_visible_recheck = e.a == 0 && e.p < 0 && !stw_requested && exact();
    m.published.clear();
    if (m.owes_visible_recheck) m.published.assign(published.begin(), published.end());
    return true;
  }

  bool on_recheck(const runtime::Event& e) {
    MState& m = M(e.m);
    if (m.owes_recheck) {
      m.owes_recheck = false;
      if (check(kWakeup4) && e.a == 0 && !m.stranded.empty()) {
        const std::int64_t g = *m.stranded.begin();
        return fail(kWakeup4, mname(e.m) + " ended the last spin and its re-check found every run queue empty, but " +
                                  gdesc(g) + " has been queued since before that decrement (its wakep left it to a spinning M)");
      }
      m.stranded.clear();
    }
    // BARRIER-2 (after WAKEUP-4, which keeps its reports): under sequential consistency the
    // G's publishing store precedes its readier's Wakep, which precedes our decrement, which
    // precedes our loads of the queues; a G queued all along cannot be missed. Missing it means
    // one side of the StoreLoad pair (wakep's fence, or ours after the decrement) is absent.
    if (m.owes_visible_recheck) {
      m.owes_visible_recheck = false;
      if (check(kBarrier2) && e.a == 0) {
        for (const auto& [g, at] : m.published) {
          // Moved since its put: an event of its own, or a put that kicked it out of runnext
          // (the shadow then has it held by the putter, on its way to the global queue).
          const Where w = G(g).where;
          if (last_event[g] != at || (w != Where::Ring && w != Where::Runnext)) continue;
          return fail(kBarrier2, mname(e.m) + " dropped spinning and its re-check found every run queue empty, but " +
                                     gdesc(g) + " was published (put, then its readier's wakep check) before that "
                                     "decrement and is still queued: a StoreLoad barrier of the pair is missing");
        }
      }
      m.published.clear();
    }
    return true;
  }

  bool on_mstart(const runtime::Event& e) {
    mark_busy(e.n);
    return true;
  }

  // WAKEUP-3. Go's newproc and ready put the G in runnext and call wakep right away: the
  // readier's next event after the put (and after the puts a full ring causes: the kicked G,
  // runqputslow's moves to the global queue) must be its Wakep. Only the M's own events are
  // read, so per-M order suffices. The host's put of the main G (m < 0) owes nothing.
  bool check_wakep_owed(const TraceRecord& r) {
    const runtime::Event& e = r.ev;
    if (e.m < 0) return true;
    MState& m = M(e.m);
    const bool put_next = e.kind == EvKind::RunqPut && e.a == 1;
    if (m.wakep_owed != 0) {
      const bool overflow = (e.kind == EvKind::RunqPut && e.a == 0 && e.b == 1) || e.kind == EvKind::RunqPutSlow ||
                            e.kind == EvKind::GlobrunqPut;
      if (e.kind == EvKind::Wakep) {
        counts[kWakeup3]++;
        // WAKEUP-4: an M is spinning, so waking the G is left to the spinning Ms.
        const GState& owed = G(m.wakep_owed);
        if (exact() && e.a == 1 && owed.where == Where::Runnext) left_to_spinners.insert(m.wakep_owed);
        m.wakep_owed = 0;
      } else if (!overflow && !put_next) {
        counts[kWakeup3]++;
        return fail(kWakeup3, mname(e.m) + " made " + gname(m.wakep_owed) + " runnable in runnext and went on (" +
                                  runtime::evkind_name(e.kind) + ") without a wakep decision");
      }
    }
    if (put_next) m.wakep_owed = e.g;
    return true;
  }

  // sysmon retook P (a = 0) and will hand it off (handoffp: start an M for it if there is work,
  // or park it idle); a = 1 when that is done. In between, sysmon is the one that will notice
  // queued work, like an M in a syscall: WAKEUP-1 waits. After the hand-off, if every M is
  // stopped and work is queued, nobody will ever run it.
  bool on_retake(const runtime::Event& e) {
    if (e.a == 0) {
      retaking.insert(e.p);
      return true;
    }
    retaking.erase(e.p);
    if (check(kWakeup1) && busy_ms == 0 && any_m && psyscall == 0 && retaking.empty() && queued > 0) {
      return fail(kWakeup1, "sysmon handed off P" + std::to_string(e.p) + " with every M stopped and no P in a syscall, while " +
                                some_queued() + " (a lost wakeup: nobody will run it)");
    }
    return true;
  }

  bool on_mstop(const runtime::Event& e) {
    MState& m = M(e.m);
    if (check(kConserve1) && !m.held.empty()) {
      return fail(kConserve1, mname(e.m) + " stops while it holds runnable " + gname(*m.held.begin()) +
                                  " (taken from a queue and not put anywhere: lost)");
    }
    if (check(kWakeup2) && m.spinning) return fail(kWakeup2, mname(e.m) + " stops while spinning");
    if (m.owes_recheck) {
      m.owes_recheck = false;
      if (check(kWakeup4) && !m.stranded.empty()) {
        const std::int64_t g = *m.stranded.begin();
        return fail(kWakeup4, mname(e.m) + " ended the last spin and stops without re-checking the run queues since, while " +
                                  gdesc(g) + " is still queued: its wakep left it to a spinning M (a lost wakeup)");
      }
    }
    if (m.busy) {
      m.busy = false;
      busy_ms--;
    }
    if (check(kWakeup1) && busy_ms == 0 && psyscall == 0 && retaking.empty() && queued > 0) {
      return fail(kWakeup1, mname(e.m) + " stops, the last busy M, with no P in a syscall, while " + some_queued() +
                                " (a lost wakeup: nobody will run it)");
    }
    return true;
  }

  std::string some_queued() {
    if (!globrunq.empty()) return gname(globrunq.front()) + " is in the global queue";
    std::vector<std::int64_t> ids;
    for (const auto& [id, p] : ps) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    for (std::int64_t id : ids) {
      const PState& p = ps[id];
      if (p.runnext != 0) return gname(p.runnext) + " is in " + pname(id) + "'s runnext (" + pst(p.status) + ")";
      if (!p.ring.empty()) return gname(p.ring.front()) + " is in " + pname(id) + "'s ring (" + pst(p.status) + ")";
    }
    return "a G is queued";
  }

  // ---- syscalls ----------------------------------------------------------------------------

  bool on_syscallenter(const runtime::Event& e) {
    GState& g = G(e.g);
    if (check(kSyscall1)) {
      if (g.in_syscall) return fail(kSyscall1, gname(e.g) + " enters a syscall on " + mname(e.m) + " while already in one");
      if (!g.known || (g.status != Grunning && g.status != Gsyscall)) {
        return fail(kSyscall1, gname(e.g) + " enters a syscall on " + mname(e.m) + " while " +
                                   (g.known ? gst(g.status) : std::string("not started")));
      }
    }
    g.in_syscall = true;
    return true;
  }

  bool on_syscallexit(const runtime::Event& e) {
    GState& g = G(e.g);
    const bool fast = e.a == 1;
    if (check(kSyscall1)) {
      if (!g.in_syscall) return fail(kSyscall1, gname(e.g) + " exits a syscall on " + mname(e.m) + " without entering one");
      // The exit may be emitted just before or just after the G leaves Gsyscall.
      const bool in_gsyscall = g.status == Gsyscall;
      const bool just_left = g.prev == Gsyscall && (g.status == Grunning || (!fast && g.status == Grunnable));
      if (!in_gsyscall && !just_left) {
        return fail(kSyscall1, gname(e.g) + " exits a syscall on " + mname(e.m) + " while " + gst(g.status));
      }
      if (fast && M(e.m).p < 0) {
        return fail(kSyscall1, gname(e.g) + " exits a syscall on the fast path, but " + mname(e.m) + " holds no P");
      }
    }
    g.in_syscall = false;
    return true;
  }

  // ---- the world ---------------------------------------------------------------------------

  bool on_stwbegin(const runtime::Event& e) {
    stw_requested = true;
    if (e.a != 1) return true;
    if (check(kStw1)) {
      for (const auto& [id, p] : ps) {
        if (p.status != Pgcstop && p.status != Pdead) {
          return fail(kStw1, "the world is declared stopped by " + gname(e.g) + " on " + mname(e.m) + ", but " + pname(id) +
                                 " is " + pst(p.status));
        }
      }
    }
    stopped = true;
    stopper_g = e.g;
    stopper_m = e.m;
    stopper_p = e.p;
    runnable_at_stop.clear();
    if (exact()) {
      for (const auto& [id, g] : gs)
        if (g.known && g.status == Grunnable) runnable_at_stop.push_back(id);
      std::sort(runnable_at_stop.begin(), runnable_at_stop.end());
    }
    return true;
  }

  bool on_stwend(const runtime::Event& e) {
    stw_requested = false;
    const std::int64_t procs = e.a;
    if (check(kStw2)) {
      for (const auto& [id, p] : ps) {
        if (id >= procs && (!p.ring.empty() || p.runnext != 0)) {
          return fail(kStw2, "the world restarts with gomaxprocs " + std::to_string(procs) + ", but " + pname(id) + " still has " +
                                 gname(p.runnext != 0 ? p.runnext : p.ring.front()) + " queued");
        }
      }
      for (std::int64_t id : runnable_at_stop) {
        GState& g = G(id);
        if (g.status != Grunnable || g.where == Where::None) {
          return fail(kStw2, gname(id) + " was runnable when the world stopped, but at the restart it is " + gst(g.status) +
                                 " and " + where_str(g.where, g.where_id));
        }
      }
    }
    stopped = false;
    stopper_m = kNoM;
    stopper_g = 0;
    stopper_p = -1;
    gomaxprocs = procs;
    runnable_at_stop.clear();
    return true;
  }

  // ---- program-level events ----------------------------------------------------------------

  bool on_usersend(const runtime::Event& e) {
    sends[e.b] = {e.g, e.n, e.a};
    return true;
  }

  bool on_userrecv(const TraceRecord& r) {
    const runtime::Event& e = r.ev;
    if (e.b == 0) {
      // Received because the channel is closed.
      if (exact()) {
        if (check(kChanClose1) && !closed.count(e.a)) {
          return fail(kChanClose1, gname(e.g) + " receives 'closed' on channel " + std::to_string(e.a) + ", which was never closed");
        }
      } else {
        recvs.push_back({cur_index, r});
      }
      return true;
    }
    if (check(kChanOnce1) && received.count(e.b)) {
      return fail(kChanOnce1, gname(e.g) + " receives tag " + std::to_string(e.b) + " on channel " + std::to_string(e.a) +
                                  ", which was already received");
    }
    received.insert(e.b);
    if (!exact()) {
      recvs.push_back({cur_index, r});  // resolved at finish(): the send may come later in the file
      return true;
    }
    return check_recv_matches(e, cur_index, r) && check_fifo(e);
  }

  // CHAN-ONCE-1: a received tag was sent, with that value, on that channel.
  bool check_recv_matches(const runtime::Event& e, std::uint64_t index, const TraceRecord& r) {
    counts[kChanOnce1]++;
    auto it = sends.find(e.b);
    if (it == sends.end()) {
      return fail_at(kChanOnce1, gname(e.g) + " receives tag " + std::to_string(e.b) + " (value " + std::to_string(e.n) +
                                     ") on channel " + std::to_string(e.a) + ", which no G sent",
                     index, r);
    }
    const SendInfo& s = it->second;
    if (s.value != e.n || s.chan != e.a) {
      return fail_at(kChanOnce1, gname(e.g) + " receives tag " + std::to_string(e.b) + " with value " + std::to_string(e.n) +
                                     " on channel " + std::to_string(e.a) + ", but " + gname(s.g) + " sent value " +
                                     std::to_string(s.value) + " on channel " + std::to_string(s.chan),
                     index, r);
    }
    return true;
  }

  // CHAN-FIFO-1: per (receiver, sender), tags increase (a sender's tags increase).
  bool check_fifo(const runtime::Event& e, std::uint64_t index = ~0ull, const TraceRecord* r = nullptr) {
    counts[kChanFifo1]++;
    const std::int64_t sender = sends.at(e.b).g;
    auto [it, fresh] = last_tag.try_emplace({e.g, sender, e.a}, e.b);
    if (!fresh) {
      if (e.b < it->second) {
        std::string why = gname(e.g) + " receives tag " + std::to_string(e.b) + " from " + gname(sender) + " on channel " +
                          std::to_string(e.a) + " after tag " + std::to_string(it->second) +
                          " from the same sender on the same channel";
        return r ? fail_at(kChanFifo1, why, index, *r) : fail(kChanFifo1, why);
      }
      it->second = e.b;
    }
    return true;
  }

  bool on_userlock(const runtime::Event& e) {
    auto [it, fresh] = mutex_holder.try_emplace(e.a, e.g);
    if (check(kMutex1) && !fresh && it->second != 0) {
      return fail(kMutex1, gname(e.g) + " acquires mutex " + std::to_string(e.a) + " while " + gname(it->second) + " holds it");
    }
    it->second = e.g;
    return true;
  }

  bool on_userunlock(const runtime::Event& e) {
    auto it = mutex_holder.find(e.a);
    if (check(kMutex1) && (it == mutex_holder.end() || it->second == 0)) {
      return fail(kMutex1, gname(e.g) + " unlocks mutex " + std::to_string(e.a) + ", which nobody holds");
    }
    if (it != mutex_holder.end()) it->second = 0;
    return true;
  }

  bool on_userwgadd(const runtime::Event& e) {
    WaitGroup& wg = wgs[e.a];
    if (e.n > 0) wg.pos_done += e.n;
    else wg.neg_started += -e.n;
    return true;
  }

  bool on_userwgwait(const runtime::Event& e) {
    WaitGroup& wg = wgs[e.a];
    if (e.b == 0) {
      wg.wait_snapshot[e.g] = wg.pos_done;
      return true;
    }
    auto it = wg.wait_snapshot.find(e.g);
    if (it == wg.wait_snapshot.end()) return true;  // no start seen
    const std::int64_t at_least = it->second - wg.neg_started;
    wg.wait_snapshot.erase(it);
    if (check(kWg1) && at_least > 0) {
      return fail(kWg1, gname(e.g) + "'s Wait on wait group " + std::to_string(e.a) + " returns, but the counter is at least " +
                            std::to_string(at_least) + " (adds completed before the Wait began minus every Done started)");
    }
    return true;
  }

  // ---- end of trace ------------------------------------------------------------------------

  bool finish() {
    if (violation) return false;
    if (!exact() && !finish_channels()) return false;
    if (last && last->ev.kind == EvKind::Exit) return finish_complete();
    return true;
  }

  // PerG: the channel clauses, with every send now known.
  bool finish_channels() {
    for (const RecvInfo& ri : recvs) {
      const runtime::Event& e = ri.rec.ev;
      if (e.b == 0) {
        counts[kChanClose1]++;
        if (!closed.count(e.a)) {
          return fail_at(kChanClose1, gname(e.g) + " receives 'closed' on channel " + std::to_string(e.a) + ", which is never closed",
                         ri.index, ri.rec);
        }
        continue;
      }
      if (!check_recv_matches(e, ri.index, ri.rec) || !check_fifo(e, ri.index, &ri.rec)) return false;
    }
    return true;
  }

  // CONSERVE-2 on a complete trace: no G is left running, in a syscall or in an M's hands.
  bool finish_complete() {
    std::vector<std::int64_t> ids;
    for (const auto& [id, g] : gs) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    for (std::int64_t id : ids) {
      const GState& g = gs[id];
      if (!g.known) continue;
      counts[kConserve2]++;
      const bool ok = g.status == Gdead || g.status == Gwaiting || g.status == Gidle || (g.status == Grunnable && in_queue(g));
      if (!ok) {
        return fail_at(kConserve2, "the trace is complete (Exit), but " + gname(id) + " is " + gst(g.status) + " and " +
                                       where_str(g.where, g.where_id) + ": only a dead, waiting or queued G may remain",
                       events - 1, *last, id);
      }
    }
    return true;
  }

  const Coverage& coverage() const {
    cov.clauses.clear();
    for (int i = 0; i < kClauseCount; i++) cov.clauses[std::string(kClauses[i].id)] = counts[i];
    cov.transitions = transitions;
    cov.events = events;
    return cov;
  }
};

// ---- the API -----------------------------------------------------------------------------------

std::span<const Clause> clauses() { return kClauses; }

const Clause* find_clause(std::string_view id) {
  for (const Clause& c : kClauses)
    if (c.id == id) return &c;
  return nullptr;
}

void Coverage::merge(const Coverage& other) {
  for (const auto& [id, n] : other.clauses) clauses[id] += n;
  for (const auto& [t, n] : other.transitions) transitions[t] += n;
  events += other.events;
}

Checker::Checker(Options opts) : s_(std::make_unique<State>(opts)) {}
Checker::~Checker() = default;
Checker::Checker(Checker&&) noexcept = default;
Checker& Checker::operator=(Checker&&) noexcept = default;

bool Checker::event(const trace::TraceRecord& r) { return s_->event(r); }
bool Checker::finish() { return s_->finish(); }
const std::optional<Violation>& Checker::violation() const { return s_->violation; }
const Coverage& Checker::coverage() const { return s_->coverage(); }

CheckResult check_trace(std::span<const trace::TraceRecord> records, Options opts) {
  Checker c(opts);
  for (const trace::TraceRecord& r : records)
    if (!c.event(r)) break;
  c.finish();
  return {c.violation(), c.coverage()};
}

std::string format_violation(const Violation& v) {
  std::string out = "VIOLATION " + v.clause + ": " + v.explanation + "\n";
  if (const Clause* c = find_clause(v.clause)) {
    out += "  clause: " + std::string(c->statement) + " (" + std::string(c->go_function) + ")\n";
  }
  out += "  events leading to it:\n";
  for (std::size_t i = 0; i < v.window.size(); i++) {
    const bool culprit = i + 1 == v.window.size();
    out += culprit ? " >> " : "    ";
    out += "[" + std::to_string(v.window_index[i]) + "] " + trace::dump_record(v.window[i]) + "\n";
  }
  return out;
}

std::string format_coverage(const Coverage& c, const std::optional<Violation>& v) {
  std::string out;
  for (const Clause& cl : kClauses) {
    const std::string id(cl.id);
    auto it = c.clauses.find(id);
    const std::uint64_t n = it == c.clauses.end() ? 0 : it->second;
    const char* status = v && v->clause == id ? "failed" : n == 0 ? "not-exercised" : "passed";
    char line[96];
    std::snprintf(line, sizeof line, "%-13s %-13s %llu\n", id.c_str(), status, static_cast<unsigned long long>(n));
    out += line;
  }
  return out;
}

// ---- OnlineChecker ---------------------------------------------------------------------------

OnlineChecker::OnlineChecker(Options opts) : checker_(opts) {}
OnlineChecker::~OnlineChecker() = default;

void OnlineChecker::set_on_violation(std::function<void(const Violation&)> fn) { on_violation_ = std::move(fn); }

void OnlineChecker::event(const runtime::Event& ev) {
  trace::TraceRecord r;
  r.ev = ev;
  r.seq = next_seq_[ev.m < 0 ? -1 : ev.m]++;
  r.gseq = ev.gseq;
  records_.push_back(r);
  if (!checker_.event(r) && !reported_ && checker_.violation()) {
    reported_ = true;
    if (on_violation_) on_violation_(*checker_.violation());
  }
}

bool OnlineChecker::finish() {
  const bool ok = checker_.finish();
  if (!ok && !reported_ && checker_.violation()) {
    reported_ = true;
    if (on_violation_) on_violation_(*checker_.violation());
  }
  return ok;
}

}  // namespace touchstone::check
