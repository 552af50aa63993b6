// One kernel source, one copy per CPU level (cpu_level.h), one entry point.
//
// A hot kernel file (say conv_cpu.cpp) is compiled as it is, which makes its
// generic copy, and again through generated wrappers that define RF_CPU_LEVEL
// (1 = avx2, 2 = avx512) and include it (kernels/CMakeLists.txt). The file
// puts its kernels between RF_CPU_LEVEL_BEGIN and RF_CPU_LEVEL_END, after all
// its #includes: they land in namespace rf::kernels::<level> and are compiled
// for that level's instructions by `#pragma GCC target`. Everything included
// before stays at the baseline, so templates and inline functions that several
// copies share (std::, vmath) are identical in all of them and can never drag
// AVX-512 code into a baseline caller through the linker's pick of one weak
// copy; GCC still inlines them into the level's code (a baseline callee's
// instructions are a subset of the caller's).
//
// The public entry points (rf::kernels::conv_forward_cpu ...) are defined in
// the generic compile only, inside `#if RF_CPU_DISPATCHER`, each forwarding to
// RF_CPU_PICK(name), the copy of the level in use.
//
// RF_CPU_LANES is the level's natural float-vector width, for kernels whose
// register tiles depend on it.
#pragma once
#include "kernels/common/cpu_level.h"

#ifndef RF_CPU_LEVEL
#define RF_CPU_LEVEL 0
#endif

#if defined(__x86_64__)
#define RF_CPU_X86 1
#else
#define RF_CPU_X86 0
#endif

#define RF_CPU_DISPATCHER (RF_CPU_LEVEL == 0)

#define RF_CPU_AVX2_TARGETS "avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,popcnt,sse4.2"

// clang ignores `#pragma GCC target`; its `#pragma clang attribute` gives
// every function of the region the same target attribute.
#if RF_CPU_LEVEL == 2
#define RF_CPU_NS avx512
#define RF_CPU_LANES 16
#if defined(__clang__)
#define RF_CPU_TARGET _Pragma("clang attribute push (__attribute__((target(\"avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,popcnt,sse4.2,avx512f,avx512bw,avx512cd,avx512dq,avx512vl\"))), apply_to = function)")
#define RF_CPU_TARGET_END _Pragma("clang attribute pop")
#else
#define RF_CPU_TARGET _Pragma("GCC push_options") \
  _Pragma("GCC target(\"avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,popcnt,sse4.2,avx512f,avx512bw,avx512cd,avx512dq,avx512vl\")")
#define RF_CPU_TARGET_END _Pragma("GCC pop_options")
#endif
#elif RF_CPU_LEVEL == 1
#define RF_CPU_NS avx2
#define RF_CPU_LANES 8
#if defined(__clang__)
#define RF_CPU_TARGET _Pragma("clang attribute push (__attribute__((target(\"avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,popcnt,sse4.2\"))), apply_to = function)")
#define RF_CPU_TARGET_END _Pragma("clang attribute pop")
#else
#define RF_CPU_TARGET _Pragma("GCC push_options") \
  _Pragma("GCC target(\"avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,popcnt,sse4.2\")")
#define RF_CPU_TARGET_END _Pragma("GCC pop_options")
#endif
#else
#define RF_CPU_NS generic
#define RF_CPU_LANES 4
#define RF_CPU_TARGET
#define RF_CPU_TARGET_END
#endif

#define RF_CPU_LEVEL_BEGIN RF_CPU_TARGET namespace rf::kernels::RF_CPU_NS {
#define RF_CPU_LEVEL_END } RF_CPU_TARGET_END

// Declares the level copies of entry point `fn` (declared in the op's header).
#if RF_CPU_X86
#define RF_CPU_LEVELS(fn)                                   \
  namespace generic { decltype(::rf::kernels::fn) fn; }     \
  namespace avx2 { decltype(::rf::kernels::fn) fn; }        \
  namespace avx512 { decltype(::rf::kernels::fn) fn; }
#define RF_CPU_PICK(fn) (::rf::kernels::cpu_pick(&generic::fn, &avx2::fn, &avx512::fn))
#else
#define RF_CPU_LEVELS(fn) namespace generic { decltype(::rf::kernels::fn) fn; }
#define RF_CPU_PICK(fn) (&generic::fn)
#endif

namespace rf::kernels {
template <class F>
F* cpu_pick(F* generic_fn, F* avx2_fn, F* avx512_fn) {
  switch (cpu_level()) {
    case CpuLevel::avx512: return avx512_fn;
    case CpuLevel::avx2: return avx2_fn;
    default: return generic_fn;
  }
}
}  // namespace rf::kernels
