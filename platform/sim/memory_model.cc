// platform/sim/memory_model.cc — see memory_model.h (the rules are numbered there).
#include "platform/sim/memory_model.h"

#include <algorithm>
#include <cstring>

namespace touchstone::sim {

namespace {
std::uint32_t g_epoch_counter = 0;  // handed out to runs; one OS thread runs the world

bool is_acquire(std::memory_order mo) {
  return mo == std::memory_order_acquire || mo == std::memory_order_acq_rel || mo == std::memory_order_seq_cst ||
         mo == std::memory_order_consume;
}
bool is_release(std::memory_order mo) {
  return mo == std::memory_order_release || mo == std::memory_order_acq_rel || mo == std::memory_order_seq_cst;
}
}  // namespace

void MemoryModel::begin(const Config& cfg, Decider* decider, const std::uint64_t* steps) {
  model_ = cfg.model;
  history_ = std::max<std::uint32_t>(1, cfg.history);
  buffer_cap_ = std::max<std::uint32_t>(1, cfg.store_buffer);
  decider_ = decider;
  steps_ = steps;
  if (++g_epoch_counter == 0) g_epoch_counter = 1;  // 0 means "no location"
  epoch_ = g_epoch_counter;
  nlocs_ = 0;
  nthreads_ = 0;
  buffered_threads_ = 0;
  sc_seq_ = 0;
  sc_fence_.clear();
}

void MemoryModel::end() {
  epoch_ = 0;  // every handle is stale now: the next run registers its locations afresh
  decider_ = nullptr;
}

MemoryModel::Thread& MemoryModel::thread(int tid) {
  const auto i = std::size_t(tid);
  if (i >= nthreads_) {
    if (threads_.size() <= i) threads_.resize(i + 1);
    for (std::size_t k = nthreads_; k <= i; k++) {  // pooled slots: reset, keep capacity
      Thread& t = threads_[k];
      t.vc.clear();
      t.cv.clear();
      t.acq.clear();
      t.rel.clear();
      t.has_rel = false;
      t.fence_sc_seq = 0;
      t.buf.clear();
      t.head = 0;
    }
    nthreads_ = i + 1;
  }
  return threads_[i];
}

void MemoryModel::join(Clock& into, const Clock& from) {
  if (into.size() < from.size()) into.resize(from.size(), 0);
  for (std::size_t i = 0; i < from.size(); i++) into[i] = std::max(into[i], from[i]);
}

bool MemoryModel::known(const Store& w, const Clock& c) {
  if (w.init) return true;
  const std::size_t n = std::min(w.seen.size(), c.size());
  for (std::size_t x = 0; x < n; x++) {
    if (w.seen[x] <= c[x]) return true;
  }
  return false;
}

std::uint32_t MemoryModel::tick(Thread& t, int tid) {
  const auto i = std::size_t(tid);
  if (t.vc.size() <= i) t.vc.resize(i + 1, 0);
  if (t.cv.size() <= i) t.cv.resize(i + 1, 0);
  t.cv[i] = ++t.vc[i];
  return t.vc[i];
}

void MemoryModel::mark_seen(Store& w, int tid, std::uint32_t now) {
  const auto i = std::size_t(tid);
  if (w.seen.size() <= i) w.seen.resize(i + 1, kNever);
  w.seen[i] = std::min(w.seen[i], now);
}

MemoryModel::Location& MemoryModel::reg(Loc& loc, void* addr, unsigned size) {
  if (loc.epoch == epoch_) return locs_[loc.idx];
  // First use in this run (or the object was constructed since): the current value is the
  // initialisation store.
  if (locs_.size() <= nlocs_) locs_.resize(nlocs_ + 1);
  Location& l = locs_[nlocs_];
  loc.epoch = epoch_;
  loc.idx = nlocs_++;
  l.addr = addr;
  l.size = size;
  l.newest = 0;
  l.count = 0;
  if (model_ == Model::Weak) {
    if (l.ring.size() != history_) l.ring.resize(history_);
    std::uint64_t bits = 0;
    std::memcpy(&bits, addr, size);
    Store& w = push_store(l);
    w.bits = bits;
    w.init = true;
  }
  return l;
}

MemoryModel::Store& MemoryModel::push_store(Location& l) {
  l.newest = l.count == 0 ? 0 : (l.newest + 1) % std::uint32_t(l.ring.size());
  if (l.count < l.ring.size()) l.count++;
  Store& w = l.ring[l.newest];
  w.bits = 0;
  w.sc_seq = 0;
  w.step = *steps_;
  w.init = false;
  w.seen.clear();
  w.view.clear();
  return w;
}

void MemoryModel::write(Location& l, std::uint64_t bits) {
  if (l.addr != nullptr) std::memcpy(l.addr, &bits, l.size);
}

void MemoryModel::retire(Loc& loc) {
  if (epoch_ != 0 && loc.epoch == epoch_) locs_[loc.idx].addr = nullptr;
  loc.epoch = 0;
}

// ---- threads and system calls ----------------------------------------------------------------

void MemoryModel::thread_started(int parent, int child) {
  Thread& c = thread(child);
  if (parent < 0) return;
  syscall_fence(parent);
  Thread& p = thread(parent);  // (thread(child) may have moved it)
  if (model_ == Model::Weak) {
    threads_[std::size_t(child)].vc = p.vc;
    threads_[std::size_t(child)].cv = p.cv;
  }
  (void)c;
}

void MemoryModel::synchronize(int from, int to) {
  if (model_ != Model::Weak || from == to) return;
  thread(std::max(from, to));
  Thread& f = threads_[std::size_t(from)];
  Thread& t = threads_[std::size_t(to)];
  join(t.vc, f.vc);
  join(t.cv, f.vc);
}

void MemoryModel::syscall_fence(int tid) {
  if (model_ == Model::Tso) {
    if (!buffered(tid)) return;
    offer_flushes(tid);
    drain(tid);
  } else if (model_ == Model::Weak) {
    weak_fence(thread(tid), std::memory_order_seq_cst);
  }
}

// ---- tso -------------------------------------------------------------------------------------

bool MemoryModel::buffered(int tid) const {
  if (std::size_t(tid) >= nthreads_) return false;
  const Thread& t = threads_[std::size_t(tid)];
  return t.head < t.buf.size();
}

void MemoryModel::flush_oldest(int tid) {
  Thread& t = thread(tid);
  if (t.head >= t.buf.size()) return;
  const BufEntry e = t.buf[t.head++];
  write(locs_[e.loc], e.bits);  // a retired location has addr == null: the store is dropped
  if (t.head == t.buf.size()) {
    t.buf.clear();
    t.head = 0;
    buffered_threads_--;
  }
}

void MemoryModel::drain(int tid) {
  if (std::size_t(tid) >= nthreads_) return;
  while (buffered(tid)) flush_oldest(tid);
}

void MemoryModel::offer_flushes(int self, bool include_self) {
  while (buffered_threads_ > (!include_self && buffered(self) ? 1 : 0)) {
    flush_ids_.clear();
    flush_ids_.push_back(-1);
    for (std::size_t i = 0; i < nthreads_; i++) {
      if ((include_self || int(i) != self) && buffered(int(i))) flush_ids_.push_back(int(i));
    }
    const std::uint32_t pick = decider_->decide(Choice::Flush, std::uint32_t(flush_ids_.size()), flush_ids_);
    if (pick == 0) return;
    flush_oldest(flush_ids_[pick]);
  }
}

void MemoryModel::flush_aged() {
  const std::uint64_t now = *steps_;
  for (std::size_t i = 0; i < nthreads_ && buffered_threads_ > 0; i++) {
    while (buffered(int(i))) {
      const Thread& t = threads_[i];
      if (now - t.buf[t.head].step <= kFlushAge) break;
      flush_oldest(int(i));
    }
  }
}

void MemoryModel::tso_append(int tid, std::uint32_t loc, std::uint64_t bits) {
  Thread& t = thread(tid);
  if (t.buf.size() - t.head >= buffer_cap_) flush_oldest(tid);
  if (t.head == t.buf.size()) buffered_threads_++;
  t.buf.push_back(BufEntry{loc, bits, *steps_});
}

// ---- operations ------------------------------------------------------------------------------

std::uint64_t MemoryModel::load(int tid, Loc& loc, void* addr, unsigned size, std::memory_order mo) {
  if (model_ == Model::Tso) {
    if (buffered_threads_ > 0) offer_flushes(tid, /*include_self=*/true);  // rule 4
    const Thread& t = thread(tid);
    if (t.head < t.buf.size() && loc.epoch == epoch_) {
      for (std::size_t i = t.buf.size(); i-- > t.head;) {
        if (t.buf[i].loc == loc.idx) return t.buf[i].bits;  // rule 2: own buffer first
      }
    }
    std::uint64_t bits = 0;
    std::memcpy(&bits, addr, size);
    return bits;
  }
  Location& l = reg(loc, addr, size);
  Thread& t = thread(tid);
  const std::uint32_t now = tick(t, tid);
  const bool sc = mo == std::memory_order_seq_cst;
  // Rule 2/3: walk from the newest store back to the newest one T may not read past.
  const std::uint32_t cap = std::uint32_t(l.ring.size());
  const std::uint64_t step = *steps_;
  std::uint32_t n = 0;
  std::uint64_t superseded_at = ~std::uint64_t(0);  // when the store after the current one was written
  for (std::uint32_t k = 0; k < l.count; k++) {
    const std::uint32_t slot = (l.newest + cap - k) % cap;
    const Store& w = l.ring[slot];
    if (k > 0 && step - superseded_at > kVisibilityAge) break;  // rule 4: too stale
    n++;
    const bool floor = known(w, t.cv) || (sc && known(w, sc_fence_)) ||
                       (w.sc_seq != 0 && (sc || w.sc_seq < t.fence_sc_seq));
    if (floor) break;
    superseded_at = w.step;
  }
  std::uint32_t pick = 0;
  if (n > 1) pick = decider_->decide(Choice::ReadFrom, n, {});
  Store& w = l.ring[(l.newest + cap - pick) % cap];
  mark_seen(w, tid, now);
  acquire_view(t, w.view, mo);
  return w.bits;
}

// A load or RMW that read a store with release view `view`: acquire synchronizes with it now;
// a relaxed read keeps it for a later acquire fence.
void MemoryModel::acquire_view(Thread& t, const Clock& view, std::memory_order mo) {
  if (is_acquire(mo)) {
    join(t.vc, view);
    join(t.cv, view);
  } else {
    join(t.acq, view);
  }
}

// The new newest store of `l` by thread tid at clock `now`: its position in S if seq_cst, and
// its release view (the thread's clock if release, else the view of its last release fence).
MemoryModel::Store& MemoryModel::append_store(Location& l, Thread& t, int tid, std::uint32_t now, std::uint64_t bits,
                                              std::memory_order mo) {
  Store& w = push_store(l);
  w.bits = bits;
  if (mo == std::memory_order_seq_cst) w.sc_seq = ++sc_seq_;
  mark_seen(w, tid, now);
  if (is_release(mo)) {
    w.view = t.vc;
  } else if (t.has_rel) {
    w.view = t.rel;
  }
  return w;
}

void MemoryModel::store(int tid, Loc& loc, void* addr, unsigned size, std::uint64_t bits, std::memory_order mo) {
  Location& l = reg(loc, addr, size);
  if (model_ == Model::Tso) {
    if (mo == std::memory_order_seq_cst) offer_flushes(tid);
    tso_append(tid, loc.idx, bits);
    if (mo == std::memory_order_seq_cst) drain(tid);  // XCHG
    return;
  }
  Thread& t = thread(tid);
  append_store(l, t, tid, tick(t, tid), bits, mo);
  write(l, bits);
}

void MemoryModel::rmw_prepare(int tid, Loc& loc, void* addr, unsigned size) {
  if (model_ == Model::Tso) {
    offer_flushes(tid);
    drain(tid);  // LOCK-prefixed: the buffer drains first
    return;
  }
  reg(loc, addr, size);
}

void MemoryModel::rmw_commit(int tid, Loc& loc, void* addr, unsigned size, std::uint64_t bits, std::memory_order mo) {
  Location& l = reg(loc, addr, size);
  if (model_ == Model::Tso) {
    write(l, bits);  // the buffer is empty (rmw_prepare drained it)
    return;
  }
  Thread& t = thread(tid);
  const std::uint32_t now = tick(t, tid);
  // Rule 6: read the newest store.
  Store& r = l.ring[l.newest];
  mark_seen(r, tid, now);
  scratch_ = r.view;  // the slot may be reused by push_store below (history 1)
  acquire_view(t, scratch_, mo);
  Store& w = append_store(l, t, tid, now, bits, mo);
  join(w.view, scratch_);  // release sequence
  write(l, bits);
}

void MemoryModel::rmw_fail(int tid, Loc& loc, void* addr, unsigned size, std::memory_order mo) {
  if (model_ == Model::Tso) return;
  Location& l = reg(loc, addr, size);
  Thread& t = thread(tid);
  const std::uint32_t now = tick(t, tid);
  Store& r = l.ring[l.newest];
  mark_seen(r, tid, now);
  acquire_view(t, r.view, mo);
}

void MemoryModel::weak_fence(Thread& t, std::memory_order mo) {
  if (is_acquire(mo)) {
    join(t.vc, t.acq);
    join(t.cv, t.acq);
  }
  if (is_release(mo)) {
    t.rel = t.vc;
    t.has_rel = true;
  }
  if (mo == std::memory_order_seq_cst) {
    join(sc_fence_, t.vc);
    join(t.cv, sc_fence_);
    t.fence_sc_seq = ++sc_seq_;
  }
}

void MemoryModel::fence(int tid, std::memory_order mo) {
  if (model_ == Model::Tso) {
    if (mo == std::memory_order_seq_cst && buffered(tid)) {  // MFENCE; the others emit nothing
      offer_flushes(tid);  // (an MFENCE on an empty buffer observes nothing: no decisions)
      drain(tid);
    }
    return;
  }
  weak_fence(thread(tid), mo);
}

}  // namespace touchstone::sim
