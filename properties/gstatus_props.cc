// properties/gstatus_props.cc — the G status transition table.
//
// The reference is the table in docs/spec/g-status.md, parsed from the file at run time
// (TOUCHSTONE_SOURCE_DIR), not the code's kGTransitions: the properties hold the code to what
// the spec says.
//
//   LegalityIsTheSpecTable   for any pair of status values (out-of-range ones included),
//                            gtransition_legal(from, to) holds exactly when the spec lists it
//   WalksFollowTheTable      a random walk from Gidle along the spec's edges: casgstatus takes
//                            each edge and leaves the G in the new status; at every status
//                            reached, every edge the spec does not list is illegal
//   IllegalStepsAreFatal     a random walk, then one bad step in a child process: an edge the
//                            spec does not list (checked builds) or a wrong incoming status (any
//                            build) ends the process with status 2 and casgstatus's message
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/export_test.h"

namespace touchstone::runtime {
namespace {

using Edge = std::pair<std::uint32_t, std::uint32_t>;

// The status with this name (gstatus_name's spelling), or kGStatusCount if none.
std::uint32_t status_by_name(const std::string& name) {
  for (std::uint32_t s = 0; s < kGStatusCount; s++) {
    if (name == gstatus_name(s)) return s;
  }
  return kGStatusCount;
}

struct SpecTable {
  std::set<Edge> edges;
  std::vector<std::string> errors;  // rows naming unknown statuses
};

// The rows "| Gfrom | Gto | Actor | Go 1.19 |" of docs/spec/g-status.md.
const SpecTable& spec_table() {
  static const SpecTable table = [] {
    SpecTable t;
    std::ifstream in(TOUCHSTONE_SOURCE_DIR "/docs/spec/g-status.md");
    const std::regex row(R"(^\| (G\w+) \| (G\w+) \| (\w+) \| (.+) \|$)");
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (!std::regex_match(line, m, row)) continue;
      const std::uint32_t from = status_by_name(m[1]);
      const std::uint32_t to = status_by_name(m[2]);
      if (from == kGStatusCount || to == kGStatusCount) {
        t.errors.push_back(line);
        continue;
      }
      t.edges.insert({from, to});
    }
    return t;
  }();
  return table;
}

bool spec_legal(std::uint32_t from, std::uint32_t to) { return spec_table().edges.count({from, to}) != 0; }

std::string name(std::uint32_t s) { return s < kGStatusCount ? gstatus_name(s) : "status " + std::to_string(s); }

// The spec's successors of `from`, in status order.
std::vector<std::uint32_t> successors(std::uint32_t from) {
  std::vector<std::uint32_t> out;
  for (const auto& [f, t] : spec_table().edges) {
    if (f == from) out.push_back(t);
  }
  return out;
}

// A walk from Gidle: each choice picks one of the current status's successors (mod their
// count). Returns the statuses visited, Gidle first. Choices shrink towards 0 and shorter walks.
std::vector<std::uint32_t> walk(const std::vector<std::uint8_t>& choices) {
  std::vector<std::uint32_t> path{Gidle};
  for (std::uint8_t c : choices) {
    const auto next = successors(path.back());
    if (next.empty()) break;
    path.push_back(next[c % next.size()]);
  }
  return path;
}

std::string show_path(const std::vector<std::uint32_t>& path) {
  std::string s;
  for (std::uint32_t st : path) s += (s.empty() ? "" : " -> ") + name(st);
  return s;
}

TEST(GStatusProps, SpecTableParses) {
  const SpecTable& t = spec_table();
  EXPECT_TRUE(t.errors.empty()) << "rows naming unknown statuses: " << t.errors.front();
  EXPECT_GE(t.edges.size(), 10u) << "cannot read the table in " TOUCHSTONE_SOURCE_DIR "/docs/spec/g-status.md";
}

RC_GTEST_PROP(GStatusProps, LegalityIsTheSpecTable, ()) {
  RC_PRE(!spec_table().edges.empty());
  // Status values a little past the table, so the bounds are part of the property.
  const auto from = *rc::gen::inRange<std::uint32_t>(0, kGStatusCount + 3);
  const auto to = *rc::gen::inRange<std::uint32_t>(0, kGStatusCount + 3);
  RC_TAG(spec_legal(from, to) ? "legal" : "illegal");
  RC_LOG() << name(from) << " -> " << name(to) << "\n";
  RC_ASSERT(gtransition_legal(from, to) == spec_legal(from, to));
}

RC_GTEST_PROP(GStatusProps, WalksFollowTheTable, ()) {
  RC_PRE(!spec_table().edges.empty());
  const auto choices = *rc::gen::container<std::vector<std::uint8_t>>(rc::gen::arbitrary<std::uint8_t>());
  const auto path = walk(choices);
  RC_LOG() << "walk: " << show_path(path) << "\n";
  G g;
  g.goid = 1;
  g.atomicstatus.store(path[0], platform::relaxed);
  for (std::size_t i = 0;; i++) {
    const std::uint32_t cur = path[i];
    RC_ASSERT(readgstatus(&g) == cur);
    // From here, exactly the spec's edges are legal.
    for (std::uint32_t to = 0; to < kGStatusCount + 3; to++) {
      if (gtransition_legal(cur, to) != spec_legal(cur, to)) {
        RC_FAIL("at step " + std::to_string(i) + ": gtransition_legal(" + name(cur) + ", " + name(to) +
                ") disagrees with docs/spec/g-status.md");
      }
    }
    if (i + 1 == path.size()) break;
    casgstatus(&g, cur, path[i + 1]);  // a legal edge: must not be fatal
  }
  RC_ASSERT(readgstatus(&g) == path.back());
}

// Runs fn in a child process; returns its exit status (-1: killed by a signal) and its stderr.
template <typename F>
std::pair<int, std::string> in_child(F fn) {
  int fds[2];
  if (pipe(fds) != 0) return {-1, "pipe failed"};
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], 2);
    fn();
    std::_Exit(0);
  }
  close(fds[1]);
  std::string err;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) err.append(buf, std::size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, err};
}

#if defined(TOUCHSTONE_CHECKED)
constexpr bool kChecked = true;
#else
constexpr bool kChecked = false;
#endif

RC_GTEST_PROP(GStatusProps, IllegalStepsAreFatal, ()) {
  RC_PRE(!spec_table().edges.empty());
  const auto choices = *rc::gen::container<std::vector<std::uint8_t>>(rc::gen::arbitrary<std::uint8_t>());
  const auto path = walk(choices);
  const std::uint32_t cur = path.back();
  // The bad step: an edge the spec does not list from the current status (checked builds
  // only: release builds do not consult the table), or a legal edge from a status the G is
  // not in (every build).
  const bool illegal_edge = kChecked && *rc::gen::arbitrary<bool>();
  std::uint32_t from = cur, to = 0;
  std::string want;
  if (illegal_edge) {
    to = *rc::gen::suchThat(rc::gen::inRange<std::uint32_t>(0, kGStatusCount),
                            [&](std::uint32_t t) { return !spec_legal(cur, t) && std::string(gstatus_name(t)) != "G?"; });
    want = "fatal error: casgstatus: illegal transition: goroutine 9 " + name(cur) + " -> " + name(to) + "\n";
  } else {
    const auto edges = std::vector<Edge>(spec_table().edges.begin(), spec_table().edges.end());
    const Edge e = *rc::gen::elementOf(edges);
    RC_PRE(e.first != cur);
    std::tie(from, to) = e;
    want = "fatal error: casgstatus: bad incoming status: goroutine 9 " + name(from) + " -> " + name(to) +
           " (status is " + name(cur) + ")\n";
  }
  RC_LOG() << "walk: " << show_path(path) << "\nthen casgstatus(" << name(from) << ", " << name(to) << ")\n";
  RC_TAG(illegal_edge ? "illegal edge" : "wrong incoming status");
  G g;
  g.goid = 9;
  g.atomicstatus.store(Gidle, platform::relaxed);
  for (std::size_t i = 0; i + 1 < path.size(); i++) casgstatus(&g, path[i], path[i + 1]);
  const auto [code, err] = in_child([&] { casgstatus(&g, from, to); });
  RC_ASSERT(code == 2);
  RC_ASSERT(err == want);
}

}  // namespace
}  // namespace touchstone::runtime
