// Recursive Fibonacci: calls and returns, with almost nothing else between them.
#include "kernel.h"

KERNEL_SIZES(200, 30)

// Read through a volatile so that fib(depth) is not a loop invariant the compiler may hoist.
static volatile uint32_t depth = 25;

static uint32_t fib(uint32_t k) { return k < 2 ? k : fib(k - 1) + fib(k - 2); }

// One unit: fib(25), 242785 calls as written; clang turns the second recursion into a loop (in
// both builds), which leaves about half as many.
uint32_t run(uint32_t n) {
  uint32_t acc = 0;
  for (uint32_t i = 0; i < n; ++i) acc = rotl32(acc, 7) ^ (fib(depth) + i);
  return acc;
}
