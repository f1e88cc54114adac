// conformance/program/text.h — the human-readable form of a Program: parse and print.
//
//   # ping-pong over an unbuffered channel
//   chan ping cap 0
//   chan pong cap 0
//   go main {
//     spawn echo
//     loop 3 {
//       send ping 1
//       recv pong
//     }
//   }
//   go echo {
//     loop 3 {
//       recv ping
//       send pong 2
//     }
//   }
//
// Line-oriented: one declaration or statement per line, `{` ends the line that opens a block,
// `}` stands alone, `#` starts a comment. The grammar is in README.md.
//
// Canonical text (what print writes): declarations first — every `chan` in declaration order,
// then every `mutex`, then every `waitgroup` — then the bodies, `main` first and the others in
// declaration order; one statement per line, indented by 2 spaces per block level; single
// spaces between tokens; values written `7`, `-7`, `i`, `i+7`, `i-7`; no comments, no blank
// lines; every line ends with '\n'. So print(parse(t)) == t for canonical t, and
// parse(print(p)) == p for every valid program p.
//
// parse never crashes or hangs on any input: it works line by line with an explicit block
// stack (no recursion), rejects nesting deeper than kMaxDepth and every other limit of
// program.h, and reports the first error as "<file>:<line>:<col>: <message>" (1-based; the
// column is a byte offset). Syntax errors are found in text order; names are resolved after the
// whole text is read (declarations and bodies may come in any order), so an unknown name is
// reported only when the text has no syntax error.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "conformance/program/program.h"

namespace touchstone::program {

struct ParseResult {
  std::optional<Program> program;  // set on success
  std::string error;               // "<file>:<line>:<col>: <message>" on failure
  bool ok() const { return program.has_value(); }
};

ParseResult parse(std::string_view text, std::string_view file = "<input>");

// The canonical text of p. p should be valid; an out-of-range reference prints as "?<index>"
// (never a crash), which parse then rejects.
std::string print(const Program& p);

}  // namespace touchstone::program
