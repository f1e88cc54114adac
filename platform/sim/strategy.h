// platform/sim/strategy.h — where every decision of a simulated run comes from.
//
// A decision is one of n options (n >= 2: a point with a single option is not a decision and is
// not logged) or a 64-bit value (seeds). The world records every decision in a log; replaying the
// log reproduces the run bit-exactly. One interface serves every source:
//
//   Random(seed)        uniform choices from a seeded generator
//   Bytes(data)         a fuzzer's input, one byte per choice (two when n > 256); when the bytes
//                       run out, a fixed default: keep running the current thread, handing over
//                       round-robin every 256 decisions (so spin-waits cannot livelock)
//   PCT(seed, d, k)     Burckhardt et al.'s probabilistic concurrency testing: random thread
//                       priorities, d-1 priority change points among the first k steps
//   Replay(log)         the choices of a recorded run; a mismatch is reported as divergence
//
// For a Schedule decision, option 0 is the current thread when it is still runnable and the
// others follow in thread-id order (`threads` lists the ids, option by option). A later
// exhaustive strategy (bounded DFS, DPOR) implements the same interface and drives the world
// run after run (conformance/litmus/runner.cc does so for litmus tests).
//
// The memory models (platform/sim/memory_model.h) add two kinds, never drawn under sc:
//   ReadFrom  weak model: which store a load reads. Option 0 is the newest store in the
//             location's modification order, option i the i-th older one still allowed
//             (`threads` is empty). Option 0 is the sequentially consistent choice.
//   Flush     tso: at a scheduling point, option 0 = flush nothing more, option i = write the
//             oldest entry of the i-th non-empty store buffer to memory (`threads` lists -1,
//             then the owning thread ids). Drawn repeatedly until option 0 or no buffer is left.
// Strategies that do not care (Random) treat every kind alike; Bytes and PCT give the new kinds
// fixed or random defaults (strategy.cc says which).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace touchstone::sim {

enum class Choice : std::uint8_t { Schedule = 0, Value = 1, ReadFrom = 2, Flush = 3 };

struct Decision {
  Choice kind = Choice::Schedule;
  std::uint32_t n = 0;       // options (0 for Value)
  std::uint64_t value = 0;   // the option taken, or the value
  bool operator==(const Decision&) const = default;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // One of n options (n >= 2).
  virtual std::uint32_t choose(Choice kind, std::uint32_t n, std::span<const int> threads) = 0;
  // An arbitrary value (seeds for the runtime's fastrand).
  virtual std::uint64_t value() = 0;
  // Notifications, for priority-based strategies.
  virtual void on_thread_start(int /*tid*/) {}
  virtual void on_point(int /*tid*/) {}
  // Non-null once the strategy cannot go on (Replay: the run diverged from the log).
  virtual const std::string* error() const { return nullptr; }
  virtual std::string describe() const = 0;
};

std::unique_ptr<Strategy> make_random(std::uint64_t seed);
std::unique_ptr<Strategy> make_bytes(std::span<const std::uint8_t> data);
// depth d >= 1 (d = 1: no change points); k: the expected number of steps of a run.
std::unique_ptr<Strategy> make_pct(std::uint64_t seed, int depth, std::uint64_t k);
std::unique_ptr<Strategy> make_replay(std::vector<Decision> log);

// The text form of a decision log: a header line "touchstone-decisions 1", then one decision
// per line: "s <n> <option>" (Schedule), "v <value>" (Value), "r <n> <option>" (ReadFrom) or
// "f <n> <option>" (Flush). Comments (#) and blank lines are ignored. The r and f lines were
// added with the memory models; logs written before parse as they always did.
std::string encode_log(const std::vector<Decision>& log);
// The whitespace-separated fields of one line of a text format (spaces and tabs), shared by
// the decision log and the litmus format (conformance/litmus).
std::vector<std::string_view> split_fields(std::string_view line);

// Returns false and sets *error to "line N: ..." on bad input.
bool parse_log(std::string_view text, std::vector<Decision>* log, std::string* error);

}  // namespace touchstone::sim
