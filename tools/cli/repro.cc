// tools/cli/repro.cc — see repro.h.
#include "tools/cli/repro.h"

#include <fmt/core.h>

#include <charconv>
#include <filesystem>
#include <system_error>

#include "conformance/program/text.h"
#include "tools/cli/common.h"

namespace touchstone::cli {

namespace {

constexpr std::string_view kProgramMark = "--- program";
constexpr std::string_view kDecisionsMark = "--- decisions";

bool parse_u64(std::string_view s, std::uint64_t* v) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool is_clause_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// "<prefix><line>:<rest>" -> "<file>:<line + offset>:<rest>"; other text is kept behind file:line.
std::string shift_line(std::string_view err, std::string_view prefix, const std::string& file, std::size_t offset,
                       std::size_t fallback_line) {
  if (err.substr(0, prefix.size()) == prefix) {
    std::string_view rest = err.substr(prefix.size());
    std::size_t n = 0;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') n++;
    std::uint64_t line = 0;
    if (n > 0 && parse_u64(rest.substr(0, n), &line)) {
      return fmt::format("{}:{}{}", file, line + offset, rest.substr(n));
    }
  }
  return fmt::format("{}:{}: {}", file, fallback_line, err);
}

}  // namespace

std::string format_repro(const Repro& r) {
  std::string out;
  out += kReproMagic;
  out += '\n';
  out += fmt::format("build: {}\n", r.build);
  out += fmt::format("program: {}\n", one_line(r.program_path));
  out += fmt::format("procs: {}\n", r.procs);
  // Written only for tso and weak, so an sc reproducer is byte for byte what it always was.
  if (r.model != sim::Model::Sc) out += fmt::format("model: {}\n", sim::model_name(r.model));
  out += fmt::format("strategy: {}\n", r.strategy);
  out += fmt::format("seed: {}\n", r.seed);
  out += fmt::format("finding: {}\n", r.finding);
  out += fmt::format("message: {}\n", one_line(r.message));
  out += kProgramMark;
  out += '\n';
  out += r.program_text;
  if (!r.program_text.empty() && r.program_text.back() != '\n') out += '\n';
  out += kDecisionsMark;
  out += '\n';
  out += r.decisions;
  if (!r.decisions.empty() && r.decisions.back() != '\n') out += '\n';
  return out;
}

bool parse_repro(std::string_view text, const std::string& file, Repro* out, std::string* error) {
  // Split into lines; a final line without '\n' still counts.
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  auto fail = [&](std::size_t line, std::string_view msg) {
    *error = fmt::format("{}:{}: {}", file, line, msg);
    return false;
  };
  if (lines.empty()) return fail(1, "empty file (expected 'touchstone-repro 1')");
  if (lines[0] != kReproMagic) {
    if (lines[0].substr(0, 17) == "touchstone-repro ") return fail(1, "unsupported reproducer version (this tool reads 'touchstone-repro 1')");
    return fail(1, "not a reproducer (expected 'touchstone-repro 1')");
  }

  Repro r;
  static constexpr std::string_view kKeys[] = {"build", "program", "procs", "strategy", "seed", "finding", "message"};
  std::size_t i = 1;
  for (std::string_view key : kKeys) {
    if (key == "strategy" && i < lines.size() && lines[i].substr(0, 7) == "model: ") {
      // The optional model line (absent in sc reproducers and in every file older than it).
      const std::string_view v = lines[i].substr(7);
      if (!sim::parse_model(v, &r.model)) return fail(i + 1, fmt::format("bad model '{}' (sc, tso, weak)", v));
      r.model_line = true;
      i++;
    }
    const std::size_t ln = i + 1;
    if (i >= lines.size()) return fail(ln, fmt::format("missing '{}: ...' (unexpected end of file)", key));
    std::string_view l = lines[i++];
    const std::string head = fmt::format("{}: ", key);
    if (l.substr(0, head.size()) != head) return fail(ln, fmt::format("expected '{}: ...'", key));
    std::string_view v = l.substr(head.size());
    if (v.empty()) return fail(ln, fmt::format("empty {}", key));
    if (key == "build") {
      r.build = v;
    } else if (key == "program") {
      r.program_path = v;
    } else if (key == "procs") {
      std::uint64_t n = 0;
      if (!parse_u64(v, &n) || n < 1 || n > 256) return fail(ln, fmt::format("bad procs '{}' (1..256)", v));
      r.procs = int(n);
    } else if (key == "strategy") {
      if (v != "random" && v != "pct" && v != "bytes") return fail(ln, fmt::format("bad strategy '{}' (random, pct, bytes)", v));
      r.strategy = v;
    } else if (key == "seed") {
      if (!parse_u64(v, &r.seed)) return fail(ln, fmt::format("bad seed '{}' (an unsigned 64-bit number)", v));
    } else if (key == "finding") {
      if (!is_clause_id(v)) return fail(ln, fmt::format("bad finding '{}' (a clause id or RUNTIME)", v));
      r.finding = v;
    } else {
      r.message = v;
    }
  }

  if (i >= lines.size() || lines[i] != kProgramMark) return fail(i + 1, "expected '--- program'");
  const std::size_t program_mark_line = i + 1;  // 1-based line of the marker
  i++;
  const std::size_t program_first = i;
  while (i < lines.size() && lines[i] != kDecisionsMark) i++;
  if (i >= lines.size()) return fail(lines.size() + 1, "missing '--- decisions' (unexpected end of file)");
  for (std::size_t k = program_first; k < i; k++) {
    r.program_text += lines[k];
    r.program_text += '\n';
  }
  const std::size_t decisions_mark_line = i + 1;
  i++;
  for (std::size_t k = i; k < lines.size(); k++) {
    r.decisions += lines[k];
    r.decisions += '\n';
  }

  program::ParseResult pr = program::parse(r.program_text, "");
  if (!pr.ok()) {
    // parse's errors are "<file>:<line>:<col>: ..." with an empty file name: ":<line>:...".
    *error = shift_line(pr.error, ":", file, program_mark_line, program_mark_line);
    return false;
  }
  r.program = std::move(*pr.program);
  std::string log_error;
  if (!sim::parse_log(r.decisions, &r.log, &log_error)) {
    *error = shift_line(log_error, "line ", file, decisions_mark_line, decisions_mark_line);
    return false;
  }
  *out = std::move(r);
  return true;
}

std::string repro_path(const std::string& dir, const Repro& r) {
  return (std::filesystem::path(dir) / fmt::format("{}-{}-{}.repro", file_stem(r.program_path), r.finding, r.seed)).string();
}

std::string write_repro(const std::string& dir, const Repro& r) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw UsageError(fmt::format("{}: cannot create directory: {}", dir, ec.message()));
  const std::string path = repro_path(dir, r);
  write_file_atomic(path, format_repro(r));
  return path;
}

}  // namespace touchstone::cli
