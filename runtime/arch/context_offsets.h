/*
 * runtime/arch/context_offsets.h
 *
 * Byte offsets of the slots in the SwitchFrame that touchstone_gogo_switch
 * pushes on a suspended stack, and of the fields of Gobuf.
 *
 * This header is included by both C++ (runtime/arch/context.h, which
 * static_asserts every constant against struct SwitchFrame / struct Gobuf)
 * and by the assembler sources (runtime/arch/context_*.S). It must therefore
 * contain nothing but preprocessor #defines with plain integer literals:
 * no casts, no suffixes, no C++ syntax.
 *
 * Offsets are relative to the suspended stack pointer (Gobuf::sp), i.e. the
 * lowest address of the frame. TS_FRAME_SIZE is the whole frame, including
 * the return-address slot, and is a multiple of 16 on every architecture.
 */
#ifndef TOUCHSTONE_RUNTIME_ARCH_CONTEXT_OFFSETS_H_
#define TOUCHSTONE_RUNTIME_ARCH_CONTEXT_OFFSETS_H_

/* struct Gobuf (architecture independent). */
#define TS_GOBUF_SP 0

#if defined(__x86_64__)

/* x86-64 System V. The pc slot is the return address pushed by `call`. */
#define TS_FRAME_MXCSR 0 /* 4 bytes: MXCSR                              */
#define TS_FRAME_X87CW 4 /* 2 bytes: x87 FPU control word               */
                         /* 2 bytes of padding at 6                      */
#define TS_FRAME_RBX 8
#define TS_FRAME_R12 16
#define TS_FRAME_R13 24
#define TS_FRAME_R14 32
#define TS_FRAME_R15 40
#define TS_FRAME_RBP 48 /* {rbp, pc} look like an ordinary frame record */
#define TS_FRAME_PC 56
#define TS_FRAME_SIZE 64

#elif defined(__aarch64__)

/* AArch64 AAPCS64. */
#define TS_FRAME_FPCR 0 /* 8 bytes: FPCR (MRS/MSR move 64 bits)          */
                        /* 8 bytes of padding at 8                      */
#define TS_FRAME_D8 16  /* d8..d15: low 64 bits of v8..v15              */
#define TS_FRAME_D9 24
#define TS_FRAME_D10 32
#define TS_FRAME_D11 40
#define TS_FRAME_D12 48
#define TS_FRAME_D13 56
#define TS_FRAME_D14 64
#define TS_FRAME_D15 72
#define TS_FRAME_X19 80
#define TS_FRAME_X20 88
#define TS_FRAME_X21 96
#define TS_FRAME_X22 104
#define TS_FRAME_X23 112
#define TS_FRAME_X24 120
#define TS_FRAME_X25 128
#define TS_FRAME_X26 136
#define TS_FRAME_X27 144
#define TS_FRAME_X28 152
#define TS_FRAME_X29 160 /* {x29, x30} form an AAPCS64 frame record       */
#define TS_FRAME_X30 168 /* link register: where the switch returns to    */
#define TS_FRAME_SIZE 176

#elif defined(__riscv) && __riscv_xlen == 64

/* RISC-V LP64D. */
#define TS_FRAME_FCSR 0 /* 8 bytes: fcsr (frm | fflags)                 */
#define TS_FRAME_FS0 8
#define TS_FRAME_FS1 16
#define TS_FRAME_FS2 24
#define TS_FRAME_FS3 32
#define TS_FRAME_FS4 40
#define TS_FRAME_FS5 48
#define TS_FRAME_FS6 56
#define TS_FRAME_FS7 64
#define TS_FRAME_FS8 72
#define TS_FRAME_FS9 80
#define TS_FRAME_FS10 88
#define TS_FRAME_FS11 96
#define TS_FRAME_S1 104
#define TS_FRAME_S2 112
#define TS_FRAME_S3 120
#define TS_FRAME_S4 128
#define TS_FRAME_S5 136
#define TS_FRAME_S6 144
#define TS_FRAME_S7 152
#define TS_FRAME_S8 160
#define TS_FRAME_S9 168
#define TS_FRAME_S10 176
#define TS_FRAME_S11 184
#define TS_FRAME_S0 192 /* {s0, ra} at CFA-16 / CFA-8, like a frame record */
#define TS_FRAME_RA 200 /* return address: where the switch returns to   */
#define TS_FRAME_SIZE 208

#endif

#endif /* TOUCHSTONE_RUNTIME_ARCH_CONTEXT_OFFSETS_H_ */
