// conformance/import/go/gotrace.h — a reader for real Go execution traces (runtime/trace), as
// written by Go 1.19 (gc: "go 1.19 trace") and by gccgo 12's libgo ("go 1.11 trace").
//
//   gotrace::Trace t;
//   std::string err;
//   if (!gotrace::parse(bytes, &t, &err)) ...          // err: "offset N: expected ..."
//   for (const gotrace::Event& e : t.events) ...       // merged across Ps, in Go's order
//   std::puts(gotrace::dump(t).c_str());               // one line per event
//
// The byte format and the ordering algorithm are explained at the top of gotrace.cc; README.md
// in this directory has the event table and every error message. This is our own reader (no Go
// code runs): it follows Go 1.19's internal/trace (parser.go, order.go) for what it accepts and
// how it orders, with these deliberate differences:
//
//   * only versions 1019 and 1011 are accepted (any other header is refused with its version);
//   * every malformed input is an error value naming a byte offset; where Go panics ("event
//     sequences are broken") or allocates what a hostile length asks for, we refuse;
//   * ties between events with equal timestamps are broken by P (Go's choice depends on map
//     iteration order);
//   * events keep the P whose batch held them: Go's viewer moves timer unblocks, syscall exits,
//     GC and network unblocks onto fake Ps (TimerP, SyscallP, ...), which is presentation;
//   * futile wakeups are kept (Go's Parse drops them: removeFutile); remove_futile() does what
//     Go does, for comparisons with `go tool trace -d`;
//   * no consistency check of the merged stream (Go's postProcessTrace): judging the stream is
//     the conformance checker's job, and it must see an inconsistent stream to flag it.
//
// Limits: at most kMaxGoTraceBytes of input; every count and length read from the input is
// checked against the bytes that remain before anything is allocated for it, so memory stays a
// bounded multiple of the input size; every loop advances through the input or through events
// already decoded, so parsing is O(n log n) in the input size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace touchstone::gotrace {

// Event types: the numbering of Go's runtime/trace.go (traceEv*), which both versions share
// (gccgo's 1.11 format has no CPUSample). Each comment gives the arguments after the timestamp
// as they land in Event::args, then whether the event carries a stack id.
enum class EvType : std::uint8_t {
  None = 0,                // unused
  Batch = 1,               // start of a per-P batch [p, ticks] (not an Event)
  Frequency = 2,           // ticks per second [freq] (not an Event: Trace::ticks_per_sec)
  Stack = 3,               // stack table entry [id, n, n x {pc, fn, file, line}] (not an Event)
  Gomaxprocs = 4,          // GOMAXPROCS [procs], stack
  ProcStart = 5,           // P starts running [thread id]
  ProcStop = 6,            // P stops []
  GCStart = 7,             // GC starts [seq], stack
  GCDone = 8,              // GC done []
  GCSTWStart = 9,          // stop-the-world starts [kind: 0 mark termination, 1 sweep termination]
  GCSTWDone = 10,          // stop-the-world done []
  GCSweepStart = 11,       // sweep starts [], stack
  GCSweepDone = 12,        // sweep done [swept, reclaimed]
  GoCreate = 13,           // goroutine created [new g, new g's stack id], stack
  GoStart = 14,            // goroutine starts running [g, seq]
  GoEnd = 15,              // goroutine ends []
  GoStop = 16,             // goroutine stops for good (select {}) [], stack
  GoSched = 17,            // runtime.Gosched [], stack
  GoPreempt = 18,          // preempted [], stack
  GoSleep = 19,            // time.Sleep [], stack
  GoBlock = 20,            // blocks (other) [], stack
  GoUnblock = 21,          // unblocks another goroutine [g, seq], stack
  GoBlockSend = 22,        // blocks on a channel send [], stack
  GoBlockRecv = 23,        // blocks on a channel receive [], stack
  GoBlockSelect = 24,      // blocks in select [], stack
  GoBlockSync = 25,        // blocks on Mutex/RWMutex [], stack
  GoBlockCond = 26,        // blocks on sync.Cond [], stack
  GoBlockNet = 27,         // blocks on the network poller [], stack
  GoSysCall = 28,          // enters a system call [], stack
  GoSysExit = 29,          // leaves a system call that blocked [g, seq, real exit ticks]
  GoSysBlock = 30,         // the system call blocks (the P is handed off) []
  GoWaiting = 31,          // at trace start: g is blocked [g]
  GoInSyscall = 32,        // at trace start: g is in a system call [g]
  HeapAlloc = 33,          // live heap [bytes]
  HeapGoal = 34,           // heap goal [bytes]
  TimerGoroutine = 35,     // the timer goroutine [g] (not an Event: Trace::timer_goroutines)
  FutileWakeup = 36,       // the previous wakeup of this goroutine was futile []
  String = 37,             // string table entry [id, len, bytes] (not an Event: Trace::strings)
  GoStartLocal = 38,       // GoStart on the P of the event that readied g [g]; ordered as GoStart
  GoUnblockLocal = 39,     // GoUnblock on the same P as g's last event [g], stack
  GoSysExitLocal = 40,     // GoSysExit on the same P as g's last event [g, real exit ticks]
  GoStartLabel = 41,       // GoStart with a label (GC workers) [g, seq, label string id]
  GoBlockGC = 42,          // blocks on a GC assist [], stack
  GCMarkAssistStart = 43,  // mark assist starts [], stack
  GCMarkAssistDone = 44,   // mark assist done []
  UserTaskCreate = 45,     // trace.NewTask [task id, parent id, name string id], stack
  UserTaskEnd = 46,        // task ends [task id], stack
  UserRegion = 47,         // trace.WithRegion [task id, mode 0 start/1 end, name string id], stack
  UserLog = 48,            // trace.Log [task id, key string id, index into Trace::log_values], stack
  CPUSample = 49,          // CPU profile sample (1.19 only) [0, p, g], stack; ticks from the sample
};
inline constexpr int kEvTypeCount = 50;

// Go's name for the type ("GoStart"; "EvType(N)" outside the table).
std::string_view ev_name(EvType t);

// Header versions read (Go writes "go 1.19 trace\0\0\0\0" as 1019).
inline constexpr int kVersionGo119 = 1019;
inline constexpr int kVersionGccgo12 = 1011;
inline constexpr std::size_t kHeaderSize = 16;
// The reader refuses larger inputs (Go's own traces of a few seconds are megabytes).
inline constexpr std::uint64_t kMaxGoTraceBytes = std::uint64_t{1} << 30;
// Go's limits, kept: frames in one stack, bytes in one string.
inline constexpr std::uint64_t kMaxStackFrames = 1000;
inline constexpr std::uint64_t kMaxStringBytes = 1000000;

// No G: Go's "g 0" (the scheduler, or no goroutine running on the P).
inline constexpr std::uint64_t kNoG = 0;
// Event::order_g of an event that orders against nothing (ProcStart, HeapAlloc, ...).
inline constexpr std::uint64_t kUnordered = ~std::uint64_t{0};
// Event::order_g of GCStart: the GC cycles form one more sequence, as in order.go.
inline constexpr std::uint64_t kGCSeq = ~std::uint64_t{0} - 1;

struct Event {
  EvType type = EvType::None;      // as merged: the *Local types become GoStart/GoUnblock/GoSysExit
  EvType raw_type = EvType::None;  // as written in the file
  std::uint64_t offset = 0;        // byte offset of the event's first byte in the file
  std::int64_t p = 0;              // P of the batch that held it (CPUSample: the sample's P, -1 none)
  // The G it is about: the goroutine running on that P when it happened (as Go's parser tracks
  // it: set by GoStart*, cleared by the blocking/ending events), except GoSysExit, GoWaiting and
  // GoInSyscall (args[0]) and CPUSample (the sample's G). kNoG when none.
  std::uint64_t g = kNoG;
  std::int64_t ticks = 0;          // timestamp in ticks (GoSysExit: the real exit time when known)
  std::int64_t ns = 0;             // nanoseconds since the first event (Go's conversion)
  std::uint64_t args[3] = {0, 0, 0};
  std::uint64_t stack = 0;         // stack id (0: none); Trace::stacks resolves it
  // Ordering (gotrace.cc, "Ordering"): the sequence this event advances — a G id, kGCSeq, or
  // kUnordered — and that sequence's number after the event. Along Trace::events, seq is
  // non-decreasing per order_g; GoStart/GoUnblock/GoSysExit/GCStart (and Local variants) add 1.
  std::uint64_t order_g = kUnordered;
  std::uint64_t seq = 0;
  std::uint32_t batch = 0;         // index of the batch (P) it came from, in order of first appearance
};

struct Frame {
  std::uint64_t pc = 0;
  std::uint64_t fn = 0;    // string id (Trace::str)
  std::uint64_t file = 0;  // string id
  std::uint64_t line = 0;
};

struct Trace {
  int version = 0;                  // 1019 or 1011
  std::int64_t ticks_per_sec = 0;   // from the Frequency event
  std::vector<Event> events;        // merged, in order
  std::map<std::uint64_t, std::string> strings;
  std::map<std::uint64_t, std::vector<Frame>> stacks;
  std::vector<std::uint64_t> timer_goroutines;  // in file order
  std::vector<std::string> log_values;          // UserLog messages (Event::args[2] indexes)

  // The string with this id ("" when absent, as in Go).
  std::string_view str(std::uint64_t id) const;
  // The frames of this stack id (nullptr when absent or empty).
  const std::vector<Frame>* stack(std::uint64_t id) const;
  // Whether any frame of the stack names the function `fn` exactly.
  bool stack_has(std::uint64_t id, std::string_view fn) const;
};

// Options for parse(). The defaults are Go's behaviour.
struct Options {
  // Go refuses a trace whose merged order is not sorted by timestamp (ErrTimeOrder: skewed
  // clocks across CPUs). false keeps the consistent order and ignores the timestamps.
  bool require_time_order = true;
};

// Parses and orders a Go trace. On success fills *out and returns true. On failure returns
// false, leaves *out empty (default-constructed) and sets *error (if non-null) to
// "offset N: <what was expected>" with N <= bytes.size() (README.md lists the messages).
bool parse(std::span<const std::uint8_t> bytes, Trace* out, std::string* error, const Options& opt = {});

// Reads the file at `path` (at most kMaxGoTraceBytes) and parses it. Errors: "<path>: cannot
// open: <strerror>", "<path>: cannot read: <strerror>", or "<path>: offset N: ..." from parse.
bool parse_file(const std::string& path, Trace* out, std::string* error, const Options& opt = {});

// Go's removeFutile: drops every block/unblock/start sequence marked by a FutileWakeup event
// and the FutileWakeup events that mark one, as `go tool trace` does before showing a trace.
void remove_futile(Trace* t);

// One line per event, '\n'-terminated, in `go tool trace -d`'s layout with raw fields:
//   <ns> <Name> p=<p> g=<g> off=<offset>[ <arg>=<v>...][ stack=<id>]
std::string dump_event(const Trace& t, const Event& e);
// A header line ("go trace version 1.19, N events, F ticks/s, S strings, K stacks"), then the
// events.
std::string dump(const Trace& t);

}  // namespace touchstone::gotrace
