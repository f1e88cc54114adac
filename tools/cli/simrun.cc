// tools/cli/simrun.cc — see simrun.h.
#include "tools/cli/simrun.h"

#include <fmt/core.h>

#include "conformance/program/text.h"
#include "platform/platform.h"
#include "runtime/sim_harness.h"
#include "tools/cli/common.h"

#if defined(__SANITIZE_ADDRESS__)
#define TS_CLI_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TS_CLI_LSAN 1
#endif
#endif
#if defined(TS_CLI_LSAN)
#include <sanitizer/lsan_interface.h>
#endif

namespace touchstone::cli {

namespace {

// A run that ends in a failure (a violation included) is abandoned mid-flight: objects owned by
// its goroutines' frames can never be destroyed (runtime/sim_harness.h). Leak checking ignores
// what a simulated run allocates.
struct AbandonableRun {
#if defined(TS_CLI_LSAN)
  AbandonableRun() { __lsan_disable(); }
  ~AbandonableRun() { __lsan_enable(); }
#endif
};

}  // namespace

SimRun simulate_program(const program::Program& p, int procs, sim::Strategy& strategy, bool keep_records,
                        sim::Model model) {
  check::OnlineChecker online(check::Options{.order = check::Order::Exact});
  online.set_on_violation([](const check::Violation& v) {
    // During the run: end it right here (Failure::Fatal), so the log replays up to this event.
    // After it (finish's end-of-trace clauses) there is nothing left to stop.
    if (sim::active()) platform::fatal("conformance violation ", v.clause + ": " + one_line(v.explanation));
  });

  program::RunOptions ro;
  ro.procs = procs;
  ro.seed = 0;  // drawn from the strategy: part of the decision log
  ro.force_preempt_ns = kForcePreemptNs;
  ro.trace = &online;
  sim::Config cfg;
  cfg.max_steps = kSimMaxSteps;
  cfg.model = model;  // history and store_buffer stay at their defaults: a reproducer needs only the model

  SimRun out;
  {
    [[maybe_unused]] AbandonableRun guard;
    out.sim = touchstone::simulate(cfg, strategy, [&] { out.run = program::run_program(p, ro); });
  }

  if (out.sim.ok() && !online.violation()) online.finish();
  const check::Checker& c = online.checker();
  if (c.violation()) {
    const check::Violation& v = *c.violation();
    out.finding = Finding{v.clause, one_line(v.explanation), check::format_violation(v), v};
  } else if (!out.sim.ok()) {
    std::string what = fmt::format("{}: {}", sim::failure_name(out.sim.failure), out.sim.message);
    out.finding = Finding{std::string(kRuntimeClause), one_line(what), what, std::nullopt};
  } else if (!out.run.ok()) {
    // The program was validated before the run; this would be an interpreter bug.
    out.finding = Finding{std::string(kRuntimeClause), one_line("program: " + out.run.error), out.run.error, std::nullopt};
  }
  out.coverage = c.coverage();
  out.events = c.coverage().events;
  if (keep_records) {
    const auto& recs = online.records();
    out.records.assign(recs.begin(), recs.end());
  }
  return out;
}

sim::Model model_from_flags(const std::string& arch, const std::string& model) {
  if (!arch.empty() && !model.empty()) throw UsageError("--arch and --model select the same thing: give one");
  sim::Model m = sim::Model::Sc;
  if (!arch.empty() && !sim::model_for_arch(arch, &m)) {
    throw UsageError(fmt::format("--arch: unknown architecture '{}' (x86_64, aarch64, riscv64)", arch));
  }
  if (!model.empty() && !sim::parse_model(model, &m)) {
    throw UsageError(fmt::format("--model: unknown memory model '{}' (sc, tso, weak)", model));
  }
  return m;
}

bool same_finding(const Finding& a, const Finding& b) {
  if (a.clause != b.clause) return false;
  return a.clause != kRuntimeClause || a.message == b.message;
}

Repro make_repro(const std::string& program_path, const program::Program& p, int procs, const std::string& strategy,
                 std::uint64_t seed, const Finding& f, const sim::Result& r, sim::Model model) {
  Repro rep;
  rep.model = model;
  rep.build = build_id();
  rep.program_path = program_path;
  rep.procs = procs;
  rep.strategy = strategy;
  rep.seed = seed;
  rep.finding = f.clause;
  rep.message = f.message;
  rep.program_text = program::print(p);
  rep.decisions = sim::encode_log(r.log);
  return rep;
}

}  // namespace touchstone::cli
