// tools/cli/litmus.cc — see litmus.h.
#include "tools/cli/litmus.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "conformance/litmus/litmus.h"
#include "tools/cli/common.h"

namespace touchstone::cli {

void add_litmus(CLI::App& app, LitmusArgs* a) {
  a->cmd = app.add_subcommand("litmus", "run the memory-model litmus catalog exhaustively (exit 1 on a mismatch)");
  a->cmd->add_option("files", a->files, "litmus files (default: the catalog, conformance/litmus/catalog)");
  a->cmd->add_option("--model", a->model, "sc, tso, weak or all")
      ->check(CLI::IsMember({"sc", "tso", "weak", "all"}))
      ->capture_default_str();
  a->cmd->add_option("--arch", a->arch, "the model an architecture implies: x86_64 (tso), aarch64 or riscv64 (weak)")
      ->check(CLI::IsMember({"x86_64", "aarch64", "riscv64"}));
  a->cmd->add_option("--history", a->history, "weak: stores kept per location")->check(CLI::Range(1, 64))->capture_default_str();
  a->cmd->add_option("--json", a->json, "write the results as JSON to this file");
}

int cmd_litmus(const LitmusArgs& a) {
  std::vector<sim::Model> models;
  if (!a.arch.empty()) {
    if (a.model != "all") throw UsageError("--arch and --model select the same thing: give one");
    sim::Model m;
    sim::model_for_arch(a.arch, &m);
    models.push_back(m);
  } else if (a.model == "all") {
    models = {sim::Model::Sc, sim::Model::Tso, sim::Model::Weak};
  } else {
    sim::Model m;
    sim::parse_model(a.model, &m);
    models.push_back(m);
  }
  std::vector<std::string> files = a.files;
  if (files.empty()) {
    files = litmus::catalog_files(litmus::default_catalog_dir());
    if (files.empty()) throw UsageError(litmus::default_catalog_dir() + ": no .litmus files");
  }
  std::vector<litmus::Test> tests;
  for (const auto& f : files) {
    std::string err;
    if (!litmus::parse_file(f, &tests, &err)) throw UsageError(err);
  }

  litmus::RunOptions opt;
  opt.history = a.history;
  nlohmann::json jtests = nlohmann::json::array();
  int failed = 0;
  for (const litmus::Test& t : tests) {
    nlohmann::json jt = {{"name", t.name}, {"file", t.file}, {"line", t.line}};
    for (sim::Model m : models) {
      const litmus::ModelResult r = litmus::run_test(t, m, opt);
      const bool ok = r.problems.empty();
      failed += ok ? 0 : 1;
      fmt::print("{:<24} {:<4} {:<4} {} outcomes, {} runs\n", t.name, sim::model_name(m), ok ? "ok" : "FAIL", r.found.size(), r.runs);
      nlohmann::json jexp = nlohmann::json::array();
      for (std::size_t i = 0; i < t.expects.size(); i++) {
        const auto& e = t.expects[i];
        const bool allowed = e.allowed[int(m)];
        const bool found = r.observed[i];
        fmt::print("    {:<40} expected {:<9} found {}{}\n", e.text, allowed ? "allowed" : "forbidden", found ? "yes" : "no",
                   allowed == found ? "" : "   <-- MISMATCH");
        jexp.push_back({{"outcome", e.text}, {"expected", allowed ? "allowed" : "forbidden"}, {"found", found}});
      }
      for (const auto& p : r.problems) fmt::print("    problem: {}\n", p);
      nlohmann::json outcomes = nlohmann::json::array();
      for (const auto& o : r.found) outcomes.push_back(litmus::outcome_text(t, o));
      jt[sim::model_name(m)] = {{"ok", ok}, {"runs", r.runs}, {"outcomes", outcomes}, {"expectations", jexp}, {"problems", r.problems}};
    }
    jtests.push_back(jt);
  }
  fmt::print("litmus: {} tests x {} models: {}\n", tests.size(), models.size(),
             failed == 0 ? "all pass" : fmt::format("{} FAILED", failed));
  if (!a.json.empty()) {
    nlohmann::json models_j = nlohmann::json::array();
    for (sim::Model m : models) models_j.push_back(sim::model_name(m));
    write_json(a.json, {{"models", models_j}, {"tests", jtests}, {"failed", failed}});
  }
  return failed == 0 ? kExitClean : kExitFinding;
}

}  // namespace touchstone::cli
