// conformance/import/go/gotrace_test.cc — tests of the Go trace reader (gotrace.h).
//
// Real traces: testdata/<program>.<go|gccgo>.trace, written on this machine by the programs
// testdata/<program>.go built with Go 1.19 and with gccgo 12 (testdata/regen.sh), with
// `go tool trace -d`'s parse of each beside it (<program>.<toolchain>.gotool.txt). The tests
// need neither toolchain. They check:
//   * our events equal Go's own parser's, event by event, and in Go's order up to ties between
//     equal timestamps (Go breaks those by map iteration order);
//   * facts the programs determine: goroutines created, GOMAXPROCS values, GC cycles, the
//     blocking system call;
//   * facts any consistent order has: per-G sequence numbers never go back, a G starts only
//     after it is created, G and P histories follow Go's state machine (as Go's
//     postProcessTrace checks it), no goroutine starts while the world is stopped;
//   * that the order does not depend on the order in which batches appear in the file.
// Hand-built traces check each error message and the ordering rules; truncations and bit
// flips of the real traces check that bad input is an error value with an offset.
#include "conformance/import/go/gotrace.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace touchstone::gotrace {
namespace {

// The checked-in traces, or a fresh set (testdata/regen.sh with REGEN_OUT=DIR).
const std::string kTestdata = std::getenv("TOUCHSTONE_GOTRACE_TESTDATA") != nullptr
                                  ? std::getenv("TOUCHSTONE_GOTRACE_TESTDATA")
                                  : TOUCHSTONE_GOTRACE_TESTDATA;

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

Trace load(const std::string& name) {
  Trace t;
  std::string err;
  EXPECT_TRUE(parse_file(kTestdata + "/" + name + ".trace", &t, &err)) << err;
  return t;
}

// "offset N: ..." with N <= size.
void expect_offset_error(const std::string& err, std::size_t size) {
  unsigned long long off = 0;
  int used = 0;
  ASSERT_EQ(std::sscanf(err.c_str(), "offset %llu: %n", &off, &used), 1) << err;
  ASSERT_GT(used, 0) << err;
  EXPECT_LE(off, size) << err;
}

// ---- the real traces ---------------------------------------------------------------------------

const char* const kPrograms[] = {"chan", "mutex", "syscall", "procs", "gc", "misc"};
const char* const kToolchains[] = {"go", "gccgo"};

std::vector<std::string> all_traces() {
  std::vector<std::string> v;
  for (const char* p : kPrograms) {
    for (const char* tc : kToolchains) v.push_back(std::string(p) + "." + tc);
  }
  return v;
}

class RealTrace : public ::testing::TestWithParam<std::string> {};

TEST_P(RealTrace, HeaderVersionAndSize) {
  const std::string name = GetParam();
  const std::vector<std::uint8_t> bytes = read_bytes(kTestdata + "/" + name + ".trace");
  EXPECT_LE(bytes.size(), 65536u) << "keep checked-in traces small";
  const Trace t = load(name);
  const bool gccgo = name.find(".gccgo") != std::string::npos;
  EXPECT_EQ(t.version, gccgo ? kVersionGccgo12 : kVersionGo119);
  EXPECT_GT(t.ticks_per_sec, 0);
  EXPECT_FALSE(t.events.empty());
  EXPECT_FALSE(t.stacks.empty());
  EXPECT_FALSE(t.strings.empty());
}

// Go's own parse, event by event: the same events with the same fields, and the same order
// except among events with equal timestamps. Go moves some events onto fake Ps for its viewer
// (TimerP, NetpollP, SyscallP, GCP: 1000001..1000004); we keep the batch's P, so for those lines
// the P is not compared.
TEST_P(RealTrace, MatchesGoToolTraceD) {
  const std::string name = GetParam();
  Trace t = load(name);
  remove_futile(&t);  // as Go's Parse does
  const std::vector<std::string> go = read_lines(kTestdata + "/" + name + ".gotool.txt");
  ASSERT_EQ(go.size(), t.events.size());
  std::map<std::uint64_t, std::string> ours;  // by offset
  for (const Event& e : t.events) ours[e.offset] = dump_event(t, e);
  auto field = [](const std::string& l, const std::string& key) {
    const auto k = l.find(" " + key + "=");
    EXPECT_NE(k, std::string::npos) << l;
    const auto v = k + key.size() + 2;
    return l.substr(v, l.find(' ', v) - v);
  };
  auto without_p = [&](const std::string& l) {
    const auto k = l.find(" p=");
    return l.substr(0, k) + l.substr(l.find(' ', k + 1));
  };
  std::multiset<std::string> go_tie, our_tie;  // the current group of equal timestamps
  std::string tie_ns;
  std::size_t ties = 0;
  for (std::size_t i = 0; i < go.size(); i++) {
    const std::string& g = go[i];
    const std::uint64_t off = std::stoull(field(g, "off"));
    ASSERT_TRUE(ours.count(off)) << "Go has an event at offset " << off << " that we do not: " << g;
    const std::string& o = ours[off];
    if (std::stoll(field(g, "p")) >= 1000000) {
      EXPECT_EQ(without_p(o), without_p(g));
    } else {
      EXPECT_EQ(o, g);
    }
    // Order: the i-th timestamps agree, and each group of equal timestamps holds the same events.
    const std::string ns = g.substr(0, g.find(' '));
    const std::string& mine = dump_event(t, t.events[i]);
    ASSERT_EQ(mine.substr(0, mine.find(' ')), ns) << "event " << i << ": Go has " << g << ", we have " << mine;
    if (ns != tie_ns) {
      EXPECT_EQ(go_tie, our_tie) << "events at " << tie_ns << " ns differ";
      go_tie.clear();
      our_tie.clear();
      tie_ns = ns;
    } else {
      ties++;
    }
    go_tie.insert(without_p(g));
    our_tie.insert(without_p(mine));
  }
  EXPECT_EQ(go_tie, our_tie);
  (void)ties;
}

// Per sequence (a G, or the GC cycles) the numbers never go back along the merged order, and
// every event that carries an explicit seq lands exactly one past it.
TEST_P(RealTrace, SequenceNumbersAdvanceInOrder) {
  const Trace t = load(GetParam());
  std::map<std::uint64_t, std::uint64_t> last;
  std::size_t explicit_seqs = 0;
  for (const Event& e : t.events) {
    if (e.order_g == kUnordered) continue;
    auto [it, fresh] = last.emplace(e.order_g, e.seq);
    if (!fresh) {
      EXPECT_GE(e.seq, it->second) << dump_event(t, e);
      it->second = e.seq;
    }
    switch (e.raw_type) {
      case EvType::GoStart:
      case EvType::GoStartLabel:
      case EvType::GoUnblock:
      case EvType::GoSysExit:
        EXPECT_EQ(e.seq, e.args[1] + 1) << dump_event(t, e);
        explicit_seqs++;
        break;
      case EvType::GCStart:
        EXPECT_EQ(e.order_g, kGCSeq);
        EXPECT_EQ(e.seq, e.args[0] + 1);
        break;
      case EvType::GoCreate:
        EXPECT_EQ(e.order_g, e.args[0]);
        EXPECT_EQ(e.seq, 1u);
        break;
      case EvType::GoStartLocal:
        EXPECT_EQ(e.type, EvType::GoStart);
        EXPECT_EQ(e.order_g, e.g);
        break;
      default:
        break;
    }
  }
  EXPECT_GT(last.size(), 1u);
  (void)explicit_seqs;
}

// Timestamps are non-decreasing along the merged order (Go refuses traces where they are not),
// and a created G starts only after its creation.
TEST_P(RealTrace, TimeOrderAndCreateBeforeStart) {
  const Trace t = load(GetParam());
  std::set<std::uint64_t> created, started_before_create;
  std::set<std::uint64_t> existing_at_start;  // GoCreate with no G (trace start's dump)
  for (std::size_t i = 0; i < t.events.size(); i++) {
    const Event& e = t.events[i];
    if (i > 0) {
      EXPECT_GE(e.ticks, t.events[i - 1].ticks);
      EXPECT_GE(e.ns, t.events[i - 1].ns);
    }
    if (e.type == EvType::GoCreate) {
      EXPECT_TRUE(created.insert(e.args[0]).second) << "g " << e.args[0] << " created twice";
      if (e.g == kNoG) existing_at_start.insert(e.args[0]);
    }
    if (e.type == EvType::GoStart || e.type == EvType::GoStartLabel) {
      EXPECT_TRUE(created.count(e.g)) << "g " << e.g << " starts before its GoCreate: " << dump_event(t, e);
    }
  }
  EXPECT_EQ(t.events.front().ns, 0);
  EXPECT_FALSE(existing_at_start.empty());
}

// The merged stream follows Go's goroutine and processor state machine (the checks of
// postProcessTrace in Go's parser, written again here): an independent witness that the order is
// consistent. It also checks that the P stopping the world starts no goroutine until the world
// restarts (GCSTWStart..GCSTWDone). Other Ps may: Go writes GCSTWStart *before*
// stopTheWorldWithSema, so a P that passed its gcwaiting check may still start a G after it.
TEST_P(RealTrace, HistoriesAreConsistent) {
  const Trace t = load(GetParam());
  enum St { kDead, kRunnable, kRunning, kWaiting };
  std::map<std::uint64_t, St> gs;
  gs[kNoG] = kRunning;
  struct P {
    bool running = false;
    std::uint64_t g = kNoG;
  };
  std::map<std::int64_t, P> ps;
  bool stw = false, gc = false;
  std::int64_t stw_p = 0;
  for (const Event& e : t.events) {
    const std::string what = dump_event(t, e);
    St& g = gs[e.g];
    P& p = ps[e.p];
    auto running_here = [&](bool allow_g0) {
      EXPECT_EQ(g, kRunning) << what;
      EXPECT_EQ(p.g, e.g) << what;
      if (!allow_g0) {
        EXPECT_NE(e.g, kNoG) << what;
      }
    };
    switch (e.type) {
      case EvType::ProcStart:
        EXPECT_FALSE(p.running) << what;
        p.running = true;
        break;
      case EvType::ProcStop:
        EXPECT_TRUE(p.running) << what;
        EXPECT_EQ(p.g, kNoG) << what;
        p.running = false;
        break;
      case EvType::GCStart:
        EXPECT_FALSE(gc) << what;
        gc = true;
        break;
      case EvType::GCDone:
        EXPECT_TRUE(gc) << what;
        gc = false;
        break;
      case EvType::GCSTWStart:
        EXPECT_FALSE(stw) << what;
        stw = true;
        stw_p = e.p;
        break;
      case EvType::GCSTWDone:
        EXPECT_TRUE(stw) << what;
        stw = false;
        break;
      case EvType::GoWaiting:
      case EvType::GoInSyscall:
        EXPECT_EQ(g, kRunnable) << what;
        g = kWaiting;
        break;
      case EvType::GoCreate:
        running_here(true);
        EXPECT_EQ(gs.count(e.args[0]), 0u) << what;
        gs[e.args[0]] = kRunnable;
        break;
      case EvType::GoStart:
      case EvType::GoStartLabel:
        EXPECT_FALSE(stw && e.p == stw_p) << "the P stopping the world starts a goroutine: " << what;
        EXPECT_EQ(g, kRunnable) << what;
        EXPECT_EQ(p.g, kNoG) << what;
        g = kRunning;
        p.g = e.g;
        break;
      case EvType::GoEnd:
      case EvType::GoStop:
        running_here(false);
        g = kDead;
        p.g = kNoG;
        break;
      case EvType::GoSched:
      case EvType::GoPreempt:
        running_here(false);
        g = kRunnable;
        p.g = kNoG;
        break;
      case EvType::GoUnblock: {
        EXPECT_EQ(g, kRunning) << what;
        EXPECT_EQ(p.g, e.g) << what;
        St& g1 = gs[e.args[0]];
        EXPECT_EQ(g1, kWaiting) << what;
        g1 = kRunnable;
        break;
      }
      case EvType::GoSysCall:
        running_here(false);
        break;
      case EvType::GoSysBlock:
        running_here(false);
        g = kWaiting;
        p.g = kNoG;
        break;
      case EvType::GoSysExit:
        EXPECT_EQ(g, kWaiting) << what;
        g = kRunnable;
        break;
      case EvType::GoSleep:
      case EvType::GoBlock:
      case EvType::GoBlockSend:
      case EvType::GoBlockRecv:
      case EvType::GoBlockSelect:
      case EvType::GoBlockSync:
      case EvType::GoBlockCond:
      case EvType::GoBlockNet:
      case EvType::GoBlockGC:
        running_here(false);
        g = kWaiting;
        p.g = kNoG;
        break;
      default:
        break;
    }
    if (::testing::Test::HasFailure()) return;  // one report, not a cascade
  }
}

// Writing the batches in another order (as the runtime may flush them) changes nothing but
// offsets: the order comes from the per-P queues and the sequence numbers.
TEST_P(RealTrace, OrderDoesNotDependOnBatchPlacement) {
  const std::string name = GetParam();
  const std::vector<std::uint8_t> bytes = read_bytes(kTestdata + "/" + name + ".trace");
  // Split after the header at each Batch event: chunks[0] is whatever precedes the first batch.
  std::vector<std::size_t> cuts;
  std::size_t pos = kHeaderSize;
  auto varint = [&]() {
    std::uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
      const std::uint8_t b = bytes.at(pos++);
      v |= std::uint64_t(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) break;
    }
    return v;
  };
  while (pos < bytes.size()) {
    const std::size_t at = pos;
    const std::uint8_t b = bytes[pos++];
    const int typ = b & 0x3f;
    const int narg = (b >> 6) + 1;
    if (typ == int(EvType::Batch)) cuts.push_back(at);
    if (typ == int(EvType::String)) {
      varint();
      pos += varint();
    } else if (narg < 4) {
      for (int i = 0; i < narg; i++) varint();
    } else {
      const std::uint64_t len = varint();
      pos += len;
    }
    if (typ == int(EvType::UserLog)) pos += varint();
  }
  ASSERT_GE(cuts.size(), 2u);
  std::vector<std::vector<std::uint8_t>> chunks;
  std::vector<std::uint8_t> head(bytes.begin(), bytes.begin() + std::ptrdiff_t(cuts[0]));
  for (std::size_t i = 0; i < cuts.size(); i++) {
    const std::size_t end = i + 1 < cuts.size() ? cuts[i + 1] : bytes.size();
    chunks.emplace_back(bytes.begin() + std::ptrdiff_t(cuts[i]), bytes.begin() + std::ptrdiff_t(end));
  }
  // Reverse the batches of different Ps, keeping each P's own batches in order: move every chunk
  // to the front in reverse order of P's first appearance... simplest stable choice: sort the
  // chunks by P descending (stable, so one P's batches keep their order).
  auto p_of = [](const std::vector<std::uint8_t>& c) {
    std::size_t i = 1;
    std::uint64_t v = 0;
    for (int k = 0; k < 10; k++) {
      const std::uint8_t b = c.at(i++);
      v |= std::uint64_t(b & 0x7f) << (7 * k);
      if (!(b & 0x80)) break;
    }
    return std::int64_t(v);
  };
  // The footer (Frequency, stacks...) is in the last chunk; Frequency is not per P, so moving it
  // is harmless.
  std::stable_sort(chunks.begin(), chunks.end(), [&](const auto& a, const auto& b) { return p_of(a) > p_of(b); });
  std::vector<std::uint8_t> shuffled = head;
  for (const auto& c : chunks) shuffled.insert(shuffled.end(), c.begin(), c.end());
  ASSERT_EQ(shuffled.size(), bytes.size());
  Trace a, b;
  std::string err;
  ASSERT_TRUE(parse(bytes, &a, &err)) << err;
  ASSERT_TRUE(parse(shuffled, &b, &err)) << err;
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); i++) {
    const Event& x = a.events[i];
    const Event& y = b.events[i];
    EXPECT_TRUE(x.type == y.type && x.p == y.p && x.g == y.g && x.ticks == y.ticks && x.args[0] == y.args[0] &&
                x.args[1] == y.args[1] && x.args[2] == y.args[2] && x.stack == y.stack && x.seq == y.seq)
        << "event " << i << ": " << dump_event(a, x) << " vs " << dump_event(b, y);
  }
}

// Every prefix of a real trace parses or fails with an offset inside it; no prefix crashes.
// Prefixes that stop before the Frequency event (Go writes it in the footer) must fail.
TEST_P(RealTrace, TruncationsAreErrorsWithOffsets) {
  const std::vector<std::uint8_t> bytes = read_bytes(kTestdata + "/" + GetParam() + ".trace");
  std::size_t failures = 0;
  // At most ~100 prefixes per trace (the test runs in Debug and under sanitizers).
  const std::size_t step = std::max<std::size_t>(1, bytes.size() / 100);
  for (std::size_t n = 0; n < bytes.size(); n += step) {
    Trace t;
    std::string err;
    const std::span<const std::uint8_t> prefix(bytes.data(), n);
    if (!parse(prefix, &t, &err)) {
      failures++;
      expect_offset_error(err, n);
      EXPECT_TRUE(t.events.empty());
    }
  }
  EXPECT_GT(failures, bytes.size() / step / 2);
  Trace t;
  std::string err;
  EXPECT_FALSE(parse(std::span<const std::uint8_t>(bytes.data(), 10), &t, &err));
  EXPECT_EQ(err, "offset 10: expected a Go trace header \"go 1.19 trace\\0\\0\\0\" or \"go 1.11 trace\\0\\0\\0\", "
                 "input ends after 10 bytes");
}

// Flipping any one bit of a small trace never crashes; a rejection names an offset in range.
TEST_P(RealTrace, BitFlipsAreErrorsOrTraces) {
  std::vector<std::uint8_t> bytes = read_bytes(kTestdata + "/" + GetParam() + ".trace");
  std::size_t rejected = 0, tried = 0;
  // Spread positions, fewer for larger traces (the test runs in Debug and under sanitizers):
  // about 100,000 / size of them, at least 8.
  const std::size_t positions = std::min(bytes.size(), std::max<std::size_t>(8, 100000 / bytes.size()));
  const std::size_t step = std::max<std::size_t>(1, bytes.size() / positions);
  for (std::size_t i = 0; i < bytes.size(); i += step) {
    for (int bit = 0; bit < 8; bit++) {
      bytes[i] ^= std::uint8_t(1u << bit);
      Trace t;
      std::string err;
      tried++;
      if (!parse(bytes, &t, &err)) {
        rejected++;
        expect_offset_error(err, bytes.size());
      }
      bytes[i] ^= std::uint8_t(1u << bit);
    }
  }
  EXPECT_GT(rejected, 0u);
  EXPECT_LT(rejected, tried);  // many flips (timestamps, stack PCs) leave a valid trace
}

INSTANTIATE_TEST_SUITE_P(Testdata, RealTrace, ::testing::ValuesIn(all_traces()),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '.', '_');
                           return s;
                         });

// ---- what the programs did -----------------------------------------------------------------

// The goroutines the program created: GoCreate by the main goroutine (g 1 in both runtimes)
// whose creating stack has no runtime frame (the runtime creates goroutines on main's behalf:
// runtime/trace.Start's reader, the GC's mark workers). gc names frames "runtime.x" and
// "runtime/trace.Start"; gccgo "runtime.x" and "runtime_1trace.Start", and its stacks stop at
// `__go_go` (the user's frames are not in gccgo's traces at all).
std::vector<std::uint64_t> program_creates(const Trace& t) {
  std::vector<std::uint64_t> v;
  for (const Event& e : t.events) {
    if (e.type != EvType::GoCreate || e.g != 1) continue;
    bool runtime_frame = false;
    if (const auto* s = t.stack(e.stack)) {
      for (const Frame& f : *s) {
        if (t.str(f.fn).rfind("runtime", 0) == 0) runtime_frame = true;
      }
    }
    if (!runtime_frame) v.push_back(e.args[0]);
  }
  return v;
}

std::size_t count(const Trace& t, EvType type) {
  return std::size_t(std::count_if(t.events.begin(), t.events.end(), [&](const Event& e) { return e.type == type; }));
}

class Program : public ::testing::TestWithParam<const char*> {
 protected:
  Trace load_program(const char* program) { return load(std::string(program) + "." + GetParam()); }
};

TEST_P(Program, ChanCreatesFiveProducers) {
  const Trace t = load_program("chan");
  EXPECT_EQ(program_creates(t).size(), 5u);
  // Main receives 17 values from goroutines it just created: someone blocks on a channel, and
  // every channel block is unblocked (all values arrive before the trace stops).
  const std::size_t blocks = count(t, EvType::GoBlockRecv) + count(t, EvType::GoBlockSend);
  EXPECT_GE(blocks, 1u);
  EXPECT_GE(count(t, EvType::GoUnblock), blocks);
}

TEST_P(Program, MutexBlocksOnTheMutex) {
  const Trace t = load_program("mutex");
  EXPECT_EQ(program_creates(t).size(), 4u);
  EXPECT_GE(count(t, EvType::GoBlockSync), 1u);  // main holds the lock for 10 ms while they start
  EXPECT_GE(count(t, EvType::GoSched), 80u);     // 4 goroutines x 20 iterations x runtime.Gosched
}

TEST_P(Program, SyscallBlocksThenExits) {
  const Trace t = load_program("syscall");
  const std::vector<std::uint64_t> created = program_creates(t);
  ASSERT_EQ(created.size(), 1u);
  const std::uint64_t reader = created[0];
  // The reader's own history: GoSysCall, GoSysBlock (P retaken), GoSysExit, then it runs again.
  std::vector<EvType> h;
  for (const Event& e : t.events) {
    const bool about = e.type == EvType::GoSysExit || e.type == EvType::GoUnblock ? e.args[0] == reader
                                                                                  : e.g == reader;
    if (about) h.push_back(e.type);
  }
  const auto call = std::find(h.begin(), h.end(), EvType::GoSysCall);
  ASSERT_NE(call, h.end());
  ASSERT_EQ(call + 1 < h.end() ? call[1] : EvType::None, EvType::GoSysBlock);
  ASSERT_EQ(call + 2 < h.end() ? call[2] : EvType::None, EvType::GoSysExit);
  ASSERT_EQ(call + 3 < h.end() ? call[3] : EvType::None, EvType::GoStart);
  EXPECT_EQ(std::count_if(t.events.begin(), t.events.end(),
                          [](const Event& e) { return e.type == EvType::GoSleep && e.g == 1; }),
            1);  // main's time.Sleep
}

TEST_P(Program, ProcsSeesEveryGomaxprocsChange) {
  const Trace t = load_program("procs");
  EXPECT_EQ(program_creates(t).size(), 4u);
  std::vector<std::uint64_t> procs;
  std::uint64_t current = 0;
  for (const Event& e : t.events) {
    if (e.type == EvType::Gomaxprocs) {
      procs.push_back(e.args[0]);
      current = e.args[0];
    }
    // While GOMAXPROCS is 1 only P 0 exists.
    if (current == 1 && e.type == EvType::GoStart) {
      EXPECT_EQ(e.p, 0) << dump_event(t, e);
    }
  }
  EXPECT_EQ(procs, (std::vector<std::uint64_t>{2, 1, 3, 2}));
}

TEST_P(Program, GcRunsOneCycle) {
  const Trace t = load_program("gc");
  EXPECT_EQ(program_creates(t).size(), 0u);
  EXPECT_EQ(count(t, EvType::GCStart), 1u);
  EXPECT_EQ(count(t, EvType::GCDone), 1u);
  // Two stop-the-world phases per cycle: sweep termination (kind 1), then mark termination (0).
  std::vector<std::uint64_t> kinds;
  for (const Event& e : t.events) {
    if (e.type == EvType::GCSTWStart) kinds.push_back(e.args[0]);
  }
  EXPECT_EQ(kinds, (std::vector<std::uint64_t>{1, 0}));
  EXPECT_EQ(count(t, EvType::GCSTWDone), 2u);
  // GOMAXPROCS is re-announced when each stop-the-world ends (procresize), plus once at start.
  EXPECT_EQ(count(t, EvType::Gomaxprocs), 3u);
  EXPECT_GE(count(t, EvType::GoStartLabel), 1u);  // the mark workers run with labels
}

TEST_P(Program, MiscBlocksEveryOtherWay) {
  const Trace t = load_program("misc");
  EXPECT_EQ(program_creates(t).size(), 4u);
  EXPECT_GE(count(t, EvType::GoBlockSelect), 1u);
  EXPECT_GE(count(t, EvType::GoBlockNet), 1u);  // Accept or Read on the loopback connection
  EXPECT_EQ(count(t, EvType::GoBlockCond), 1u);
  if (t.version == kVersionGo119) {
    // 100 ms of CPU at the profiler's 100 Hz: samples, ordered by their own timestamps, each on
    // a real P or none (-1).
    EXPECT_GE(count(t, EvType::CPUSample), 1u);
    for (const Event& e : t.events) {
      if (e.type == EvType::CPUSample) {
        EXPECT_GE(e.p, -1);
        EXPECT_LT(e.p, 2);
      }
    }
  } else {
    EXPECT_EQ(count(t, EvType::CPUSample), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Toolchains, Program, ::testing::Values("go", "gccgo"));

// ---- hand-built traces -------------------------------------------------------------------------

// A writer for the format, for tests: the encoder Go's runtime uses.
struct Builder {
  std::vector<std::uint8_t> b;
  explicit Builder(const char* header = "go 1.19 trace") {
    b.assign(header, header + std::strlen(header));
    b.resize(kHeaderSize, 0);
  }
  static void varint(std::vector<std::uint8_t>* out, std::uint64_t v) {
    while (v >= 0x80) {
      out->push_back(std::uint8_t(v | 0x80));
      v >>= 7;
    }
    out->push_back(std::uint8_t(v));
  }
  // An event with these values (timestamp delta first where the type has one).
  Builder& ev(EvType t, std::vector<std::uint64_t> vals) {
    if (vals.size() < 4 && !vals.empty()) {
      b.push_back(std::uint8_t(int(t) | int(vals.size() - 1) << 6));
      for (auto v : vals) varint(&b, v);
    } else {
      b.push_back(std::uint8_t(int(t) | 3 << 6));
      std::vector<std::uint8_t> body;
      for (auto v : vals) varint(&body, v);
      varint(&b, body.size());
      b.insert(b.end(), body.begin(), body.end());
    }
    return *this;
  }
  Builder& str(std::uint64_t id, const std::string& s) {
    b.push_back(std::uint8_t(EvType::String));
    varint(&b, id);
    varint(&b, s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Builder& batch(std::uint64_t p, std::uint64_t ticks) { return ev(EvType::Batch, {p, ticks}); }
  Builder& freq(std::uint64_t f = 1000000000) { return ev(EvType::Frequency, {f}); }
};

std::string parse_error(const std::vector<std::uint8_t>& bytes, const Options& opt = {}) {
  Trace t;
  std::string err;
  if (parse(bytes, &t, &err, opt)) return "(parsed)";
  EXPECT_TRUE(t.events.empty());
  expect_offset_error(err, bytes.size());
  return err;
}

// The smallest meaningful trace: one P creates g 2 and starts it.
Builder minimal() {
  Builder w;
  w.batch(0, 100)
      .ev(EvType::ProcStart, {1, 7})
      .ev(EvType::GoCreate, {1, 2, 0, 0})
      .ev(EvType::GoStartLocal, {1, 2})
      .ev(EvType::GoEnd, {1})
      .freq();
  return w;
}

TEST(GoTraceParse, Minimal) {
  Trace t;
  std::string err;
  ASSERT_TRUE(parse(minimal().b, &t, &err)) << err;
  ASSERT_EQ(t.events.size(), 4u);
  EXPECT_EQ(t.events[0].type, EvType::ProcStart);
  EXPECT_EQ(t.events[0].ticks, 101);
  EXPECT_EQ(t.events[1].type, EvType::GoCreate);
  EXPECT_EQ(t.events[2].type, EvType::GoStart);
  EXPECT_EQ(t.events[2].raw_type, EvType::GoStartLocal);
  EXPECT_EQ(t.events[2].g, 2u);
  EXPECT_EQ(t.events[2].seq, 2u);
  EXPECT_EQ(t.events[3].type, EvType::GoEnd);
  EXPECT_EQ(t.events[3].g, 2u);
  EXPECT_EQ(t.events[3].ns, 3);  // 1 GHz: one tick is a nanosecond; ticks 101..104
  EXPECT_EQ(dump(t).substr(0, dump(t).find('\n')), "go trace version 1.19, 4 events, 1000000000 ticks/s, 0 strings, 0 stacks");
  EXPECT_EQ(dump_event(t, t.events[2]), "2 GoStart p=0 g=2 off=" + std::to_string(t.events[2].offset) + " g=2 seq=0");
}

TEST(GoTraceParse, GccgoHeaderAndNothingNewer) {
  Builder w("go 1.11 trace");
  const Builder m = minimal();
  w.b.insert(w.b.end(), m.b.begin() + kHeaderSize, m.b.end());
  Trace t;
  std::string err;
  ASSERT_TRUE(parse(w.b, &t, &err)) << err;
  EXPECT_EQ(t.version, 1011);
  // CPUSample appeared in 1.19.
  Builder c("go 1.11 trace");
  c.batch(0, 1).ev(EvType::CPUSample, {1, 5, 0, 1, 0}).freq();
  EXPECT_EQ(parse_error(c.b), "offset 19: expected an event type of version 1.11, got CPUSample (49), which "
                              "appeared in version 1.19");
}

TEST(GoTraceParse, HeaderErrors) {
  Builder v18("go 1.18 trace");
  EXPECT_EQ(parse_error(v18.b), "offset 0: unsupported Go trace version 1.18 (1018): this reader reads version 1.19 "
                                "(Go 1.19) and 1.11 (gccgo 12)");
  Builder v5("go 1.5 trace");
  EXPECT_EQ(parse_error(v5.b), "offset 0: unsupported Go trace version 1.5 (1005): this reader reads version 1.19 "
                               "(Go 1.19) and 1.11 (gccgo 12)");
  Builder bad("go 1.19 trace!");
  EXPECT_EQ(parse_error(bad.b), "offset 13: expected a Go trace header \"go 1.19 trace\\0\\0\\0\" or \"go 1.11 "
                                "trace\\0\\0\\0\": not a Go trace file");
  Builder tst("TSTRACE");
  EXPECT_EQ(parse_error(tst.b).rfind("offset 0: expected a Go trace header", 0), 0u);
  EXPECT_EQ(parse_error({}), "offset 0: expected a Go trace header \"go 1.19 trace\\0\\0\\0\" or \"go 1.11 "
                             "trace\\0\\0\\0\", input ends after 0 bytes");
}

TEST(GoTraceParse, EventErrors) {
  {
    Builder w;
    w.b.push_back(0);  // type 0
    EXPECT_EQ(parse_error(w.b), "offset 16: expected an event type 1..49, got 0 (byte 0x00)");
  }
  {
    Builder w;
    w.b.push_back(50 | 0x40);
    EXPECT_EQ(parse_error(w.b), "offset 16: expected an event type 1..49, got 50 (byte 0x72)");
  }
  {
    Builder w;
    w.batch(0, 1);
    w.b.push_back(std::uint8_t(EvType::GoStart) | 2 << 6);
    w.b.push_back(5);
    w.b.push_back(0x80);  // a varint cut by the end
    EXPECT_EQ(parse_error(w.b), "offset 21: expected value 1 of GoStart (event at offset 19), got end of input");
  }
  {
    Builder w;
    w.batch(0, 1);
    w.b.push_back(std::uint8_t(EvType::ProcStop));
    for (int i = 0; i < 11; i++) w.b.push_back(0xff);
    EXPECT_EQ(parse_error(w.b), "offset 20: expected value 0 of ProcStop (event at offset 19), got a varint longer "
                                "than 10 bytes");
  }
  {
    Builder w;
    w.batch(0, 1);
    w.b.push_back(std::uint8_t(EvType::GoCreate) | 3 << 6);
    w.b.push_back(100);  // length beyond the input
    w.b.push_back(1);
    EXPECT_EQ(parse_error(w.b), "offset 20: expected a length of at most the 1 bytes that remain for GoCreate (event "
                                "at offset 19), got 100");
  }
  {
    Builder w;
    w.batch(0, 1);
    w.b.push_back(std::uint8_t(EvType::GoCreate) | 3 << 6);
    w.b.push_back(2);  // length 2, but the second value runs past it
    w.b.push_back(1);
    w.b.push_back(0x81);
    w.b.push_back(0x01);
    EXPECT_EQ(parse_error(w.b), "offset 19: expected GoCreate's values to fill its length of 2 bytes, the last one "
                                "ends 1 bytes after it");
  }
  {
    Builder w;
    w.batch(0, 1).ev(EvType::GoStart, {1, 2}).freq();  // GoStart needs ts, g, seq
    EXPECT_EQ(parse_error(w.b), "offset 19: expected GoStart to have 3 values, got 2");
  }
  {
    Builder w;
    w.batch(0, 1).ev(EvType::GCSTWStart, {1, 2}).freq();
    EXPECT_EQ(parse_error(w.b), "offset 19: expected GCSTWStart's kind to be 0 (mark termination) or 1 (sweep "
                                "termination), got 2");
  }
  {
    Builder w;
    w.batch(0, 1).ev(EvType::ProcStart, {1, 0}).ev(EvType::Frequency, {0});
    EXPECT_EQ(parse_error(w.b), "offset 22: expected a positive tick frequency, got 0");
  }
  {
    Builder w;
    w.batch(0, 1).ev(EvType::ProcStart, {1, 0});
    EXPECT_EQ(parse_error(w.b), "offset 22: expected a Frequency event, got end of input");
  }
  {
    Builder w;
    w.freq();
    EXPECT_EQ(parse_error(w.b), "offset 22: expected at least one event in a batch, got end of input");
  }
  {
    Builder w;
    w.batch(0, 1).ev(EvType::Stack, {1, 1001}).freq();
    EXPECT_EQ(parse_error(w.b), "offset 19: expected a Stack of at most 1000 frames, got 1001");
  }
  {
    Builder w;
    w.batch(0, 1).ev(EvType::Stack, {1, 2, 10, 0, 0, 0}).freq();
    EXPECT_EQ(parse_error(w.b), "offset 19: expected Stack 1 of 2 frames to have 10 values, got 6");
  }
}

TEST(GoTraceParse, StringTable) {
  {
    Builder w;
    w.str(1, "main.main").str(2, "x.go");
    const Builder m = minimal();
    w.b.insert(w.b.end(), m.b.begin() + kHeaderSize, m.b.end());
    w.ev(EvType::Stack, {7, 1, 0x401000, 1, 2, 42});
    Trace t;
    std::string err;
    ASSERT_TRUE(parse(w.b, &t, &err)) << err;
    EXPECT_EQ(t.str(1), "main.main");
    EXPECT_EQ(t.str(3), "");
    ASSERT_NE(t.stack(7), nullptr);
    EXPECT_EQ(t.stack(7)->at(0).line, 42u);
    EXPECT_TRUE(t.stack_has(7, "main.main"));
    EXPECT_FALSE(t.stack_has(8, "main.main"));
  }
  {
    Builder w;
    w.str(0, "x");
    EXPECT_EQ(parse_error(w.b), "offset 17: expected a string id other than 0");
  }
  {
    Builder w;
    w.str(1, "x").str(1, "y");
    EXPECT_EQ(parse_error(w.b), "offset 21: expected a new string id, got 1 again");
  }
  {
    Builder w;
    w.str(1, "");
    EXPECT_EQ(parse_error(w.b), "offset 18: expected the length of String 1 (entry at offset 16) of 1..1000000, got 0");
  }
  {
    Builder w;
    w.b.push_back(std::uint8_t(EvType::String));
    w.b.push_back(1);
    Builder::varint(&w.b, 2000000);
    EXPECT_EQ(parse_error(w.b), "offset 18: expected the length of String 1 (entry at offset 16) of at most 1000000, "
                                "got 2000000");
  }
  {
    Builder w;
    w.b.push_back(std::uint8_t(EvType::String));
    w.b.push_back(1);
    w.b.push_back(50);
    w.b.push_back('a');
    EXPECT_EQ(parse_error(w.b), "offset 18: expected 50 bytes of string, got 1 before the end of input");
  }
}

// Sequence numbers order events across Ps against file order and against timestamps: P 1's
// batch comes first in the file and its GoStart of g 5 (seq 1) has an earlier timestamp than
// P 0's GoUnblock of g 5 that makes it runnable (seq 0 -> 1). The merge must put the unblock
// first; Go then refuses the timestamps, and require_time_order = false keeps the order.
TEST(GoTraceOrder, SequenceNumbersBeatTimestampsAndFileOrder) {
  Builder v;
  v.batch(1, 50)
      .ev(EvType::ProcStart, {1, 9})    // tick 51
      .ev(EvType::GoStart, {1, 5, 3})   // tick 52: needs g 5 runnable at seq 3
      .ev(EvType::GoEnd, {1});          // tick 53
  v.batch(0, 10)
      .ev(EvType::ProcStart, {1, 8})            // tick 11
      .ev(EvType::GoCreate, {1, 5, 0, 0})       // tick 12: g 5 runnable, seq 1
      .ev(EvType::GoStartLocal, {1, 5})         // tick 13: running, seq 2
      .ev(EvType::GoBlock, {1, 0})              // tick 14: waiting
      .ev(EvType::GoUnblock, {90, 5, 2, 0})     // tick 104: runnable, seq 3
      .freq();
  Trace t;
  std::string err;
  ASSERT_FALSE(parse(v.b, &t, &err));
  EXPECT_NE(err.find("expected time stamps in merged order (Go: \"time stamps out of order\"): GoStart at tick 52 "
                     "must follow GoUnblock at offset"),
            std::string::npos)
      << err;
  Options lax;
  lax.require_time_order = false;
  ASSERT_TRUE(parse(v.b, &t, &err, lax)) << err;
  std::vector<std::string> names;
  for (const Event& e : t.events) names.emplace_back(ev_name(e.type));
  // P 0 (ticks 11..) and P 1 (51..) interleave by time until P 1's GoStart must wait.
  EXPECT_EQ(names, (std::vector<std::string>{"ProcStart", "GoCreate", "GoStart", "GoBlock", "ProcStart", "GoUnblock",
                                             "GoStart", "GoEnd"}));
  EXPECT_EQ(t.events[6].p, 1);
  EXPECT_EQ(t.events[6].seq, 4u);
}

TEST(GoTraceOrder, NoConsistentOrderIsAnError) {
  Builder w;
  w.batch(0, 10)
      .ev(EvType::ProcStart, {1, 8})
      .ev(EvType::GoCreate, {1, 5, 0, 0})
      .ev(EvType::GoStart, {1, 5, 7})  // g 5 is runnable at seq 1, never at 7
      .freq();
  EXPECT_EQ(parse_error(w.b), "offset 28: expected an event that can be ordered: no consistent order of the 1 events "
                              "left exists; GoStart on P 0 needs g 5 runnable at seq 7, but g 5 is runnable at seq 1");
}

TEST(GoTraceOrder, TwoQueuesClaimingOneStepIsAnError) {
  // g 5 created on P 0; both P 0 and P 1 start it with GoStartLocal (any seq): whichever merges
  // second finds it running (Go panics: "event sequences are broken").
  Builder w;
  w.batch(0, 10).ev(EvType::GoCreate, {1, 5, 0, 0}).ev(EvType::GoStartLocal, {1, 5});
  w.batch(1, 20).ev(EvType::GoStartLocal, {1, 5});
  w.freq();
  EXPECT_EQ(parse_error(w.b), "offset 31: expected a consistent goroutine history: GoStartLocal on P 1 needs g 5 "
                              "runnable, but g 5 is running at seq 2");
}

TEST(GoTraceOrder, SyscallExitMovesToItsRealTime) {
  // g 3 blocks in a syscall at tick 20; P 1 emits its GoSysExit at tick 40 with real exit tick
  // 30. Go moves it to 30, before P 0's HeapAlloc at 35.
  Builder w;
  w.batch(0, 10)
      .ev(EvType::GoCreate, {1, 3, 0, 0})      // 11
      .ev(EvType::GoStartLocal, {1, 3})        // 12
      .ev(EvType::GoSysCall, {1, 0})           // 13
      .ev(EvType::GoSysBlock, {7})             // 20
      .ev(EvType::HeapAlloc, {15, 1 << 20});   // 35
  w.batch(1, 40).ev(EvType::GoSysExit, {0, 3, 2, 30}).freq();
  Trace t;
  std::string err;
  ASSERT_TRUE(parse(w.b, &t, &err)) << err;
  std::vector<std::string> names;
  for (const Event& e : t.events) names.emplace_back(ev_name(e.type));
  EXPECT_EQ(names, (std::vector<std::string>{"GoCreate", "GoStart", "GoSysCall", "GoSysBlock", "GoSysExit",
                                             "HeapAlloc"}));
  EXPECT_EQ(t.events[4].ticks, 30);
  // A real exit time before the block is refused.
  Builder bad;
  bad.batch(0, 10).ev(EvType::GoCreate, {1, 3, 0, 0}).ev(EvType::GoStartLocal, {1, 3}).ev(EvType::GoSysBlock, {8});
  bad.batch(1, 40).ev(EvType::GoSysExit, {0, 3, 2, 15}).freq();
  EXPECT_EQ(parse_error(bad.b), "offset 33: expected GoSysExit's real exit time 15 not to precede g 3's GoSysBlock at "
                                "tick 20 (Go: \"time stamps out of order\")");
}

TEST(GoTraceOrder, RemoveFutileDropsTheWholeWakeup) {
  // g 2 blocks, is unblocked, starts, finds the wakeup futile and blocks again: Go drops the
  // unblock, the start, the FutileWakeup and the second block.
  Builder w;
  w.batch(0, 10)
      .ev(EvType::GoCreate, {1, 2, 0, 0})
      .ev(EvType::GoStartLocal, {1, 2})
      .ev(EvType::GoBlockSend, {1, 0})
      .ev(EvType::GoUnblockLocal, {1, 2, 0})
      .ev(EvType::GoStartLocal, {1, 2})
      .ev(EvType::FutileWakeup, {1})
      .ev(EvType::GoBlockSend, {1, 0})
      .freq();
  Trace t;
  std::string err;
  ASSERT_TRUE(parse(w.b, &t, &err)) << err;
  ASSERT_EQ(t.events.size(), 7u);
  remove_futile(&t);
  std::vector<std::string> names;
  for (const Event& e : t.events) names.emplace_back(ev_name(e.type));
  EXPECT_EQ(names, (std::vector<std::string>{"GoCreate", "GoStart", "GoBlockSend"}));
}

TEST(GoTraceParse, UserLogAndLabels) {
  Builder w;
  w.str(1, "key").str(2, "GC (dedicated)");
  w.batch(0, 10).ev(EvType::GoCreate, {1, 4, 0, 0}).ev(EvType::GoStartLabel, {1, 4, 1, 2});
  w.ev(EvType::UserLog, {1, 0, 1, 0});
  const std::string msg = "hello";
  Builder::varint(&w.b, msg.size());
  w.b.insert(w.b.end(), msg.begin(), msg.end());
  w.freq();
  Trace t;
  std::string err;
  ASSERT_TRUE(parse(w.b, &t, &err)) << err;
  ASSERT_EQ(t.events.size(), 3u);
  EXPECT_NE(dump_event(t, t.events[1]).find(" g=4 seq=1 labelid=2 label=GC (dedicated)"), std::string::npos);
  EXPECT_NE(dump_event(t, t.events[2]).find(" id=0 keyid=1 category=key message=hello"), std::string::npos)
      << dump_event(t, t.events[2]);
}

TEST(GoTraceParse, FileErrors) {
  Trace t;
  std::string err;
  const std::string dir = TOUCHSTONE_GOTRACE_TESTDATA;
  EXPECT_FALSE(parse_file(dir + "/no-such-file.trace", &t, &err));
  EXPECT_EQ(err, dir + "/no-such-file.trace: cannot open: No such file or directory");
  EXPECT_FALSE(parse_file(dir + "/regen.sh", &t, &err));
  EXPECT_EQ(err.rfind(dir + "/regen.sh: offset 0: expected a Go trace header", 0), 0u) << err;
}

// Hostile counts allocate nothing: a String claiming a megabyte in a 20-byte input, and a
// Stack claiming a thousand frames, are refused before any allocation for them.
TEST(GoTraceParse, HostileLengthsAreCapped) {
  Builder w;
  w.batch(0, 1);
  w.b.push_back(std::uint8_t(EvType::Stack) | 3 << 6);
  Builder::varint(&w.b, std::uint64_t{1} << 40);
  EXPECT_EQ(parse_error(w.b), "offset 20: expected a length of at most the 0 bytes that remain for Stack (event at "
                              "offset 19), got 1099511627776");
}

}  // namespace
}  // namespace touchstone::gotrace
