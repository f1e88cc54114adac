// tools/cli/common.cc — see common.h.
#include "tools/cli/common.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "conformance/program/text.h"
#include "runtime/runtime2.h"

namespace touchstone::cli {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw UsageError(fmt::format("{}: cannot read: Is a directory", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw UsageError(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  return ss.str();
}

void write_file_atomic(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) throw UsageError(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
  const bool wrote = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  const int err = errno;
  if (std::fclose(f) != 0 || !wrote) {
    std::remove(tmp.c_str());
    throw UsageError(fmt::format("{}: cannot write: {}", path, std::strerror(wrote ? errno : err)));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    throw UsageError(fmt::format("{}: cannot rename {}: {}", path, tmp, std::strerror(e)));
  }
}

void write_json(const std::string& path, const nlohmann::json& j) { write_file_atomic(path, j.dump(2) + "\n"); }

program::Program load_program(const std::string& path) {
  const std::string text = read_file(path);
  program::ParseResult r = program::parse(text, path);
  if (!r.ok()) throw UsageError(r.error);
  return std::move(*r.program);
}

std::string one_line(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string file_stem(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  return stem.empty() ? std::string("program") : stem;
}

double parse_duration_seconds(const std::string& text) {
  const char* s = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s, &end);
  if (end == s || errno != 0 || !std::isfinite(v) || v <= 0) {
    throw UsageError(fmt::format("bad duration '{}' (e.g. 30s, 2m, 500ms)", text));
  }
  const std::string unit(end);
  if (unit.empty() || unit == "s") return v;
  if (unit == "ms") return v / 1000;
  if (unit == "m") return v * 60;
  if (unit == "h") return v * 3600;
  throw UsageError(fmt::format("bad duration '{}' (units: ms, s, m, h)", text));
}

nlohmann::json coverage_json(const check::Coverage& c) {
  nlohmann::json j = nlohmann::json::object();
  for (const check::Clause& cl : check::clauses()) {
    auto it = c.clauses.find(std::string(cl.id));
    j[std::string(cl.id)] = it == c.clauses.end() ? 0 : it->second;
  }
  for (const auto& [id, n] : c.clauses) {  // anything the catalog does not list (should be none)
    if (!j.contains(id)) j[id] = n;
  }
  return j;
}

nlohmann::json transitions_json(const check::Coverage& c) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [edge, n] : c.transitions) {
    j.push_back({runtime::gstatus_name(edge.first), runtime::gstatus_name(edge.second), n});
  }
  return j;
}

std::size_t clauses_covered(const check::Coverage& c) {
  std::size_t n = 0;
  for (const auto& [id, count] : c.clauses) n += count > 0 ? 1 : 0;
  return n;
}

std::string transitions_summary(const check::Coverage& c) {
  std::uint64_t all = 0;
  for (const auto& [edge, n] : c.transitions) all += n;
  return fmt::format("{} distinct G transitions ({} in all)", c.transitions.size(), all);
}

int exec_native(int argc, char** argv) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    fmt::print(stderr, "touchstone: cannot find this executable (/proc/self/exe): {}\n", ec.message());
    return kExitUsage;
  }
  const std::string native = (self.parent_path() / "touchstone-native").string();
  std::vector<char*> args(argv, argv + argc);
  args[0] = const_cast<char*>(native.c_str());
  args.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  ::execv(native.c_str(), args.data());
  fmt::print(stderr, "touchstone: cannot run {}: {} (build the touchstone-native target)\n", native,
             std::strerror(errno));
  return kExitUsage;
}

}  // namespace touchstone::cli
