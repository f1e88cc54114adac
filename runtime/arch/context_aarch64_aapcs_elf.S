/*
 * runtime/arch/context_aarch64_aapcs_elf.S
 *
 * Goroutine context switch for AArch64, AAPCS64, ELF (Linux).
 * Interface and rationale: runtime/arch/context.h, runtime/arch/README.md.
 *
 * SwitchFrame, as left at Gobuf::sp of a suspended context
 * (offsets from context_offsets.h; the frame is 176 bytes):
 *
 *   higher addresses
 *            +--------------------------+  <- caller's sp (CFA)
 *   sp + 168 | x30 (lr) (TS_FRAME_X30)  |  where the switch returns to
 *   sp + 160 | x29 (fp) (TS_FRAME_X29)  |  {x29, x30}: an AAPCS64 frame record
 *   sp + 152 | x28                      |
 *     ...    | ...                      |
 *   sp +  80 | x19      (TS_FRAME_X19)  |  x19..x28 at TS_FRAME_X19 + 8*(n-19)
 *   sp +  72 | d15                      |
 *     ...    | ...                      |
 *   sp +  16 | d8       (TS_FRAME_D8)   |  d8..d15 at TS_FRAME_D8 + 8*(n-8)
 *   sp +   8 | padding                  |
 *   sp +   0 | FPCR     (TS_FRAME_FPCR) |
 *            +--------------------------+  <- Gobuf::sp
 *   lower addresses
 *
 * TS_FRAME_SIZE is a multiple of 16, so sp stays 16-byte aligned at all times
 * (SP alignment checking faults on a misaligned sp-relative access).
 *
 * What is saved, and why it is exactly the ABI's callee-saved set:
 *   x19-x28             callee-saved GPRs.
 *   x29 (fp)            callee-saved; frame pointer.
 *   x30 (lr)            our return address; `ret` resumes through it.
 *   sp                  in Gobuf::sp itself.
 *   d8-d15              AAPCS64 preserves only the low 64 bits of v8-v15.
 *   FPCR                rounding mode, FZ, DN, AHP, trap enables: the C
 *                       floating-point environment the code was compiled
 *                       against. FPCR holds no status bits.
 *
 * What is NOT saved, and why that is safe:
 *   x0-x17              caller-saved (x16/x17 may even be clobbered by
 *                       linker veneers/PLT stubs between caller and callee).
 *   x18                 the platform register. Linux does not reserve it
 *                       (it is a temporary there); where a platform does
 *                       reserve it (e.g. a shadow-call-stack pointer) it is
 *                       per OS thread and must not move with the context.
 *   v0-v7, v16-v31, upper 64 bits of v8-v15
 *                       caller-saved.
 *   SVE z0-z31, p0-p15, FFR, SME ZA/ZT0
 *                       caller-saved; PSTATE.SM is off and ZA is dormant/off
 *                       at an ordinary call under the SME ABI.
 *   FPSR                cumulative exception flags: status, caller-saved.
 *                       They stay with the OS thread.
 *   NZCV                caller-saved.
 *   TPIDR_EL0           the thread pointer of the *current OS thread*.
 *                       Contexts migrate between OS threads; TLS must keep
 *                       resolving to the thread the context now runs on.
 *   signal mask         per OS thread, and a syscall to change.
 *   PAC keys, BTI       per process / not needed: we never sign x30, we just
 *                       move it; the trampoline is entered by `ret`, not by
 *                       an indirect branch. No .note.gnu.property is emitted.
 */
#if defined(__aarch64__)

#include "runtime/arch/context_offsets.h"

	.text

/*
 * CFI_SWITCH_FRAME: tell unwinders where a fully built SwitchFrame keeps each
 * register, with CFA = sp + TS_FRAME_SIZE (the caller's sp).
 */
.macro CFI_SWITCH_FRAME
	.cfi_def_cfa sp, TS_FRAME_SIZE
	.cfi_offset x19, TS_FRAME_X19 - TS_FRAME_SIZE
	.cfi_offset x20, TS_FRAME_X20 - TS_FRAME_SIZE
	.cfi_offset x21, TS_FRAME_X21 - TS_FRAME_SIZE
	.cfi_offset x22, TS_FRAME_X22 - TS_FRAME_SIZE
	.cfi_offset x23, TS_FRAME_X23 - TS_FRAME_SIZE
	.cfi_offset x24, TS_FRAME_X24 - TS_FRAME_SIZE
	.cfi_offset x25, TS_FRAME_X25 - TS_FRAME_SIZE
	.cfi_offset x26, TS_FRAME_X26 - TS_FRAME_SIZE
	.cfi_offset x27, TS_FRAME_X27 - TS_FRAME_SIZE
	.cfi_offset x28, TS_FRAME_X28 - TS_FRAME_SIZE
	.cfi_offset x29, TS_FRAME_X29 - TS_FRAME_SIZE
	.cfi_offset x30, TS_FRAME_X30 - TS_FRAME_SIZE
	.cfi_offset d8,  TS_FRAME_D8  - TS_FRAME_SIZE
	.cfi_offset d9,  TS_FRAME_D9  - TS_FRAME_SIZE
	.cfi_offset d10, TS_FRAME_D10 - TS_FRAME_SIZE
	.cfi_offset d11, TS_FRAME_D11 - TS_FRAME_SIZE
	.cfi_offset d12, TS_FRAME_D12 - TS_FRAME_SIZE
	.cfi_offset d13, TS_FRAME_D13 - TS_FRAME_SIZE
	.cfi_offset d14, TS_FRAME_D14 - TS_FRAME_SIZE
	.cfi_offset d15, TS_FRAME_D15 - TS_FRAME_SIZE
.endm

/*
 * POP_SWITCH_FRAME: sp points at a SwitchFrame. Restore the state it holds,
 * drop it and return through its x30 slot into the suspended context.
 */
.macro POP_SWITCH_FRAME
	ldr     x9, [sp, #TS_FRAME_FPCR]	/* x9 = saved FPCR (x9, x10: scratch) */
	mrs     x10, fpcr			/* x10 = current FPCR */
	cmp     x9, x10				/* usually equal: skip the write, since */
	b.eq    1f				/* MSR FPCR can be slow (glibc's fenv */
	msr     fpcr, x9			/* code avoids redundant writes too) */
1:
	ldp     d8,  d9,  [sp, #TS_FRAME_D8]	/* low halves of v8..v15 */
	ldp     d10, d11, [sp, #TS_FRAME_D10]
	ldp     d12, d13, [sp, #TS_FRAME_D12]
	ldp     d14, d15, [sp, #TS_FRAME_D14]
	ldp     x19, x20, [sp, #TS_FRAME_X19]	/* callee-saved GPRs */
	ldp     x21, x22, [sp, #TS_FRAME_X21]
	ldp     x23, x24, [sp, #TS_FRAME_X23]
	ldp     x25, x26, [sp, #TS_FRAME_X25]
	ldp     x27, x28, [sp, #TS_FRAME_X27]
	ldp     x29, x30, [sp, #TS_FRAME_X29]	/* frame pointer, return address */
	add     sp, sp, #TS_FRAME_SIZE		/* drop the frame */
	.cfi_def_cfa_offset 0
	ret					/* branch to x30: resume the context */
.endm

/*
 * void touchstone_gogo_switch(Gobuf* save, const Gobuf* load)
 *   x0 = save, x1 = load
 */
	.globl  touchstone_gogo_switch
	.type   touchstone_gogo_switch, %function
	.p2align 4
touchstone_gogo_switch:
	.cfi_startproc
	sub     sp, sp, #TS_FRAME_SIZE		/* reserve the frame; sp stays 16-aligned */
	.cfi_def_cfa_offset TS_FRAME_SIZE
	stp     x19, x20, [sp, #TS_FRAME_X19]	/* callee-saved GPRs */
	stp     x21, x22, [sp, #TS_FRAME_X21]
	stp     x23, x24, [sp, #TS_FRAME_X23]
	stp     x25, x26, [sp, #TS_FRAME_X25]
	stp     x27, x28, [sp, #TS_FRAME_X27]
	stp     x29, x30, [sp, #TS_FRAME_X29]	/* frame pointer, return address */
	stp     d8,  d9,  [sp, #TS_FRAME_D8]	/* low halves of v8..v15 */
	stp     d10, d11, [sp, #TS_FRAME_D10]
	stp     d12, d13, [sp, #TS_FRAME_D12]
	stp     d14, d15, [sp, #TS_FRAME_D14]
	mrs     x9, fpcr			/* x9 = FPCR (scratch) */
	str     x9, [sp, #TS_FRAME_FPCR]	/* save it */
	CFI_SWITCH_FRAME
	mov     x9, sp				/* sp cannot be stored directly */
	str     x9, [x0, #TS_GOBUF_SP]		/* save->sp = our frame: we are suspended */
	ldr     x9, [x1, #TS_GOBUF_SP]		/* x9 = load->sp */
	mov     sp, x9				/* switch stacks to load's frame */
	/*
	 * We now run on the other stack. Its SwitchFrame has the same layout, so
	 * the CFI above describes it exactly as well.
	 */
	POP_SWITCH_FRAME
	.cfi_endproc
	.size   touchstone_gogo_switch, . - touchstone_gogo_switch

/*
 * [[noreturn]] void touchstone_gogo(const Gobuf* load)
 *   x0 = load. The current stack and registers are abandoned.
 */
	.globl  touchstone_gogo
	.type   touchstone_gogo, %function
	.p2align 4
touchstone_gogo:
	.cfi_startproc
	ldr     x9, [x0, #TS_GOBUF_SP]		/* x9 = load->sp */
	mov     sp, x9				/* switch stacks to load's frame */
	CFI_SWITCH_FRAME			/* from here on we unwind as load */
	POP_SWITCH_FRAME
	.cfi_endproc
	.size   touchstone_gogo, . - touchstone_gogo

/*
 * touchstone_gostart_trampoline: first code run by a context made by
 * gostartcall. It is entered by the `ret` of POP_SWITCH_FRAME, with
 *   x19 = fn, x20 = arg (placed in the SwitchFrame by gostartcall),
 *   x29 = 0 (terminates frame-record chains),
 *   sp  = the 16-byte-aligned top of the new stack.
 * x30 is marked undefined so DWARF unwinders stop here: this is the outermost
 * frame of the goroutine.
 */
	.globl  touchstone_gostart_trampoline
	.hidden touchstone_gostart_trampoline
	.type   touchstone_gostart_trampoline, %function
	.p2align 4
touchstone_gostart_trampoline:
	.cfi_startproc
	.cfi_undefined x30			/* outermost frame: stop unwinding */
	mov     x0, x20				/* first argument: arg */
	blr     x19				/* fn(arg); must not return */
	bl      abort				/* ...but if it does, die loudly */
	brk     #0x3e8				/* not reached */
	.cfi_endproc
	.size   touchstone_gostart_trampoline, . - touchstone_gostart_trampoline

#endif /* __aarch64__ */

	.section .note.GNU-stack,"",%progbits
