// The module of the instantiation benchmark: about 3 MB, like a large canister. 4096 distinct
// functions stamped out by the preprocessor (each with its own constants, so the compiler cannot
// merge them), reached through a function table, and 512 KiB of initialised data. Only its size
// and shape matter; run() exists so that nothing is discarded.
#include "kernel.h"

// Repetition: L1(M, p) expands M(p0) ... M(p7); each level multiplies by eight. The ids are
// strings of octal digits after a leading 1, so 0##id is a valid (octal) constant.
#define L1(M, p) M(p##0) M(p##1) M(p##2) M(p##3) M(p##4) M(p##5) M(p##6) M(p##7)
#define L2(M, p) L1(M, p##0) L1(M, p##1) L1(M, p##2) L1(M, p##3) L1(M, p##4) L1(M, p##5) L1(M, p##6) L1(M, p##7)
#define L3(M, p) L2(M, p##0) L2(M, p##1) L2(M, p##2) L2(M, p##3) L2(M, p##4) L2(M, p##5) L2(M, p##6) L2(M, p##7)
#define L4(M, p) L3(M, p##0) L3(M, p##1) L3(M, p##2) L3(M, p##3) L3(M, p##4) L3(M, p##5) L3(M, p##6) L3(M, p##7)
#define L5(M, p) L4(M, p##0) L4(M, p##1) L4(M, p##2) L4(M, p##3) L4(M, p##4) L4(M, p##5) L4(M, p##6) L4(M, p##7)

// 32768 groups of four words: 512 KiB.
#define DATA(id) 0##id * 2654435761u, 0##id ^ 0x5bd1e995u, 0##id * 0x85ebca6bu, ~(uint32_t)0##id,
static const uint32_t kData[] = {L5(DATA, 1)};
#define DATA_WORDS (sizeof(kData) / sizeof(kData[0]))

#define FUNC(id)                                                                   \
  static uint32_t f##id(uint32_t x, uint32_t y) {                                  \
    uint32_t a = x * (0##id | 1u) + y, b = y ^ (0##id * 0x9e3779b9u);              \
    for (uint32_t i = 0; i < (x & 7); ++i) {                                       \
      a = rotl32(a ^ b, 0##id % 31 + 1) + kData[(a + i * 0##id) % DATA_WORDS];     \
      b += a >> (0##id % 7 + 1);                                                   \
    }                                                                              \
    switch ((a ^ 0##id) & 7) {                                                     \
      case 0: a += b * (0##id + 3); break;                                         \
      case 1: a ^= b >> (0##id % 13 + 1); break;                                   \
      case 2: a -= kData[(b ^ 0##id) % DATA_WORDS]; break;                         \
      case 3: a = rotr32(a, 0##id % 29 + 1) * 0x27d4eb2du; break;                  \
      case 4: b = (b | 0##id) - (a & 0x0f0f0f0fu); break;                          \
      case 5: a = a / ((b | 1u) + 0##id % 5) + 0##id; break;                       \
      case 6: b ^= a * 0xc2b2ae35u + 0##id; break;                                 \
      default: a = (a << 3) ^ (b >> 5) ^ 0##id; break;                             \
    }                                                                              \
    if ((a ^ b) & 0x100) b = kData[(0##id * 4 + (a & 3)) % DATA_WORDS] ^ (b + x);  \
    return (a * 0x85ebca6bu) ^ (b * 0xc2b2ae35u) ^ (a >> 16);                      \
  }
L4(FUNC, 1)

typedef uint32_t (*Fn)(uint32_t, uint32_t);
#define REF(id) f##id,
static Fn const kFns[] = {L4(REF, 1)};

uint32_t run(uint32_t n) {
  uint32_t acc = 0;
  for (uint32_t i = 0; i < n; ++i) acc = kFns[(acc + i) % 4096](acc, i);
  return acc;
}
