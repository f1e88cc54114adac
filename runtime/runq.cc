// runtime/runq.cc — per-P run queues and the global run queue (Go's proc.go, runq*).
//
// The per-P queue is a 256-slot ring plus `runnext`:
//
//   head ──► [ G G G G ... ] ◄── tail        runnext: one G that runs before the ring
//
//   - Only the owner P's M writes tail and stores a G into runnext (runqput).
//   - The owner takes from the head (runqget); thieves take half from the head (runqgrab), both
//     by CAS on head. A thief may CAS runnext to null (on its last stealing pass only).
//   - head and tail are free-running uint32 counters; tail - head ∈ [0, 256] for the owner.
//     A thief can read a head and a tail from different moments, so it rejects n > 128.
//
// Orders, and what each pairs with (Go uses LoadAcq/StoreRel/CasRel here; on amd64, arm64 and
// riscv64 those are in fact sequentially consistent, see docs/ARCHITECTURE.md "Barriers"):
//
//   (P1) runqput: slot store (relaxed) then tail.store(release). Pairs with the thief's
//        tail.load(acquire) in runqgrab (A1): the slot and everything the owner wrote to the G
//        before queueing it (its status, its saved context) is visible to the thief.
//   (P2) consumers commit a take with head.cas(release) (owner in runqget, thief in runqgrab).
//        Pairs with the producer's head.load(acquire) in runqput (A2): the consumer's reads of
//        the slots happen before the producer overwrites them.
//   (A1) runqgrab loads head and tail with acquire (tail: see P1; head: see P2, so a thief
//        that reads slots after another consumer's commit reads the slots it committed past).
//   (A2) runqput loads head with acquire (see P2).
//   (R)  runnext is changed only by CAS (acq_rel): the owner publishes a G with it (release
//        half, like P1) and the owner or a thief takes one with it (acquire half).
//   Slots are Atomic<G*> accessed relaxed: a thief's read of a slot can race with the owner
//   overwriting it after a lapped CAS; the CAS on head then fails and the value is discarded.
//   In Go that read is a benign race; in C++ a non-atomic one would be undefined behaviour.
//
// The wakeup protocol needs a StoreLoad barrier between publishing a G here and reading
// sched.nmspinning; that fence lives in wakep (proc.cc), not here, so that a batch of puts
// pays it once.
//
// Rejected alternatives: a mutex-protected deque (a lock on every local put/get — Go's design
// exists to avoid it); a Chase–Lev deque (the owner takes LIFO, which breaks Go's FIFO order
// that the fairness rules and the conformance spec rely on).
#include "runtime/gstatus.h"
#include "runtime/proc.h"
#include "runtime/trace.h"

namespace touchstone::runtime {

namespace {
inline std::uint32_t idx(std::uint32_t i) { return i % kRunqSize; }
[[noreturn, gnu::cold]] void throw_(const char* msg) { platform::fatal("fatal error: ", msg); }
}  // namespace

// runqput tries to put gp on the local runnable queue. If next is true, it puts gp in
// pp.runnext, kicking the previous runnext G (if any) to the tail of the ring. If the ring is
// full, half of it plus gp go to the global queue. Executed only by the owner P.
void runqput(P* pp, G* gp, bool next) {
  std::uint32_t kicked = 0;
  if (next) {
    // The event goes out right after the CAS (its linearization point); its gseq is drawn
    // before, while gp is still ours alone (runtime/trace.h).
    const std::uint64_t seq = trace::on() ? trace::next_gseq(gp) : 0;
    G* oldnext = pp->runnext.load(platform::relaxed);
    // (R) acq_rel: release publishes gp's fields to a thief that CASes runnext; acquire
    // orders us after a thief that just emptied it.
    while (!pp->runnext.cas(oldnext, gp, platform::acq_rel, platform::relaxed)) {
    }
    TS_TRACE_GSEQ(gp, seq, EvKind::RunqPut, pp->id, 1, 0, 0);
    if (oldnext == nullptr) return;
    gp = oldnext;  // kick the old runnext out to the regular run queue
    kicked = 1;
  }
  for (;;) {
    // (A2) acquire: pairs with consumers' head CAS (P2): their slot reads are done.
    const std::uint32_t h = pp->runqhead.load(platform::acquire);
    const std::uint32_t t = pp->runqtail.load(platform::relaxed);  // owner-only writer
    if (t - h < kRunqSize) {
      pp->runq[idx(t)].store(gp, platform::relaxed);
      // Emitted before the publishing store: no other M can see gp in the ring before it.
      TS_TRACE_G(gp, EvKind::RunqPut, pp->id, 0, kicked, 0);
      // (P1) release: publishes the slot and gp's fields to thieves (A1) and to our runqget.
      pp->runqtail.store(t + 1, platform::release);
      return;
    }
    if (runqputslow(pp, gp, h, t)) return;
    // A thief made room: retry the fast path with the same G (still the kicked one, if it was).
    // The queue is not full anymore: a thief took some. Retry the fast path.
  }
}

// runqputslow moves half of the full ring plus gp to the global queue. Owner only.
bool runqputslow(P* pp, G* gp, std::uint32_t h, std::uint32_t t) {
  G* batch[kRunqSize / 2 + 1];
  std::uint32_t n = t - h;
  n = n / 2;
  if (n != kRunqSize / 2) throw_("runqputslow: queue is not full");
  for (std::uint32_t i = 0; i < n; i++) batch[i] = pp->runq[idx(h + i)].load(platform::relaxed);
  // (P2) release: commits the take; the producer (us, later) and thieves acquire head.
  if (!pp->runqhead.cas_from(h, h + n, platform::release, platform::relaxed)) return false;
  if (trace::on()) {
    for (std::uint32_t i = 0; i < n; i++) TS_TRACE_G(batch[i], EvKind::RunqPutSlow, pp->id, 0, 0, 0);
  }
  batch[n] = gp;
  // Link the Gs only after the CAS claimed them: before it, a thief may own some of them.
  for (std::uint32_t i = 0; i < n; i++) batch[i]->schedlink = batch[i + 1];
  batch[n]->schedlink = nullptr;
  sched.lock.lock();
  globrunqputbatch(batch[0], batch[n], std::int32_t(n + 1));
  sched.lock.unlock();
  return true;
}

// runqputbatch puts n Gs on the local ring; what does not fit goes to the global queue.
// Owner only.
void runqputbatch(P* pp, G** batch, std::uint32_t n) {
  const std::uint32_t h = pp->runqhead.load(platform::acquire);  // (A2)
  std::uint32_t t = pp->runqtail.load(platform::relaxed);
  std::uint32_t i = 0;
  for (; i < n && t - h < kRunqSize; i++, t++) {
    pp->runq[idx(t)].store(batch[i], platform::relaxed);
    TS_TRACE_G(batch[i], EvKind::RunqPut, pp->id, 0, 0, 0);  // before the publishing store
  }
  pp->runqtail.store(t, platform::release);  // (P1)
  if (i == n) return;
  for (std::uint32_t j = i; j + 1 < n; j++) batch[j]->schedlink = batch[j + 1];
  batch[n - 1]->schedlink = nullptr;
  // Under sched.lock: globrunqputbatch touches the global queue (golang/go#40457).
  sched.lock.lock();
  globrunqputbatch(batch[i], batch[n - 1], std::int32_t(n - i));
  sched.lock.unlock();
}

// runqget takes a G from the local queue: runnext first, then the ring's head. *inheritTime
// is true for runnext (the G shares the current time slice). Owner only.
G* runqget(P* pp, bool* inheritTime) {
  G* next = pp->runnext.load(platform::relaxed);
  // A failed CAS can only mean a thief took runnext; then try the ring. (R)
  if (next != nullptr && pp->runnext.cas_from(next, nullptr, platform::acq_rel, platform::relaxed)) {
    *inheritTime = true;
    TS_TRACE_G(next, EvKind::RunqGet, pp->id, 1, 0, 0);
    return next;
  }
  for (;;) {
    const std::uint32_t h = pp->runqhead.load(platform::acquire);  // (A1 for the owner)
    const std::uint32_t t = pp->runqtail.load(platform::relaxed);  // owner-only writer
    if (t == h) return nullptr;
    G* gp = pp->runq[idx(h)].load(platform::relaxed);
    if (pp->runqhead.cas_from(h, h + 1, platform::release, platform::relaxed)) {  // (P2)
      *inheritTime = false;
      TS_TRACE_G(gp, EvKind::RunqGet, pp->id, 0, 0, 0);
      return gp;
    }
  }
}

// runqgrab copies half of p2's ring (rounded up) into batch starting at batchHead, and
// returns how many. With stealRunNextG it may take p2's runnext when the ring is empty.
// Any P may call it.
std::uint32_t runqgrab(P* p2, Atomic<G*>* batch, std::uint32_t batchHead, bool stealRunNextG) {
  for (;;) {
    const std::uint32_t h = p2->runqhead.load(platform::acquire);  // (A1)
    const std::uint32_t t = p2->runqtail.load(platform::acquire);  // (A1), pairs with (P1)
    std::uint32_t n = t - h;
    n = n - n / 2;
    if (n == 0) {
      if (!stealRunNextG) return 0;
      G* next = p2->runnext.load(platform::acquire);
      if (next == nullptr) return 0;
      if (p2->status.load(platform::relaxed) == Prunning) {
        // p2 may be about to run next (it readied it and is about to block): give it ~3µs so
        // we do not bounce the G between Ps. Go's comment: a sync channel op takes ~50ns.
        platform::usleep(3);
      }
      if (!p2->runnext.cas_from(next, nullptr, platform::acq_rel, platform::relaxed)) continue;  // (R)
      TS_TRACE_G(next, EvKind::RunqSteal, -1, std::uint32_t(p2->id), 1 | 2, 0);
      batch[idx(batchHead)].store(next, platform::relaxed);
      return 1;
    }
    if (n > kRunqSize / 2) continue;  // read an inconsistent h and t
    G* got[kRunqSize / 2];  // what we copied, for the events after the commit
    for (std::uint32_t i = 0; i < n; i++) {
      G* gp = p2->runq[idx(h + i)].load(platform::relaxed);
      batch[idx(batchHead + i)].store(gp, platform::relaxed);
      got[i] = gp;
    }
#if defined(TOUCHSTONE_BROKEN_STEAL)
    // The purposely broken runtime (touchstone-broken): the thief never commits its take, so
    // the victim keeps the Gs it just stole — each runs twice. The conformance checker must
    // catch it (tools/cli/cli_test.sh); never defined in a real build.
    if (p2->runqhead.load(platform::acquire) == h) {
#else
    if (p2->runqhead.cas_from(h, h + n, platform::release, platform::relaxed)) {  // (P2)
#endif
      // One event per G, right after the commit; the last is the one the thief runs.
      if (trace::on()) {
        for (std::uint32_t i = 0; i < n; i++) {
          TS_TRACE_G(got[i], EvKind::RunqSteal, -1, std::uint32_t(p2->id), i + 1 == n ? 2u : 0u, 0);
        }
      }
      return n;
    }
  }
}

// runqsteal steals half of p2's queue into pp's (empty) ring and returns one G to run.
// Called by pp's owner.
G* runqsteal(P* pp, P* p2, bool stealRunNextG) {
  const std::uint32_t t = pp->runqtail.load(platform::relaxed);
  std::uint32_t n = runqgrab(p2, pp->runq, t, stealRunNextG);
  if (n == 0) return nullptr;
  n--;
  G* gp = pp->runq[idx(t + n)].load(platform::relaxed);
  if (n == 0) return gp;
  const std::uint32_t h = pp->runqhead.load(platform::acquire);  // (A2)
  if (t - h + n >= kRunqSize) throw_("runqsteal: runq overflow");
  pp->runqtail.store(t + n, platform::release);  // (P1): publish the stolen Gs in our ring
  return gp;
}

// runqempty reports whether pp has no Gs on its local run queue. It never returns true
// spuriously: a G moving from runnext to the ring (runqput kicking it) is seen in one of them,
// because tail is re-read to make sure the three loads saw one consistent moment.
bool runqempty(P* pp) {
  for (;;) {
    const std::uint32_t head = pp->runqhead.load(platform::acquire);
    const std::uint32_t tail = pp->runqtail.load(platform::acquire);
    G* runnext = pp->runnext.load(platform::acquire);
    if (tail == pp->runqtail.load(platform::acquire)) return head == tail && runnext == nullptr;
  }
}

std::uint32_t runqlen(P* pp) {
  const std::uint32_t h = pp->runqhead.load(platform::acquire);
  const std::uint32_t t = pp->runqtail.load(platform::acquire);
  return t - h;
}

// ---- global run queue: sched.lock held for all of these -----------------------------------

void globrunqput(G* gp) {
  sched.lock.assert_held("globrunqput: sched.lock not held");
  gp->schedlink = nullptr;
  if (sched.runqtail_ != nullptr) {
    sched.runqtail_->schedlink = gp;
  } else {
    sched.runqhead_ = gp;
  }
  sched.runqtail_ = gp;
  // relaxed: runqsize is a hint outside the lock; the lock orders the queue itself.
  sched.runqsize.store(sched.runqsize.load(platform::relaxed) + 1, platform::relaxed);
  TS_TRACE_G(gp, EvKind::GlobrunqPut, -1, 0, 0, 0);
}

void globrunqputhead(G* gp) {
  sched.lock.assert_held("globrunqputhead: sched.lock not held");
  gp->schedlink = sched.runqhead_;
  sched.runqhead_ = gp;
  if (sched.runqtail_ == nullptr) sched.runqtail_ = gp;
  sched.runqsize.store(sched.runqsize.load(platform::relaxed) + 1, platform::relaxed);
  TS_TRACE_G(gp, EvKind::GlobrunqPut, -1, 1, 0, 0);
}

void globrunqputbatch(G* head, G* tail, std::int32_t n) {
  sched.lock.assert_held("globrunqputbatch: sched.lock not held");
  tail->schedlink = nullptr;
  if (sched.runqtail_ != nullptr) {
    sched.runqtail_->schedlink = head;
  } else {
    sched.runqhead_ = head;
  }
  sched.runqtail_ = tail;
  sched.runqsize.store(sched.runqsize.load(platform::relaxed) + n, platform::relaxed);
  if (trace::on()) {
    for (G* gp = head; gp != nullptr; gp = gp->schedlink) TS_TRACE_G(gp, EvKind::GlobrunqPut, -1, 0, 0, 0);
  }
}

// globrunqget takes a fair share of the global queue (at most max if max > 0, and at most
// half a ring): returns the first and puts the rest on pp's local ring.
G* globrunqget(P* pp, std::int32_t max) {
  sched.lock.assert_held("globrunqget: sched.lock not held");
  const std::int32_t size = sched.runqsize.load(platform::relaxed);
  if (size == 0) return nullptr;
  std::int32_t n = size / gomaxprocs.load(platform::relaxed) + 1;
  if (n > size) n = size;
  if (max > 0 && n > max) n = max;
  if (n > std::int32_t(kRunqSize / 2)) n = std::int32_t(kRunqSize / 2);
  sched.runqsize.store(size - n, platform::relaxed);

  G* gp = sched.runqhead_;
  sched.runqhead_ = gp->schedlink;
  if (sched.runqhead_ == nullptr) sched.runqtail_ = nullptr;
  TS_TRACE_G(gp, EvKind::GlobrunqGet, pp->id, 0, 0, 0);
  n--;
  G* rest[kRunqSize / 2];
  for (std::int32_t i = 0; i < n; i++) {
    rest[i] = sched.runqhead_;
    sched.runqhead_ = rest[i]->schedlink;
    if (sched.runqhead_ == nullptr) sched.runqtail_ = nullptr;
    TS_TRACE_G(rest[i], EvKind::GlobrunqGet, pp->id, 0, 0, 0);
  }
  // The ring has room: we only get here with an empty local queue or, for the fairness
  // check, with at most max = 1 G taken and none to put.
  for (std::int32_t i = 0; i < n; i++) runqput(pp, rest[i], false);
  return gp;
}

}  // namespace touchstone::runtime
