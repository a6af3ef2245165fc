#include "wasm/interpreter.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "wasm/interpreter_simd.h"
#include "wasm/numeric.h"

namespace chorus::wasm {

static_assert(std::endian::native == std::endian::little,
              "memory accesses copy host words as Wasm's little-endian bytes");

#if (defined(__GNUC__) || defined(__clang__)) && !defined(CHORUS_WASM_SWITCH_DISPATCH)
#define CHORUS_WASM_THREADED 1
#else
#define CHORUS_WASM_THREADED 0
#endif

enum class Interpreter::Trap : uint8_t {
  kNone,
  kUnreachable,
  kDivideByZero,
  kIntegerOverflow,
  kInvalidConversion,
  kMemory,
  kTable,
  kUndefinedElement,
  kUninitializedElement,
  kIndirectCallType,
  kStackExhausted,
  kLimit,
  kHost,
};

namespace {

using Trap = Interpreter::Trap;

#if CHORUS_WASM_THREADED
const void* const* g_handlers = nullptr;  // set by the first run(nullptr)
// For each op, a handler that takes the Charge before it and runs it: see prepare().
const void* const* g_charged_handlers = nullptr;  // set with g_handlers
#endif

constexpr uint64_t kImmediates[] = {
#define CHORUS_WASM_OP_IMM(name, imm) imm,
    CHORUS_WASM_OPS(CHORUS_WASM_OP_IMM)
#undef CHORUS_WASM_OP_IMM
};

// The numeric helpers are shared with the register interpreter (numeric.h).
using numeric::bits;
using numeric::canon;
using numeric::f32;
using numeric::f64;
using numeric::in_bounds;
using numeric::trunc_saturating;
using numeric::u32;
using numeric::wasm_max;
using numeric::wasm_min;

template <typename I, typename F>
inline Trap trunc_trapping(F x, uint64_t& out) {
  switch (numeric::trunc_checked<I, F>(x, out)) {
    case numeric::TruncOutcome::kOk: return Trap::kNone;
    case numeric::TruncOutcome::kNaN: return Trap::kInvalidConversion;
    case numeric::TruncOutcome::kOverflow: return Trap::kIntegerOverflow;
  }
  return Trap::kIntegerOverflow;
}

MemoryInst* memory_of(Instance* inst) {
  return inst->memories.empty() ? nullptr : inst->memories[0];
}

size_t slot_count(const std::vector<ValType>& types) {
  size_t n = 0;
  for (ValType t : types) n += slots_of(t);
  return n;
}

}  // namespace

Interpreter::Interpreter(const ExecutionLimits& limits) : limits_(limits) {}

void Interpreter::set_limits(const ExecutionLimits& limits) {
  limits_ = limits;
  if (limits_.stack_slots > stack_size_) stack_.reset();
  if (limits_.call_depth > frames_size_) frames_.reset();
}

void Interpreter::ensure_stacks() {
  if (!stack_) {
    // Not value-initialised: the OS hands out zero pages lazily, and every slot is written
    // before it is read.
    stack_.reset(new uint64_t[limits_.stack_slots]);
    stack_size_ = limits_.stack_slots;
  }
  if (!frames_) {
    frames_.reset(new Frame[limits_.call_depth + 1]);
    frames_size_ = limits_.call_depth;
  }
}

void Interpreter::prepare(CompiledModule& code) {
#if CHORUS_WASM_THREADED
  if (code.threaded) return;
  // run(nullptr) only publishes the handler table; a magic static makes that thread-safe.
  static const bool kHandlersReady = (run(nullptr), g_handlers != nullptr);
  (void)kHandlersReady;
  for (CompiledFunction& f : code.functions) {
    std::span<uint64_t> c = f.code;
    for (size_t i = 0; i < c.size();) {
      uint64_t o = c[i];
      uint64_t n = kImmediates[o];
      if (o == static_cast<uint64_t>(Op::kBrTable)) n = 1 + (c[i + 1] + 1) * 3;
      const void* h = g_handlers[o];
      // A Charge becomes the charged form of the op after it, which takes the charge and goes
      // straight on into that op's handler: one dispatch per block head instead of two. The op's
      // own word stays as it is, so code that branches or returns to it runs it uncharged as
      // before. The ops are read before they are rewritten, as the walk goes forward.
      if (o == static_cast<uint64_t>(Op::kCharge) && i + 2 < c.size() &&
          c[i + 2] < static_cast<uint64_t>(Op::kCount)) {
        h = g_charged_handlers[c[i + 2]];
      }
      c[i] = reinterpret_cast<uint64_t>(h);
      i += 1 + n;
    }
  }
  code.threaded = true;
#else
  (void)code;
#endif
}

const char* Interpreter::message(Trap t) {
  switch (t) {
    case Trap::kNone: return "no trap";
    case Trap::kUnreachable: return kTrapUnreachable;
    case Trap::kDivideByZero: return kTrapDivideByZero;
    case Trap::kIntegerOverflow: return kTrapIntegerOverflow;
    case Trap::kInvalidConversion: return kTrapInvalidConversion;
    case Trap::kMemory: return kTrapMemoryOutOfBounds;
    case Trap::kTable: return kTrapTableOutOfBounds;
    case Trap::kUndefinedElement: return kTrapUndefinedElement;
    case Trap::kUninitializedElement: return kTrapUninitializedElement;
    case Trap::kIndirectCallType: return kTrapIndirectCallType;
    case Trap::kStackExhausted: return kTrapCallStackExhausted;
    case Trap::kLimit: return kTrapInstructionLimit;
    case Trap::kHost: return "host function trapped";
  }
  return "trap";
}

Result<std::vector<Value>> Interpreter::invoke(FuncInst& func, std::span<const Value> args) {
  if (running_) return Error("the interpreter is already running an execution");
  const FuncType& type = func.type;
  CHORUS_RETURN_IF_ERROR(check_arguments(type, args));
  ensure_stacks();
  size_t slots = std::max(slot_count(type.params), slot_count(type.results));
  if (slots > static_cast<size_t>(stack_limit() - stack_.get())) {
    used_ = 0;
    return Error(kTrapCallStackExhausted);
  }
  uint64_t* sp = stack_.get();
  for (const Value& v : args) {
    bool narrow = v.type == ValType::kI32 || v.type == ValType::kF32;
    *sp++ = narrow ? static_cast<uint32_t>(v.bits) : v.bits;
    if (v.type == ValType::kV128) *sp++ = v.hi;
  }
  used_ = 0;
  running_ = true;
  Trap t = func.is_host() ? call_host(func, sp, nullptr) : run(&func);  // results from stack_[0]
  running_ = false;
  if (t == Trap::kHost) return Error(host_error_);
  if (t != Trap::kNone) return Error(message(t));
  std::vector<Value> out;
  out.reserve(type.results.size());
  const uint64_t* r = stack_.get();
  for (ValType rt : type.results) {
    if (rt == ValType::kV128) {
      out.push_back(Value::v128(r[0], r[1]));
      r += 2;
    } else {
      out.push_back({rt, *r++});
    }
  }
  return out;
}

Interpreter::Trap Interpreter::call_host(const FuncInst& f, uint64_t* sp, Instance* caller) {
  // In slots: a v128 parameter or result is two words for the host function too.
  size_t np = slot_count(f.type.params), nr = slot_count(f.type.results);
  uint64_t* args = sp - np;
  if (args + nr > stack_limit()) return Trap::kStackExhausted;
  host_results_.assign(nr, 0);
  Caller c(caller ? memory_of(caller) : nullptr, used_);
  Status s = f.host(c, std::span<const uint64_t>(args, np), std::span<uint64_t>(host_results_));
  if (!s.ok()) {
    host_error_ = s.error().message();
    return Trap::kHost;
  }
  size_t i = 0;
  for (ValType t : f.type.results) {
    bool narrow = t == ValType::kI32 || t == ValType::kF32;
    args[i] = narrow ? static_cast<uint32_t>(host_results_[i]) : host_results_[i];
    if (t == ValType::kV128) {
      args[i + 1] = host_results_[i + 1];
      ++i;
    }
    ++i;
  }
  return Trap::kNone;
}

#if CHORUS_WASM_THREADED
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#define CASE(name) L_##name:
#define NEXT() goto* reinterpret_cast<const void*>(*pc++)
#else
#define CASE(name) case Op::k##name:
#define NEXT() goto dispatch
#endif

#define TRAP(kind)      \
  do {                  \
    trap = Trap::kind;  \
    goto trapped;       \
  } while (0)

#define REFRESH_MEMORY()                          \
  do {                                            \
    memory = memory_of(inst);                     \
    mem = memory ? memory->data() : nullptr;      \
    mem_size = memory ? memory->size() : 0;       \
  } while (0)

#define CHARGE(units)                  \
  do {                                 \
    uint64_t u_ = (units);             \
    if (u_ > remaining) TRAP(kLimit);  \
    remaining -= u_;                   \
  } while (0)

// Sets up the frame of |cf|, whose arguments are the top slots, and continues at its start.
#define ENTER(cf)                                                                     \
  do {                                                                                \
    uint64_t* nfp_ = sp - (cf)->param_slots;                                          \
    if (static_cast<uint64_t>(stack_end - nfp_) <                                     \
        static_cast<uint64_t>((cf)->local_slots) + (cf)->max_operand_slots) {         \
      TRAP(kStackExhausted);                                                          \
    }                                                                                 \
    numeric::zero_locals(nfp_ + (cf)->param_slots, (cf)->local_slots - (cf)->param_slots); \
    fp = nfp_;                                                                        \
    sp = fp + (cf)->local_slots;                                                      \
    pc = (cf)->code.data();                                                           \
  } while (0)

// Takes the branch whose (target, keep, height) words start at |e|: the target is relative to e.
#define BRANCH(e)                                                       \
  do {                                                                  \
    const uint64_t* e_ = (e);                                           \
    uint64_t keep_ = e_[1];                                             \
    uint64_t* base_ = fp + e_[2];                                       \
    uint64_t* src_ = sp - keep_;                                        \
    if (src_ != base_) {                                                \
      for (uint64_t k_ = 0; k_ < keep_; ++k_) base_[k_] = src_[k_];     \
    }                                                                   \
    sp = base_ + keep_;                                                 \
    pc = e_ + static_cast<int64_t>(e_[0]);                              \
  } while (0)

// The effective address of the access at the top of the stack, as a host pointer in |p|.
#define EFFECTIVE(n, addr)                                                      \
  uint64_t ea_;                                                                 \
  if (__builtin_add_overflow((addr), pc[0], &ea_) || mem_size < (n) ||          \
      ea_ > mem_size - (n))                                                     \
    TRAP(kMemory);                                                              \
  uint8_t* p = mem + ea_;                                                       \
  pc += 1

// The same for a store of n bytes: every write to linear memory goes through here (the hook for
// dirty-page tracking).
#define EFFECTIVE_STORE(n, addr) \
  EFFECTIVE(n, addr);            \
  memory->mark_written(ea_, (n))

#define LOAD(name, T, expr)      \
  CASE(name) {                   \
    EFFECTIVE(sizeof(T), sp[-1]); \
    T v;                         \
    std::memcpy(&v, p, sizeof(T)); \
    sp[-1] = (expr);             \
    NEXT();                      \
  }

#define STORE(name, T)            \
  CASE(name) {                    \
    T v = static_cast<T>(sp[-1]); \
    EFFECTIVE_STORE(sizeof(T), sp[-2]); \
    std::memcpy(p, &v, sizeof(T)); \
    sp -= 2;                      \
    NEXT();                       \
  }

#define I32_BIN(name, expr)       \
  CASE(name) {                    \
    uint32_t b = u32(sp[-1]);     \
    uint32_t a = u32(sp[-2]);     \
    --sp;                         \
    sp[-1] = static_cast<uint32_t>(expr); \
    NEXT();                       \
  }
#define I64_BIN(name, expr)       \
  CASE(name) {                    \
    uint64_t b = sp[-1];          \
    uint64_t a = sp[-2];          \
    --sp;                         \
    sp[-1] = static_cast<uint64_t>(expr); \
    NEXT();                       \
  }
#define F32_BIN(name, expr)       \
  CASE(name) {                    \
    float b = f32(sp[-1]);        \
    float a = f32(sp[-2]);        \
    --sp;                         \
    sp[-1] = (expr);              \
    NEXT();                       \
  }
#define F64_BIN(name, expr)       \
  CASE(name) {                    \
    double b = f64(sp[-1]);       \
    double a = f64(sp[-2]);       \
    --sp;                         \
    sp[-1] = (expr);              \
    NEXT();                       \
  }
#define UNARY(name, expr)         \
  CASE(name) {                    \
    uint64_t x = sp[-1];          \
    sp[-1] = (expr);              \
    NEXT();                       \
  }
#define TRUNC(name, I, F, from)                                 \
  CASE(name) {                                                  \
    Trap t_ = trunc_trapping<I, F>(from(sp[-1]), sp[-1]);       \
    if (t_ != Trap::kNone) {                                    \
      trap = t_;                                                \
      goto trapped;                                             \
    }                                                           \
    NEXT();                                                     \
  }
#define CMP_BR_IF(name, cond) \
  CASE(name) {                  \
    uint32_t b = u32(sp[-1]);   \
    uint32_t a = u32(sp[-2]);   \
    sp -= 2;                    \
    if (cond) {                 \
      BRANCH(pc);               \
    } else {                    \
      pc += 3;                  \
    }                           \
    NEXT();                     \
  }
#define TRUNC_SAT(name, I, F, from) UNARY(name, (trunc_saturating<I, F>(from(x))))

Interpreter::Trap Interpreter::run(const FuncInst* entry) {
#if CHORUS_WASM_THREADED
  static const void* const kHandlers[] = {
#define CHORUS_WASM_OP_LABEL(name, imm) &&L_##name,
      CHORUS_WASM_OPS(CHORUS_WASM_OP_LABEL)
#undef CHORUS_WASM_OP_LABEL
  };
  static const void* const kChargedHandlers[] = {
#define CHORUS_WASM_CHARGED_LABEL(name, imm) &&LC_##name,
      CHORUS_WASM_OPS(CHORUS_WASM_CHARGED_LABEL)
#undef CHORUS_WASM_CHARGED_LABEL
  };
  if (entry == nullptr) {
    g_handlers = kHandlers;
    g_charged_handlers = kChargedHandlers;
    return Trap::kNone;
  }
#endif
  uint64_t* const stack_end = stack_limit();
  Frame* const frames = frames_.get();
  const uint32_t max_depth = limits_.call_depth;
  uint32_t depth = 0;
  uint64_t remaining = limits_.instructions;
  Trap trap = Trap::kNone;
  Instance* inst = nullptr;
  MemoryInst* memory = nullptr;  // of the current instance, cached with its base and size
  uint8_t* mem = nullptr;
  uint64_t mem_size = 0;
  const uint64_t* pc = nullptr;
  uint64_t* fp = nullptr;
  uint64_t* sp = stack_.get() + slot_count(entry->type.params);
  const FuncInst* callee = entry;
  const CompiledFunction* funcs = nullptr;  // of the current instance's module

enter : {
  if (callee->instance != inst) {
    inst = callee->instance;
    funcs = inst->code->functions.data();
    REFRESH_MEMORY();
  }
  const CompiledFunction* cf = funcs + callee->index;
  ENTER(cf);
#if CHORUS_WASM_THREADED
  NEXT();
#endif
}

#if !CHORUS_WASM_THREADED
dispatch:
  switch (static_cast<Op>(*pc++)) {
#endif

  CASE(Unreachable) { TRAP(kUnreachable); }
  CASE(Charge) {
    uint64_t c = *pc++;
    if (c > remaining) TRAP(kLimit);
    remaining -= c;
    NEXT();
  }
#if CHORUS_WASM_THREADED
  // Charge c; op: pc is at c, the op's word follows, then its immediates as the op expects them.
#define CHORUS_WASM_CHARGED_CASE(name, imm) \
  LC_##name : {                             \
    uint64_t c = pc[0];                     \
    if (c > remaining) TRAP(kLimit);        \
    remaining -= c;                         \
    pc += 2;                                \
    goto L_##name;                          \
  }
  CHORUS_WASM_OPS(CHORUS_WASM_CHARGED_CASE)
#undef CHORUS_WASM_CHARGED_CASE
#endif
  CASE(Br) {
    BRANCH(pc);
    NEXT();
  }
  CASE(BrIf) {
    if (u32(*--sp) != 0) {
      BRANCH(pc);
    } else {
      pc += 3;
    }
    NEXT();
  }
  CASE(BrIfEqz) {
    if (u32(*--sp) == 0) {
      BRANCH(pc);
    } else {
      pc += 3;
    }
    NEXT();
  }
  CMP_BR_IF(I32EqBrIf, a == b)
  CMP_BR_IF(I32NeBrIf, a != b)
  CMP_BR_IF(I32LtSBrIf, static_cast<int32_t>(a) < static_cast<int32_t>(b))
  CMP_BR_IF(I32LtUBrIf, a < b)
  CMP_BR_IF(I32GtSBrIf, static_cast<int32_t>(a) > static_cast<int32_t>(b))
  CMP_BR_IF(I32GtUBrIf, a > b)
  CMP_BR_IF(I32LeSBrIf, static_cast<int32_t>(a) <= static_cast<int32_t>(b))
  CMP_BR_IF(I32LeUBrIf, a <= b)
  CMP_BR_IF(I32GeSBrIf, static_cast<int32_t>(a) >= static_cast<int32_t>(b))
  CMP_BR_IF(I32GeUBrIf, a >= b)
  CASE(BrUnless) {
    if (u32(*--sp) == 0) {
      pc += static_cast<int64_t>(pc[0]);
    } else {
      pc += 1;
    }
    NEXT();
  }
  CASE(Jump) {
    pc += static_cast<int64_t>(pc[0]);
    NEXT();
  }
  CASE(BrTable) {
    uint64_t n = pc[0];
    uint64_t i = u32(*--sp);
    if (i > n) i = n;
    BRANCH(pc + 1 + i * 3);
    NEXT();
  }
  CASE(Return) {
    uint64_t n = pc[0];
    uint64_t* src = sp - n;
    for (uint64_t k = 0; k < n; ++k) fp[k] = src[k];
    sp = fp + n;
    if (depth == 0) goto done;
    const Frame& f = frames[--depth];
    pc = f.return_pc;
    fp = f.fp;
    if (f.instance != inst) {
      inst = f.instance;
      funcs = inst->code->functions.data();
      REFRESH_MEMORY();
    }
    NEXT();
  }
  CASE(Call) {
    callee = inst->funcs[pc[0]];
    pc += 1;
  do_call:
    if (callee->is_host()) {
      used_ = limits_.instructions - remaining;
      Trap t = call_host(*callee, sp, inst);
      if (t != Trap::kNone) {
        trap = t;
        goto trapped;
      }
      sp = sp - slot_count(callee->type.params) + slot_count(callee->type.results);
      REFRESH_MEMORY();
      NEXT();
    }
    if (depth >= max_depth) TRAP(kStackExhausted);
    frames[depth++] = Frame{pc, fp, inst};
    goto enter;
  }
  CASE(CallInternal) {
    const CompiledFunction* cf = funcs + *pc++;
    if (depth >= max_depth) TRAP(kStackExhausted);
    frames[depth++] = Frame{pc, fp, inst};
    ENTER(cf);
    NEXT();
  }
  CASE(CallIndirect) {
    const TableInst* table = inst->tables[pc[1]];
    uint64_t i = *--sp;
    if (i >= table->elems.size()) TRAP(kUndefinedElement);
    callee = reinterpret_cast<const FuncInst*>(table->elems[i]);
    if (callee == nullptr) TRAP(kUninitializedElement);
    if (callee->type_id != inst->type_ids[pc[0]]) TRAP(kIndirectCallType);
    pc += 2;
    goto do_call;
  }
  CASE(Drop) {
    --sp;
    NEXT();
  }
  CASE(Select) {
    uint32_t c = u32(sp[-1]);
    sp -= 2;
    if (c == 0) sp[-1] = sp[0];
    NEXT();
  }
  CASE(LocalGet) {
    *sp++ = fp[*pc++];
    NEXT();
  }
  CASE(LocalGetLocalGet) {
    sp[0] = fp[pc[0]];
    sp[1] = fp[pc[1]];
    sp += 2;
    pc += 2;
    NEXT();
  }
  CASE(LocalSet) {
    fp[*pc++] = *--sp;
    NEXT();
  }
  CASE(LocalTee) {
    fp[*pc++] = sp[-1];
    NEXT();
  }
  CASE(GlobalGet) {
    *sp++ = inst->globals[*pc++]->value;
    NEXT();
  }
  CASE(GlobalSet) {
    inst->globals[*pc++]->value = *--sp;
    NEXT();
  }
  CASE(TableGet) {
    const TableInst* t = inst->tables[*pc++];
    uint64_t i = sp[-1];
    if (i >= t->elems.size()) TRAP(kTable);
    sp[-1] = t->elems[i];
    NEXT();
  }
  CASE(TableSet) {
    TableInst* t = inst->tables[*pc++];
    uint64_t v = sp[-1], i = sp[-2];
    sp -= 2;
    if (i >= t->elems.size()) TRAP(kTable);
    t->before_write();
    t->elems[i] = v;
    NEXT();
  }
  CASE(TableSize) {
    *sp++ = inst->tables[*pc++]->elems.size();
    NEXT();
  }
  CASE(TableGrow) {
    TableInst* t = inst->tables[*pc++];
    uint64_t n = sp[-1], init = sp[-2];
    --sp;
    uint64_t max = std::min(t->type.limits.max.value_or(kMaxTableSize), kMaxTableSize);
    uint64_t size = t->elems.size();
    if (n <= max - std::min(max, size)) CHARGE(n);
    std::optional<uint64_t> old = t->grow(n, init);
    sp[-1] = old ? *old : (t->type.limits.is64 ? ~uint64_t{0} : uint64_t{0xFFFFFFFF});
    NEXT();
  }
  CASE(TableFill) {
    TableInst* t = inst->tables[*pc++];
    uint64_t n = sp[-1], v = sp[-2], i = sp[-3];
    sp -= 3;
    CHARGE(n);
    if (!in_bounds(i, n, t->elems.size())) TRAP(kTable);
    if (n > 0) t->before_write();
    std::fill_n(t->elems.begin() + static_cast<ptrdiff_t>(i), n, v);
    NEXT();
  }
  CASE(TableCopy) {
    TableInst* dst = inst->tables[pc[0]];
    const TableInst* src = inst->tables[pc[1]];
    pc += 2;
    uint64_t n = sp[-1], s = sp[-2], d = sp[-3];
    sp -= 3;
    CHARGE(n);
    if (!in_bounds(s, n, src->elems.size()) || !in_bounds(d, n, dst->elems.size())) TRAP(kTable);
    if (n > 0) {
      dst->before_write();
      std::memmove(&dst->elems[d], &src->elems[s], n * sizeof(uint64_t));
    }
    NEXT();
  }
  CASE(TableInit) {
    const std::vector<uint64_t>& seg = inst->elements[pc[0]];
    TableInst* t = inst->tables[pc[1]];
    pc += 2;
    uint64_t n = u32(sp[-1]), s = u32(sp[-2]), d = sp[-3];
    sp -= 3;
    CHARGE(n);
    if (!in_bounds(s, n, seg.size()) || !in_bounds(d, n, t->elems.size())) TRAP(kTable);
    if (n > 0) {
      t->before_write();
      std::memcpy(&t->elems[d], &seg[s], n * sizeof(uint64_t));
    }
    NEXT();
  }
  CASE(ElemDrop) {
    inst->elements[*pc++] = {};
    NEXT();
  }
  LOAD(Load32, uint32_t, v)
  LOAD(Load64, uint64_t, v)
  LOAD(I32Load8S, int8_t, static_cast<uint32_t>(static_cast<int32_t>(v)))
  LOAD(I32Load8U, uint8_t, v)
  LOAD(I32Load16S, int16_t, static_cast<uint32_t>(static_cast<int32_t>(v)))
  LOAD(I32Load16U, uint16_t, v)
  LOAD(I64Load8S, int8_t, static_cast<uint64_t>(static_cast<int64_t>(v)))
  LOAD(I64Load16S, int16_t, static_cast<uint64_t>(static_cast<int64_t>(v)))
  LOAD(I64Load32S, int32_t, static_cast<uint64_t>(static_cast<int64_t>(v)))
  STORE(Store8, uint8_t)
  STORE(Store16, uint16_t)
  STORE(Store32, uint32_t)
  STORE(Store64, uint64_t)
  CASE(MemorySize) {
    *sp++ = mem_size / kPageSize;
    NEXT();
  }
  CASE(MemoryGrow) {
    MemoryInst* m = memory;
    uint64_t n = sp[-1];
    uint64_t max = m->max_pages();
    uint64_t pages = m->pages();
    // Only a growth that will happen is charged per page.
    if (pages <= max && n <= max - pages) {
      if (n > remaining / kCostGrowPerPage) TRAP(kLimit);
      remaining -= n * kCostGrowPerPage;
    }
    std::optional<uint64_t> old = m->grow(n);
    sp[-1] = old ? *old : (m->type().limits.is64 ? ~uint64_t{0} : uint64_t{0xFFFFFFFF});
    REFRESH_MEMORY();
    NEXT();
  }
  CASE(MemoryFill) {
    uint64_t n = sp[-1], v = sp[-2], d = sp[-3];
    sp -= 3;
    CHARGE(n / kBulkBytesPerUnit);
    if (!in_bounds(d, n, mem_size)) TRAP(kMemory);
    if (n > 0) {
      memory->mark_written(d, n);
      std::memset(mem + d, static_cast<uint8_t>(v), n);
    }
    NEXT();
  }
  CASE(MemoryCopy) {
    uint64_t n = sp[-1], s = sp[-2], d = sp[-3];
    sp -= 3;
    CHARGE(n / kBulkBytesPerUnit);
    if (!in_bounds(s, n, mem_size) || !in_bounds(d, n, mem_size)) TRAP(kMemory);
    if (n > 0) {
      memory->mark_written(d, n);
      std::memmove(mem + d, mem + s, n);
    }
    NEXT();
  }
  CASE(MemoryInit) {
    ByteView seg = inst->data[*pc++];
    uint64_t n = u32(sp[-1]), s = u32(sp[-2]), d = sp[-3];
    sp -= 3;
    CHARGE(n / kBulkBytesPerUnit);
    if (!in_bounds(s, n, seg.size()) || !in_bounds(d, n, mem_size)) TRAP(kMemory);
    if (n > 0) {
      memory->mark_written(d, n);
      std::memcpy(mem + d, seg.data() + s, n);
    }
    NEXT();
  }
  CASE(DataDrop) {
    inst->data[*pc++] = {};
    NEXT();
  }
  CASE(Const) {
    *sp++ = *pc++;
    NEXT();
  }
  CASE(RefIsNull) {
    sp[-1] = sp[-1] == 0;
    NEXT();
  }
  CASE(RefFunc) {
    *sp++ = reinterpret_cast<uint64_t>(inst->funcs[*pc++]);
    NEXT();
  }
  CASE(LocalGetI32AddConst) {
    *sp++ = u32(fp[pc[0]] + pc[1]);
    pc += 2;
    NEXT();
  }
  CASE(I32AddConst) {
    sp[-1] = u32(sp[-1] + *pc++);
    NEXT();
  }

  UNARY(I32Eqz, u32(x) == 0)
  I32_BIN(I32Eq, a == b)
  I32_BIN(I32Ne, a != b)
  I32_BIN(I32LtS, static_cast<int32_t>(a) < static_cast<int32_t>(b))
  I32_BIN(I32LtU, a < b)
  I32_BIN(I32GtS, static_cast<int32_t>(a) > static_cast<int32_t>(b))
  I32_BIN(I32GtU, a > b)
  I32_BIN(I32LeS, static_cast<int32_t>(a) <= static_cast<int32_t>(b))
  I32_BIN(I32LeU, a <= b)
  I32_BIN(I32GeS, static_cast<int32_t>(a) >= static_cast<int32_t>(b))
  I32_BIN(I32GeU, a >= b)
  UNARY(I64Eqz, x == 0)
  I64_BIN(I64Eq, a == b)
  I64_BIN(I64Ne, a != b)
  I64_BIN(I64LtS, static_cast<int64_t>(a) < static_cast<int64_t>(b))
  I64_BIN(I64LtU, a < b)
  I64_BIN(I64GtS, static_cast<int64_t>(a) > static_cast<int64_t>(b))
  I64_BIN(I64GtU, a > b)
  I64_BIN(I64LeS, static_cast<int64_t>(a) <= static_cast<int64_t>(b))
  I64_BIN(I64LeU, a <= b)
  I64_BIN(I64GeS, static_cast<int64_t>(a) >= static_cast<int64_t>(b))
  I64_BIN(I64GeU, a >= b)
  F32_BIN(F32Eq, a == b)
  F32_BIN(F32Ne, a != b)
  F32_BIN(F32Lt, a < b)
  F32_BIN(F32Gt, a > b)
  F32_BIN(F32Le, a <= b)
  F32_BIN(F32Ge, a >= b)
  F64_BIN(F64Eq, a == b)
  F64_BIN(F64Ne, a != b)
  F64_BIN(F64Lt, a < b)
  F64_BIN(F64Gt, a > b)
  F64_BIN(F64Le, a <= b)
  F64_BIN(F64Ge, a >= b)

  UNARY(I32Clz, static_cast<uint64_t>(std::countl_zero(u32(x))))
  UNARY(I32Ctz, static_cast<uint64_t>(std::countr_zero(u32(x))))
  UNARY(I32Popcnt, static_cast<uint64_t>(std::popcount(u32(x))))
  I32_BIN(I32Add, a + b)
  I32_BIN(I32Sub, a - b)
  I32_BIN(I32Mul, a * b)
  CASE(I32DivS) {
    int32_t b = static_cast<int32_t>(sp[-1]);
    int32_t a = static_cast<int32_t>(sp[-2]);
    if (b == 0) TRAP(kDivideByZero);
    if (a == std::numeric_limits<int32_t>::min() && b == -1) TRAP(kIntegerOverflow);
    --sp;
    sp[-1] = static_cast<uint32_t>(a / b);
    NEXT();
  }
  CASE(I32DivU) {
    uint32_t b = u32(sp[-1]);
    if (b == 0) TRAP(kDivideByZero);
    --sp;
    sp[-1] = u32(sp[-1]) / b;
    NEXT();
  }
  CASE(I32RemS) {
    int32_t b = static_cast<int32_t>(sp[-1]);
    int32_t a = static_cast<int32_t>(sp[-2]);
    if (b == 0) TRAP(kDivideByZero);
    --sp;
    sp[-1] = b == -1 ? 0 : static_cast<uint32_t>(a % b);
    NEXT();
  }
  CASE(I32RemU) {
    uint32_t b = u32(sp[-1]);
    if (b == 0) TRAP(kDivideByZero);
    --sp;
    sp[-1] = u32(sp[-1]) % b;
    NEXT();
  }
  I32_BIN(I32And, a & b)
  I32_BIN(I32Or, a | b)
  I32_BIN(I32Xor, a ^ b)
  I32_BIN(I32Shl, a << (b & 31))
  I32_BIN(I32ShrS, static_cast<int32_t>(a) >> (b & 31))
  I32_BIN(I32ShrU, a >> (b & 31))
  I32_BIN(I32Rotl, std::rotl(a, static_cast<int>(b & 31)))
  I32_BIN(I32Rotr, std::rotr(a, static_cast<int>(b & 31)))

  UNARY(I64Clz, static_cast<uint64_t>(std::countl_zero(x)))
  UNARY(I64Ctz, static_cast<uint64_t>(std::countr_zero(x)))
  UNARY(I64Popcnt, static_cast<uint64_t>(std::popcount(x)))
  I64_BIN(I64Add, a + b)
  I64_BIN(I64Sub, a - b)
  I64_BIN(I64Mul, a * b)
  CASE(I64DivS) {
    int64_t b = static_cast<int64_t>(sp[-1]);
    int64_t a = static_cast<int64_t>(sp[-2]);
    if (b == 0) TRAP(kDivideByZero);
    if (a == std::numeric_limits<int64_t>::min() && b == -1) TRAP(kIntegerOverflow);
    --sp;
    sp[-1] = static_cast<uint64_t>(a / b);
    NEXT();
  }
  CASE(I64DivU) {
    uint64_t b = sp[-1];
    if (b == 0) TRAP(kDivideByZero);
    --sp;
    sp[-1] /= b;
    NEXT();
  }
  CASE(I64RemS) {
    int64_t b = static_cast<int64_t>(sp[-1]);
    int64_t a = static_cast<int64_t>(sp[-2]);
    if (b == 0) TRAP(kDivideByZero);
    --sp;
    sp[-1] = b == -1 ? 0 : static_cast<uint64_t>(a % b);
    NEXT();
  }
  CASE(I64RemU) {
    uint64_t b = sp[-1];
    if (b == 0) TRAP(kDivideByZero);
    --sp;
    sp[-1] %= b;
    NEXT();
  }
  I64_BIN(I64And, a & b)
  I64_BIN(I64Or, a | b)
  I64_BIN(I64Xor, a ^ b)
  I64_BIN(I64Shl, a << (b & 63))
  I64_BIN(I64ShrS, static_cast<int64_t>(a) >> (b & 63))
  I64_BIN(I64ShrU, a >> (b & 63))
  I64_BIN(I64Rotl, std::rotl(a, static_cast<int>(b & 63)))
  I64_BIN(I64Rotr, std::rotr(a, static_cast<int>(b & 63)))

  UNARY(F32Abs, x & 0x7FFFFFFFu)
  UNARY(F32Neg, (x ^ 0x80000000u) & 0xFFFFFFFFu)
  UNARY(F32Ceil, canon(std::ceil(f32(x))))
  UNARY(F32Floor, canon(std::floor(f32(x))))
  UNARY(F32Trunc, canon(std::trunc(f32(x))))
  UNARY(F32Nearest, canon(std::nearbyint(f32(x))))
  UNARY(F32Sqrt, canon(std::sqrt(f32(x))))
  F32_BIN(F32Add, canon(a + b))
  F32_BIN(F32Sub, canon(a - b))
  F32_BIN(F32Mul, canon(a * b))
  F32_BIN(F32Div, canon(a / b))
  F32_BIN(F32Min, canon(wasm_min(a, b)))
  F32_BIN(F32Max, canon(wasm_max(a, b)))
  F32_BIN(F32Copysign, (bits(a) & 0x7FFFFFFFu) | (bits(b) & 0x80000000u))
  UNARY(F64Abs, x & 0x7FFFFFFFFFFFFFFFu)
  UNARY(F64Neg, x ^ 0x8000000000000000u)
  UNARY(F64Ceil, canon(std::ceil(f64(x))))
  UNARY(F64Floor, canon(std::floor(f64(x))))
  UNARY(F64Trunc, canon(std::trunc(f64(x))))
  UNARY(F64Nearest, canon(std::nearbyint(f64(x))))
  UNARY(F64Sqrt, canon(std::sqrt(f64(x))))
  F64_BIN(F64Add, canon(a + b))
  F64_BIN(F64Sub, canon(a - b))
  F64_BIN(F64Mul, canon(a * b))
  F64_BIN(F64Div, canon(a / b))
  F64_BIN(F64Min, canon(wasm_min(a, b)))
  F64_BIN(F64Max, canon(wasm_max(a, b)))
  F64_BIN(F64Copysign, (bits(a) & 0x7FFFFFFFFFFFFFFFu) | (bits(b) & 0x8000000000000000u))

  UNARY(I32WrapI64, u32(x))
  TRUNC(I32TruncF32S, int32_t, float, f32)
  TRUNC(I32TruncF32U, uint32_t, float, f32)
  TRUNC(I32TruncF64S, int32_t, double, f64)
  TRUNC(I32TruncF64U, uint32_t, double, f64)
  UNARY(I64ExtendI32S, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(x))))
  TRUNC(I64TruncF32S, int64_t, float, f32)
  TRUNC(I64TruncF32U, uint64_t, float, f32)
  TRUNC(I64TruncF64S, int64_t, double, f64)
  TRUNC(I64TruncF64U, uint64_t, double, f64)
  UNARY(F32ConvertI32S, bits(static_cast<float>(static_cast<int32_t>(x))))
  UNARY(F32ConvertI32U, bits(static_cast<float>(u32(x))))
  UNARY(F32ConvertI64S, bits(static_cast<float>(static_cast<int64_t>(x))))
  UNARY(F32ConvertI64U, bits(static_cast<float>(x)))
  UNARY(F32DemoteF64, canon(static_cast<float>(f64(x))))
  UNARY(F64ConvertI32S, bits(static_cast<double>(static_cast<int32_t>(x))))
  UNARY(F64ConvertI32U, bits(static_cast<double>(u32(x))))
  UNARY(F64ConvertI64S, bits(static_cast<double>(static_cast<int64_t>(x))))
  UNARY(F64ConvertI64U, bits(static_cast<double>(x)))
  UNARY(F64PromoteF32, canon(static_cast<double>(f32(x))))
  UNARY(I32Extend8S, static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(x))))
  UNARY(I32Extend16S, static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(x))))
  UNARY(I64Extend8S, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(x))))
  UNARY(I64Extend16S, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(x))))
  UNARY(I64Extend32S, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(x))))
  TRUNC_SAT(I32TruncSatF32S, int32_t, float, f32)
  TRUNC_SAT(I32TruncSatF32U, uint32_t, float, f32)
  TRUNC_SAT(I32TruncSatF64S, int32_t, double, f64)
  TRUNC_SAT(I32TruncSatF64U, uint32_t, double, f64)
  TRUNC_SAT(I64TruncSatF32S, int64_t, float, f32)
  TRUNC_SAT(I64TruncSatF32U, uint64_t, float, f32)
  TRUNC_SAT(I64TruncSatF64S, int64_t, double, f64)
  TRUNC_SAT(I64TruncSatF64U, uint64_t, double, f64)

#include "wasm/interpreter_simd.inc"

#if !CHORUS_WASM_THREADED
    case Op::kCount:
      break;
  }
#endif

trapped:
  used_ = limits_.instructions - remaining;
  return trap;
done:
  used_ = limits_.instructions - remaining;
  return Trap::kNone;
}

#if CHORUS_WASM_THREADED
#pragma GCC diagnostic pop
#endif

}  // namespace chorus::wasm
