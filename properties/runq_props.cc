// properties/runq_props.cc — the run queues against a model (rapidcheck's rc::state commands).
//
// The system under test is the native runtime's per-P queues (runq.cc) on standalone Ps and Gs
// (testing::FakeSched, as runtime/runq_test.cc uses them; no scheduler runs, one thread). The
// model is what docs/ARCHITECTURE.md §4 and runq.cc promise, written as plainly as possible:
//
//   per P   a deque (the ring, head at the front) and runnext (-1: empty)
//   global  a list (head at the front)
//
//   put G (next=false)   G to the ring's tail; a full ring (256) first moves its first 128
//                        Gs and then G to the global tail (runqputslow), keeping the last 128
//   put G (next=true)    G into runnext; the previous runnext, if any, goes to the ring's tail
//                        as above
//   get                  runnext first (inheritTime = true), else the ring's head, else none
//   steal into P'        ceil(len/2) Gs from the victim ring's head; the last of them is
//                        returned, the others go to the thief's ring tail in order. An empty
//                        ring gives up its runnext only when stealRunNextG.
//   globput / globget    the global tail; globget takes min(size/gomaxprocs + 1, max, 128)
//                        from the head, returns the first, puts the rest on the P's ring
//
// After every command the whole state is compared: each ring slot by slot (head to tail),
// runnext, runqlen, runqempty, the global list and runqsize. The ring counters start at a
// generated offset (0, random, or just below 2^32) so that wrap-around is exercised too.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <cstdint>
#include <deque>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/export_test.h"

namespace touchstone::runtime {
namespace {

constexpr int kPs = 3;
constexpr std::size_t kRing = kRunqSize;  // 256

// ---- the model ---------------------------------------------------------------------------------

struct PModel {
  std::deque<int> ring;  // G indices, head first
  int runnext = -1;
};

struct Model {
  std::vector<PModel> ps = std::vector<PModel>(kPs);
  std::deque<int> global;
  int nextg = 0;  // the next fresh G index (every put uses a fresh G)

  // runqput's ring path (the kicked runnext or a plain put), with runqputslow on overflow.
  void ring_put(int p, int g) {
    auto& r = ps[p].ring;
    if (r.size() < kRing) {
      r.push_back(g);
      return;
    }
    for (std::size_t i = 0; i < kRing / 2; i++) {
      global.push_back(r.front());
      r.pop_front();
    }
    global.push_back(g);
  }
  void put(int p, int g, bool next) {
    if (next) {
      const int old = ps[p].runnext;
      ps[p].runnext = g;
      if (old < 0) return;
      g = old;
    }
    ring_put(p, g);
  }
  // How many runqsteal takes from victim v (0: none or, with runnext, see steal_runnext).
  std::size_t steal_count(int v) const {
    const std::size_t n = ps[v].ring.size();
    return n - n / 2;
  }
  std::size_t globget_count(int max) const {
    const std::size_t size = global.size();
    if (size == 0) return 0;
    std::size_t n = size / kPs + 1;
    if (n > size) n = size;
    if (max > 0 && n > std::size_t(max)) n = std::size_t(max);
    if (n > kRing / 2) n = kRing / 2;
    return n;
  }
};

std::string gname(int g) { return g < 0 ? "-" : "g" + std::to_string(g); }

// The observable state of the queues, as G indices.
struct State {
  std::vector<std::deque<int>> rings;  // per P, head first
  std::vector<int> nexts;              // per P, -1: empty
  std::deque<int> global;              // head first
  long runqsize = 0;
  bool operator==(const State&) const = default;
};

std::string describe(const State& st) {
  std::ostringstream os;
  for (std::size_t i = 0; i < st.rings.size(); i++) {
    os << "P" << i << " next=" << gname(st.nexts[i]) << " ring[" << st.rings[i].size() << "]=";
    for (int g : st.rings[i]) os << gname(g) << ",";
    os << "\n";
  }
  os << "global[" << st.runqsize << "]=";
  for (int g : st.global) os << gname(g) << ",";
  return os.str();
}

State state_of(const Model& m) {
  State st;
  for (const auto& p : m.ps) {
    st.rings.push_back(p.ring);
    st.nexts.push_back(p.runnext);
  }
  st.global = m.global;
  st.runqsize = long(m.global.size());
  return st;
}

// ---- the system under test ---------------------------------------------------------------------

struct Sut {
  testing::FakeSched s{kPs, 0};
  explicit Sut(const std::vector<std::uint32_t>& offsets) {
    for (int i = 0; i < kPs; i++) {
      s.ps[i]->runqhead.store(offsets[i], platform::relaxed);
      s.ps[i]->runqtail.store(offsets[i], platform::relaxed);
    }
  }
  G* g(int index) {
    while (int(s.gs.size()) <= index) {
      auto* gp = new G();
      gp->goid = std::int64_t(s.gs.size());  // goid = the model's index
      gp->atomicstatus.store(Grunnable, platform::relaxed);
      s.gs.push_back(gp);
    }
    return s.gs[index];
  }
  static int index(const G* gp) { return gp == nullptr ? -1 : int(gp->goid); }
  P* p(int i) { return s.ps[i]; }

  // The observable state, read straight from the structures (single-threaded: no races).
  State state() {
    State st;
    for (int i = 0; i < kPs; i++) {
      P* pp = s.ps[i];
      const std::uint32_t h = pp->runqhead.load(platform::relaxed);
      const std::uint32_t t = pp->runqtail.load(platform::relaxed);
      std::deque<int> ring;
      for (std::uint32_t k = h; k != t && ring.size() <= kRing; k++) {
        ring.push_back(index(pp->runq[k % kRing].load(platform::relaxed)));
      }
      st.rings.push_back(std::move(ring));
      st.nexts.push_back(index(pp->runnext.load(platform::relaxed)));
    }
    for (G* gp = sched.runqhead_; gp != nullptr && st.global.size() <= s.gs.size(); gp = gp->schedlink) {
      st.global.push_back(index(gp));
    }
    st.runqsize = long(sched.runqsize.load(platform::relaxed));
    return st;
  }
};

// Every command ends by comparing the whole state and the derived queries with the model.
void check_state(const Model& m, Sut& sut) {
  const State want = state_of(m);
  const State got = sut.state();
  if (!(got == want)) RC_FAIL("the queues differ from the model\nSUT:\n" + describe(got) + "\nmodel:\n" + describe(want));
  for (int i = 0; i < kPs; i++) {
    RC_ASSERT(runqlen(sut.p(i)) == std::uint32_t(m.ps[i].ring.size()));
    RC_ASSERT(runqempty(sut.p(i)) == (m.ps[i].ring.empty() && m.ps[i].runnext < 0));
  }
  if (!m.global.empty()) RC_ASSERT(sched.runqtail_ == sut.g(m.global.back()));
  else RC_ASSERT(sched.runqtail_ == nullptr);
}

using Cmd = rc::state::Command<Model, Sut>;

// runqput(P, fresh G, next).
struct Put : Cmd {
  int p = *rc::gen::inRange(0, kPs);
  bool next = *rc::gen::arbitrary<bool>();
  void apply(Model& m) const override { m.put(p, m.nextg++, next); }
  void run(const Model& m0, Sut& sut) const override {
    runqput(sut.p(p), sut.g(m0.nextg), next);
    check_state(nextState(m0), sut);
  }
  void show(std::ostream& os) const override { os << "put P" << p << (next ? " next" : ""); }
};

// k plain puts in a row: how the ring fills up and overflows (runqputslow) in few commands.
struct PutMany : Cmd {
  int p = *rc::gen::inRange(0, kPs);
  int k = *rc::gen::inRange(1, 300);
  void apply(Model& m) const override {
    for (int i = 0; i < k; i++) m.put(p, m.nextg++, false);
  }
  void run(const Model& m0, Sut& sut) const override {
    for (int i = 0; i < k; i++) runqput(sut.p(p), sut.g(m0.nextg + i), false);
    check_state(nextState(m0), sut);
  }
  void show(std::ostream& os) const override { os << "put P" << p << " x" << k; }
};

// runqget(P): runnext first, then the ring's head.
struct Get : Cmd {
  int p = *rc::gen::inRange(0, kPs);
  void apply(Model& m) const override {
    auto& pm = m.ps[p];
    if (pm.runnext >= 0) {
      pm.runnext = -1;
    } else if (!pm.ring.empty()) {
      pm.ring.pop_front();
    }
  }
  void run(const Model& m0, Sut& sut) const override {
    const auto& pm = m0.ps[p];
    const int want = pm.runnext >= 0 ? pm.runnext : pm.ring.empty() ? -1 : pm.ring.front();
    bool inherit = false;
    G* got = runqget(sut.p(p), &inherit);
    RC_ASSERT(Sut::index(got) == want);
    if (got != nullptr) RC_ASSERT(inherit == (pm.runnext >= 0));
    check_state(nextState(m0), sut);
  }
  void show(std::ostream& os) const override { os << "get P" << p; }
};

// runqsteal(thief, victim, stealRunNextG).
struct Steal : Cmd {
  int thief = *rc::gen::inRange(0, kPs);
  int victim = *rc::gen::inRange(0, kPs);
  bool runnext = *rc::gen::arbitrary<bool>();
  void checkPreconditions(const Model& m) const override {
    RC_PRE(thief != victim);
    // runqsteal is called with room for the batch (Go: an empty local queue); past it, it
    // throws "runq overflow".
    const std::size_t n = m.steal_count(victim);
    RC_PRE(n == 0 || m.ps[thief].ring.size() + n - 1 < kRing);
  }
  void apply(Model& m) const override {
    auto& v = m.ps[victim];
    const std::size_t n = m.steal_count(victim);
    if (n == 0) {
      if (runnext) v.runnext = -1;
      return;
    }
    for (std::size_t i = 0; i + 1 < n; i++) {
      m.ps[thief].ring.push_back(v.ring.front());
      v.ring.pop_front();
    }
    v.ring.pop_front();  // the one returned to run
  }
  void run(const Model& m0, Sut& sut) const override {
    const auto& v = m0.ps[victim];
    const std::size_t n = m0.steal_count(victim);
    const int want = n > 0 ? v.ring[n - 1] : runnext ? v.runnext : -1;
    G* got = runqsteal(sut.p(thief), sut.p(victim), runnext);
    RC_ASSERT(Sut::index(got) == want);
    check_state(nextState(m0), sut);
  }
  void show(std::ostream& os) const override {
    os << "steal P" << victim << " -> P" << thief << (runnext ? " runnext" : "");
  }
};

// globrunqput(fresh G) under sched.lock.
struct GlobPut : Cmd {
  void apply(Model& m) const override { m.global.push_back(m.nextg++); }
  void run(const Model& m0, Sut& sut) const override {
    G* gp = sut.g(m0.nextg);
    sched.lock.lock();
    globrunqput(gp);
    sched.lock.unlock();
    check_state(nextState(m0), sut);
  }
  void show(std::ostream& os) const override { os << "globput"; }
};

// globrunqget(P, max) under sched.lock.
struct GlobGet : Cmd {
  int p = *rc::gen::inRange(0, kPs);
  int max = *rc::gen::element(0, 1, 4);
  void checkPreconditions(const Model& m) const override {
    // The rest goes to the P's ring with runqput, under sched.lock: it must fit (findRunnable
    // calls it with an empty local queue, or with max = 1).
    const std::size_t n = m.globget_count(max);
    RC_PRE(n == 0 || m.ps[p].ring.size() + n - 1 <= kRing);
  }
  void apply(Model& m) const override {
    const std::size_t n = m.globget_count(max);
    if (n == 0) return;
    m.global.pop_front();
    for (std::size_t i = 1; i < n; i++) {
      m.ps[p].ring.push_back(m.global.front());
      m.global.pop_front();
    }
  }
  void run(const Model& m0, Sut& sut) const override {
    const int want = m0.global.empty() ? -1 : m0.global.front();
    sched.lock.lock();
    G* got = globrunqget(sut.p(p), max);
    sched.lock.unlock();
    RC_ASSERT(Sut::index(got) == want);
    check_state(nextState(m0), sut);
  }
  void show(std::ostream& os) const override { os << "globget P" << p << " max " << max; }
};

RC_GTEST_PROP(RunqProps, QueuesFollowTheModel, ()) {
  // Where each ring's free-running counters start: 0, anywhere, or just below the wrap.
  const auto offsets = *rc::gen::container<std::vector<std::uint32_t>>(
      kPs, rc::gen::oneOf(rc::gen::just(std::uint32_t(0)), rc::gen::arbitrary<std::uint32_t>(),
                          rc::gen::inRange(std::numeric_limits<std::uint32_t>::max() - 600u,
                                           std::numeric_limits<std::uint32_t>::max())));
  Sut sut(offsets);
  rc::state::check(Model{}, sut, rc::state::gen::execOneOfWithArgs<Put, Put, PutMany, Get, Get, Steal, GlobPut, GlobGet>());
}

}  // namespace
}  // namespace touchstone::runtime
