// tools/cli/certify.cc — `touchstone certify` and `touchstone go-trace mutate` (certify.h).
//
// How a Go certificate is made:
//   1. Evidence: trace files (given with --go-trace and copied into DIR/evidence/, or written by
//      the corpus programs into DIR/traces/ under --toolchain), each with its sha256 and size.
//   2. Each trace is read by conformance/import/go (gotrace.h). A trace the reader cannot order
//      (per-G sequence numbers that no merge satisfies) is a GSEQ-1 failure, not an input error;
//      any other read error is bad input (exit 2 for --go-trace; a failed run under --toolchain).
//   3. Each trace is checked by the Go-trace checker (gocheck.h), which reports the spec's clause
//      ids; per trace, the first violation and how often each clause was checked.
//   4. Per clause of the catalog (check::clauses()): failed (some trace violated it; the first
//      violation with its event window is kept), passed (checked, never violated), not-exercised
//      (witnessable, but no trace checked it) or not-witnessable (gocheck.h says why).
//   5. Expected failures (a file in the repo, a reason per entry) turn "failed" into
//      "expected-failure"; an entry whose clause did not fail is an unexpected pass.
// `--verify` redoes 2-4 from the evidence named in certificate.json and compares hashes and
// verdicts.
#include "tools/cli/certify.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "conformance/checker/checker.h"
#include "conformance/import/go/gocheck.h"
#include "conformance/import/go/gotrace.h"
#include "tools/cli/common.h"

namespace touchstone::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---- sha256 (FIPS 180-4), so that the evidence needs no extra library -----------------------

std::string sha256_hex(std::string_view data) {
  static constexpr std::uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  std::string msg(data);
  const std::uint64_t bits = std::uint64_t(data.size()) * 8;
  msg.push_back(char(0x80));
  while (msg.size() % 64 != 56) msg.push_back(0);
  for (int i = 7; i >= 0; i--) msg.push_back(char((bits >> (8 * i)) & 0xff));
  for (std::size_t off = 0; off < msg.size(); off += 64) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; i++) {
      const auto* b = reinterpret_cast<const unsigned char*>(msg.data() + off + 4 * i);
      w[i] = std::uint32_t(b[0]) << 24 | std::uint32_t(b[1]) << 16 | std::uint32_t(b[2]) << 8 | b[3];
    }
    for (int i = 16; i < 64; i++) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
      const std::uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  std::string out;
  for (std::uint32_t v : h) out += fmt::format("{:08x}", v);
  return out;
}

// ---- processes --------------------------------------------------------------------------------

struct ProcResult {
  int rc = -1;          // exit status, 128+signal, 127 cannot exec
  bool timed_out = false;
  double seconds = 0;
};

// Runs argv with extra environment entries, stdout+stderr to log, killed after timeout seconds.
ProcResult run_process(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env,
                       const std::string& log, double timeout) {
  ProcResult r;
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) return r;
  if (pid == 0) {
    setpgid(0, 0);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> av;
    for (const std::string& s : argv) av.push_back(const_cast<char*>(s.c_str()));
    av.push_back(nullptr);
    execvp(av[0], av.data());
    _exit(127);
  }
  int status = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0) return r;
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (el > timeout) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  return r;
}

std::string first_line_of_output(const std::vector<std::string>& argv, const std::string& tmp) {
  const ProcResult r = run_process(argv, {}, tmp, 30);
  std::string out;
  try {
    out = read_file(tmp);
  } catch (const UsageError&) {
  }
  std::error_code ec;
  fs::remove(tmp, ec);
  if (r.rc != 0) return "";
  return one_line(out.substr(0, out.find('\n')));
}

// ---- checking traces --------------------------------------------------------------------------

bool is_order_error(const std::string& err) {
  return err.find("expected an event that can be ordered") != std::string::npos ||
         err.find("expected a consistent goroutine history") != std::string::npos;
}

struct TraceVerdict {
  std::string file;        // as recorded (relative to the certificate directory when inside it)
  std::string path;        // where it is read from
  std::string program;     // corpus program, or ""
  std::string sha256;
  std::uint64_t bytes = 0;
  int version = 0;
  std::uint64_t events = 0, goroutines = 0;
  bool any_time_order = false;    // the timestamps disagreed with the merged order
  std::string read_error;         // a read error that is not a GSEQ-1 verdict
  std::string verdict = "clean";  // "clean" or the clause of the first violation
  json violation;                 // null or {clause, explanation, event_index, window}
  std::map<std::string, std::uint64_t> checks;
};

// Reads and checks one trace file. Returns false (with *err) on an I/O error.
TraceVerdict check_trace_file(const std::string& path, const std::string& recorded) {
  TraceVerdict v;
  v.file = recorded;
  v.path = path;
  const std::string bytes = read_file(path);  // throws UsageError "<path>: cannot open: ..."
  v.sha256 = sha256_hex(bytes);
  v.bytes = bytes.size();
  const std::span<const std::uint8_t> sp(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  gotrace::Trace t;
  std::string err;
  bool ok = gotrace::parse(sp, &t, &err);
  if (!ok && err.find("time stamps") != std::string::npos) {
    gotrace::Options o;
    o.require_time_order = false;
    ok = gotrace::parse(sp, &t, &err, o);
    v.any_time_order = ok;
  }
  if (!ok) {
    if (is_order_error(err)) {
      v.verdict = "GSEQ-1";
      v.checks["GSEQ-1"] = 1;
      v.violation = {{"clause", "GSEQ-1"},
                     {"explanation", "the reader cannot order the trace by its per-G sequence numbers: " + err},
                     {"event_index", nullptr},
                     {"window", json::array()}};
    } else {
      v.read_error = path + ": " + err;
      v.verdict = "unreadable";
    }
    return v;
  }
  v.version = t.version;
  const gotrace::GoCheckResult r = gotrace::check(t);
  v.events = t.events.size();
  v.goroutines = r.goroutines;
  v.checks = r.checks;
  if (r.violation) {
    const gotrace::GoViolation& gv = *r.violation;
    v.verdict = gv.clause;
    json win = json::array();
    for (std::size_t j : gv.window) {
      std::string line = gotrace::dump_event(t, t.events[j]);
      while (!line.empty() && line.back() == '\n') line.pop_back();
      win.push_back(fmt::format("{}[{}] {}", j == gv.index ? ">> " : "   ", j, line));
    }
    v.violation = {{"clause", gv.clause}, {"explanation", gv.explanation}, {"event_index", gv.index}, {"window", win}};
  }
  return v;
}

json verdict_json(const TraceVerdict& v) {
  json j = {{"file", v.file}, {"sha256", v.sha256}, {"bytes", v.bytes}, {"trace_version", v.version},
            {"events", v.events}, {"goroutines", v.goroutines}, {"verdict", v.verdict}};
  if (!v.program.empty()) j["program"] = v.program;
  if (v.any_time_order) j["time_order"] = "timestamps disagree with the merged order (read with --any-time-order)";
  if (!v.read_error.empty()) j["read_error"] = v.read_error;
  if (!v.violation.is_null()) j["violation"] = v.violation;
  return j;
}

// ---- expected failures ------------------------------------------------------------------------

struct Expected {
  std::string impl, clause, reason;
  int line = 0;
};

std::vector<Expected> load_expected(const std::string& path) {
  std::vector<Expected> out;
  if (path.empty()) return out;
  std::istringstream in(read_file(path));
  std::string line;
  for (int n = 1; std::getline(in, line); n++) {
    const auto hash = line.find('#');
    const std::string body = hash == std::string::npos ? line : line.substr(0, hash);
    std::istringstream ls(body);
    Expected e;
    if (!(ls >> e.impl)) continue;
    e.line = n;
    if (!(ls >> e.clause)) throw UsageError(fmt::format("{}:{}: expected '<impl> <clause> <reason>', got '{}'", path, n, one_line(line)));
    if (!check::find_clause(e.clause)) throw UsageError(fmt::format("{}:{}: unknown clause '{}'", path, n, e.clause));
    std::getline(ls, e.reason);
    e.reason = one_line(e.reason);
    if (e.reason.empty()) throw UsageError(fmt::format("{}:{}: expected a reason after the clause '{}'", path, n, e.clause));
    out.push_back(e);
  }
  return out;
}

// ---- the certificate --------------------------------------------------------------------------

struct Cert {
  std::string impl;      // gc, gccgo, go-trace
  std::string version;
  std::vector<TraceVerdict> traces;
  json runs = json::array();          // corpus runs (toolchain)
  std::vector<std::string> run_failures;
};

json clause_table(const Cert& c, const std::vector<Expected>& expected, json* unexpected_passes, bool* clean) {
  json out = json::array();
  *clean = c.run_failures.empty();
  for (const check::Clause& cl : check::clauses()) {
    const std::string id(cl.id);
    json row = {{"id", id}, {"statement", cl.statement}};
    std::uint64_t checks = 0, traces_checked = 0;
    const TraceVerdict* first = nullptr;
    std::uint64_t failing = 0;
    for (const TraceVerdict& v : c.traces) {
      const auto it = v.checks.find(id);
      if (it != v.checks.end() && it->second > 0) {
        checks += it->second;
        traces_checked++;
      }
      if (v.verdict == id) {
        failing++;
        if (!first) first = &v;
      }
    }
    std::string status;
    if (!gotrace::go_witnessable(id)) {
      status = "not-witnessable";
    } else if (first) {
      status = "failed";
    } else if (checks > 0) {
      status = "passed";
    } else {
      status = "not-exercised";
    }
    const Expected* ex = nullptr;
    for (const Expected& e : expected)
      if (e.clause == id && (e.impl == "*" || e.impl == c.impl)) ex = &e;
    if (ex) {
      row["expected_failure"] = ex->reason;
      if (status == "failed") {
        status = "expected-failure";
      } else {
        unexpected_passes->push_back({{"clause", id}, {"status", status}, {"reason", ex->reason}});
        *clean = false;
      }
    }
    if (status == "failed") *clean = false;
    row["status"] = status;
    row["checks"] = checks;
    row["traces_checked"] = traces_checked;
    if (first) {
      row["traces_failed"] = failing;
      row["first_violation"] = first->violation;
      row["first_violation"]["trace"] = first->file;
    }
    out.push_back(row);
  }
  return out;
}

json cert_json(const Cert& c, const std::vector<Expected>& expected, const std::string& expected_path) {
  json unexpected = json::array();
  bool clean = true;
  json clauses = clause_table(c, expected, &unexpected, &clean);
  for (const TraceVerdict& v : c.traces)
    if (!v.read_error.empty()) clean = false;
  json ev = json::array();
  std::uint64_t events = 0;
  for (const TraceVerdict& v : c.traces) {
    ev.push_back(verdict_json(v));
    events += v.events;
  }
  json counts = json::object();
  for (const json& r : clauses) counts[r["status"].get<std::string>()] = counts.value(r["status"].get<std::string>(), 0) + 1;
  json exp = json::array();
  for (const Expected& e : expected)
    if (e.impl == "*" || e.impl == c.impl) exp.push_back({{"impl", e.impl}, {"clause", e.clause}, {"reason", e.reason}});
  return {{"schema", "touchstone-certificate/1"},
          {"implementation", c.impl},
          {"version", c.version},
          {"touchstone", build_id()},
          {"summary", counts},
          {"traces", c.traces.size()},
          {"events", events},
          {"clauses", clauses},
          {"evidence", ev},
          {"runs", c.runs},
          {"run_failures", c.run_failures},
          {"expected_failures_file", expected_path},
          {"expected_failures", exp},
          {"unexpected_passes", unexpected},
          {"clean", clean}};
}

std::string cert_markdown(const json& j) {
  std::string md = fmt::format("# Touchstone certificate: {}\n\n", j["implementation"].get<std::string>());
  md += fmt::format("- implementation: **{}** — `{}`\n", j["implementation"].get<std::string>(), j["version"].get<std::string>());
  md += fmt::format("- touchstone: `{}`; schema `{}`\n", j["touchstone"].get<std::string>(), j["schema"].get<std::string>());
  md += fmt::format("- evidence: {} traces, {} events\n", j["traces"].get<std::uint64_t>(), j["events"].get<std::uint64_t>());
  std::string sum;
  for (const auto& [k, v] : j["summary"].items()) sum += fmt::format("{}{} {}", sum.empty() ? "" : ", ", v.get<int>(), k);
  md += fmt::format("- clauses: {}\n", sum);
  md += fmt::format("- verdict: **{}**\n\n", j["clean"].get<bool>() ? "CLEAN" : "NOT CLEAN");
  md += "## Clauses\n\n| clause | status | checks | traces |\n|---|---|---:|---:|\n";
  for (const json& r : j["clauses"]) {
    md += fmt::format("| {} | {} | {} | {} |\n", r["id"].get<std::string>(), r["status"].get<std::string>(),
                      r["checks"].get<std::uint64_t>(), r["traces_checked"].get<std::uint64_t>());
  }
  bool any = false;
  for (const json& r : j["clauses"]) {
    if (!r.contains("first_violation")) continue;
    if (!any) md += "\n## Violations (first per clause)\n";
    any = true;
    const json& v = r["first_violation"];
    md += fmt::format("\n### {} ({})\n\n{} — in `{}`", r["id"].get<std::string>(), r["status"].get<std::string>(),
                      v.value("explanation", ""), v.value("trace", ""));
    if (r.contains("expected_failure")) md += fmt::format("\n\nexpected failure: {}", r["expected_failure"].get<std::string>());
    md += "\n\n```\n";
    for (const json& w : v["window"]) md += w.get<std::string>() + "\n";
    md += "```\n";
  }
  if (!j["expected_failures"].empty()) {
    md += "\n## Expected failures (" + j["expected_failures_file"].get<std::string>() + ")\n\n";
    for (const json& e : j["expected_failures"])
      md += fmt::format("- {} {}: {}\n", e["impl"].get<std::string>(), e["clause"].get<std::string>(), e["reason"].get<std::string>());
  }
  if (!j["unexpected_passes"].empty()) {
    md += "\n## Unexpected passes\n\n";
    for (const json& e : j["unexpected_passes"])
      md += fmt::format("- {} is {} but listed as an expected failure: {}\n", e["clause"].get<std::string>(),
                        e["status"].get<std::string>(), e["reason"].get<std::string>());
  }
  if (!j["run_failures"].empty()) {
    md += "\n## Failed runs\n\n";
    for (const json& f : j["run_failures"]) md += "- " + f.get<std::string>() + "\n";
  }
  md += "\n## Evidence\n\n| trace | program | sha256 | bytes | events | Gs | verdict |\n|---|---|---|---:|---:|---:|---|\n";
  for (const json& e : j["evidence"]) {
    md += fmt::format("| `{}` | {} | `{}` | {} | {} | {} | {} |\n", e["file"].get<std::string>(), e.value("program", ""),
                      e["sha256"].get<std::string>().substr(0, 16), e["bytes"].get<std::uint64_t>(),
                      e["events"].get<std::uint64_t>(), e["goroutines"].get<std::uint64_t>(), e["verdict"].get<std::string>());
  }
  md += "\n`touchstone certify --verify certificate.json` re-checks the hashes and verdicts.\n";
  return md;
}

std::string default_expected(const CertifyArgs& a) {
  if (!a.expected_failures.empty()) return a.expected_failures;
  const std::string p = a.corpus + "/expected-failures.txt";
  return fs::exists(p) ? p : "";
}

void mkdirs(const std::string& d) {
  std::error_code ec;
  fs::create_directories(d, ec);
  if (ec) throw UsageError(d + ": cannot create directory: " + ec.message());
}

std::string rel_to(const std::string& path, const std::string& dir) {
  std::error_code ec;
  const fs::path r = fs::relative(path, dir, ec);
  if (ec || r.empty() || r.native().rfind("..", 0) == 0) return fs::absolute(path, ec).string();
  return r.string();
}

int finish_cert(const Cert& c, const CertifyArgs& a, const std::string& out, const std::string& exp_path) {
  const std::vector<Expected> expected = load_expected(exp_path);
  const json j = cert_json(c, expected, exp_path);
  write_json(out + "/certificate.json", j);
  write_file_atomic(out + "/certificate.md", cert_markdown(j));
  {
    std::string sum;
    for (const auto& [k, v] : j["summary"].items()) sum += fmt::format("{}{} {}", sum.empty() ? "" : ", ", v.get<int>(), k);
    std::printf("certificate: %s (%s): %zu traces, %llu events; clauses: %s; %s\n", c.impl.c_str(), c.version.c_str(),
                c.traces.size(), (unsigned long long)j["events"].get<std::uint64_t>(), sum.c_str(),
                j["clean"].get<bool>() ? "CLEAN" : "NOT CLEAN");
    for (const json& r : j["clauses"]) {
      if (r.contains("first_violation") && !a.quiet)
        std::printf("  %s %s: %s (%s)\n", r["id"].get<std::string>().c_str(), r["status"].get<std::string>().c_str(),
                    r["first_violation"].value("explanation", "").c_str(), r["first_violation"].value("trace", "").c_str());
    }
    for (const json& u : j["unexpected_passes"]) std::printf("  unexpected pass: %s\n", u["clause"].get<std::string>().c_str());
    for (const std::string& f : c.run_failures) std::printf("  failed run: %s\n", f.c_str());
    std::printf("(%s/certificate.md, %s/certificate.json)\n", out.c_str(), out.c_str());
  }
  return j["clean"].get<bool>() ? kExitClean : kExitFinding;
}

int certify_go_traces(const CertifyArgs& a) {
  const std::string out = a.out.empty() ? "build/certify/go-trace" : a.out;
  mkdirs(out + "/evidence");
  Cert c;
  c.impl = "go-trace";
  std::set<int> versions;
  std::set<std::string> names;
  for (const std::string& f : a.go_traces) {
    std::string name = fs::path(f).filename().string();
    for (int n = 2; names.count(name); n++) name = fs::path(f).filename().string() + "." + std::to_string(n);
    names.insert(name);
    const std::string dst = out + "/evidence/" + name;
    TraceVerdict v = check_trace_file(f, "evidence/" + name);
    if (!v.read_error.empty()) throw UsageError(v.read_error);
    std::error_code ec;
    fs::copy_file(f, dst, fs::copy_options::overwrite_existing, ec);
    if (ec) throw UsageError(dst + ": cannot write: " + ec.message());
    v.path = dst;
    versions.insert(v.version);
    c.traces.push_back(std::move(v));
  }
  for (int ver : versions) {
    c.version += (c.version.empty() ? "" : ", ") +
                 std::string(ver == gotrace::kVersionGo119 ? "trace format 1.19 (Go 1.19)"
                             : ver == gotrace::kVersionGccgo12 ? "trace format 1.11 (gccgo 12)"
                                                               : "GSEQ-1 unreadable order");
  }
  return finish_cert(c, a, out, default_expected(a));
}

int certify_toolchain(const CertifyArgs& a) {
  const bool gc = a.toolchain == "go";
  const std::string impl = gc ? "gc" : "gccgo";
  const std::string out = a.out.empty() ? "build/certify/" + impl : a.out;
  mkdirs(out + "/bin");
  mkdirs(out + "/traces");
  mkdirs(out + "/logs");
  Cert c;
  c.impl = impl;
  c.version = gc ? first_line_of_output({"go", "version"}, out + "/logs/version.txt")
                 : first_line_of_output({"gccgo", "--version"}, out + "/logs/version.txt");
  if (c.version.empty()) throw UsageError(fmt::format("{}: toolchain not found or not working (tools/setup --go installs it)", a.toolchain));
  std::vector<std::string> progs;
  std::error_code ec;
  for (const auto& de : fs::directory_iterator(a.corpus, ec))
    if (de.path().extension() == ".go") progs.push_back(de.path().string());
  if (ec) throw UsageError(a.corpus + ": cannot read: " + ec.message());
  std::sort(progs.begin(), progs.end());
  if (progs.empty()) throw UsageError(a.corpus + ": no .go programs");
  for (const std::string& src : progs) {
    const std::string name = fs::path(src).stem().string();
    const std::string bin = out + "/bin/" + name;
    const std::string trace = out + "/traces/" + name + ".trace";
    fs::remove(trace, ec);
    std::vector<std::string> build = gc ? std::vector<std::string>{"go", "build", "-o", bin, src}
                                        : std::vector<std::string>{"gccgo", "-O1", "-o", bin, src};
    const ProcResult b = run_process(build, {}, out + "/logs/" + name + ".build.log", 300);
    json run = {{"program", name}, {"source", src}, {"build_exit", b.rc}};
    if (b.rc != 0) {
      c.run_failures.push_back(fmt::format("{}: build failed (exit {}; {}/logs/{}.build.log)", name, b.rc, out, name));
      c.runs.push_back(run);
      continue;
    }
    const ProcResult r = run_process({fs::absolute(bin).string()}, {{"TOUCHSTONE_GO_TRACE", trace}},
                                     out + "/logs/" + name + ".run.log", a.run_timeout);
    run["exit"] = r.rc;
    run["seconds"] = std::round(r.seconds * 1000) / 1000;
    if (r.timed_out) run["timed_out"] = true;
    c.runs.push_back(run);
    if (r.rc != 0) {
      c.run_failures.push_back(fmt::format("{}: {} (exit {}; {}/logs/{}.run.log)", name, r.timed_out ? "timed out" : "failed",
                                           r.rc, out, name));
      if (!fs::exists(trace)) continue;
    }
    TraceVerdict v = check_trace_file(trace, "traces/" + name + ".trace");
    v.program = name;
    if (!v.read_error.empty()) c.run_failures.push_back(name + ": unreadable trace: " + v.read_error);
    if (!a.quiet) std::printf("%-24s %6.2fs %8llu events  %s\n", name.c_str(), r.seconds, (unsigned long long)v.events, v.verdict.c_str());
    std::fflush(stdout);
    c.traces.push_back(std::move(v));
  }
  return finish_cert(c, a, out, default_expected(a));
}

int certify_reference(const CertifyArgs& a) {
  const std::string out = a.out.empty() ? "build/certify/reference" : a.out;
  mkdirs(out);
  const std::string gj = fs::absolute(out).string() + "/gauntlet-certificate.json";
  const ProcResult r = run_process({"tools/gauntlet", "--budget", a.budget, "--out", out + "/gauntlet", "--json", gj}, {},
                                   out + "/gauntlet.log", 3600);
  if (r.rc == 127 || !fs::exists(gj)) throw UsageError("tools/gauntlet: did not produce a certificate (run from the repository root; see " + out + "/gauntlet.log)");
  json g = json::parse(read_file(gj), nullptr, false);
  if (g.is_discarded()) throw UsageError(gj + ": not JSON");
  const std::string log = read_file(out + "/gauntlet.log");
  json clauses = json::array();
  json counts = json::object();
  for (json row : g.value("clauses", json::array())) {
    const std::string st = row.value("status", "not-exercised");
    counts[st] = counts.value(st, 0) + 1;
    clauses.push_back(row);
  }
  const json j = {{"schema", "touchstone-certificate/1"},
                  {"implementation", "reference"},
                  {"version", build_id()},
                  {"touchstone", build_id()},
                  {"summary", counts},
                  {"traces", g.value("runs", 0)},
                  {"events", 0},
                  {"clauses", clauses},
                  {"evidence", json::array({{{"file", "gauntlet-certificate.json"}, {"sha256", sha256_hex(read_file(gj))},
                                             {"bytes", read_file(gj).size()}, {"events", 0}, {"goroutines", 0},
                                             {"verdict", g.value("clean", false) ? "clean" : "not clean"}},
                                            {{"file", "gauntlet.log"}, {"sha256", sha256_hex(log)}, {"bytes", log.size()},
                                             {"events", 0}, {"goroutines", 0}, {"verdict", "log"}}})},
                  {"runs", g.value("steps", json::object())},
                  {"run_failures", g.value("failed_steps", json::array())},
                  {"expected_failures_file", ""},
                  {"expected_failures", json::array()},
                  {"unexpected_passes", json::array()},
                  {"findings", g.value("findings", json::array())},
                  {"clean", g.value("clean", false) && r.rc == 0}};
  write_json(out + "/certificate.json", j);
  write_file_atomic(out + "/certificate.md", cert_markdown(j));
  std::printf("certificate: reference (%s): %s (%s/certificate.md)\n", build_id().c_str(),
              j["clean"].get<bool>() ? "CLEAN" : "NOT CLEAN", out.c_str());
  return j["clean"].get<bool>() ? kExitClean : kExitFinding;
}

int verify(const CertifyArgs& a) {
  std::string path = a.verify;
  if (fs::is_directory(path)) path += "/certificate.json";
  const std::string text = read_file(path);
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    // Find the line of the error for the one-line message.
    try {
      (void)json::parse(text);
    } catch (const json::parse_error& e) {
      std::size_t line = 1 + std::count(text.begin(), text.begin() + std::min<std::size_t>(e.byte, text.size()), '\n');
      throw UsageError(fmt::format("{}:{}: not a certificate: {}", path, line, one_line(e.what())));
    }
  }
  if (!j.is_object() || j.value("schema", "") != "touchstone-certificate/1" || !j.contains("evidence") || !j["evidence"].is_array())
    throw UsageError(path + ":1: not a touchstone certificate (expected schema touchstone-certificate/1 with evidence)");
  const std::string dir = fs::path(path).parent_path().string().empty() ? "." : fs::path(path).parent_path().string();
  std::vector<std::string> bad;
  Cert c;
  c.impl = j.value("implementation", "");
  c.version = j.value("version", "");
  for (const json& run : j.value("run_failures", json::array()))
    if (run.is_string()) c.run_failures.push_back(run.get<std::string>());
  const bool go = c.impl != "reference";
  std::size_t n = 0;
  for (const json& e : j["evidence"]) {
    if (!e.is_object() || !e.contains("file") || !e["file"].is_string() || !e.contains("sha256") || !e["sha256"].is_string())
      throw UsageError(fmt::format("{}:1: evidence entry {} needs 'file' and 'sha256'", path, n));
    n++;
    const std::string rec = e["file"].get<std::string>();
    const std::string p = fs::path(rec).is_absolute() ? rec : dir + "/" + rec;
    std::string bytes;
    try {
      bytes = read_file(p);
    } catch (const UsageError& ue) {
      bad.push_back(ue.what());
      continue;
    }
    if (sha256_hex(bytes) != e["sha256"].get<std::string>()) {
      bad.push_back(fmt::format("{}: sha256 {} differs from the certificate's {}", rec, sha256_hex(bytes), e["sha256"].get<std::string>()));
      continue;
    }
    if (!go) continue;
    TraceVerdict v = check_trace_file(p, rec);
    v.program = e.value("program", "");
    if (v.verdict != e.value("verdict", "") || v.events != e.value("events", std::uint64_t{0})) {
      bad.push_back(fmt::format("{}: verdict {} ({} events), the certificate says {} ({} events)", rec, v.verdict, v.events,
                                e.value("verdict", "?"), e.value("events", std::uint64_t{0})));
    }
    c.traces.push_back(std::move(v));
  }
  if (go && bad.empty()) {
    std::vector<Expected> expected;
    for (const json& e : j.value("expected_failures", json::array()))
      expected.push_back({e.value("impl", ""), e.value("clause", ""), e.value("reason", ""), 0});
    const json again = cert_json(c, expected, j.value("expected_failures_file", ""));
    for (std::size_t i = 0; i < again["clauses"].size() && i < j["clauses"].size(); i++) {
      const json& x = again["clauses"][i];
      const json& y = j["clauses"][i];
      if (x["id"] != y.value("id", json()) || x["status"] != y.value("status", json()) || x["checks"] != y.value("checks", json()))
        bad.push_back(fmt::format("clause {}: recomputed {} ({} checks), the certificate says {} ({} checks)",
                                  x["id"].get<std::string>(), x["status"].get<std::string>(), x["checks"].dump(),
                                  y.value("status", "?"), y.value("checks", json()).dump()));
    }
    if (again["clauses"].size() != j["clauses"].size()) bad.push_back("the certificate lists a different set of clauses");
    if (again["clean"] != j.value("clean", json())) bad.push_back("the certificate's clean flag differs from the evidence");
  }
  if (!bad.empty()) {
    std::printf("verify: %s: %zu mismatches\n", path.c_str(), bad.size());
    for (const std::string& b : bad) std::printf("  %s\n", b.c_str());
    return kExitFinding;
  }
  std::printf("verify: %s: %zu evidence files match their hashes%s\n", path.c_str(), n,
              go ? " and verdicts; every clause status recomputed" : "");
  return kExitClean;
}

}  // namespace

void add_certify(CLI::App& app, CertifyArgs* a) {
  a->cmd = app.add_subcommand("certify", "certify an implementation against the spec: a certificate (certificate.md/.json) in --out");
  a->cmd->add_option("--impl", a->impl, "reference: the reference runtime (runs tools/gauntlet)")->check(CLI::IsMember({"reference"}));
  a->cmd->add_option("--go-trace", a->go_traces, "Go execution trace files (Go 1.19 or gccgo 12)");
  a->cmd->add_option("--toolchain", a->toolchain, "build, run and trace the Go corpus with go or gccgo")->check(CLI::IsMember({"go", "gccgo"}));
  a->cmd->add_option("--corpus", a->corpus, "the Go corpus (default conformance/programs/go)");
  a->cmd->add_option("--expected-failures", a->expected_failures, "expected-failure list (default CORPUS/expected-failures.txt)");
  a->cmd->add_option("--out", a->out, "where the certificate and evidence go (default build/certify/IMPL)");
  a->cmd->add_option("--verify", a->verify, "re-check a certificate.json (or its directory) against its evidence");
  a->cmd->add_option("--budget", a->budget, "--impl reference: the gauntlet's exploration budget");
  a->cmd->add_option("--run-timeout", a->run_timeout, "seconds a corpus program may run");
  a->cmd->add_flag("--quiet", a->quiet, "print only the summary");
}

int cmd_certify(const CertifyArgs& a) {
  const int modes = !a.impl.empty() + !a.go_traces.empty() + !a.toolchain.empty() + !a.verify.empty();
  if (modes != 1) throw UsageError("certify: give exactly one of --impl reference, --go-trace FILE..., --toolchain go|gccgo, --verify CERT");
  if (!a.verify.empty()) return verify(a);
  if (!a.impl.empty()) return certify_reference(a);
  if (!a.go_traces.empty()) return certify_go_traces(a);
  return certify_toolchain(a);
}

// ---- go-trace mutate --------------------------------------------------------------------------

void add_go_mutate(CLI::App* go_trace, GoMutateArgs* a) {
  a->cmd = go_trace->add_subcommand("mutate", "apply each trace mutation to real traces and report which clause flags it");
  a->cmd->add_option("files", a->files, "Go trace files")->required();
  a->cmd->add_option("--sites", a->sites, "mutation sites per trace and mutation (spread over the trace)")->check(CLI::Range(1, 100000));
  a->cmd->add_option("--json", a->json, "write the table as JSON");
}

int cmd_go_mutate(const GoMutateArgs& a) {
  struct Row {
    std::uint64_t applied = 0, detected = 0, right = 0;
    std::map<std::string, std::uint64_t> clauses;
    std::vector<std::string> misses;
  };
  std::array<Row, gotrace::kMutationCount> rows;
  for (const std::string& f : a.files) {
    gotrace::Trace t;
    std::string err;
    if (!gotrace::parse_file(f, &t, &err)) throw UsageError(err);
    for (int m = 0; m < gotrace::kMutationCount; m++) {
      const auto mut = gotrace::Mutation(m);
      std::vector<gotrace::Event> evs;
      const std::size_t nsites = gotrace::mutate(t, mut, 0, &evs);
      const std::size_t n = std::min<std::size_t>(nsites, std::size_t(a.sites));
      for (std::size_t s = 0; s < n; s++) {
        const std::size_t k = nsites * s / n;
        gotrace::mutate(t, mut, k, &evs);
        const gotrace::GoCheckResult r = gotrace::check_events(t, evs);
        Row& row = rows[m];
        row.applied++;
        const std::string cl = r.violation ? r.violation->clause : std::string("none");
        row.clauses[cl]++;
        if (r.violation) row.detected++;
        if (cl == gotrace::mutation_clause(mut)) {
          row.right++;
        } else if (row.misses.size() < 3) {
          row.misses.push_back(fmt::format("{} site {}: {}{}", f, k, cl, r.violation ? ": " + r.violation->explanation : ""));
        }
      }
    }
  }
  json j = json::array();
  std::printf("%-20s %-11s %8s %9s %6s %7s  clauses\n", "mutation", "expected", "applied", "detected", "right", "rate");
  for (int m = 0; m < gotrace::kMutationCount; m++) {
    const Row& r = rows[m];
    const auto mut = gotrace::Mutation(m);
    std::string cls;
    for (const auto& [k, v] : r.clauses) cls += fmt::format("{}{}={}", cls.empty() ? "" : " ", k, v);
    const double rate = r.applied ? 100.0 * double(r.right) / double(r.applied) : 0;
    std::printf("%-20s %-11s %8llu %9llu %6llu %6.1f%%  %s\n", std::string(gotrace::mutation_name(mut)).c_str(),
                std::string(gotrace::mutation_clause(mut)).c_str(), (unsigned long long)r.applied,
                (unsigned long long)r.detected, (unsigned long long)r.right, rate, cls.c_str());
    for (const std::string& miss : r.misses) std::printf("    miss: %s\n", miss.c_str());
    j.push_back({{"mutation", gotrace::mutation_name(mut)}, {"expected_clause", gotrace::mutation_clause(mut)},
                 {"applied", r.applied}, {"detected", r.detected}, {"right_clause", r.right}, {"clauses", r.clauses},
                 {"misses", r.misses}});
  }
  if (!a.json.empty()) write_json(a.json, j);
  bool all = true;
  for (const Row& r : rows) all = all && r.right == r.applied;
  return all ? kExitClean : kExitFinding;
}

}  // namespace touchstone::cli
