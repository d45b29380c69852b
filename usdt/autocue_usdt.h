/* SPDX-License-Identifier: MIT */
/*
 * autocue_usdt.h - entry/exit USDT probes for latency profiling.
 *
 * The only file a traced program includes. Every traced function or section
 * NAME gets two argument-less probes in provider "autocue": NAME__entry and
 * NAME__return, written as ordinary stapsdt ELF notes, so bpftrace
 * (usdt:BIN:autocue:NAME__entry), perf (sdt_autocue:NAME__entry) and
 * readelf -n all see them, and autocue-trace pairs them into latency rows.
 *
 *   AUTOCUE_PROBE(parse);            // once, at file scope
 *   int parse(...) {
 *       AUTOCUE_TRACE(parse);        // entry now, return on every exit path
 *       ...
 *   }
 *
 *   AUTOCUE_ENTRY(step); ...; AUTOCUE_RETURN(step);   // hand-placed pair
 *
 * AUTOCUE_PROBE is needed because C cannot generate a per-name cleanup
 * function at block scope (no lambdas; GCC nested functions do not exist in
 * clang), and the return site must carry its own name in its note.
 *
 * Build switches:
 *   -DAUTOCUE_NO_PROBES       compile every probe out.
 *   -DAUTOCUE_CLASSIC_PROBES  sys/sdt.h's 1-byte nop site (default on x86-64
 *                             is the 5-byte nop site below; other
 *                             architectures always use the classic form).
 *
 * Why a 5-byte nop: since Linux 6.18 the kernel rewrites an attached uprobe on
 * a 5-byte nop into a call to its uprobe trampoline, avoiding the int3 trap
 * and single-step; on this machine type an attached entry+return pair costs
 * ~3 us instead of ~11 us. That call pushes a return address below %rsp,
 * which would clobber a leaf function's red zone (the 128 bytes below %rsp
 * that the x86-64 ABI lets leaf code use without moving %rsp). So the site
 * steps %rsp below the red zone and back around the nop; lea leaves the flags
 * alone. Unattached, the site is three instructions that touch no memory and
 * take no branch; probes carry no arguments, so no semaphore is needed.
 */
#ifndef AUTOCUE_USDT_H
#define AUTOCUE_USDT_H

#define AUTOCUE_PROVIDER autocue

#if defined(AUTOCUE_NO_PROBES)

#define AUTOCUE_ENTRY(name) do { } while (0)
#define AUTOCUE_RETURN(name) do { } while (0)
#define AUTOCUE_PROBE(name) struct autocue__unused_##name
#define AUTOCUE_TRACE(name) do { } while (0)

#else /* probes compiled in */

#include <sys/sdt.h>

#if defined(__x86_64__) && !defined(AUTOCUE_CLASSIC_PROBES)

/* nopl 0x0(%rax,%rax,1) spelled as bytes: gas would shorten it to 4 bytes.
 * sys/sdt.h builds its notes with the _SDT_ASM_* macros; reuse them so the
 * note layout stays exactly stapsdt's, and only the site instruction and the
 * red-zone guard differ. _SDT_NOP is expanded where the body is used, so
 * redefining it here changes only our sites. */
/* AUTOCUE_UNSAFE_NO_REDZONE_GUARD exists only so a test can show the
 * hazard the guard prevents; never use it. */
#ifdef AUTOCUE_UNSAFE_NO_REDZONE_GUARD
#define AUTOCUE__RZ_DOWN ""
#define AUTOCUE__RZ_UP ""
#else
#define AUTOCUE__RZ_DOWN "lea -128(%%rsp), %%rsp\n"
#define AUTOCUE__RZ_UP "lea 128(%%rsp), %%rsp\n"
#endif
/* The guard moves %rsp, which DWARF call-frame information cannot follow
 * from inside an asm; an unwinder stopped at the probe (gdb at a -probe-stap
 * breakpoint, perf --call-graph dwarf) would then lose the caller. Taking
 * the frame address makes the compiler keep %rbp as the frame's CFA base,
 * which the guard does not touch: push, mov and pop in each traced
 * function, on whichever compiler and optimisation level. */
#define AUTOCUE__SITE(provider, name)                                         \
	do {                                                                  \
		__asm__ __volatile__(                                         \
			AUTOCUE__RZ_DOWN                                      \
			AUTOCUE__BODY(provider, name)                         \
			AUTOCUE__RZ_UP                                        \
			:: "r"(__builtin_frame_address(0)));                  \
		__asm__ __volatile__(_SDT_ASM_BASE);                          \
	} while (0)
#define AUTOCUE__BODY(provider, name)                                         \
	_SDT_DEF_MACROS                                                       \
	"990: .byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n"                           \
	_SDT_ASM_3(.pushsection .note.stapsdt, _SDT_ASM_AUTOGROUP, "note")    \
	_SDT_ASM_1(.balign 4)                                                 \
	_SDT_ASM_3(.4byte 992f-991f, 994f-993f, _SDT_NOTE_TYPE)               \
	_SDT_ASM_1(991: .asciz _SDT_NOTE_NAME)                                \
	_SDT_ASM_1(992: .balign 4)                                            \
	_SDT_ASM_1(993: _SDT_ASM_ADDR 990b)                                   \
	_SDT_ASM_1(_SDT_ASM_ADDR _.stapsdt.base)                              \
	_SDT_ASM_1(_SDT_ASM_ADDR 0)                                           \
	_SDT_ASM_STRING(provider)                                             \
	_SDT_ASM_STRING(name)                                                 \
	_SDT_ASM_SUBSTR(\x00)                                                 \
	_SDT_UNDEF_MACROS                                                     \
	_SDT_ASM_1(994: .balign 4)                                            \
	_SDT_ASM_1(.popsection)

#else /* classic 1-byte nop site */

#define AUTOCUE__SITE(provider, name) STAP_PROBE(provider, name)

#endif

/* The scope's work stays between its sites. A volatile asm orders only
 * against other volatile asms: the compiler may move loads and stores
 * across a site that says nothing of memory. The compiler barrier beside
 * each site (on its inner side) keeps every memory access of the scope
 * inside it, whatever the optimiser does; tests/usdt/barrier.sh checks the
 * code gcc and clang emit. What no barrier can hold is register-only
 * arithmetic: the last instructions of a return expression (x * 7 + 1)
 * may run after the return site, a few cycles that no timer resolves. */
#define AUTOCUE__BARRIER() __asm__ __volatile__("" ::: "memory")
#define AUTOCUE_ENTRY(name)                                                   \
	do {                                                                  \
		AUTOCUE__SITE(autocue, name##__entry);                        \
		AUTOCUE__BARRIER();                                           \
	} while (0)
#define AUTOCUE_RETURN(name)                                                  \
	do {                                                                  \
		AUTOCUE__BARRIER();                                           \
		AUTOCUE__SITE(autocue, name##__return);                       \
	} while (0)

/* Defines the scope guard AUTOCUE_TRACE(name) runs on every exit path.
 * always_inline: the return site must sit in the traced function itself
 * (one note per inlined copy), also at -O0. */
#define AUTOCUE_PROBE(name)                                                   \
	static __inline__ __attribute__((always_inline, unused)) void         \
	autocue__leave_##name(const char *scope __attribute__((unused)))      \
	{                                                                     \
		AUTOCUE_RETURN(name);                                         \
	}                                                                     \
	struct autocue__probe_##name

#define AUTOCUE_TRACE(name)                                                   \
	const char autocue__scope_##name                                      \
		__attribute__((cleanup(autocue__leave_##name), unused)) = 0;  \
	AUTOCUE_ENTRY(name)

#endif /* AUTOCUE_NO_PROBES */

#endif /* AUTOCUE_USDT_H */
