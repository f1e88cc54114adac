// conformance/program/emit_go.cc — see emit_go.h.
//
// One pass over each body's flat op array, keeping the loop depth (the Go loop counter of
// nesting level d is l<d>, which is also what a send's `var` names). The fixed part of the file
// (records, the outcome printer, busy work, the trace switch) is one template string; only the
// declarations and the body functions are generated. The output is Go's layout (tabs, one
// statement a line) except that gofmt would align trailing comments of adjacent lines.
#include "conformance/program/emit_go.h"

#include <string>

#include "conformance/program/text.h"

namespace touchstone::program {
namespace {

// The fixed tail of every emitted file: what main and the bodies call.
constexpr const char* kRuntimePart = R"GO(
// received is one recv of a goroutine: channel index, value, ok.
type received struct {
	ch int
	v  int64
	ok bool
}

// grec is one goroutine's record, made by its spawner (so a goroutine that never ran is still
// in the outcome). recvs is written by its goroutine and read by main at the end, under mu.
type grec struct {
	body  int
	mu    sync.Mutex
	recvs []received
	sink  uint64 // busy work's result, so that it cannot be optimised away
}

var (
	recMu   sync.Mutex
	records []*grec
)

func newRec(body int) *grec {
	r := &grec{body: body, sink: 1}
	recMu.Lock()
	records = append(records, r)
	recMu.Unlock()
	return r
}

// recv is `recv C`: v, ok := <-c, recorded.
func (r *grec) recv(ch int, c chan int64) {
	v, ok := <-c
	r.mu.Lock()
	r.recvs = append(r.recvs, received{ch, v, ok})
	r.mu.Unlock()
}

// work is `work N`: N units of busy work (the interpreter's xorshift unit), each a call of a
// function that is not inlined, so each unit ends at a point where the goroutine can be
// preempted (gc's stack check in the prologue; gc also preempts asynchronously).
func (r *grec) work(n int) {
	for i := 0; i < n; i++ {
		r.sink = busyUnit(r.sink)
	}
}

//go:noinline
func busyUnit(x uint64) uint64 {
	for i := 0; i < 16; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

func lessSeq(a, b []received) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if x.ch != y.ch {
			return x.ch < y.ch
		}
		if x.v != y.v {
			return x.v < y.v
		}
		if x.ok != y.ok {
			return !x.ok
		}
	}
	return len(a) < len(b)
}

// outcome is the interpreter's outcome_text (conformance/program/interp.h): per body in index
// order, its goroutines' recv sequences sorted, one line each.
func outcome() string {
	recMu.Lock()
	recs := append([]*grec(nil), records...)
	recMu.Unlock()
	per := make([][][]received, len(bodyNames))
	for _, r := range recs {
		r.mu.Lock()
		seq := append([]received(nil), r.recvs...)
		r.mu.Unlock()
		per[r.body] = append(per[r.body], seq)
	}
	var out strings.Builder
	for b, seqs := range per {
		sort.Slice(seqs, func(i, j int) bool { return lessSeq(seqs[i], seqs[j]) })
		for _, seq := range seqs {
			out.WriteString(bodyNames[b] + ":")
			if len(seq) == 0 {
				out.WriteString(" -")
			}
			for _, x := range seq {
				out.WriteString(" " + chanNames[x.ch] + "=")
				switch {
				case x.ok:
					out.WriteString(strconv.FormatInt(x.v, 10))
				case x.v == 0:
					out.WriteString("closed")
				default:
					out.WriteString("closed:" + strconv.FormatInt(x.v, 10))
				}
			}
			out.WriteString("\n")
		}
	}
	return out.String()
}

// startTrace starts a runtime/trace trace into $TOUCHSTONE_GO_TRACE when it is set.
func startTrace() func() {
	path := os.Getenv("TOUCHSTONE_GO_TRACE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := trace.Start(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	return func() { trace.Stop(); f.Close() }
}

func main() {
	stop := startTrace()
	body0(newRec(0))
	stop()
	os.Stdout.WriteString(outcome())
}

var (
	_ = runtime.Gosched
	_ = time.Sleep
)
)GO";

// s as a Go string literal (names are [A-Za-z0-9_], but be safe).
std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// s with control characters replaced, for a // comment.
std::string comment_safe(std::string_view s) {
  std::string out;
  for (char c : s) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return out;
}

std::string value_expr(const Op& op) {
  if (op.var < 0) return std::to_string(op.n);
  std::string v = "l";  // (appended, not "l" + ...: GCC 12's -Wrestrict false positive)
  v += std::to_string(op.var);
  if (op.n > 0) v += " + " + std::to_string(op.n);
  if (op.n < 0) v += " - " + std::to_string(-op.n);
  return v;
}

void emit_body(const Program& p, std::size_t b, std::string& out) {
  const Body& body = p.bodies[b];
  out += "// go " + body.name + "\n";
  out += "func body" + std::to_string(b) + "(r *grec) {\n";
  int depth = 0;
  for (const Op& op : body.ops) {
    if (op.kind == OpKind::End) depth--;
    const std::string ind(std::size_t(depth + 1), '\t');
    const std::string ref = std::to_string(op.ref);
    auto name_of = [&](const std::vector<std::string>& names) {
      return std::size_t(op.ref) < names.size() ? names[std::size_t(op.ref)] : "?";
    };
    switch (op.kind) {
      case OpKind::Spawn:
        out += ind + "go body" + ref + "(newRec(" + ref + ")) // spawn " + p.bodies[std::size_t(op.ref)].name + "\n";
        break;
      case OpKind::Yield: out += ind + "runtime.Gosched()\n"; break;
      case OpKind::Work: out += ind + "r.work(" + std::to_string(op.n) + ")\n"; break;
      case OpKind::Send:
        out += ind + "ch" + ref + " <- " + value_expr(op) + " // send " + p.chans[std::size_t(op.ref)].name + "\n";
        break;
      case OpKind::Recv:
        out += ind + "r.recv(" + ref + ", ch" + ref + ") // recv " + p.chans[std::size_t(op.ref)].name + "\n";
        break;
      case OpKind::Close:
        out += ind + "close(ch" + ref + ") // close " + p.chans[std::size_t(op.ref)].name + "\n";
        break;
      case OpKind::Lock: out += ind + "mu" + ref + ".Lock() // lock " + name_of(p.mutexes) + "\n"; break;
      case OpKind::Unlock: out += ind + "mu" + ref + ".Unlock() // unlock " + name_of(p.mutexes) + "\n"; break;
      case OpKind::WgAdd:
        out += ind + "wg" + ref + ".Add(" + std::to_string(op.n) + ") // wg " + name_of(p.waitgroups) + "\n";
        break;
      case OpKind::WgDone: out += ind + "wg" + ref + ".Done() // wg " + name_of(p.waitgroups) + "\n"; break;
      case OpKind::WgWait: out += ind + "wg" + ref + ".Wait() // wg " + name_of(p.waitgroups) + "\n"; break;
      case OpKind::Sleep:
      case OpKind::Syscall:
        out += ind + "time.Sleep(" + std::to_string(op.n) + " * time.Microsecond) // " + op_keyword(op.kind) + " " +
               std::to_string(op.n) + " (a timer sleep, not a syscall: emit_go.h)\n";
        break;
      case OpKind::Procs: out += ind + "runtime.GOMAXPROCS(" + std::to_string(op.n) + ")\n"; break;
      case OpKind::Loop: {
        std::string l = "l";
        l += std::to_string(depth);
        out += ind + "for " + l + " := int64(0); " + l + " < " + std::to_string(op.n) + "; " + l + "++ {";
        out += op.name.empty() ? std::string("\n") : " // as " + op.name + "\n";
        depth++;
        break;
      }
      case OpKind::End: out += ind + "}\n"; break;
      case OpKind::Exit: out += ind + "return // exit (runtime.Goexit: emit_go.h)\n"; break;
      default:  // reserved kinds: validate() rejects them
        out += ind + "panic(\"reserved op " + std::string(op_keyword(op.kind)) + "\")\n";
        break;
    }
  }
  out += "}\n\n";
}

}  // namespace

std::string emit_go(const Program& p, std::string_view source) {
  std::string out;
  out += "// Code generated by `touchstone emit-go` from " + comment_safe(source) + ". DO NOT EDIT.\n";
  out += "//\n";
  out += "// The program (canonical text), translated op for op (conformance/program/emit_go.h):\n";
  out += "//\n";
  const std::string text = print(p);
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    const std::size_t end = nl == std::string::npos ? text.size() : nl;
    out += "//\t" + comment_safe(std::string_view(text).substr(start, end - start)) + "\n";
    start = end + 1;
  }
  out += "//\n";
  out += "// Prints the program's outcome as `touchstone run --outcome` does; writes a runtime/trace\n";
  out += "// trace to $TOUCHSTONE_GO_TRACE when it is set. sleep and syscall are time.Sleep here.\n";
  out += "package main\n\n";
  out += "import (\n\t\"fmt\"\n\t\"os\"\n\t\"runtime\"\n\t\"runtime/trace\"\n\t\"sort\"\n\t\"strconv\"\n\t\"strings\"\n"
         "\t\"sync\"\n\t\"time\"\n)\n\n";

  out += "var bodyNames = []string{";
  for (std::size_t b = 0; b < p.bodies.size(); b++) out += (b ? ", " : "") + go_quote(p.bodies[b].name);
  out += "}\n\nvar chanNames = []string{";
  for (std::size_t c = 0; c < p.chans.size(); c++) out += (c ? ", " : "") + go_quote(p.chans[c].name);
  out += "}\n\n";

  if (!p.chans.empty() || !p.mutexes.empty() || !p.waitgroups.empty()) {
    out += "var (\n";
    for (std::size_t c = 0; c < p.chans.size(); c++) {
      out += "\tch" + std::to_string(c) + " = make(chan int64, " + std::to_string(p.chans[c].cap) + ") // chan " +
             p.chans[c].name + " cap " + std::to_string(p.chans[c].cap) + "\n";
    }
    for (std::size_t m = 0; m < p.mutexes.size(); m++) {
      out += "\tmu" + std::to_string(m) + " sync.Mutex // mutex " + p.mutexes[m] + "\n";
    }
    for (std::size_t w = 0; w < p.waitgroups.size(); w++) {
      out += "\twg" + std::to_string(w) + " sync.WaitGroup // waitgroup " + p.waitgroups[w] + "\n";
    }
    out += ")\n\n";
  }

  for (std::size_t b = 0; b < p.bodies.size(); b++) emit_body(p, b, out);
  // The template starts with a newline; drop one of the two blank lines.
  out.pop_back();
  out += kRuntimePart;
  return out;
}

}  // namespace touchstone::program
