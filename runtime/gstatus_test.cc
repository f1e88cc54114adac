// G status table tests: every legal transition succeeds, every illegal one is fatal.
#include <gtest/gtest.h>

#include "runtime/export_test.h"

namespace touchstone::runtime {
namespace {

constexpr std::uint32_t kStates[] = {Gidle, Grunnable, Grunning, Gsyscall, Gwaiting, Gdead, Gcopystack, Gpreempted};

TEST(GStatus, TableMatchesGo119) {
  // A few edges Go forbids, which a plausible-looking runtime might take.
  EXPECT_FALSE(gtransition_legal(Grunnable, Gwaiting));
  EXPECT_FALSE(gtransition_legal(Gwaiting, Gdead));
  EXPECT_FALSE(gtransition_legal(Gdead, Grunning));
  EXPECT_FALSE(gtransition_legal(Gsyscall, Gwaiting));
  EXPECT_FALSE(gtransition_legal(Grunnable, Grunnable));
  EXPECT_TRUE(gtransition_legal(Gwaiting, Grunnable));
  EXPECT_TRUE(gtransition_legal(Gsyscall, Grunnable));
  int legal = 0;
  for (auto f : kStates)
    for (auto t : kStates) legal += gtransition_legal(f, t);
  EXPECT_EQ(legal, int(gtransitions().size()));
}

TEST(GStatus, LegalTransitionsSucceed) {
  for (const auto& t : gtransitions()) {
    G g;
    g.atomicstatus.store(t.from, platform::relaxed);
    casgstatus(&g, t.from, t.to);
    EXPECT_EQ(readgstatus(&g), t.to) << t.go_function;
  }
}

#if defined(TOUCHSTONE_CHECKED)
TEST(GStatusDeathTest, EveryIllegalTransitionIsFatal) {
  for (auto from : kStates) {
    for (auto to : kStates) {
      if (gtransition_legal(from, to)) continue;
      G g;
      g.goid = 7;
      g.atomicstatus.store(from, platform::relaxed);
      EXPECT_EXIT(casgstatus(&g, from, to), ::testing::ExitedWithCode(2),
                  std::string("fatal error: casgstatus: illegal transition: goroutine 7 ") + gstatus_name(from) +
                      " -> " + gstatus_name(to))
          << gstatus_name(from) << " -> " << gstatus_name(to);
    }
  }
}
#else
TEST(GStatus, UncheckedBuildSkipsTheTable) {
  // Release builds do not consult the table (one CAS, no lookup); the CAS still checks the
  // incoming status, tested below.
  G g;
  g.atomicstatus.store(Grunnable, platform::relaxed);
  casgstatus(&g, Grunnable, Gwaiting);
  EXPECT_EQ(readgstatus(&g), Gwaiting);
}
#endif

TEST(GStatusDeathTest, WrongIncomingStatusIsFatal) {
  G g;
  g.goid = 3;
  g.atomicstatus.store(Grunnable, platform::relaxed);
  // A double ready: the G is already runnable.
  EXPECT_EXIT(casgstatus(&g, Gwaiting, Grunnable), ::testing::ExitedWithCode(2),
              "casgstatus: bad incoming status: goroutine 3 Gwaiting -> Grunnable \\(status is Grunnable\\)");
}

}  // namespace
}  // namespace touchstone::runtime

#include <fstream>
#include <regex>
#include <set>
#include <tuple>

namespace touchstone::runtime {
namespace {

const char* actor_name(GActor a) {
  switch (a) {
    case GActor::Creator: return "Creator";
    case GActor::Owner: return "Owner";
    case GActor::Executor: return "Executor";
    case GActor::Readier: return "Readier";
  }
  return "?";
}

// docs/spec/g-status.md must list exactly the code's table (rule: docs stay true).
TEST(GStatus, SpecTableMatchesCode) {
  std::ifstream in(TOUCHSTONE_SOURCE_DIR "/docs/spec/g-status.md");
  ASSERT_TRUE(in) << "cannot read docs/spec/g-status.md";
  const std::regex row(R"(^\| (G\w+) \| (G\w+) \| (\w+) \| (.+) \|$)");
  std::set<std::tuple<std::string, std::string, std::string, std::string>> doc, code;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, row)) doc.insert({m[1], m[2], m[3], m[4]});
  }
  for (const auto& t : gtransitions()) {
    code.insert({gstatus_name(t.from), gstatus_name(t.to), actor_name(t.actor), t.go_function});
  }
  EXPECT_EQ(doc, code);
}

}  // namespace
}  // namespace touchstone::runtime
