// conformance/trace/recorder.h — a TraceListener that records a run into per-M buffers and
// merges them into one trace.
//
//   touchstone::trace::TraceRecorder rec;
//   touchstone::Runtime rt({.procs = 4, .trace = &rec});
//   rt.run([] { ... });
//   std::vector<touchstone::trace::TraceRecord> t = rec.merge();   // or rec.write(path, &err)
//
// Recording. event() is called concurrently from every M. Each M id has its own buffer (events
// with m < 0 — sysmon, the host thread — share one); an event is appended to its M's buffer
// with seq = its position there. An event naming a G carries the gseq the runtime drew for it
// (runtime/trace.h, "gseq": the M holding the G draws it, so gseqs follow the G's true history
// even when the events reach the recorder in another order — e.g. a thief that stole a G
// reports before the putter reported the put).
//
// Merging (merge(); after the run — Runtime::run returned — so every buffer is final). A k-way
// merge of the buffers, like the ordering pass of Go's internal/trace parser:
//   - each buffer is consumed front to back, so append (seq) order within a buffer is kept;
//   - an event for G with gseq k is emitted only after G's event with gseq k-1; a buffer whose
//     front event waits for a gseq not yet emitted is blocked until that event is emitted;
//   - among the buffers whose front event may go, the one recorded earliest goes first. "Earliest"
//     is a global ticket (one relaxed fetch_add per event) taken inside the critical section that
//     assigns seq. The ticket is only a tie-break; the two rules above are what make the order
//     consistent, and they stay valid for a cheaper, less precise clock (as cputicks are in Go).
//   - should every remaining front event be blocked (impossible for a recorder's own buffers;
//     possible for hand-built input to merge_buffers), the blocked one with the smallest ticket
//     goes anyway, so the merge always terminates and emits every event exactly once.
// Cost: O(N log k) for N events in k buffers.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "conformance/trace/trace_file.h"
#include "runtime/trace.h"

namespace touchstone::trace {

// An event as the recorder keeps it: the record (seq = position in its buffer) and the global
// ticket used as the merge's tie-break.
struct BufferedEvent {
  TraceRecord rec;
  std::uint64_t ticket = 0;
};

// The merge described in the file comment, over any buffers (exposed for tests).
std::vector<TraceRecord> merge_buffers(std::span<const std::vector<BufferedEvent>> buffers);

class TraceRecorder : public runtime::TraceListener {
 public:
  TraceRecorder();
  ~TraceRecorder() override;
  TraceRecorder(const TraceRecorder&) = delete;
  TraceRecorder& operator=(const TraceRecorder&) = delete;

  // Thread-safe; called by the runtime from every M.
  void event(const runtime::Event& ev) override;

  // The events recorded so far, in one consistent order (file comment). Call it after the run.
  std::vector<TraceRecord> merge();
  // write_trace_file(path, merge(), error).
  bool write(const std::string& path, std::string* error);
  // Number of events recorded so far.
  std::uint64_t size() const { return tickets_.load(std::memory_order_relaxed); }

 private:
  struct Buffer {
    // Normally only the M's own thread appends, so this lock is uncontended; it is there
    // because nothing stops a call site from naming another M.
    std::mutex mu;
    std::vector<BufferedEvent> events;
  };
  // Ms with ids below this find their buffer with one load; larger ids go through a map.
  static constexpr std::size_t kDirectMs = 1024;

  Buffer* buffer_for(std::int64_t m);
  Buffer* overflow_buffer(std::int64_t m);
  std::vector<std::vector<BufferedEvent>> snapshot();

  Buffer shared_;  // m < 0: sysmon, the host thread
  std::array<std::atomic<Buffer*>, kDirectMs> direct_{};
  std::mutex overflow_mu_;
  std::map<std::int64_t, std::unique_ptr<Buffer>> overflow_;

  std::atomic<std::uint64_t> tickets_{0};
};

}  // namespace touchstone::trace
