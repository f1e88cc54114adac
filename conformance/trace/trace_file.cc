// conformance/trace/trace_file.cc — see trace_file.h; the byte layout is in README.md.
#include "conformance/trace/trace_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include "runtime/runtime2.h"

namespace touchstone::trace {

using runtime::EvKind;

bool operator==(const TraceRecord& x, const TraceRecord& y) {
  return x.ev.kind == y.ev.kind && x.ev.p == y.ev.p && x.ev.m == y.ev.m && x.ev.g == y.ev.g &&
         x.ev.a == y.ev.a && x.ev.b == y.ev.b && x.ev.n == y.ev.n && x.seq == y.seq && x.gseq == y.gseq;
}

namespace {

// ---- encoding ----------------------------------------------------------------------------------

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

std::int64_t unzigzag(std::uint64_t u) {
  return static_cast<std::int64_t>(u >> 1) ^ -static_cast<std::int64_t>(u & 1);
}

void put_u16(std::string* out, std::uint16_t v) {
  out->push_back(static_cast<char>(v & 0xff));
  out->push_back(static_cast<char>(v >> 8));
}

void put_u32(std::string* out, std::uint32_t v) {
  for (int i = 0; i < 4; i++) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Unsigned LEB128, minimal form: 7 bits per byte, low group first, high bit = more follows.
void put_varint(std::string* out, std::uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void put_record(std::string* out, const TraceRecord& r) {
  out->push_back(static_cast<char>(r.ev.kind));
  put_varint(out, r.seq);
  put_varint(out, r.gseq);
  put_varint(out, zigzag(r.ev.p));
  put_varint(out, zigzag(r.ev.m));
  put_varint(out, static_cast<std::uint64_t>(r.ev.g));  // two's complement: goids are >= 0
  put_varint(out, r.ev.a);
  put_varint(out, r.ev.b);
  put_varint(out, static_cast<std::uint64_t>(r.ev.n));  // two's complement: counts, goids
}

// ---- decoding ----------------------------------------------------------------------------------

// The smallest record: a kind byte and eight one-byte varints. Bounds the reservation.
constexpr std::size_t kMinRecordBytes = 9;
// Never reserve more than this many records up front; the vector grows past it on demand.
constexpr std::size_t kMaxReserve = std::size_t{1} << 16;

bool is_status_kind(EvKind k) { return k == EvKind::GStatus || k == EvKind::PStatus; }

// A cursor over the input that records the first error. Every error names the offset where
// the offending field starts.
class Reader {
 public:
  Reader(std::span<const std::uint8_t> bytes, std::uint64_t max_records) : in_(bytes), max_records_(max_records) {}
  std::uint16_t flags() const { return flags_; }

  bool read(std::vector<TraceRecord>* out) {
    if (!read_header()) return false;
    out->reserve(std::min(remaining() / kMinRecordBytes, kMaxReserve));
    for (;;) {
      const std::size_t at = pos_;
      if (at == in_.size()) {
        return fail(at, "expected a record kind (0.." + std::to_string(kEvKindCount - 1) +
                            ") or the trailer (0xff), got end of input");
      }
      const std::uint8_t kind = in_[pos_];
      if (kind == kTrailerKind) return read_trailer(out->size());
      if (kind >= kEvKindCount) {
        return fail(at, "expected a record kind (0.." + std::to_string(kEvKindCount - 1) +
                            ") or the trailer (0xff), got " + hex_byte(kind));
      }
      if (out->size() >= max_records_) {
        return fail(at, "expected the trailer after at most " + std::to_string(max_records_) + " records");
      }
      pos_++;
      TraceRecord r;
      if (!read_record(static_cast<EvKind>(kind), out->size(), &r)) return false;
      out->push_back(r);
    }
  }

  const std::string& error() const { return error_; }

 private:
  std::size_t remaining() const { return in_.size() - pos_; }

  bool fail(std::size_t offset, const std::string& what) {
    error_ = "offset " + std::to_string(offset) + ": " + what;
    return false;
  }

  static std::string hex_byte(std::uint8_t b) {
    static constexpr char kHex[] = "0123456789abcdef";
    return std::string("0x") + kHex[b >> 4] + kHex[b & 15];
  }

  // A fixed-size little-endian header field; `what` is "version 1" etc.
  bool read_fixed(std::size_t size, const std::string& what, std::uint64_t* v) {
    const std::size_t at = pos_;
    if (remaining() < size) {
      return fail(at, "expected " + what + (remaining() == 0 ? ", got end of input" : ", input ends mid-field"));
    }
    *v = 0;
    for (std::size_t i = 0; i < size; i++) *v |= std::uint64_t{in_[pos_ + i]} << (8 * i);
    pos_ += size;
    return true;
  }

  bool read_header() {
    static const std::string kMagicText = "magic \"TSTRACE\\0\"";
    const std::size_t have = std::min(in_.size(), sizeof kTraceMagic);
    if (have > 0 && std::memcmp(in_.data(), kTraceMagic, have) != 0) return fail(0, "expected " + kMagicText);
    if (have < sizeof kTraceMagic) {
      return fail(0, "expected " + kMagicText +
                         (have == 0 ? ", got end of input" : ", input ends after " + std::to_string(have) + " bytes"));
    }
    pos_ = sizeof kTraceMagic;
    std::uint64_t v = 0;
    const std::string version = "version " + std::to_string(kTraceVersion);
    if (!read_fixed(2, version, &v)) return false;
    if (v != kTraceVersion) return fail(8, "expected " + version + ", got " + std::to_string(v));
    if (!read_fixed(2, "flags", &v)) return false;
    if ((v & ~std::uint64_t{kTraceKnownFlags}) != 0) {
      return fail(10, "expected flags with only bit 0 (exact order) set, got " + std::to_string(v));
    }
    flags_ = static_cast<std::uint16_t>(v);
    if (!read_fixed(4, "reserved 0", &v)) return false;
    if (v != 0) return fail(12, "expected reserved 0, got " + std::to_string(v));
    return true;
  }

  // "seq of record 3", "count of the trailer": built only for error messages.
  static std::string field_name(const char* name, std::size_t record) {
    return std::string(name) + (record == kTrailer ? " of the trailer" : " of record " + std::to_string(record));
  }

  // Unsigned LEB128 of at most 10 bytes, in minimal form, fitting 64 bits. `name` and
  // `record` name the field in errors.
  bool read_varint(const char* name, std::size_t record, std::uint64_t* v) {
    const std::size_t at = pos_;
    *v = 0;
    for (std::size_t i = 0;; i++) {
      if (pos_ == in_.size()) {
        return fail(at, "expected varint " + field_name(name, record) +
                            (i == 0 ? ", got end of input" : ", input ends mid-varint"));
      }
      const std::uint8_t byte = in_[pos_++];
      const bool more = (byte & 0x80) != 0;
      if (i == kMaxVarintBytes - 1) {
        if (more) return fail(at, "expected varint " + field_name(name, record) + " of at most 10 bytes");
        if (byte > 1) return fail(at, "expected varint " + field_name(name, record) + " to fit 64 bits");
      }
      *v |= std::uint64_t{byte & 0x7fu} << (7 * i);
      if (!more) {
        if (i > 0 && byte == 0) return fail(at, "expected varint " + field_name(name, record) + " in minimal form");
        return true;
      }
    }
  }

  bool read_u32(const char* name, std::size_t record, std::uint32_t* v) {
    const std::size_t at = pos_;
    std::uint64_t u = 0;
    if (!read_varint(name, record, &u)) return false;
    if (u > std::numeric_limits<std::uint32_t>::max()) {
      return fail(at, "expected " + field_name(name, record) + " to fit uint32, got " + std::to_string(u));
    }
    *v = static_cast<std::uint32_t>(u);
    return true;
  }

  // Offsets of the fields checked after the whole record is read.
  struct Offsets {
    std::size_t gseq = 0, a = 0, b = 0;
  };

  bool read_record(EvKind kind, std::size_t index, TraceRecord* r) {
    r->ev.kind = kind;
    Offsets at;
    std::uint64_t u = 0;
    if (!read_varint("seq", index, &r->seq)) return false;
    at.gseq = pos_;
    if (!read_varint("gseq", index, &r->gseq)) return false;
    const std::size_t p_at = pos_;
    if (!read_varint("p", index, &u)) return false;
    const std::int64_t p = unzigzag(u);
    if (p < std::numeric_limits<std::int32_t>::min() || p > std::numeric_limits<std::int32_t>::max()) {
      return fail(p_at, "expected " + field_name("p", index) + " to fit int32, got " + std::to_string(p));
    }
    r->ev.p = static_cast<std::int32_t>(p);
    if (!read_varint("m", index, &u)) return false;
    r->ev.m = unzigzag(u);
    if (!read_varint("g", index, &u)) return false;
    r->ev.g = static_cast<std::int64_t>(u);
    at.a = pos_;
    if (!read_u32("a", index, &r->ev.a)) return false;
    at.b = pos_;
    if (!read_u32("b", index, &r->ev.b)) return false;
    if (!read_varint("n", index, &u)) return false;
    r->ev.n = static_cast<std::int64_t>(u);
    r->ev.gseq = r->gseq;
    return check_gseq(*r, index, at.gseq) && check_status(*r, index, at);
  }

  // gseq is 0 exactly for the records without a G.
  bool check_gseq(const TraceRecord& r, std::size_t index, std::size_t at) {
    if (r.ev.g == 0 && r.gseq != 0) {
      return fail(at, "expected " + field_name("gseq", index) + " to be 0 (no G), got " + std::to_string(r.gseq));
    }
    if (r.ev.g != 0 && r.gseq == 0) {
      return fail(at, "expected " + field_name("gseq", index) + " to be at least 1 (g is " +
                          std::to_string(r.ev.g) + "), got 0");
    }
    return true;
  }

  // GStatus and PStatus carry from (a) and to (b) statuses.
  bool check_status(const TraceRecord& r, std::size_t index, const Offsets& at) {
    if (!is_status_kind(r.ev.kind)) return true;
    const bool g = r.ev.kind == EvKind::GStatus;
    const std::uint32_t count = g ? runtime::kGStatusCount : kPStatusCount;
    if (r.ev.a < count && r.ev.b < count) return true;
    const bool bad_a = r.ev.a >= count;
    return fail(bad_a ? at.a : at.b, "expected " + field_name(bad_a ? "a" : "b", index) + " (" +
                                         runtime::evkind_name(r.ev.kind) + ") to be a " + (g ? "G" : "P") +
                                         " status below " + std::to_string(count) + ", got " +
                                         std::to_string(bad_a ? r.ev.a : r.ev.b));
  }

  bool read_trailer(std::size_t records) {
    pos_++;  // the 0xff
    const std::size_t at = pos_;
    std::uint64_t count = 0;
    if (!read_varint("count", kTrailer, &count)) return false;
    if (count != records) {
      return fail(at, "expected trailer count " + std::to_string(records) + ", got " + std::to_string(count));
    }
    if (pos_ != in_.size()) {
      return fail(pos_, "expected end of input after the trailer, got " + std::to_string(remaining()) + " more bytes");
    }
    return true;
  }

  static constexpr std::size_t kTrailer = std::numeric_limits<std::size_t>::max();

  std::span<const std::uint8_t> in_;
  std::uint16_t flags_ = 0;
  std::uint64_t max_records_;
  std::size_t pos_ = 0;
  std::string error_;
};

// The longest valid trace: a header, kMaxTraceRecords records of 1 + 8 * 10 bytes, a trailer.
constexpr std::uint64_t kMaxTraceBytes =
    kTraceHeaderSize + kMaxTraceRecords * (1 + 8 * kMaxVarintBytes) + 1 + kMaxVarintBytes;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

void set_error(std::string* error, std::string msg) {
  if (error != nullptr) *error = std::move(msg);
}

std::string errno_text(int err) { return std::strerror(err); }

// Reads the whole file into *data, refusing more than kMaxTraceBytes.
bool slurp(const std::string& path, std::string* data, std::string* error) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    set_error(error, path + ": cannot open: " + errno_text(errno));
    return false;
  }
  char chunk[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(chunk, 1, sizeof chunk, f.get());
    data->append(chunk, n);
    if (data->size() > kMaxTraceBytes) {
      set_error(error, path + ": offset " + std::to_string(kMaxTraceBytes) + ": expected end of input (a trace of " +
                           std::to_string(kMaxTraceRecords) + " records is at most " + std::to_string(kMaxTraceBytes) +
                           " bytes)");
      return false;
    }
    if (n < sizeof chunk) break;
  }
  if (std::ferror(f.get())) {
    set_error(error, path + ": cannot read: " + errno_text(errno));
    return false;
  }
  return true;
}

}  // namespace

// ---- writer ------------------------------------------------------------------------------------

std::string write_trace(std::span<const TraceRecord> records, std::uint16_t flags) {
  std::string out;
  out.reserve(kTraceHeaderSize + records.size() * 16 + 1 + kMaxVarintBytes);
  out.append(kTraceMagic, sizeof kTraceMagic);
  put_u16(&out, kTraceVersion);
  put_u16(&out, flags & kTraceKnownFlags);
  put_u32(&out, 0);  // reserved
  for (const TraceRecord& r : records) put_record(&out, r);
  out.push_back(static_cast<char>(kTrailerKind));
  put_varint(&out, records.size());
  return out;
}

bool write_trace_file(const std::string& path, std::span<const TraceRecord> records, std::string* error,
                      std::uint16_t flags) {
  const std::string bytes = write_trace(records, flags);
  const std::string tmp = path + ".tmp";
  File f(std::fopen(tmp.c_str(), "wb"));
  if (!f) {
    set_error(error, tmp + ": cannot open: " + errno_text(errno));
    return false;
  }
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f.get()) == bytes.size();
  const int write_errno = errno;
  const bool closed = std::fclose(f.release()) == 0;
  if (!written || !closed) {
    set_error(error, tmp + ": cannot write: " + errno_text(written ? errno : write_errno));
    std::remove(tmp.c_str());
    return false;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    set_error(error, path + ": cannot rename " + tmp + " to it: " + errno_text(errno));
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

// ---- reader ------------------------------------------------------------------------------------

bool read_trace(std::span<const std::uint8_t> bytes, std::vector<TraceRecord>* out, std::string* error,
                std::uint64_t max_records, std::uint16_t* flags) {
  out->clear();
  Reader reader(bytes, std::min(max_records, kMaxTraceRecords));
  if (reader.read(out)) {
    if (flags != nullptr) *flags = reader.flags();
    return true;
  }
  out->clear();
  out->shrink_to_fit();
  set_error(error, reader.error());
  return false;
}

bool read_trace_file(const std::string& path, std::vector<TraceRecord>* out, std::string* error,
                     std::uint16_t* flags) {
  out->clear();
  std::string data;
  if (!slurp(path, &data, error)) return false;
  std::string err;
  if (read_trace(as_bytes(data), out, &err, kMaxTraceRecords, flags)) return true;
  set_error(error, path + ": " + err);
  return false;
}

// ---- text dump ---------------------------------------------------------------------------------

namespace {

// The fields of an Event besides kind, p, m, g.
enum Field : unsigned { kA = 1, kB = 2, kN = 4 };

std::string id_or_dash(char prefix, std::int64_t v, std::int64_t none) {
  return prefix + (v == none ? std::string("-") : std::to_string(v));
}

std::string choice(std::uint32_t v, const char* zero, const char* one) {
  if (v == 0) return zero;
  if (v == 1) return one;
  return "a=" + std::to_string(v);
}

std::string gname(std::uint32_t s) {
  return s < runtime::kGStatusCount ? runtime::gstatus_name(s) : "G(" + std::to_string(s) + ")";
}

std::string pname(std::uint32_t s) {
  return s < kPStatusCount ? runtime::pstatus_name(s) : "P(" + std::to_string(s) + ")";
}

std::string reason(std::uint32_t r) {
  constexpr auto kLast = static_cast<std::uint32_t>(runtime::WaitReason::Exiting);
  if (r == 0 || r > kLast) return "reason=" + std::to_string(r);
  return std::string("\"") + runtime::waitreason_name(static_cast<runtime::WaitReason>(r)) + "\"";
}

// The kind-specific text and the fields it used.
std::string details(const runtime::Event& e, unsigned* used) {
  const auto n = std::to_string(e.n);
  switch (e.kind) {
    case EvKind::GStatus: *used = kA | kB; return gname(e.a) + "->" + gname(e.b);
    case EvKind::PStatus: *used = kA | kB; return pname(e.a) + "->" + pname(e.b);
    case EvKind::RunqPut:
      *used = kA | kB;
      return choice(e.a, "tail", "runnext") + (e.b == 1 ? " kicked" : e.b == 0 ? "" : " b=" + std::to_string(e.b));
    case EvKind::RunqGet: *used = kA; return choice(e.a, "ring", "runnext");
    case EvKind::RunqSteal:
      *used = kA | kB;
      return "from P" + std::to_string(e.a) + ((e.b & 1) ? " runnext" : " ring") + ((e.b & 2) ? " run" : " keep") +
             (e.b > 3 ? " b=" + std::to_string(e.b) : "");
    case EvKind::RunqPutSlow: *used = 0; return "";
    case EvKind::GlobrunqPut: *used = kA; return choice(e.a, "tail", "head");
    case EvKind::GlobrunqGet: *used = 0; return "";
    case EvKind::RunqDrain: *used = kA; return choice(e.a, "ring", "runnext");
    case EvKind::MStart: *used = kA | kN; return choice(e.a, "wake", "new") + " M" + n;
    case EvKind::MStop: *used = 0; return "";
    case EvKind::Exit: *used = 0; return "";
    case EvKind::UserSend: *used = kA | kB | kN; return "c" + std::to_string(e.a) + " tag=" + std::to_string(e.b) + " v=" + n;
    case EvKind::UserRecv:
      *used = kA | kB | kN;
      return "c" + std::to_string(e.a) + (e.b == 0 ? " closed" : " tag=" + std::to_string(e.b)) + " v=" + n;
    case EvKind::UserClose: *used = kA; return "c" + std::to_string(e.a);
    case EvKind::UserLock: *used = kA; return "mu" + std::to_string(e.a);
    case EvKind::UserUnlock: *used = kA; return "mu" + std::to_string(e.a);
    case EvKind::UserWgAdd: *used = kA | kN; return "wg" + std::to_string(e.a) + " " + n;
    case EvKind::UserWgWait: *used = kA | kB; return "wg" + std::to_string(e.a) + (e.b == 0 ? " begin" : e.b == 1 ? " end" : " b=" + std::to_string(e.b));
    case EvKind::Wakep:
      *used = kA | kN;
      return (e.a == 0 ? std::string("no-idle-p") : e.a == 1 ? std::string("spinner-exists") : e.a == 2 ? std::string("start")
                                                                                                    : "a=" + std::to_string(e.a)) +
             " npidle=" + n;
    case EvKind::Recheck: *used = kA; return choice(e.a, "empty", "found");
    case EvKind::MSpinning: *used = kA | kN; return choice(e.a, "stop", "start") + " nmspinning=" + n;
    case EvKind::Park: *used = kA; return reason(e.a);
    case EvKind::Ready: *used = kN; return "by " + id_or_dash('g', e.n, 0);
    case EvKind::SyscallEnter: *used = kA; return choice(e.a, "", "block");
    case EvKind::SyscallExit: *used = kA; return choice(e.a, "slow", "fast");
    case EvKind::PreemptRequest:
      *used = kA | kN;
      return id_or_dash('g', e.n, 0) + (e.a == 1 ? " by sysmon" : e.a == 2 ? " by stw" : " a=" + std::to_string(e.a));
    case EvKind::StwBegin: *used = kA; return choice(e.a, "request", "stopped");
    case EvKind::StwEnd: *used = kA; return "procs=" + std::to_string(e.a);
    case EvKind::Procs: *used = kA | kB; return std::to_string(e.a) + "->" + std::to_string(e.b);
    case EvKind::GoCreate: *used = kN; return "by " + id_or_dash('g', e.n, 0);
    case EvKind::Retake: *used = kA; return choice(e.a, "", "handed-off");
    case EvKind::GoEnd: *used = 0; return "";
  }
  *used = 0;
  return "";
}

}  // namespace

std::string dump_record(const TraceRecord& r) {
  const runtime::Event& e = r.ev;
  std::string line = "#" + std::to_string(r.seq) + " ";
  line += e.g == 0 ? std::string("g-") : "g" + std::to_string(e.g) + "." + std::to_string(r.gseq);
  line += " " + id_or_dash('M', e.m, -1) + " " + id_or_dash('P', e.p, -1) + " ";
  const auto kind = static_cast<std::uint32_t>(e.kind);
  line += kind < kEvKindCount ? runtime::evkind_name(e.kind) : "kind(" + std::to_string(kind) + ")";
  unsigned used = 0;
  const std::string d = kind < kEvKindCount ? details(e, &used) : std::string();
  if (!d.empty()) line += " " + d;
  if (!(used & kA) && e.a != 0) line += " a=" + std::to_string(e.a);
  if (!(used & kB) && e.b != 0) line += " b=" + std::to_string(e.b);
  if (!(used & kN) && e.n != 0) line += " n=" + std::to_string(e.n);
  if (e.g == 0 && r.gseq != 0) line += " gseq=" + std::to_string(r.gseq);
  return line;
}

std::string dump_trace(std::span<const TraceRecord> records) {
  std::string out;
  for (const TraceRecord& r : records) {
    out += dump_record(r);
    out += '\n';
  }
  return out;
}

}  // namespace touchstone::trace
