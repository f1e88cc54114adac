// conformance/import/go/gocheck.h — holds a real Go execution trace (gotrace.h) against the
// spec's clauses that a black-box Go trace can witness, reporting the SAME clause ids as the
// conformance checker (conformance/checker/, docs/spec/README.md). docs/spec/go-traces.md says,
// event by event, what each Go event witnesses and why the other clauses are not witnessable.
//
//   gotrace::Trace t; gotrace::parse_file(path, &t, &err);
//   gotrace::GoCheckResult r = gotrace::check(t);
//   if (r.violation) std::fputs(gotrace::format_violation(t, *r.violation).c_str(), stderr);
//
// Why a dedicated checker rather than translating Go events into our own event stream and
// running check::Checker (the alternative, rejected):
//   1. Go traces have no M-level, run-queue or P-status events. A translation would have to
//      invent them (a RunqGet before every GoStart so that G-TRANS-3 and CONSERVE-1 hold, a
//      PStatus edge for every ProcStart), and the checker would then judge our inventions, not
//      Go: a "pass" would be evidence of nothing, a "fail" a bug in the translation.
//   2. Three clauses mean something different on a Go trace: a G alive at trace start is first
//      seen mid-life (GoCreate by g 0, then GoWaiting/GoInSyscall: its *first observed state*,
//      not an edge); Go writes GCSTWStart *before* the world stops (STW-1 holds only for the
//      stopper's P); the GOMAXPROCS stop-the-world is visible only as its Gomaxprocs event
//      (STW-2: no G starts on a P >= n after it). Our checker would flag all three.
//   3. A non-blocking Go syscall leaves one GoSysCall and no exit (the G keeps running), which
//      has no counterpart in our SyscallEnter/SyscallExit pairs.
// The price: two checkers share clause ids. The ids come from one catalog (check::clauses(),
// tested: gocheck_test's Catalog test), and the G edges from the one table (runtime::
// gtransition_legal), so no fact is stated twice.
//
// Order. The merged stream is per-G (sequence numbers) and per-P (batch order) exact; between
// different Gs on different Ps only timestamps order it. Every check below reads only one G's
// history, one P's history, or (P-OWN-2's "one P", STW-1's stopper P) one P's batch order, plus
// the GOMAXPROCS value, which Go changes only with the world stopped.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/import/go/gotrace.h"

namespace touchstone::gotrace {

// A clause a Go trace can witness, with what witnesses it (the same text as docs/spec/go-traces.md).
struct GoClause {
  std::string_view id;
  std::string_view witness;
};
// The witnessable clauses, in catalog order.
std::span<const GoClause> go_clauses();
// Whether a Go trace can witness the clause with this id.
bool go_witnessable(std::string_view id);

struct GoViolation {
  std::string clause;                // a clause id of docs/spec/README.md
  std::string explanation;           // names the G/P and the states
  std::size_t index = 0;             // index of the violating event in Trace::events
  std::vector<std::size_t> window;   // indices of the context (same G or P), the violating one last
};

struct GoCheckResult {
  std::optional<GoViolation> violation;
  std::map<std::string, std::uint64_t> checks;  // clause id -> times checked (witnessable ones)
  // G edges seen (runtime status numbers: runtime/runtime2.h), with counts.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> transitions;
  std::uint64_t events = 0;      // events checked
  std::uint64_t goroutines = 0;  // distinct Gs seen
};

struct GoCheckOptions {
  std::size_t window = 12;  // events of context kept in a violation
};

// Checks the merged events of t (Trace::events, as parse() orders them). Stops at the first
// violation. Never throws; any stream is accepted (a hostile one gets a violation, not a crash).
GoCheckResult check(const Trace& t, const GoCheckOptions& opt = {});
// Same, over an explicit event list (the trace mutator's output); strings/stacks from t.
GoCheckResult check_events(const Trace& t, std::span<const Event> events, const GoCheckOptions& opt = {});

// "VIOLATION G-TRANS-2: ...\n  events leading to it:\n    [i] <dump_event>\n ... >> [k] ...".
std::string format_violation(const Trace& t, std::span<const Event> events, const GoViolation& v);
inline std::string format_violation(const Trace& t, const GoViolation& v) {
  return format_violation(t, t.events, v);
}

// ---- the trace mutator (what `touchstone go-trace mutate` applies; docs/CERTIFICATION.md) -----

enum class Mutation : std::uint8_t {
  DropUnblock,       // remove one GoUnblock of a G that is later started
  DuplicateStart,    // repeat one GoStart right after itself
  StartOnTwoPs,      // start a running G on a second P before it stops
  StartDuringStw,    // start a G on the stopper's P between GCSTWStart and GCSTWDone
  EndTwice,          // repeat one GoEnd right after itself
  BlockAfterUnblock, // move a G's block event to just after the GoUnblock that ends it
};
inline constexpr int kMutationCount = 6;
std::string_view mutation_name(Mutation m);
// The clause that must flag the mutation (the detection table's "expected").
std::string_view mutation_clause(Mutation m);

// Applies m at the k-th applicable site (k modulo the number of sites) to t's events, then
// renumbers every G's sequence numbers as a runtime that made the mistake would have written them
// (so that GSEQ-1 does not trivially flag every mutation). Returns the number of applicable
// sites (0: not applicable, *out untouched).
std::size_t mutate(const Trace& t, Mutation m, std::size_t k, std::vector<Event>* out);

}  // namespace touchstone::gotrace
