// fuzz/go_trace.cc — the Go execution trace reader on arbitrary bytes.
//
// gotrace::parse (conformance/import/go/gotrace.h) must never crash, hang or allocate without
// bound on any input. When it rejects the bytes, the trace must be left empty and the error must
// name a byte offset ("offset N: ...") inside the input (N <= size). When it accepts them: the
// version is one of the two it reads; the events are non-empty, each at an offset past the
// header and inside the input; along the merged order every sequence (order_g) is non-decreasing
// and the timestamps are non-decreasing (Go's time-order rule, on by default); parsing with
// require_time_order = false also succeeds, with the same events as a set; every event dumps.
// A violation prints "fuzz go_trace: ..." and aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "conformance/import/go/gotrace.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz go_trace: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace touchstone::gotrace;
  const std::span<const std::uint8_t> in(data, size);
  Trace t;
  std::string err;
  if (!parse(in, &t, &err)) {
    if (!t.events.empty() || !t.strings.empty() || !t.stacks.empty() || t.version != 0) {
      fail("parse failed (" + err + ") but left a partial trace");
    }
    unsigned long long off = 0;
    int used = 0;
    if (std::sscanf(err.c_str(), "offset %llu: %n", &off, &used) != 1 || used == 0) {
      fail("parse's error does not start with \"offset N: \": " + err);
    }
    if (off > size) {
      fail("parse's error names offset " + std::to_string(off) + " of a " + std::to_string(size) + "-byte input: " + err);
    }
    return 0;
  }
  if (t.version != kVersionGo119 && t.version != kVersionGccgo12) fail("accepted version " + std::to_string(t.version));
  if (t.events.empty()) fail("accepted a trace without events");
  if (t.ticks_per_sec <= 0) fail("accepted a trace without a positive frequency");
  std::map<std::uint64_t, std::uint64_t> seq;
  for (std::size_t i = 0; i < t.events.size(); i++) {
    const Event& e = t.events[i];
    if (e.offset < kHeaderSize || e.offset >= size) fail("event " + std::to_string(i) + " at offset " + std::to_string(e.offset));
    if (i > 0 && e.ticks < t.events[i - 1].ticks) fail("timestamps go back at event " + std::to_string(i));
    if (e.order_g != kUnordered) {
      auto [it, fresh] = seq.emplace(e.order_g, e.seq);
      if (!fresh) {
        if (e.seq < it->second) fail("sequence of " + std::to_string(e.order_g) + " goes back at event " + std::to_string(i));
        it->second = e.seq;
      }
    }
    if (dump_event(t, e).empty()) fail("dump_event printed nothing");
  }
  Options lax;
  lax.require_time_order = false;
  Trace u;
  if (!parse(in, &u, &err, lax)) fail("accepted with time order, rejected without: " + err);
  if (u.events.size() != t.events.size()) fail("time order changed the number of events");
  std::vector<std::uint64_t> a, b;
  for (const Event& e : t.events) a.push_back(e.offset);
  for (const Event& e : u.events) b.push_back(e.offset);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a != b) fail("time order changed which events were read");
  return 0;
}
