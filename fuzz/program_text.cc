// fuzz/program_text.cc — the workload language's parser on arbitrary text.
//
// program::parse (conformance/program/text.h) must never crash, hang or leak on any input. When
// it accepts the text:
//   - the program is valid (program::validate returns ""), since parse produces only valid ones;
//   - the round trip holds: t2 = print(p) parses again, to a program equal to p;
//   - t2 is canonical: print(parse(t2)) == t2.
// When it rejects the text, the error has the documented form "<input>:<line>:<col>: ...".
// A violation prints "fuzz program_text: ..." with the texts involved and aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "conformance/program/text.h"

namespace {

[[noreturn]] void fail(const std::string& what, std::string_view input, const std::string& printed) {
  std::fprintf(stderr, "fuzz program_text: %s\n--- input (%zu bytes) ---\n%.*s\n--- print(parse(input)) ---\n%s---\n",
               what.c_str(), input.size(), int(input.size()), input.data(), printed.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace touchstone::program;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ParseResult r = parse(text);
  if (!r.ok()) {
    if (r.error.rfind("<input>:", 0) != 0) fail("parse error without a position: " + r.error, text, "");
    return 0;
  }
  const Program& p = *r.program;
  if (const std::string bad = validate(p); !bad.empty()) fail("parse accepted an invalid program: " + bad, text, "");
  const std::string t2 = print(p);
  const ParseResult r2 = parse(t2);
  if (!r2.ok()) fail("print(parse(input)) does not parse: " + r2.error, text, t2);
  if (!(*r2.program == p)) fail("parse(print(parse(input))) != parse(input)", text, t2);
  const std::string t3 = print(*r2.program);
  if (t3 != t2) fail("print is not canonical: print(parse(t2)) != t2", text, t2 + "--- print(parse(t2)) ---\n" + t3);
  return 0;
}
