// runtime/arch/context_test.cc
//
// Tests for the machine-level context switch (runtime/arch/context.h).
//
// The register-preservation tests must not trust the compiler: a C++ caller
// cannot tell us which callee-saved register holds what. So both sides of the
// switch are written in assembly (file-scope asm below, one block per
// architecture): one side loads a distinct pattern into EVERY callee-saved
// register and FP control register, switches away, and dumps them after the
// switch returns; the other side loads different junk into all of them (and a
// different rounding mode) right before switching back. Any slot the switch
// forgets to save turns up as junk in the dump.
//
// All goroutine stacks are mmap'd (64 KiB plus a guard page), never the host
// stack. Only the public interface of context.h is used.

#include "runtime/arch/context.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cfenv>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <thread>
#include <type_traits>

namespace touchstone::arch {
namespace {

// ---------------------------------------------------------------------------
// Goroutine stacks.

class Stack {
 public:
  static constexpr std::size_t kSize = 64 * 1024;

  Stack() : guard_(static_cast<std::size_t>(sysconf(_SC_PAGESIZE))) {
    void* p = mmap(nullptr, guard_ + kSize, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) std::abort();
    base_ = static_cast<unsigned char*>(p);
    // Guard page at the low end: an overflow faults instead of corrupting.
    if (mprotect(base_, guard_, PROT_NONE) != 0) std::abort();
  }
  ~Stack() { munmap(base_, guard_ + kSize); }
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  void* hi() const { return base_ + guard_ + kSize; }
  // Whether sp is a stack pointer into this stack (a full descending stack:
  // sp == hi() means empty).
  bool holds_sp(std::uintptr_t sp) const {
    const auto lo = reinterpret_cast<std::uintptr_t>(base_ + guard_);
    return sp > lo && sp <= lo + kSize;
  }

 private:
  std::size_t guard_;
  unsigned char* base_;
};

// ---------------------------------------------------------------------------
// Assembly helpers (defined per architecture below).
//
// CalleeSaved: every register the ABI says a callee must preserve, other than
// sp and the return address, plus the FP control register(s). The asm helpers
// hard-code these offsets, hence the static_asserts.

#if defined(__x86_64__)

struct CalleeSaved {
  std::uint64_t rbx, rbp, r12, r13, r14, r15;
  std::uint32_t mxcsr;
  std::uint16_t x87cw;
  std::uint16_t pad;
};
static_assert(offsetof(CalleeSaved, rbx) == 0 && offsetof(CalleeSaved, r15) == 40);
static_assert(offsetof(CalleeSaved, mxcsr) == 48 && offsetof(CalleeSaved, x87cw) == 52);

#elif defined(__aarch64__)

struct CalleeSaved {
  std::uint64_t x[11];  // x19..x29
  std::uint64_t d[8];   // d8..d15 (raw bits)
  std::uint64_t fpcr;
};
static_assert(offsetof(CalleeSaved, d) == 88 && offsetof(CalleeSaved, fpcr) == 152);

#elif defined(__riscv)

struct CalleeSaved {
  std::uint64_t s[12];   // s0..s11
  std::uint64_t fs[12];  // fs0..fs11 (raw bits)
  std::uint64_t fcsr;
};
static_assert(offsetof(CalleeSaved, fs) == 96 && offsetof(CalleeSaved, fcsr) == 192);

#endif

// Probe for the entry state of a fresh context: ts_test_record_entry_sp is
// the context's fn; it stores its sp at entry and tail-calls body(probe), or,
// if that sp violates the ABI alignment, gogo's to *bail_out at once (compiled
// code could fault on a misaligned stack before any EXPECT reports it).
struct EntryProbe {
  std::uintptr_t entry_sp = 0;
  void (*body)(void*) = nullptr;
  const Gobuf* bail_out = nullptr;
};
static_assert(offsetof(EntryProbe, entry_sp) == 0 && offsetof(EntryProbe, body) == 8 &&
              offsetof(EntryProbe, bail_out) == 16);

extern "C" {
// Saves its caller's callee-saved state, loads *in into every callee-saved
// register and FP control register, calls touchstone_gogo_switch(save, load),
// and after that returns stores the registers into *out. Then restores its
// caller's state and returns.
void ts_test_fill_switch_dump(const CalleeSaved* in, CalleeSaved* out, Gobuf* save,
                              const Gobuf* load);
// Loads *junk into every callee-saved register and FP control register, then
// calls touchstone_gogo_switch(save, load), or touchstone_gogo(load) if save is
// null. Preserves its own caller's state if it is ever resumed.
void ts_test_clobber_switch(const CalleeSaved* junk, Gobuf* save, const Gobuf* load);
// The caller's sp at the call instruction (must be 0 mod 16 on all three ABIs).
std::uintptr_t ts_test_sp_at_call();
// Context entry shim: probe->entry_sp = sp at entry; tail-call probe->body,
// or touchstone_gogo(probe->bail_out) if that sp is misaligned.
void ts_test_record_entry_sp(void* probe);
}

// The helpers are plain functions obeying the platform ABI themselves: each
// saves its own caller's callee-saved state in its own frame, so a broken
// switch shows up in the dumped registers instead of corrupting the test.

#if defined(__x86_64__)
asm(R"(
  .pushsection .text
  .p2align 4
  # Frame of both helpers (above the six pushes): [0] mxcsr, [4] x87 cw,
  # [8] spill slot. After the pushes and the sub, rsp is 16-byte aligned.
  .macro ts_test_save_caller
  pushq %rbp; pushq %rbx; pushq %r12; pushq %r13; pushq %r14; pushq %r15
  subq $24, %rsp
  stmxcsr 0(%rsp); fnstcw 4(%rsp)
  .endm
  .macro ts_test_restore_caller_and_return
  ldmxcsr 0(%rsp); fldcw 4(%rsp)
  addq $24, %rsp
  popq %r15; popq %r14; popq %r13; popq %r12; popq %rbx; popq %rbp
  ret
  .endm
  # CalleeSaved <-> registers; \b is a base register other than those.
  .macro ts_test_load b
  movq 0(\b), %rbx; movq 8(\b), %rbp; movq 16(\b), %r12
  movq 24(\b), %r13; movq 32(\b), %r14; movq 40(\b), %r15
  ldmxcsr 48(\b); fldcw 52(\b)
  .endm
  .macro ts_test_store b
  movq %rbx, 0(\b); movq %rbp, 8(\b); movq %r12, 16(\b)
  movq %r13, 24(\b); movq %r14, 32(\b); movq %r15, 40(\b)
  stmxcsr 48(\b); fnstcw 52(\b)
  .endm

  .globl ts_test_fill_switch_dump
  .hidden ts_test_fill_switch_dump
  .type ts_test_fill_switch_dump, @function
ts_test_fill_switch_dump:          # rdi = in, rsi = out, rdx = save, rcx = load
  ts_test_save_caller
  movq %rsi, 8(%rsp)               # keep `out` across the switch
  movq %rdi, %rax
  movq %rdx, %rdi
  movq %rcx, %rsi
  ts_test_load %rax
  call touchstone_gogo_switch@PLT
  movq 8(%rsp), %rax
  ts_test_store %rax
  ts_test_restore_caller_and_return
  .size ts_test_fill_switch_dump, . - ts_test_fill_switch_dump

  .globl ts_test_clobber_switch
  .hidden ts_test_clobber_switch
  .type ts_test_clobber_switch, @function
ts_test_clobber_switch:            # rdi = junk, rsi = save (or null: gogo), rdx = load
  ts_test_save_caller
  movq %rdi, %rax
  movq %rsi, %rdi
  movq %rdx, %rsi
  ts_test_load %rax
  testq %rdi, %rdi
  jz 1f
  call touchstone_gogo_switch@PLT
  ts_test_restore_caller_and_return
1:
  movq %rsi, %rdi
  call touchstone_gogo@PLT
  ud2
  .size ts_test_clobber_switch, . - ts_test_clobber_switch

  .globl ts_test_sp_at_call
  .hidden ts_test_sp_at_call
  .type ts_test_sp_at_call, @function
ts_test_sp_at_call:
  leaq 8(%rsp), %rax               # the caller's rsp at its `call`
  ret
  .size ts_test_sp_at_call, . - ts_test_sp_at_call

  .globl ts_test_record_entry_sp
  .hidden ts_test_record_entry_sp
  .type ts_test_record_entry_sp, @function
ts_test_record_entry_sp:
  movq %rsp, (%rdi)            # probe->entry_sp = rsp at entry
  leaq 8(%rsp), %rax
  testb $15, %al               # ABI: rsp + 8 == 0 mod 16 at entry
  jnz 1f
  jmpq *8(%rdi)                # tail-call probe->body(probe)
1:
  movq 16(%rdi), %rdi          # misaligned: run no compiled code on this
  jmp touchstone_gogo@PLT      # stack, touchstone_gogo(probe->bail_out)
  .size ts_test_record_entry_sp, . - ts_test_record_entry_sp
  .popsection
)");

#elif defined(__aarch64__)
asm(R"(
  .pushsection .text
  .p2align 4
  // Frame of both helpers (176 bytes): [0] x29, x30, [16] x19..x28,
  // [96] d8..d15, [160] fpcr, [168] spill slot.
  .macro ts_test_save_caller
  stp x29, x30, [sp, #-176]!
  mov x29, sp
  .irp n, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28
  str x\n, [sp, #(16 + 8 * (\n - 19))]
  .endr
  .irp n, 8, 9, 10, 11, 12, 13, 14, 15
  str d\n, [sp, #(96 + 8 * (\n - 8))]
  .endr
  mrs x9, fpcr
  str x9, [sp, #160]
  .endm
  .macro ts_test_restore_caller_and_return
  ldr x9, [sp, #160]
  msr fpcr, x9
  .irp n, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28
  ldr x\n, [sp, #(16 + 8 * (\n - 19))]
  .endr
  .irp n, 8, 9, 10, 11, 12, 13, 14, 15
  ldr d\n, [sp, #(96 + 8 * (\n - 8))]
  .endr
  ldp x29, x30, [sp], #176
  ret
  .endm
  // CalleeSaved <-> registers; \b is x9 (x10 is scratch).
  .macro ts_test_load b
  .irp n, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29
  ldr x\n, [\b, #(8 * (\n - 19))]
  .endr
  .irp n, 8, 9, 10, 11, 12, 13, 14, 15
  ldr d\n, [\b, #(88 + 8 * (\n - 8))]
  .endr
  ldr x10, [\b, #152]
  msr fpcr, x10
  .endm
  .macro ts_test_store b
  .irp n, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29
  str x\n, [\b, #(8 * (\n - 19))]
  .endr
  .irp n, 8, 9, 10, 11, 12, 13, 14, 15
  str d\n, [\b, #(88 + 8 * (\n - 8))]
  .endr
  mrs x10, fpcr
  str x10, [\b, #152]
  .endm

  .globl ts_test_fill_switch_dump
  .hidden ts_test_fill_switch_dump
  .type ts_test_fill_switch_dump, %function
ts_test_fill_switch_dump:          // x0 = in, x1 = out, x2 = save, x3 = load
  ts_test_save_caller
  str x1, [sp, #168]               // keep `out` across the switch
  mov x9, x0
  mov x0, x2
  mov x1, x3
  ts_test_load x9
  bl touchstone_gogo_switch
  ldr x9, [sp, #168]
  ts_test_store x9
  ts_test_restore_caller_and_return
  .size ts_test_fill_switch_dump, . - ts_test_fill_switch_dump

  .globl ts_test_clobber_switch
  .hidden ts_test_clobber_switch
  .type ts_test_clobber_switch, %function
ts_test_clobber_switch:            // x0 = junk, x1 = save (or null: gogo), x2 = load
  ts_test_save_caller
  mov x9, x0
  mov x0, x1
  mov x1, x2
  ts_test_load x9
  cbz x0, 1f
  bl touchstone_gogo_switch
  ts_test_restore_caller_and_return
1:
  mov x0, x1
  bl touchstone_gogo
  brk #1
  .size ts_test_clobber_switch, . - ts_test_clobber_switch

  .globl ts_test_sp_at_call
  .hidden ts_test_sp_at_call
  .type ts_test_sp_at_call, %function
ts_test_sp_at_call:
  mov x0, sp                       // `bl` does not move sp
  ret
  .size ts_test_sp_at_call, . - ts_test_sp_at_call

  .globl ts_test_record_entry_sp
  .hidden ts_test_record_entry_sp
  .type ts_test_record_entry_sp, %function
ts_test_record_entry_sp:
  mov x9, sp
  str x9, [x0]                 // probe->entry_sp = sp at entry
  tst x9, #15                  // ABI: sp == 0 mod 16
  b.ne 1f
  ldr x9, [x0, #8]
  br x9                        // tail-call probe->body(probe)
1:
  ldr x0, [x0, #16]            // misaligned: run no compiled code on this
  b touchstone_gogo            // stack, touchstone_gogo(probe->bail_out)
  .size ts_test_record_entry_sp, . - ts_test_record_entry_sp
  .popsection
)");

#elif defined(__riscv)
asm(R"(
  .pushsection .text
  .p2align 4
  # Frame of both helpers (224 bytes): [0] ra, [8] s0..s11, [104] fs0..fs11,
  # [200] fcsr, [208] spill slot.
  .macro ts_test_save_caller
  addi sp, sp, -224
  sd ra, 0(sp)
  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
  sd s\n, (8 + 8 * \n)(sp)
  fsd fs\n, (104 + 8 * \n)(sp)
  .endr
  frcsr t0
  sd t0, 200(sp)
  .endm
  .macro ts_test_restore_caller_and_return
  ld t0, 200(sp)
  fscsr t0
  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
  ld s\n, (8 + 8 * \n)(sp)
  fld fs\n, (104 + 8 * \n)(sp)
  .endr
  ld ra, 0(sp)
  addi sp, sp, 224
  ret
  .endm
  # CalleeSaved <-> registers; \b is t6 (t0 is scratch).
  .macro ts_test_load b
  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
  ld s\n, (8 * \n)(\b)
  fld fs\n, (96 + 8 * \n)(\b)
  .endr
  ld t0, 192(\b)
  fscsr t0
  .endm
  .macro ts_test_store b
  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
  sd s\n, (8 * \n)(\b)
  fsd fs\n, (96 + 8 * \n)(\b)
  .endr
  frcsr t0
  sd t0, 192(\b)
  .endm

  .globl ts_test_fill_switch_dump
  .hidden ts_test_fill_switch_dump
  .type ts_test_fill_switch_dump, @function
ts_test_fill_switch_dump:          # a0 = in, a1 = out, a2 = save, a3 = load
  ts_test_save_caller
  sd a1, 208(sp)                   # keep `out` across the switch
  mv t6, a0
  mv a0, a2
  mv a1, a3
  ts_test_load t6
  call touchstone_gogo_switch
  ld t6, 208(sp)
  ts_test_store t6
  ts_test_restore_caller_and_return
  .size ts_test_fill_switch_dump, . - ts_test_fill_switch_dump

  .globl ts_test_clobber_switch
  .hidden ts_test_clobber_switch
  .type ts_test_clobber_switch, @function
ts_test_clobber_switch:            # a0 = junk, a1 = save (or null: gogo), a2 = load
  ts_test_save_caller
  mv t6, a0
  mv a0, a1
  mv a1, a2
  ts_test_load t6
  beqz a0, 1f
  call touchstone_gogo_switch
  ts_test_restore_caller_and_return
1:
  mv a0, a1
  call touchstone_gogo
  ebreak
  .size ts_test_clobber_switch, . - ts_test_clobber_switch

  .globl ts_test_sp_at_call
  .hidden ts_test_sp_at_call
  .type ts_test_sp_at_call, @function
ts_test_sp_at_call:
  mv a0, sp                        # `call` does not move sp
  ret
  .size ts_test_sp_at_call, . - ts_test_sp_at_call

  .globl ts_test_record_entry_sp
  .hidden ts_test_record_entry_sp
  .type ts_test_record_entry_sp, @function
ts_test_record_entry_sp:
  sd sp, 0(a0)                 # probe->entry_sp = sp at entry
  andi t0, sp, 15              # ABI: sp == 0 mod 16
  bnez t0, 1f
  ld t0, 8(a0)
  jr t0                        # tail-call probe->body(probe)
1:
  ld a0, 16(a0)                # misaligned: run no compiled code on this
  tail touchstone_gogo         # stack, touchstone_gogo(probe->bail_out)
  .size ts_test_record_entry_sp, . - ts_test_record_entry_sp
  .popsection
)");

#endif

// ---------------------------------------------------------------------------
// 1. Callee-saved register preservation.

constexpr std::uint64_t kMainSide = 0x5A;  // patterns the suspended side expects back
constexpr std::uint64_t kJunkSide = 0xC3;  // what the other side leaves in the registers

// A distinct 64-bit value per (side, round, register).
constexpr std::uint64_t pattern(std::uint64_t side, std::uint64_t round, std::uint64_t reg) {
  return side << 56 | (round & 0xffff) << 32 | reg << 24 | 0x7e11d5;
}

void expect_same(const char* name, std::uint64_t got, std::uint64_t want) {
  EXPECT_EQ(got, want) << name << ": got 0x" << std::hex << got << ", want 0x" << want;
}

#if defined(__x86_64__)

// Non-default FP control words. Main side: round toward zero (+ FTZ / reduced
// x87 precision); junk side: round upward or downward (+ DAZ).
constexpr std::uint32_t kMxcsrStatusFlags = 0x3f;  // caller-saved, not compared
constexpr std::uint32_t kMainMxcsr[2] = {0xff80, 0x7f80};
constexpr std::uint32_t kJunkMxcsr[2] = {0x5fc0, 0x3f80};
constexpr std::uint16_t kMainX87cw[2] = {0x0c7f, 0x0e7f};
constexpr std::uint16_t kJunkX87cw[2] = {0x0b7f, 0x077f};

CalleeSaved make_state(std::uint64_t side, std::uint64_t round) {
  const bool main = side == kMainSide;
  CalleeSaved s{};
  s.rbx = pattern(side, round, 0);
  s.rbp = pattern(side, round, 1);
  s.r12 = pattern(side, round, 2);
  s.r13 = pattern(side, round, 3);
  s.r14 = pattern(side, round, 4);
  s.r15 = pattern(side, round, 5);
  s.mxcsr = (main ? kMainMxcsr : kJunkMxcsr)[round % 2];
  s.x87cw = (main ? kMainX87cw : kJunkX87cw)[round % 2];
  return s;
}

void expect_preserved(const CalleeSaved& got, const CalleeSaved& want) {
  expect_same("rbx", got.rbx, want.rbx);
  expect_same("rbp", got.rbp, want.rbp);
  expect_same("r12", got.r12, want.r12);
  expect_same("r13", got.r13, want.r13);
  expect_same("r14", got.r14, want.r14);
  expect_same("r15", got.r15, want.r15);
  expect_same("MXCSR control bits", got.mxcsr & ~kMxcsrStatusFlags,
              want.mxcsr & ~kMxcsrStatusFlags);
  expect_same("x87 control word", got.x87cw, want.x87cw);
}

#elif defined(__aarch64__)

// FPCR: RMode (23:22), FZ (24), DN (25), AHP (26). Main side rounds toward
// zero; junk side rounds toward +inf / -inf.
constexpr std::uint64_t kMainFpcr[2] = {0x3u << 22 | 1u << 24, 0x3u << 22 | 1u << 25};
constexpr std::uint64_t kJunkFpcr[2] = {0x1u << 22 | 1u << 25, 0x2u << 22 | 1u << 26};

CalleeSaved make_state(std::uint64_t side, std::uint64_t round) {
  CalleeSaved s{};
  for (unsigned i = 0; i < 11; ++i) s.x[i] = pattern(side, round, 19 + i);
  for (unsigned i = 0; i < 8; ++i) s.d[i] = pattern(side, round, 0x80 + 8 + i);
  s.fpcr = (side == kMainSide ? kMainFpcr : kJunkFpcr)[round % 2];
  return s;
}

void expect_preserved(const CalleeSaved& got, const CalleeSaved& want) {
  static constexpr const char* kX[] = {"x19", "x20", "x21", "x22", "x23", "x24",
                                       "x25", "x26", "x27", "x28", "x29"};
  static constexpr const char* kD[] = {"d8", "d9", "d10", "d11", "d12", "d13", "d14", "d15"};
  for (int i = 0; i < 11; ++i) expect_same(kX[i], got.x[i], want.x[i]);
  for (int i = 0; i < 8; ++i) expect_same(kD[i], got.d[i], want.d[i]);
  expect_same("FPCR", got.fpcr, want.fpcr);
}

#elif defined(__riscv)

// fcsr = frm (7:5) | fflags (4:0). Main side: RTZ; junk side: RUP / RDN.
constexpr std::uint64_t kMainFcsr[2] = {1u << 5 | 0x01, 1u << 5 | 0x04};
constexpr std::uint64_t kJunkFcsr[2] = {3u << 5 | 0x10, 2u << 5 | 0x08};

CalleeSaved make_state(std::uint64_t side, std::uint64_t round) {
  CalleeSaved s{};
  for (unsigned i = 0; i < 12; ++i) s.s[i] = pattern(side, round, i);
  for (unsigned i = 0; i < 12; ++i) s.fs[i] = pattern(side, round, 0x80 + i);
  s.fcsr = (side == kMainSide ? kMainFcsr : kJunkFcsr)[round % 2];
  return s;
}

void expect_preserved(const CalleeSaved& got, const CalleeSaved& want) {
  static constexpr const char* kS[] = {"s0", "s1", "s2", "s3", "s4",  "s5",
                                       "s6", "s7", "s8", "s9", "s10", "s11"};
  static constexpr const char* kFs[] = {"fs0", "fs1", "fs2", "fs3", "fs4",  "fs5",
                                        "fs6", "fs7", "fs8", "fs9", "fs10", "fs11"};
  for (int i = 0; i < 12; ++i) expect_same(kS[i], got.s[i], want.s[i]);
  for (int i = 0; i < 12; ++i) expect_same(kFs[i], got.fs[i], want.fs[i]);
  expect_same("fcsr", got.fcsr, want.fcsr);
}

#endif

struct ClobberContext {
  Gobuf main;
  Gobuf self;
  CalleeSaved junk{};
  bool use_gogo = false;
  std::uint64_t resumed = 0;
};

// Loops forever: each time it is resumed it loads c->junk into every
// callee-saved register and switches (or gogo's) back to c->main.
void clobbering_goroutine(void* arg) {
  auto* c = static_cast<ClobberContext*>(arg);
  for (;;) {
    ++c->resumed;
    ts_test_clobber_switch(&c->junk, c->use_gogo ? nullptr : &c->self, &c->main);
  }
}

// main --switch--> clobbering goroutine --switch or gogo--> main: every
// callee-saved register of main must come back exactly.
void run_register_preservation(bool use_gogo) {
  constexpr std::uint64_t kRounds = 64;
  Stack stack;
  ClobberContext c;
  c.use_gogo = use_gogo;
  for (std::uint64_t round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(testing::Message() << "round " << round);
    // gogo does not save the clobbering side, so it cannot be resumed: start
    // it afresh each round (the previous one's stack is simply reused).
    if (use_gogo || round == 0) gostartcall(&c.self, stack.hi(), clobbering_goroutine, &c);
    const CalleeSaved want = make_state(kMainSide, round);
    c.junk = make_state(kJunkSide, round);
    CalleeSaved got{};
    ts_test_fill_switch_dump(&want, &got, &c.main, &c.self);
    expect_preserved(got, want);
    if (testing::Test::HasFailure()) return;  // one round of diagnostics is enough
  }
  EXPECT_EQ(c.resumed, kRounds);
}

TEST(ContextSwitch, PreservesEveryCalleeSavedRegister) { run_register_preservation(false); }

TEST(ContextSwitch, GogoRestoresEveryCalleeSavedRegister) { run_register_preservation(true); }

// ---------------------------------------------------------------------------
// 2. Stack alignment.

#if defined(__x86_64__)
// The ABI wants rsp + 8 == 0 mod 16 at function entry (the call pushed 8).
constexpr std::uintptr_t kEntrySpMod16 = 8;
#else
// AArch64 and RISC-V keep sp 16-byte aligned at all times.
constexpr std::uintptr_t kEntrySpMod16 = 0;
#endif

struct AlignmentProbe {
  EntryProbe entry;  // first: the entry shim sees &probe as an EntryProbe*
  Gobuf main;
  Gobuf self;
  std::uintptr_t frame_address = 0;
  std::uintptr_t aligned_local = 0;
  int misaligned_calls = 0;
  int misaligned_locals = 0;
  int rounds = 0;
};
static_assert(std::is_standard_layout_v<AlignmentProbe> && offsetof(AlignmentProbe, entry) == 0);

[[gnu::noinline]] bool aligned_local_is_aligned() {
  alignas(16) volatile unsigned char local[16] = {};
  return reinterpret_cast<std::uintptr_t>(&local[0]) % 16 == 0;
}

void alignment_body(void* arg) {
  auto* p = static_cast<AlignmentProbe*>(arg);
  alignas(16) volatile unsigned char local[16] = {};
  p->frame_address = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  p->aligned_local = reinterpret_cast<std::uintptr_t>(&local[0]);
  for (;;) {
    if (ts_test_sp_at_call() % 16 != 0) ++p->misaligned_calls;
    if (!aligned_local_is_aligned()) ++p->misaligned_locals;
    ++p->rounds;
    touchstone_gogo_switch(&p->self, &p->main);
  }
}

TEST(Gostartcall, StackIsAlignedAtEntryAndAfterSwitches) {
  // gostartcall must round any stack_hi down to the ABI alignment itself.
  for (std::uintptr_t misalign : {0u, 1u, 4u, 8u, 12u, 15u}) {
    SCOPED_TRACE(testing::Message() << "stack_hi - " << misalign);
    Stack stack;
    AlignmentProbe p;
    p.entry.body = alignment_body;
    p.entry.bail_out = &p.main;
    gostartcall(&p.self, static_cast<unsigned char*>(stack.hi()) - misalign,
                ts_test_record_entry_sp, &p);

    // First entry. On a misaligned entry sp the probe bails straight back and
    // the context is gone, so nothing more can be checked.
    touchstone_gogo_switch(&p.main, &p.self);
    EXPECT_TRUE(stack.holds_sp(p.entry.entry_sp));
    ASSERT_EQ(p.entry.entry_sp % 16, kEntrySpMod16)
        << "sp at fn entry: 0x" << std::hex << p.entry.entry_sp;

    // More rounds: every call made on either side after a switch returned
    // must still see an aligned sp.
    int main_misaligned = 0;
    constexpr int kRounds = 1000;
    for (int i = 1; i < kRounds; ++i) {
      touchstone_gogo_switch(&p.main, &p.self);
      if (ts_test_sp_at_call() % 16 != 0) ++main_misaligned;
    }

    EXPECT_EQ(p.aligned_local % 16, 0u);
#if defined(__x86_64__) || defined(__riscv)
    // x86-64: rbp = entry rsp - 8; RISC-V: fp = the CFA = entry sp.
    EXPECT_EQ(p.frame_address % 16, 0u);
#else
    // AArch64: the frame record may sit anywhere in the (aligned) frame.
    EXPECT_EQ(p.frame_address % 8, 0u);
#endif
    EXPECT_EQ(p.rounds, kRounds);
    EXPECT_EQ(p.misaligned_calls, 0);
    EXPECT_EQ(p.misaligned_locals, 0);
    EXPECT_EQ(main_misaligned, 0);
  }
}

// ---------------------------------------------------------------------------
// 3. Ping-pong between two goroutines.

struct PingPong {
  static constexpr std::uint64_t kRounds = 100000;
  Gobuf main, ping, pong;
  std::uint64_t counter = 0;
  std::uint64_t ping_iterations = 0;
  std::uint64_t pong_iterations = 0;
  std::uint64_t out_of_turn = 0;
};

void ping(void* arg) {
  auto* p = static_cast<PingPong*>(arg);
  for (std::uint64_t i = 0; i < PingPong::kRounds; ++i) {
    if (p->counter != 2 * i) ++p->out_of_turn;  // ping always sees an even count
    ++p->counter;
    ++p->ping_iterations;
    touchstone_gogo_switch(&p->ping, &p->pong);
  }
  touchstone_gogo(&p->main);  // done; this stack is never resumed
}

void pong(void* arg) {
  auto* p = static_cast<PingPong*>(arg);
  for (std::uint64_t i = 0;; ++i) {
    if (p->counter != 2 * i + 1) ++p->out_of_turn;  // ...and pong an odd one
    ++p->counter;
    ++p->pong_iterations;
    touchstone_gogo_switch(&p->pong, &p->ping);
  }
}

TEST(ContextSwitch, PingPongCountsExactly) {
  Stack ping_stack, pong_stack;
  PingPong p;
  gostartcall(&p.ping, ping_stack.hi(), ping, &p);
  gostartcall(&p.pong, pong_stack.hi(), pong, &p);
  touchstone_gogo_switch(&p.main, &p.ping);
  EXPECT_EQ(p.counter, 2 * PingPong::kRounds);
  EXPECT_EQ(p.ping_iterations, PingPong::kRounds);
  EXPECT_EQ(p.pong_iterations, PingPong::kRounds);
  EXPECT_EQ(p.out_of_turn, 0u);
}

// ---------------------------------------------------------------------------
// 4. Migration between OS threads.

// noinline and opaque (the empty volatile asm with a memory clobber keeps the
// compiler from treating it as pure), so a goroutine really re-asks after
// every switch instead of reusing a value computed on another thread.
[[gnu::noinline]] std::thread::id current_thread_id() {
  asm volatile("" ::: "memory");
  return std::this_thread::get_id();
}

struct Migration {
  static constexpr std::uint64_t kRounds = 2000;
  Gobuf g;
  Gobuf host[2];
  // Written by the resuming host thread before each switch into g.
  int host_index = 0;
  std::uint64_t round = 0;
  std::thread::id host_id;
  // Written by the goroutine.
  std::uint64_t resumed = 0;
  std::uint64_t wrong_thread = 0;
  std::uint64_t thread_changes = 0;
  std::uint64_t wrong_round = 0;
  std::uint64_t corrupted_locals = 0;
};

void migrating_goroutine(void* arg) {
  auto* m = static_cast<Migration*>(arg);
  // Locals that must survive every hop: a stack array, and an accumulator the
  // compiler is free to keep in a callee-saved register.
  volatile std::uint64_t canary[8];
  for (auto& c : canary) c = 0x5eed000000000000 ^ reinterpret_cast<std::uintptr_t>(&c);
  std::uint64_t sum = 0;
  std::thread::id previous;
  for (std::uint64_t round = 0;; ++round) {
    const std::thread::id self = current_thread_id();
    if (self != m->host_id) ++m->wrong_thread;
    if (round > 0 && self != previous) ++m->thread_changes;
    previous = self;
    if (m->round != round) ++m->wrong_round;
    for (auto& c : canary) {
      if (c != (0x5eed000000000000 ^ reinterpret_cast<std::uintptr_t>(&c))) ++m->corrupted_locals;
    }
    sum += round;
    if (sum != round * (round + 1) / 2) ++m->corrupted_locals;
    ++m->resumed;
    touchstone_gogo_switch(&m->g, &m->host[m->host_index]);
  }
}

TEST(ContextSwitch, MigratesBetweenOSThreads) {
  Stack stack;
  Migration m;
  gostartcall(&m.g, stack.hi(), migrating_goroutine, &m);

  // Two host threads take strict turns: round r runs on thread r % 2, so the
  // goroutine is started on thread 0 and then hops thread on every resume.
  std::atomic<std::uint64_t> turn{0};
  auto host = [&](int k) {
    for (auto r = static_cast<std::uint64_t>(k); r < Migration::kRounds; r += 2) {
      for (auto t = turn.load(std::memory_order_acquire); t != r;
           t = turn.load(std::memory_order_acquire)) {
        turn.wait(t, std::memory_order_acquire);
      }
      m.host_index = k;
      m.round = r;
      m.host_id = std::this_thread::get_id();
      touchstone_gogo_switch(&m.host[k], &m.g);
      turn.store(r + 1, std::memory_order_release);
      turn.notify_all();
    }
  };
  std::thread a(host, 0);
  std::thread b(host, 1);
  a.join();
  b.join();

  EXPECT_EQ(m.resumed, Migration::kRounds);
  EXPECT_EQ(m.wrong_thread, 0u);
  EXPECT_EQ(m.thread_changes, Migration::kRounds - 1);
  EXPECT_EQ(m.wrong_round, 0u);
  EXPECT_EQ(m.corrupted_locals, 0u);
}

// ---------------------------------------------------------------------------
// 5. touchstone_gogo: resume without saving.

struct GogoChain {
  Gobuf main, x, y;
  Stack* y_stack = nullptr;
  int trace[4] = {};
  int steps = 0;
};

void gogo_y(void* arg);

// x starts y and abandons itself: gogo into a fresh context.
void gogo_x(void* arg) {
  auto* c = static_cast<GogoChain*>(arg);
  c->trace[c->steps++] = 1;
  gostartcall(&c->y, c->y_stack->hi(), gogo_y, c);
  touchstone_gogo(&c->y);
}

// y switches to main once (saving itself), then, when resumed, abandons
// itself: gogo into a context suspended by touchstone_gogo_switch.
void gogo_y(void* arg) {
  auto* c = static_cast<GogoChain*>(arg);
  c->trace[c->steps++] = 2;
  touchstone_gogo_switch(&c->y, &c->main);
  c->trace[c->steps++] = 3;
  touchstone_gogo(&c->main);
}

TEST(ContextSwitch, GogoResumesFreshAndSuspendedContexts) {
  Stack x_stack, y_stack;
  GogoChain c;
  c.y_stack = &y_stack;
  volatile std::uint64_t canary = 0xfeedfacecafebeef;
  gostartcall(&c.x, x_stack.hi(), gogo_x, &c);

  touchstone_gogo_switch(&c.main, &c.x);  // main -> x -gogo-> y -switch-> main
  ASSERT_EQ(c.steps, 2);
  EXPECT_EQ(c.trace[0], 1);
  EXPECT_EQ(c.trace[1], 2);

  touchstone_gogo_switch(&c.main, &c.y);  // main -> y -gogo-> main
  ASSERT_EQ(c.steps, 3);
  EXPECT_EQ(c.trace[2], 3);
  EXPECT_EQ(canary, 0xfeedfacecafebeefu);
}

// ---------------------------------------------------------------------------
// Floating-point environment: inherited at creation, then private.

struct FpEnvProbe {
  Gobuf main, self;
  int seen_at_start = -1;
  int seen_after_resume = -1;
};

void fpenv_goroutine(void* arg) {
  auto* p = static_cast<FpEnvProbe*>(arg);
  p->seen_at_start = std::fegetround();
  std::fesetround(FE_DOWNWARD);  // must not leak into main
  touchstone_gogo_switch(&p->self, &p->main);
  p->seen_after_resume = std::fegetround();
  touchstone_gogo(&p->main);
}

TEST(Gostartcall, FreshContextInheritsCreatorsRoundingMode) {
  const int saved = std::fegetround();
  Stack stack;
  FpEnvProbe p;

  ASSERT_EQ(std::fesetround(FE_TOWARDZERO), 0);
  gostartcall(&p.self, stack.hi(), fpenv_goroutine, &p);
  ASSERT_EQ(std::fesetround(FE_UPWARD), 0);  // main's mode at the switch differs

  touchstone_gogo_switch(&p.main, &p.self);
  EXPECT_EQ(p.seen_at_start, FE_TOWARDZERO);
  EXPECT_EQ(std::fegetround(), FE_UPWARD);  // main's mode came back with main

  touchstone_gogo_switch(&p.main, &p.self);
  EXPECT_EQ(p.seen_after_resume, FE_DOWNWARD);  // the goroutine's came back with it
  EXPECT_EQ(std::fegetround(), FE_UPWARD);

  std::fesetround(saved);
}

// ---------------------------------------------------------------------------
// An entry function that returns is a bug; the trampoline must abort().

void returning_entry(void*) {}

void start_returning_goroutine() {
  Stack stack;
  Gobuf main;
  Gobuf g;
  gostartcall(&g, stack.hi(), returning_entry, nullptr);
  touchstone_gogo_switch(&main, &g);
}

TEST(GostartcallDeathTest, ReturningEntryFunctionAborts) {
  EXPECT_EXIT(start_returning_goroutine(), testing::KilledBySignal(SIGABRT), "");
}

}  // namespace
}  // namespace touchstone::arch
