// fuzz/runq.cc — one P's run queue (runtime/runq.cc, simulated) against a sequential model.
//
// Scene: the owner P's M is simulated thread 0 and runs a list of owner operations (runqput to
// the ring or to runnext, bursts that overflow the 256-slot ring into the global queue,
// runqputbatch, runqget, runqempty/runqlen); one or two thieves are further simulated threads,
// each the owner of its own P, running Go's findrunnable step: runqget on its own P, else
// runqsteal from the owner's P (with or without stealRunNextG). Every atomic operation is a
// scheduling point decided by sim::make_bytes over the tail of the input.
//
// Input layout:
//   byte 0          bit 0: two thieves (else one); bit 1: the owner P is Prunning (a thief then
//                   sleeps 3 µs before taking runnext) else Pidle; bits 2-7: ops - 1 (1..64)
//   next ops bytes  one operation each (fewer if the input ends):
//     b < 0x80, b%8 = 0,1 runqput ring      2 runqput runnext      3,4 runqget
//                     5 burst: 16*(1+(b>>3)%16) ring puts (16..256)
//                     6 runqputbatch of 1+(b>>3)%16 Gs             7 runqempty + runqlen
//     b >= 0x80       thief (b>>6)&1 (modulo the thief count), b%4 = 0 find (runqget own, else
//                     runqsteal), 1 find with stealRunNextG, 2 find then drain own queue, 3 get own
//   the rest        scheduling decisions (sim::make_bytes)
// At most kMaxGs Gs are put in one input (later puts are skipped).
//
// Model (checked as results come back, and at the end):
//   - every pointer returned is one of this input's Gs, and no G is returned twice;
//   - every G put is returned exactly once (got by the owner, stolen or got by a thief, or found
//     in the global queue after the run);
//   - owner FIFO: the Gs the owner gets from its ring (inheritTime false) come in ring-entry
//     order, and only after they entered the ring; a G got with inheritTime true is the one the
//     latest runqput(next) put (an older runnext G was kicked to the ring or taken);
//   - a thief's own ring holds only Gs stolen from the owner's ring, so its runqget returns
//     them in ring-entry order and never with inheritTime;
//   - after the owner's final drain its queue is empty (runqempty, runqlen 0);
//   - the simulated run ends normally (no runtime fatal such as "runqsteal: runq overflow", no
//     deadlock, no step bound).
// A violation prints "fuzz runq: ..." and aborts.
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <span>
#include <vector>

#include "platform/platform.h"
#include "platform/sim/world.h"
#include "runtime/proc.h"
#include "fuzz/fuzz_model.h"
#include "runtime/sim_harness.h"

namespace {

using namespace touchstone;
using runtime::G;
using runtime::P;

constexpr int kMaxGs = 640;
constexpr int kMaxThieves = 2;
constexpr std::uint64_t kNever = ~std::uint64_t{0};

[[noreturn, gnu::format(printf, 1, 2)]] void fail(const char* fmt, ...) {
  std::fputs("fuzz runq: ", stderr);
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  std::abort();
}

enum class OwnerKind : std::uint8_t { PutRing, PutNext, Get, Burst, PutBatch, Query };
enum class ThiefKind : std::uint8_t { Find, FindNext, FindDrain, Get };

struct OwnerOp {
  OwnerKind kind;
  int first = 0;  // first G of a put
  int count = 0;  // Gs put
};

struct ThiefOp {
  ThiefKind kind;
};

// Per G: its ring-entry order and the owner op index at which it enters the ring.
struct GInfo {
  std::uint64_t key = kNever;
  int entered_op = 0;
  bool via_next = false;
  int taken = 0;
};

// Static storage, constructed afresh (placement new, default-initialised: only what the types
// initialise themselves) for every input: the Ps and only as many Gs as the input puts.
struct Scene {
  P owner;
  P thief_p[kMaxThieves];
  G* gs = nullptr;
};
alignas(Scene) unsigned char g_scene_storage[sizeof(Scene)];
alignas(G) unsigned char g_gs_storage[kMaxGs][sizeof(G)];

struct Model {
  Scene* s = nullptr;
  int ngs = 0;
  int nthieves = 1;
  bool owner_running = false;
  std::vector<OwnerOp> owner_ops;
  std::vector<ThiefOp> thief_ops[kMaxThieves];
  std::vector<GInfo> info;
  // Owner state while it runs.
  int cur_op = 0;
  int latest_next = -1;            // the G the latest runqput(next) put
  std::uint64_t owner_last_key = 0;
  bool owner_got_ring = false;
  std::uint64_t thief_last_key[kMaxThieves] = {};
  bool thief_got_ring[kMaxThieves] = {};
};

Model g_model;

int index_of(G* gp, const char* who) {
  Scene* s = g_model.s;
  if (gp < s->gs || gp >= s->gs + g_model.ngs) fail("%s returned %p, which is not a G put in this run", who, (void*)gp);
  return int(gp - s->gs);
}

void take(int i, const char* who) {
  GInfo& gi = g_model.info[std::size_t(i)];
  if (gi.taken++ != 0) fail("G %d returned twice (the second time by %s)", i, who);
}

void owner_got(G* gp, bool inherit, const char* when) {
  const int i = index_of(gp, "owner runqget");
  take(i, "owner runqget");
  const GInfo& gi = g_model.info[std::size_t(i)];
  if (inherit) {
    if (i != g_model.latest_next) {
      fail("owner runqget (%s, op %d) returned G %d with inheritTime (from runnext), but the latest "
           "runqput(next) put G %d",
           when, g_model.cur_op, i, g_model.latest_next);
    }
    return;
  }
  if (gi.key == kNever || gi.entered_op > g_model.cur_op) {
    fail("owner runqget (%s, op %d) returned G %d from the ring, but it enters the ring only at op %d", when,
         g_model.cur_op, i, gi.key == kNever ? -1 : gi.entered_op);
  }
  if (g_model.owner_got_ring && gi.key <= g_model.owner_last_key) {
    fail("owner runqget (%s, op %d) returned G %d (ring order %llu) after a G of ring order %llu: not FIFO", when,
         g_model.cur_op, i, (unsigned long long)gi.key, (unsigned long long)g_model.owner_last_key);
  }
  g_model.owner_got_ring = true;
  g_model.owner_last_key = gi.key;
}

void thief_got_own(int t, G* gp, bool inherit) {
  const int i = index_of(gp, "thief runqget");
  take(i, "thief runqget");
  const GInfo& gi = g_model.info[std::size_t(i)];
  if (inherit) fail("thief %d's runqget returned G %d with inheritTime, but nothing puts to its runnext", t, i);
  if (gi.key == kNever) fail("thief %d's ring held G %d, which never entered the owner's ring", t, i);
  if (g_model.thief_got_ring[t] && gi.key <= g_model.thief_last_key[t]) {
    fail("thief %d's runqget returned G %d (ring order %llu) after ring order %llu: a steal broke the ring's order", t,
         i, (unsigned long long)gi.key, (unsigned long long)g_model.thief_last_key[t]);
  }
  g_model.thief_got_ring[t] = true;
  g_model.thief_last_key[t] = gi.key;
}

struct ThiefArg {
  int t;
};

void thief_main(void* arg) {
  const int t = static_cast<ThiefArg*>(arg)->t;
  Scene* s = g_model.s;
  P* me = &s->thief_p[t];
  bool inherit = false;
  auto find = [&](bool steal_next) {
    if (G* gp = runtime::runqget(me, &inherit)) {
      thief_got_own(t, gp, inherit);
      return;
    }
    if (G* gp = runtime::runqsteal(me, &s->owner, steal_next)) take(index_of(gp, "runqsteal"), "runqsteal");
  };
  for (const ThiefOp& op : g_model.thief_ops[t]) {
    switch (op.kind) {
      case ThiefKind::Find: find(false); break;
      case ThiefKind::FindNext: find(true); break;
      case ThiefKind::FindDrain:
        find(true);
        while (G* gp = runtime::runqget(me, &inherit)) thief_got_own(t, gp, inherit);
        break;
      case ThiefKind::Get:
        if (G* gp = runtime::runqget(me, &inherit)) thief_got_own(t, gp, inherit);
        break;
    }
  }
  while (G* gp = runtime::runqget(me, &inherit)) thief_got_own(t, gp, inherit);
}

void owner_body() {
  Scene* s = g_model.s;
  s->owner.status.store(g_model.owner_running ? runtime::Prunning : runtime::Pidle, platform::relaxed);
  ThiefArg args[kMaxThieves];
  platform::Thread threads[kMaxThieves];
  for (int t = 0; t < g_model.nthieves; t++) {
    args[t].t = t;
    threads[t].start(thief_main, &args[t]);
  }
  bool inherit = false;
  G* batch[16];
  for (std::size_t k = 0; k < g_model.owner_ops.size(); k++) {
    const OwnerOp& op = g_model.owner_ops[k];
    g_model.cur_op = int(k);
    switch (op.kind) {
      case OwnerKind::PutRing:
      case OwnerKind::Burst:
        for (int j = 0; j < op.count; j++) runtime::runqput(&s->owner, &s->gs[op.first + j], false);
        break;
      case OwnerKind::PutNext:
        runtime::runqput(&s->owner, &s->gs[op.first], true);
        g_model.latest_next = op.first;
        break;
      case OwnerKind::PutBatch:
        for (int j = 0; j < op.count; j++) batch[j] = &s->gs[op.first + j];
        runtime::runqputbatch(&s->owner, batch, std::uint32_t(op.count));
        break;
      case OwnerKind::Get:
        if (G* gp = runtime::runqget(&s->owner, &inherit)) owner_got(gp, inherit, "during the ops");
        break;
      case OwnerKind::Query: {
        runtime::runqempty(&s->owner);
        const std::uint32_t n = runtime::runqlen(&s->owner);
        if (n > runtime::kRunqSize) fail("runqlen of the owner's P is %u at op %zu (> %zu)", n, k, runtime::kRunqSize);
        break;
      }
    }
  }
  g_model.cur_op = int(g_model.owner_ops.size());
  for (int t = 0; t < g_model.nthieves; t++) threads[t].join();
  while (G* gp = runtime::runqget(&s->owner, &inherit)) owner_got(gp, inherit, "final drain");
  if (!runtime::runqempty(&s->owner) || runtime::runqlen(&s->owner) != 0) {
    fail("the owner's queue is not empty after runqget returned nothing (runqlen %u)", runtime::runqlen(&s->owner));
  }
  // What runqputslow/runqputbatch moved to the global queue.
  runtime::sched.lock.lock();
  int n = 0;
  for (G* gp = runtime::sched.runqhead_; gp != nullptr; gp = gp->schedlink) {
    take(index_of(gp, "the global queue"), "the global queue");
    if (++n > g_model.ngs) fail("the global queue is longer than the number of Gs (a cycle?)");
  }
  if (runtime::sched.runqsize.load(platform::relaxed) != n) {
    fail("sched.runqsize is %d but the global queue holds %d Gs", runtime::sched.runqsize.load(platform::relaxed), n);
  }
  runtime::sched.runqhead_ = nullptr;
  runtime::sched.runqtail_ = nullptr;
  runtime::sched.runqsize.store(0, platform::relaxed);
  runtime::sched.lock.unlock();
}

// Decodes the operations; returns the number of bytes they used.
std::size_t decode_ops(const std::uint8_t* data, std::size_t size) {
  Model& m = g_model;
  // Capacity for the largest input up front, so that no input's coverage depends on what an
  // earlier input left behind (AFL++ stability).
  m.owner_ops.reserve(64);
  m.owner_ops.clear();
  for (auto& v : m.thief_ops) {
    v.reserve(64);
    v.clear();
  }
  m.info.reserve(kMaxGs);
  m.info.clear();
  m.ngs = 0;
  const std::uint8_t h = size > 0 ? data[0] : 0;
  m.nthieves = 1 + (h & 1);
  m.owner_running = (h >> 1) & 1;
  const std::size_t nops = 1 + (h >> 2);
  std::size_t used = size > 0 ? 1 : 0;
  // Ring-entry order: a counter bumped by every G that enters the owner's ring, in program order
  // (a runqput(next) kicks the previous runnext G to the ring when nobody took it meanwhile).
  std::uint64_t seq = 0;
  int pending_next = -1;
  auto alloc = [&](int count, int op_index, bool via_next) -> int {
    if (count > kMaxGs - m.ngs) count = kMaxGs - m.ngs;
    const int first = m.ngs;
    for (int j = 0; j < count; j++) {
      GInfo gi;
      gi.via_next = via_next;
      if (!via_next) {
        gi.key = seq++;
        gi.entered_op = op_index;
      }
      m.info.push_back(gi);
    }
    m.ngs += count;
    return first;
  };
  for (std::size_t k = 0; k < nops && used < size; k++, used++) {
    const std::uint8_t b = data[used];
    if (b >= 0x80) {
      const int t = ((b >> 6) & 1) % m.nthieves;
      m.thief_ops[t].push_back(ThiefOp{ThiefKind(b & 3)});
      continue;
    }
    const int op_index = int(m.owner_ops.size());
    OwnerOp op{OwnerKind::Get};
    int want = 0;
    switch (b & 7) {
      case 0: case 1: op.kind = OwnerKind::PutRing; want = 1; break;
      case 2: op.kind = OwnerKind::PutNext; want = 1; break;
      case 3: case 4: op.kind = OwnerKind::Get; break;
      case 5: op.kind = OwnerKind::Burst; want = 16 * (1 + ((b >> 3) & 15)); break;
      case 6: op.kind = OwnerKind::PutBatch; want = 1 + ((b >> 3) & 15); break;
      case 7: op.kind = OwnerKind::Query; break;
    }
    if (want > 0) {
      if (op.kind == OwnerKind::PutNext) {
        if (m.ngs >= kMaxGs) continue;
        if (pending_next >= 0) {
          m.info[std::size_t(pending_next)].key = seq++;
          m.info[std::size_t(pending_next)].entered_op = op_index;
        }
        op.first = alloc(1, op_index, true);
        op.count = 1;
        pending_next = op.first;
      } else {
        op.first = alloc(want, op_index, false);
        op.count = m.ngs - op.first;
        if (op.count == 0) continue;
      }
    }
    m.owner_ops.push_back(op);
  }
  return used;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::size_t used = decode_ops(data, size);
  Model& m = g_model;
  m.s = new (g_scene_storage) Scene;
  m.s->gs = reinterpret_cast<G*>(g_gs_storage);
  for (int i = 0; i < m.ngs; i++) new (g_gs_storage[i]) G;
  m.cur_op = 0;
  m.latest_next = -1;
  m.owner_last_key = 0;
  m.owner_got_ring = false;
  for (int t = 0; t < kMaxThieves; t++) {
    m.thief_last_key[t] = 0;
    m.thief_got_ring[t] = false;
  }
  auto strategy = sim::make_bytes(std::span<const std::uint8_t>(data + used, size - used));
  sim::Config cfg;
  cfg.max_steps = 2'000'000;
  cfg.model = touchstone::fuzz::fuzz_model();  // TOUCHSTONE_FUZZ_MODEL / _ARCH (fuzz_model.h); default sc
  const sim::Result r = touchstone::simulate(cfg, *strategy, owner_body);
  static const bool verbose = std::getenv("TOUCHSTONE_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "fuzz runq: %d owner ops, %d Gs, %llu points, %zu decisions\n", int(m.owner_ops.size()), m.ngs, (unsigned long long)r.steps, r.log.size());
  if (!r.ok()) fail("simulated run failed: %s: %s", sim::failure_name(r.failure), r.message.c_str());
  for (int i = 0; i < m.ngs; i++) {
    if (m.info[std::size_t(i)].taken != 1) fail("G %d was put but never returned", i);
  }
  for (int i = 0; i < m.ngs; i++) m.s->gs[i].~G();
  m.s->~Scene();
  m.s = nullptr;
  return 0;
}
