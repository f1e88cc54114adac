// tools/cli/repro.h — the reproducer file: everything `touchstone replay` needs to re-run a
// finding bit-exactly (README.md, "The reproducer file").
//
//   touchstone-repro 1
//   build: 1a2b3c4-sim
//   program: conformance/programs/steal.tsp
//   procs: 4
//   model: weak            (only when not sc; a file without it is sc, as every file before it)
//   strategy: pct
//   seed: 17
//   finding: RUNQ-OWN-2
//   message: g7 taken from P1's ring by M2, but ...
//   --- program
//   <canonical program text>
//   --- decisions
//   <sim::encode_log output>
//
// The header lines come in exactly this order, each once (model: is the one optional line), "key: value" with one space after
// the colon. The program section is canonical text (program/text.h); the decisions section is
// the decision log's text form (platform/sim/strategy.h). parse_repro is strict: any other line,
// a missing or repeated key, a bad number, bad program text or a bad log is an error
// "<file>:<line>: <message>" (program errors keep their column: "<file>:<line>:<col>: ...").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/program/program.h"
#include "platform/sim/strategy.h"
#include "platform/sim/world.h"

// Sim builds only (the decision log is the simulator's).
namespace touchstone::cli {

inline constexpr std::string_view kReproMagic = "touchstone-repro 1";

struct Repro {
  std::string build;
  std::string program_path;   // the program file the run was made from
  int procs = 1;
  sim::Model model = sim::Model::Sc;  // the run's memory model (the `model:` line; absent = sc)
  bool model_line = false;            // parse_repro: the file had a `model:` line
  std::string strategy;       // random, pct or bytes (informational: replay uses the log)
  std::uint64_t seed = 0;
  std::string finding;        // clause id, or RUNTIME
  std::string message;        // one line
  std::string program_text;   // canonical
  std::string decisions;      // sim::encode_log text

  // Filled by parse_repro from the two sections.
  program::Program program;
  std::vector<sim::Decision> log;
};

std::string format_repro(const Repro& r);

// Parses text read from `file`. On failure returns false and sets *error.
bool parse_repro(std::string_view text, const std::string& file, Repro* out, std::string* error);

// "<dir>/<program-stem>-<finding>-<seed>.repro", the directory created if needed; written via
// a .tmp file and a rename. Returns the path. Throws UsageError when it cannot be written.
std::string write_repro(const std::string& dir, const Repro& r);
// The path write_repro writes (for the crash guard, which writes it from a signal handler).
std::string repro_path(const std::string& dir, const Repro& r);

}  // namespace touchstone::cli
