// conformance/program/text.cc — parse and print of the text form (text.h), and validate()
// (program.h), which checks the same rules as the parser on a Program built any other way.
//
// The parser works line by line: a line is tokenized (identifiers, unsigned integers, `{`,
// `}`, `+`, `-`), then parsed as one declaration or one statement. Blocks (`go NAME {`,
// `loop N {`) are tracked on an explicit stack, so no input can make it recurse. References to
// bodies, channels, mutexes and wait groups are recorded with their positions and resolved once
// the whole text is read.
#include "conformance/program/text.h"

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace touchstone::program {

// ---- shared helpers --------------------------------------------------------------------------

const char* op_keyword(OpKind k) {
  switch (k) {
    case OpKind::Spawn: return "spawn";
    case OpKind::Yield: return "yield";
    case OpKind::Work: return "work";
    case OpKind::Send: return "send";
    case OpKind::Recv: return "recv";
    case OpKind::Close: return "close";
    case OpKind::Lock: return "lock";
    case OpKind::Unlock: return "unlock";
    case OpKind::WgAdd:
    case OpKind::WgDone:
    case OpKind::WgWait: return "wg";
    case OpKind::Sleep: return "sleep";
    case OpKind::Syscall: return "syscall";
    case OpKind::Loop: return "loop";
    case OpKind::End: return "}";
    case OpKind::Exit: return "exit";
    case OpKind::Alloc: return "alloc";
    case OpKind::Store: return "store";
    case OpKind::Load: return "load";
    case OpKind::Call: return "call";
    case OpKind::Ret: return "ret";
    case OpKind::Procs: return "procs";
  }
  return "?";
}

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > std::size_t(kMaxNameLength) || !is_alpha(s[0])) return false;
  for (char c : s) {
    if (!is_alpha(c) && !is_digit(c)) return false;
  }
  return true;
}

// The reserved kinds: 16..31 (program.h).
bool is_reserved(OpKind k) { return std::uint8_t(k) >= std::uint8_t(OpKind::Alloc) && std::uint8_t(k) <= 31; }

// A kind the language has a name for (0..20, 32); check_op rejects any other value.
bool known_kind(OpKind k) { return std::uint8_t(k) <= std::uint8_t(OpKind::Ret) || k == OpKind::Procs; }

// What each kind uses: a reference (and to what), a number, a loop variable.
enum class RefKind { None, Body, Chan, Mutex, Wg };

RefKind ref_kind(OpKind k) {
  switch (k) {
    case OpKind::Spawn: return RefKind::Body;
    case OpKind::Send:
    case OpKind::Recv:
    case OpKind::Close: return RefKind::Chan;
    case OpKind::Lock:
    case OpKind::Unlock: return RefKind::Mutex;
    case OpKind::WgAdd:
    case OpKind::WgDone:
    case OpKind::WgWait: return RefKind::Wg;
    default: return RefKind::None;
  }
}

const char* ref_kind_name(RefKind k) {
  switch (k) {
    case RefKind::Body: return "body";
    case RefKind::Chan: return "channel";
    case RefKind::Mutex: return "mutex";
    case RefKind::Wg: return "wait group";
    case RefKind::None: break;
  }
  return "name";
}

// The inclusive range of n for kinds that carry a number; false for kinds whose n must be 0.
bool n_range(OpKind k, std::int64_t* lo, std::int64_t* hi) {
  switch (k) {
    case OpKind::Work: *lo = 0, *hi = kMaxWork; return true;
    case OpKind::Sleep:
    case OpKind::Syscall: *lo = 0, *hi = kMaxMicros; return true;
    case OpKind::WgAdd: *lo = -kMaxWgDelta, *hi = kMaxWgDelta; return true;
    case OpKind::Send: *lo = -kMaxValue, *hi = kMaxValue; return true;
    case OpKind::Loop: *lo = 0, *hi = kMaxLoopCount; return true;
    case OpKind::Procs: *lo = 1, *hi = kMaxProcs; return true;
    default: return false;
  }
}

}  // namespace

int count_ops(const Program& p) {
  int n = 0;
  for (const Body& b : p.bodies) {
    for (const Op& op : b.ops) n += op.kind != OpKind::End;
  }
  return n;
}

// ---- validate --------------------------------------------------------------------------------

namespace {

std::string check_names(const Program& p) {
  std::map<std::string, const char*> seen;
  auto add = [&](const std::string& name, const char* what) -> std::string {
    if (!valid_name(name)) return std::string("invalid ") + what + " name '" + name + "'";
    auto [it, fresh] = seen.emplace(name, what);
    if (!fresh) return "duplicate name '" + name + "' (" + it->second + " and " + what + ")";
    return {};
  };
  for (const ChanDecl& c : p.chans) {
    if (auto e = add(c.name, "channel"); !e.empty()) return e;
    if (c.cap < 0 || c.cap > kMaxChanCap) {
      return "channel '" + c.name + "': capacity " + std::to_string(c.cap) + " out of range (0.." +
             std::to_string(kMaxChanCap) + ")";
    }
  }
  for (const std::string& m : p.mutexes) {
    if (auto e = add(m, "mutex"); !e.empty()) return e;
  }
  for (const std::string& w : p.waitgroups) {
    if (auto e = add(w, "wait group"); !e.empty()) return e;
  }
  for (const Body& b : p.bodies) {
    if (auto e = add(b.name, "body"); !e.empty()) return e;
  }
  return {};
}

std::string check_op(const Program& p, const Op& op, const std::vector<const Op*>& loops) {
  if (!known_kind(op.kind)) return "unknown op kind " + std::to_string(int(op.kind));
  if (is_reserved(op.kind)) return std::string("'") + op_keyword(op.kind) + "' is reserved (not yet supported)";
  const RefKind rk = ref_kind(op.kind);
  std::size_t limit = 0;
  switch (rk) {
    case RefKind::Body: limit = p.bodies.size(); break;
    case RefKind::Chan: limit = p.chans.size(); break;
    case RefKind::Mutex: limit = p.mutexes.size(); break;
    case RefKind::Wg: limit = p.waitgroups.size(); break;
    case RefKind::None: break;
  }
  if (rk == RefKind::None) {
    if (op.ref != 0) return "ref must be 0";
  } else if (op.ref < 0 || std::size_t(op.ref) >= limit) {
    return std::string(ref_kind_name(rk)) + " " + std::to_string(op.ref) + " out of range (" +
           std::to_string(limit) + " declared)";
  }
  std::int64_t lo = 0, hi = 0;
  if (n_range(op.kind, &lo, &hi)) {
    if (op.n < lo || op.n > hi) {
      return "number " + std::to_string(op.n) + " out of range (" + std::to_string(lo) + ".." + std::to_string(hi) + ")";
    }
  } else if (op.n != 0) {
    return "n must be 0";
  }
  if (op.kind == OpKind::Send && op.var != -1) {
    if (op.var < 0 || std::size_t(op.var) >= loops.size()) return "var " + std::to_string(op.var) + " names no enclosing loop";
    if (loops[std::size_t(op.var)]->name.empty()) return "var " + std::to_string(op.var) + " names a loop without a variable";
  } else if (op.var != -1) {
    return "var must be -1";
  }
  if (op.kind == OpKind::Loop) {
    if (!op.name.empty()) {
      if (!valid_name(op.name)) return "invalid loop variable name '" + op.name + "'";
      for (const Op* l : loops) {
        if (l->name == op.name) return "loop variable '" + op.name + "' is already bound by an enclosing loop";
      }
    }
  } else if (!op.name.empty()) {
    return "name must be empty";
  }
  return {};
}

std::string check_body(const Program& p, const Body& b) {
  std::vector<const Op*> loops;  // the enclosing Loop ops
  for (std::size_t i = 0; i < b.ops.size(); i++) {
    const Op& op = b.ops[i];
    auto fail = [&](const std::string& msg) {
      return "body '" + b.name + "' op " + std::to_string(i) + " (" + op_keyword(op.kind) + "): " + msg;
    };
    if (auto e = check_op(p, op, loops); !e.empty()) return fail(e);
    if (op.kind == OpKind::Loop) {
      if (loops.size() == std::size_t(kMaxDepth)) return fail("loops nested deeper than " + std::to_string(kMaxDepth));
      loops.push_back(&op);
    } else if (op.kind == OpKind::End) {
      if (loops.empty()) return fail("'}' without an open loop");
      loops.pop_back();
    }
  }
  if (!loops.empty()) return "body '" + b.name + "': " + std::to_string(loops.size()) + " loop(s) not closed";
  return {};
}

}  // namespace

std::string validate(const Program& p) {
  if (p.bodies.empty()) return "no bodies (body 0 must be main)";
  if (p.bodies.size() > std::size_t(kMaxBodies)) return "too many bodies (at most " + std::to_string(kMaxBodies) + ")";
  if (p.chans.size() > std::size_t(kMaxChans)) return "too many channels (at most " + std::to_string(kMaxChans) + ")";
  if (p.mutexes.size() > std::size_t(kMaxMutexes)) return "too many mutexes (at most " + std::to_string(kMaxMutexes) + ")";
  if (p.waitgroups.size() > std::size_t(kMaxWaitGroups)) {
    return "too many wait groups (at most " + std::to_string(kMaxWaitGroups) + ")";
  }
  if (p.bodies[0].name != "main") return "body 0 is '" + p.bodies[0].name + "', not main";
  if (auto e = check_names(p); !e.empty()) return e;
  for (const Body& b : p.bodies) {
    if (auto e = check_body(p, b); !e.empty()) return e;
  }
  if (count_ops(p) > kMaxOps) return "too many operations (at most " + std::to_string(kMaxOps) + ")";
  return {};
}

// ---- print -----------------------------------------------------------------------------------

namespace {

std::string ref_name(const Program& p, RefKind rk, std::int32_t i) {
  auto pick = [&](auto const& v, auto const& get) -> std::string {
    if (i < 0 || std::size_t(i) >= v.size()) return "?" + std::to_string(i);
    return get(v[std::size_t(i)]);
  };
  switch (rk) {
    case RefKind::Body: return pick(p.bodies, [](const Body& b) { return b.name; });
    case RefKind::Chan: return pick(p.chans, [](const ChanDecl& c) { return c.name; });
    case RefKind::Mutex: return pick(p.mutexes, [](const std::string& s) { return s; });
    case RefKind::Wg: return pick(p.waitgroups, [](const std::string& s) { return s; });
    case RefKind::None: break;
  }
  return "?";
}

std::string value_text(const Op& op, const std::vector<const Op*>& loops) {
  if (op.var < 0) return std::to_string(op.n);
  std::string s = std::size_t(op.var) < loops.size() ? loops[std::size_t(op.var)]->name : "?";
  if (s.empty()) s = "?";
  if (op.n > 0) s += "+" + std::to_string(op.n);
  if (op.n < 0) s += std::to_string(op.n);  // "-7"
  return s;
}

void print_body(const Program& p, const Body& b, std::string& out) {
  out += "go " + b.name + " {\n";
  std::vector<const Op*> loops;
  for (const Op& op : b.ops) {
    if (op.kind == OpKind::End && !loops.empty()) loops.pop_back();
    out.append(2 * (1 + loops.size()), ' ');
    const std::string ref = ref_name(p, ref_kind(op.kind), op.ref);
    switch (op.kind) {
      case OpKind::Spawn:
      case OpKind::Recv:
      case OpKind::Close:
      case OpKind::Lock:
      case OpKind::Unlock: out += std::string(op_keyword(op.kind)) + " " + ref; break;
      case OpKind::Work:
      case OpKind::Sleep:
      case OpKind::Syscall:
      case OpKind::Procs: out += std::string(op_keyword(op.kind)) + " " + std::to_string(op.n); break;
      case OpKind::Send: out += "send " + ref + " " + value_text(op, loops); break;
      case OpKind::WgAdd: out += "wg " + ref + " add " + std::to_string(op.n); break;
      case OpKind::WgDone: out += "wg " + ref + " done"; break;
      case OpKind::WgWait: out += "wg " + ref + " wait"; break;
      case OpKind::Loop:
        out += "loop " + std::to_string(op.n) + (op.name.empty() ? "" : " as " + op.name) + " {";
        loops.push_back(&op);
        break;
      default: out += op_keyword(op.kind); break;  // yield, exit, }, reserved
    }
    out += '\n';
  }
  out += "}\n";
}

}  // namespace

std::string print(const Program& p) {
  std::string out;
  for (const ChanDecl& c : p.chans) out += "chan " + c.name + " cap " + std::to_string(c.cap) + "\n";
  for (const std::string& m : p.mutexes) out += "mutex " + m + "\n";
  for (const std::string& w : p.waitgroups) out += "waitgroup " + w + "\n";
  for (const Body& b : p.bodies) print_body(p, b, out);
  return out;
}

// ---- parse -----------------------------------------------------------------------------------

namespace {

struct Token {
  enum Kind { Ident, Int, LBrace, RBrace, Plus, Minus } kind = Ident;
  std::string_view text;
  int col = 0;               // 1-based
  std::uint64_t value = 0;   // Int: saturated at kSaturated
};
constexpr std::uint64_t kSaturated = std::uint64_t(1) << 62;

struct Pos {
  int line = 0, col = 0;
};

// Thrown inside the parser only, caught in parse(): carries the first error.
struct ParseError {
  Pos pos;
  std::string msg;
};

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Splits one line into tokens; `#` ends it.
std::vector<Token> tokenize(std::string_view line, int lineno) {
  std::vector<Token> toks;
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    const int col = int(i) + 1;
    if (c == ' ' || c == '\t' || c == '\r') {
      i++;
    } else if (c == '#') {
      break;
    } else if (is_alpha(c)) {
      std::size_t j = i;
      while (j < line.size() && (is_alpha(line[j]) || is_digit(line[j]))) j++;
      toks.push_back({Token::Ident, line.substr(i, j - i), col});
      i = j;
    } else if (is_digit(c)) {
      std::size_t j = i;
      std::uint64_t v = 0;
      while (j < line.size() && is_digit(line[j])) {
        v = v >= kSaturated / 10 ? kSaturated : v * 10 + std::uint64_t(line[j] - '0');
        j++;
      }
      toks.push_back({Token::Int, line.substr(i, j - i), col, v});
      i = j;
    } else if (c == '{' || c == '}' || c == '+' || c == '-') {
      const Token::Kind k = c == '{' ? Token::LBrace : c == '}' ? Token::RBrace : c == '+' ? Token::Plus : Token::Minus;
      toks.push_back({k, line.substr(i, 1), col});
      i++;
    } else {
      char buf[48];
      const unsigned char u = static_cast<unsigned char>(c);
      if (u >= 0x21 && u < 0x7f) {
        std::snprintf(buf, sizeof buf, "unexpected character '%c'", c);
      } else {
        std::snprintf(buf, sizeof buf, "unexpected byte 0x%02x", unsigned(u));
      }
      throw ParseError{{lineno, col}, buf};
    }
  }
  return toks;
}

// A cursor over one line's tokens.
class Line {
 public:
  Line(std::vector<Token> toks, int lineno) : toks_(std::move(toks)), lineno_(lineno) {}

  bool at_end() const { return i_ == toks_.size(); }
  const Token& peek() const { return toks_[i_]; }
  bool next_is(Token::Kind k) const { return !at_end() && toks_[i_].kind == k; }
  bool next_is_word(std::string_view w) const { return next_is(Token::Ident) && toks_[i_].text == w; }
  const Token& take() { return toks_[i_++]; }

  // Where the next token is, or just past the last one at the end of the line.
  Pos here() const {
    if (!at_end()) return {lineno_, toks_[i_].col};
    if (toks_.empty()) return {lineno_, 1};
    const Token& last = toks_.back();
    return {lineno_, last.col + int(last.text.size())};
  }
  Pos pos_of(const Token& t) const { return {lineno_, t.col}; }

  [[noreturn]] void fail(Pos p, std::string msg) const { throw ParseError{p, std::move(msg)}; }
  [[noreturn]] void fail_here(const std::string& expected) const {
    if (at_end()) fail(here(), "expected " + expected + " at the end of the line");
    fail(here(), "unexpected " + quote(peek().text) + "; expected " + expected);
  }

  const Token& name(const std::string& what) {
    if (!next_is(Token::Ident)) fail_here(what);
    const Token& t = take();
    if (t.text.size() > std::size_t(kMaxNameLength)) {
      fail(pos_of(t), "name " + quote(t.text) + " is longer than " + std::to_string(kMaxNameLength) + " characters");
    }
    return t;
  }
  void word(std::string_view w) {
    if (!next_is_word(w)) fail_here(quote(w));
    take();
  }
  void token(Token::Kind k, std::string_view text) {
    if (!next_is(k)) fail_here(quote(text));
    take();
  }
  // [-]INT in lo..hi ('-' only when lo < 0); `what` names the number in errors ("loop count").
  std::int64_t number(const std::string& what, std::int64_t lo, std::int64_t hi) {
    const Pos p = here();
    bool neg = false;
    if (next_is(Token::Minus) && lo < 0) {
      take();
      neg = true;
    }
    if (!next_is(Token::Int)) fail_here("a number (" + what + ")");
    const Token& t = take();
    return checked(p, neg, t, what, lo, hi);
  }
  std::int64_t checked(Pos p, bool neg, const Token& t, const std::string& what, std::int64_t lo, std::int64_t hi) const {
    const std::int64_t v = neg ? -std::int64_t(t.value) : std::int64_t(t.value);
    if (t.value == kSaturated || v < lo || v > hi) {
      fail(p, what + " " + (neg ? "-" : "") + std::string(t.text) + " out of range (" + std::to_string(lo) + ".." +
                  std::to_string(hi) + ")");
    }
    return v;
  }
  void end() {
    if (!at_end()) fail(here(), "unexpected " + quote(peek().text) + "; expected the end of the line");
  }

 private:
  std::vector<Token> toks_;
  std::size_t i_ = 0;
  int lineno_;
};

class Parser {
 public:
  void line(std::string_view text, int lineno) {
    Line ln(tokenize(text, lineno), lineno);
    if (ln.at_end()) return;
    if (cur_ < 0) {
      top_level(ln);
    } else {
      statement(ln);
    }
  }

  Program finish() {
    if (cur_ >= 0) {
      const Block& b = blocks_.empty() ? body_block_ : blocks_.back();
      throw ParseError{b.pos, quote(b.keyword) + " block is never closed (missing '}')"};
    }
    int main_index = -1;
    for (std::size_t i = 0; i < prog_.bodies.size(); i++) {
      if (prog_.bodies[i].name == "main") main_index = int(i);
    }
    if (main_index < 0) throw ParseError{{1, 1}, "no 'go main' body"};
    // main becomes body 0; the others keep their order.
    std::vector<int> index(prog_.bodies.size());
    std::vector<Body> bodies;
    bodies.push_back(std::move(prog_.bodies[std::size_t(main_index)]));
    index[std::size_t(main_index)] = 0;
    for (std::size_t i = 0; i < prog_.bodies.size(); i++) {
      if (int(i) == main_index) continue;
      index[i] = int(bodies.size());
      bodies.push_back(std::move(prog_.bodies[i]));
    }
    prog_.bodies = std::move(bodies);
    for (const Ref& r : refs_) resolve(r, index);
    return std::move(prog_);
  }

 private:
  struct Block {
    Pos pos;
    std::string keyword;   // "go" or "loop"
    std::string var;       // loop variable
  };
  struct Decl {
    RefKind kind;
    Pos pos;
    int index;  // in its kind's vector (bodies: text order)
  };
  struct Ref {
    RefKind kind;
    std::string name;
    Pos pos;
    int body;  // text-order body index
    std::size_t op;
  };

  void declare(Line& ln, const Token& t, RefKind kind, int index) {
    auto [it, fresh] = decls_.emplace(std::string(t.text), Decl{kind, ln.pos_of(t), index});
    if (!fresh) {
      const Pos p = it->second.pos;
      ln.fail(ln.pos_of(t), "duplicate name " + quote(t.text) + " (first declared at " + std::to_string(p.line) + ":" +
                                std::to_string(p.col) + ")");
    }
  }

  void top_level(Line& ln) {
    const Pos start = ln.here();
    if (!ln.next_is(Token::Ident)) {
      if (ln.next_is(Token::RBrace)) ln.fail(start, "unexpected '}' outside a body");
      ln.fail_here("a declaration (chan, mutex, waitgroup or go)");
    }
    const Token& kw = ln.take();
    const std::string_view k = kw.text;
    if (k == "chan") {
      if (prog_.chans.size() == std::size_t(kMaxChans)) ln.fail(start, "too many channels (at most " + std::to_string(kMaxChans) + ")");
      const Token& name = ln.name("a channel name");
      ln.word("cap");
      const std::int64_t cap = ln.number("channel capacity", 0, kMaxChanCap);
      ln.end();
      declare(ln, name, RefKind::Chan, int(prog_.chans.size()));
      prog_.chans.push_back({std::string(name.text), cap});
    } else if (k == "mutex") {
      if (prog_.mutexes.size() == std::size_t(kMaxMutexes)) {
        ln.fail(start, "too many mutexes (at most " + std::to_string(kMaxMutexes) + ")");
      }
      const Token& name = ln.name("a mutex name");
      ln.end();
      declare(ln, name, RefKind::Mutex, int(prog_.mutexes.size()));
      prog_.mutexes.emplace_back(name.text);
    } else if (k == "waitgroup") {
      if (prog_.waitgroups.size() == std::size_t(kMaxWaitGroups)) {
        ln.fail(start, "too many wait groups (at most " + std::to_string(kMaxWaitGroups) + ")");
      }
      const Token& name = ln.name("a wait group name");
      ln.end();
      declare(ln, name, RefKind::Wg, int(prog_.waitgroups.size()));
      prog_.waitgroups.emplace_back(name.text);
    } else if (k == "go") {
      if (prog_.bodies.size() == std::size_t(kMaxBodies)) ln.fail(start, "too many bodies (at most " + std::to_string(kMaxBodies) + ")");
      const Token& name = ln.name("a body name");
      ln.token(Token::LBrace, "{");
      ln.end();
      declare(ln, name, RefKind::Body, int(prog_.bodies.size()));
      prog_.bodies.push_back({std::string(name.text), {}});
      cur_ = int(prog_.bodies.size()) - 1;
      body_block_ = {start, "go", {}};
    } else if (statement_keyword(k)) {
      ln.fail(start, quote(k) + " outside a body (statements go inside 'go NAME { ... }')");
    } else {
      ln.fail(start, "unknown declaration " + quote(k) + " (expected chan, mutex, waitgroup or go)");
    }
  }

  static bool statement_keyword(std::string_view k) {
    for (const char* w : {"spawn", "yield", "work", "send", "recv", "close", "lock", "unlock", "wg", "sleep", "syscall",
                          "loop", "exit", "procs"}) {
      if (k == w) return true;
    }
    return false;
  }

  static bool reserved_keyword(std::string_view k) {
    for (OpKind r : {OpKind::Alloc, OpKind::Store, OpKind::Load, OpKind::Call, OpKind::Ret}) {
      if (k == op_keyword(r)) return true;
    }
    return false;
  }

  void emit(Line& ln, Pos start, Op op) {
    if (op.kind != OpKind::End) {
      if (ops_ == kMaxOps) ln.fail(start, "too many operations (at most " + std::to_string(kMaxOps) + " in a program)");
      ops_++;
    }
    prog_.bodies[std::size_t(cur_)].ops.push_back(std::move(op));
  }

  // Records a reference to be resolved by name once the whole text is read. Call before emit:
  // the reference belongs to the op about to be appended.
  void ref(RefKind kind, const Token& t, Line& ln) {
    refs_.push_back({kind, std::string(t.text), ln.pos_of(t), cur_, prog_.bodies[std::size_t(cur_)].ops.size()});
  }

  void statement(Line& ln) {
    const Pos start = ln.here();
    if (ln.next_is(Token::RBrace)) {
      ln.take();
      ln.end();
      if (blocks_.empty()) {
        cur_ = -1;  // closes the body
      } else {
        blocks_.pop_back();
        emit(ln, start, Op::end());
      }
      return;
    }
    if (!ln.next_is(Token::Ident)) ln.fail_here("an operation");
    const Token& kw = ln.take();
    const std::string_view k = kw.text;
    if (reserved_keyword(k)) ln.fail(start, quote(k) + " is reserved for a later issue (not yet supported)");
    if (k == "go") ln.fail(start, "'go' inside a body: bodies do not nest (use 'spawn NAME')");
    if (k == "chan" || k == "mutex" || k == "waitgroup") ln.fail(start, quote(k) + " declarations belong at the top level");
    Op op;
    if (k == "spawn") {
      op.kind = OpKind::Spawn;
      ref(RefKind::Body, ln.name("a body name"), ln);
    } else if (k == "yield") {
      op.kind = OpKind::Yield;
    } else if (k == "exit") {
      op.kind = OpKind::Exit;
    } else if (k == "work") {
      op = Op::work(ln.number("work units", 0, kMaxWork));
    } else if (k == "sleep") {
      op = Op::sleep(ln.number("sleep microseconds", 0, kMaxMicros));
    } else if (k == "syscall") {
      op = Op::syscall(ln.number("syscall microseconds", 0, kMaxMicros));
    } else if (k == "procs") {
      op = Op::procs(ln.number("procs count", 1, kMaxProcs));
    } else if (k == "send") {
      op.kind = OpKind::Send;
      ref(RefKind::Chan, ln.name("a channel name"), ln);
      value(ln, op);
    } else if (k == "recv" || k == "close") {
      op.kind = k == "recv" ? OpKind::Recv : OpKind::Close;
      ref(RefKind::Chan, ln.name("a channel name"), ln);
    } else if (k == "lock" || k == "unlock") {
      op.kind = k == "lock" ? OpKind::Lock : OpKind::Unlock;
      ref(RefKind::Mutex, ln.name("a mutex name"), ln);
    } else if (k == "wg") {
      ref(RefKind::Wg, ln.name("a wait group name"), ln);
      if (ln.next_is_word("add")) {
        ln.take();
        op.kind = OpKind::WgAdd;
        op.n = ln.number("wait group delta", -kMaxWgDelta, kMaxWgDelta);
      } else if (ln.next_is_word("done")) {
        ln.take();
        op.kind = OpKind::WgDone;
      } else if (ln.next_is_word("wait")) {
        ln.take();
        op.kind = OpKind::WgWait;
      } else {
        ln.fail_here("'add', 'done' or 'wait'");
      }
    } else if (k == "loop") {
      loop(ln, start);
      return;
    } else {
      ln.fail(start, "unknown operation " + quote(k));
    }
    ln.end();
    emit(ln, start, std::move(op));
  }

  void loop(Line& ln, Pos start) {
    if (blocks_.size() == std::size_t(kMaxDepth)) {
      ln.fail(start, "loops nested too deeply (at most " + std::to_string(kMaxDepth) + ")");
    }
    Op op = Op::loop(ln.number("loop count", 0, kMaxLoopCount));
    if (ln.next_is_word("as")) {
      ln.take();
      const Token& v = ln.name("a loop variable name");
      for (const Block& b : blocks_) {
        if (b.var == v.text) ln.fail(ln.pos_of(v), "loop variable " + quote(v.text) + " is already bound by an enclosing loop");
      }
      op.name = std::string(v.text);
    }
    ln.token(Token::LBrace, "{");
    ln.end();
    blocks_.push_back({start, "loop", op.name});
    emit(ln, start, std::move(op));
  }

  // value = ["-"] INT | NAME [("+" | "-") INT]
  void value(Line& ln, Op& op) {
    if (ln.next_is(Token::Ident)) {
      const Token& v = ln.take();
      int level = -1;
      for (std::size_t i = blocks_.size(); i-- > 0;) {
        if (blocks_[i].var == v.text) {
          level = int(i);
          break;
        }
      }
      if (level < 0) ln.fail(ln.pos_of(v), quote(v.text) + " is not the variable of an enclosing loop");
      op.var = level;
      if (ln.next_is(Token::Plus) || ln.next_is(Token::Minus)) {
        const Pos p = ln.here();
        const bool neg = ln.take().kind == Token::Minus;
        if (!ln.next_is(Token::Int)) ln.fail_here("a number after '+' or '-'");
        op.n = ln.checked(p, neg, ln.take(), "value offset", -kMaxValue, kMaxValue);
      }
      return;
    }
    if (!ln.next_is(Token::Int) && !ln.next_is(Token::Minus)) ln.fail_here("a value (a number or a loop variable)");
    op.n = ln.number("value", -kMaxValue, kMaxValue);
  }

  void resolve(const Ref& r, const std::vector<int>& body_index) {
    auto it = decls_.find(r.name);
    if (it == decls_.end()) throw ParseError{r.pos, std::string("unknown ") + ref_kind_name(r.kind) + " " + quote(r.name)};
    const Decl& d = it->second;
    if (d.kind != r.kind) {
      throw ParseError{r.pos, quote(r.name) + " is a " + ref_kind_name(d.kind) + ", not a " + ref_kind_name(r.kind)};
    }
    const int index = r.kind == RefKind::Body ? body_index[std::size_t(d.index)] : d.index;
    prog_.bodies[std::size_t(body_index[std::size_t(r.body)])].ops[r.op].ref = index;
  }

  Program prog_;
  int cur_ = -1;               // the open body (text order), -1 at top level
  Block body_block_;           // where the open body started
  std::vector<Block> blocks_;  // open loops of the open body
  int ops_ = 0;
  std::map<std::string, Decl> decls_;
  std::vector<Ref> refs_;
};

}  // namespace

ParseResult parse(std::string_view text, std::string_view file) {
  auto located = [&](Pos p, const std::string& msg) {
    return std::string(file) + ":" + std::to_string(p.line) + ":" + std::to_string(p.col) + ": " + msg;
  };
  Parser parser;
  int lineno = 0;
  try {
    std::size_t start = 0;
    while (start <= text.size()) {
      const std::size_t nl = text.find('\n', start);
      const std::size_t stop = nl == std::string_view::npos ? text.size() : nl;
      lineno++;
      parser.line(text.substr(start, stop - start), lineno);
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
    Program p = parser.finish();
    if (std::string e = validate(p); !e.empty()) return {std::nullopt, located({1, 1}, "invalid program: " + e)};
    return {std::move(p), {}};
  } catch (const ParseError& e) {
    return {std::nullopt, located(e.pos, e.msg)};
  }
}

}  // namespace touchstone::program
