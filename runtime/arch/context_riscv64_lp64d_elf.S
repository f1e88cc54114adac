/*
 * runtime/arch/context_riscv64_lp64d_elf.S
 *
 * Goroutine context switch for RISC-V RV64 with the LP64D ABI, ELF (Linux).
 * Interface and rationale: runtime/arch/context.h, runtime/arch/README.md.
 *
 * SwitchFrame, as left at Gobuf::sp of a suspended context
 * (offsets from context_offsets.h; the frame is 208 bytes):
 *
 *   higher addresses
 *            +--------------------------+  <- caller's sp (CFA)
 *   sp + 200 | ra    (TS_FRAME_RA)      |  where the switch returns to
 *   sp + 192 | s0/fp (TS_FRAME_S0)      |  {s0, ra} at CFA-16/CFA-8: a frame record
 *   sp + 184 | s11   (TS_FRAME_S11)     |
 *     ...    | ...                      |
 *   sp + 104 | s1    (TS_FRAME_S1)      |
 *   sp +  96 | fs11  (TS_FRAME_FS11)    |
 *     ...    | ...                      |
 *   sp +   8 | fs0   (TS_FRAME_FS0)     |
 *   sp +   0 | fcsr  (TS_FRAME_FCSR)    |  frm (bits 7:5) | fflags (bits 4:0)
 *            +--------------------------+  <- Gobuf::sp
 *   lower addresses
 *
 * TS_FRAME_SIZE is a multiple of 16, so sp stays 16-byte aligned at all times.
 *
 * What is saved, and why it is exactly the ABI's callee-saved set:
 *   s0-s11              callee-saved GPRs (s0 doubles as the frame pointer).
 *   ra                  our return address; `ret` resumes through it.
 *   sp                  in Gobuf::sp itself.
 *   fs0-fs11            callee-saved FP registers under LP64D (64 bits each).
 *   fcsr                the psABI gives fcsr "thread storage duration"
 *                       (C11 <fenv.h>); a goroutine is the C-level thread of
 *                       control here, so its frm/fflags move with it.
 *
 * What is NOT saved, and why that is safe:
 *   a0-a7, t0-t6        caller-saved.
 *   ft0-ft11, fa0-fa7   caller-saved.
 *   tp                  the thread pointer of the *current OS thread*.
 *                       Contexts migrate between OS threads; TLS must keep
 *                       resolving to the thread the context now runs on, so
 *                       tp must never be switched.
 *   gp                  the global pointer: one value for the whole program
 *                       (linker relaxation base). Never changes, never saved.
 *   v0-v31, vl, vtype, vxrm, vxsat
 *                       caller-saved under the standard vector calling
 *                       convention; vstart is zero at every call.
 *   signal mask         per OS thread, and a syscall to change.
 *   Zicfiss shadow stack / Zicfilp landing pads
 *                       not supported (no .note.gnu.property is emitted).
 */
#if defined(__riscv) && __riscv_xlen == 64

#if !defined(__riscv_float_abi_double)
#error "context_riscv64_lp64d_elf.S requires the LP64D ABI"
#endif

#include "runtime/arch/context_offsets.h"

	.text

/*
 * CFI_SWITCH_FRAME: tell unwinders where a fully built SwitchFrame keeps each
 * register, with CFA = sp + TS_FRAME_SIZE (the caller's sp).
 */
.macro CFI_SWITCH_FRAME
	.cfi_def_cfa sp, TS_FRAME_SIZE
	.cfi_offset ra,   TS_FRAME_RA   - TS_FRAME_SIZE
	.cfi_offset s0,   TS_FRAME_S0   - TS_FRAME_SIZE
	.cfi_offset s1,   TS_FRAME_S1   - TS_FRAME_SIZE
	.cfi_offset s2,   TS_FRAME_S2   - TS_FRAME_SIZE
	.cfi_offset s3,   TS_FRAME_S3   - TS_FRAME_SIZE
	.cfi_offset s4,   TS_FRAME_S4   - TS_FRAME_SIZE
	.cfi_offset s5,   TS_FRAME_S5   - TS_FRAME_SIZE
	.cfi_offset s6,   TS_FRAME_S6   - TS_FRAME_SIZE
	.cfi_offset s7,   TS_FRAME_S7   - TS_FRAME_SIZE
	.cfi_offset s8,   TS_FRAME_S8   - TS_FRAME_SIZE
	.cfi_offset s9,   TS_FRAME_S9   - TS_FRAME_SIZE
	.cfi_offset s10,  TS_FRAME_S10  - TS_FRAME_SIZE
	.cfi_offset s11,  TS_FRAME_S11  - TS_FRAME_SIZE
	.cfi_offset fs0,  TS_FRAME_FS0  - TS_FRAME_SIZE
	.cfi_offset fs1,  TS_FRAME_FS1  - TS_FRAME_SIZE
	.cfi_offset fs2,  TS_FRAME_FS2  - TS_FRAME_SIZE
	.cfi_offset fs3,  TS_FRAME_FS3  - TS_FRAME_SIZE
	.cfi_offset fs4,  TS_FRAME_FS4  - TS_FRAME_SIZE
	.cfi_offset fs5,  TS_FRAME_FS5  - TS_FRAME_SIZE
	.cfi_offset fs6,  TS_FRAME_FS6  - TS_FRAME_SIZE
	.cfi_offset fs7,  TS_FRAME_FS7  - TS_FRAME_SIZE
	.cfi_offset fs8,  TS_FRAME_FS8  - TS_FRAME_SIZE
	.cfi_offset fs9,  TS_FRAME_FS9  - TS_FRAME_SIZE
	.cfi_offset fs10, TS_FRAME_FS10 - TS_FRAME_SIZE
	.cfi_offset fs11, TS_FRAME_FS11 - TS_FRAME_SIZE
.endm

/*
 * POP_SWITCH_FRAME: sp points at a SwitchFrame. Restore the state it holds,
 * drop it and return through its ra slot into the suspended context.
 */
.macro POP_SWITCH_FRAME
	ld      t0, TS_FRAME_FCSR(sp)		/* t0 = saved fcsr (scratch) */
	fscsr   t0				/* restore frm and fflags */
	fld     fs0,  TS_FRAME_FS0(sp)		/* callee-saved FP registers */
	fld     fs1,  TS_FRAME_FS1(sp)
	fld     fs2,  TS_FRAME_FS2(sp)
	fld     fs3,  TS_FRAME_FS3(sp)
	fld     fs4,  TS_FRAME_FS4(sp)
	fld     fs5,  TS_FRAME_FS5(sp)
	fld     fs6,  TS_FRAME_FS6(sp)
	fld     fs7,  TS_FRAME_FS7(sp)
	fld     fs8,  TS_FRAME_FS8(sp)
	fld     fs9,  TS_FRAME_FS9(sp)
	fld     fs10, TS_FRAME_FS10(sp)
	fld     fs11, TS_FRAME_FS11(sp)
	ld      s1,  TS_FRAME_S1(sp)		/* callee-saved GPRs */
	ld      s2,  TS_FRAME_S2(sp)
	ld      s3,  TS_FRAME_S3(sp)
	ld      s4,  TS_FRAME_S4(sp)
	ld      s5,  TS_FRAME_S5(sp)
	ld      s6,  TS_FRAME_S6(sp)
	ld      s7,  TS_FRAME_S7(sp)
	ld      s8,  TS_FRAME_S8(sp)
	ld      s9,  TS_FRAME_S9(sp)
	ld      s10, TS_FRAME_S10(sp)
	ld      s11, TS_FRAME_S11(sp)
	ld      s0,  TS_FRAME_S0(sp)		/* frame pointer */
	ld      ra,  TS_FRAME_RA(sp)		/* return address */
	addi    sp, sp, TS_FRAME_SIZE		/* drop the frame */
	.cfi_def_cfa_offset 0
	ret					/* jump to ra: resume the context */
.endm

/*
 * void touchstone_gogo_switch(Gobuf* save, const Gobuf* load)
 *   a0 = save, a1 = load
 */
	.globl  touchstone_gogo_switch
	.type   touchstone_gogo_switch, @function
	.p2align 2
touchstone_gogo_switch:
	.cfi_startproc
	addi    sp, sp, -TS_FRAME_SIZE		/* reserve the frame; sp stays 16-aligned */
	.cfi_def_cfa_offset TS_FRAME_SIZE
	sd      ra,  TS_FRAME_RA(sp)		/* return address */
	sd      s0,  TS_FRAME_S0(sp)		/* frame pointer */
	sd      s1,  TS_FRAME_S1(sp)		/* callee-saved GPRs */
	sd      s2,  TS_FRAME_S2(sp)
	sd      s3,  TS_FRAME_S3(sp)
	sd      s4,  TS_FRAME_S4(sp)
	sd      s5,  TS_FRAME_S5(sp)
	sd      s6,  TS_FRAME_S6(sp)
	sd      s7,  TS_FRAME_S7(sp)
	sd      s8,  TS_FRAME_S8(sp)
	sd      s9,  TS_FRAME_S9(sp)
	sd      s10, TS_FRAME_S10(sp)
	sd      s11, TS_FRAME_S11(sp)
	fsd     fs0,  TS_FRAME_FS0(sp)		/* callee-saved FP registers */
	fsd     fs1,  TS_FRAME_FS1(sp)
	fsd     fs2,  TS_FRAME_FS2(sp)
	fsd     fs3,  TS_FRAME_FS3(sp)
	fsd     fs4,  TS_FRAME_FS4(sp)
	fsd     fs5,  TS_FRAME_FS5(sp)
	fsd     fs6,  TS_FRAME_FS6(sp)
	fsd     fs7,  TS_FRAME_FS7(sp)
	fsd     fs8,  TS_FRAME_FS8(sp)
	fsd     fs9,  TS_FRAME_FS9(sp)
	fsd     fs10, TS_FRAME_FS10(sp)
	fsd     fs11, TS_FRAME_FS11(sp)
	frcsr   t0				/* t0 = fcsr (scratch) */
	sd      t0, TS_FRAME_FCSR(sp)		/* save it */
	CFI_SWITCH_FRAME
	sd      sp, TS_GOBUF_SP(a0)		/* save->sp = our frame: we are suspended */
	ld      sp, TS_GOBUF_SP(a1)		/* switch stacks to load's frame */
	/*
	 * We now run on the other stack. Its SwitchFrame has the same layout, so
	 * the CFI above describes it exactly as well.
	 */
	POP_SWITCH_FRAME
	.cfi_endproc
	.size   touchstone_gogo_switch, . - touchstone_gogo_switch

/*
 * [[noreturn]] void touchstone_gogo(const Gobuf* load)
 *   a0 = load. The current stack and registers are abandoned.
 */
	.globl  touchstone_gogo
	.type   touchstone_gogo, @function
	.p2align 2
touchstone_gogo:
	.cfi_startproc
	ld      sp, TS_GOBUF_SP(a0)		/* switch stacks to load's frame */
	CFI_SWITCH_FRAME			/* from here on we unwind as load */
	POP_SWITCH_FRAME
	.cfi_endproc
	.size   touchstone_gogo, . - touchstone_gogo

/*
 * touchstone_gostart_trampoline: first code run by a context made by
 * gostartcall. It is entered by the `ret` of POP_SWITCH_FRAME, with
 *   s1 = fn, s2 = arg (placed in the SwitchFrame by gostartcall),
 *   s0 = 0 (terminates frame-record chains),
 *   sp = the 16-byte-aligned top of the new stack.
 * ra is marked undefined so DWARF unwinders stop here: this is the outermost
 * frame of the goroutine.
 */
	.globl  touchstone_gostart_trampoline
	.hidden touchstone_gostart_trampoline
	.type   touchstone_gostart_trampoline, @function
	.p2align 2
touchstone_gostart_trampoline:
	.cfi_startproc
	.cfi_undefined ra			/* outermost frame: stop unwinding */
	mv      a0, s2				/* first argument: arg */
	jalr    s1				/* fn(arg); must not return */
	call    abort				/* ...but if it does, die loudly */
	ebreak					/* not reached */
	.cfi_endproc
	.size   touchstone_gostart_trampoline, . - touchstone_gostart_trampoline

#endif /* __riscv && __riscv_xlen == 64 */

	.section .note.GNU-stack,"",%progbits
