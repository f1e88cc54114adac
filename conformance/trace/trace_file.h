// conformance/trace/trace_file.h — the trace file format (version 1): records, writer, reader,
// text dump.
//
// A trace is a sequence of TraceRecords: a runtime::Event plus two sequence numbers. The byte
// layout is specified in conformance/trace/README.md; this header is its API:
//
//   std::string bytes = write_trace(records);            // never fails
//   std::vector<TraceRecord> back;
//   std::string err;
//   if (!read_trace(as_bytes(bytes), &back, &err)) ...   // err: "offset N: expected ..."
//   std::puts(dump_trace(back).c_str());                 // one line per record
//
// The reader is written for hostile input: any malformed, truncated or out-of-range byte
// sequence is rejected with the byte offset of the problem; it never crashes, never loops on
// its input and never allocates more than a bounded multiple of the input size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/trace.h"

namespace touchstone::trace {

// One event of a trace.
//
//   seq  — the record's position in the buffer of the M that emitted it: 0, 1, 2, ... per M
//          id (ev.m >= 0); all events with ev.m < 0 (sysmon, the host thread) share one buffer
//          and one counter. In a merged trace the records of one buffer appear in seq order.
//   gseq — the per-goroutine sequence number: for an event naming a G (ev.g != 0), 1, 2, 3, ...
//          in the order the events happened to that G; 0 for events without a G. The runtime
//          draws it (runtime/trace.h, "gseq"); ev.gseq carries the same number.
struct TraceRecord {
  runtime::Event ev;
  std::uint64_t seq = 0;
  std::uint64_t gseq = 0;
};

bool operator==(const TraceRecord& x, const TraceRecord& y);

// ---- format constants (README.md) ------------------------------------------------------------
inline constexpr char kTraceMagic[8] = {'T', 'S', 'T', 'R', 'A', 'C', 'E', '\0'};
inline constexpr std::uint16_t kTraceVersion = 2;
// Header flags. kTraceFlagExactOrder: the records are in the order the events happened (a
// simulated run: runtime/trace.h, "Linearization rule"), so a checker may use the order between
// different Gs and Ms; without it only each M's and each G's own order hold (a native trace).
inline constexpr std::uint16_t kTraceFlagExactOrder = 1;
inline constexpr std::uint16_t kTraceKnownFlags = kTraceFlagExactOrder;
inline constexpr std::size_t kTraceHeaderSize = 16;
inline constexpr std::uint8_t kTrailerKind = 0xFF;
// Number of EvKind values; a kind byte >= this (other than the trailer) is unknown.
inline constexpr std::uint32_t kEvKindCount = static_cast<std::uint32_t>(runtime::kLastEvKind) + 1;
// Number of P status values (Pdead is the last).
inline constexpr std::uint32_t kPStatusCount = 5;
// The reader refuses traces with more records than this (64 Mi).
inline constexpr std::uint64_t kMaxTraceRecords = std::uint64_t{64} << 20;
// The longest unsigned LEB128 varint of a 64-bit value.
inline constexpr std::size_t kMaxVarintBytes = 10;

// ---- writer ----------------------------------------------------------------------------------

// Encodes records as a version-1 trace (header, records, trailer). Records are written as
// given; the reader accepts the result if every record is well-formed (README.md, "Validity"):
// GStatus/PStatus statuses below their counts, gseq == 0 exactly when g == 0, at most
// kMaxTraceRecords records.
std::string write_trace(std::span<const TraceRecord> records, std::uint16_t flags = 0);

// Writes write_trace(records) to `path`: first to "<path>.tmp", then renamed over `path`, so a
// reader never sees a half-written file. On failure returns false, sets *error (if non-null)
// to "<file>: <what failed>: <strerror>" and leaves no .tmp file behind.
bool write_trace_file(const std::string& path, std::span<const TraceRecord> records, std::string* error,
                      std::uint16_t flags = 0);

// ---- reader ----------------------------------------------------------------------------------

// Decodes a version-1 trace. On success fills *out and returns true. On any malformed input
// returns false, leaves *out empty and sets *error (if non-null) to "offset N: <what was
// expected>", N being the byte offset of the problem (README.md lists every message). A trace
// with more than max_records records is refused (a lower limit is for tests and callers with
// tighter memory budgets). *flags (if non-null) receives the header's flags. Each record's
// ev.gseq is set equal to its gseq.
bool read_trace(std::span<const std::uint8_t> bytes, std::vector<TraceRecord>* out, std::string* error,
                std::uint64_t max_records = kMaxTraceRecords, std::uint16_t* flags = nullptr);

// Convenience for a std::string holding the bytes (e.g. write_trace's result).
inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Reads and decodes the file at `path`. Errors: "<path>: cannot open: <strerror>",
// "<path>: cannot read: <strerror>", or "<path>: offset N: ..." from read_trace.
bool read_trace_file(const std::string& path, std::vector<TraceRecord>* out, std::string* error,
                     std::uint16_t* flags = nullptr);

// ---- text dump -------------------------------------------------------------------------------

// One line per record, '\n'-terminated:
//   #<seq> g<g>.<gseq> M<m> P<p> <Kind>[ <details>]
// with "g-", "M-", "P-" for no G (0), no M (-1), no P (-1). Details decode a, b and n per kind
// (runtime/trace.h), e.g. "#12 g7.3 M1 P0 GStatus Grunnable->Grunning"; a field the kind does
// not use is appended as " a=N" / " b=N" / " n=N" when it is not zero, so nothing is hidden.
std::string dump_record(const TraceRecord& r);
std::string dump_trace(std::span<const TraceRecord> records);

}  // namespace touchstone::trace
