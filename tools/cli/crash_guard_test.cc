// tools/cli/crash_guard_test.cc — the crash guard writes a parseable reproducer, with the
// decisions drawn up to the fault, for a simulated run that dies of a signal.
//
// The run happens in a forked child (it must die); the parent checks the exit and the file.
#include "tools/cli/crash_guard.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "platform/platform.h"
#include "platform/sim/strategy.h"
#include "platform/sim/world.h"
#include "tools/cli/repro.h"

namespace touchstone::cli {
namespace {

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TS_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TS_TEST_ASAN 1
#endif

constexpr const char* kHead =
    "touchstone-repro 1\nbuild: test\nprogram: crash.tsp\nprocs: 2\nstrategy: random\nseed: 7\n"
    "finding: RUNTIME\nmessage: ";
constexpr const char* kTail = "--- program\ngo main {\n  yield\n}\n--- decisions\n";

// Two simulated threads racing on an atomic (so the run draws decisions), then a fault.
void crashing_run() {
  crash_guard_install();
  auto strategy = sim::make_random(7);
  sim::Config cfg;
  sim::run(cfg, *strategy, [] {
    static platform::Atomic<int> x{0};
    platform::Thread t;
    t.start([](void*) {
      for (int i = 0; i < 20; i++) x.fetch_add(1, platform::relaxed);
    }, nullptr);
    for (int i = 0; i < 20; i++) x.fetch_add(1, platform::relaxed);
    ::raise(SIGSEGV);
  });
  std::_Exit(0);  // not reached
}

TEST(CrashGuard, AFaultingRunLeavesItsReproducer) {
#if defined(TS_TEST_ASAN)
  GTEST_SKIP() << "the crash guard is not installed under AddressSanitizer (ASan's own handler reports)";
#else
  const auto dir = std::filesystem::temp_directory_path() / ("crash_guard_test." + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const std::string path = (dir / "nested" / "crash-RUNTIME-7.repro").string();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    crash_guard_arm(path, kHead, kTail);
    crashing_run();
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child must still die of the signal";
  EXPECT_EQ(WTERMSIG(status), SIGSEGV);
  std::ifstream in(path);
  ASSERT_TRUE(in) << path << " was not written";
  std::stringstream ss;
  ss << in.rdbuf();
  Repro r;
  std::string error;
  ASSERT_TRUE(parse_repro(ss.str(), path, &r, &error)) << error << "\n" << ss.str();
  EXPECT_EQ(r.finding, "RUNTIME");
  EXPECT_EQ(r.message, "crash: SIGSEGV in the runtime under test (written by the explorer's crash handler)");
  EXPECT_EQ(r.seed, 7u);
  EXPECT_GT(r.log.size(), 2u) << "the decisions drawn before the fault";
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::filesystem::remove_all(dir);
#endif
}

TEST(CrashGuard, DisarmedWritesNothing) {
#if defined(TS_TEST_ASAN)
  GTEST_SKIP() << "the crash guard is not installed under AddressSanitizer";
#else
  const auto dir = std::filesystem::temp_directory_path() / ("crash_guard_test.d." + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const std::string path = (dir / "x.repro").string();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    crash_guard_arm(path, kHead, kTail);
    crash_guard_disarm();
    crashing_run();
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(std::filesystem::exists(path));
#endif
}

}  // namespace
}  // namespace touchstone::cli
