// tools/cli/emitgo.h — `touchstone emit-go PROGRAM.tsp [-o FILE]`: the program as a Go source
// file with the same meaning and the same outcome text (conformance/program/emit_go.h). Without
// -o the Go text goes to stdout. Bad program text is one line, "touchstone: FILE:LINE:COL:
// message", exit status 2.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace touchstone::cli {

struct EmitGoArgs {
  CLI::App* cmd = nullptr;
  std::string program;
  std::string output;  // "" = stdout
};

void add_emit_go(CLI::App& app, EmitGoArgs* a);
int cmd_emit_go(const EmitGoArgs& a);

}  // namespace touchstone::cli
