// conformance/import/go/gotrace.cc — reading and ordering Go execution traces (gotrace.h).
//
// THE FORMAT (Go 1.19's runtime/trace.go writes it; internal/trace/parser.go reads it; gccgo 12's
// libgo writes the same layout under the header of Go 1.11, without CPUSample events)
//
//   1. A 16-byte header: "go 1.19 trace\0\0\0" (gc) or "go 1.11 trace\0\0\0" (gccgo 12). Go
//      parses "go 1.N trace" with one or two digits of N into the version 1000+N; we accept
//      1019 and 1011 and name any other version we can parse in the error.
//   2. Then events until the end of the input; there is no trailer. An event starts with one
//      byte: the low 6 bits are its type (EvType, 1..49), the high 2 bits are the number of
//      argument values after the type byte minus one, where the timestamp counts as the first
//      argument. When the field is 3 (four or more values), the type byte is followed by the
//      length in bytes of the values, then the values. Every value is an unsigned LEB128
//      varint of at most 10 bytes. The number of values must be exactly what the type has
//      (EvType's comments: the timestamp, the listed arguments, a stack id if it has one).
//   3. Three types break the rule. String [id, len, len bytes]: an entry of the string table
//      (id != 0, unique, 1 <= len <= 10^6), no timestamp. Stack [id, n, n x {pc, fn, file,
//      line}]: length-prefixed, n <= 1000; fn and file are string ids. UserLog: its values are
//      followed by a string [len, bytes] (the logged message; len 0 is the empty string).
//   4. Batch [p, ticks] starts the run of events that P p flushed in one buffer; the events
//      after it belong to p. Each event's first value is the tick delta from the previous
//      event of the batch (Batch's ticks is absolute). Frequency [ticks/s] gives the clock;
//      TimerGoroutine [g] names the timer goroutine; neither has a timestamp.
//   5. The goroutine an event is about is implicit: per P, the one the last GoStart* of that P
//      named, until one of GoEnd, GoStop, GoSched, GoPreempt, GoSleep, GoBlock*, GoSysBlock
//      (then none). GoSysExit, GoWaiting and GoInSyscall name their G in args[0]. The per-P
//      "current G" survives a switch to another P's batch and back.
//
// ORDERING (Go's order1007). Events of one batch are in the order their P emitted them, but
// batches of different Ps are flushed in any order, and timestamps from different CPUs may
// disagree. The order across Ps comes from per-goroutine sequence numbers:
//
//   1. All batches of one P are concatenated into one queue (in file order). CPU samples form
//      one more queue, sorted (stably) by the sample's own timestamp.
//   2. Every G has a state (seq, status): initially (0, dead). Each event that changes a G's
//      state has a precondition and an effect on it (stateTransition in order.go):
//        GoCreate(g)                   (0, dead)      -> (1, runnable)
//        GoWaiting/GoInSyscall(g)      (1, runnable)  -> (2, waiting)
//        GoStart/GoStartLabel(g, s)    (s, runnable)  -> (s+1, running)
//        GoStartLocal(g)               (any, runnable)-> (+1, running)
//        GoBlock*/GoSleep/GoSysBlock   (any, running) -> (same, waiting)
//        GoSched/GoPreempt             (any, running) -> (same, runnable)
//        GoUnblock/GoSysExit(g, s)     (s, waiting)   -> (s+1, runnable)
//        GoUnblockLocal/GoSysExitLocal (any, waiting) -> (+1, runnable)
//        GCStart(s)                    the GC sequence at s -> s+1
//      Every other event orders against nothing. (The writer increments g.traceseq at each
//      GoStart, GoUnblock and GoSysExit; a *Local event is written on the P of the event that
//      precedes it in the G's history, so its batch order already puts it after that event.)
//   3. Repeat until every queue is empty: the frontier is the head of each queue whose
//      precondition holds now; merge the frontier event with the smallest timestamp (ties: the
//      smaller P, then the earlier queue), apply its effect, and refill the frontier. If the
//      frontier is empty while events remain, there is no consistent order: an error naming the
//      earliest blocked event.
//   4. Go then refuses the result if it is not sorted by timestamp (ErrTimeOrder), moves each
//      GoSysExit to the real exit time it carries (when non-zero; it must not precede the G's
//      last GoSysBlock/GoInSyscall) and re-sorts stably by timestamp. Options::
//      require_time_order = false skips step 4 and keeps the consistent order.
//   5. Ticks become nanoseconds since the first event: int64(float64(t - t0) * 1e9 / freq).
//
// Go's order1007 rescans every queue after each merge (O(events x Ps)). We keep the frontier
// in a heap and park each blocked head under the exact (G, status, seq) it waits for, waking it
// when the G reaches that state — the same merge in O(n log n), which matters when a fuzzer
// writes thousands of batches. A head is parked at most once per state it waits for, and it is
// woken only into a state that satisfies it, so each head is pushed at most twice.
//
// ERRORS are values: "offset N: <what was expected>", N the offset of the byte, varint, event
// or string at fault (for "missing" things, the end of the input). The rejected alternatives:
// Go's panics on sequences that go back (we report them), and Go's error for "trace is empty"
// and "no EvFrequency event" without a position (ours name the end of the input).
#include "conformance/import/go/gotrace.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <queue>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace touchstone::gotrace {
namespace {

// ---- the event table ---------------------------------------------------------------------------

struct Desc {
  const char* name;
  int min_version;
  bool stack;
  int nargs;              // arguments after the timestamp, excluding the stack id
  const char* args[3];    // their names, as Go's Event.String prints them
  const char* sargs[2];   // string arguments Go's String prints (resolved from the table)
};

// Verbatim from internal/trace's EventDescriptions (1.7+ layout).
constexpr Desc kDesc[kEvTypeCount] = {
    {"None", 1005, false, 0, {}, {}},
    {"Batch", 1005, false, 2, {"p", "ticks"}, {}},
    {"Frequency", 1005, false, 1, {"freq"}, {}},
    {"Stack", 1005, false, 2, {"id", "siz"}, {}},
    {"Gomaxprocs", 1005, true, 1, {"procs"}, {}},
    {"ProcStart", 1005, false, 1, {"thread"}, {}},
    {"ProcStop", 1005, false, 0, {}, {}},
    {"GCStart", 1005, true, 1, {"seq"}, {}},
    {"GCDone", 1005, false, 0, {}, {}},
    {"GCSTWStart", 1005, false, 1, {"kindid"}, {"kind"}},
    {"GCSTWDone", 1005, false, 0, {}, {}},
    {"GCSweepStart", 1005, true, 0, {}, {}},
    {"GCSweepDone", 1005, false, 2, {"swept", "reclaimed"}, {}},
    {"GoCreate", 1005, true, 2, {"g", "stack"}, {}},
    {"GoStart", 1005, false, 2, {"g", "seq"}, {}},
    {"GoEnd", 1005, false, 0, {}, {}},
    {"GoStop", 1005, true, 0, {}, {}},
    {"GoSched", 1005, true, 0, {}, {}},
    {"GoPreempt", 1005, true, 0, {}, {}},
    {"GoSleep", 1005, true, 0, {}, {}},
    {"GoBlock", 1005, true, 0, {}, {}},
    {"GoUnblock", 1005, true, 2, {"g", "seq"}, {}},
    {"GoBlockSend", 1005, true, 0, {}, {}},
    {"GoBlockRecv", 1005, true, 0, {}, {}},
    {"GoBlockSelect", 1005, true, 0, {}, {}},
    {"GoBlockSync", 1005, true, 0, {}, {}},
    {"GoBlockCond", 1005, true, 0, {}, {}},
    {"GoBlockNet", 1005, true, 0, {}, {}},
    {"GoSysCall", 1005, true, 0, {}, {}},
    {"GoSysExit", 1005, false, 3, {"g", "seq", "ts"}, {}},
    {"GoSysBlock", 1005, false, 0, {}, {}},
    {"GoWaiting", 1005, false, 1, {"g"}, {}},
    {"GoInSyscall", 1005, false, 1, {"g"}, {}},
    {"HeapAlloc", 1005, false, 1, {"mem"}, {}},
    {"HeapGoal", 1005, false, 1, {"mem"}, {}},
    {"TimerGoroutine", 1005, false, 1, {"g"}, {}},
    {"FutileWakeup", 1005, false, 0, {}, {}},
    {"String", 1007, false, 0, {}, {}},
    {"GoStartLocal", 1007, false, 1, {"g"}, {}},
    {"GoUnblockLocal", 1007, true, 1, {"g"}, {}},
    {"GoSysExitLocal", 1007, false, 2, {"g", "ts"}, {}},
    {"GoStartLabel", 1008, false, 3, {"g", "seq", "labelid"}, {"label"}},
    {"GoBlockGC", 1008, true, 0, {}, {}},
    {"GCMarkAssistStart", 1009, true, 0, {}, {}},
    {"GCMarkAssistDone", 1009, false, 0, {}, {}},
    {"UserTaskCreate", 1011, true, 3, {"taskid", "pid", "typeid"}, {"name"}},
    {"UserTaskEnd", 1011, true, 1, {"taskid"}, {}},
    {"UserRegion", 1011, true, 3, {"taskid", "mode", "typeid"}, {"name"}},
    {"UserLog", 1011, true, 2, {"id", "keyid"}, {"category", "message"}},
    {"CPUSample", 1019, true, 3, {"ts", "p", "g"}, {}},
};

const Desc& desc(EvType t) { return kDesc[static_cast<int>(t)]; }

// Number of values an event of this type carries (argNum in parser.go, for versions >= 1010).
std::size_t value_count(EvType t) {
  const Desc& d = desc(t);
  std::size_t n = std::size_t(d.nargs) + (d.stack ? 1 : 0);
  if (t == EvType::Batch || t == EvType::Frequency || t == EvType::TimerGoroutine) return n;
  return n + 1;  // the timestamp
}

std::string str_of(std::uint64_t v) { return std::to_string(v); }

// ---- reading the raw events ----------------------------------------------------------------

struct Raw {
  std::uint64_t offset;
  EvType type;
  std::uint32_t nvals;
  std::size_t first;  // index of its first value in Reader::vals_
  std::uint32_t log_value = 0;
};

// Go's int(uint64): two's complement.
std::int64_t as_int(std::uint64_t v) { return static_cast<std::int64_t>(v); }

class Parser {
 public:
  Parser(std::span<const std::uint8_t> in, const Options& opt, Trace* t) : in_(in), opt_(opt), t_(t) {}

  bool run() {
    if (!read_header()) return false;
    if (!read_events()) return false;
    if (!decode()) return false;
    if (!order()) return false;
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  std::span<const std::uint8_t> in_;
  const Options& opt_;
  Trace* t_;
  std::size_t pos_ = 0;
  std::string error_;
  std::vector<Raw> raws_;
  std::vector<std::uint64_t> vals_;
  // Decoded events (file order) and the queues: per P in order of first appearance.
  std::vector<Event> evs_;
  struct Queue {
    std::int64_t key;  // P (the CPU-sample queue sorts last)
    std::vector<std::uint32_t> evs;
    std::size_t head = 0;
  };
  std::vector<Queue> queues_;

  std::size_t remaining() const { return in_.size() - pos_; }

  bool fail(std::uint64_t offset, const std::string& what) {
    error_ = "offset " + str_of(offset) + ": " + what;
    return false;
  }

  // ---- header ----
  bool read_header() {
    static constexpr char kExpect[] = "expected a Go trace header \"go 1.19 trace\\0\\0\\0\" or \"go 1.11 trace\\0\\0\\0\"";
    if (in_.size() < kHeaderSize) {
      // Report the first byte that differs from both accepted headers, or the end.
      return fail(in_.size(), std::string(kExpect) + ", input ends after " + str_of(in_.size()) + " bytes");
    }
    const std::uint8_t* b = in_.data();
    // parseHeader in parser.go: "go 1.N trace" padded with NULs to 16 bytes, N of 1..3 digits
    // (the first nonzero).
    int ver = -1;
    if (b[0] == 'g' && b[1] == 'o' && b[2] == ' ' && b[3] >= '1' && b[3] <= '9' && b[4] == '.' && b[5] >= '1' &&
        b[5] <= '9') {
      int v = b[5] - '0';
      int i = 0;
      for (; i < 2 && b[6 + i] >= '0' && b[6 + i] <= '9'; i++) v = v * 10 + (b[6 + i] - '0');
      static constexpr char kTail[] = " trace\0\0\0\0";
      if (std::memcmp(b + 6 + i, kTail, std::size_t(10 - i)) == 0) ver = v + (b[3] - '0') * 1000;
    }
    if (ver < 0) {
      std::size_t at = 0;
      static constexpr char kGc[] = "go 1.19 trace\0\0\0";
      static constexpr char kGccgo[] = "go 1.11 trace\0\0\0";
      while (at < kHeaderSize && (b[at] == std::uint8_t(kGc[at]) || b[at] == std::uint8_t(kGccgo[at]))) at++;
      return fail(at, std::string(kExpect) + ": not a Go trace file");
    }
    if (ver != kVersionGo119 && ver != kVersionGccgo12) {
      return fail(0, "unsupported Go trace version " + std::to_string(ver / 1000) + "." + std::to_string(ver % 1000) +
                         " (" + std::to_string(ver) + "): this reader reads version 1.19 (Go 1.19) and 1.11 (gccgo 12)");
    }
    t_->version = ver;
    pos_ = kHeaderSize;
    return true;
  }

  // ---- varints ----
  // `what` names the value for the error ("argument 2 of GoStart at offset 40").
  bool varint(std::uint64_t* v, std::string_view what, const Raw* ev = nullptr, std::size_t index = 0) {
    const std::size_t at = pos_;
    std::uint64_t x = 0;
    for (int i = 0; i < 10; i++) {
      if (pos_ == in_.size()) return fail(at, "expected " + name_value(what, ev, index) + ", got end of input");
      const std::uint8_t byte = in_[pos_++];
      x |= std::uint64_t(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) {
        *v = x;
        return true;
      }
    }
    return fail(at, "expected " + name_value(what, ev, index) + ", got a varint longer than 10 bytes");
  }

  static std::string name_value(std::string_view what, const Raw* ev, std::size_t index) {
    if (ev == nullptr) return std::string(what);
    return std::string(what) + " " + str_of(index) + " of " + desc(ev->type).name + " (event at offset " +
           str_of(ev->offset) + ")";
  }

  // ---- events ----
  bool read_events() {
    // An event is at least two bytes: this bounds the reservations.
    raws_.reserve(std::min<std::size_t>(remaining() / 2, std::size_t{1} << 16));
    while (pos_ < in_.size()) {
      const std::size_t off0 = pos_;
      const std::uint8_t b = in_[pos_++];
      const int typ = b & 0x3f;
      const std::size_t narg = std::size_t(b >> 6) + 1;
      if (typ == 0 || typ >= kEvTypeCount) {
        return fail(off0, "expected an event type 1.." + str_of(kEvTypeCount - 1) + ", got " + str_of(typ) +
                              " (byte " + hex(b) + ")");
      }
      const EvType type = static_cast<EvType>(typ);
      if (desc(type).min_version > t_->version) {
        return fail(off0, std::string("expected an event type of version ") + version_text() + ", got " +
                              desc(type).name + " (" + str_of(typ) + "), which appeared in version " +
                              version_text(desc(type).min_version));
      }
      if (type == EvType::String) {
        if (!read_string_entry(off0)) return false;
        continue;
      }
      Raw r{off0, type, 0, vals_.size()};
      if (narg < 4) {
        for (std::size_t i = 0; i < narg; i++) {
          std::uint64_t v;
          if (!varint(&v, "value", &r, i)) return false;
          vals_.push_back(v);
        }
      } else {
        std::uint64_t len;
        const std::size_t len_at = pos_;
        if (!varint(&len, "the length", &r, 0)) return false;
        if (len > remaining()) {
          return fail(len_at, std::string("expected a length of at most the ") + str_of(remaining()) +
                                  " bytes that remain for " + desc(type).name + " (event at offset " + str_of(off0) +
                                  "), got " + str_of(len));
        }
        const std::size_t end = pos_ + std::size_t(len);
        std::size_t i = 0;
        while (pos_ < end) {
          std::uint64_t v;
          if (!varint(&v, "value", &r, i++)) return false;
          vals_.push_back(v);
        }
        if (pos_ != end) {
          return fail(off0, std::string("expected ") + desc(type).name + "'s values to fill its length of " +
                                str_of(len) + " bytes, the last one ends " + str_of(pos_ - end) + " bytes after it");
        }
      }
      r.nvals = static_cast<std::uint32_t>(vals_.size() - r.first);
      if (type == EvType::UserLog) {
        std::string s;
        if (!read_string(&s, "the message length of UserLog (event at offset " + str_of(off0) + ")")) return false;
        r.log_value = static_cast<std::uint32_t>(t_->log_values.size());
        t_->log_values.push_back(std::move(s));
      }
      raws_.push_back(r);
    }
    return true;
  }

  std::string version_text(int v = 0) const {
    if (v == 0) v = t_->version;
    return std::to_string(v / 1000) + "." + std::to_string(v % 1000);
  }

  static std::string hex(std::uint8_t b) {
    static constexpr char kHex[] = "0123456789abcdef";
    return std::string("0x") + kHex[b >> 4] + kHex[b & 15];
  }

  bool read_string_entry(std::size_t off0) {
    std::uint64_t id;
    const std::size_t id_at = pos_;
    if (!varint(&id, "the id of String (entry at offset " + str_of(off0) + ")")) return false;
    if (id == 0) return fail(id_at, "expected a string id other than 0");
    if (t_->strings.count(id) != 0) return fail(id_at, "expected a new string id, got " + str_of(id) + " again");
    std::string s;
    if (!read_string(&s, "the length of String " + str_of(id) + " (entry at offset " + str_of(off0) + ")", false)) {
      return false;
    }
    t_->strings.emplace(id, std::move(s));
    return true;
  }

  // [len, bytes]: len 0 is allowed only when allow_empty (UserLog's message).
  bool read_string(std::string* s, const std::string& what, bool allow_empty = true) {
    std::uint64_t len;
    const std::size_t at = pos_;
    if (!varint(&len, what)) return false;
    if (len == 0) {
      if (allow_empty) return true;
      return fail(at, "expected " + what + " of 1.." + str_of(kMaxStringBytes) + ", got 0");
    }
    if (len > kMaxStringBytes) {
      return fail(at, "expected " + what + " of at most " + str_of(kMaxStringBytes) + ", got " + str_of(len));
    }
    if (len > remaining()) {
      return fail(at, "expected " + str_of(len) + " bytes of string, got " + str_of(remaining()) +
                          " before the end of input");
    }
    s->assign(reinterpret_cast<const char*>(in_.data() + pos_), std::size_t(len));
    pos_ += std::size_t(len);
    return true;
  }

  // ---- decoding (parseEvents) ----
  bool decode() {
    const std::int64_t kProfileKey = INT64_MAX;
    std::int64_t last_p = 0;
    std::uint64_t last_g = kNoG;
    std::uint64_t last_ts = 0;
    std::unordered_map<std::int64_t, std::uint64_t> last_gs;  // the current G of each P
    std::unordered_map<std::int64_t, std::uint32_t> queue_of;
    auto queue = [&](std::int64_t key) -> Queue& {
      auto [it, fresh] = queue_of.emplace(key, static_cast<std::uint32_t>(queues_.size()));
      if (fresh) queues_.push_back(Queue{key, {}, 0});
      return queues_[it->second];
    };
    evs_.reserve(raws_.size());
    for (const Raw& r : raws_) {
      const std::uint64_t* v = vals_.data() + r.first;
      const Desc& d = desc(r.type);
      if (r.type == EvType::Stack) {
        if (r.nvals < 2) {
          return fail(r.offset, "expected Stack to have at least 2 values (id, frame count), got " + str_of(r.nvals));
        }
        const std::uint64_t n = v[1];
        if (n > kMaxStackFrames) {
          return fail(r.offset, "expected a Stack of at most " + str_of(kMaxStackFrames) + " frames, got " + str_of(n));
        }
        if (r.nvals != 2 + 4 * n) {
          return fail(r.offset, "expected Stack " + str_of(v[0]) + " of " + str_of(n) + " frames to have " +
                                    str_of(2 + 4 * n) + " values, got " + str_of(r.nvals));
        }
        if (v[0] != 0 && n > 0) {
          std::vector<Frame> frames(n);
          for (std::uint64_t i = 0; i < n; i++) frames[i] = Frame{v[2 + 4 * i], v[3 + 4 * i], v[4 + 4 * i], v[5 + 4 * i]};
          t_->stacks[v[0]] = std::move(frames);  // a repeated id replaces, as in Go
        }
        continue;
      }
      if (r.nvals != value_count(r.type)) {
        return fail(r.offset, std::string("expected ") + d.name + " to have " + str_of(value_count(r.type)) +
                                  " values, got " + str_of(r.nvals));
      }
      switch (r.type) {
        case EvType::Batch:
          last_gs[last_p] = last_g;
          last_p = as_int(v[0]);
          last_g = last_gs[last_p];
          last_ts = v[1];
          continue;
        case EvType::Frequency:
          if (as_int(v[0]) <= 0) {
            return fail(r.offset, "expected a positive tick frequency, got " + std::to_string(as_int(v[0])));
          }
          t_->ticks_per_sec = as_int(v[0]);
          continue;
        case EvType::TimerGoroutine:
          t_->timer_goroutines.push_back(v[0]);
          continue;
        default:
          break;
      }
      Event e;
      e.type = e.raw_type = r.type;
      e.offset = r.offset;
      e.p = last_p;
      e.g = last_g;
      last_ts += v[0];  // wraps like Go's int64 on hostile input
      e.ticks = as_int(last_ts);
      const std::size_t n = r.nvals;
      for (std::size_t i = 1; i < n; i++) {
        if (i == n - 1 && d.stack) {
          e.stack = v[i];
        } else {
          e.args[i - 1] = v[i];
        }
      }
      switch (r.type) {
        case EvType::GoStart:
        case EvType::GoStartLocal:
        case EvType::GoStartLabel:
          last_g = e.args[0];
          e.g = last_g;
          break;
        case EvType::GCSTWStart:
          e.g = kNoG;
          if (e.args[0] > 1) {
            return fail(r.offset, "expected GCSTWStart's kind to be 0 (mark termination) or 1 (sweep termination), got " +
                                      str_of(e.args[0]));
          }
          break;
        case EvType::GCStart:
        case EvType::GCDone:
        case EvType::GCSTWDone:
          e.g = kNoG;
          break;
        case EvType::GoEnd:
        case EvType::GoStop:
        case EvType::GoSched:
        case EvType::GoPreempt:
        case EvType::GoSleep:
        case EvType::GoBlock:
        case EvType::GoBlockSend:
        case EvType::GoBlockRecv:
        case EvType::GoBlockSelect:
        case EvType::GoBlockSync:
        case EvType::GoBlockCond:
        case EvType::GoBlockNet:
        case EvType::GoSysBlock:
        case EvType::GoBlockGC:
          last_g = kNoG;
          break;
        case EvType::GoSysExit:
        case EvType::GoWaiting:
        case EvType::GoInSyscall:
          e.g = e.args[0];
          break;
        case EvType::UserLog:
          e.args[2] = r.log_value;
          break;
        case EvType::CPUSample:
          e.ticks = as_int(e.args[0]);
          e.p = as_int(e.args[1]);
          e.g = e.args[2];
          e.args[0] = 0;
          break;
        default:
          break;
      }
      const auto idx = static_cast<std::uint32_t>(evs_.size());
      Queue& q = queue(r.type == EvType::CPUSample ? kProfileKey : last_p);
      e.batch = static_cast<std::uint32_t>(&q - queues_.data());
      q.evs.push_back(idx);
      evs_.push_back(e);
    }
    if (evs_.empty()) return fail(in_.size(), "expected at least one event in a batch, got end of input");
    if (t_->ticks_per_sec == 0) return fail(in_.size(), "expected a Frequency event, got end of input");
    // Go's raw events and values are no longer needed.
    std::vector<Raw>().swap(raws_);
    std::vector<std::uint64_t>().swap(vals_);
    return true;
  }

  // ---- ordering (order1007) ----
  enum Status : std::uint8_t { kDead, kRunnable, kRunning, kWaiting };
  static constexpr std::uint64_t kNoSeq = ~std::uint64_t{0};   // any seq / keep the seq
  static constexpr std::uint64_t kSeqInc = ~std::uint64_t{0} - 1;
  struct GState {
    std::uint64_t seq = 0;
    Status status = kDead;
  };
  struct Transition {
    std::uint64_t g = kUnordered;
    GState init, next;
  };

  static const char* status_name(Status s) {
    switch (s) {
      case kDead: return "dead";
      case kRunnable: return "runnable";
      case kRunning: return "running";
      case kWaiting: return "waiting";
    }
    return "?";
  }

  static Transition transition_of(const Event& e) {
    Transition t;
    switch (e.raw_type) {
      case EvType::GoCreate:
        t = {e.args[0], {0, kDead}, {1, kRunnable}};
        break;
      case EvType::GoWaiting:
      case EvType::GoInSyscall:
        t = {e.g, {1, kRunnable}, {2, kWaiting}};
        break;
      case EvType::GoStart:
      case EvType::GoStartLabel:
        // seq + 1 wraps for seq = 2^64 - 1 (hostile input only): the event then waits for a
        // state no G reaches and the merge reports it.
        t = {e.g, {e.args[1], kRunnable}, {e.args[1] + 1, kRunning}};
        break;
      case EvType::GoStartLocal:
        t = {e.g, {kNoSeq, kRunnable}, {kSeqInc, kRunning}};
        break;
      case EvType::GoBlock:
      case EvType::GoBlockSend:
      case EvType::GoBlockRecv:
      case EvType::GoBlockSelect:
      case EvType::GoBlockSync:
      case EvType::GoBlockCond:
      case EvType::GoBlockNet:
      case EvType::GoSleep:
      case EvType::GoSysBlock:
      case EvType::GoBlockGC:
        t = {e.g, {kNoSeq, kRunning}, {kNoSeq, kWaiting}};
        break;
      case EvType::GoSched:
      case EvType::GoPreempt:
        t = {e.g, {kNoSeq, kRunning}, {kNoSeq, kRunnable}};
        break;
      case EvType::GoUnblock:
      case EvType::GoSysExit:
        t = {e.args[0], {e.args[1], kWaiting}, {e.args[1] + 1, kRunnable}};
        break;
      case EvType::GoUnblockLocal:
      case EvType::GoSysExitLocal:
        t = {e.args[0], {kNoSeq, kWaiting}, {kSeqInc, kRunnable}};
        break;
      case EvType::GCStart:
        t = {kGCSeq, {e.args[0], kDead}, {e.args[0] + 1, kDead}};
        break;
      default:
        break;
    }
    // As in order.go, a G id of 2^64-1 or 2^64-2 (hostile input only) aliases "unordered" or the
    // GC sequence; harmless: the merge stays total and bounded.
    return t;
  }

  std::unordered_map<std::uint64_t, GState> gs_;
  // Blocked queue heads by the state they wait for: (g, status, seq or kNoSeq).
  struct WaitKey {
    std::uint64_t g;
    std::uint64_t seq;
    Status status;
    bool operator==(const WaitKey& o) const { return g == o.g && seq == o.seq && status == o.status; }
  };
  struct WaitHash {
    std::size_t operator()(const WaitKey& k) const {
      std::uint64_t h = k.g * 0x9E3779B97F4A7C15ull ^ (k.seq + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full ^ k.status;
      return std::size_t(h ^ (h >> 29));
    }
  };
  std::unordered_map<WaitKey, std::vector<std::uint32_t>, WaitHash> waiting_;
  // The frontier: (ticks, P, queue index), smallest first.
  using Front = std::tuple<std::int64_t, std::int64_t, std::uint32_t>;
  std::priority_queue<Front, std::vector<Front>, std::greater<Front>> frontier_;

  GState state(std::uint64_t g) const {
    const auto it = gs_.find(g);
    return it == gs_.end() ? GState{} : it->second;
  }

  static bool ready(const Transition& t, const GState& cur) {
    return t.g == kUnordered || ((t.init.seq == kNoSeq || t.init.seq == cur.seq) && t.init.status == cur.status);
  }

  // Puts queue q's head into the frontier if its precondition holds, else parks it.
  void select(std::uint32_t q) {
    Queue& qu = queues_[q];
    if (qu.head == qu.evs.size()) return;
    const Event& e = evs_[qu.evs[qu.head]];
    const Transition t = transition_of(e);
    if (ready(t, state(t.g))) {
      frontier_.emplace(e.ticks, qu.key, q);
    } else {
      waiting_[WaitKey{t.g, t.init.seq, t.init.status}].push_back(q);
    }
  }

  void wake(const WaitKey& k) {
    const auto it = waiting_.find(k);
    if (it == waiting_.end()) return;
    std::vector<std::uint32_t> qs = std::move(it->second);
    waiting_.erase(it);
    for (std::uint32_t q : qs) select(q);
  }

  std::string describe_wait(const Event& e, const Transition& t) const {
    const GState cur = state(t.g);
    std::string who = t.g == kGCSeq ? std::string("the GC sequence") : "g " + str_of(t.g);
    std::string need = t.g == kGCSeq ? "at " + str_of(t.init.seq)
                                      : std::string(status_name(t.init.status)) +
                                            (t.init.seq == kNoSeq ? "" : " at seq " + str_of(t.init.seq));
    std::string have = t.g == kGCSeq ? "at " + str_of(cur.seq)
                                      : std::string(status_name(cur.status)) + " at seq " + str_of(cur.seq);
    return std::string(desc(e.raw_type).name) + " on P " + std::to_string(e.p) + " needs " + who + " " + need +
           ", but " + who + " is " + have;
  }

  bool order() {
    std::vector<Event> out;
    out.reserve(evs_.size());
    // (1) CPU samples by their own timestamps.
    for (Queue& q : queues_) {
      if (q.key == INT64_MAX) {
        std::stable_sort(q.evs.begin(), q.evs.end(),
                         [&](std::uint32_t a, std::uint32_t b) { return evs_[a].ticks < evs_[b].ticks; });
      }
    }
    // (2)-(3) the merge.
    for (std::uint32_t q = 0; q < queues_.size(); q++) select(q);
    while (!frontier_.empty()) {
      const std::uint32_t q = std::get<2>(frontier_.top());
      frontier_.pop();
      Queue& qu = queues_[q];
      Event e = evs_[qu.evs[qu.head]];
      const Transition t = transition_of(e);
      if (t.g != kUnordered) {
        const GState cur = state(t.g);
        if (!ready(t, cur)) {
          // Another event of the same G was merged first and moved it on (two queues claimed the
          // same step): Go panics here ("event sequences are broken").
          return fail(e.offset, "expected a consistent goroutine history: " + describe_wait(e, t));
        }
        GState next = t.next;
        if (next.seq == kNoSeq) next.seq = cur.seq;
        if (next.seq == kSeqInc) next.seq = cur.seq + 1;
        gs_[t.g] = next;
        e.order_g = t.g;
        e.seq = next.seq;
      }
      switch (e.raw_type) {
        case EvType::GoStartLocal: e.type = EvType::GoStart; break;
        case EvType::GoUnblockLocal: e.type = EvType::GoUnblock; break;
        case EvType::GoSysExitLocal: e.type = EvType::GoSysExit; break;
        default: break;
      }
      out.push_back(e);
      qu.head++;
      select(q);
      if (t.g != kUnordered) {
        const GState now = gs_[t.g];
        wake(WaitKey{t.g, now.seq, now.status});
        wake(WaitKey{t.g, kNoSeq, now.status});
      }
    }
    if (out.size() != evs_.size()) {
      // Report the blocked head that comes first in the file.
      const Event* first = nullptr;
      for (const Queue& q : queues_) {
        if (q.head == q.evs.size()) continue;
        const Event& e = evs_[q.evs[q.head]];
        if (first == nullptr || e.offset < first->offset) first = &e;
      }
      return fail(first->offset, "expected an event that can be ordered: no consistent order of the " +
                                     str_of(evs_.size() - out.size()) + " events left exists; " +
                                     describe_wait(*first, transition_of(*first)));
    }
    std::vector<Event>().swap(evs_);
    // (4) timestamps.
    if (opt_.require_time_order) {
      for (std::size_t i = 1; i < out.size(); i++) {
        if (out[i].ticks < out[i - 1].ticks) {
          return fail(out[i].offset, std::string("expected time stamps in merged order (Go: \"time stamps out of "
                                                 "order\"): ") +
                                         desc(out[i].raw_type).name + " at tick " + std::to_string(out[i].ticks) +
                                         " must follow " + desc(out[i - 1].raw_type).name + " at offset " +
                                         str_of(out[i - 1].offset) + ", tick " + std::to_string(out[i - 1].ticks));
        }
      }
      std::unordered_map<std::uint64_t, std::int64_t> last_block;
      bool moved = false;
      for (Event& e : out) {
        if (e.type == EvType::GoSysBlock || e.type == EvType::GoInSyscall) {
          last_block[e.g] = e.ticks;
        } else if (e.type == EvType::GoSysExit) {
          // args[2] as in order.go: a GoSysExitLocal has its real time in args[1] and none in
          // args[2], so Go never moves a local syscall exit; neither do we.
          const std::int64_t ts = as_int(e.args[2]);
          if (ts == 0) continue;
          const auto it = last_block.find(e.g);
          if (it == last_block.end() || it->second == 0) {
            return fail(e.offset, "expected a GoSysBlock or GoInSyscall of g " + str_of(e.g) +
                                      " before its GoSysExit with a real exit time (Go: \"stray syscall exit\")");
          }
          if (ts < it->second) {
            return fail(e.offset, "expected GoSysExit's real exit time " + std::to_string(ts) +
                                      " not to precede g " + str_of(e.g) + "'s GoSysBlock at tick " +
                                      std::to_string(it->second) + " (Go: \"time stamps out of order\")");
          }
          moved = moved || e.ticks != ts;
          e.ticks = ts;
        }
      }
      const auto by_ticks = [](const Event& a, const Event& b) { return a.ticks < b.ticks; };
      if (moved && !std::is_sorted(out.begin(), out.end(), by_ticks)) std::stable_sort(out.begin(), out.end(), by_ticks);
    }
    // (5) nanoseconds.
    const std::uint64_t t0 = static_cast<std::uint64_t>(out.front().ticks);
    const double freq = 1e9 / double(t_->ticks_per_sec);
    for (Event& e : out) {
      const double ns = double(as_int(static_cast<std::uint64_t>(e.ticks) - t0)) * freq;
      // Go's int64(float64) is undefined past the range too; we saturate.
      e.ns = !(ns > -9.2e18) ? INT64_MIN : ns >= 9.2e18 ? INT64_MAX : static_cast<std::int64_t>(ns);
    }
    t_->events = std::move(out);
    return true;
  }
};

// ---- files -----------------------------------------------------------------------------------

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

std::string_view ev_name(EvType t) {
  const int i = static_cast<int>(t);
  if (i <= 0 || i >= kEvTypeCount) return "None";
  return kDesc[i].name;
}

std::string_view Trace::str(std::uint64_t id) const {
  const auto it = strings.find(id);
  return it == strings.end() ? std::string_view() : std::string_view(it->second);
}

const std::vector<Frame>* Trace::stack(std::uint64_t id) const {
  const auto it = stacks.find(id);
  return it == stacks.end() || it->second.empty() ? nullptr : &it->second;
}

bool Trace::stack_has(std::uint64_t id, std::string_view fn) const {
  const std::vector<Frame>* s = stack(id);
  if (s == nullptr) return false;
  for (const Frame& f : *s) {
    if (str(f.fn) == fn) return true;
  }
  return false;
}

bool parse(std::span<const std::uint8_t> bytes, Trace* out, std::string* error, const Options& opt) {
  *out = Trace{};
  if (bytes.size() > kMaxGoTraceBytes) {
    if (error != nullptr) {
      *error = "offset " + str_of(kMaxGoTraceBytes) + ": expected end of input within " + str_of(kMaxGoTraceBytes) +
               " bytes (the reader's limit)";
    }
    return false;
  }
  Parser p(bytes, opt, out);
  if (!p.run()) {
    if (error != nullptr) *error = p.error();
    *out = Trace{};
    return false;
  }
  return true;
}

bool parse_file(const std::string& path, Trace* out, std::string* error, const Options& opt) {
  *out = Trace{};
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    if (error != nullptr) *error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::vector<std::uint8_t> data;
  std::uint8_t chunk[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(chunk, 1, sizeof chunk, f.get());
    data.insert(data.end(), chunk, chunk + n);
    if (data.size() > kMaxGoTraceBytes) {
      if (error != nullptr) {
        *error = path + ": offset " + str_of(kMaxGoTraceBytes) + ": expected end of input within " +
                 str_of(kMaxGoTraceBytes) + " bytes (the reader's limit)";
      }
      return false;
    }
    if (n < sizeof chunk) break;
  }
  if (std::ferror(f.get())) {
    if (error != nullptr) *error = path + ": cannot read: " + std::strerror(errno);
    return false;
  }
  std::string err;
  if (!parse(data, out, &err, opt)) {
    if (error != nullptr) *error = path + ": " + err;
    return false;
  }
  return true;
}

void remove_futile(Trace* t) {
  // Phase 1 (removeFutile in parser.go): per G, the wakeup sequence since its last unblock;
  // a block that follows a FutileWakeup marks that sequence and itself futile.
  struct G {
    bool futile = false;
    std::vector<std::size_t> wakeup;
  };
  std::unordered_map<std::uint64_t, G> gs;
  std::vector<bool> futile(t->events.size(), false);
  for (std::size_t i = 0; i < t->events.size(); i++) {
    const Event& e = t->events[i];
    switch (e.type) {
      case EvType::GoUnblock: {
        G& g = gs[e.args[0]];
        g.wakeup.assign(1, i);
        break;
      }
      case EvType::GoStart:
      case EvType::GoPreempt:
      case EvType::FutileWakeup: {
        G& g = gs[e.g];
        g.wakeup.push_back(i);
        if (e.type == EvType::FutileWakeup) g.futile = true;
        break;
      }
      case EvType::GoBlock:
      case EvType::GoBlockSend:
      case EvType::GoBlockRecv:
      case EvType::GoBlockSelect:
      case EvType::GoBlockSync:
      case EvType::GoBlockCond: {
        const auto it = gs.find(e.g);
        if (it != gs.end() && it->second.futile) {
          futile[i] = true;
          for (std::size_t j : it->second.wakeup) futile[j] = true;
        }
        if (it != gs.end()) gs.erase(it);
        break;
      }
      default:
        break;
    }
  }
  std::size_t k = 0;
  for (std::size_t i = 0; i < t->events.size(); i++) {
    if (!futile[i]) t->events[k++] = t->events[i];
  }
  t->events.resize(k);
}

std::string dump_event(const Trace& t, const Event& e) {
  const int ti = static_cast<int>(e.type);
  const Desc& d = kDesc[ti > 0 && ti < kEvTypeCount ? ti : 0];
  std::string s = std::to_string(e.ns) + " " + d.name + " p=" + std::to_string(e.p) + " g=" + str_of(e.g) +
                  " off=" + str_of(e.offset);
  for (int i = 0; i < d.nargs; i++) s += std::string(" ") + d.args[i] + "=" + str_of(e.args[i]);
  // Go's string arguments: resolved names, printed after the numbers.
  switch (e.type) {
    case EvType::GCSTWStart:
      s += e.args[0] == 0 ? " kind=mark termination" : " kind=sweep termination";
      break;
    case EvType::GoStartLabel:
      s += " label=" + std::string(t.str(e.args[2]));
      break;
    case EvType::UserTaskCreate:
    case EvType::UserRegion:
      s += " name=" + std::string(t.str(e.args[2]));
      break;
    case EvType::UserLog:
      s += " category=" + std::string(t.str(e.args[1])) + " message=" +
           (e.args[2] < t.log_values.size() ? t.log_values[e.args[2]] : std::string());
      break;
    default:
      break;
  }
  return s;
}

std::string dump(const Trace& t) {
  std::string s = "go trace version " + std::to_string(t.version / 1000) + "." + std::to_string(t.version % 1000) +
                  ", " + std::to_string(t.events.size()) + " events, " + std::to_string(t.ticks_per_sec) +
                  " ticks/s, " + std::to_string(t.strings.size()) + " strings, " + std::to_string(t.stacks.size()) +
                  " stacks\n";
  for (const Event& e : t.events) {
    s += dump_event(t, e);
    s += '\n';
  }
  return s;
}

}  // namespace touchstone::gotrace
