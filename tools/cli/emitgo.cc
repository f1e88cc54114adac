// tools/cli/emitgo.cc — see emitgo.h.
#include "tools/cli/emitgo.h"

#include <cstdio>

#include "conformance/program/emit_go.h"
#include "tools/cli/common.h"

namespace touchstone::cli {

void add_emit_go(CLI::App& app, EmitGoArgs* a) {
  a->cmd = app.add_subcommand("emit-go", "translate a program to a Go source file with the same outcome");
  a->cmd->add_option("program", a->program, "program file (.tsp)")->required();
  a->cmd->add_option("-o,--output", a->output, "write the Go source here (default: stdout)");
}

int cmd_emit_go(const EmitGoArgs& a) {
  const program::Program p = load_program(a.program);  // UsageError "FILE:LINE:COL: ..."
  const std::string go = program::emit_go(p, a.program);
  if (a.output.empty()) {
    std::fputs(go.c_str(), stdout);
  } else {
    write_file_atomic(a.output, go);
  }
  return kExitClean;
}

}  // namespace touchstone::cli
