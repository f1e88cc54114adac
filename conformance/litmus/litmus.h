// conformance/litmus/litmus.h — litmus tests for the simulator's memory models.
//
// A litmus test is a handful of threads doing a few atomic loads, stores, RMWs and fences on
// shared locations, plus expectations: "this outcome is allowed / forbidden under sc, tso,
// weak", each cited from published herd7 results (the format: conformance/litmus/README.md).
//
// The runner (run_test) explores a test EXHAUSTIVELY on the simulator under one model:
//  1. The test becomes a body for sim::run: simulated thread 0 starts threads 1..n-1, runs
//     the test's thread 0, joins the others; each instruction is a platform::Atomic operation
//     or fence on a fresh Atomic<uint64_t> per location, so it is a scheduling point and, under
//     tso/weak, goes through the memory model.
//  2. A depth-first search over decision sequences drives run after run: the DFS strategy
//     replays a prefix of choices, takes option 0 at every new decision and records how many
//     options it had; after the run the last decision that has an untried option is advanced
//     and everything after it dropped. Runs are deterministic (the world replays bit-exactly),
//     so a prefix always leads to the same decisions: the search visits every decision sequence
//     — every schedule, every Flush choice, every ReadFrom choice — exactly once.
//  3. Each run's outcome (all registers, then the final values the test names) is collected.
//  4. The outcomes are judged: every outcome must be sequentially consistent (computed by an
//     independent interleaving enumerator, sc_outcomes, that does not use the simulator) or
//     match an expectation allowed under the model; every sc outcome must be found (every model
//     includes sc); every allowed expectation must be matched by some outcome and no forbidden
//     one by any.
// Rejected: random sampling (cannot prove "never"); DPOR (the tests are tiny: a plain DFS over
// the world's own decisions explores IRIW in well under a second and needs no independence
// relation that could itself be wrong).
#pragma once

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "platform/sim/world.h"

namespace touchstone::litmus {

enum class OpKind : std::uint8_t { Load, Store, Xchg, Faa, Cas, Fence };

struct Instr {
  OpKind kind = OpKind::Load;
  int reg = -1;              // destination register index in the thread (loads, RMWs)
  int loc = -1;              // location index
  std::uint64_t value = 0;   // stored / added / desired value
  std::uint64_t expected = 0;  // cas
  std::memory_order mo = std::memory_order_relaxed;
  int line = 0;
};

struct Thread {
  std::vector<Instr> code;
  std::vector<std::string> regs;  // register names, by index
};

constexpr int kModels = 3;  // sc, tso, weak, indexed by sim::Model

// One condition of an expectation: thread:reg == value, or final location == value.
struct Cond {
  int thread = -1;  // -1: a final location value
  int index = 0;    // register index in the thread, or location index
  std::uint64_t value = 0;
};

struct Expect {
  std::vector<Cond> conds;
  bool allowed[kModels] = {false, false, false};
  std::string text;  // the outcome as written
  int line = 0;
};

struct Test {
  std::string name;
  std::string file;
  int line = 0;
  std::vector<std::string> cites;
  std::vector<std::string> notes;
  std::vector<std::string> locs;
  std::vector<std::uint64_t> init;
  std::vector<Thread> threads;
  std::vector<int> finals;  // locations whose final value is part of the outcome
  std::vector<Expect> expects;
};

// Registers thread-major (each thread's registers in index order), then the finals.
using Outcome = std::vector<std::uint64_t>;

// Parses litmus text. On bad input returns false with *error = "<file>:<line>: <message>".
bool parse(std::string_view text, const std::string& file, std::vector<Test>* out, std::string* error);
// Reads and parses a file (error also for an unreadable file: "<file>: cannot open").
bool parse_file(const std::string& path, std::vector<Test>* out, std::string* error);
// The *.litmus files of the catalog directory, sorted.
std::vector<std::string> catalog_files(const std::string& dir);
// The catalog directory of this source tree (compiled in).
std::string default_catalog_dir();

// "0:r0=1 1:r0=0 x=2".
std::string outcome_text(const Test& t, const Outcome& o);
bool matches(const Test& t, const Expect& e, const Outcome& o);

// Every outcome of every interleaving (sequential consistency), without the simulator.
std::set<Outcome> sc_outcomes(const Test& t);

struct RunOptions {
  std::uint64_t max_runs = 5'000'000;  // per test and model; exceeding it is a failure
  std::uint32_t history = 8;
  std::uint32_t store_buffer = 8;
};

struct ModelResult {
  sim::Model model = sim::Model::Sc;
  std::set<Outcome> found;
  std::uint64_t runs = 0;
  bool complete = true;                 // the search finished within max_runs
  std::vector<std::string> problems;    // empty: the model passes this test
  // Per expectation (same order as Test::expects): matched by some found outcome.
  std::vector<bool> observed;
};

// Explores every decision sequence of the test under the model and judges the outcomes.
ModelResult run_test(const Test& t, sim::Model model, const RunOptions& opt = {});

}  // namespace touchstone::litmus
