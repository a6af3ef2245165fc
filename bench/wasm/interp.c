// A bytecode interpreter: the dispatch loop of a small register machine (a switch over one-byte
// opcodes, operands decoded from the instruction word) running a program with a data-dependent
// branch, the inner loop of every language runtime compiled to Wasm.
#include "kernel.h"

KERNEL_SIZES(300, 12)

enum { kLoadI, kAdd, kSub, kMul, kXor, kAnd, kShrI, kAddI, kJz, kJnz, kJmp, kHalt };

// An instruction: opcode, destination and two source registers in one word, and an immediate.
typedef struct {
  uint32_t word;  // op | dst << 8 | a << 16 | b << 24
  int32_t imm;
} Insn;

#define I(op, d, a, b, imm) {(uint32_t)(op) | (d) << 8 | (a) << 16 | (uint32_t)(b) << 24, (imm)}

// r0: x (seed), r1: y, r2: z, r3: loop counter, r4: scratch, r5: multiplier, r6: bit mask.
// Each iteration: x = x * 1103515245 + 12345; y ^= x >> 16; z += y or z -= y, on bit 8 of x.
// Both arms are three instructions, so every iteration executes the same number of them.
static const Insn kProgram[] = {
    I(kLoadI, 3, 0, 0, 10000),      // 0: r3 = iterations
    I(kLoadI, 5, 0, 0, 1103515245), // 1
    I(kLoadI, 6, 0, 0, 0x100),      // 2
    I(kMul, 0, 0, 5, 0),            // 3: loop
    I(kAddI, 0, 0, 0, 12345),       // 4
    I(kShrI, 4, 0, 0, 16),          // 5
    I(kXor, 1, 1, 4, 0),            // 6
    I(kAnd, 4, 0, 6, 0),            // 7
    I(kJz, 0, 4, 0, 12),            // 8
    I(kAdd, 2, 2, 1, 0),            // 9: bit set
    I(kAddI, 2, 2, 0, 1),           // 10
    I(kJmp, 0, 0, 0, 15),           // 11
    I(kSub, 2, 2, 1, 0),            // 12: bit clear
    I(kAddI, 2, 2, 0, -1),          // 13
    I(kJmp, 0, 0, 0, 15),           // 14
    I(kAddI, 3, 3, 0, -1),          // 15
    I(kJnz, 0, 3, 0, 3),            // 16
    I(kHalt, 0, 0, 0, 0),           // 17
};

static uint32_t execute(const Insn* code, uint32_t* r) {
  uint32_t pc = 0, steps = 0;
  for (;;) {
    const Insn* in = &code[pc++];
    uint32_t d = (in->word >> 8) & 0xff, a = (in->word >> 16) & 0xff, b = in->word >> 24;
    ++steps;
    switch (in->word & 0xff) {
      case kLoadI: r[d] = (uint32_t)in->imm; break;
      case kAdd: r[d] = r[a] + r[b]; break;
      case kSub: r[d] = r[a] - r[b]; break;
      case kMul: r[d] = r[a] * r[b]; break;
      case kXor: r[d] = r[a] ^ r[b]; break;
      case kAnd: r[d] = r[a] & r[b]; break;
      case kShrI: r[d] = r[a] >> (in->imm & 31); break;
      case kAddI: r[d] = r[a] + (uint32_t)in->imm; break;
      case kJz: if (r[a] == 0) pc = (uint32_t)in->imm; break;
      case kJnz: if (r[a] != 0) pc = (uint32_t)in->imm; break;
      case kJmp: pc = (uint32_t)in->imm; break;
      default: return steps;  // kHalt
    }
  }
}

// One unit: the program above, 10000 iterations (110004 instructions with the halt), seeded by
// the checksum so far; the step count is part of the checksum.
uint32_t run(uint32_t n) {
  uint32_t acc = 1;
  uint32_t regs[8];
  for (uint32_t u = 0; u < n; ++u) {
    for (int i = 0; i < 8; ++i) regs[i] = 0;
    regs[0] = acc;
    uint32_t steps = execute(kProgram, regs);
    acc = rotl32(acc, 3) ^ regs[1] ^ regs[2] ^ steps;
  }
  return acc;
}
