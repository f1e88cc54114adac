// tools/cli/gotrace.h — `touchstone go-trace print FILE`: a real Go execution trace (Go 1.19 or
// gccgo 12, runtime/trace), read by conformance/import/go and printed one event per line in
// merged order. A bad file is one line, "touchstone: FILE: offset N: ...", exit status 2.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace touchstone::cli {

struct GoTraceArgs {
  CLI::App* cmd = nullptr;    // `go-trace`
  CLI::App* print = nullptr;  // `go-trace print`
  std::string file;
  bool remove_futile = false;
  bool any_time_order = false;
  bool stacks = false;
};

// Adds `go-trace` and its subcommands to app; *a receives the parsed arguments.
void add_go_trace(CLI::App& app, GoTraceArgs* a);
// Runs the parsed `go-trace` command.
int cmd_go_trace(const GoTraceArgs& a);

}  // namespace touchstone::cli
