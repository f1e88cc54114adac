// conformance/programs/programs_test.cc — the conformance program catalog (README.md).
//
// For every conformance/programs/NN-name.tsp: the header (`# clause:`, `# outcome:`, `# what:`)
// is present and names only clause ids of docs/spec/README.md; the rest of the file is canonical
// text (print(parse(text)) == text without its header); the program runs to the end at 1 and 4
// Ps within the catalog's size bounds; and a schedule-independent program gives the same outcome
// under 1, 2 and 4 Ps and three seeds. For the catalog as a whole: at least 32 programs,
// numbered 01.. without gaps, and every clause of kRequiredClauses named by some program.
//
// Built twice, like program_test: natively (programs_test) and with every run inside
// touchstone::simulate under a Random strategy whose seed is the run's seed (programs_sim_test).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "conformance/program/interp.h"
#include "conformance/program/program.h"
#include "conformance/program/text.h"

#if defined(TOUCHSTONE_PLATFORM_SIM)
#include "runtime/sim_harness.h"
#endif

namespace touchstone::program {
namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = TOUCHSTONE_SOURCE_DIR;
const fs::path kCatalogDir = kSourceDir / "conformance" / "programs";
const fs::path kSpec = kSourceDir / "docs" / "spec" / "README.md";

constexpr std::size_t kMinPrograms = 32;
// Every clause a workload program can exercise (STW-1 and STW-2 through `procs N`).
const std::vector<std::string> kRequiredClauses = {
    "G-TRANS-1",   "G-TRANS-3",   "RUNQ-OWN-1",   "RUNQ-OWN-2", "CONSERVE-1", "CONSERVE-2", "WAKEUP-1", "SYSCALL-1",
    "CHAN-FIFO-1", "CHAN-ONCE-1", "CHAN-CLOSE-1", "WG-1",       "MUTEX-1",    "STW-1",      "STW-2"};
// Size bounds: a run stays far below half a second natively and in the simulator.
constexpr std::uint64_t kMaxSteps = 20'000;
constexpr std::uint64_t kMaxGoroutines = 400;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// The clause ids of the spec: the first cell of each table row that looks like an id
// (`| RUNQ-OWN-2 | ...`).
std::set<std::string> spec_clauses() {
  std::set<std::string> ids;
  std::istringstream in(read_file(kSpec));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| ", 0) != 0) continue;
    const std::size_t end = line.find(" |", 2);
    if (end == std::string::npos) continue;
    const std::string cell = line.substr(2, end - 2);
    const bool shaped = !cell.empty() && std::isupper(static_cast<unsigned char>(cell[0])) &&
                        std::isdigit(static_cast<unsigned char>(cell.back())) &&
                        std::all_of(cell.begin(), cell.end(), [](char c) {
                          return std::isupper(static_cast<unsigned char>(c)) ||
                                 std::isdigit(static_cast<unsigned char>(c)) || c == '-';
                        });
    if (shaped) ids.insert(cell);
  }
  return ids;
}

struct Entry {
  std::string file;                  // "01-spawn-one.tsp"
  std::string text;                  // the whole file
  std::string body;                  // the file without its header comment lines
  std::vector<std::string> clauses;  // from `# clause:`
  std::string outcome;               // from `# outcome:`
  std::string what;                  // from `# what:`
  std::string header_error;          // "" when the header is well formed
};

Entry load(const fs::path& path) {
  Entry e;
  e.file = path.filename().string();
  e.text = read_file(path);
  std::size_t pos = 0;
  bool have_clause = false, have_outcome = false, have_what = false;
  while (pos < e.text.size() && e.text[pos] == '#') {
    std::size_t nl = e.text.find('\n', pos);
    if (nl == std::string::npos) nl = e.text.size();
    const std::string line = e.text.substr(pos, nl - pos);
    pos = std::min(nl + 1, e.text.size());
    auto field = [&](const std::string& key, std::string& out) {
      const std::string prefix = "# " + key + ":";
      if (line.rfind(prefix, 0) != 0) return false;
      out = line.substr(prefix.size());
      out.erase(0, out.find_first_not_of(' '));
      return true;
    };
    std::string v;
    if (field("clause", v)) {
      have_clause = true;
      for (const std::string& w : split_words(v)) e.clauses.push_back(w);
    } else if (field("outcome", v)) {
      have_outcome = true;
      e.outcome = v;
    } else if (field("what", v)) {
      have_what = true;
      e.what = v;
    }
  }
  e.body = e.text.substr(pos);
  if (!have_clause || e.clauses.empty()) {
    e.header_error = "no '# clause:' line naming a clause";
  } else if (!have_outcome || (e.outcome != "schedule-independent" && e.outcome != "schedule-dependent")) {
    e.header_error = "no '# outcome: schedule-independent' or '# outcome: schedule-dependent' line";
  } else if (!have_what || e.what.empty()) {
    e.header_error = "no '# what:' line";
  }
  return e;
}

std::vector<fs::path> catalog_files() {
  std::vector<fs::path> files;
  for (const auto& de : fs::directory_iterator(kCatalogDir)) {
    if (de.is_regular_file() && de.path().extension() == ".tsp") files.push_back(de.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> catalog_names() {
  std::vector<std::string> names;
  for (const fs::path& p : catalog_files()) names.push_back(p.filename().string());
  return names;
}

#if defined(TOUCHSTONE_PLATFORM_SIM)
RunResult run(const Program& p, RunOptions opts, std::uint64_t seed) {
  auto strategy = touchstone::strategy_from_name("random", seed);
  // Virtual time is work: keep sysmon's preemption threshold small (as program_test does).
  opts.force_preempt_ns = std::min<std::int64_t>(opts.force_preempt_ns, 2'000'000);
  sim::Config cfg;
  cfg.max_steps = 20'000'000;
  RunResult out;
  sim::Result r = simulate(cfg, *strategy, [&] { out = run_program(p, opts); });
  EXPECT_TRUE(r.ok()) << "seed " << seed << ": " << sim::failure_name(r.failure) << ": " << r.message;
  if (!r.ok() && out.error.empty()) out.error = std::string("simulation failed: ") + r.message;
  return out;
}
#else
RunResult run(const Program& p, RunOptions opts, std::uint64_t seed) {
  opts.seed = seed;
  return run_program(p, opts);
}
#endif

// ---- each program ----------------------------------------------------------------------------

class Catalog : public ::testing::TestWithParam<std::string> {};

TEST_P(Catalog, HeaderNamesSpecClauses) {
  const Entry e = load(kCatalogDir / GetParam());
  ASSERT_EQ(e.header_error, "") << e.file;
  const std::set<std::string> ids = spec_clauses();
  ASSERT_FALSE(ids.empty()) << "no clause ids found in " << kSpec;
  for (const std::string& c : e.clauses) EXPECT_TRUE(ids.count(c)) << e.file << ": '" << c << "' is not a clause id of docs/spec/README.md";
}

TEST_P(Catalog, IsCanonicalText) {
  const Entry e = load(kCatalogDir / GetParam());
  ParseResult r = parse(e.text, e.file);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(print(*r.program), e.body) << e.file << ": the text after the header is not canonical";
  EXPECT_EQ(validate(*r.program), "");
}

TEST_P(Catalog, RunsToTheEnd) {
  const Entry e = load(kCatalogDir / GetParam());
  ParseResult r = parse(e.text, e.file);
  ASSERT_TRUE(r.ok()) << r.error;
  const bool independent = e.outcome == "schedule-independent";
  std::string first;  // the outcome of the first run
  const std::vector<int> procs_list = independent ? std::vector<int>{1, 2, 4} : std::vector<int>{1, 4};
  const std::vector<std::uint64_t> seeds = independent ? std::vector<std::uint64_t>{1, 2, 3} : std::vector<std::uint64_t>{1};
  for (int procs : procs_list) {
    for (std::uint64_t seed : seeds) {
      RunResult res = run(*r.program, {.procs = procs}, seed);
      ASSERT_TRUE(res.ok()) << e.file << " procs " << procs << " seed " << seed << ": " << res.error;
      EXPECT_LE(res.steps, kMaxSteps) << e.file << " procs " << procs;
      EXPECT_LT(res.goroutines, kMaxGoroutines) << e.file << " procs " << procs;
      const std::string text = outcome_text(res.outcome);
      if (first.empty()) {
        first = text;
      } else if (independent) {
        EXPECT_EQ(text, first) << e.file << " is marked schedule-independent; procs " << procs << " seed " << seed;
      }
    }
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param.substr(0, info.param.size() - std::string(".tsp").size());
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return "p" + s;
}

INSTANTIATE_TEST_SUITE_P(Programs, Catalog, ::testing::ValuesIn(catalog_names()), test_name);

// ---- the catalog as a whole ------------------------------------------------------------------

TEST(CatalogWhole, HasEnoughNumberedPrograms) {
  const std::vector<std::string> names = catalog_names();
  EXPECT_GE(names.size(), kMinPrograms);
  for (std::size_t i = 0; i < names.size(); i++) {
    const std::string prefix = (i + 1 < 10 ? "0" : "") + std::to_string(i + 1) + "-";
    EXPECT_EQ(names[i].rfind(prefix, 0), 0u) << names[i] << ": expected the prefix " << prefix;
  }
}

TEST(CatalogWhole, NamesEveryRequiredClause) {
  std::map<std::string, int> named;
  for (const fs::path& p : catalog_files()) {
    for (const std::string& c : load(p).clauses) named[c]++;
  }
  for (const std::string& c : kRequiredClauses) EXPECT_GT(named[c], 0) << "no program names " << c;
}

TEST(CatalogWhole, ReadmeListsEveryProgram) {
  const std::string readme = read_file(kCatalogDir / "README.md");
  for (const std::string& name : catalog_names()) {
    EXPECT_NE(readme.find("`" + name + "`"), std::string::npos) << "README.md does not list " << name;
  }
}

}  // namespace
}  // namespace touchstone::program
