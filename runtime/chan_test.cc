// Channel semantics: unbuffered rendezvous, buffered FIFO, close, exactly-once delivery.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "runtime/export_test.h"

namespace touchstone {
namespace {

using testing::RunMain;

TEST(Chan, UnbufferedRendezvous) {
  std::vector<int> got;
  RunMain(1, [&] {
    Chan<int> c;
    go([c] {
      for (int i = 0; i < 100; i++) c.send(i);
    });
    for (int i = 0; i < 100; i++) got.push_back(c.recv());
  });
  ASSERT_EQ(got.size(), 100u);
  for (int i = 0; i < 100; i++) EXPECT_EQ(got[i], i);
}

TEST(Chan, BufferedIsFifoAndBounded) {
  RunMain(2, [&] {
    Chan<int> c(3);
    EXPECT_EQ(c.cap(), 3u);
    c.send(1);
    c.send(2);
    c.send(3);
    EXPECT_EQ(c.len(), 3u);
    // A fourth send blocks until a receive makes room; the receiver sees FIFO order,
    // including the blocked sender's value moved into the buffer's tail.
    Chan<int> sent;
    go([c, sent] {
      c.send(4);
      sent.send(1);
    });
    for (int want = 1; want <= 4; want++) EXPECT_EQ(c.recv(), want);
    EXPECT_EQ(sent.recv(), 1);
    EXPECT_EQ(c.len(), 0u);
  });
}

TEST(Chan, CloseDeliversBufferedThenZeroFalse) {
  RunMain(1, [&] {
    Chan<int> c(2);
    c.send(7);
    c.send(8);
    c.close();
    auto [a, oka] = c.recv2();
    auto [b, okb] = c.recv2();
    auto [z, okz] = c.recv2();
    EXPECT_EQ(a, 7);
    EXPECT_TRUE(oka);
    EXPECT_EQ(b, 8);
    EXPECT_TRUE(okb);
    EXPECT_EQ(z, 0);
    EXPECT_FALSE(okz);
  });
}

TEST(Chan, CloseWakesAllBlockedReceivers) {
  int woken = 0;
  RunMain(2, [&] {
    Chan<int> c;
    Chan<bool> oks(10);
    for (int i = 0; i < 10; i++) {
      go([c, oks] { oks.send(c.recv2().second); });
    }
    // Wait until all ten are blocked, then close.
    for (int i = 0; i < 1000; i++) gosched();
    c.close();
    for (int i = 0; i < 10; i++) woken += oks.recv() ? 0 : 1;
  });
  EXPECT_EQ(woken, 10);
}

// Many senders and receivers on several Ps: every value is delivered exactly once.
TEST(Chan, ExactlyOnceDeliveryUnderContention) {
  for (std::size_t cap : {std::size_t(0), std::size_t(1), std::size_t(16)}) {
    constexpr int kSenders = 8, kPer = 2000, kReceivers = 6;
    std::vector<std::atomic<int>> seen(kSenders * kPer);
    RunMain(4, [&] {
      Chan<int> c(cap);
      WaitGroup senders, receivers;
      senders.add(kSenders);
      receivers.add(kReceivers);
      for (int s = 0; s < kSenders; s++) {
        go([c, s, senders] {
          for (int i = 0; i < kPer; i++) c.send(s * kPer + i);
          senders.done();
        });
      }
      for (int r = 0; r < kReceivers; r++) {
        go([c, &seen, receivers] {
          for (;;) {
            auto [v, ok] = c.recv2();
            if (!ok) break;
            seen[v].fetch_add(1, std::memory_order_relaxed);
          }
          receivers.done();
        });
      }
      senders.wait();
      c.close();
      receivers.wait();
    });
    for (int i = 0; i < kSenders * kPer; i++) ASSERT_EQ(seen[i].load(), 1) << "cap=" << cap << " value " << i;
  }
}

TEST(ChanDeathTest, SendOnClosedChannelPanics) {
  EXPECT_EXIT(RunMain(1,
                  [] {
                    Chan<int> c(1);
                    c.close();
                    c.send(1);
                  }),
              ::testing::ExitedWithCode(2), "panic: send on closed channel");
}

TEST(ChanDeathTest, BlockedSenderPanicsWhenClosed) {
  EXPECT_EXIT(RunMain(1,
                  [] {
                    Chan<int> c;
                    go([c] { c.send(1); });
                    gosched();  // the sender blocks
                    c.close();
                    gosched();
                    for (;;) gosched();
                  }),
              ::testing::ExitedWithCode(2), "panic: send on closed channel");
}

TEST(ChanDeathTest, CloseOfClosedChannelPanics) {
  EXPECT_EXIT(RunMain(1,
                  [] {
                    Chan<int> c;
                    c.close();
                    c.close();
                  }),
              ::testing::ExitedWithCode(2), "panic: close of closed channel");
}

TEST(SyncDeathTest, UnlockOfUnlockedMutexIsFatal) {
  EXPECT_EXIT(RunMain(1,
                      [] {
                        Mutex mu;
                        mu.lock();
                        mu.unlock();
                        mu.unlock();
                      }),
              ::testing::ExitedWithCode(2), "fatal error: sync: unlock of unlocked mutex");
}

TEST(SyncDeathTest, NegativeWaitGroupCounterPanics) {
  EXPECT_EXIT(RunMain(1,
                      [] {
                        WaitGroup wg;
                        wg.add(1);
                        wg.done();
                        wg.done();
                      }),
              ::testing::ExitedWithCode(2), "panic: sync: negative WaitGroup counter");
}

}  // namespace
}  // namespace touchstone
