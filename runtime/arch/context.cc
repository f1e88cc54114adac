// runtime/arch/context.cc
//
// gostartcall: build the initial SwitchFrame of a new goroutine stack so that
// the first touchstone_gogo_switch / touchstone_gogo into it "returns" into
// touchstone_gostart_trampoline, which calls fn(arg).

#include "runtime/arch/context.h"

#include <new>

// Defined in context_<arch>.S. Never called directly: its address is the
// return address stored in a fresh SwitchFrame.
extern "C" [[gnu::visibility("hidden")]] void touchstone_gostart_trampoline();

namespace touchstone::arch {
namespace {

// The creator's floating-point control state, read so that a fresh goroutine
// starts with the same rounding mode / exception masks / FTZ settings as the
// code that created it. Sticky status flags are cleared: a new goroutine has
// not raised any exception yet.
#if defined(__x86_64__)

constexpr std::uint32_t kMxcsrStatusFlags = 0x3f;  // IE DE ZE OE UE PE

std::uint32_t current_mxcsr() {
  std::uint32_t mxcsr;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  return mxcsr;
}

std::uint16_t current_x87cw() {
  std::uint16_t cw;
  asm volatile("fnstcw %0" : "=m"(cw));
  return cw;
}

#elif defined(__aarch64__)

std::uint64_t current_fpcr() {
  std::uint64_t fpcr;
  asm volatile("mrs %0, fpcr" : "=r"(fpcr));
  return fpcr;
}

#elif defined(__riscv)

constexpr std::uint64_t kFcsrFflags = 0x1f;  // NV DZ OF UF NX

std::uint64_t current_fcsr() {
  std::uint64_t fcsr;
  asm volatile("frcsr %0" : "=r"(fcsr));
  return fcsr;
}

#endif

template <typename T>
std::uint64_t bits(T* p) {
  return reinterpret_cast<std::uint64_t>(p);
}

}  // namespace

void gostartcall(Gobuf* buf, void* stack_hi, void (*fn)(void*), void* arg) {
  // The stack top, rounded down to the ABI's 16-byte alignment. Once the
  // frame below it is popped, sp == top: 16-byte aligned at the trampoline's
  // call into fn on every architecture (on x86-64 the `call` then leaves
  // rsp + 8 == 0 mod 16 at fn's entry).
  const auto top = reinterpret_cast<std::uintptr_t>(stack_hi) & ~std::uintptr_t{15};

  // Every callee-saved register starts at zero; in particular the frame
  // pointer, which terminates frame-pointer walks at the trampoline.
  SwitchFrame frame{};
  const std::uint64_t trampoline = bits(&touchstone_gostart_trampoline);
#if defined(__x86_64__)
  frame.mxcsr = current_mxcsr() & ~kMxcsrStatusFlags;
  frame.x87cw = current_x87cw();
  frame.r12 = bits(fn);  // the trampoline calls r12(r13)
  frame.r13 = bits(arg);
  frame.rbp = 0;
  frame.pc = trampoline;
#elif defined(__aarch64__)
  frame.fpcr = current_fpcr();  // FPCR holds no status flags
  frame.x19 = bits(fn);         // the trampoline calls x19(x20)
  frame.x20 = bits(arg);
  frame.x29 = 0;
  frame.x30 = trampoline;
#elif defined(__riscv)
  frame.fcsr = current_fcsr() & ~kFcsrFflags;
  frame.s1 = bits(fn);  // the trampoline calls s1(s2)
  frame.s2 = bits(arg);
  frame.s0 = 0;
  frame.ra = trampoline;
#endif

  buf->sp = new (reinterpret_cast<void*>(top - sizeof(SwitchFrame))) SwitchFrame(frame);
}

}  // namespace touchstone::arch
