// tools/cli/common.h — helpers every command shares: the one-line error, files, programs, JSON.
//
// Errors a user causes (a missing file, bad program text, a bad flag value) are thrown as
// UsageError and printed by main as one line, "touchstone: <what>", with exit status 2. Nothing
// is thrown from inside a simulated run (the world switches fibers; an exception must not cross
// that): commands load and validate everything first.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "conformance/checker/checker.h"
#include "conformance/program/program.h"

namespace touchstone::cli {

// Exit statuses of every command.
inline constexpr int kExitClean = 0;
inline constexpr int kExitFinding = 1;
inline constexpr int kExitUsage = 2;

// The clause of a finding that is a failed run, not a checker violation: a simulated failure
// (deadlock, step or time bound, a runtime fatal error) or a native fatal exit or crash.
inline constexpr std::string_view kRuntimeClause = "RUNTIME";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The binary's identity: "<git commit>-<variant>" (build_id.cc, set by CMake at configure time;
// the variant is "sim", "broken" or "native").
std::string build_id();
// True for the purposely broken runtime (touchstone-broken).
bool broken_build();
// The --version text.
std::string version_text();

// The file's bytes; throws UsageError "<path>: cannot open: <strerror>" (or "cannot read").
std::string read_file(const std::string& path);
// Writes data to "<path>.tmp" and renames it over path. Throws UsageError on failure (and
// removes the .tmp file).
void write_file_atomic(const std::string& path, std::string_view data);
// JSON, pretty-printed, through write_file_atomic.
void write_json(const std::string& path, const nlohmann::json& j);

// Parses the program text in path; throws UsageError "<path>:<line>:<col>: <message>".
program::Program load_program(const std::string& path);

// s with every run of control characters (newlines included) replaced by one space, trimmed.
std::string one_line(std::string_view s);
// The file name of path without its directory and its last extension ("a/b/ping.tsp" -> "ping").
std::string file_stem(const std::string& path);

// A duration: "30s", "2m", "1h", "500ms" or a plain number of seconds. Throws UsageError.
double parse_duration_seconds(const std::string& text);

// Coverage as JSON: {clause: count} over every clause of the catalog (0 when not exercised),
// and the G transitions as [[from, to, count], ...] with status names.
nlohmann::json coverage_json(const check::Coverage& c);
nlohmann::json transitions_json(const check::Coverage& c);
// Number of clauses with a count > 0.
std::size_t clauses_covered(const check::Coverage& c);
// "N distinct G transitions (M in all)".
std::string transitions_summary(const check::Coverage& c);

// The sim build runs `stress` and `run --platform native` in the native binary next to it
// (touchstone-native, found through /proc/self/exe): execs it with argv (argv[0] replaced).
// Returns only on failure, with exit status 2 after a one-line error.
int exec_native(int argc, char** argv);

}  // namespace touchstone::cli
