// conformance/checker/checker.h — the judge: holds a stream of trace events against the numbered
// clauses of docs/spec/ and reports the first violation with its clause id, an explanation in
// words and the window of events that led to it.
//
//   touchstone::check::Checker c({.order = Order::Exact});
//   for (const TraceRecord& r : records) if (!c.event(r)) break;    // online: after every event
//   c.finish();                                                      // end-of-trace clauses
//   if (c.violation()) std::fputs(format_violation(*c.violation()).c_str(), stderr);
//
// Online (in the simulator) the checker is fed each event as it is emitted; offline it is fed
// a trace file's records in file order. Either way it keeps a model of the runtime — each G's
// status and where it is (which queue, or which M holds it), each P's status, owner M, ring and
// runnext, each M's P, G and spinning flag, the world's state, and the program-level objects —
// and checks each event against it. The event semantics are specified in runtime/trace.h.
//
// Order. A simulated run's events are a linearization of the run (Order::Exact): every clause
// applies. A native trace is merged from per-M buffers: only each M's order and each G's order
// (gseq) can be trusted (Order::PerG), so clauses that need the order between different Gs or
// different Ms are not checked and are reported as not exercised. Each clause says which order
// it needs (Clause::needs_exact).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/trace/trace_file.h"

namespace touchstone::check {

enum class Order : std::uint8_t { Exact, PerG };

struct Clause {
  std::string_view id;          // "G-TRANS-1"
  std::string_view statement;   // one sentence
  std::string_view go_function; // the Go 1.19 function(s) it mirrors, e.g. "runtime.casgstatus"
  std::string_view violation;   // what a violation looks like
  bool needs_exact;             // checked only with Order::Exact
  // false: listed because the catalog lists it, but no trace can witness it (STW-3 is about
  // memory visibility, DEAD-1 about a hang); it always reads "not-exercised".
  bool checked = true;
};

// Every clause, in catalog order (docs/spec/README.md lists the same, tested).
std::span<const Clause> clauses();
const Clause* find_clause(std::string_view id);

struct Options {
  Order order = Order::Exact;
  // How many events of context a violation report keeps (the events before it that touch the
  // same G, P or M, newest last, plus the violating event itself).
  std::size_t window = 16;
};

struct Violation {
  std::string clause;                        // clause id
  std::string explanation;                   // in words, naming the G/P/M and the states
  std::uint64_t index = 0;                   // 0-based index of the violating event in the stream
  std::vector<trace::TraceRecord> window;    // context, the violating event last
  std::vector<std::uint64_t> window_index;   // stream index of each window entry
};

// What a run exercised: per clause, how many times it was checked (an event or an end-of-trace
// state it applied to); and which G transitions (from, to) occurred, with counts.
struct Coverage {
  std::map<std::string, std::uint64_t> clauses;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> transitions;
  std::uint64_t events = 0;
  void merge(const Coverage& other);
};

class Checker {
 public:
  explicit Checker(Options opts = {});
  ~Checker();
  Checker(Checker&&) noexcept;
  Checker& operator=(Checker&&) noexcept;

  // Checks one event. Returns false once a violation has been found (the first one is kept;
  // later events are ignored).
  bool event(const trace::TraceRecord& r);
  // End of the stream: checks the end-of-trace clauses (those about a complete trace apply only
  // if the stream ended with an Exit event). Returns false if there is a violation.
  bool finish();

  const std::optional<Violation>& violation() const;
  const Coverage& coverage() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

struct CheckResult {
  std::optional<Violation> violation;
  Coverage coverage;
  bool ok() const { return !violation.has_value(); }
};

// Runs a Checker over records (event() for each, then finish()).
CheckResult check_trace(std::span<const trace::TraceRecord> records, Options opts = {});

// A report a person can read:
//   VIOLATION RUNQ-OWN-3: g7 taken from P1's ring by M2, but g7 is in the global queue
//     clause: only a G in a queue can be taken from it (runtime.runqget, runqgrab)
//     events leading to it:
//       [12] #3 g7.2 M1 P1 RunqPut ring
//       ...
//    >> [40] #9 g7.5 M2 P1 RunqGet ring
std::string format_violation(const Violation& v);
// One line per clause: "G-TRANS-1  passed  1234" / "... not-exercised 0" (a violated clause
// reads "failed").
std::string format_coverage(const Coverage& c, const std::optional<Violation>& v);

// The checker as a trace listener, for the simulator (single-threaded use: the simulator runs
// every M on one OS thread, so nothing here is synchronised).
//
//   OnlineChecker oc({.order = Order::Exact});
//   oc.set_on_violation([&](const Violation& v) { /* stop the simulated run */ });
//   touchstone::Runtime rt({.procs = 4, .trace = &oc});
//   ...
//   oc.finish();
//   write_trace_file(path, oc.records(), &err);
//
// event() numbers each event like the recorder does (seq per M id; every event with m < 0
// shares one counter; gseq = ev.gseq), keeps the record, and feeds the Checker. The callback
// runs once, on the first violation, from inside event().
class OnlineChecker : public runtime::TraceListener {
 public:
  explicit OnlineChecker(Options opts = {});
  ~OnlineChecker() override;

  void event(const runtime::Event& ev) override;
  void set_on_violation(std::function<void(const Violation&)> fn);
  // End of the run: the Checker's finish() (end-of-trace clauses). Calls the callback if that
  // finds the first violation.
  bool finish();

  const std::vector<trace::TraceRecord>& records() const { return records_; }
  const Checker& checker() const { return checker_; }
  const std::optional<Violation>& violation() const { return checker_.violation(); }
  const Coverage& coverage() const { return checker_.coverage(); }

 private:
  Checker checker_;
  std::vector<trace::TraceRecord> records_;
  std::map<std::int64_t, std::uint64_t> next_seq_;  // per M id; key -1 for every m < 0
  std::function<void(const Violation&)> on_violation_;
  bool reported_ = false;
};

}  // namespace touchstone::check
