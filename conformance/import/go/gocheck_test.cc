// conformance/import/go/gocheck_test.cc — the Go-trace checker (gocheck.h): its clause ids are the
// catalog's, every checked-in real trace (testdata/, corpora/regressions/go_trace/) is clean, each
// hand-made bad stream is flagged by its clause, and each mutation of the real traces is flagged
// by the clause the mutation table names (docs/CERTIFICATION.md has the measured rates).
#include "conformance/import/go/gocheck.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "conformance/checker/checker.h"

namespace touchstone::gotrace {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> real_traces() {
  std::vector<std::string> out;
  for (const char* dir : {TOUCHSTONE_GOTRACE_TESTDATA, TOUCHSTONE_GO_REGRESSIONS}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".trace") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Trace load(const std::string& path) {
  Trace t;
  std::string err;
  EXPECT_TRUE(parse_file(path, &t, &err)) << err;
  return t;
}

TEST(GoCheck, ClauseIdsAreTheCatalogs) {
  for (const GoClause& c : go_clauses()) EXPECT_NE(check::find_clause(c.id), nullptr) << c.id;
  for (int m = 0; m < kMutationCount; m++) EXPECT_TRUE(go_witnessable(mutation_clause(Mutation(m))));
  EXPECT_FALSE(go_witnessable("RUNQ-1"));
}

TEST(GoCheck, RealTracesAreClean) {
  const auto files = real_traces();
  ASSERT_GE(files.size(), 12u);
  for (const std::string& f : files) {
    const Trace t = load(f);
    const GoCheckResult r = check(t);
    EXPECT_FALSE(r.violation) << f << "\n" << (r.violation ? format_violation(t, *r.violation) : "");
    EXPECT_GT(r.checks.at("G-TRANS-2"), 0u) << f;
    EXPECT_EQ(r.events, t.events.size());
  }
}

Event ev(EvType type, std::int64_t p, std::uint64_t g, std::uint64_t a0 = 0, std::uint64_t order_g = kUnordered,
         std::uint64_t seq = 0) {
  Event e;
  e.type = e.raw_type = type;
  e.p = p;
  e.g = g;
  e.args[0] = a0;
  e.order_g = order_g;
  e.seq = seq;
  return e;
}

std::string first(const std::vector<Event>& evs) {
  Trace t;
  const GoCheckResult r = check_events(t, evs);
  return r.violation ? r.violation->clause : "clean";
}

TEST(GoCheck, HandMadeStreams) {
  // g1 created, started on P0, blocks, unblocked, started, ends.
  std::vector<Event> good = {
      ev(EvType::GoCreate, 0, 0, 1, 1, 1), ev(EvType::GoStart, 0, 1, 1, 1, 2), ev(EvType::GoBlockRecv, 0, 1, 0, 1, 2),
      ev(EvType::GoUnblock, 1, 0, 1, 1, 3), ev(EvType::GoStart, 1, 1, 1, 1, 4), ev(EvType::GoEnd, 1, 1)};
  EXPECT_EQ(first(good), "clean");
  auto bad = good;
  bad.push_back(ev(EvType::GoEnd, 1, 1));
  EXPECT_EQ(first(bad), "CONSERVE-2");
  bad = good;
  bad.erase(bad.begin() + 3);  // no unblock: the seqs gap
  EXPECT_EQ(first(bad), "GSEQ-1");
  bad[3].seq = 3;  // renumbered: a start of a waiting G
  EXPECT_EQ(first(bad), "G-TRANS-2");
  bad = good;
  bad.insert(bad.begin() + 2, ev(EvType::GoStart, 1, 1, 1, 1, 3));  // on two Ps
  EXPECT_EQ(first(bad), "P-OWN-2");
  bad = good;
  bad.insert(bad.begin() + 1, ev(EvType::GCSTWStart, 0, 0));
  EXPECT_EQ(first(bad), "STW-1");
  bad = good;
  bad.insert(bad.begin() + 1, ev(EvType::Gomaxprocs, 0, 0, 1));
  EXPECT_EQ(first(bad), "STW-2");  // g1 later starts on P1 with GOMAXPROCS 1
  bad = good;
  bad.insert(bad.begin() + 3, ev(EvType::GoSysExit, 1, 1, 1, 1, 3));
  bad.erase(bad.begin() + 4);
  EXPECT_EQ(first(bad), "SYSCALL-1");
  bad = good;
  bad.insert(bad.begin(), ev(EvType::ProcStart, 0, 0, 7));
  bad.insert(bad.begin() + 1, ev(EvType::ProcStart, 1, 0, 7));
  EXPECT_EQ(first(bad), "P-OWN-1");
  bad = good;
  bad.insert(bad.begin() + 2, ev(EvType::GoCreate, 0, 1, 1, 1, 3));
  EXPECT_EQ(first(bad), "CONSERVE-2");
}

TEST(GoCheck, MutationsAreFlaggedByTheirClause) {
  for (const std::string& f : real_traces()) {
    const Trace t = load(f);
    for (int m = 0; m < kMutationCount; m++) {
      std::vector<Event> evs;
      const std::size_t n = mutate(t, Mutation(m), 0, &evs);
      for (std::size_t s = 0; s < std::min<std::size_t>(n, 5); s++) {
        mutate(t, Mutation(m), n * s / std::min<std::size_t>(n, 5), &evs);
        const GoCheckResult r = check_events(t, evs);
        ASSERT_TRUE(r.violation) << f << " " << mutation_name(Mutation(m));
        EXPECT_EQ(r.violation->clause, mutation_clause(Mutation(m)))
            << f << " " << mutation_name(Mutation(m)) << "\n" << format_violation(t, evs, *r.violation);
      }
    }
  }
}

}  // namespace
}  // namespace touchstone::gotrace
