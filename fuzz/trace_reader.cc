// fuzz/trace_reader.cc — the trace file reader on arbitrary bytes.
//
// trace::read_trace (conformance/trace/trace_file.h) must never crash, hang or allocate without
// bound on any input. When it accepts the bytes, the encoding being canonical (README.md: minimal
// varints, fixed header, counted trailer), write_trace(records, flags) must give back exactly
// the input bytes; every record must also dump (dump_trace) without trouble. When it rejects
// them, *out must be empty and the error must name a byte offset ("offset N: ...") inside the
// input (N <= size). A violation prints "fuzz trace_reader: ..." and aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "conformance/trace/trace_file.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz trace_reader: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace touchstone::trace;
  const std::span<const std::uint8_t> in(data, size);
  std::vector<TraceRecord> records;
  std::string err;
  std::uint16_t flags = 0xFFFF;
  if (!read_trace(in, &records, &err, kMaxTraceRecords, &flags)) {
    if (!records.empty()) fail("read_trace failed (" + err + ") but left " + std::to_string(records.size()) + " records");
    unsigned long long off = 0;
    int used = 0;
    if (std::sscanf(err.c_str(), "offset %llu: %n", &off, &used) != 1 || used == 0) {
      fail("read_trace's error does not start with \"offset N: \": " + err);
    }
    if (off > size) fail("read_trace's error names offset " + std::to_string(off) + " of a " + std::to_string(size) +
                         "-byte input: " + err);
    return 0;
  }
  if ((flags & ~kTraceKnownFlags) != 0) fail("read_trace accepted unknown flags " + std::to_string(flags));
  const std::string back = write_trace(records, flags);
  if (back.size() != size || std::memcmp(back.data(), data, size) != 0) {
    std::size_t i = 0;
    while (i < size && i < back.size() && std::uint8_t(back[i]) == data[i]) i++;
    fail("write_trace(read_trace(input)) differs from the input at byte " + std::to_string(i) + " (input " +
         std::to_string(size) + " bytes, rewritten " + std::to_string(back.size()) + ", " +
         std::to_string(records.size()) + " records): the encoding is not canonical");
  }
  const std::string text = dump_trace(records);
  if (!records.empty() && text.empty()) fail("dump_trace printed nothing for a non-empty trace");
  return 0;
}
