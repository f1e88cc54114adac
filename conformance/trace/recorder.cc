// conformance/trace/recorder.cc — see recorder.h (recording and the merge algorithm).
#include "conformance/trace/recorder.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <utility>

namespace touchstone::trace {

// ---- recording ---------------------------------------------------------------------------------

TraceRecorder::TraceRecorder() = default;

TraceRecorder::~TraceRecorder() {
  for (auto& slot : direct_) delete slot.load(std::memory_order_acquire);
}

TraceRecorder::Buffer* TraceRecorder::buffer_for(std::int64_t m) {
  if (m < 0) return &shared_;
  if (m >= static_cast<std::int64_t>(kDirectMs)) return overflow_buffer(m);
  std::atomic<Buffer*>& slot = direct_[static_cast<std::size_t>(m)];
  if (Buffer* b = slot.load(std::memory_order_acquire)) return b;
  // First event of this M: install a buffer (another thread naming the same M may race us).
  auto fresh = std::make_unique<Buffer>();
  Buffer* expected = nullptr;
  if (slot.compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel)) return fresh.release();
  return expected;
}

TraceRecorder::Buffer* TraceRecorder::overflow_buffer(std::int64_t m) {
  std::lock_guard<std::mutex> l(overflow_mu_);
  std::unique_ptr<Buffer>& b = overflow_[m];
  if (!b) b = std::make_unique<Buffer>();
  return b.get();
}

void TraceRecorder::event(const runtime::Event& ev) {
  Buffer* b = buffer_for(ev.m);
  std::lock_guard<std::mutex> l(b->mu);
  BufferedEvent e;
  e.rec.ev = ev;
  e.rec.seq = b->events.size();
  // gseq comes from the runtime (runtime/trace.h, "gseq"): drawn by the M holding the G, so it
  // is the G's true order even where two Ms' events reach us in the other order.
  e.rec.gseq = ev.g != 0 ? ev.gseq : 0;
  e.rec.ev.gseq = e.rec.gseq;
  // The ticket is taken under the buffer's lock, so ticket order agrees with append order.
  e.ticket = tickets_.fetch_add(1, std::memory_order_relaxed);
  b->events.push_back(e);
}

std::vector<std::vector<BufferedEvent>> TraceRecorder::snapshot() {
  std::vector<std::vector<BufferedEvent>> out;
  auto copy = [&out](Buffer& b) {
    std::lock_guard<std::mutex> l(b.mu);
    if (!b.events.empty()) out.push_back(b.events);
  };
  copy(shared_);
  for (auto& slot : direct_) {
    if (Buffer* b = slot.load(std::memory_order_acquire)) copy(*b);
  }
  std::lock_guard<std::mutex> l(overflow_mu_);
  for (auto& [m, b] : overflow_) copy(*b);
  return out;
}

std::vector<TraceRecord> TraceRecorder::merge() {
  const auto buffers = snapshot();
  return merge_buffers(buffers);
}

bool TraceRecorder::write(const std::string& path, std::string* error) {
  return write_trace_file(path, merge(), error);
}

// ---- merging -----------------------------------------------------------------------------------

namespace {

class Merger {
 public:
  explicit Merger(std::span<const std::vector<BufferedEvent>> buffers) : buffers_(buffers), next_(buffers.size(), 0) {
    std::size_t total = 0;
    for (const auto& b : buffers) total += b.size();
    out_.reserve(total);
  }

  std::vector<TraceRecord> run() {
    for (std::size_t i = 0; i < buffers_.size(); i++) offer(i);
    while (!ready_.empty() || !waiting_.empty()) {
      if (ready_.empty()) release_stalled();
      const std::size_t i = ready_.top().second;
      ready_.pop();
      emit(head(i).rec);
      next_[i]++;
      offer(i);
    }
    return std::move(out_);
  }

 private:
  using Ready = std::pair<std::uint64_t, std::size_t>;  // (ticket, buffer)
  using GSeq = std::pair<std::int64_t, std::uint64_t>;  // (g, gseq)

  const BufferedEvent& head(std::size_t i) const { return buffers_[i][next_[i]]; }

  // The gseq the next event of g must carry.
  std::uint64_t expected(std::int64_t g) const {
    const auto it = expected_.find(g);
    return it == expected_.end() ? 1 : it->second;
  }

  // Queues buffer i's front event: ready, or waiting for its G's previous event. A gseq below
  // the expected one (a duplicate: not from a recorder) does not wait.
  void offer(std::size_t i) {
    if (next_[i] == buffers_[i].size()) return;
    const BufferedEvent& e = head(i);
    if (e.rec.ev.g == 0 || e.rec.gseq <= expected(e.rec.ev.g)) {
      ready_.emplace(e.ticket, i);
    } else {
      waiting_.emplace(GSeq{e.rec.ev.g, e.rec.gseq}, i);
    }
  }

  void emit(const TraceRecord& r) {
    out_.push_back(r);
    if (r.ev.g == 0) return;
    std::uint64_t& want = expected_.try_emplace(r.ev.g, 1).first->second;
    want = std::max(want, r.gseq + 1);
    // Unblock the buffer(s) whose front event is G's next one.
    const auto [first, last] = waiting_.equal_range(GSeq{r.ev.g, want});
    for (auto it = first; it != last; ++it) ready_.emplace(head(it->second).ticket, it->second);
    waiting_.erase(first, last);
  }

  // Every front event waits for an event that is in no buffer (inconsistent input): let the
  // earliest-ticket one go so that the merge terminates.
  void release_stalled() {
    auto best = waiting_.begin();
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
      if (head(it->second).ticket < head(best->second).ticket) best = it;
    }
    ready_.emplace(head(best->second).ticket, best->second);
    waiting_.erase(best);
  }

  std::span<const std::vector<BufferedEvent>> buffers_;
  std::vector<std::size_t> next_;  // per buffer: index of its front event
  std::priority_queue<Ready, std::vector<Ready>, std::greater<Ready>> ready_;
  std::multimap<GSeq, std::size_t> waiting_;
  std::unordered_map<std::int64_t, std::uint64_t> expected_;
  std::vector<TraceRecord> out_;
};

}  // namespace

std::vector<TraceRecord> merge_buffers(std::span<const std::vector<BufferedEvent>> buffers) {
  return Merger(buffers).run();
}

}  // namespace touchstone::trace
