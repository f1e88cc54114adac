// runtime/arch/context.h
//
// Machine-level execution contexts for goroutines: the C++ counterpart of the
// Go runtime's gobuf / gogo / gosave / gostartcall.
//
// A suspended context is a stack pointer and nothing else. Everything the ABI
// requires a callee to preserve is pushed, as a SwitchFrame, onto the
// suspended stack itself (the Boost.Context / marl scheme), so switching costs
// one frame of stores and one frame of loads and Gobuf stays a single word.
//
// Contexts migrate freely between OS threads: nothing thread-specific (thread
// pointer, signal mask, fs base, ...) is part of a context. See
// runtime/arch/README.md for exactly what is and is not saved.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/arch/context_offsets.h"

namespace touchstone::arch {

// A suspended execution context. Everything except the stack pointer lives in a
// SwitchFrame pushed on the suspended stack itself (Boost.Context / marl style).
struct Gobuf {
  void* sp = nullptr;
};

extern "C" {
// gosave + gogo in one step: push the callee-saved state of the caller on its own stack,
// store SP in save->sp, load load->sp, pop that context's state and return into it.
void touchstone_gogo_switch(Gobuf* save, const Gobuf* load);
// gogo alone: abandon the current context and resume `load` (used when the current stack is dead).
[[noreturn]] void touchstone_gogo(const Gobuf* load);
}

// Prepare `buf` so that the first switch into it calls fn(arg) on the stack whose highest
// address is stack_hi (exclusive), with the ABI-required alignment at fn's entry and a
// zero return address / frame pointer so debuggers and unwinders stop there. fn must never return
// (if it does, the trampoline calls abort()).
void gostartcall(Gobuf* buf, void* stack_hi, void (*fn)(void*), void* arg);

// The frame touchstone_gogo_switch leaves at Gobuf::sp of a suspended context,
// fields in address order starting at Gobuf::sp. The slot offsets are shared
// with the assembler through context_offsets.h and checked below.
#if defined(__x86_64__)

struct SwitchFrame {
  std::uint32_t mxcsr;   // SSE control/status register
  std::uint16_t x87cw;   // x87 FPU control word
  std::uint16_t pad;
  std::uint64_t rbx;
  std::uint64_t r12;
  std::uint64_t r13;
  std::uint64_t r14;
  std::uint64_t r15;
  std::uint64_t rbp;
  std::uint64_t pc;      // return address pushed by the `call` into the switch
};

static_assert(offsetof(SwitchFrame, mxcsr) == TS_FRAME_MXCSR);
static_assert(offsetof(SwitchFrame, x87cw) == TS_FRAME_X87CW);
static_assert(offsetof(SwitchFrame, rbx) == TS_FRAME_RBX);
static_assert(offsetof(SwitchFrame, r12) == TS_FRAME_R12);
static_assert(offsetof(SwitchFrame, r13) == TS_FRAME_R13);
static_assert(offsetof(SwitchFrame, r14) == TS_FRAME_R14);
static_assert(offsetof(SwitchFrame, r15) == TS_FRAME_R15);
static_assert(offsetof(SwitchFrame, rbp) == TS_FRAME_RBP);
static_assert(offsetof(SwitchFrame, pc) == TS_FRAME_PC);

#elif defined(__aarch64__)

struct SwitchFrame {
  std::uint64_t fpcr;    // floating-point control register
  std::uint64_t pad;
  std::uint64_t d8, d9, d10, d11, d12, d13, d14, d15;  // raw bits, low halves of v8..v15
  std::uint64_t x19, x20, x21, x22, x23, x24, x25, x26, x27, x28;
  std::uint64_t x29;     // frame pointer
  std::uint64_t x30;     // link register: the switch returns here
};

static_assert(offsetof(SwitchFrame, fpcr) == TS_FRAME_FPCR);
static_assert(offsetof(SwitchFrame, d8) == TS_FRAME_D8);
static_assert(offsetof(SwitchFrame, d9) == TS_FRAME_D9);
static_assert(offsetof(SwitchFrame, d10) == TS_FRAME_D10);
static_assert(offsetof(SwitchFrame, d11) == TS_FRAME_D11);
static_assert(offsetof(SwitchFrame, d12) == TS_FRAME_D12);
static_assert(offsetof(SwitchFrame, d13) == TS_FRAME_D13);
static_assert(offsetof(SwitchFrame, d14) == TS_FRAME_D14);
static_assert(offsetof(SwitchFrame, d15) == TS_FRAME_D15);
static_assert(offsetof(SwitchFrame, x19) == TS_FRAME_X19);
static_assert(offsetof(SwitchFrame, x20) == TS_FRAME_X20);
static_assert(offsetof(SwitchFrame, x21) == TS_FRAME_X21);
static_assert(offsetof(SwitchFrame, x22) == TS_FRAME_X22);
static_assert(offsetof(SwitchFrame, x23) == TS_FRAME_X23);
static_assert(offsetof(SwitchFrame, x24) == TS_FRAME_X24);
static_assert(offsetof(SwitchFrame, x25) == TS_FRAME_X25);
static_assert(offsetof(SwitchFrame, x26) == TS_FRAME_X26);
static_assert(offsetof(SwitchFrame, x27) == TS_FRAME_X27);
static_assert(offsetof(SwitchFrame, x28) == TS_FRAME_X28);
static_assert(offsetof(SwitchFrame, x29) == TS_FRAME_X29);
static_assert(offsetof(SwitchFrame, x30) == TS_FRAME_X30);
// The assembler moves registers in stp/ldp pairs: (x19,x20), (d8,d9), ...
static_assert(TS_FRAME_X20 == TS_FRAME_X19 + 8 && TS_FRAME_X30 == TS_FRAME_X29 + 8);

#elif defined(__riscv) && __riscv_xlen == 64 && defined(__riscv_float_abi_double)

struct SwitchFrame {
  std::uint64_t fcsr;    // floating-point control and status register (frm | fflags)
  std::uint64_t fs0, fs1, fs2, fs3, fs4, fs5, fs6, fs7, fs8, fs9, fs10, fs11;  // raw bits
  std::uint64_t s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
  std::uint64_t s0;      // frame pointer
  std::uint64_t ra;      // return address: the switch returns here
};

static_assert(offsetof(SwitchFrame, fcsr) == TS_FRAME_FCSR);
static_assert(offsetof(SwitchFrame, fs0) == TS_FRAME_FS0);
static_assert(offsetof(SwitchFrame, fs1) == TS_FRAME_FS1);
static_assert(offsetof(SwitchFrame, fs2) == TS_FRAME_FS2);
static_assert(offsetof(SwitchFrame, fs3) == TS_FRAME_FS3);
static_assert(offsetof(SwitchFrame, fs4) == TS_FRAME_FS4);
static_assert(offsetof(SwitchFrame, fs5) == TS_FRAME_FS5);
static_assert(offsetof(SwitchFrame, fs6) == TS_FRAME_FS6);
static_assert(offsetof(SwitchFrame, fs7) == TS_FRAME_FS7);
static_assert(offsetof(SwitchFrame, fs8) == TS_FRAME_FS8);
static_assert(offsetof(SwitchFrame, fs9) == TS_FRAME_FS9);
static_assert(offsetof(SwitchFrame, fs10) == TS_FRAME_FS10);
static_assert(offsetof(SwitchFrame, fs11) == TS_FRAME_FS11);
static_assert(offsetof(SwitchFrame, s1) == TS_FRAME_S1);
static_assert(offsetof(SwitchFrame, s2) == TS_FRAME_S2);
static_assert(offsetof(SwitchFrame, s3) == TS_FRAME_S3);
static_assert(offsetof(SwitchFrame, s4) == TS_FRAME_S4);
static_assert(offsetof(SwitchFrame, s5) == TS_FRAME_S5);
static_assert(offsetof(SwitchFrame, s6) == TS_FRAME_S6);
static_assert(offsetof(SwitchFrame, s7) == TS_FRAME_S7);
static_assert(offsetof(SwitchFrame, s8) == TS_FRAME_S8);
static_assert(offsetof(SwitchFrame, s9) == TS_FRAME_S9);
static_assert(offsetof(SwitchFrame, s10) == TS_FRAME_S10);
static_assert(offsetof(SwitchFrame, s11) == TS_FRAME_S11);
static_assert(offsetof(SwitchFrame, s0) == TS_FRAME_S0);
static_assert(offsetof(SwitchFrame, ra) == TS_FRAME_RA);

#else
#error "touchstone: unsupported architecture/ABI (need x86-64 SysV, AArch64 AAPCS64 or RISC-V LP64D)"
#endif

static_assert(offsetof(Gobuf, sp) == TS_GOBUF_SP);
static_assert(sizeof(SwitchFrame) == TS_FRAME_SIZE);
static_assert(TS_FRAME_SIZE % 16 == 0, "a suspended SP must keep the ABI's 16-byte alignment");

}  // namespace touchstone::arch
