#include "wasm/jit_executor.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>

#include "wasm/numeric.h"
#include "wasm/register_interpreter.h"
#include "wasm/register_translate.h"

#if defined(__x86_64__)
#define CHORUS_WASM_JIT 1
#include <asmjit/x86.h>
#else
#define CHORUS_WASM_JIT 0
#endif

namespace chorus::wasm {

bool jit_supported() { return CHORUS_WASM_JIT != 0; }

// Trap codes, as the generated code and the helpers return them (0: none).
enum JitTrap : uint32_t {
  kJitNone = 0,
  kJitUnreachable,
  kJitDivideByZero,
  kJitIntegerOverflow,
  kJitInvalidConversion,
  kJitMemory,
  kJitTable,
  kJitUndefinedElement,
  kJitUninitializedElement,
  kJitIndirectCallType,
  kJitStackExhausted,
  kJitLimit,
  kJitHost,
  kJitNotCompiled,
  kJitTrapCount,
};

// What the generated code reads and writes besides the frame. Standard layout: the generated code
// addresses the fields by offsetof. rbx holds the frame, r12 this context, r13/r14 copies of
// mem_base/mem_size and r15 the remaining budget (written back here around every helper call).
struct JitContext {
  uint64_t remaining;
  uint8_t* mem_base;
  uint64_t mem_size;
  const uint64_t* dirty_bits;  // the memory's fast-path bits (LinearMemory::mark_written)
  void* saved_rsp;             // the native stack position of the innermost entry
  void* switch_to;             // the native stack the outermost entry switches to, then null
  uint64_t* stack_end;         // end of the value stack
  uint64_t depth_left;         // Wasm calls that may still nest
  GlobalInst* const* globals;  // of the current instance
  Instance* inst;              // the current instance
  MemoryInst* memory;          // its memory 0, or null
  JitExecutor* self;
  uint64_t limit;  // the budget at the start
};

namespace {

using numeric::bits;
using numeric::canon;
using numeric::f32;
using numeric::f64;
using numeric::in_bounds;
using numeric::trunc_saturating;
using numeric::u32;
using numeric::wasm_max;
using numeric::wasm_min;

const char* jit_message(uint32_t t) {
  switch (t) {
    case kJitUnreachable: return kTrapUnreachable;
    case kJitDivideByZero: return kTrapDivideByZero;
    case kJitIntegerOverflow: return kTrapIntegerOverflow;
    case kJitInvalidConversion: return kTrapInvalidConversion;
    case kJitMemory: return kTrapMemoryOutOfBounds;
    case kJitTable: return kTrapTableOutOfBounds;
    case kJitUndefinedElement: return kTrapUndefinedElement;
    case kJitUninitializedElement: return kTrapUninitializedElement;
    case kJitIndirectCallType: return kTrapIndirectCallType;
    case kJitStackExhausted: return kTrapCallStackExhausted;
    case kJitLimit: return kTrapInstructionLimit;
    case kJitNotCompiled: return "the callee's module was not compiled by the JIT executor";
    default: return "trap";
  }
}

MemoryInst* memory_of(Instance* inst) {
  return inst->memories.empty() ? nullptr : inst->memories[0];
}

void refresh_memory(JitContext* c) {
  MemoryInst* m = c->memory;
  c->mem_base = m ? m->data() : nullptr;
  c->mem_size = m ? m->size() : 0;
  c->dirty_bits = m ? m->linear().fast_path_bits() : nullptr;
}

void set_instance(JitContext* c, Instance* inst) {
  c->inst = inst;
  c->globals = inst->globals.data();
  c->memory = memory_of(inst);
  refresh_memory(c);
}

// The entry trampoline's type: runs |target| (a function's machine code) with its frame at |fp|.
using EnterFn = uint32_t (*)(JitContext* ctx, uint64_t* fp, const void* target);

#if CHORUS_WASM_JIT
// A module's machine code, kept by CompiledModule::native.
struct JitCode {
  asmjit::JitRuntime runtime;
  EnterFn enter = nullptr;
  std::vector<const void*> entries;  // per defined function
};
#else
struct JitCode {
  EnterFn enter = nullptr;
  std::vector<const void*> entries;
};
#endif

const JitCode* code_of(const Instance* inst) {
  return inst->code ? static_cast<const JitCode*>(inst->code->native.get()) : nullptr;
}

// --- helpers called from the generated code

#define CHARGE(units)                          \
  do {                                         \
    uint64_t u_ = (units);                     \
    if (u_ > c->remaining) return kJitLimit;   \
    c->remaining -= u_;                        \
  } while (0)
#define S(k) fp[imm[k]]

// Calls a function from another instance, an import or through a table.
uint32_t call_function(JitContext* c, const FuncInst* callee, uint64_t* nfp) {
  if (callee->is_host()) {
    uint32_t t = c->self->call_host(*callee, nfp, *c);
    refresh_memory(c);
    return t;
  }
  if (c->depth_left == 0) return kJitStackExhausted;
  const JitCode* jc = code_of(callee->instance);
  if (jc == nullptr || jc->enter == nullptr) return kJitNotCompiled;
  --c->depth_left;
  Instance* saved = c->inst;
  if (callee->instance != saved) set_instance(c, callee->instance);
  uint32_t t = jc->enter(c, nfp, jc->entries[callee->index]);
  if (t != kJitNone) return t;
  ++c->depth_left;
  if (callee->instance != saved) {
    set_instance(c, saved);
  } else {
    refresh_memory(c);
  }
  return kJitNone;
}

uint32_t h_call(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  return call_function(c, c->inst->funcs[imm[0]], fp + imm[1]);
}

uint32_t h_call_indirect(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  // type table a base
  const TableInst* table = c->inst->tables[imm[1]];
  uint64_t i = S(2);
  if (i >= table->elems.size()) return kJitUndefinedElement;
  const auto* callee = reinterpret_cast<const FuncInst*>(table->elems[i]);
  if (callee == nullptr) return kJitUninitializedElement;
  if (callee->type_id != c->inst->type_ids[imm[0]]) return kJitIndirectCallType;
  return call_function(c, callee, fp + imm[3]);
}

uint32_t h_table_get(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  const TableInst* t = c->inst->tables[imm[2]];
  uint64_t i = S(1);
  if (i >= t->elems.size()) return kJitTable;
  S(0) = t->elems[i];
  return kJitNone;
}

uint32_t h_table_set(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  TableInst* t = c->inst->tables[imm[2]];
  uint64_t i = S(0), v = S(1);
  if (i >= t->elems.size()) return kJitTable;
  t->before_write();
  t->elems[i] = v;
  return kJitNone;
}

uint32_t h_table_size(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  S(0) = c->inst->tables[imm[1]]->elems.size();
  return kJitNone;
}

uint32_t h_table_grow(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  // d init n table
  TableInst* t = c->inst->tables[imm[3]];
  uint64_t init = S(1), n = S(2);
  uint64_t max = std::min(t->type.limits.max.value_or(kMaxTableSize), kMaxTableSize);
  uint64_t size = t->elems.size();
  if (n <= max - std::min(max, size)) CHARGE(n);
  std::optional<uint64_t> old = t->grow(n, init);
  S(0) = old ? *old : (t->type.limits.is64 ? ~uint64_t{0} : uint64_t{0xFFFFFFFF});
  return kJitNone;
}

uint32_t h_table_fill(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  // i v n table
  TableInst* t = c->inst->tables[imm[3]];
  uint64_t i = S(0), v = S(1), n = S(2);
  CHARGE(n);
  if (!in_bounds(i, n, t->elems.size())) return kJitTable;
  if (n > 0) t->before_write();
  std::fill_n(t->elems.begin() + static_cast<ptrdiff_t>(i), n, v);
  return kJitNone;
}

uint32_t h_table_copy(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  // d s n dst src
  TableInst* dst = c->inst->tables[imm[3]];
  const TableInst* src = c->inst->tables[imm[4]];
  uint64_t d = S(0), s = S(1), n = S(2);
  CHARGE(n);
  if (!in_bounds(s, n, src->elems.size()) || !in_bounds(d, n, dst->elems.size())) {
    return kJitTable;
  }
  if (n > 0) {
    dst->before_write();
    std::memmove(&dst->elems[d], &src->elems[s], n * sizeof(uint64_t));
  }
  return kJitNone;
}

uint32_t h_table_init(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  // d s n seg table
  const std::vector<uint64_t>& seg = c->inst->elements[imm[3]];
  TableInst* t = c->inst->tables[imm[4]];
  uint64_t d = S(0), s = u32(S(1)), n = u32(S(2));
  CHARGE(n);
  if (!in_bounds(s, n, seg.size()) || !in_bounds(d, n, t->elems.size())) return kJitTable;
  if (n > 0) {
    t->before_write();
    std::memcpy(&t->elems[d], &seg[s], n * sizeof(uint64_t));
  }
  return kJitNone;
}

uint32_t h_elem_drop(JitContext* c, uint64_t*, const uint64_t* imm) {
  c->inst->elements[imm[0]] = {};
  return kJitNone;
}

uint32_t h_memory_grow(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  MemoryInst* m = c->memory;
  uint64_t n = S(1);
  uint64_t max = m->max_pages();
  uint64_t pages = m->pages();
  // Only a growth that will happen is charged per page.
  if (pages <= max && n <= max - pages) {
    if (n > c->remaining / kCostGrowPerPage) return kJitLimit;
    c->remaining -= n * kCostGrowPerPage;
  }
  std::optional<uint64_t> old = m->grow(n);
  S(0) = old ? *old : (m->type().limits.is64 ? ~uint64_t{0} : uint64_t{0xFFFFFFFF});
  refresh_memory(c);
  return kJitNone;
}

uint32_t h_memory_fill(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  uint64_t d = S(0), v = S(1), n = S(2);
  CHARGE(n / kBulkBytesPerUnit);
  if (!in_bounds(d, n, c->mem_size)) return kJitMemory;
  if (n > 0) {
    c->memory->mark_written(d, n);
    std::memset(c->mem_base + d, static_cast<uint8_t>(v), n);
  }
  return kJitNone;
}

uint32_t h_memory_copy(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  uint64_t d = S(0), s = S(1), n = S(2);
  CHARGE(n / kBulkBytesPerUnit);
  if (!in_bounds(s, n, c->mem_size) || !in_bounds(d, n, c->mem_size)) return kJitMemory;
  if (n > 0) {
    c->memory->mark_written(d, n);
    std::memmove(c->mem_base + d, c->mem_base + s, n);
  }
  return kJitNone;
}

uint32_t h_memory_init(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  ByteView seg = c->inst->data[imm[3]];
  uint64_t d = S(0), s = u32(S(1)), n = u32(S(2));
  CHARGE(n / kBulkBytesPerUnit);
  if (!in_bounds(s, n, seg.size()) || !in_bounds(d, n, c->mem_size)) return kJitMemory;
  if (n > 0) {
    c->memory->mark_written(d, n);
    std::memcpy(c->mem_base + d, seg.data() + s, n);
  }
  return kJitNone;
}

uint32_t h_data_drop(JitContext* c, uint64_t*, const uint64_t* imm) {
  c->inst->data[imm[0]] = {};
  return kJitNone;
}

uint32_t h_ref_func(JitContext* c, uint64_t* fp, const uint64_t* imm) {
  S(0) = reinterpret_cast<uint64_t>(c->inst->funcs[imm[1]]);
  return kJitNone;
}

#undef S
#undef CHARGE

void h_mark_written(JitContext* c, uint64_t offset, uint64_t len) {
  c->memory->mark_written(offset, len);
}

// Pure numeric helpers on slot words, exactly the register interpreter's expressions.
using Unary = uint64_t (*)(uint64_t);
using Binary = uint64_t (*)(uint64_t, uint64_t);

struct TruncResult {
  uint64_t value;
  uint64_t trap;
};
using Trunc = TruncResult (*)(uint64_t);

template <typename I, typename F>
TruncResult trunc_trapping(uint64_t x) {
  F v;
  if constexpr (sizeof(F) == 4) {
    v = f32(x);
  } else {
    v = f64(x);
  }
  uint64_t out = 0;
  switch (numeric::trunc_checked<I, F>(v, out)) {
    case numeric::TruncOutcome::kOk: return {out, kJitNone};
    case numeric::TruncOutcome::kNaN: return {0, kJitInvalidConversion};
    case numeric::TruncOutcome::kOverflow: return {0, kJitIntegerOverflow};
  }
  return {0, kJitIntegerOverflow};
}

template <typename I, typename F>
uint64_t trunc_sat(uint64_t x) {
  if constexpr (sizeof(F) == 4) {
    return trunc_saturating<I, F>(f32(x));
  } else {
    return trunc_saturating<I, F>(f64(x));
  }
}

Unary unary_helper(RegOp o) {
  switch (o) {
    case RegOp::kI32Clz: return [](uint64_t x) -> uint64_t { return std::countl_zero(u32(x)); };
    case RegOp::kI32Ctz: return [](uint64_t x) -> uint64_t { return std::countr_zero(u32(x)); };
    case RegOp::kI32Popcnt: return [](uint64_t x) -> uint64_t { return std::popcount(u32(x)); };
    case RegOp::kI64Clz: return [](uint64_t x) -> uint64_t { return std::countl_zero(x); };
    case RegOp::kI64Ctz: return [](uint64_t x) -> uint64_t { return std::countr_zero(x); };
    case RegOp::kI64Popcnt: return [](uint64_t x) -> uint64_t { return std::popcount(x); };
    case RegOp::kF32Abs: return [](uint64_t x) -> uint64_t { return x & 0x7FFFFFFFu; };
    case RegOp::kF32Neg:
      return [](uint64_t x) -> uint64_t { return (x ^ 0x80000000u) & 0xFFFFFFFFu; };
    case RegOp::kF32Ceil: return [](uint64_t x) { return canon(std::ceil(f32(x))); };
    case RegOp::kF32Floor: return [](uint64_t x) { return canon(std::floor(f32(x))); };
    case RegOp::kF32Trunc: return [](uint64_t x) { return canon(std::trunc(f32(x))); };
    case RegOp::kF32Nearest: return [](uint64_t x) { return canon(std::nearbyint(f32(x))); };
    case RegOp::kF32Sqrt: return [](uint64_t x) { return canon(std::sqrt(f32(x))); };
    case RegOp::kF64Abs: return [](uint64_t x) -> uint64_t { return x & 0x7FFFFFFFFFFFFFFFu; };
    case RegOp::kF64Neg: return [](uint64_t x) -> uint64_t { return x ^ 0x8000000000000000u; };
    case RegOp::kF64Ceil: return [](uint64_t x) { return canon(std::ceil(f64(x))); };
    case RegOp::kF64Floor: return [](uint64_t x) { return canon(std::floor(f64(x))); };
    case RegOp::kF64Trunc: return [](uint64_t x) { return canon(std::trunc(f64(x))); };
    case RegOp::kF64Nearest: return [](uint64_t x) { return canon(std::nearbyint(f64(x))); };
    case RegOp::kF64Sqrt: return [](uint64_t x) { return canon(std::sqrt(f64(x))); };
    case RegOp::kF32ConvertI32S:
      return [](uint64_t x) { return bits(static_cast<float>(static_cast<int32_t>(x))); };
    case RegOp::kF32ConvertI32U: return [](uint64_t x) { return bits(static_cast<float>(u32(x))); };
    case RegOp::kF32ConvertI64S:
      return [](uint64_t x) { return bits(static_cast<float>(static_cast<int64_t>(x))); };
    case RegOp::kF32ConvertI64U: return [](uint64_t x) { return bits(static_cast<float>(x)); };
    case RegOp::kF32DemoteF64: return [](uint64_t x) { return canon(static_cast<float>(f64(x))); };
    case RegOp::kF64ConvertI32S:
      return [](uint64_t x) { return bits(static_cast<double>(static_cast<int32_t>(x))); };
    case RegOp::kF64ConvertI32U:
      return [](uint64_t x) { return bits(static_cast<double>(u32(x))); };
    case RegOp::kF64ConvertI64S:
      return [](uint64_t x) { return bits(static_cast<double>(static_cast<int64_t>(x))); };
    case RegOp::kF64ConvertI64U: return [](uint64_t x) { return bits(static_cast<double>(x)); };
    case RegOp::kF64PromoteF32:
      return [](uint64_t x) { return canon(static_cast<double>(f32(x))); };
    case RegOp::kI32TruncSatF32S: return trunc_sat<int32_t, float>;
    case RegOp::kI32TruncSatF32U: return trunc_sat<uint32_t, float>;
    case RegOp::kI32TruncSatF64S: return trunc_sat<int32_t, double>;
    case RegOp::kI32TruncSatF64U: return trunc_sat<uint32_t, double>;
    case RegOp::kI64TruncSatF32S: return trunc_sat<int64_t, float>;
    case RegOp::kI64TruncSatF32U: return trunc_sat<uint64_t, float>;
    case RegOp::kI64TruncSatF64S: return trunc_sat<int64_t, double>;
    case RegOp::kI64TruncSatF64U: return trunc_sat<uint64_t, double>;
    default: return nullptr;
  }
}

Binary binary_helper(RegOp o) {
  switch (o) {
    case RegOp::kF32Min:
    case RegOp::kF32MinC:
      return [](uint64_t a, uint64_t b) { return canon(wasm_min(f32(a), f32(b))); };
    case RegOp::kF32Max:
    case RegOp::kF32MaxC:
      return [](uint64_t a, uint64_t b) { return canon(wasm_max(f32(a), f32(b))); };
    case RegOp::kF64Min:
    case RegOp::kF64MinC:
      return [](uint64_t a, uint64_t b) { return canon(wasm_min(f64(a), f64(b))); };
    case RegOp::kF64Max:
    case RegOp::kF64MaxC:
      return [](uint64_t a, uint64_t b) { return canon(wasm_max(f64(a), f64(b))); };
    case RegOp::kF32Copysign:
    case RegOp::kF32CopysignC:
      return [](uint64_t a, uint64_t b) -> uint64_t {
        return (a & 0x7FFFFFFFu) | (b & 0x80000000u);
      };
    case RegOp::kF64Copysign:
    case RegOp::kF64CopysignC:
      return [](uint64_t a, uint64_t b) -> uint64_t {
        return (a & 0x7FFFFFFFFFFFFFFFu) | (b & 0x8000000000000000u);
      };
    default: return nullptr;
  }
}

Trunc trunc_helper(RegOp o) {
  switch (o) {
    case RegOp::kI32TruncF32S: return trunc_trapping<int32_t, float>;
    case RegOp::kI32TruncF32U: return trunc_trapping<uint32_t, float>;
    case RegOp::kI32TruncF64S: return trunc_trapping<int32_t, double>;
    case RegOp::kI32TruncF64U: return trunc_trapping<uint32_t, double>;
    case RegOp::kI64TruncF32S: return trunc_trapping<int64_t, float>;
    case RegOp::kI64TruncF32U: return trunc_trapping<uint64_t, float>;
    case RegOp::kI64TruncF64S: return trunc_trapping<int64_t, double>;
    case RegOp::kI64TruncF64U: return trunc_trapping<uint64_t, double>;
    default: return nullptr;
  }
}

#if CHORUS_WASM_JIT

namespace x86 = asmjit::x86;
using asmjit::Label;
using x86::CondCode;

using OpHelper = uint32_t (*)(JitContext*, uint64_t*, const uint64_t*);

class ErrorRecorder : public asmjit::ErrorHandler {
 public:
  void handleError(asmjit::Error err, const char* message, asmjit::BaseEmitter*) override {
    if (error == asmjit::kErrorOk) {
      error = err;
      text = message;
    }
  }
  asmjit::Error error = asmjit::kErrorOk;
  std::string text;
};

constexpr int32_t off(size_t o) { return static_cast<int32_t>(o); }
bool fits_i32(uint64_t v) {
  auto s = static_cast<int64_t>(v);
  return s >= std::numeric_limits<int32_t>::min() && s <= std::numeric_limits<int32_t>::max();
}

const x86::Gp kFp = x86::rbx;
const x86::Gp kCtx = x86::r12;
const x86::Gp kMem = x86::r13;
const x86::Gp kMemSize = x86::r14;
const x86::Gp kBudget = x86::r15;

x86::Mem ctx_field(size_t offset) { return x86::qword_ptr(kCtx, off(offset)); }
#define CTX(field) ctx_field(offsetof(JitContext, field))

// Compiles the register code of one module.
class ModuleCompiler {
 public:
  ModuleCompiler(const CompiledModule& code, x86::Assembler& a) : code_(code), a_(a) {}

  Status compile() {
    for (size_t i = 0; i < code_.functions.size(); ++i) functions_.push_back(a_.newLabel());
    for (auto& l : traps_) l = a_.newLabel();
    enter_ = a_.newLabel();
    exit_ = a_.newLabel();
    emit_trampoline();
    for (size_t i = 0; i < code_.functions.size(); ++i) {
      CHORUS_RETURN_IF_ERROR(function(code_.functions[i], functions_[i]));
    }
    for (uint32_t t = 1; t < kJitTrapCount; ++t) {
      a_.bind(traps_[t]);
      a_.mov(x86::eax, t);
      a_.jmp(exit_);
    }
    return ok_status();
  }

  Label enter() const { return enter_; }
  const std::vector<Label>& functions() const { return functions_; }

 private:
  x86::Mem slot(uint64_t k) const { return x86::qword_ptr(kFp, static_cast<int32_t>(k * 8)); }
  x86::Mem slot32(uint64_t k) const { return x86::dword_ptr(kFp, static_cast<int32_t>(k * 8)); }

  // The native stack is 16-byte aligned in function bodies: an entry pushes seven words and two
  // more after switching stacks, and every function subtracts 8 on entry (with its return address,
  // 16 bytes per Wasm call).
  void emit_trampoline() {
    a_.bind(enter_);
    a_.push(x86::rbx);
    a_.push(x86::rbp);
    a_.push(x86::r12);
    a_.push(x86::r13);
    a_.push(x86::r14);
    a_.push(x86::r15);
    a_.push(x86::qword_ptr(x86::rdi, off(offsetof(JitContext, saved_rsp))));
    a_.mov(kCtx, x86::rdi);
    a_.mov(kFp, x86::rsi);
    a_.mov(x86::rbp, x86::rsp);
    Label same_stack = a_.newLabel();
    a_.mov(x86::rax, CTX(switch_to));
    a_.test(x86::rax, x86::rax);
    a_.jz(same_stack);
    a_.mov(x86::rsp, x86::rax);
    a_.mov(CTX(switch_to), 0);
    a_.bind(same_stack);
    a_.push(x86::rbp);
    a_.push(x86::rbp);
    a_.mov(CTX(saved_rsp), x86::rsp);
    a_.mov(kMem, CTX(mem_base));
    a_.mov(kMemSize, CTX(mem_size));
    a_.mov(kBudget, CTX(remaining));
    a_.call(x86::rdx);
    a_.xor_(x86::eax, x86::eax);
    a_.bind(exit_);  // eax: the trap code
    a_.mov(x86::rsp, CTX(saved_rsp));
    a_.mov(CTX(remaining), kBudget);
    a_.pop(x86::rbp);
    a_.pop(x86::rbp);
    a_.mov(x86::rsp, x86::rbp);
    a_.pop(CTX(saved_rsp));
    a_.pop(x86::r15);
    a_.pop(x86::r14);
    a_.pop(x86::r13);
    a_.pop(x86::r12);
    a_.pop(x86::rbp);
    a_.pop(x86::rbx);
    a_.ret();
  }

  // The index a branch target held in word |w| (relative to it) designates.
  size_t target_index(size_t w) const { return w + static_cast<int64_t>(words_[w]); }
  // Its label, created by the pre-pass of function().
  Label target(size_t w) {
    size_t t = target_index(w);
    if (t >= labels_.size() || !labels_[t].isValid()) return traps_[kJitUnreachable];
    return labels_[t];
  }
  void add_target(size_t w) {
    size_t t = target_index(w);
    if (t < labels_.size() && !labels_[t].isValid()) labels_[t] = a_.newLabel();
  }

  void load_imm(const x86::Gp& r, uint64_t k) {
    if (k == 0) {
      a_.xor_(r.r32(), r.r32());
    } else {
      a_.mov(r, k);
    }
  }

  void call_c(const void* fn) {
    a_.mov(x86::rax, reinterpret_cast<uint64_t>(fn));
    a_.call(x86::rax);
  }

  // A helper that may charge, grow memory, call, or trap.
  void op_helper(OpHelper fn, const uint64_t* imm) {
    a_.mov(CTX(remaining), kBudget);
    a_.mov(x86::rdi, kCtx);
    a_.mov(x86::rsi, kFp);
    a_.mov(x86::rdx, reinterpret_cast<uint64_t>(imm));
    call_c(reinterpret_cast<const void*>(fn));
    a_.mov(kBudget, CTX(remaining));
    a_.mov(kMem, CTX(mem_base));
    a_.mov(kMemSize, CTX(mem_size));
    a_.test(x86::eax, x86::eax);
    a_.jnz(exit_);
  }

  void charge(uint64_t k) {
    if (fits_i32(k)) {
      a_.cmp(kBudget, static_cast<int32_t>(k));
      a_.jb(traps_[kJitLimit]);
      a_.sub(kBudget, static_cast<int32_t>(k));
    } else {
      a_.mov(x86::rax, k);
      a_.cmp(kBudget, x86::rax);
      a_.jb(traps_[kJitLimit]);
      a_.sub(kBudget, x86::rax);
    }
  }

  // rax = the effective address of an access of |n| bytes at slot |a| plus offset |o| (64-bit
  // arithmetic, as for memory64), bounds-checked.
  void effective(uint64_t a, uint64_t o, uint32_t n) {
    a_.mov(x86::rax, slot(a));
    if (o != 0) {
      if (fits_i32(o)) {
        a_.add(x86::rax, static_cast<int32_t>(o));
      } else {
        a_.mov(x86::rcx, o);
        a_.add(x86::rax, x86::rcx);
      }
      a_.jc(traps_[kJitMemory]);
    }
    a_.mov(x86::rcx, x86::rax);
    a_.add(x86::rcx, n);
    a_.jc(traps_[kJitMemory]);
    a_.cmp(x86::rcx, kMemSize);
    a_.ja(traps_[kJitMemory]);
  }
  // The same for u32(fp[a] + k) + o: below 2^33, so one comparison checks it.
  void effective_ac(uint64_t a, uint64_t k, uint64_t o, uint32_t n) {
    a_.mov(x86::eax, slot32(a));
    if (u32(k) != 0) a_.add(x86::eax, static_cast<int32_t>(u32(k)));
    if (o != 0) {
      if (fits_i32(o)) {
        a_.add(x86::rax, static_cast<int32_t>(o));
      } else {
        a_.mov(x86::rcx, o);
        a_.add(x86::rax, x86::rcx);
      }
    }
    a_.lea(x86::rcx, x86::ptr(x86::rax, static_cast<int32_t>(n)));
    a_.cmp(x86::rcx, kMemSize);
    a_.ja(traps_[kJitMemory]);
  }

  void load(RegOp o, uint64_t d) {
    x86::Mem m = x86::ptr(kMem, x86::rax);
    switch (o) {
      case RegOp::kLoad32: case RegOp::kLoad32AC: a_.mov(x86::eax, m.cloneResized(4)); break;
      case RegOp::kLoad64: case RegOp::kLoad64AC: a_.mov(x86::rax, m.cloneResized(8)); break;
      case RegOp::kI32Load8S: case RegOp::kI32Load8SAC:
        a_.movsx(x86::eax, m.cloneResized(1)); break;
      case RegOp::kI32Load8U: case RegOp::kI32Load8UAC:
        a_.movzx(x86::eax, m.cloneResized(1)); break;
      case RegOp::kI32Load16S: case RegOp::kI32Load16SAC:
        a_.movsx(x86::eax, m.cloneResized(2)); break;
      case RegOp::kI32Load16U: case RegOp::kI32Load16UAC:
        a_.movzx(x86::eax, m.cloneResized(2)); break;
      case RegOp::kI64Load8S: case RegOp::kI64Load8SAC:
        a_.movsx(x86::rax, m.cloneResized(1)); break;
      case RegOp::kI64Load16S: case RegOp::kI64Load16SAC:
        a_.movsx(x86::rax, m.cloneResized(2)); break;
      case RegOp::kI64Load32S: case RegOp::kI64Load32SAC:
        a_.movsxd(x86::rax, m.cloneResized(4)); break;
      default: break;
    }
    a_.mov(slot(d), x86::rax);
  }

  static uint32_t load_size(RegOp o) {
    switch (o) {
      case RegOp::kLoad32: case RegOp::kLoad32AC: case RegOp::kI64Load32S:
      case RegOp::kI64Load32SAC: return 4;
      case RegOp::kLoad64: case RegOp::kLoad64AC: return 8;
      case RegOp::kI32Load8S: case RegOp::kI32Load8SAC: case RegOp::kI32Load8U:
      case RegOp::kI32Load8UAC: case RegOp::kI64Load8S: case RegOp::kI64Load8SAC: return 1;
      default: return 2;
    }
  }
  static uint32_t store_size(RegOp o) {
    switch (o) {
      case RegOp::kStore8: case RegOp::kStore8AC: return 1;
      case RegOp::kStore16: case RegOp::kStore16AC: return 2;
      case RegOp::kStore32: case RegOp::kStore32AC: return 4;
      default: return 8;
    }
  }

  struct SlowMark {
    Label slow, back;
    uint32_t n;
  };

  // rax: the checked effective address, rdx: the value. Marks the page written (the fast path of
  // LinearMemory::mark_written inline, the rest out of line), then stores.
  void store(uint32_t n) {
    SlowMark s{a_.newLabel(), a_.newLabel(), n};
    a_.mov(x86::rcx, x86::rax);
    a_.shr(x86::rcx, kDirtyPageShift);
    if (n > 1) {
      a_.lea(x86::rsi, x86::ptr(x86::rax, static_cast<int32_t>(n - 1)));
      a_.shr(x86::rsi, kDirtyPageShift);
      a_.cmp(x86::rsi, x86::rcx);
      a_.jne(s.slow);
    }
    a_.mov(x86::rsi, CTX(dirty_bits));
    a_.mov(x86::rdi, x86::rcx);
    a_.shr(x86::rdi, 6);
    a_.mov(x86::rdi, x86::qword_ptr(x86::rsi, x86::rdi, 3));
    a_.bt(x86::rdi, x86::rcx);
    a_.jnc(s.slow);
    a_.bind(s.back);
    x86::Mem m = x86::ptr(kMem, x86::rax);
    switch (n) {
      case 1: a_.mov(m.cloneResized(1), x86::dl); break;
      case 2: a_.mov(m.cloneResized(2), x86::dx); break;
      case 4: a_.mov(m.cloneResized(4), x86::edx); break;
      default: a_.mov(m.cloneResized(8), x86::rdx); break;
    }
    slow_marks_.push_back(s);
  }

  void emit_slow_marks() {
    for (const SlowMark& s : slow_marks_) {
      a_.bind(s.slow);
      a_.push(x86::rax);
      a_.push(x86::rdx);
      a_.mov(x86::rdi, kCtx);
      a_.mov(x86::rsi, x86::rax);
      a_.mov(x86::edx, s.n);
      call_c(reinterpret_cast<const void*>(&h_mark_written));
      a_.pop(x86::rdx);
      a_.pop(x86::rax);
      a_.jmp(s.back);
    }
    slow_marks_.clear();
  }

  static CondCode cmp_cond(RegOp o) {
    switch (o) {
      case RegOp::kI32Eq: case RegOp::kI32EqC: case RegOp::kI64Eq: case RegOp::kI64EqC:
      case RegOp::kI32EqBrIf: case RegOp::kI32EqBrIfC: return CondCode::kE;
      case RegOp::kI32Ne: case RegOp::kI32NeC: case RegOp::kI64Ne: case RegOp::kI64NeC:
      case RegOp::kI32NeBrIf: case RegOp::kI32NeBrIfC: return CondCode::kNE;
      case RegOp::kI32LtS: case RegOp::kI32LtSC: case RegOp::kI64LtS: case RegOp::kI64LtSC:
      case RegOp::kI32LtSBrIf: case RegOp::kI32LtSBrIfC: return CondCode::kL;
      case RegOp::kI32LtU: case RegOp::kI32LtUC: case RegOp::kI64LtU: case RegOp::kI64LtUC:
      case RegOp::kI32LtUBrIf: case RegOp::kI32LtUBrIfC: return CondCode::kB;
      case RegOp::kI32GtS: case RegOp::kI32GtSC: case RegOp::kI64GtS: case RegOp::kI64GtSC:
      case RegOp::kI32GtSBrIf: case RegOp::kI32GtSBrIfC: return CondCode::kG;
      case RegOp::kI32GtU: case RegOp::kI32GtUC: case RegOp::kI64GtU: case RegOp::kI64GtUC:
      case RegOp::kI32GtUBrIf: case RegOp::kI32GtUBrIfC: return CondCode::kA;
      case RegOp::kI32LeS: case RegOp::kI32LeSC: case RegOp::kI64LeS: case RegOp::kI64LeSC:
      case RegOp::kI32LeSBrIf: case RegOp::kI32LeSBrIfC: return CondCode::kLE;
      case RegOp::kI32LeU: case RegOp::kI32LeUC: case RegOp::kI64LeU: case RegOp::kI64LeUC:
      case RegOp::kI32LeUBrIf: case RegOp::kI32LeUBrIfC: return CondCode::kBE;
      case RegOp::kI32GeS: case RegOp::kI32GeSC: case RegOp::kI64GeS: case RegOp::kI64GeSC:
      case RegOp::kI32GeSBrIf: case RegOp::kI32GeSBrIfC: return CondCode::kGE;
      default: return CondCode::kAE;  // GeU
    }
  }

  // Second operand of a binary operation into rcx (ecx): from a slot, or the immediate.
  void operand_b(uint64_t b, bool constant, bool wide) {
    if (constant) {
      if (wide) {
        load_imm(x86::rcx, b);
      } else {
        a_.mov(x86::ecx, static_cast<uint32_t>(b));
      }
    } else if (wide) {
      a_.mov(x86::rcx, slot(b));
    } else {
      a_.mov(x86::ecx, slot32(b));
    }
  }

  void float_operands(uint64_t a, uint64_t b, bool constant, bool f64op) {
    if (f64op) {
      a_.movsd(x86::xmm0, slot(a));
      if (constant) {
        load_imm(x86::rax, b);
        a_.movq(x86::xmm1, x86::rax);
      } else {
        a_.movsd(x86::xmm1, slot(b));
      }
    } else {
      a_.movss(x86::xmm0, slot32(a));
      if (constant) {
        a_.mov(x86::eax, static_cast<uint32_t>(b));
        a_.movd(x86::xmm1, x86::eax);
      } else {
        a_.movss(x86::xmm1, slot32(b));
      }
    }
  }

  // xmm0 to slot d, as the canonical NaN if it is a NaN.
  void store_float(uint64_t d, bool f64op) {
    Label ok = a_.newLabel();
    if (f64op) {
      a_.movq(x86::rax, x86::xmm0);
      a_.ucomisd(x86::xmm0, x86::xmm0);
      a_.jnp(ok);
      a_.mov(x86::rax, uint64_t{0x7FF8000000000000});
    } else {
      a_.movd(x86::eax, x86::xmm0);
      a_.ucomiss(x86::xmm0, x86::xmm0);
      a_.jnp(ok);
      a_.mov(x86::eax, 0x7FC00000u);
    }
    a_.bind(ok);
    a_.mov(slot(d), x86::rax);
  }

  void set_bool(CondCode cc, uint64_t d) {
    a_.set(cc, x86::al);
    a_.movzx(x86::eax, x86::al);
    a_.mov(slot(d), x86::rax);
  }

  void divide(RegOp o, uint64_t d, uint64_t a, uint64_t b, bool constant) {
    bool wide = o >= RegOp::kI64DivS && o <= RegOp::kI64RemUC;
    bool is_signed, is_rem;
    switch (o) {
      case RegOp::kI32DivS: case RegOp::kI32DivSC: case RegOp::kI64DivS: case RegOp::kI64DivSC:
        is_signed = true; is_rem = false; break;
      case RegOp::kI32DivU: case RegOp::kI32DivUC: case RegOp::kI64DivU: case RegOp::kI64DivUC:
        is_signed = false; is_rem = false; break;
      case RegOp::kI32RemS: case RegOp::kI32RemSC: case RegOp::kI64RemS: case RegOp::kI64RemSC:
        is_signed = true; is_rem = true; break;
      default: is_signed = false; is_rem = true; break;
    }
    x86::Gp ax = wide ? x86::Gp(x86::rax) : x86::Gp(x86::eax);
    x86::Gp cx = wide ? x86::Gp(x86::rcx) : x86::Gp(x86::ecx);
    x86::Gp dx = wide ? x86::Gp(x86::rdx) : x86::Gp(x86::edx);
    if (wide) {
      a_.mov(x86::rax, slot(a));
    } else {
      a_.mov(x86::eax, slot32(a));
    }
    operand_b(b, constant, wide);
    a_.test(cx, cx);
    a_.jz(traps_[kJitDivideByZero]);
    Label done = a_.newLabel();
    if (is_signed) {
      Label normal = a_.newLabel();
      a_.cmp(cx, -1);
      a_.jne(normal);
      if (is_rem) {
        a_.xor_(x86::edx, x86::edx);
        a_.jmp(done);
      } else {
        if (wide) {
          a_.mov(x86::rdx, uint64_t{0x8000000000000000});
          a_.cmp(x86::rax, x86::rdx);
        } else {
          a_.cmp(x86::eax, static_cast<int32_t>(0x80000000u));
        }
        a_.je(traps_[kJitIntegerOverflow]);
      }
      a_.bind(normal);
      if (wide) {
        a_.cqo();
      } else {
        a_.cdq();
      }
      a_.idiv(cx);
    } else {
      a_.xor_(x86::edx, x86::edx);
      a_.div(cx);
    }
    a_.bind(done);
    if (is_rem) a_.mov(ax, dx);
    a_.mov(slot(d), x86::rax);
  }

  // Binary numeric operations, both forms (d a b / d a k).
  bool binary(RegOp o, const uint64_t* im) {
    uint64_t d = im[0], a = im[1], b = im[2];
    // The C form is the operation's number plus one (CHORUS_WASM_REG_ENUM_B).
    auto c_form = [&](RegOp base) {
      return o == static_cast<RegOp>(static_cast<uint64_t>(base) + 1);
    };
    auto is = [&](RegOp base) { return o == base || c_form(base); };
    struct IntOp {
      RegOp op;
      bool wide;
      int kind;  // 0 add 1 sub 2 and 3 or 4 xor 5 mul 6 shl 7 sar 8 shr 9 rol 10 ror 11 compare
    };
    static const IntOp kInt[] = {
        {RegOp::kI32Add, false, 0}, {RegOp::kI32Sub, false, 1}, {RegOp::kI32And, false, 2},
        {RegOp::kI32Or, false, 3},  {RegOp::kI32Xor, false, 4}, {RegOp::kI32Mul, false, 5},
        {RegOp::kI32Shl, false, 6}, {RegOp::kI32ShrS, false, 7}, {RegOp::kI32ShrU, false, 8},
        {RegOp::kI32Rotl, false, 9}, {RegOp::kI32Rotr, false, 10},
        {RegOp::kI64Add, true, 0},  {RegOp::kI64Sub, true, 1},  {RegOp::kI64And, true, 2},
        {RegOp::kI64Or, true, 3},   {RegOp::kI64Xor, true, 4},  {RegOp::kI64Mul, true, 5},
        {RegOp::kI64Shl, true, 6},  {RegOp::kI64ShrS, true, 7}, {RegOp::kI64ShrU, true, 8},
        {RegOp::kI64Rotl, true, 9}, {RegOp::kI64Rotr, true, 10},
        {RegOp::kI32Eq, false, 11}, {RegOp::kI32Ne, false, 11}, {RegOp::kI32LtS, false, 11},
        {RegOp::kI32LtU, false, 11}, {RegOp::kI32GtS, false, 11}, {RegOp::kI32GtU, false, 11},
        {RegOp::kI32LeS, false, 11}, {RegOp::kI32LeU, false, 11}, {RegOp::kI32GeS, false, 11},
        {RegOp::kI32GeU, false, 11}, {RegOp::kI64Eq, true, 11}, {RegOp::kI64Ne, true, 11},
        {RegOp::kI64LtS, true, 11}, {RegOp::kI64LtU, true, 11}, {RegOp::kI64GtS, true, 11},
        {RegOp::kI64GtU, true, 11}, {RegOp::kI64LeS, true, 11}, {RegOp::kI64LeU, true, 11},
        {RegOp::kI64GeS, true, 11}, {RegOp::kI64GeU, true, 11},
    };
    for (const IntOp& e : kInt) {
      if (!is(e.op)) continue;
      bool k = c_form(e.op);
      x86::Gp ax = e.wide ? x86::Gp(x86::rax) : x86::Gp(x86::eax);
      x86::Gp cx = e.wide ? x86::Gp(x86::rcx) : x86::Gp(x86::ecx);
      if (e.wide) {
        a_.mov(x86::rax, slot(a));
      } else {
        a_.mov(x86::eax, slot32(a));
      }
      if (e.kind >= 6 && e.kind <= 10) {
        if (k) {
          uint32_t sh = static_cast<uint32_t>(b & (e.wide ? 63 : 31));
          switch (e.kind) {
            case 6: a_.shl(ax, sh); break;
            case 7: a_.sar(ax, sh); break;
            case 8: a_.shr(ax, sh); break;
            case 9: a_.rol(ax, sh); break;
            default: a_.ror(ax, sh); break;
          }
        } else {
          a_.mov(x86::ecx, slot32(b));
          switch (e.kind) {
            case 6: a_.shl(ax, x86::cl); break;
            case 7: a_.sar(ax, x86::cl); break;
            case 8: a_.shr(ax, x86::cl); break;
            case 9: a_.rol(ax, x86::cl); break;
            default: a_.ror(ax, x86::cl); break;
          }
        }
        a_.mov(slot(d), x86::rax);
        return true;
      }
      // The second operand: an immediate when it fits, else rcx.
      bool use_imm = k && (!e.wide || fits_i32(b));
      if (k && !use_imm) load_imm(x86::rcx, b);
      x86::Mem mb = e.wide ? slot(b) : slot32(b);
      auto imm = [&]() {
        return e.wide ? asmjit::Imm(static_cast<int32_t>(b))
                      : asmjit::Imm(static_cast<int32_t>(static_cast<uint32_t>(b)));
      };
#define CHORUS_JIT_ALU(insn)          \
  if (use_imm) {                      \
    a_.insn(ax, imm());               \
  } else if (k) {                     \
    a_.insn(ax, cx);                  \
  } else {                            \
    a_.insn(ax, mb);                  \
  }
      switch (e.kind) {
        case 0: CHORUS_JIT_ALU(add) break;
        case 1: CHORUS_JIT_ALU(sub) break;
        case 2: CHORUS_JIT_ALU(and_) break;
        case 3: CHORUS_JIT_ALU(or_) break;
        case 4: CHORUS_JIT_ALU(xor_) break;
        case 5:
          if (use_imm) {
            a_.imul(ax, ax, imm());
          } else if (k) {
            a_.imul(ax, cx);
          } else {
            a_.imul(ax, mb);
          }
          break;
        default:
          CHORUS_JIT_ALU(cmp)
          set_bool(cmp_cond(o), d);
          return true;
      }
#undef CHORUS_JIT_ALU
      a_.mov(slot(d), x86::rax);
      return true;
    }
    static const RegOp kDiv[] = {RegOp::kI32DivS, RegOp::kI32DivU, RegOp::kI32RemS,
                                 RegOp::kI32RemU, RegOp::kI64DivS, RegOp::kI64DivU,
                                 RegOp::kI64RemS, RegOp::kI64RemU};
    for (RegOp base : kDiv) {
      if (is(base)) {
        divide(o, d, a, b, c_form(base));
        return true;
      }
    }
    struct FloatOp {
      RegOp op;
      bool f64op;
      int kind;  // 0 add 1 sub 2 mul 3 div, 4 eq 5 ne 6 lt 7 gt 8 le 9 ge
    };
    static const FloatOp kFloat[] = {
        {RegOp::kF32Add, false, 0}, {RegOp::kF32Sub, false, 1}, {RegOp::kF32Mul, false, 2},
        {RegOp::kF32Div, false, 3}, {RegOp::kF64Add, true, 0},  {RegOp::kF64Sub, true, 1},
        {RegOp::kF64Mul, true, 2},  {RegOp::kF64Div, true, 3},  {RegOp::kF32Eq, false, 4},
        {RegOp::kF32Ne, false, 5},  {RegOp::kF32Lt, false, 6},  {RegOp::kF32Gt, false, 7},
        {RegOp::kF32Le, false, 8},  {RegOp::kF32Ge, false, 9},  {RegOp::kF64Eq, true, 4},
        {RegOp::kF64Ne, true, 5},   {RegOp::kF64Lt, true, 6},   {RegOp::kF64Gt, true, 7},
        {RegOp::kF64Le, true, 8},   {RegOp::kF64Ge, true, 9},
    };
    for (const FloatOp& e : kFloat) {
      if (!is(e.op)) continue;
      float_operands(a, b, c_form(e.op), e.f64op);
      if (e.kind <= 3) {
        if (e.f64op) {
          switch (e.kind) {
            case 0: a_.addsd(x86::xmm0, x86::xmm1); break;
            case 1: a_.subsd(x86::xmm0, x86::xmm1); break;
            case 2: a_.mulsd(x86::xmm0, x86::xmm1); break;
            default: a_.divsd(x86::xmm0, x86::xmm1); break;
          }
        } else {
          switch (e.kind) {
            case 0: a_.addss(x86::xmm0, x86::xmm1); break;
            case 1: a_.subss(x86::xmm0, x86::xmm1); break;
            case 2: a_.mulss(x86::xmm0, x86::xmm1); break;
            default: a_.divss(x86::xmm0, x86::xmm1); break;
          }
        }
        store_float(d, e.f64op);
        return true;
      }
      // Comparisons: false when unordered, except ne.
      auto ucom = [&](const x86::Xmm& x, const x86::Xmm& y) {
        if (e.f64op) {
          a_.ucomisd(x, y);
        } else {
          a_.ucomiss(x, y);
        }
      };
      switch (e.kind) {
        case 4:
          ucom(x86::xmm0, x86::xmm1);
          a_.sete(x86::al);
          a_.setnp(x86::cl);
          a_.and_(x86::al, x86::cl);
          break;
        case 5:
          ucom(x86::xmm0, x86::xmm1);
          a_.setne(x86::al);
          a_.setp(x86::cl);
          a_.or_(x86::al, x86::cl);
          break;
        case 6: ucom(x86::xmm1, x86::xmm0); a_.seta(x86::al); break;
        case 7: ucom(x86::xmm0, x86::xmm1); a_.seta(x86::al); break;
        case 8: ucom(x86::xmm1, x86::xmm0); a_.setae(x86::al); break;
        default: ucom(x86::xmm0, x86::xmm1); a_.setae(x86::al); break;
      }
      a_.movzx(x86::eax, x86::al);
      a_.mov(slot(d), x86::rax);
      return true;
    }
    if (Binary h = binary_helper(o)) {
      a_.mov(x86::rdi, slot(a));
      bool k = false;
      switch (o) {
        case RegOp::kF32MinC: case RegOp::kF32MaxC: case RegOp::kF64MinC: case RegOp::kF64MaxC:
        case RegOp::kF32CopysignC: case RegOp::kF64CopysignC: k = true; break;
        default: break;
      }
      if (k) {
        load_imm(x86::rsi, b);
      } else {
        a_.mov(x86::rsi, slot(b));
      }
      call_c(reinterpret_cast<const void*>(h));
      a_.mov(slot(d), x86::rax);
      return true;
    }
    return false;
  }

  bool unary(RegOp o, const uint64_t* im) {
    uint64_t d = im[0], a = im[1];
    switch (o) {
      case RegOp::kI32Eqz:
        a_.cmp(slot32(a), 0);
        set_bool(CondCode::kE, d);
        return true;
      case RegOp::kI64Eqz:
        a_.cmp(slot(a), 0);
        set_bool(CondCode::kE, d);
        return true;
      case RegOp::kI32WrapI64: a_.mov(x86::eax, slot32(a)); break;
      case RegOp::kI64ExtendI32S: a_.movsxd(x86::rax, slot32(a)); break;
      case RegOp::kI32Extend8S: a_.movsx(x86::eax, slot(a).cloneResized(1)); break;
      case RegOp::kI32Extend16S: a_.movsx(x86::eax, slot(a).cloneResized(2)); break;
      case RegOp::kI64Extend8S: a_.movsx(x86::rax, slot(a).cloneResized(1)); break;
      case RegOp::kI64Extend16S: a_.movsx(x86::rax, slot(a).cloneResized(2)); break;
      case RegOp::kI64Extend32S: a_.movsxd(x86::rax, slot32(a)); break;
      default: {
        if (Unary h = unary_helper(o)) {
          a_.mov(x86::rdi, slot(a));
          call_c(reinterpret_cast<const void*>(h));
          break;
        }
        if (Trunc h = trunc_helper(o)) {
          a_.mov(x86::rdi, slot(a));
          call_c(reinterpret_cast<const void*>(h));
          a_.test(x86::edx, x86::edx);
          Label ok = a_.newLabel();
          a_.jz(ok);
          a_.mov(x86::eax, x86::edx);
          a_.jmp(exit_);
          a_.bind(ok);
          break;
        }
        return false;
      }
    }
    a_.mov(slot(d), x86::rax);
    return true;
  }

  struct Table {
    Label table;
    std::vector<Label> entries;
  };
  struct Stub {
    Label at;
    uint64_t keep, src, dst;
    Label target;
  };

  void copy_slots(uint64_t dst, uint64_t src, uint64_t n) {
    if (dst == src) return;
    for (uint64_t k = 0; k < n; ++k) {
      a_.mov(x86::rax, slot(src + k));
      a_.mov(slot(dst + k), x86::rax);
    }
  }

  Status function(const CompiledFunction& f, Label entry) {
    words_ = f.code;
    labels_.assign(words_.size() + 1, Label());
    // Every branch target gets its label before any code, so that back edges find theirs.
    for (size_t i = 0; i < words_.size();) {
      if (words_[i] >= static_cast<uint64_t>(RegOp::kCount)) {
        return Error("jit: not register code (an executor rewrote it?)");
      }
      size_t n = reg_op_words(&words_[i]);
      if (i + n > words_.size()) return Error("jit: truncated register code");
      auto o = static_cast<RegOp>(words_[i]);
      if (o == RegOp::kJump) {
        add_target(i + 1);
      } else if (o == RegOp::kBrIf || o == RegOp::kBrIfEqz) {
        add_target(i + 2);
      } else if (o == RegOp::kBrTable) {
        for (uint64_t j = 0; j <= words_[i + 2]; ++j) add_target(i + 4 + 3 * j);
      } else if (o >= RegOp::kI32EqBrIf && o <= RegOp::kI32GeUBrIfC) {
        add_target(i + 3);
      }
      i += n;
    }
    std::vector<Table> tables;
    std::vector<Stub> stubs;
    a_.align(asmjit::AlignMode::kCode, 16);
    a_.bind(entry);
    a_.sub(x86::rsp, 8);
    // The frame must fit in the value stack (locals plus the deepest operand stack).
    uint64_t need = (static_cast<uint64_t>(f.local_slots) + f.max_operand_slots) * 8;
    if (fits_i32(need)) {
      a_.lea(x86::rax, x86::ptr(kFp, static_cast<int32_t>(need)));
    } else {
      a_.mov(x86::rax, need);
      a_.add(x86::rax, kFp);
    }
    a_.cmp(x86::rax, CTX(stack_end));
    a_.ja(traps_[kJitStackExhausted]);
    uint32_t zero = f.local_slots - f.param_slots;
    if (zero > 0) {
      a_.xor_(x86::eax, x86::eax);
      if (zero <= 16) {
        for (uint32_t k = 0; k < zero; ++k) a_.mov(slot(f.param_slots + k), x86::rax);
      } else {
        Label loop = a_.newLabel();
        a_.lea(x86::rdi, slot(f.param_slots));
        a_.mov(x86::ecx, zero);
        a_.bind(loop);
        a_.mov(x86::qword_ptr(x86::rdi), x86::rax);
        a_.add(x86::rdi, 8);
        a_.dec(x86::ecx);
        a_.jnz(loop);
      }
    }
    for (size_t i = 0; i < words_.size();) {
      if (labels_[i].isValid()) a_.bind(labels_[i]);
      size_t n = reg_op_words(&words_[i]);
      if (i + n > words_.size()) return Error("jit: truncated register code");
      auto o = static_cast<RegOp>(words_[i]);
      const uint64_t* im = &words_[i + 1];
      CHORUS_RETURN_IF_ERROR(operation(o, im, i, tables, stubs));
      i += n;
    }
    if (labels_[words_.size()].isValid()) a_.bind(labels_[words_.size()]);
    a_.jmp(traps_[kJitUnreachable]);
    for (const Stub& s : stubs) {
      a_.bind(s.at);
      copy_slots(s.dst, s.src, s.keep);
      a_.jmp(s.target);
    }
    emit_slow_marks();
    if (!tables.empty()) {
      a_.align(asmjit::AlignMode::kData, 8);
      for (const Table& t : tables) {
        a_.bind(t.table);
        for (const Label& l : t.entries) a_.embedLabel(l);
      }
    }
    return ok_status();
  }

  Status operation(RegOp o, const uint64_t* im, size_t i, std::vector<Table>& tables,
                   std::vector<Stub>& stubs);

  const CompiledModule& code_;
  x86::Assembler& a_;
  std::vector<Label> functions_;
  Label traps_[kJitTrapCount];
  Label enter_, exit_;
  std::span<const uint64_t> words_;
  std::vector<Label> labels_;
  std::vector<SlowMark> slow_marks_;
};

Status ModuleCompiler::operation(RegOp o, const uint64_t* im, size_t i, std::vector<Table>& tables,
                                 std::vector<Stub>& stubs) {
  switch (o) {
    case RegOp::kUnreachable: a_.jmp(traps_[kJitUnreachable]); return ok_status();
    case RegOp::kCharge: charge(im[0]); return ok_status();
    case RegOp::kJump: a_.jmp(target(i + 1)); return ok_status();
    case RegOp::kBrIf:
      a_.cmp(slot32(im[0]), 0);
      a_.jne(target(i + 2));
      return ok_status();
    case RegOp::kBrIfEqz:
      a_.cmp(slot32(im[0]), 0);
      a_.je(target(i + 2));
      return ok_status();
    case RegOp::kBrTable: {
      // a n src, then (t keep dst) per label.
      uint64_t n = im[1], src = im[2];
      Table t{a_.newLabel(), {}};
      a_.mov(x86::eax, slot32(im[0]));
      Label in_range = a_.newLabel();
      if (n <= 0x7FFFFFFF) {
        a_.cmp(x86::rax, static_cast<int32_t>(n));
        a_.jbe(in_range);
        a_.mov(x86::eax, static_cast<uint32_t>(n));
      } else {
        return Error("jit: br_table too large");
      }
      a_.bind(in_range);
      a_.lea(x86::rcx, x86::ptr(t.table));
      a_.jmp(x86::qword_ptr(x86::rcx, x86::rax, 3));
      for (uint64_t j = 0; j <= n; ++j) {
        size_t w = i + 4 + 3 * j;
        uint64_t keep = words_[w + 1], dst = words_[w + 2];
        if (keep == 0 || dst == src) {
          t.entries.push_back(target(w));
        } else {
          Stub s{a_.newLabel(), keep, src, dst, target(w)};
          t.entries.push_back(s.at);
          stubs.push_back(s);
        }
      }
      tables.push_back(std::move(t));
      return ok_status();
    }
    case RegOp::kReturn:
      copy_slots(0, im[1], im[0]);
      a_.add(x86::rsp, 8);
      a_.ret();
      return ok_status();
    case RegOp::kCall: op_helper(&h_call, im); return ok_status();
    case RegOp::kCallIndirect: op_helper(&h_call_indirect, im); return ok_status();
    case RegOp::kCallInternal: {
      if (im[0] >= functions_.size()) return Error("jit: bad function index");
      uint64_t base = im[1] * 8;
      if (!fits_i32(base)) return Error("jit: frame too large");
      a_.cmp(CTX(depth_left), 0);
      a_.je(traps_[kJitStackExhausted]);
      a_.dec(CTX(depth_left));
      if (base != 0) a_.add(kFp, static_cast<int32_t>(base));
      a_.call(functions_[im[0]]);
      if (base != 0) a_.sub(kFp, static_cast<int32_t>(base));
      a_.inc(CTX(depth_left));
      // The callee may have grown the memory.
      a_.mov(kMemSize, CTX(mem_size));
      return ok_status();
    }
    case RegOp::kCopy:
      a_.mov(x86::rax, slot(im[1]));
      a_.mov(slot(im[0]), x86::rax);
      return ok_status();
    case RegOp::kConst:
      if (fits_i32(im[1])) {
        a_.mov(slot(im[0]), static_cast<int32_t>(im[1]));
      } else {
        a_.mov(x86::rax, im[1]);
        a_.mov(slot(im[0]), x86::rax);
      }
      return ok_status();
    case RegOp::kSelect:
      // d a b c
      a_.mov(x86::rax, slot(im[1]));
      a_.cmp(slot32(im[3]), 0);
      a_.cmove(x86::rax, slot(im[2]));
      a_.mov(slot(im[0]), x86::rax);
      return ok_status();
    case RegOp::kGlobalGet:
      a_.mov(x86::rax, CTX(globals));
      a_.mov(x86::rax, x86::qword_ptr(x86::rax, static_cast<int32_t>(im[1] * 8)));
      a_.mov(x86::rax, x86::qword_ptr(x86::rax, off(offsetof(GlobalInst, value))));
      a_.mov(slot(im[0]), x86::rax);
      return ok_status();
    case RegOp::kGlobalSet:
      a_.mov(x86::rcx, slot(im[0]));
      a_.mov(x86::rax, CTX(globals));
      a_.mov(x86::rax, x86::qword_ptr(x86::rax, static_cast<int32_t>(im[1] * 8)));
      a_.mov(x86::qword_ptr(x86::rax, off(offsetof(GlobalInst, value))), x86::rcx);
      return ok_status();
    case RegOp::kTableGet: op_helper(&h_table_get, im); return ok_status();
    case RegOp::kTableSet: op_helper(&h_table_set, im); return ok_status();
    case RegOp::kTableSize: op_helper(&h_table_size, im); return ok_status();
    case RegOp::kTableGrow: op_helper(&h_table_grow, im); return ok_status();
    case RegOp::kTableFill: op_helper(&h_table_fill, im); return ok_status();
    case RegOp::kTableCopy: op_helper(&h_table_copy, im); return ok_status();
    case RegOp::kTableInit: op_helper(&h_table_init, im); return ok_status();
    case RegOp::kElemDrop: op_helper(&h_elem_drop, im); return ok_status();
    case RegOp::kMemoryGrow: op_helper(&h_memory_grow, im); return ok_status();
    case RegOp::kMemoryFill: op_helper(&h_memory_fill, im); return ok_status();
    case RegOp::kMemoryCopy: op_helper(&h_memory_copy, im); return ok_status();
    case RegOp::kMemoryInit: op_helper(&h_memory_init, im); return ok_status();
    case RegOp::kDataDrop: op_helper(&h_data_drop, im); return ok_status();
    case RegOp::kRefFunc: op_helper(&h_ref_func, im); return ok_status();
    case RegOp::kMemorySize:
      a_.mov(x86::rax, kMemSize);
      a_.shr(x86::rax, 16);
      a_.mov(slot(im[0]), x86::rax);
      return ok_status();
    case RegOp::kLoad32: case RegOp::kLoad64: case RegOp::kI32Load8S: case RegOp::kI32Load8U:
    case RegOp::kI32Load16S: case RegOp::kI32Load16U: case RegOp::kI64Load8S:
    case RegOp::kI64Load16S: case RegOp::kI64Load32S:
      // d a o
      effective(im[1], im[2], load_size(o));
      load(o, im[0]);
      return ok_status();
    case RegOp::kLoad32AC: case RegOp::kLoad64AC: case RegOp::kI32Load8SAC:
    case RegOp::kI32Load8UAC: case RegOp::kI32Load16SAC: case RegOp::kI32Load16UAC:
    case RegOp::kI64Load8SAC: case RegOp::kI64Load16SAC: case RegOp::kI64Load32SAC:
      // d a k o
      effective_ac(im[1], im[2], im[3], load_size(o));
      load(o, im[0]);
      return ok_status();
    case RegOp::kStore8: case RegOp::kStore16: case RegOp::kStore32: case RegOp::kStore64:
      // a v o
      effective(im[0], im[2], store_size(o));
      a_.mov(x86::rdx, slot(im[1]));
      store(store_size(o));
      return ok_status();
    case RegOp::kStore8AC: case RegOp::kStore16AC: case RegOp::kStore32AC:
    case RegOp::kStore64AC:
      // a k v o
      effective_ac(im[0], im[1], im[3], store_size(o));
      a_.mov(x86::rdx, slot(im[2]));
      store(store_size(o));
      return ok_status();
    default: break;
  }
  if (o >= RegOp::kI32EqBrIf && o <= RegOp::kI32GeUBrIfC) {
    bool k = ((static_cast<uint64_t>(o) - static_cast<uint64_t>(RegOp::kI32EqBrIf)) & 1) != 0;
    if (k) {
      a_.cmp(slot32(im[0]), static_cast<int32_t>(u32(im[1])));
    } else {
      a_.mov(x86::eax, slot32(im[0]));
      a_.cmp(x86::eax, slot32(im[1]));
    }
    a_.j(cmp_cond(o), target(i + 3));
    return ok_status();
  }
  if (binary(o, im)) return ok_status();
  if (unary(o, im)) return ok_status();
  return Error(std::string("jit: unsupported register operation ") + to_string(o));
}

Result<std::shared_ptr<JitCode>> compile_module(const CompiledModule& code) {
  auto jc = std::make_shared<JitCode>();
  asmjit::CodeHolder holder;
  ErrorRecorder errors;
  holder.init(jc->runtime.environment());
  holder.setErrorHandler(&errors);
  x86::Assembler a(&holder);
  ModuleCompiler mc(code, a);
  CHORUS_RETURN_IF_ERROR(mc.compile());
  if (errors.error != asmjit::kErrorOk) return Error("jit: " + errors.text);
  void* base = nullptr;
  asmjit::Error e = jc->runtime.add(&base, &holder);
  if (e != asmjit::kErrorOk) {
    return Error(std::string("jit: cannot place the code: ") +
                 asmjit::DebugUtils::errorAsString(e));
  }
  auto at = [&](const Label& l) {
    return static_cast<const void*>(static_cast<const uint8_t*>(base) +
                                    holder.labelOffsetFromBase(l));
  };
  jc->enter = reinterpret_cast<EnterFn>(const_cast<void*>(at(mc.enter())));
  for (const Label& l : mc.functions()) jc->entries.push_back(at(l));
  return jc;
}

#else

Result<std::shared_ptr<JitCode>> compile_module(const CompiledModule&) {
  return Error("the JIT executor needs an x86-64 host");
}

#endif  // CHORUS_WASM_JIT

}  // namespace

JitExecutor::JitExecutor(const ExecutionLimits& limits) : limits_(limits) {}

JitExecutor::~JitExecutor() {
  if (native_stack_ != nullptr) munmap(native_stack_, native_stack_bytes_);
}

Result<CompiledModule> JitExecutor::translate(const Module& module) {
  CHORUS_ASSIGN_OR_RETURN(CompiledModule code, translate_registers(module, limits_.metering));
  CHORUS_ASSIGN_OR_RETURN(std::shared_ptr<JitCode> jc, compile_module(code));
  code.native = std::move(jc);
  return code;
}

void JitExecutor::prepare(CompiledModule& code) {
  // Code from translate() is compiled already; a failure here shows when a function runs
  // (kJitNotCompiled).
  // Threaded code belongs to an interpreter: its words are no longer RegOp numbers.
  if (code.native || code.threaded) return;
  Result<std::shared_ptr<JitCode>> jc = compile_module(code);
  if (jc.ok()) code.native = std::move(*jc);
}

void JitExecutor::set_limits(const ExecutionLimits& limits) {
  limits_ = limits;
  if (limits_.stack_slots > stack_size_) stack_.reset();
}

bool JitExecutor::ensure_stacks() {
  if (!stack_) {
    // Not value-initialised: every slot is written before it is read.
    stack_.reset(new uint64_t[limits_.stack_slots]);
    stack_size_ = limits_.stack_slots;
  }
  if (native_stack_ == nullptr || native_depth_ < limits_.call_depth) {
    if (native_stack_ != nullptr) munmap(native_stack_, native_stack_bytes_);
    native_stack_ = nullptr;
    // 16 bytes per Wasm call of the module's own functions; calls through helpers (imports,
    // call_indirect) take a C++ frame and an entry frame as well, and host functions run on this
    // stack too: 512 bytes per level plus 8 MiB covers both. Reserved, committed only as touched.
    size_t bytes = (static_cast<size_t>(limits_.call_depth) + 64) * 512 + (size_t{8} << 20);
    bytes = (bytes + 4095) & ~size_t{4095};
    void* p = mmap(nullptr, bytes + 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return false;
    mprotect(p, 4096, PROT_NONE);  // a guard page below the stack
    native_stack_ = p;
    native_stack_bytes_ = bytes + 4096;
    native_depth_ = limits_.call_depth;
  }
  return true;
}

uint32_t JitExecutor::call_host(const FuncInst& f, uint64_t* args, JitContext& ctx) {
  size_t np = f.type.params.size(), nr = f.type.results.size();
  if (args + nr > ctx.stack_end) return kJitStackExhausted;
  host_results_.assign(nr, 0);
  Caller c(ctx.inst ? memory_of(ctx.inst) : nullptr, ctx.limit - ctx.remaining);
  Status s = f.host(c, std::span<const uint64_t>(args, np), std::span<uint64_t>(host_results_));
  if (!s.ok()) {
    host_error_ = s.error().message();
    return kJitHost;
  }
  for (size_t i = 0; i < nr; ++i) {
    ValType t = f.type.results[i];
    bool narrow = t == ValType::kI32 || t == ValType::kF32;
    args[i] = narrow ? static_cast<uint32_t>(host_results_[i]) : host_results_[i];
  }
  return kJitNone;
}

Result<std::vector<Value>> JitExecutor::invoke(FuncInst& func, std::span<const Value> args) {
  if (running_) return Error("the executor is already running an execution");
  const FuncType& type = func.type;
  CHORUS_RETURN_IF_ERROR(check_arguments(type, args));
  for (ValType t : type.params) {
    if (t == ValType::kV128) return Error(kRegisterSimdUnsupported);
  }
  if (!ensure_stacks()) return Error("cannot map the JIT's native stack");
  uint64_t* stack_end = stack_.get() + std::min(stack_size_, limits_.stack_slots);
  size_t slots = std::max(type.params.size(), type.results.size());
  if (slots > static_cast<size_t>(stack_end - stack_.get())) {
    used_ = 0;
    return Error(kTrapCallStackExhausted);
  }
  uint64_t* sp = stack_.get();
  for (const Value& v : args) {
    bool narrow = v.type == ValType::kI32 || v.type == ValType::kF32;
    *sp++ = narrow ? static_cast<uint32_t>(v.bits) : v.bits;
  }
  JitContext ctx{};
  ctx.remaining = limits_.instructions;
  ctx.limit = limits_.instructions;
  ctx.stack_end = stack_end;
  ctx.depth_left = limits_.call_depth;
  ctx.self = this;
  used_ = 0;
  running_ = true;
  uint32_t t = kJitNone;
  if (func.is_host()) {
    t = call_host(func, stack_.get(), ctx);
  } else {
    const JitCode* jc = code_of(func.instance);
    if (jc == nullptr || jc->enter == nullptr) {
      t = kJitNotCompiled;
    } else {
      set_instance(&ctx, func.instance);
      // The top of the native stack, 16-byte aligned.
      ctx.switch_to = static_cast<uint8_t*>(native_stack_) + native_stack_bytes_;
      t = jc->enter(&ctx, stack_.get(), jc->entries[func.index]);
    }
  }
  running_ = false;
  used_ = limits_.instructions - ctx.remaining;
  if (t == kJitHost) return Error(host_error_);
  if (t != kJitNone) return Error(jit_message(t));
  std::vector<Value> out;
  out.reserve(type.results.size());
  for (size_t i = 0; i < type.results.size(); ++i) out.push_back({type.results[i], stack_[i]});
  return out;
}

}  // namespace chorus::wasm
