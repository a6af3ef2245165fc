// What every benchmark kernel shares. A kernel is freestanding C (no libc, no allocation: static
// arrays only) compiled twice from the same source with the same flags: to wasm32, where run and
// the functions of KERNEL_SIZES are exports, and natively, where the build renames them with a
// prefix (-Drun=fib_run ...) so that all kernels link into one benchmark binary.
//
// run(n) does n equal units of work and returns a checksum that depends on all of it; n comes
// from the caller, so the compiler cannot fold the work away. Time is linear in n, which lets a
// slow engine run fewer units and still be compared per unit.
#pragma once

#include <stdint.h>

// KERNEL_SIZES(BENCH, INTERP) declares run() and defines the exports besides it:
//   bench_n()    the n the benchmark runs (about 20-200 ms natively);
//   run_interp() run(INTERP): wabt's wasm-interp can only call exports without arguments, so the
//                n it runs is baked into the module (read through a volatile, so that it is not
//                a compile-time constant for run), small enough for a slow interpreter;
//   interp_n()   INTERP.
// run is noinline so that run_interp calls the very code the other engines call.
#define KERNEL_SIZES(BENCH, INTERP)                          \
  __attribute__((noinline)) uint32_t run(uint32_t n);        \
  uint32_t bench_n(void) { return BENCH; }                   \
  uint32_t interp_n(void) { return INTERP; }                 \
  static volatile uint32_t kernel_interp_n = INTERP;         \
  uint32_t run_interp(void) { return run(kernel_interp_n); }

static inline uint32_t rotl32(uint32_t x, unsigned r) { return (x << r) | (x >> (32 - r)); }
static inline uint32_t rotr32(uint32_t x, unsigned r) { return (x >> r) | (x << (32 - r)); }

// A xorshift generator: deterministic inputs without libc.
static inline uint32_t xorshift32(uint32_t* state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}
