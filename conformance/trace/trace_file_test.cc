// conformance/trace/trace_file_test.cc — the trace file format, the recorder and its merge.
//
//   RoundTrip*     write -> read gives back the records (extreme values of every field/kind)
//   RealRun*       a native run with 4 Ps recorded, merged, written, read: gseq and seq gapless,
//                  every G's status changes chain along legal edges
//   BadInput*      each malformed input rejected with its exact "offset N: ..." message
//   RecordLimit    the record cap is enforced at the first record beyond it
//   Fuzz*          20,000 mutations of a valid file: never a crash, an "offset " error or a
//                  canonical re-encoding
//   File*          read_trace_file / write_trace_file and their error messages
//   Dump*          the text dump, exactly
//   Merge*         the k-way merge on hand-built buffers (lying tickets, stalls)
//   Recorder*      the recorder under concurrent std::threads
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "conformance/trace/recorder.h"
#include "conformance/trace/trace_file.h"
#include "runtime/gstatus.h"
#include "runtime/runtime2.h"
#include "runtime/touchstone.h"

namespace touchstone::trace {
namespace {

using runtime::Event;
using runtime::EvKind;

constexpr std::int64_t kI64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int32_t kI32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t kI32Max = std::numeric_limits<std::int32_t>::max();
constexpr std::uint32_t kU32Max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

TraceRecord rec(EvKind kind, std::uint64_t seq, std::int64_t g, std::uint64_t gseq, std::int64_t m, std::int32_t p,
                std::uint32_t a = 0, std::uint32_t b = 0, std::int64_t n = 0) {
  TraceRecord r;
  r.ev = Event{kind, p, m, g, a, b, n, gseq};
  r.seq = seq;
  r.gseq = gseq;
  return r;
}

// ---- random records with extreme values ----------------------------------------------------------

class Gen {
 public:
  explicit Gen(std::uint64_t seed) : rng_(seed) {}
  std::uint64_t next() { return rng_(); }
  std::uint64_t below(std::uint64_t n) { return next() % n; }

  std::int64_t i64() {
    static constexpr std::int64_t kPicks[] = {kI64Min, kI64Min + 1, -1, 0, 1, kI32Min, kI32Max, kI64Max};
    return below(3) == 0 ? static_cast<std::int64_t>(next() >> below(64)) : kPicks[below(std::size(kPicks))];
  }
  std::int32_t i32() {
    static constexpr std::int32_t kPicks[] = {kI32Min, -1, 0, 1, 127, 128, kI32Max};
    return below(3) == 0 ? static_cast<std::int32_t>(next()) : kPicks[below(std::size(kPicks))];
  }
  std::uint32_t u32() {
    static constexpr std::uint32_t kPicks[] = {0, 1, 127, 128, 16383, 16384, kU32Max};
    return below(3) == 0 ? static_cast<std::uint32_t>(next()) : kPicks[below(std::size(kPicks))];
  }
  std::uint64_t u64() {
    static constexpr std::uint64_t kPicks[] = {0, 1, 127, 128, kU32Max, std::uint64_t{1} << 63, kU64Max};
    return below(3) == 0 ? next() >> below(64) : kPicks[below(std::size(kPicks))];
  }

  // A record the reader must accept: statuses below their counts, gseq == 0 iff g == 0.
  TraceRecord record(EvKind kind) {
    TraceRecord r;
    r.ev = Event{kind, i32(), i64(), i64(), u32(), u32(), i64()};
    if (kind == EvKind::GStatus) {
      r.ev.a = static_cast<std::uint32_t>(below(runtime::kGStatusCount));
      r.ev.b = static_cast<std::uint32_t>(below(runtime::kGStatusCount));
    } else if (kind == EvKind::PStatus) {
      r.ev.a = static_cast<std::uint32_t>(below(kPStatusCount));
      r.ev.b = static_cast<std::uint32_t>(below(kPStatusCount));
    }
    r.seq = u64();
    r.gseq = r.ev.g == 0 ? 0 : std::max<std::uint64_t>(1, u64());
    return r;
  }

 private:
  std::mt19937_64 rng_;
};

std::vector<TraceRecord> random_records(std::uint64_t seed, int per_kind) {
  Gen gen(seed);
  std::vector<TraceRecord> out;
  for (int i = 0; i < per_kind; i++) {
    for (std::uint32_t k = 0; k < kEvKindCount; k++) out.push_back(gen.record(static_cast<EvKind>(k)));
  }
  // Shuffle deterministically so kinds interleave.
  for (std::size_t i = out.size(); i > 1; i--) std::swap(out[i - 1], out[gen.below(i)]);
  return out;
}

std::string read_error(const std::string& bytes) {
  std::vector<TraceRecord> out;
  std::string err;
  if (read_trace(as_bytes(bytes), &out, &err)) return "(accepted)";
  EXPECT_TRUE(out.empty());
  return err;
}

TEST(TraceFile, RoundTripRandomExtremeValues) {
  const auto records = random_records(20240601, 10'000);
  ASSERT_EQ(records.size(), 10'000u * kEvKindCount);
  const std::string bytes = write_trace(records);
  std::vector<TraceRecord> back;
  std::string err;
  ASSERT_TRUE(read_trace(as_bytes(bytes), &back, &err)) << err;
  ASSERT_EQ(back.size(), records.size());
  for (std::size_t i = 0; i < records.size(); i++) {
    ASSERT_TRUE(back[i] == records[i]) << "record " << i << ": " << dump_record(records[i]) << " came back as "
                                       << dump_record(back[i]);
  }
}

TEST(TraceFile, RoundTripEveryLimitOfEveryField) {
  std::vector<TraceRecord> records;
  for (std::uint32_t k = 0; k < kEvKindCount; k++) {
    const auto kind = static_cast<EvKind>(k);
    const bool status = kind == EvKind::GStatus || kind == EvKind::PStatus;
    for (std::int64_t v : {kI64Min, std::int64_t{-1}, std::int64_t{0}, kI64Max}) {
      const std::uint32_t u = status ? 0 : v < 0 ? kU32Max : static_cast<std::uint32_t>(v);
      const std::int32_t p = v == kI64Min ? kI32Min : v == kI64Max ? kI32Max : static_cast<std::int32_t>(v);
      records.push_back(rec(kind, static_cast<std::uint64_t>(v), v, v == 0 ? 0 : kU64Max, v, p, u, u, v));
    }
  }
  std::vector<TraceRecord> back;
  std::string err;
  ASSERT_TRUE(read_trace(as_bytes(write_trace(records)), &back, &err)) << err;
  ASSERT_EQ(back.size(), records.size());
  for (std::size_t i = 0; i < records.size(); i++) EXPECT_TRUE(back[i] == records[i]) << dump_record(records[i]);
}

TEST(TraceFile, EmptyTraceIsHeaderAndTrailer) {
  const std::string bytes = write_trace({});
  EXPECT_EQ(bytes, std::string("TSTRACE\0\x02\0\0\0\0\0\0\0\xff\0", 18));
  std::vector<TraceRecord> back{TraceRecord{}};
  std::string err;
  EXPECT_TRUE(read_trace(as_bytes(bytes), &back, &err)) << err;
  EXPECT_TRUE(back.empty());
}

TEST(TraceFile, ExactOrderFlagRoundTrips) {
  const TraceRecord r = rec(EvKind::GStatus, 0, 7, 1, 1, 0, runtime::Grunnable, runtime::Grunning);
  for (const std::uint16_t flags : {std::uint16_t{0}, kTraceFlagExactOrder}) {
    const std::string bytes = write_trace(std::span(&r, 1), flags);
    EXPECT_EQ(static_cast<unsigned char>(bytes[10]), flags);
    std::vector<TraceRecord> back;
    std::string err;
    std::uint16_t got = 0xffff;
    ASSERT_TRUE(read_trace(as_bytes(bytes), &back, &err, kMaxTraceRecords, &got)) << err;
    EXPECT_EQ(got, flags);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].ev.gseq, 1u);  // the reader mirrors gseq into the event
  }
}

TEST(TraceFile, ExactBytesOfOneRecord) {
  // GStatus g7.3 on M1 P0, Grunnable -> Grunning, seq 300.
  const TraceRecord r = rec(EvKind::GStatus, 300, 7, 3, 1, 0, runtime::Grunnable, runtime::Grunning);
  const std::string bytes = write_trace(std::span(&r, 1));
  const std::string want = std::string("TSTRACE\0\x02\0\0\0\0\0\0\0", 16) +
                           std::string("\x00\xac\x02\x03\x00\x02\x07\x01\x02\x00", 10) + std::string("\xff\x01", 2);
  EXPECT_EQ(bytes, want);
}

// ---- a real run ----------------------------------------------------------------------------------

std::vector<TraceRecord> record_small_program(std::uint64_t* recorded) {
  TraceRecorder recorder;
  Config cfg;
  cfg.procs = 4;
  cfg.trace = &recorder;
  Runtime rt(cfg);
  rt.run([] {
    Chan<int> unbuffered;
    Chan<int> buffered(8);
    WaitGroup wg;
    constexpr int kProducers = 8, kPer = 50;
    wg.add(kProducers + 1);
    for (int i = 0; i < kProducers; i++) {
      go([=] {
        for (int k = 0; k < kPer; k++) {
          if (k % 2 == 0) {
            unbuffered.send(k);
          } else {
            buffered.send(k);
          }
          if (k % 10 == 0) gosched();
        }
        wg.done();
      });
    }
    go([=] {
      long sum = 0;
      for (int k = 0; k < kProducers * kPer; k++) {
        if (k % 2 == 0) {
          sum += unbuffered.recv();
        } else {
          sum += buffered.recv();
        }
      }
      touchstone::syscall([] { ::usleep(100); });
      wg.done();
      (void)sum;
    });
    wg.wait();
    gomaxprocs(2);
    gomaxprocs(4);
  });
  *recorded = recorder.size();
  return recorder.merge();
}

TEST(TraceFile, RealRunRecordMergeWriteRead) {
  std::uint64_t recorded = 0;
  const std::vector<TraceRecord> merged = record_small_program(&recorded);
  ASSERT_EQ(merged.size(), recorded) << "the merge lost or duplicated events";
  ASSERT_GT(merged.size(), 1000u);

  const std::string path = ::testing::TempDir() + "trace_file_test_real." + std::to_string(::getpid()) + ".tstrace";
  std::string err;
  ASSERT_TRUE(write_trace_file(path, merged, &err)) << err;
  std::vector<TraceRecord> back;
  ASSERT_TRUE(read_trace_file(path, &back, &err)) << err;
  std::remove(path.c_str());
  ASSERT_EQ(back.size(), merged.size());
  for (std::size_t i = 0; i < merged.size(); i++) ASSERT_TRUE(back[i] == merged[i]) << "record " << i;

  // gseq: 1, 2, ..., k per goroutine in merged order; 0 without a G.
  std::map<std::int64_t, std::uint64_t> last_gseq;
  // seq: 0, 1, 2, ... per buffer (each M; all m < 0 share one) in merged order.
  std::map<std::int64_t, std::uint64_t> next_seq;
  // G status: each change starts where the previous one ended, along a legal edge.
  std::map<std::int64_t, std::uint32_t> status;
  std::map<EvKind, int> kinds;
  int transitions = 0;
  for (std::size_t i = 0; i < back.size(); i++) {
    const TraceRecord& r = back[i];
    kinds[r.ev.kind]++;
    const std::int64_t buffer = r.ev.m < 0 ? -1 : r.ev.m;
    ASSERT_EQ(r.seq, next_seq[buffer]++) << "record " << i << " " << dump_record(r);
    if (r.ev.g == 0) {
      ASSERT_EQ(r.gseq, 0u) << dump_record(r);
      continue;
    }
    ASSERT_EQ(r.gseq, ++last_gseq[r.ev.g]) << "gap in gseq at record " << i << " " << dump_record(r);
    if (r.ev.kind != EvKind::GStatus) continue;
    transitions++;
    ASSERT_TRUE(runtime::gtransition_legal(r.ev.a, r.ev.b)) << dump_record(r);
    const auto [it, first] = status.try_emplace(r.ev.g, r.ev.b);
    if (first) {
      // A fresh G starts Gidle -> Gdead; a reused one (new goid) Gdead -> Grunnable.
      ASSERT_TRUE((r.ev.a == runtime::Gidle && r.ev.b == runtime::Gdead) ||
                  (r.ev.a == runtime::Gdead && r.ev.b == runtime::Grunnable))
          << "first status change of g" << r.ev.g << ": " << dump_record(r);
    } else {
      ASSERT_EQ(r.ev.a, it->second) << "g" << r.ev.g << " was " << runtime::gstatus_name(it->second) << ": "
                                    << dump_record(r);
      it->second = r.ev.b;
    }
  }
  EXPECT_GE(status.size(), 10u);  // main, 8 producers, the consumer
  EXPECT_GT(transitions, 500);
  for (EvKind k : {EvKind::GStatus, EvKind::GoCreate, EvKind::GoEnd, EvKind::PStatus, EvKind::Park, EvKind::Ready,
                   EvKind::SyscallEnter, EvKind::SyscallExit, EvKind::StwBegin, EvKind::StwEnd, EvKind::Procs}) {
    EXPECT_GT(kinds[k], 0) << runtime::evkind_name(k) << " never recorded";
  }
}

// ---- bad input -----------------------------------------------------------------------------------

std::string header(std::uint16_t version = 2, std::uint16_t flags = 0) {
  std::string h("TSTRACE\0", 8);
  h += static_cast<char>(version & 0xff);
  h += static_cast<char>(version >> 8);
  h += static_cast<char>(flags & 0xff);
  h += static_cast<char>(flags >> 8);
  h += std::string(4, '\0');
  return h;
}

std::string varint(std::uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  s += static_cast<char>(v);
  return s;
}

// A GStatus record at offset 16 (9 bytes): seq 0, gseq 1, p 0, m 1, g 7, Grunnable -> Grunning.
std::string gstatus_record(std::uint32_t from = runtime::Grunnable, std::uint32_t to = runtime::Grunning) {
  return std::string("\x00\x00\x01\x00\x02\x07", 6) + varint(from) + varint(to) + std::string(1, '\0');
}

std::string trailer(std::uint64_t count) { return "\xff" + varint(count); }

TEST(TraceFile, BadInputExactErrors) {
  const std::string valid = header() + gstatus_record() + trailer(1);
  ASSERT_EQ(valid.size(), 27u);
  ASSERT_EQ(read_error(valid), "(accepted)");

  struct Case {
    const char* name;
    std::string bytes;
    std::string error;
  };
  const Case cases[] = {
      {"empty file", "", "offset 0: expected magic \"TSTRACE\\0\", got end of input"},
      {"bad magic", "XSTRACE" + valid.substr(7), "offset 0: expected magic \"TSTRACE\\0\""},
      {"bad magic, short", "TSX", "offset 0: expected magic \"TSTRACE\\0\""},
      {"truncated magic", valid.substr(0, 5), "offset 0: expected magic \"TSTRACE\\0\", input ends after 5 bytes"},
      {"truncated header, no version", valid.substr(0, 8), "offset 8: expected version 2, got end of input"},
      {"truncated header, mid-reserved", valid.substr(0, 13), "offset 12: expected reserved 0, input ends mid-field"},
      {"version 1", header(1) + trailer(0), "offset 8: expected version 2, got 1"},
      {"version 256", header(256) + trailer(0), "offset 8: expected version 2, got 256"},
      {"unknown flag", header(2, 2) + trailer(0), "offset 10: expected flags with only bit 0 (exact order) set, got 2"},
      {"reserved", valid.substr(0, 15) + "\x80" + valid.substr(16), "offset 12: expected reserved 0, got 2147483648"},
      {"truncated record mid-varint", header() + std::string("\x00\xac", 2),
       "offset 17: expected varint seq of record 0, input ends mid-varint"},
      {"truncated record between fields", valid.substr(0, 20),
       "offset 20: expected varint m of record 0, got end of input"},
      {"truncated second record mid-varint",
       header() + gstatus_record() + std::string("\x00\x01\x01\x00\x02\xe8", 6),
       "offset 30: expected varint g of record 1, input ends mid-varint"},
      {"11-byte varint", header() + std::string(1, '\0') + std::string(10, '\x80') + std::string(1, '\0'),
       "offset 17: expected varint seq of record 0 of at most 10 bytes"},
      {"10-byte varint over 64 bits", header() + std::string(1, '\0') + std::string(9, '\xff') + "\x02",
       "offset 17: expected varint seq of record 0 to fit 64 bits"},
      {"non-minimal varint", header() + std::string("\x00\x80\x00", 3),
       "offset 17: expected varint seq of record 0 in minimal form"},
      {"unknown kind", header() + "\x21" + trailer(0),
       "offset 16: expected a record kind (0..32) or the trailer (0xff), got 0x21"},
      {"unknown kind 0xfe after a record", header() + gstatus_record() + "\xfe",
       "offset 25: expected a record kind (0..32) or the trailer (0xff), got 0xfe"},
      {"GStatus with status 99", header() + gstatus_record(runtime::Grunnable, 99) + trailer(1),
       "offset 23: expected b of record 0 (GStatus) to be a G status below 10, got 99"},
      {"GStatus from status 10", header() + gstatus_record(10, runtime::Grunning) + trailer(1),
       "offset 22: expected a of record 0 (GStatus) to be a G status below 10, got 10"},
      {"PStatus with status 5", header() + std::string("\x08\x00\x00\x00\x02\x00\x01\x05\x00", 9) + trailer(1),
       "offset 23: expected b of record 0 (PStatus) to be a P status below 5, got 5"},
      {"p beyond int32", header() + std::string("\x00\x00\x01", 3) + varint(std::uint64_t{1} << 32) +
                             std::string("\x02\x07\x01\x02\x00", 5) + trailer(1),
       "offset 19: expected p of record 0 to fit int32, got 2147483648"},
      {"p below int32", header() + std::string("\x00\x00\x01", 3) + varint((std::uint64_t{1} << 32) + 1) +
                            std::string("\x02\x07\x01\x02\x00", 5) + trailer(1),
       "offset 19: expected p of record 0 to fit int32, got -2147483649"},
      {"a beyond uint32", header() + std::string("\x01\x00\x01\x00\x02\x07", 6) + varint(std::uint64_t{1} << 32) +
                              std::string("\x00\x00", 2) + trailer(1),
       "offset 22: expected a of record 0 to fit uint32, got 4294967296"},
      {"gseq without a G", header() + std::string("\x08\x00\x05\x00\x02\x00\x01\x02\x00", 9) + trailer(1),
       "offset 18: expected gseq of record 0 to be 0 (no G), got 5"},
      {"G without gseq", header() + std::string("\x00\x00\x00\x00\x02\x07\x01\x02\x00", 9) + trailer(1),
       "offset 18: expected gseq of record 0 to be at least 1 (g is 7), got 0"},
      {"missing trailer", header() + gstatus_record(),
       "offset 25: expected a record kind (0..32) or the trailer (0xff), got end of input"},
      {"trailer without count", header() + gstatus_record() + "\xff",
       "offset 26: expected varint count of the trailer, got end of input"},
      {"wrong count in trailer", header() + gstatus_record() + trailer(2), "offset 26: expected trailer count 1, got 2"},
      {"trailing bytes after the trailer", valid + "xyz",
       "offset 27: expected end of input after the trailer, got 3 more bytes"},
      {"second header appended", valid + valid,
       "offset 27: expected end of input after the trailer, got 27 more bytes"},
  };
  for (const Case& c : cases) EXPECT_EQ(read_error(c.bytes), c.error) << c.name;

  // A span with no data at all (nullptr, 0).
  std::vector<TraceRecord> out;
  std::string err;
  EXPECT_FALSE(read_trace(std::span<const std::uint8_t>(), &out, &err));
  EXPECT_EQ(err, "offset 0: expected magic \"TSTRACE\\0\", got end of input");
  // A null error pointer is allowed.
  EXPECT_FALSE(read_trace(as_bytes("junk"), &out, nullptr));
}

TEST(TraceFile, RecordLimit) {
  const std::string three = header() + gstatus_record() + gstatus_record() + gstatus_record() + trailer(3);
  std::vector<TraceRecord> out;
  std::string err;
  EXPECT_TRUE(read_trace(as_bytes(three), &out, &err, 3)) << err;
  EXPECT_EQ(out.size(), 3u);
  EXPECT_FALSE(read_trace(as_bytes(three), &out, &err, 2));
  EXPECT_EQ(err, "offset 34: expected the trailer after at most 2 records");
  EXPECT_TRUE(out.empty());
}

// ---- fuzz-style robustness ------------------------------------------------------------------------

// The offset in "offset N: ..." (or -1).
long error_offset(const std::string& err) {
  if (err.rfind("offset ", 0) != 0) return -1;
  return std::strtol(err.c_str() + 7, nullptr, 10);
}

std::string mutate(std::string s, Gen& gen) {
  const int edits = 1 + static_cast<int>(gen.below(3));
  for (int e = 0; e < edits; e++) {
    const std::size_t at = s.empty() ? 0 : gen.below(s.size());
    switch (gen.below(6)) {
      case 0:  // flip one bit
        if (!s.empty()) s[at] = static_cast<char>(s[at] ^ (1 << gen.below(8)));
        break;
      case 1:  // overwrite a byte
        if (!s.empty()) s[at] = static_cast<char>(gen.below(256));
        break;
      case 2:  // truncate
        s.resize(gen.below(s.size() + 1));
        break;
      case 3:  // insert random bytes
        s.insert(std::min(at, s.size()), std::string(1 + gen.below(12), static_cast<char>(gen.below(256))));
        break;
      case 4:  // delete a run of bytes
        if (!s.empty()) s.erase(at, 1 + gen.below(8));
        break;
      case 5:  // insert a continuation-bit run (long varints)
        s.insert(std::min(at, s.size()), std::string(1 + gen.below(14), '\x80'));
        break;
    }
  }
  return s;
}

TEST(TraceFile, FuzzMutationsNeverCrash) {
  const std::string valid = write_trace(random_records(7, 5));  // 100 records, every kind
  Gen gen(12345);
  int accepted = 0, rejected = 0;
  std::map<std::string, int> first_words;
  for (int i = 0; i < 20'000; i++) {
    const std::string bytes = mutate(valid, gen);
    std::vector<TraceRecord> out;
    std::string err;
    if (read_trace(as_bytes(bytes), &out, &err)) {
      accepted++;
      // The encoding is canonical: whatever is accepted re-encodes to the same bytes.
      ASSERT_EQ(write_trace(out), bytes) << "mutation " << i;
    } else {
      rejected++;
      ASSERT_EQ(err.rfind("offset ", 0), 0u) << "mutation " << i << ": " << err;
      const long off = error_offset(err);
      ASSERT_GE(off, 0) << err;
      ASSERT_LE(static_cast<std::size_t>(off), bytes.size()) << err;
      ASSERT_TRUE(out.empty());
    }
  }
  EXPECT_EQ(accepted + rejected, 20'000);
  EXPECT_GT(rejected, 15'000);  // mutations mostly break the file; the test must exercise errors
}

// ---- files ---------------------------------------------------------------------------------------

TEST(TraceFile, ReadMissingFile) {
  const std::string path = "/nonexistent-dir-for-trace-test/missing.tstrace";
  std::vector<TraceRecord> out;
  std::string err;
  EXPECT_FALSE(read_trace_file(path, &out, &err));
  EXPECT_EQ(err, path + ": cannot open: No such file or directory");
}

TEST(TraceFile, FileErrorsArePrefixedWithThePath) {
  const std::string path = ::testing::TempDir() + "trace_file_test_bad." + std::to_string(::getpid()) + ".tstrace";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite("TSTRACE\0\x03\0", 1, 10, f);
    std::fclose(f);
  }
  std::vector<TraceRecord> out;
  std::string err;
  EXPECT_FALSE(read_trace_file(path, &out, &err));
  EXPECT_EQ(err, path + ": offset 8: expected version 2, got 3");
  std::remove(path.c_str());
}

TEST(TraceFile, WriteFileReplacesAtomicallyAndLeavesNoTmp) {
  const std::string path = ::testing::TempDir() + "trace_file_test_w." + std::to_string(::getpid()) + ".tstrace";
  const auto records = random_records(99, 3);
  std::string err;
  ASSERT_TRUE(write_trace_file(path, records, &err)) << err;
  ASSERT_TRUE(write_trace_file(path, records, &err)) << err;  // over an existing file
  EXPECT_EQ(::access((path + ".tmp").c_str(), F_OK), -1);
  std::vector<TraceRecord> back;
  ASSERT_TRUE(read_trace_file(path, &back, &err)) << err;
  EXPECT_EQ(back.size(), records.size());
  std::remove(path.c_str());

  const std::string bad = "/nonexistent-dir-for-trace-test/out.tstrace";
  EXPECT_FALSE(write_trace_file(bad, records, &err));
  EXPECT_EQ(err, bad + ".tmp: cannot open: No such file or directory");
}

// ---- dump ----------------------------------------------------------------------------------------

TEST(TraceFile, DumpExactText) {
  using runtime::Gdead;
  using runtime::Gidle;
  using runtime::Grunnable;
  using runtime::Grunning;
  using runtime::Gwaiting;
  const TraceRecord records[] = {
      rec(EvKind::Procs, 0, 0, 0, -1, -1, 0, 4),
      rec(EvKind::PStatus, 0, 0, 0, 0, 0, runtime::Pidle, runtime::Prunning),
      rec(EvKind::GStatus, 1, 1, 1, 0, 0, Gidle, Gdead),
      rec(EvKind::GoCreate, 2, 1, 2, 0, 0, 0, 0, 0),
      rec(EvKind::GStatus, 3, 1, 3, 0, 0, Gdead, Grunnable),
      rec(EvKind::RunqPut, 4, 1, 4, 0, 0, 1),
      rec(EvKind::RunqGet, 5, 1, 5, 0, 0, 0),
      rec(EvKind::GStatus, 12, 7, 3, 1, 0, Grunnable, Grunning),
      rec(EvKind::MSpinning, 13, 0, 0, 1, 0, 1, 0, 2),
      rec(EvKind::RunqSteal, 14, 9, 1, 1, 0, 3, 2),
      rec(EvKind::RunqPutSlow, 15, 9, 2, 1, 0),
      rec(EvKind::GlobrunqPut, 16, 9, 3, 1, 0, 1),
      rec(EvKind::GlobrunqGet, 17, 9, 4, 1, 2),
      rec(EvKind::Park, 18, 7, 4, 1, 0, static_cast<std::uint32_t>(runtime::WaitReason::ChanReceive)),
      rec(EvKind::GStatus, 19, 7, 5, 1, 0, Grunning, Gwaiting),
      rec(EvKind::Ready, 20, 7, 6, 2, 1, 0, 0, 9),
      rec(EvKind::SyscallEnter, 21, 9, 5, 1, 0, 1),
      rec(EvKind::SyscallExit, 22, 9, 6, 1, -1, 0),
      rec(EvKind::Retake, 1, 0, 0, -1, 3),
      rec(EvKind::PreemptRequest, 2, 0, 0, -1, 0, 1, 0, 9),
      rec(EvKind::StwBegin, 23, 1, 6, 0, 0, 1),
      rec(EvKind::StwEnd, 24, 1, 7, 0, 0, 4),
      rec(EvKind::GoEnd, 25, 9, 8, 1, 0),
      rec(EvKind::GoEnd, 26, 9, 9, 1, 0, 0, 5, -3),  // unused fields shown
      rec(EvKind::GStatus, 27, 9, 10, 1, 0, 99, Gdead),
      rec(EvKind::RunqPut, 28, 9, 11, 1, 0, 0, 1),
      rec(EvKind::RunqSteal, 29, 9, 12, 1, 0, 2, 1 | 2),
      rec(EvKind::RunqDrain, 30, 9, 13, 1, 3, 1),
      rec(EvKind::MStart, 31, 0, 0, 1, 0, 1, 0, 4),
      rec(EvKind::MStop, 32, 0, 0, 1, -1),
      rec(EvKind::Exit, 3, 0, 0, -1, -1),
      rec(EvKind::UserSend, 33, 9, 14, 1, 0, 2, 17, -5),
      rec(EvKind::UserRecv, 34, 9, 15, 1, 0, 2, 0, 0),
      rec(EvKind::UserClose, 35, 9, 16, 1, 0, 2),
      rec(EvKind::UserLock, 36, 9, 17, 1, 0, 1),
      rec(EvKind::UserUnlock, 37, 9, 18, 1, 0, 1),
      rec(EvKind::UserWgAdd, 38, 9, 19, 1, 0, 0, 0, -1),
      rec(EvKind::UserWgWait, 39, 9, 20, 1, 0, 0, 1),
      rec(EvKind::Wakep, 40, 0, 0, 1, 0, 2, 0, 1),
  };
  const std::string want =
      "#0 g- M- P- Procs 0->4\n"
      "#0 g- M0 P0 PStatus Pidle->Prunning\n"
      "#1 g1.1 M0 P0 GStatus Gidle->Gdead\n"
      "#2 g1.2 M0 P0 GoCreate by g-\n"
      "#3 g1.3 M0 P0 GStatus Gdead->Grunnable\n"
      "#4 g1.4 M0 P0 RunqPut runnext\n"
      "#5 g1.5 M0 P0 RunqGet ring\n"
      "#12 g7.3 M1 P0 GStatus Grunnable->Grunning\n"
      "#13 g- M1 P0 MSpinning start nmspinning=2\n"
      "#14 g9.1 M1 P0 RunqSteal from P3 ring run\n"
      "#15 g9.2 M1 P0 RunqPutSlow\n"
      "#16 g9.3 M1 P0 GlobrunqPut head\n"
      "#17 g9.4 M1 P2 GlobrunqGet\n"
      "#18 g7.4 M1 P0 Park \"chan receive\"\n"
      "#19 g7.5 M1 P0 GStatus Grunning->Gwaiting\n"
      "#20 g7.6 M2 P1 Ready by g9\n"
      "#21 g9.5 M1 P0 SyscallEnter block\n"
      "#22 g9.6 M1 P- SyscallExit slow\n"
      "#1 g- M- P3 Retake\n"
      "#2 g- M- P0 PreemptRequest g9 by sysmon\n"
      "#23 g1.6 M0 P0 StwBegin stopped\n"
      "#24 g1.7 M0 P0 StwEnd procs=4\n"
      "#25 g9.8 M1 P0 GoEnd\n"
      "#26 g9.9 M1 P0 GoEnd b=5 n=-3\n"
      "#27 g9.10 M1 P0 GStatus G(99)->Gdead\n"
      "#28 g9.11 M1 P0 RunqPut tail kicked\n"
      "#29 g9.12 M1 P0 RunqSteal from P2 runnext run\n"
      "#30 g9.13 M1 P3 RunqDrain runnext\n"
      "#31 g- M1 P0 MStart new M4\n"
      "#32 g- M1 P- MStop\n"
      "#3 g- M- P- Exit\n"
      "#33 g9.14 M1 P0 UserSend c2 tag=17 v=-5\n"
      "#34 g9.15 M1 P0 UserRecv c2 closed v=0\n"
      "#35 g9.16 M1 P0 UserClose c2\n"
      "#36 g9.17 M1 P0 UserLock mu1\n"
      "#37 g9.18 M1 P0 UserUnlock mu1\n"
      "#38 g9.19 M1 P0 UserWgAdd wg0 -1\n"
      "#39 g9.20 M1 P0 UserWgWait wg0 end\n"
      "#40 g- M1 P0 Wakep start npidle=1\n";
  EXPECT_EQ(dump_trace(records), want);
}

// ---- the merge -----------------------------------------------------------------------------------

BufferedEvent be(std::int64_t g, std::uint64_t gseq, std::uint64_t ticket, std::uint64_t seq = 0) {
  BufferedEvent e;
  e.rec = rec(g == 0 ? EvKind::PStatus : EvKind::GoEnd, seq, g, gseq, 0, 0);
  e.ticket = ticket;
  return e;
}

std::vector<std::pair<std::int64_t, std::uint64_t>> g_and_gseq(const std::vector<TraceRecord>& rs) {
  std::vector<std::pair<std::int64_t, std::uint64_t>> out;
  for (const auto& r : rs) out.emplace_back(r.ev.g, r.gseq);
  return out;
}

using GS = std::vector<std::pair<std::int64_t, std::uint64_t>>;

TEST(TraceMerge, OrdersByTicketWhenFree) {
  const std::vector<std::vector<BufferedEvent>> buffers = {
      {be(1, 1, 0), be(0, 0, 3), be(1, 3, 5)},
      {be(2, 1, 1), be(1, 2, 2), be(0, 0, 4)},
  };
  EXPECT_EQ(g_and_gseq(merge_buffers(buffers)), (GS{{1, 1}, {2, 1}, {1, 2}, {0, 0}, {0, 0}, {1, 3}}));
}

TEST(TraceMerge, GSeqWinsOverLyingTickets) {
  // Buffer 0 holds g1's second event with the smallest ticket: it must wait for buffer 1.
  const std::vector<std::vector<BufferedEvent>> buffers = {
      {be(1, 2, 0), be(0, 0, 1)},
      {be(2, 1, 7), be(1, 1, 8)},
  };
  EXPECT_EQ(g_and_gseq(merge_buffers(buffers)), (GS{{2, 1}, {1, 1}, {1, 2}, {0, 0}}));
}

TEST(TraceMerge, BufferOrderWinsOverTickets) {
  const std::vector<std::vector<BufferedEvent>> buffers = {
      {be(0, 0, 9, 0), be(0, 0, 1, 1)},
      {be(0, 0, 5, 0)},
  };
  const auto out = merge_buffers(buffers);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].seq, 0u);  // ticket 5 (buffer 1)
  EXPECT_EQ(out[1].seq, 0u);  // ticket 9 (buffer 0, front)
  EXPECT_EQ(out[2].seq, 1u);  // ticket 1, behind ticket 9 in its buffer
}

TEST(TraceMerge, StalledInputTerminatesWithEveryEvent) {
  // A cycle (g1.2 before g2.1 in one buffer, g2.2 before g1.1 in the other) and a missing
  // gseq (g3 starts at 5): impossible for a recorder, but the merge must not hang or drop.
  const std::vector<std::vector<BufferedEvent>> buffers = {
      {be(1, 2, 0), be(2, 1, 1)},
      {be(2, 2, 2), be(1, 1, 3)},
      {be(3, 5, 4), be(3, 6, 5)},
  };
  const auto out = merge_buffers(buffers);
  EXPECT_EQ(g_and_gseq(out), (GS{{1, 2}, {2, 1}, {2, 2}, {1, 1}, {3, 5}, {3, 6}}));
}

TEST(TraceMerge, DuplicateGSeqDoesNotBlock) {
  const std::vector<std::vector<BufferedEvent>> buffers = {{be(1, 1, 0)}, {be(1, 1, 1)}, {be(1, 2, 2)}};
  EXPECT_EQ(merge_buffers(buffers).size(), 3u);
}

// ---- the recorder --------------------------------------------------------------------------------

TEST(TraceRecorder, ConcurrentThreadsMergeConsistently) {
  TraceRecorder recorder;
  constexpr int kThreads = 8, kEvents = 20'000, kGs = 16;
  // Each G's gseq is drawn as the runtime draws it (one counter per G), and the event is
  // recorded afterwards, so threads may record a G's events out of gseq order: the merge must
  // put them back in order.
  std::array<std::atomic<std::uint64_t>, kGs + 1> gseqs{};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&recorder, &gseqs, t] {
      Gen gen(static_cast<std::uint64_t>(t) + 1);
      for (int i = 0; i < kEvents; i++) {
        Event ev{EvKind::GoEnd};
        // Most events on the thread's own M; some on the shared buffer, some on a high M id.
        const auto where = gen.below(10);
        ev.m = where == 0 ? -1 : where == 1 ? 5000 + t % 2 : t;
        ev.g = static_cast<std::int64_t>(gen.below(kGs + 1));  // 0: no G
        // Several threads append to a shared buffer, so its order is not the draw order; the
        // runtime never names a G there (sysmon's events carry none; the host names the main
        // G before any M exists). Neither does this test.
        if (where <= 1) ev.g = 0;
        if (ev.g != 0) ev.gseq = gseqs[static_cast<std::size_t>(ev.g)].fetch_add(1, std::memory_order_relaxed) + 1;
        ev.n = i;
        recorder.event(ev);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(recorder.size(), std::uint64_t{kThreads} * kEvents);

  const auto merged = recorder.merge();
  ASSERT_EQ(merged.size(), std::uint64_t{kThreads} * kEvents);
  std::map<std::int64_t, std::uint64_t> next_seq, last_gseq;
  std::map<std::int64_t, std::int64_t> last_n;  // per own-M buffer: the thread's program order
  for (const auto& r : merged) {
    const std::int64_t buffer = r.ev.m < 0 ? -1 : r.ev.m;
    ASSERT_EQ(r.seq, next_seq[buffer]++);
    if (r.ev.g != 0) {
      ASSERT_EQ(r.gseq, ++last_gseq[r.ev.g]);
    }
    if (r.ev.m >= 0 && r.ev.m < kThreads) {
      auto [it, fresh] = last_n.try_emplace(r.ev.m, r.ev.n);
      if (!fresh) {
        ASSERT_GT(r.ev.n, it->second);
        it->second = r.ev.n;
      }
    }
  }
  EXPECT_EQ(next_seq.size(), std::size_t{kThreads} + 3);  // 8 Ms, shared, 5000, 5001
}

}  // namespace
}  // namespace touchstone::trace
