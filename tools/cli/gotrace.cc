// tools/cli/gotrace.cc — `touchstone go-trace print` (gotrace.h).
#include "tools/cli/gotrace.h"

#include <fmt/core.h>

#include <cstdio>

#include "conformance/import/go/gotrace.h"
#include "tools/cli/common.h"

namespace touchstone::cli {

void add_go_trace(CLI::App& app, GoTraceArgs* a) {
  a->cmd = app.add_subcommand("go-trace", "read a real Go execution trace (Go 1.19 or gccgo 12; conformance/import/go)");
  a->cmd->require_subcommand(1);
  a->print = a->cmd->add_subcommand("print", "print a Go trace's events in merged order, one per line");
  a->print->add_option("file", a->file, "trace file written by runtime/trace")->required();
  a->print->add_flag("--remove-futile", a->remove_futile, "drop futile wakeups, as `go tool trace` does");
  a->print->add_flag("--any-time-order", a->any_time_order,
                     "accept timestamps that disagree with the merged order (Go refuses them)");
  a->print->add_flag("--stacks", a->stacks, "print each event's stack below it");
}

int cmd_go_trace(const GoTraceArgs& a) {
  gotrace::Options opt;
  opt.require_time_order = !a.any_time_order;
  gotrace::Trace t;
  std::string err;
  if (!gotrace::parse_file(a.file, &t, &err, opt)) throw UsageError(err);
  if (a.remove_futile) gotrace::remove_futile(&t);
  std::string out = gotrace::dump(t);
  if (!a.stacks) {
    std::fputs(out.c_str(), stdout);
    return kExitClean;
  }
  out = out.substr(0, out.find('\n') + 1);
  for (const gotrace::Event& e : t.events) {
    out += gotrace::dump_event(t, e);
    out += '\n';
    if (const auto* s = t.stack(e.stack)) {
      for (const gotrace::Frame& f : *s) {
        out += fmt::format("    {:#x} {} {}:{}\n", f.pc, t.str(f.fn), t.str(f.file), f.line);
      }
    }
  }
  std::fputs(out.c_str(), stdout);
  return kExitClean;
}

}  // namespace touchstone::cli
