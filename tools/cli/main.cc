// tools/cli/main.cc — the touchstone command line. Later issues add litmus, replay, certify.
//
// Exit codes: 0 success, 1 a check failed (violations found), 2 bad usage or input.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "tools/cli/stress.h"

namespace {

int cmd_stress(const touchstone::cli::StressOptions& opt, const std::string& json) {
  const auto res = touchstone::cli::run_stress(opt);
  fmt::print("stress: {} rounds, {} goroutines, {} events ({} G transitions, {} steals, {} stop-the-worlds, "
             "{} syscall retakes, {} preemption requests) in {:.2f}s on {} Ps\n",
             res.rounds, res.goroutines, res.events, res.transitions, res.steals, res.stw, res.retakes,
             res.preemptions, res.seconds, opt.procs);
  for (const auto& v : res.violations) fmt::print("VIOLATION {}\n", v);
  fmt::print("stress: {}\n", res.violations.empty() ? "clean" : "FAILED");
  if (!json.empty()) {
    nlohmann::json j = {{"rounds", res.rounds},       {"goroutines", res.goroutines}, {"events", res.events},
                        {"transitions", res.transitions}, {"steals", res.steals},   {"stw", res.stw},
                        {"retakes", res.retakes},     {"preemptions", res.preemptions},
                        {"seconds", res.seconds},     {"procs", opt.procs},          {"seed", opt.seed},
                        {"violations", res.violations}, {"clean", res.violations.empty()}};
    const std::string tmp = json + ".tmp";
    {
      std::ofstream out(tmp);
      if (!out) {
        fmt::print(stderr, "touchstone: cannot write {}\n", json);
        return 2;
      }
      out << j.dump(2) << "\n";
    }
    std::rename(tmp.c_str(), json.c_str());
  }
  return res.violations.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"touchstone: a reference Go-style runtime and the harnesses that certify runtimes"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "touchstone 0.1 (runtime core)");

  touchstone::cli::StressOptions sopt;
  std::string json;
  bool quiet = false;
  auto* stress = app.add_subcommand("stress", "run a mixed goroutine workload on the native runtime, checking every event");
  stress->add_option("--procs", sopt.procs, "number of Ps")->check(CLI::Range(1, 256));
  stress->add_option("--goroutines", sopt.goroutines, "goroutines per round (a multiple of 4)")
      ->check(CLI::Range(4, 1000000))
      ->check([](const std::string& s) { return std::stol(s) % 4 == 0 ? std::string() : "must be a multiple of 4"; });
  stress->add_option("--rounds", sopt.rounds, "rounds")->check(CLI::Range(1, 1000000));
  stress->add_option("--seed", sopt.seed, "fastrand seed (steal order)");
  stress->add_flag("!--no-resize", sopt.resize, "do not change GOMAXPROCS between rounds");
  stress->add_option("--json", json, "write the summary as JSON to this file");
  stress->add_flag("-q,--quiet", quiet, "no progress line");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "touchstone: {} (see touchstone --help)\n", e.what());
    return 2;
  }
  if (stress->parsed()) {
    sopt.progress = !quiet;
    return cmd_stress(sopt, json);
  }
  return 2;
}
