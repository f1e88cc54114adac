// conformance/import/go/gotrace_test.cc — tests of the Go trace reader (gotrace.h).
#include "conformance/import/go/gotrace.h"

#include <gtest/gtest.h>

namespace touchstone::gotrace {
namespace {

TEST(GoTrace, RejectsEmptyInput) {
  Trace t;
  std::string err;
  EXPECT_FALSE(parse({}, &t, &err));
  EXPECT_EQ(err.rfind("offset 0: ", 0), 0u) << err;
}

}  // namespace
}  // namespace touchstone::gotrace
