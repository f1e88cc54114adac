// tools/cli/litmus.h — `touchstone litmus`: the memory-model litmus catalog on the simulator.
//
//   touchstone litmus [--model sc|tso|weak|all] [--arch x86_64|aarch64|riscv64] [--json FILE]
//                     [--history N] [FILES...]
//
// Runs every test of the given litmus files (default: the catalog, conformance/litmus/catalog)
// exhaustively under the chosen models (default all; --arch picks the model the architecture
// implies) and prints, per test and model, the outcomes found against those expected
// (conformance/litmus/README.md). Exit 0: every test passes; 1: a mismatch; 2: bad input (one
// line, "file:line: message") or bad flags. Only in the simulator build.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace touchstone::cli {

struct LitmusArgs {
  std::string model = "all";
  std::string arch;
  std::string json;
  std::uint32_t history = 8;
  std::vector<std::string> files;
  CLI::App* cmd = nullptr;
};

// Registers the subcommand on app (args->cmd is set).
void add_litmus(CLI::App& app, LitmusArgs* args);
int cmd_litmus(const LitmusArgs& args);

}  // namespace touchstone::cli
