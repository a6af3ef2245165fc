#include "wasm/register_interpreter.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "wasm/numeric.h"
#include "wasm/register_translate.h"

namespace chorus::wasm {

static_assert(std::endian::native == std::endian::little,
              "memory accesses copy host words as Wasm's little-endian bytes");

#if (defined(__GNUC__) || defined(__clang__)) && !defined(CHORUS_WASM_SWITCH_DISPATCH)
#define CHORUS_WASM_REG_THREADED 1
#else
#define CHORUS_WASM_REG_THREADED 0
#endif

enum class RegisterInterpreter::Trap : uint8_t {
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

using Trap = RegisterInterpreter::Trap;
using numeric::bits;
using numeric::canon;
using numeric::f32;
using numeric::f64;
using numeric::in_bounds;
using numeric::trunc_saturating;
using numeric::u32;
using numeric::wasm_max;
using numeric::wasm_min;

#if CHORUS_WASM_REG_THREADED
const void* const* g_reg_handlers = nullptr;  // set by the first run(nullptr)
#endif

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

}  // namespace

RegisterInterpreter::RegisterInterpreter(const ExecutionLimits& limits) : limits_(limits) {}

Result<CompiledModule> RegisterInterpreter::translate(const Module& module) {
  return translate_registers(module, limits_.metering);
}

void RegisterInterpreter::set_limits(const ExecutionLimits& limits) {
  limits_ = limits;
  if (limits_.stack_slots > stack_size_) stack_.reset();
  if (limits_.call_depth > frames_size_) frames_.reset();
}

void RegisterInterpreter::ensure_stacks() {
  if (!stack_) {
    // Not value-initialised: every slot is written before it is read.
    stack_.reset(new uint64_t[limits_.stack_slots]);
    stack_size_ = limits_.stack_slots;
  }
  if (!frames_) {
    frames_.reset(new Frame[limits_.call_depth + 1]);
    frames_size_ = limits_.call_depth;
  }
}

void RegisterInterpreter::prepare(CompiledModule& code) {
#if CHORUS_WASM_REG_THREADED
  if (code.threaded) return;
  static const bool kHandlersReady = (run(nullptr), g_reg_handlers != nullptr);
  (void)kHandlersReady;
  for (CompiledFunction& f : code.functions) {
    std::span<uint64_t> c = f.code;
    for (size_t i = 0; i < c.size();) {
      size_t n = reg_op_words(&c[i]);
      c[i] = reinterpret_cast<uint64_t>(g_reg_handlers[c[i]]);
      i += n;
    }
  }
  code.threaded = true;
#else
  (void)code;
#endif
}

const char* RegisterInterpreter::message(Trap t) {
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

Result<std::vector<Value>> RegisterInterpreter::invoke(FuncInst& func,
                                                       std::span<const Value> args) {
  if (running_) return Error("the interpreter is already running an execution");
  const FuncType& type = func.type;
  CHORUS_RETURN_IF_ERROR(check_arguments(type, args));
  for (ValType t : type.params) {
    if (t == ValType::kV128) return Error(kRegisterSimdUnsupported);
  }
  ensure_stacks();
  size_t slots = std::max(type.params.size(), type.results.size());
  if (slots > static_cast<size_t>(stack_limit() - stack_.get())) {
    used_ = 0;
    return Error(kTrapCallStackExhausted);
  }
  uint64_t* sp = stack_.get();
  for (const Value& v : args) {
    bool narrow = v.type == ValType::kI32 || v.type == ValType::kF32;
    *sp++ = narrow ? static_cast<uint32_t>(v.bits) : v.bits;
  }
  used_ = 0;
  running_ = true;
  Trap t = func.is_host() ? call_host(func, stack_.get(), nullptr) : run(&func);
  running_ = false;
  if (t == Trap::kHost) return Error(host_error_);
  if (t != Trap::kNone) return Error(message(t));
  std::vector<Value> out;
  out.reserve(type.results.size());
  for (size_t i = 0; i < type.results.size(); ++i) out.push_back({type.results[i], stack_[i]});
  return out;
}

RegisterInterpreter::Trap RegisterInterpreter::call_host(const FuncInst& f, uint64_t* args,
                                                         Instance* caller) {
  size_t np = f.type.params.size(), nr = f.type.results.size();
  if (args + nr > stack_limit()) return Trap::kStackExhausted;
  host_results_.assign(nr, 0);
  Caller c(caller ? memory_of(caller) : nullptr, used_);
  Status s = f.host(c, std::span<const uint64_t>(args, np), std::span<uint64_t>(host_results_));
  if (!s.ok()) {
    host_error_ = s.error().message();
    return Trap::kHost;
  }
  for (size_t i = 0; i < nr; ++i) {
    ValType t = f.type.results[i];
    bool narrow = t == ValType::kI32 || t == ValType::kF32;
    args[i] = narrow ? static_cast<uint32_t>(host_results_[i]) : host_results_[i];
  }
  return Trap::kNone;
}

#if CHORUS_WASM_REG_THREADED
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#define CASE(name) L_##name:
#define NEXT() goto* reinterpret_cast<const void*>(*pc++)
#else
#define CASE(name) case RegOp::k##name:
#define NEXT() goto dispatch
#endif

// In a handler, pc points at the operation's first immediate word; S(k) is the slot named by
// immediate k, J(k) jumps to the target held in immediate k.
#define S(k) fp[pc[k]]
#define J(k) pc += (k) + static_cast<int64_t>(pc[k])

#define TRAP(kind)      \
  do {                  \
    trap = Trap::kind;  \
    goto trapped;       \
  } while (0)

#define REFRESH_MEMORY()                     \
  do {                                       \
    memory = memory_of(inst);                \
    mem = memory ? memory->data() : nullptr; \
    mem_size = memory ? memory->size() : 0;  \
  } while (0)

#define CHARGE(units)                  \
  do {                                 \
    uint64_t u_ = (units);             \
    if (u_ > remaining) TRAP(kLimit);  \
    remaining -= u_;                   \
  } while (0)

// Sets up the frame of |cf| at |nfp|, where its arguments are, and continues at its start.
#define ENTER(cf, nfp)                                                                      \
  do {                                                                                      \
    uint64_t* nfp_ = (nfp);                                                                 \
    if (static_cast<uint64_t>(stack_end - nfp_) <                                           \
        static_cast<uint64_t>((cf)->local_slots) + (cf)->max_operand_slots) {               \
      TRAP(kStackExhausted);                                                                \
    }                                                                                       \
    numeric::zero_locals(nfp_ + (cf)->param_slots, (cf)->local_slots - (cf)->param_slots); \
    fp = nfp_;                                                                              \
    pc = (cf)->code.data();                                                                 \
  } while (0)

// The host address of an access of n bytes at slot address |addr| plus the offset in pc[off].
#define EFFECTIVE(n, addr, off)                                                 \
  uint64_t ea_;                                                                 \
  if (__builtin_add_overflow((addr), pc[off], &ea_) || mem_size < (n) ||        \
      ea_ > mem_size - (n))                                                     \
    TRAP(kMemory);                                                              \
  uint8_t* p = mem + ea_

// The same for a store: every write to linear memory goes through here (dirty-page tracking).
#define EFFECTIVE_STORE(n, addr, off) \
  EFFECTIVE(n, addr, off);            \
  memory->mark_written(ea_, (n))

// Loads: d a o.
#define LOAD(name, T, expr)            \
  CASE(name) {                         \
    EFFECTIVE(sizeof(T), S(1), 2);     \
    T v;                               \
    std::memcpy(&v, p, sizeof(T));     \
    S(0) = (expr);                     \
    pc += 3;                           \
    NEXT();                            \
  }

// Stores: a v o.
#define STORE(name, T)                    \
  CASE(name) {                            \
    T v = static_cast<T>(S(1));           \
    EFFECTIVE_STORE(sizeof(T), S(0), 2);  \
    std::memcpy(p, &v, sizeof(T));        \
    pc += 3;                              \
    NEXT();                               \
  }

// Accesses at u32(fp[a] + k) + o, a wasm32 address: the sum stays below 2^33, so the end of the
// access cannot overflow and one comparison checks it.
#define EFFECTIVE_AC(n)                                              \
  uint64_t ea_ = static_cast<uint64_t>(u32(S(1) + pc[2])) + pc[3];  \
  if (ea_ + (n) > mem_size) TRAP(kMemory);                           \
  uint8_t* p = mem + ea_

// Loads: d a k o.
#define LOAD_AC(name, T, expr)      \
  CASE(name##AC) {                  \
    EFFECTIVE_AC(sizeof(T));        \
    T v;                            \
    std::memcpy(&v, p, sizeof(T));  \
    S(0) = (expr);                  \
    pc += 4;                        \
    NEXT();                         \
  }

// Stores: a k v o.
#define STORE_AC(name, T)                                              \
  CASE(name##AC) {                                                     \
    T v = static_cast<T>(S(2));                                        \
    uint64_t ea_ = static_cast<uint64_t>(u32(S(0) + pc[1])) + pc[3];   \
    if (ea_ + sizeof(T) > mem_size) TRAP(kMemory);                     \
    memory->mark_written(ea_, sizeof(T));                              \
    std::memcpy(mem + ea_, &v, sizeof(T));                             \
    pc += 4;                                                           \
    NEXT();                                                            \
  }

// Binary operations in both forms: d a b (slots) and d a k (immediate). |conv| reads an operand
// from its slot form, |out| turns the result into slot form.
#define BIN(name, conv, out, expr)          \
  CASE(name) {                              \
    auto a = conv(S(1));                    \
    auto b = conv(S(2));                    \
    S(0) = out(expr);                       \
    pc += 3;                                \
    NEXT();                                 \
  }                                         \
  CASE(name##C) {                           \
    auto a = conv(S(1));                    \
    auto b = conv(pc[2]);                   \
    S(0) = out(expr);                       \
    pc += 3;                                \
    NEXT();                                 \
  }
// The same with a check that may trap before the result is written.
#define BIN_CHECKED(name, conv, out, check, expr) \
  CASE(name) {                                    \
    auto a = conv(S(1));                          \
    auto b = conv(S(2));                          \
    check;                                        \
    S(0) = out(expr);                             \
    pc += 3;                                      \
    NEXT();                                       \
  }                                               \
  CASE(name##C) {                                 \
    auto a = conv(S(1));                          \
    auto b = conv(pc[2]);                         \
    check;                                        \
    S(0) = out(expr);                             \
    pc += 3;                                      \
    NEXT();                                       \
  }

#define I32V(x) static_cast<uint32_t>(x)
#define I64V(x) static_cast<uint64_t>(x)
#define S32(x) static_cast<int32_t>(x)
#define S64(x) static_cast<int64_t>(x)
#define AS_U64(x) static_cast<uint64_t>(x)
#define SAME(x) (x)
#define I32_BIN(name, expr) BIN(name, u32, I32V, expr)
#define I64_BIN(name, expr) BIN(name, AS_U64, I64V, expr)
#define F32_BIN(name, expr) BIN(name, f32, SAME, expr)
#define F64_BIN(name, expr) BIN(name, f64, SAME, expr)

// Unary operations: d a.
#define UNARY(name, expr)    \
  CASE(name) {               \
    uint64_t x = S(1);       \
    S(0) = (expr);           \
    pc += 2;                 \
    NEXT();                  \
  }
#define TRUNC(name, I, F, from)                         \
  CASE(name) {                                          \
    uint64_t r_ = 0;                                    \
    Trap t_ = trunc_trapping<I, F>(from(S(1)), r_);     \
    if (t_ != Trap::kNone) {                            \
      trap = t_;                                        \
      goto trapped;                                     \
    }                                                   \
    S(0) = r_;                                          \
    pc += 2;                                            \
    NEXT();                                             \
  }
#define TRUNC_SAT(name, I, F, from) UNARY(name, (trunc_saturating<I, F>(from(x))))

// Compare-and-branch: a b t and a k t.
#define CMP_BR_IF(name, cond)     \
  CASE(name##BrIf) {              \
    uint32_t a = u32(S(0));       \
    uint32_t b = u32(S(1));       \
    if (cond) {                   \
      J(2);                       \
    } else {                      \
      pc += 3;                    \
    }                             \
    NEXT();                       \
  }                               \
  CASE(name##BrIfC) {             \
    uint32_t a = u32(S(0));       \
    uint32_t b = u32(pc[1]);      \
    if (cond) {                   \
      J(2);                       \
    } else {                      \
      pc += 3;                    \
    }                             \
    NEXT();                       \
  }

RegisterInterpreter::Trap RegisterInterpreter::run(const FuncInst* entry) {
#if CHORUS_WASM_REG_THREADED
  static const void* const kHandlers[] = {
#define CHORUS_WASM_REG_LABEL(name, imm) &&L_##name,
#define CHORUS_WASM_REG_LABEL_CMP(name) &&L_##name##BrIf, &&L_##name##BrIfC,
#define CHORUS_WASM_REG_LABEL_U(name) &&L_##name,
#define CHORUS_WASM_REG_LABEL_B(name) &&L_##name, &&L_##name##C,
#define CHORUS_WASM_REG_LABEL_N(name)
#define CHORUS_WASM_REG_LABEL_NUM(name, kind) CHORUS_WASM_REG_LABEL_##kind(name)
      CHORUS_WASM_REG_CONTROL_OPS(CHORUS_WASM_REG_LABEL)
      CHORUS_WASM_REG_CMP_OPS(CHORUS_WASM_REG_LABEL_CMP)
      CHORUS_WASM_REG_NUMERIC_OPS(CHORUS_WASM_REG_LABEL_NUM)
      CHORUS_WASM_REG_SAT_OPS(CHORUS_WASM_REG_LABEL_U)
#undef CHORUS_WASM_REG_LABEL
#undef CHORUS_WASM_REG_LABEL_CMP
#undef CHORUS_WASM_REG_LABEL_U
#undef CHORUS_WASM_REG_LABEL_B
#undef CHORUS_WASM_REG_LABEL_N
#undef CHORUS_WASM_REG_LABEL_NUM
  };
  static_assert(std::size(kHandlers) == static_cast<size_t>(RegOp::kCount));
  if (entry == nullptr) {
    g_reg_handlers = kHandlers;
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
  uint64_t* fp = stack_.get();
  uint64_t* nfp = fp;  // where the callee's frame starts
  const FuncInst* callee = entry;
  const CompiledFunction* funcs = nullptr;  // of the current instance's module

enter : {
  if (callee->instance != inst) {
    inst = callee->instance;
    funcs = inst->code->functions.data();
    REFRESH_MEMORY();
  }
  const CompiledFunction* cf = funcs + callee->index;
  ENTER(cf, nfp);
#if CHORUS_WASM_REG_THREADED
  NEXT();
#endif
}

#if !CHORUS_WASM_REG_THREADED
dispatch:
  switch (static_cast<RegOp>(*pc++)) {
#endif

  CASE(Unreachable) { TRAP(kUnreachable); }
  CASE(Charge) {
    uint64_t c = pc[0];
    if (c > remaining) TRAP(kLimit);
    remaining -= c;
    pc += 1;
    NEXT();
  }
  CASE(Jump) {
    J(0);
    NEXT();
  }
  CASE(BrIf) {
    if (u32(S(0)) != 0) {
      J(1);
    } else {
      pc += 2;
    }
    NEXT();
  }
  CASE(BrIfEqz) {
    if (u32(S(0)) == 0) {
      J(1);
    } else {
      pc += 2;
    }
    NEXT();
  }
  CMP_BR_IF(I32Eq, a == b)
  CMP_BR_IF(I32Ne, a != b)
  CMP_BR_IF(I32LtS, static_cast<int32_t>(a) < static_cast<int32_t>(b))
  CMP_BR_IF(I32LtU, a < b)
  CMP_BR_IF(I32GtS, static_cast<int32_t>(a) > static_cast<int32_t>(b))
  CMP_BR_IF(I32GtU, a > b)
  CMP_BR_IF(I32LeS, static_cast<int32_t>(a) <= static_cast<int32_t>(b))
  CMP_BR_IF(I32LeU, a <= b)
  CMP_BR_IF(I32GeS, static_cast<int32_t>(a) >= static_cast<int32_t>(b))
  CMP_BR_IF(I32GeU, a >= b)
  CASE(BrTable) {
    // a n src, then (t keep dst) per label.
    uint64_t n = pc[1];
    uint64_t i = u32(S(0));
    if (i > n) i = n;
    const uint64_t* e = pc + 3 + i * 3;
    uint64_t keep = e[1];
    uint64_t* src = fp + pc[2];
    uint64_t* dst = fp + e[2];
    if (src != dst) {
      for (uint64_t k = 0; k < keep; ++k) dst[k] = src[k];
    }
    pc = e + static_cast<int64_t>(e[0]);
    NEXT();
  }
  CASE(Return) {
    uint64_t n = pc[0];
    const uint64_t* src = fp + pc[1];
    if (src != fp) {
      for (uint64_t k = 0; k < n; ++k) fp[k] = src[k];
    }
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
    nfp = fp + pc[1];
    pc += 2;
  do_call:
    if (callee->is_host()) {
      used_ = limits_.instructions - remaining;
      Trap t = call_host(*callee, nfp, inst);
      if (t != Trap::kNone) {
        trap = t;
        goto trapped;
      }
      REFRESH_MEMORY();
      NEXT();
    }
    if (depth >= max_depth) TRAP(kStackExhausted);
    frames[depth++] = Frame{pc, fp, inst};
    goto enter;
  }
  CASE(CallInternal) {
    const CompiledFunction* cf = funcs + pc[0];
    uint64_t* callee_fp = fp + pc[1];
    pc += 2;
    if (depth >= max_depth) TRAP(kStackExhausted);
    frames[depth++] = Frame{pc, fp, inst};
    ENTER(cf, callee_fp);
    NEXT();
  }
  CASE(CallIndirect) {
    // type table a base
    const TableInst* table = inst->tables[pc[1]];
    uint64_t i = S(2);
    if (i >= table->elems.size()) TRAP(kUndefinedElement);
    callee = reinterpret_cast<const FuncInst*>(table->elems[i]);
    if (callee == nullptr) TRAP(kUninitializedElement);
    if (callee->type_id != inst->type_ids[pc[0]]) TRAP(kIndirectCallType);
    nfp = fp + pc[3];
    pc += 4;
    goto do_call;
  }
  CASE(Copy) {
    S(0) = S(1);
    pc += 2;
    NEXT();
  }
  CASE(Const) {
    S(0) = pc[1];
    pc += 2;
    NEXT();
  }
  CASE(Select) {
    S(0) = u32(S(3)) != 0 ? S(1) : S(2);
    pc += 4;
    NEXT();
  }
  CASE(GlobalGet) {
    S(0) = inst->globals[pc[1]]->value;
    pc += 2;
    NEXT();
  }
  CASE(GlobalSet) {
    inst->globals[pc[1]]->value = S(0);
    pc += 2;
    NEXT();
  }
  CASE(TableGet) {
    const TableInst* t = inst->tables[pc[2]];
    uint64_t i = S(1);
    if (i >= t->elems.size()) TRAP(kTable);
    S(0) = t->elems[i];
    pc += 3;
    NEXT();
  }
  CASE(TableSet) {
    TableInst* t = inst->tables[pc[2]];
    uint64_t i = S(0), v = S(1);
    if (i >= t->elems.size()) TRAP(kTable);
    t->before_write();
    t->elems[i] = v;
    pc += 3;
    NEXT();
  }
  CASE(TableSize) {
    S(0) = inst->tables[pc[1]]->elems.size();
    pc += 2;
    NEXT();
  }
  CASE(TableGrow) {
    // d init n table
    TableInst* t = inst->tables[pc[3]];
    uint64_t init = S(1), n = S(2);
    uint64_t max = std::min(t->type.limits.max.value_or(kMaxTableSize), kMaxTableSize);
    uint64_t size = t->elems.size();
    if (n <= max - std::min(max, size)) CHARGE(n);
    std::optional<uint64_t> old = t->grow(n, init);
    S(0) = old ? *old : (t->type.limits.is64 ? ~uint64_t{0} : uint64_t{0xFFFFFFFF});
    pc += 4;
    NEXT();
  }
  CASE(TableFill) {
    // i v n table
    TableInst* t = inst->tables[pc[3]];
    uint64_t i = S(0), v = S(1), n = S(2);
    CHARGE(n);
    if (!in_bounds(i, n, t->elems.size())) TRAP(kTable);
    if (n > 0) t->before_write();
    std::fill_n(t->elems.begin() + static_cast<ptrdiff_t>(i), n, v);
    pc += 4;
    NEXT();
  }
  CASE(TableCopy) {
    // d s n dst src
    TableInst* dst = inst->tables[pc[3]];
    const TableInst* src = inst->tables[pc[4]];
    uint64_t d = S(0), s = S(1), n = S(2);
    CHARGE(n);
    if (!in_bounds(s, n, src->elems.size()) || !in_bounds(d, n, dst->elems.size())) TRAP(kTable);
    if (n > 0) {
      dst->before_write();
      std::memmove(&dst->elems[d], &src->elems[s], n * sizeof(uint64_t));
    }
    pc += 5;
    NEXT();
  }
  CASE(TableInit) {
    // d s n seg table
    const std::vector<uint64_t>& seg = inst->elements[pc[3]];
    TableInst* t = inst->tables[pc[4]];
    uint64_t d = S(0), s = u32(S(1)), n = u32(S(2));
    CHARGE(n);
    if (!in_bounds(s, n, seg.size()) || !in_bounds(d, n, t->elems.size())) TRAP(kTable);
    if (n > 0) {
      t->before_write();
      std::memcpy(&t->elems[d], &seg[s], n * sizeof(uint64_t));
    }
    pc += 5;
    NEXT();
  }
  CASE(ElemDrop) {
    inst->elements[pc[0]] = {};
    pc += 1;
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
  LOAD_AC(Load32, uint32_t, v)
  LOAD_AC(Load64, uint64_t, v)
  LOAD_AC(I32Load8S, int8_t, static_cast<uint32_t>(static_cast<int32_t>(v)))
  LOAD_AC(I32Load8U, uint8_t, v)
  LOAD_AC(I32Load16S, int16_t, static_cast<uint32_t>(static_cast<int32_t>(v)))
  LOAD_AC(I32Load16U, uint16_t, v)
  LOAD_AC(I64Load8S, int8_t, static_cast<uint64_t>(static_cast<int64_t>(v)))
  LOAD_AC(I64Load16S, int16_t, static_cast<uint64_t>(static_cast<int64_t>(v)))
  LOAD_AC(I64Load32S, int32_t, static_cast<uint64_t>(static_cast<int64_t>(v)))
  STORE_AC(Store8, uint8_t)
  STORE_AC(Store16, uint16_t)
  STORE_AC(Store32, uint32_t)
  STORE_AC(Store64, uint64_t)
  CASE(MemorySize) {
    S(0) = mem_size / kPageSize;
    pc += 1;
    NEXT();
  }
  CASE(MemoryGrow) {
    MemoryInst* m = memory;
    uint64_t n = S(1);
    uint64_t max = m->max_pages();
    uint64_t pages = m->pages();
    // Only a growth that will happen is charged per page.
    if (pages <= max && n <= max - pages) {
      if (n > remaining / kCostGrowPerPage) TRAP(kLimit);
      remaining -= n * kCostGrowPerPage;
    }
    std::optional<uint64_t> old = m->grow(n);
    S(0) = old ? *old : (m->type().limits.is64 ? ~uint64_t{0} : uint64_t{0xFFFFFFFF});
    REFRESH_MEMORY();
    pc += 2;
    NEXT();
  }
  CASE(MemoryFill) {
    uint64_t d = S(0), v = S(1), n = S(2);
    CHARGE(n / kBulkBytesPerUnit);
    if (!in_bounds(d, n, mem_size)) TRAP(kMemory);
    if (n > 0) {
      memory->mark_written(d, n);
      std::memset(mem + d, static_cast<uint8_t>(v), n);
    }
    pc += 3;
    NEXT();
  }
  CASE(MemoryCopy) {
    uint64_t d = S(0), s = S(1), n = S(2);
    CHARGE(n / kBulkBytesPerUnit);
    if (!in_bounds(s, n, mem_size) || !in_bounds(d, n, mem_size)) TRAP(kMemory);
    if (n > 0) {
      memory->mark_written(d, n);
      std::memmove(mem + d, mem + s, n);
    }
    pc += 3;
    NEXT();
  }
  CASE(MemoryInit) {
    ByteView seg = inst->data[pc[3]];
    uint64_t d = S(0), s = u32(S(1)), n = u32(S(2));
    CHARGE(n / kBulkBytesPerUnit);
    if (!in_bounds(s, n, seg.size()) || !in_bounds(d, n, mem_size)) TRAP(kMemory);
    if (n > 0) {
      memory->mark_written(d, n);
      std::memcpy(mem + d, seg.data() + s, n);
    }
    pc += 4;
    NEXT();
  }
  CASE(DataDrop) {
    inst->data[pc[0]] = {};
    pc += 1;
    NEXT();
  }
  CASE(RefFunc) {
    S(0) = reinterpret_cast<uint64_t>(inst->funcs[pc[1]]);
    pc += 2;
    NEXT();
  }

  UNARY(I32Eqz, u32(x) == 0)
  I32_BIN(I32Eq, a == b)
  I32_BIN(I32Ne, a != b)
  I32_BIN(I32LtS, S32(a) < S32(b))
  I32_BIN(I32LtU, a < b)
  I32_BIN(I32GtS, S32(a) > S32(b))
  I32_BIN(I32GtU, a > b)
  I32_BIN(I32LeS, S32(a) <= S32(b))
  I32_BIN(I32LeU, a <= b)
  I32_BIN(I32GeS, S32(a) >= S32(b))
  I32_BIN(I32GeU, a >= b)
  UNARY(I64Eqz, x == 0)
  I64_BIN(I64Eq, a == b)
  I64_BIN(I64Ne, a != b)
  I64_BIN(I64LtS, S64(a) < S64(b))
  I64_BIN(I64LtU, a < b)
  I64_BIN(I64GtS, S64(a) > S64(b))
  I64_BIN(I64GtU, a > b)
  I64_BIN(I64LeS, S64(a) <= S64(b))
  I64_BIN(I64LeU, a <= b)
  I64_BIN(I64GeS, S64(a) >= S64(b))
  I64_BIN(I64GeU, a >= b)
  BIN(F32Eq, f32, I32V, a == b)
  BIN(F32Ne, f32, I32V, a != b)
  BIN(F32Lt, f32, I32V, a < b)
  BIN(F32Gt, f32, I32V, a > b)
  BIN(F32Le, f32, I32V, a <= b)
  BIN(F32Ge, f32, I32V, a >= b)
  BIN(F64Eq, f64, I32V, a == b)
  BIN(F64Ne, f64, I32V, a != b)
  BIN(F64Lt, f64, I32V, a < b)
  BIN(F64Gt, f64, I32V, a > b)
  BIN(F64Le, f64, I32V, a <= b)
  BIN(F64Ge, f64, I32V, a >= b)

  UNARY(I32Clz, static_cast<uint64_t>(std::countl_zero(u32(x))))
  UNARY(I32Ctz, static_cast<uint64_t>(std::countr_zero(u32(x))))
  UNARY(I32Popcnt, static_cast<uint64_t>(std::popcount(u32(x))))
  I32_BIN(I32Add, a + b)
  I32_BIN(I32Sub, a - b)
  I32_BIN(I32Mul, a * b)
  BIN_CHECKED(I32DivS, u32, I32V,
              if (b == 0) TRAP(kDivideByZero);
              if (S32(a) == std::numeric_limits<int32_t>::min() && S32(b) == -1)
                  TRAP(kIntegerOverflow),
              S32(a) / S32(b))
  BIN_CHECKED(I32DivU, u32, I32V, if (b == 0) TRAP(kDivideByZero), a / b)
  BIN_CHECKED(I32RemS, u32, I32V, if (b == 0) TRAP(kDivideByZero),
              S32(b) == -1 ? 0 : S32(a) % S32(b))
  BIN_CHECKED(I32RemU, u32, I32V, if (b == 0) TRAP(kDivideByZero), a % b)
  I32_BIN(I32And, a & b)
  I32_BIN(I32Or, a | b)
  I32_BIN(I32Xor, a ^ b)
  I32_BIN(I32Shl, a << (b & 31))
  I32_BIN(I32ShrS, S32(a) >> (b & 31))
  I32_BIN(I32ShrU, a >> (b & 31))
  I32_BIN(I32Rotl, std::rotl(a, static_cast<int>(b & 31)))
  I32_BIN(I32Rotr, std::rotr(a, static_cast<int>(b & 31)))

  UNARY(I64Clz, static_cast<uint64_t>(std::countl_zero(x)))
  UNARY(I64Ctz, static_cast<uint64_t>(std::countr_zero(x)))
  UNARY(I64Popcnt, static_cast<uint64_t>(std::popcount(x)))
  I64_BIN(I64Add, a + b)
  I64_BIN(I64Sub, a - b)
  I64_BIN(I64Mul, a * b)
  BIN_CHECKED(I64DivS, AS_U64, I64V,
              if (b == 0) TRAP(kDivideByZero);
              if (S64(a) == std::numeric_limits<int64_t>::min() && S64(b) == -1)
                  TRAP(kIntegerOverflow),
              S64(a) / S64(b))
  BIN_CHECKED(I64DivU, AS_U64, I64V, if (b == 0) TRAP(kDivideByZero), a / b)
  BIN_CHECKED(I64RemS, AS_U64, I64V, if (b == 0) TRAP(kDivideByZero),
              S64(b) == -1 ? 0 : S64(a) % S64(b))
  BIN_CHECKED(I64RemU, AS_U64, I64V, if (b == 0) TRAP(kDivideByZero), a % b)
  I64_BIN(I64And, a & b)
  I64_BIN(I64Or, a | b)
  I64_BIN(I64Xor, a ^ b)
  I64_BIN(I64Shl, a << (b & 63))
  I64_BIN(I64ShrS, S64(a) >> (b & 63))
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

#if !CHORUS_WASM_REG_THREADED
    case RegOp::kCount:
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

#if CHORUS_WASM_REG_THREADED
#pragma GCC diagnostic pop
#endif

}  // namespace chorus::wasm
