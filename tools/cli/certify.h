// tools/cli/certify.h — `touchstone certify`: a certificate (certificate.md + certificate.json in
// --out DIR) listing every clause of docs/spec/ as passed / failed (first violation, with its
// event window) / not exercised / not witnessable, with the evidence, for
//
//   certify --impl reference              the reference runtime (runs tools/gauntlet)
//   certify --go-trace FILE...            real Go execution traces (conformance/import/go)
//   certify --toolchain go|gccgo          builds conformance/programs/go/*.go with that toolchain,
//                                         runs each with tracing on, certifies the traces
//   certify --verify CERT                 re-checks a certificate.json against its evidence
//                                         (sha256 of every file, then every verdict)
//
// Expected failures: --expected-failures FILE (default conformance/programs/go/expected-failures.txt,
// when it exists): lines "<impl> <clause> <reason...>" (impl: gc, gccgo, go-trace or *); a failed
// clause listed there is "expected-failure", a listed clause that does not fail is reported as an
// unexpected pass. Exit status: 0 clean (no unexpected failure), 1 a failure or an unexpected pass,
// 2 bad input (one line: "touchstone: FILE: offset N: ..." or "FILE:LINE: ...").
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace touchstone::cli {

struct CertifyArgs {
  CLI::App* cmd = nullptr;
  std::string impl;                     // "reference"
  std::vector<std::string> go_traces;   // --go-trace
  std::string toolchain;                // "go" | "gccgo"
  std::string corpus = "conformance/programs/go";
  std::string expected_failures;        // "" = the corpus's expected-failures.txt if present
  std::string out;                      // default build/certify/<impl>
  std::string verify;                   // certificate.json (or its directory)
  std::string budget = "60s";           // --impl reference: gauntlet budget
  double run_timeout = 30;              // seconds per corpus program
  bool quiet = false;
};

void add_certify(CLI::App& app, CertifyArgs* a);
int cmd_certify(const CertifyArgs& a);

// `touchstone go-trace mutate FILE...`: the mutated-trace detection table (certify.cc).
struct GoMutateArgs {
  CLI::App* cmd = nullptr;
  std::vector<std::string> files;
  int sites = 20;  // mutation sites tried per trace and mutation
  std::string json;
};
void add_go_mutate(CLI::App* go_trace, GoMutateArgs* a);
int cmd_go_mutate(const GoMutateArgs& a);

}  // namespace touchstone::cli
