// sysmon: a P is retaken from a G blocked in a syscall, and a busy G is preempted.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>

#include "runtime/export_test.h"

namespace touchstone {
namespace {

using testing::RunMain;

// With one P, another G can run during a blocking syscall only if the P is handed off:
// sysmon retakes it after a tick.
TEST(Sysmon, RetakesPFromBlockingSyscall) {
  bool otherRanDuringSyscall = false;
  testing::Recorder rec;
  Config cfg;
  cfg.procs = 1;
  cfg.trace = &rec;
  RunMain(cfg, [&] {
    std::atomic<bool> flag{false};
    Chan<int> done;
    go([&flag, done] {
      flag.store(true);
      done.send(1);
    });
    syscall([&] {
      for (int i = 0; i < 2000 && !flag.load(); i++) platform::usleep(1000);
    });
    otherRanDuringSyscall = flag.load();
    done.recv();
  });
  EXPECT_TRUE(otherRanDuringSyscall);
  int retakes = 0;
  for (const auto& ev : rec.events()) retakes += ev.kind == runtime::EvKind::Retake;
  EXPECT_GE(retakes, 1);
}

// entersyscallblock hands the P off at once: works even without sysmon.
TEST(Sysmon, BlockingSyscallHandsOffWithoutSysmon) {
  bool otherRan = false;
  Config cfg;
  cfg.procs = 1;
  cfg.sysmon = false;
  RunMain(cfg, [&] {
    std::atomic<bool> flag{false};
    go([&flag] { flag.store(true); });
    syscall_blocking([&] {
      for (int i = 0; i < 5000 && !flag.load(); i++) platform::usleep(1000);
    });
    otherRan = flag.load();
  });
  EXPECT_TRUE(otherRan);
}

// A short syscall gets its P back on the fast path.
TEST(Sysmon, ShortSyscallKeepsItsP) {
  int n = 0;
  RunMain(2, [&] {
    for (int i = 0; i < 1000; i++) n += syscall([] { return 1; });
  });
  EXPECT_EQ(n, 1000);
}

// A G spinning on preempt_check yields only when asked: sysmon asks after 10ms.
TEST(Sysmon, PreemptsLongRunningG) {
  bool stopped = false;
  testing::Recorder rec;
  Config cfg;
  cfg.procs = 1;
  cfg.trace = &rec;
  RunMain(cfg, [&] {
    std::atomic<bool> flag{false};
    WaitGroup wg;
    wg.add(1);
    go([&flag, wg] {
      flag.store(true);
      wg.done();
    });
    // With one P the other G runs only if sysmon preempts this busy loop.
    while (!flag.load(std::memory_order_relaxed)) preempt_check();
    stopped = true;
    wg.wait();
  });
  EXPECT_TRUE(stopped);
  int preempts = 0;
  for (const auto& ev : rec.events()) preempts += ev.kind == runtime::EvKind::PreemptRequest && ev.a == 1;
  EXPECT_GE(preempts, 1);
}

}  // namespace
}  // namespace touchstone
