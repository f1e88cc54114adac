// tools/cli/main.cc — the touchstone command line (the manual: tools/cli/README.md).
//
//   run      one run of a program: simulated (checked online, exact order) or native (recorded,
//            checked offline per G)
//   explore  many simulated runs under a strategy, stopping at the first finding
//   replay   re-run a reproducer's decision log
//   check    check a trace file
//   print    a program's canonical text
//   decode   fuzzer bytes to a program
//   stress   a mixed workload on the native runtime, checked online
//   litmus   the memory-model litmus catalog, exhaustively on the simulator (litmus.h)
//   emit-go  a program as Go source with the same outcome (emitgo.h)
//
// Exit codes: 0 clean, 1 a violation or other finding, 2 bad usage or input (one line on
// stderr: "touchstone: <what>").
//
// Built up to three times from these sources (tools/cli/CMakeLists.txt):
//   touchstone         TOUCHSTONE_CLI_SIM: the simulated runtime; `stress` and `run --platform
//                      native` exec touchstone-native from the same directory
//   touchstone-native  the native runtime (named touchstone when TOUCHSTONE_SIM is OFF)
//   touchstone-broken  TOUCHSTONE_CLI_SIM against a purposely broken runtime
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "conformance/checker/checker.h"
#include "conformance/program/decode.h"
#include "conformance/program/interp.h"
#include "conformance/program/text.h"
#include "conformance/trace/trace_file.h"
#include "tools/cli/common.h"
#include "tools/cli/gotrace.h"
#include "tools/cli/emitgo.h"
#include "tools/cli/certify.h"

#if defined(TOUCHSTONE_CLI_SIM)
#include "runtime/sim_harness.h"
#include "tools/cli/explore.h"
#include "tools/cli/repro.h"
#include "tools/cli/simrun.h"
#include "tools/cli/litmus.h"
#else
#include "conformance/trace/recorder.h"
#include "tools/cli/stress.h"
#endif

namespace touchstone::cli {
namespace {

// ---- arguments -------------------------------------------------------------------------------

struct StressArgs {
  int procs = 4;
  int goroutines = 2000;
  int rounds = 20;
  std::uint64_t seed = 1;
  bool resize = true;
  bool quiet = false;
  std::string json;
};

struct RunArgs {
  std::string program;
  std::string platform = "sim";
  int procs = 4;
  std::string strategy = "random";
  std::uint64_t seed = 1;
  std::string trace;
  bool outcome = false;
  std::string json;
  std::string repro_dir = "touchstone-findings";
  std::string arch;   // --arch: the model the architecture implies
  std::string model;  // --model sc|tso|weak
};

struct ExploreArgs {
  std::vector<std::string> programs;
  std::string strategy;
  std::uint64_t runs = 0;
  std::string budget;
  std::vector<int> procs = {1, 2, 4};
  std::uint64_t seed = 1;
  std::string json;
  std::string repro_dir = "touchstone-findings";
  bool quiet = false;
  std::string arch;
  std::string model;
};

struct ReplayArgs {
  std::string repro;
  std::string trace;
  std::string arch;   // only for a file without a model: line (else it must agree)
  std::string model;
};

struct CheckArgs {
  std::string trace;
  std::string order;  // "" = from the file's flag
  std::string json;
};

struct DecodeArgs {
  std::string file;
  bool print = false;
  std::string output;
};

#if !defined(TOUCHSTONE_CLI_SIM)
[[noreturn]] void no_simulator() {
#if defined(TOUCHSTONE_CLI_NATIVE_ONLY)
  throw UsageError("this build has no simulator (TOUCHSTONE_SIM=OFF)");
#else
  throw UsageError("touchstone-native has no simulator (use touchstone next to it)");
#endif
}
#endif

// Prints text on stdout, ending it with a newline if it has none.
void print_block(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  if (!text.empty() && text.back() != '\n') std::fputc('\n', stdout);
}

nlohmann::json finding_json(const std::string& clause, const std::string& message, const std::string& repro) {
  nlohmann::json j = {{"clause", clause}, {"message", message}};
  j["repro"] = repro.empty() ? nlohmann::json(nullptr) : nlohmann::json(repro);
  return j;
}

// ---- stress ----------------------------------------------------------------------------------

int cmd_stress(const StressArgs& a, int argc, char** argv) {
#if defined(TOUCHSTONE_CLI_SIM)
  return exec_native(argc, argv);
#else
  StressOptions opt;
  opt.procs = a.procs;
  opt.goroutines = a.goroutines;
  opt.rounds = a.rounds;
  opt.seed = a.seed;
  opt.resize = a.resize;
  opt.progress = !a.quiet;
  const auto res = run_stress(opt);
  fmt::print("stress: {} rounds, {} goroutines, {} events ({} G transitions, {} steals, {} stop-the-worlds, "
             "{} syscall retakes, {} preemption requests) in {:.2f}s on {} Ps\n",
             res.rounds, res.goroutines, res.events, res.transitions, res.steals, res.stw, res.retakes,
             res.preemptions, res.seconds, opt.procs);
  for (const auto& v : res.violations) fmt::print("VIOLATION {}\n", v);
  fmt::print("stress: {}\n", res.violations.empty() ? "clean" : "FAILED");
  if (!a.json.empty()) {
    write_json(a.json, {{"rounds", res.rounds},       {"goroutines", res.goroutines}, {"events", res.events},
                        {"transitions", res.transitions}, {"steals", res.steals},   {"stw", res.stw},
                        {"retakes", res.retakes},     {"preemptions", res.preemptions},
                        {"seconds", res.seconds},     {"procs", opt.procs},          {"seed", opt.seed},
                        {"violations", res.violations}, {"clean", res.violations.empty()}});
  }
  return res.violations.empty() ? kExitClean : kExitFinding;
#endif
}

// ---- run -------------------------------------------------------------------------------------

#if defined(TOUCHSTONE_CLI_SIM)
int run_simulated(const RunArgs& a) {
  const sim::Model model = model_from_flags(a.arch, a.model);
  const program::Program p = load_program(a.program);
  auto strategy = touchstone::strategy_from_name(a.strategy, a.seed);
  SimRun r = simulate_program(p, a.procs, *strategy, /*keep_records=*/!a.trace.empty(), model);
  if (!a.trace.empty()) {
    std::string err;
    if (!trace::write_trace_file(a.trace, r.records, &err, trace::kTraceFlagExactOrder)) throw UsageError(err);
  }
  if (a.outcome && r.sim.ok() && r.run.ok()) std::fputs(program::outcome_text(r.run.outcome).c_str(), stdout);

  if (r.finding) {
    print_block(r.finding->report);
  }
  const std::string verdict = !r.finding                              ? "clean"
                              : r.finding->clause == kRuntimeClause ? fmt::format("FAILED {}", r.finding->message)
                                                                      : fmt::format("VIOLATION {}", r.finding->clause);
  fmt::print("run: {} platform=sim procs={} strategy={} seed={} model={} steps={} events={} hash={:016x} {}\n",
             a.program, a.procs, a.strategy, a.seed, sim::model_name(model), r.sim.steps, r.events, r.sim.hash, verdict);
  std::fflush(stdout);
  std::string repro_path;
  if (r.finding) {
    repro_path =
        write_repro(a.repro_dir, make_repro(a.program, p, a.procs, a.strategy, a.seed, *r.finding, r.sim, model));
    fmt::print("reproducer: {}\n", repro_path);
  }
  if (!a.json.empty()) {
    nlohmann::json j = {{"program", a.program}, {"platform", "sim"},   {"procs", a.procs},
                        {"strategy", a.strategy}, {"seed", a.seed},     {"model", sim::model_name(model)},
                        {"steps", r.sim.steps},
                        {"events", r.events},     {"hash", fmt::format("{:016x}", r.sim.hash)},
                        {"clean", !r.finding},    {"coverage", coverage_json(r.coverage)},
                        {"transitions", transitions_json(r.coverage)}};
    j["finding"] = r.finding ? finding_json(r.finding->clause, r.finding->message, repro_path) : nlohmann::json(nullptr);
    write_json(a.json, j);
  }
  return r.finding ? kExitFinding : kExitClean;
}
#else
// The native run proper, in the child process (run_native).
int run_native_child(const RunArgs& a, const program::Program& p) {
  trace::TraceRecorder rec;
  program::RunOptions ro;
  ro.procs = a.procs;
  ro.seed = a.seed;
  ro.trace = &rec;
  const program::RunResult rr = program::run_program(p, ro);
  if (!rr.ok()) throw UsageError(fmt::format("{}: {}", a.program, rr.error));
  const std::vector<trace::TraceRecord> records = rec.merge();
  const check::CheckResult cr = check::check_trace(records, check::Options{.order = check::Order::PerG});
  if (!a.trace.empty()) {
    std::string err;
    if (!trace::write_trace_file(a.trace, records, &err, 0)) throw UsageError(err);
  }
  if (a.outcome) std::fputs(program::outcome_text(rr.outcome).c_str(), stdout);
  if (cr.violation) print_block(check::format_violation(*cr.violation));
  const std::string verdict = cr.violation ? fmt::format("VIOLATION {}", cr.violation->clause) : "clean";
  fmt::print("run: {} platform=native procs={} seed={} steps={} events={} {}\n", a.program, a.procs, a.seed, rr.steps,
             records.size(), verdict);
  if (!a.json.empty()) {
    nlohmann::json j = {{"program", a.program},       {"platform", "native"}, {"procs", a.procs},
                        {"seed", a.seed},             {"steps", rr.steps},     {"events", records.size()},
                        {"clean", !cr.violation},     {"coverage", coverage_json(cr.coverage)},
                        {"transitions", transitions_json(cr.coverage)}};
    j["finding"] = cr.violation ? finding_json(cr.violation->clause, one_line(cr.violation->explanation), "")
                                : nlohmann::json(nullptr);
    write_json(a.json, j);
  }
  return cr.violation ? kExitFinding : kExitClean;
}

// The native runtime ends the process on a Go fatal error (everyone asleep, a send on a closed
// channel: Go's message, exit status 2). So the run happens in a child process, forked before
// any thread exists; its fatal end (or a crash) is reported here as a finding, exit 1.
int run_native(const RunArgs& a) {
  constexpr int kChildUsage = 3;  // the child's "bad input" (it already printed the line)
  const program::Program p = load_program(a.program);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) throw UsageError(fmt::format("cannot fork: {}", std::strerror(errno)));
  if (pid == 0) {
    int rc = kChildUsage;
    try {
      rc = run_native_child(a, p);
    } catch (const std::exception& e) {
      fmt::print(stderr, "touchstone: {}\n", e.what());
    }
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(rc);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw UsageError(fmt::format("waitpid: {}", std::strerror(errno)));
  }
  std::string what;
  if (WIFEXITED(status)) {
    const int code = WEXITSTATUS(status);
    if (code == kExitClean || code == kExitFinding) return code;
    if (code == kChildUsage) return kExitUsage;
    what = fmt::format("fatal: the program ended with a fatal error (exit status {})", code);
  } else if (WIFSIGNALED(status)) {
    what = fmt::format("crash: killed by signal {} ({})", WTERMSIG(status), ::strsignal(WTERMSIG(status)));
  } else {
    what = "crash: the run ended abnormally";
  }
  fmt::print("run: {} platform=native procs={} seed={} FAILED {}\n", a.program, a.procs, a.seed, what);
  if (!a.json.empty()) {
    nlohmann::json j = {{"program", a.program}, {"platform", "native"}, {"procs", a.procs},
                        {"seed", a.seed},       {"clean", false}};
    j["finding"] = finding_json(std::string(kRuntimeClause), what, "");
    write_json(a.json, j);
  }
  return kExitFinding;
}
#endif

int cmd_run(const RunArgs& a, int argc, char** argv) {
#if defined(TOUCHSTONE_CLI_SIM)
  if (a.platform == "native") return exec_native(argc, argv);
  return run_simulated(a);
#else
  if (a.platform != "native") no_simulator();
  if (!a.arch.empty() || !a.model.empty()) throw UsageError("--arch and --model choose the simulator's memory model: not for --platform native");
  return run_native(a);
#endif
}

// ---- explore ---------------------------------------------------------------------------------

int cmd_explore(const ExploreArgs& a) {
#if !defined(TOUCHSTONE_CLI_SIM)
  no_simulator();
#else
  ExploreOptions opt;
  opt.model = model_from_flags(a.arch, a.model);
  opt.paths = a.programs;
  for (const std::string& path : a.programs) opt.programs.push_back(load_program(path));
  opt.strategy = a.strategy;
  opt.runs = a.runs;
  opt.budget_s = a.budget.empty() ? 0 : parse_duration_seconds(a.budget);
  if (opt.runs == 0 && opt.budget_s == 0) opt.runs = 100;
  opt.procs = a.procs;
  opt.base_seed = a.seed;
  opt.repro_dir = a.repro_dir;
  opt.progress = !a.quiet;

  const ExploreResult res = explore(opt);

  std::optional<check::Violation> violation;
  for (const ExploreFinding& f : res.findings) {
    print_block(f.finding.report);
    fmt::print("finding: {} in {} (procs {}, seed {}): {}\n", f.finding.clause, f.program_path, f.procs, f.seed,
               f.finding.message);
    fmt::print("reproducer: {}\n", f.repro_path);
    if (f.finding.violation) violation = f.finding.violation;
  }
  fmt::print("explore: {} runs in {:.1f}s ({:.1f} runs/s), strategy {}, model {}, {} finding{}\n", res.runs,
             res.seconds, res.seconds > 0 ? res.runs / res.seconds : 0.0, a.strategy, sim::model_name(opt.model),
             res.findings.size(),
             res.findings.size() == 1 ? "" : "s");
  std::fputs(check::format_coverage(res.coverage, violation).c_str(), stdout);
  fmt::print("{}\n", transitions_summary(res.coverage));

  if (!a.json.empty()) {
    nlohmann::json findings = nlohmann::json::array();
    for (const ExploreFinding& f : res.findings) {
      nlohmann::json fj = finding_json(f.finding.clause, f.finding.message, f.repro_path);
      fj["program"] = f.program_path;
      fj["procs"] = f.procs;
      fj["seed"] = f.seed;
      findings.push_back(fj);
    }
    write_json(a.json, {{"programs", a.programs},
                        {"strategy", a.strategy},
                        {"model", sim::model_name(opt.model)},
                        {"runs", res.runs},
                        {"seconds", res.seconds},
                        {"findings", findings},
                        {"coverage", coverage_json(res.coverage)},
                        {"clause_runs", res.clause_runs},
                        {"transitions", transitions_json(res.coverage)}});
  }
  return res.findings.empty() ? kExitClean : kExitFinding;
#endif
}

// ---- replay ----------------------------------------------------------------------------------

int cmd_replay(const ReplayArgs& a) {
#if !defined(TOUCHSTONE_CLI_SIM)
  no_simulator();
#else
  const std::string text = read_file(a.repro);
  Repro rep;
  std::string err;
  if (!parse_repro(text, a.repro, &rep, &err)) throw UsageError(err);
  if (rep.build != build_id()) {
    fmt::print(stderr, "touchstone: warning: {} was written by build {}, this is {}; replaying anyway\n", a.repro,
               rep.build, build_id());
  }
  if (!a.arch.empty() || !a.model.empty()) {
    // For a file without a model: line (hand-made, or older than models) the flag chooses; a
    // file that records its model replays under it and the flag must agree.
    const sim::Model m = model_from_flags(a.arch, a.model);
    if (rep.model_line && m != rep.model) {
      throw UsageError(fmt::format("{}: the reproducer was recorded under model {}, not {}", a.repro,
                                   sim::model_name(rep.model), sim::model_name(m)));
    }
    rep.model = m;
  }
  auto strategy = sim::make_replay(rep.log);
  SimRun r = simulate_program(rep.program, rep.procs, *strategy, /*keep_records=*/!a.trace.empty(), rep.model);
  if (!a.trace.empty()) {
    if (!trace::write_trace_file(a.trace, r.records, &err, trace::kTraceFlagExactOrder)) throw UsageError(err);
  }

  const Finding expected{rep.finding, rep.message, "", std::nullopt};
  if (r.finding && same_finding(*r.finding, expected)) {
    print_block(r.finding->report);
    fmt::print("reproduced: {}\n", rep.finding);
    return kExitFinding;
  }
  std::string why;
  if (r.sim.failure == sim::Failure::Diverged) {
    why = fmt::format("the run diverged from the decision log ({})", one_line(r.sim.message));
  } else {
    why = r.finding ? fmt::format("the run ended with {} instead ({})", r.finding->clause, r.finding->message)
                    : std::string("the run was clean");
    if (r.sim.log != rep.log) {
      why += fmt::format("; the run diverged from the decision log ({} decisions recorded, {} made)", rep.log.size(),
                         r.sim.log.size());
    }
  }
  fmt::print("did not reproduce: {}: {}\n", rep.finding, why);
  return kExitClean;
#endif
}

// ---- check -----------------------------------------------------------------------------------

int cmd_check(const CheckArgs& a) {
  std::vector<trace::TraceRecord> records;
  std::string err;
  std::uint16_t flags = 0;
  if (!trace::read_trace_file(a.trace, &records, &err, &flags)) throw UsageError(err);
  check::Order order = (flags & trace::kTraceFlagExactOrder) != 0 ? check::Order::Exact : check::Order::PerG;
  if (a.order == "exact") order = check::Order::Exact;
  if (a.order == "perg") order = check::Order::PerG;
  const char* order_name = order == check::Order::Exact ? "exact" : "perg";

  const check::CheckResult cr = check::check_trace(records, check::Options{.order = order});
  if (cr.violation) print_block(check::format_violation(*cr.violation));
  std::fputs(check::format_coverage(cr.coverage, cr.violation).c_str(), stdout);
  fmt::print("{}\n", transitions_summary(cr.coverage));
  fmt::print("check: {}: {} events, order {}: {}\n", a.trace, records.size(), order_name,
             cr.violation ? fmt::format("VIOLATION {}", cr.violation->clause) : std::string("clean"));
  if (!a.json.empty()) {
    nlohmann::json j = {{"trace", a.trace},       {"order", order_name},
                        {"events", records.size()}, {"clean", cr.ok()},
                        {"coverage", coverage_json(cr.coverage)}, {"transitions", transitions_json(cr.coverage)}};
    j["violation"] = cr.violation ? nlohmann::json{{"clause", cr.violation->clause},
                                                   {"explanation", cr.violation->explanation},
                                                   {"index", cr.violation->index}}
                                  : nlohmann::json(nullptr);
    write_json(a.json, j);
  }
  return cr.ok() ? kExitClean : kExitFinding;
}

// ---- print, decode ---------------------------------------------------------------------------

// ---- clauses ---------------------------------------------------------------------------------

int cmd_clauses(const std::string& json) {
  nlohmann::json all = nlohmann::json::array();
  for (const check::Clause& c : check::clauses()) {
    fmt::print("{:<14} {:<6} {}\n", c.id, c.needs_exact ? "exact" : "per-g", c.statement);
    all.push_back({{"id", c.id},
                   {"statement", c.statement},
                   {"go_function", c.go_function},
                   {"violation", c.violation},
                   {"needs_exact", c.needs_exact},
                   {"checked", c.checked}});
  }
  if (!json.empty()) write_json(json, all);
  return kExitClean;
}

int cmd_print(const std::string& path) {
  std::fputs(program::print(load_program(path)).c_str(), stdout);
  return kExitClean;
}

int cmd_decode(const DecodeArgs& a) {
  const std::string bytes = read_file(a.file);
  const program::Program p = program::decode(trace::as_bytes(bytes));
  const std::string text = program::print(p);
  if (!a.output.empty()) {
    write_file_atomic(a.output, text);
    fmt::print(stderr, "decode: {}: {} bytes -> {} bodies, {} statements -> {}\n", a.file, bytes.size(), p.bodies.size(),
               program::count_ops(p), a.output);
  }
  if (a.output.empty() || a.print) std::fputs(text.c_str(), stdout);
  return kExitClean;
}

// ---- the command line ------------------------------------------------------------------------

// --arch and --model (sim runs: the memory model, docs/MEMORY-MODELS.md); at most one of them.
void add_model_flags(CLI::App* cmd, std::string* arch, std::string* model) {
  auto* a = cmd->add_option("--arch", *arch,
                            "sim memory model an architecture implies: x86_64 (tso), aarch64 or riscv64 (weak)")
                ->check(CLI::IsMember({"x86_64", "aarch64", "riscv64"}));
  auto* m = cmd->add_option("--model", *model, "sim memory model: sc (default), tso or weak")
                ->check(CLI::IsMember({"sc", "tso", "weak"}));
  a->excludes(m);
}

int cli_main(int argc, char** argv) {
  CLI::App app{"touchstone: a reference Go-style runtime, its simulator, and the checker that holds runs "
               "against the spec (manual: tools/cli/README.md)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text());
  const auto strategies = CLI::IsMember({"random", "pct", "bytes"});

  StressArgs sa;
  auto* stress = app.add_subcommand("stress", "run a mixed goroutine workload on the native runtime, checking every event");
  stress->add_option("--procs", sa.procs, "number of Ps")->check(CLI::Range(1, 256));
  stress->add_option("--goroutines", sa.goroutines, "goroutines per round (a multiple of 4)")
      ->check(CLI::Range(4, 1000000))
      ->check([](const std::string& s) { return std::stol(s) % 4 == 0 ? std::string() : "must be a multiple of 4"; });
  stress->add_option("--rounds", sa.rounds, "rounds")->check(CLI::Range(1, 1000000));
  stress->add_option("--seed", sa.seed, "fastrand seed (steal order)");
  stress->add_flag("!--no-resize", sa.resize, "do not change GOMAXPROCS between rounds");
  stress->add_option("--json", sa.json, "write the summary as JSON to this file");
  stress->add_flag("-q,--quiet", sa.quiet, "no progress line");

  RunArgs ra;
  auto* run = app.add_subcommand("run", "run a program once, checking every event (exit 1 on a finding)");
  run->add_option("program", ra.program, "program file (.tsp)")->required();
  run->add_option("--platform", ra.platform, "sim (simulated, checked online in exact order) or native")
      ->check(CLI::IsMember({"sim", "native"}))
      ->capture_default_str();
  run->add_option("--procs", ra.procs, "GOMAXPROCS")->check(CLI::Range(1, 256))->capture_default_str();
  run->add_option("--strategy", ra.strategy, "sim scheduling strategy: random, pct or bytes")
      ->check(strategies)
      ->capture_default_str();
  run->add_option("--seed", ra.seed, "strategy seed (sim) or fastrand seed (native)")->capture_default_str();
  run->add_option("--trace", ra.trace, "write the run's trace to this file");
  run->add_flag("--outcome", ra.outcome, "print the program's outcome (each goroutine's receives)");
  run->add_option("--json", ra.json, "write the summary as JSON to this file");
  run->add_option("--repro-dir", ra.repro_dir, "where a finding's reproducer goes")->capture_default_str();
  add_model_flags(run, &ra.arch, &ra.model);

  ExploreArgs ea;
  auto* exp = app.add_subcommand("explore", "many simulated runs under a strategy; stops at the first finding");
  exp->add_option("programs", ea.programs, "program files (.tsp), used in turn")->required();
  exp->add_option("--strategy", ea.strategy, "random, pct or bytes")->check(strategies)->required();
  auto* runs = exp->add_option("--runs", ea.runs, "number of runs (default 100)")->check(CLI::Range(1ul, 1ul << 40));
  auto* budget = exp->add_option("--budget", ea.budget, "run for this long instead: 30s, 5m, 500ms");
  runs->excludes(budget);
  exp->add_option("--procs", ea.procs, "GOMAXPROCS values, used in turn")
      ->delimiter(',')
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  exp->add_option("--seed", ea.seed, "seed of the first run (run i uses seed+i)")->capture_default_str();
  exp->add_option("--json", ea.json, "write the summary as JSON to this file");
  exp->add_option("--repro-dir", ea.repro_dir, "where a finding's reproducer goes")->capture_default_str();
  exp->add_flag("-q,--quiet", ea.quiet, "no progress lines");
  add_model_flags(exp, &ea.arch, &ea.model);

  ReplayArgs pa;
  auto* replay = app.add_subcommand("replay", "re-run a reproducer; exit 1 if its finding recurs");
  replay->add_option("repro", pa.repro, "reproducer file (.repro)")->required();
  replay->add_option("--trace", pa.trace, "write the replayed run's trace to this file");
  add_model_flags(replay, &pa.arch, &pa.model);

  CheckArgs ca;
  auto* check = app.add_subcommand("check", "check a trace file against the spec's clauses");
  check->add_option("trace", ca.trace, "trace file")->required();
  check->add_option("--order", ca.order, "exact or perg (default: the file's flag)")
      ->check(CLI::IsMember({"exact", "perg"}));
  check->add_option("--json", ca.json, "write the result as JSON to this file");

  std::string clauses_json;
  auto* clauses = app.add_subcommand("clauses", "list the spec's clauses (docs/spec/): id, needs exact order, statement");
  clauses->add_option("--json", clauses_json, "write them as JSON to this file");

  std::string print_path;
  auto* print = app.add_subcommand("print", "parse a program and print its canonical text");
  print->add_option("program", print_path, "program file (.tsp)")->required();

  DecodeArgs da;
  auto* decode = app.add_subcommand("decode", "decode fuzzer bytes to a program and print its text");
  decode->add_option("file", da.file, "input bytes")->required();
  decode->add_option("-o,--output", da.output, "write the program text to this file instead of stdout");
  decode->add_flag("--print", da.print, "print the text on stdout even with --output");

  GoTraceArgs ga;
  add_go_trace(app, &ga);
  EmitGoArgs ega;
  add_emit_go(app, &ega);
  GoMutateArgs gma;
  add_go_mutate(ga.cmd, &gma);
  CertifyArgs cfa;
  add_certify(app, &cfa);
#if defined(TOUCHSTONE_CLI_SIM)
  LitmusArgs la;
  add_litmus(app, &la);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "touchstone: {} (see touchstone --help)\n", one_line(e.what()));
    return kExitUsage;
  }

  if (stress->parsed()) return cmd_stress(sa, argc, argv);
  if (run->parsed()) return cmd_run(ra, argc, argv);
  if (exp->parsed()) return cmd_explore(ea);
  if (replay->parsed()) return cmd_replay(pa);
  if (check->parsed()) return cmd_check(ca);
  if (clauses->parsed()) return cmd_clauses(clauses_json);
  if (print->parsed()) return cmd_print(print_path);
  if (decode->parsed()) return cmd_decode(da);
  if (gma.cmd->parsed()) return cmd_go_mutate(gma);
  if (cfa.cmd->parsed()) return cmd_certify(cfa);
  if (ga.cmd->parsed()) return cmd_go_trace(ga);
  if (ega.cmd->parsed()) return cmd_emit_go(ega);
#if defined(TOUCHSTONE_CLI_SIM)
  if (la.cmd->parsed()) return cmd_litmus(la);
#endif
  return kExitUsage;
}

}  // namespace
}  // namespace touchstone::cli

int main(int argc, char** argv) {
  try {
    return touchstone::cli::cli_main(argc, argv);
  } catch (const touchstone::cli::UsageError& e) {
    std::fflush(stdout);
    fmt::print(stderr, "touchstone: {}\n", e.what());
    return touchstone::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "touchstone: internal error: {}\n", e.what());
    return touchstone::cli::kExitUsage;
  }
}
