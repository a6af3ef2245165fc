// Quicksort of pseudo-random 32-bit keys: compares, swaps and unpredictable branches, recursion
// on the smaller side and a loop on the larger, insertion sort below 16 elements.
#include "kernel.h"

KERNEL_SIZES(300, 50)

#define COUNT 4096

static uint32_t keys[COUNT];

static void insertion_sort(uint32_t* v, int32_t lo, int32_t hi) {
  for (int32_t i = lo + 1; i <= hi; ++i) {
    uint32_t x = v[i];
    int32_t j = i - 1;
    while (j >= lo && v[j] > x) {
      v[j + 1] = v[j];
      --j;
    }
    v[j + 1] = x;
  }
}

static void swap(uint32_t* v, int32_t i, int32_t j) {
  uint32_t t = v[i];
  v[i] = v[j];
  v[j] = t;
}

static void quicksort(uint32_t* v, int32_t lo, int32_t hi) {
  while (hi - lo >= 16) {
    // Median of three as the pivot, left at v[hi - 1].
    int32_t mid = lo + (hi - lo) / 2;
    if (v[mid] < v[lo]) swap(v, mid, lo);
    if (v[hi] < v[lo]) swap(v, hi, lo);
    if (v[hi] < v[mid]) swap(v, hi, mid);
    swap(v, mid, hi - 1);
    uint32_t pivot = v[hi - 1];
    int32_t i = lo, j = hi - 1;
    for (;;) {
      while (v[++i] < pivot) {
      }
      while (pivot < v[--j]) {
      }
      if (i >= j) break;
      swap(v, i, j);
    }
    swap(v, i, hi - 1);
    if (i - lo < hi - i) {
      quicksort(v, lo, i - 1);
      lo = i + 1;
    } else {
      quicksort(v, i + 1, hi);
      hi = i - 1;
    }
  }
  insertion_sort(v, lo, hi);
}

// One unit: fill 4096 keys from the running generator, sort them, and fold a sample of the sorted
// keys and the count of out-of-order neighbours (zero if the sort is right) into the checksum.
uint32_t run(uint32_t n) {
  uint32_t seed = 0x6b43a9b5;
  uint32_t acc = 0;
  for (uint32_t u = 0; u < n; ++u) {
    for (int i = 0; i < COUNT; ++i) keys[i] = xorshift32(&seed);
    quicksort(keys, 0, COUNT - 1);
    uint32_t disorder = 0;
    for (int i = 1; i < COUNT; ++i) disorder += keys[i - 1] > keys[i];
    acc = rotl32(acc, 5) ^ keys[u % COUNT] ^ keys[COUNT / 2] ^ (disorder << 16);
  }
  return acc;
}
