// Dense matrix multiplication in double precision: f64 loads, multiplies and adds in a triple
// loop. No fused multiply-add and no reassociation at -O2, so every engine computes the same bits.
#include "kernel.h"

KERNEL_SIZES(600, 20)

#define DIM 64

static double a[DIM][DIM], b[DIM][DIM], c[DIM][DIM];

// One unit: C = A B for 64x64 matrices (262144 multiply-adds), then A takes one entry of C so
// that the next unit multiplies different matrices. Entries stay within [-1, 1) (no overflow, no
// subnormals); the checksum is the bits of the sum of every C.
uint32_t run(uint32_t n) {
  uint32_t seed = 0x2545f491;
  for (int i = 0; i < DIM; ++i) {
    for (int j = 0; j < DIM; ++j) {
      a[i][j] = (double)(int32_t)xorshift32(&seed) * (1.0 / 2147483648.0);
      b[i][j] = (double)(int32_t)xorshift32(&seed) * (1.0 / 2147483648.0);
    }
  }
  double sum = 0;
  for (uint32_t u = 0; u < n; ++u) {
    for (int i = 0; i < DIM; ++i) {
      for (int j = 0; j < DIM; ++j) c[i][j] = 0;
      for (int k = 0; k < DIM; ++k) {
        double aik = a[i][k];
        for (int j = 0; j < DIM; ++j) c[i][j] += aik * b[k][j];
      }
    }
    double unit = 0;
    for (int i = 0; i < DIM; ++i) {
      for (int j = 0; j < DIM; ++j) unit += c[i][j];
    }
    sum += unit;
    // c's entries are sums of 64 products of values in [-1, 1): scaled back into [-1, 1).
    a[u % DIM][(u / DIM) % DIM] = c[(u * 7) % DIM][(u * 13) % DIM] * (1.0 / 64.0);
  }
  union {
    double d;
    uint64_t bits;
  } s = {sum};
  return (uint32_t)s.bits ^ (uint32_t)(s.bits >> 32);
}
