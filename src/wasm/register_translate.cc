#include "wasm/register_translate.h"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "wasm/decoder.h"
#include "wasm/reader.h"
#include "wasm/runtime.h"

namespace chorus::wasm {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

constexpr uint64_t op(RegOp o) { return static_cast<uint64_t>(o); }

constexpr uint8_t kImmediates[] = {
#define CHORUS_WASM_REG_IMM(name, imm) imm,
#define CHORUS_WASM_REG_IMM_CMP(name) 3, 3,
#define CHORUS_WASM_REG_IMM_U(name) 2,
#define CHORUS_WASM_REG_IMM_B(name) 3, 3,
#define CHORUS_WASM_REG_IMM_N(name)
#define CHORUS_WASM_REG_IMM_NUM(name, kind) CHORUS_WASM_REG_IMM_##kind(name)
    CHORUS_WASM_REG_CONTROL_OPS(CHORUS_WASM_REG_IMM)
    CHORUS_WASM_REG_CMP_OPS(CHORUS_WASM_REG_IMM_CMP)
    CHORUS_WASM_REG_NUMERIC_OPS(CHORUS_WASM_REG_IMM_NUM)
    CHORUS_WASM_REG_SAT_OPS(CHORUS_WASM_REG_IMM_U)
#undef CHORUS_WASM_REG_IMM
#undef CHORUS_WASM_REG_IMM_CMP
#undef CHORUS_WASM_REG_IMM_U
#undef CHORUS_WASM_REG_IMM_B
#undef CHORUS_WASM_REG_IMM_N
#undef CHORUS_WASM_REG_IMM_NUM
};
static_assert(std::size(kImmediates) == static_cast<size_t>(RegOp::kCount));

// How each numeric opcode 0x45..0xC4 translates: its operation (kCount for none) and arity.
struct NumericOp {
  RegOp op = RegOp::kCount;
  bool binary = false;
};
struct NumericTable {
  NumericOp ops[0xC5 - 0x45];
  constexpr NumericTable() {
    int i = 0;
#define CHORUS_WASM_REG_TAB_U(name) ops[i++] = {RegOp::k##name, false};
#define CHORUS_WASM_REG_TAB_B(name) ops[i++] = {RegOp::k##name, true};
#define CHORUS_WASM_REG_TAB_N(name) ops[i++] = {RegOp::kCount, false};
#define CHORUS_WASM_REG_TAB(name, kind) CHORUS_WASM_REG_TAB_##kind(name)
    CHORUS_WASM_REG_NUMERIC_OPS(CHORUS_WASM_REG_TAB)
#undef CHORUS_WASM_REG_TAB
#undef CHORUS_WASM_REG_TAB_U
#undef CHORUS_WASM_REG_TAB_B
#undef CHORUS_WASM_REG_TAB_N
  }
};
constexpr NumericTable kNumeric;
static_assert(kNumeric.ops[0xC4 - 0x45].op == RegOp::kI64Extend32S);
static_assert(kNumeric.ops[0xAD - 0x45].op == RegOp::kCount);
static_assert(kNumeric.ops[0x6A - 0x45].op == RegOp::kI32Add);

bool commutative(RegOp o) {
  switch (o) {
    case RegOp::kI32Eq: case RegOp::kI32Ne: case RegOp::kI32Add: case RegOp::kI32Mul:
    case RegOp::kI32And: case RegOp::kI32Or: case RegOp::kI32Xor: case RegOp::kI64Eq:
    case RegOp::kI64Ne: case RegOp::kI64Add: case RegOp::kI64Mul: case RegOp::kI64And:
    case RegOp::kI64Or: case RegOp::kI64Xor:
      return true;
    default:
      return false;
  }
}

// The index (0..9) of an i32 comparison in CHORUS_WASM_REG_CMP_OPS, and whether it is the
// immediate form; -1 for other operations.
int comparison_index(uint64_t o, bool& immediate) {
  if (o < op(RegOp::kI32Eq) || o > op(RegOp::kI32GeUC)) return -1;
  uint64_t k = o - op(RegOp::kI32Eq);
  immediate = (k & 1) != 0;
  return static_cast<int>(k / 2);
}
static_assert(op(RegOp::kI32GeUC) - op(RegOp::kI32Eq) == 19);
static_assert(op(RegOp::kI32GeUBrIfC) - op(RegOp::kI32EqBrIf) == 19);
// eq<->ne, lt_s<->ge_s, lt_u<->ge_u, gt_s<->le_s, gt_u<->le_u
constexpr int kInverse[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};

uint64_t cost_of_numeric(uint8_t b) {
  if ((b >= 0x6D && b <= 0x70) || (b >= 0x7F && b <= 0x82) || b == 0x91 || b == 0x95 ||
      b == 0x9F || b == 0xA3) {
    return kCostDivision;
  }
  return kCostDefault;
}

struct Entry {
  // kAddConst: u32(slot + k), an i32.add not yet emitted; the slot is a local's or the entry's own
  // temp slot.
  enum Kind : uint8_t { kTemp, kLocal, kConst, kAddConst };
  Kind kind = kTemp;
  uint64_t value = 0;  // kLocal, kAddConst: the local's slot; kConst: the constant in slot form
  uint64_t k = 0;      // kAddConst
  bool reads(uint64_t local) const {
    return (kind == kLocal || kind == kAddConst) && value == local;
  }
};

struct Control {
  uint32_t height = 0;  // stack height below the block's parameters
  uint32_t params = 0;
  uint32_t results = 0;
  bool dead = false;          // the rest of the block is unreachable
  bool owns_dead = false;     // it became dead itself (not by an enclosing dead block)
  size_t dead_from = 0;       // code size when it became dead
};

struct Scratch {
  std::vector<uint64_t> code;
  std::vector<uint32_t> map;
  std::vector<std::pair<size_t, uint32_t>> fixups;
  std::vector<uint32_t> local_slot;
  std::vector<Entry> stack;
  std::vector<Control> control;
};

class RegisterTranslator {
 public:
  RegisterTranslator(const Module& m, const std::vector<uint32_t>& func_types, const Function& f,
                     Scratch& s, CodeArena& arena)
      : m_(m),
        func_types_(func_types),
        f_(f),
        type_(m.types[f.type_index]),
        in_(m.view(f.body), f.body.offset),
        arena_(arena),
        code_(s.code),
        map_(s.map),
        fixups_(s.fixups),
        local_slot_(s.local_slot),
        stack_(s.stack),
        control_(s.control) {
    for (const Import& im : m.imports) {
      if (im.kind == ExternKind::kMemory) {
        memory64_ = im.memory.limits.is64;
        break;
      }
    }
    if (m.imported_memories == 0 && !m.memories.empty()) {
      memory64_ = m.memories[0].type.limits.is64;
    }
    code_.clear();
    map_.assign(f.body.size + 1, kNone);
    fixups_.clear();
    local_slot_.clear();
    stack_.clear();
    control_.clear();
  }

  Result<CompiledFunction> run(bool metering) {
    metering_ = metering;
    for (ValType t : type_.params) CHORUS_RETURN_IF_ERROR(add_local(t));
    out_.param_slots = locals_;
    for (const LocalRun& r : f_.locals) {
      if (r.type == ValType::kV128) return Error(kRegisterSimdUnsupported);
      for (uint32_t i = 0; i < r.count; ++i) CHORUS_RETURN_IF_ERROR(add_local(r.type));
    }
    out_.local_slots = locals_;
    for (ValType t : type_.results) {
      if (t == ValType::kV128) return Error(kRegisterSimdUnsupported);
    }
    out_.result_slots = static_cast<uint32_t>(type_.results.size());
    out_.max_operand_slots = f_.info.max_stack_slots;
    control_.push_back(Control{0, 0, out_.result_slots});
    while (!done_) CHORUS_RETURN_IF_ERROR(instruction());
    for (const auto& [at, target] : fixups_) {
      if (target >= map_.size() || map_[target] == kNone) {
        return Error("translation: branch to a body offset that starts no instruction");
      }
      code_[at] =
          static_cast<uint64_t>(static_cast<int64_t>(map_[target]) - static_cast<int64_t>(at));
    }
    out_.code = arena_.allocate(code_.size());
    std::copy(code_.begin(), code_.end(), out_.code.begin());
    return std::move(out_);
  }

 private:
  Status add_local(ValType t) {
    if (t == ValType::kV128) return Error(kRegisterSimdUnsupported);
    local_slot_.push_back(locals_++);
    return ok_status();
  }

  // Metering, exactly as translate.cc does it (see there).
  void begin(uint32_t pc, uint64_t cost) {
    map_[pc] = static_cast<uint32_t>(code_.size());
    if (cost == 0 || !metering_) return;
    if (charge_at_ == kNone) {
      code_.push_back(op(RegOp::kCharge));
      charge_at_ = static_cast<uint32_t>(code_.size());
      code_.push_back(0);
      last_result_ = kNone;
    }
    code_[charge_at_] += cost;
  }
  void end_block() {
    charge_at_ = kNone;
    last_result_ = kNone;
  }

  // --- the virtual stack
  uint32_t height() const { return static_cast<uint32_t>(stack_.size()); }
  uint32_t temp(uint32_t pos) const { return locals_ + pos; }
  bool dead() const { return control_.back().dead; }
  // Pops the top entry and tells its position. Below the block's base (only in unreachable code,
  // where the stack is polymorphic) it yields a placeholder; that code is dropped anyway.
  Entry pop(uint32_t& pos) {
    if (stack_.size() <= control_.back().height) {
      pos = height();
      return Entry{};
    }
    pos = height() - 1;
    Entry e = stack_.back();
    stack_.pop_back();
    return e;
  }
  Entry pop() {
    uint32_t pos;
    return pop(pos);
  }
  // Pushes a temp for the result of the operation about to be emitted; returns its slot.
  uint32_t push_result() {
    uint32_t pos = height();
    stack_.push_back(Entry{});
    return temp(pos);
  }
  // Emits the copy of a pending entry into slot |dst| (nothing for a temp).
  void emit_copy(uint32_t dst, const Entry& e) {
    if (e.kind == Entry::kLocal) {
      emit(RegOp::kCopy, dst, e.value);
    } else if (e.kind == Entry::kConst) {
      emit(RegOp::kConst, dst, e.value);
    } else if (e.kind == Entry::kAddConst) {
      emit(RegOp::kI32AddC, dst, e.value, e.k);
    }
  }
  void materialize(uint32_t pos) {
    Entry& e = stack_[pos];
    if (e.kind == Entry::kTemp) return;
    Entry copy = e;
    e = Entry{};
    emit_copy(temp(pos), copy);
  }
  void materialize_all() {
    for (uint32_t i = 0; i < height(); ++i) materialize(i);
  }
  void materialize_top(uint32_t n) {
    for (uint32_t i = height() - n; i < height(); ++i) materialize(i);
  }
  bool references(uint32_t local) const {
    for (const Entry& e : stack_) {
      if (e.reads(local)) return true;
    }
    return false;
  }
  void materialize_local(uint32_t local) {
    for (uint32_t i = 0; i < height(); ++i) {
      if (stack_[i].reads(local)) materialize(i);
    }
  }
  // The slot to read an entry at |pos| from (a constant is first written to the position's slot).
  uint32_t read_slot(Entry& e, uint32_t pos) {
    if (e.kind == Entry::kLocal) return static_cast<uint32_t>(e.value);
    if (e.kind != Entry::kTemp) {
      emit_copy(temp(pos), e);
      e = Entry{};
    }
    return temp(pos);
  }
  uint32_t pop_slot() {
    uint32_t pos;
    Entry e = pop(pos);
    return read_slot(e, pos);
  }

  // --- emission
  void emit_op(RegOp o) {
    last_op_at_ = code_.size();
    last_result_ = kNone;
    code_.push_back(op(o));
  }
  template <typename... Words>
  void emit(RegOp o, Words... words) {
    emit_op(o);
    (code_.push_back(static_cast<uint64_t>(words)), ...);
  }
  // Emits |o| whose first immediate is the result slot of a new top entry, then |words|.
  template <typename... Words>
  void emit_result(RegOp o, Words... words) {
    uint32_t pos = height();
    uint32_t d = push_result();
    emit(o, d, words...);
    last_result_ = static_cast<uint32_t>(last_op_at_ + 1);
    last_result_pos_ = pos;
  }
  // True when the top entry is the result of the operation just emitted, whose destination word
  // may still be changed.
  bool top_is_last_result() const {
    return last_result_ != kNone && !stack_.empty() && last_result_pos_ == height() - 1 &&
           stack_.back().kind == Entry::kTemp && last_result_ == last_op_at_ + 1;
  }
  void emit_target(uint32_t body_target) {
    fixups_.emplace_back(code_.size(), body_target);
    code_.push_back(0);
  }
  const BranchEntry& next_branch() { return f_.info.side_table[side_++]; }
  void go_dead() {
    Control& c = control_.back();
    if (!c.dead) {
      c.dead = true;
      c.owns_dead = true;
      c.dead_from = code_.size();
    }
    stack_.resize(c.height);
  }
  // Drops the code emitted since the innermost block became unreachable.
  void drop_dead_code() {
    Control& c = control_.back();
    if (!c.owns_dead) return;
    code_.resize(c.dead_from);
    while (!fixups_.empty() && fixups_.back().first >= c.dead_from) fixups_.pop_back();
    last_result_ = kNone;
    last_op_at_ = kNone;
  }

  Result<uint64_t> memarg() {
    CHORUS_ASSIGN_OR_RETURN(uint32_t flags, in_.u32());
    if (flags & 0x40) CHORUS_RETURN_IF_ERROR(in_.u32());
    return in_.u64();
  }
  Status block_type(uint32_t& params, uint32_t& results) {
    CHORUS_ASSIGN_OR_RETURN(int64_t bt, in_.s33());
    if (bt >= 0) {
      const FuncType& t = m_.types[static_cast<size_t>(bt)];
      for (ValType v : t.params) {
        if (v == ValType::kV128) return Error(kRegisterSimdUnsupported);
      }
      for (ValType v : t.results) {
        if (v == ValType::kV128) return Error(kRegisterSimdUnsupported);
      }
      params = static_cast<uint32_t>(t.params.size());
      results = static_cast<uint32_t>(t.results.size());
      return ok_status();
    }
    params = 0;
    uint8_t code = static_cast<uint8_t>(bt & 0x7F);
    if (code == 0x40) {
      results = 0;
    } else if (code == static_cast<uint8_t>(ValType::kV128)) {
      return Error(kRegisterSimdUnsupported);
    } else {
      results = 1;
    }
    return ok_status();
  }
  void push_control(uint32_t params, uint32_t results) {
    bool d = dead();
    uint32_t base = height() - std::min(params, height());
    control_.push_back(Control{base, params, results, d, false, 0});
  }

  Status instruction();
  Status prefixed(uint32_t pc);
  Status numeric(uint32_t pc, uint8_t b);
  void binary(RegOp o);
  void load(RegOp o, uint64_t offset);
  void store(RegOp o, uint64_t offset);
  void local_set(uint32_t local, bool tee);
  // Whether taking |e| must copy the values it carries to the target's slots; the copies.
  bool branch_moves_needed(const BranchEntry& e) const;
  void emit_branch_moves(const BranchEntry& e);
  // A conditional branch on the (already popped) condition |cond| at |cond_pos|.
  void conditional_branch(Entry cond, uint32_t cond_pos, bool inverted, uint32_t body_target);

  const Module& m_;
  bool memory64_ = false;  // memory 0 takes i64 addresses
  const std::vector<uint32_t>& func_types_;  // the type index of every function, imports first
  const Function& f_;
  const FuncType& type_;
  Reader in_;
  CompiledFunction out_;
  CodeArena& arena_;
  std::vector<uint64_t>& code_;
  std::vector<uint32_t>& map_;
  std::vector<std::pair<size_t, uint32_t>>& fixups_;
  std::vector<uint32_t>& local_slot_;
  std::vector<Entry>& stack_;
  std::vector<Control>& control_;
  uint32_t locals_ = 0;
  size_t side_ = 0;
  size_t note_ = 0;
  bool metering_ = true;
  uint32_t charge_at_ = kNone;
  size_t last_op_at_ = kNone;
  uint32_t last_result_ = kNone;  // the code index of the last operation's result word
  uint32_t last_result_pos_ = 0;
  bool done_ = false;
};

void RegisterTranslator::binary(RegOp o) {
  uint32_t pb, pa;
  Entry b = pop(pb);
  Entry a = pop(pa);
  if (a.kind == Entry::kConst && b.kind != Entry::kConst && commutative(o)) {
    std::swap(a, b);
    std::swap(pa, pb);
  }
  // Operands are read from pa's and pb's slots or elsewhere, never from above the result.
  if (o == RegOp::kI32Add && b.kind == Entry::kConst && !dead()) {
    // A temp base stays in its own slot, which only this entry may overwrite.
    if (a.kind == Entry::kLocal) {
      stack_.push_back(Entry{Entry::kAddConst, a.value, b.value});
      return;
    }
    // Only when the temp is the lower operand: after the swap above it sits one position up,
    // where the next value pushed would overwrite it while this entry still reads it.
    if (a.kind == Entry::kTemp && pa < pb) {
      stack_.push_back(Entry{Entry::kAddConst, temp(pa), b.value});
      last_result_ = kNone;
      return;
    }
  }
  if (b.kind == Entry::kConst) {
    uint32_t sa = read_slot(a, pa);
    emit_result(static_cast<RegOp>(op(o) + 1), sa, b.value);
  } else {
    uint32_t sa = read_slot(a, pa);
    uint32_t sb = read_slot(b, pb);
    emit_result(o, sa, sb);
  }
}

// The address-plus-constant forms follow the plain loads and stores in the same order.
static_assert(op(RegOp::kI64Load32SAC) - op(RegOp::kLoad32AC) ==
              op(RegOp::kI64Load32S) - op(RegOp::kLoad32));
static_assert(op(RegOp::kStore64AC) - op(RegOp::kStore8AC) ==
              op(RegOp::kStore64) - op(RegOp::kStore8));

void RegisterTranslator::load(RegOp o, uint64_t offset) {
  uint32_t pos;
  Entry a = pop(pos);
  if (a.kind == Entry::kAddConst) {
    RegOp fused = static_cast<RegOp>(op(RegOp::kLoad32AC) + (op(o) - op(RegOp::kLoad32)));
    emit_result(fused, a.value, a.k, offset);
    return;
  }
  uint32_t sa = read_slot(a, pos);
  if (!memory64_) {
    // A wasm32 address: the form with one bounds comparison.
    emit_result(static_cast<RegOp>(op(RegOp::kLoad32AC) + (op(o) - op(RegOp::kLoad32))), sa, 0,
                offset);
    return;
  }
  emit_result(o, sa, offset);
}

void RegisterTranslator::store(RegOp o, uint64_t offset) {
  uint32_t pv;
  Entry v = pop(pv);
  uint32_t pa;
  Entry a = pop(pa);
  if (a.kind == Entry::kAddConst) {
    uint32_t sv = read_slot(v, pv);
    emit(static_cast<RegOp>(op(RegOp::kStore8AC) + (op(o) - op(RegOp::kStore8))), a.value, a.k,
         sv, offset);
    return;
  }
  uint32_t sa = read_slot(a, pa);
  uint32_t sv = read_slot(v, pv);
  if (!memory64_) {
    emit(static_cast<RegOp>(op(RegOp::kStore8AC) + (op(o) - op(RegOp::kStore8))), sa, 0, sv,
         offset);
    return;
  }
  emit(o, sa, sv, offset);
}

void RegisterTranslator::local_set(uint32_t local, bool tee) {
  uint32_t pos;
  bool forward = !dead() && top_is_last_result();
  Entry e = pop(pos);
  if (forward && !references(local)) {
    // The producer writes the local directly.
    code_[last_result_] = local;
    last_result_ = kNone;
  } else {
    materialize_local(local);
    if (e.kind == Entry::kTemp) {
      emit(RegOp::kCopy, local, temp(pos));
    } else if (!(e.kind == Entry::kLocal && e.value == local)) {
      emit_copy(local, e);
    }
  }
  if (tee) stack_.push_back(Entry{Entry::kLocal, local});
}

bool RegisterTranslator::branch_moves_needed(const BranchEntry& e) const {
  uint32_t n = e.arity;
  for (uint32_t k = 0; k < n; ++k) {
    uint32_t pos = height() - n + k;
    if (stack_[pos].kind != Entry::kTemp || pos != e.height + k) return true;
  }
  return false;
}

void RegisterTranslator::emit_branch_moves(const BranchEntry& e) {
  // Sources are at or above their destinations, so copying upwards never overwrites a source.
  uint32_t n = e.arity;
  for (uint32_t k = 0; k < n; ++k) {
    uint32_t pos = height() - n + k;
    uint32_t dst = temp(e.height + k);
    const Entry& s = stack_[pos];
    if (s.kind == Entry::kTemp) {
      if (pos != e.height + k) emit(RegOp::kCopy, dst, temp(pos));
    } else {
      emit_copy(dst, s);
    }
  }
}

void RegisterTranslator::conditional_branch(Entry cond, uint32_t cond_pos, bool inverted,
                                            uint32_t body_target) {
  // cond was the last operation's result: fuse a comparison into the branch.
  if (cond.kind == Entry::kTemp && last_result_ != kNone && last_result_pos_ == cond_pos &&
      last_result_ == last_op_at_ + 1) {
    uint64_t o = code_[last_op_at_];
    bool immediate = false;
    int ci = comparison_index(o, immediate);
    if (ci >= 0) {
      if (inverted) ci = kInverse[ci];
      uint64_t a = code_[last_op_at_ + 2], b = code_[last_op_at_ + 3];
      code_.resize(last_op_at_);
      emit(static_cast<RegOp>(op(RegOp::kI32EqBrIf) + 2 * ci + (immediate ? 1 : 0)), a, b);
      emit_target(body_target);
      return;
    }
    if (o == op(RegOp::kI32Eqz)) {
      uint64_t a = code_[last_op_at_ + 2];
      code_.resize(last_op_at_);
      emit(inverted ? RegOp::kBrIf : RegOp::kBrIfEqz, a);
      emit_target(body_target);
      return;
    }
  }
  if (cond.kind == Entry::kConst) {
    bool taken = (static_cast<uint32_t>(cond.value) != 0) != inverted;
    if (taken) {
      emit(RegOp::kJump);
      emit_target(body_target);
    }
    return;
  }
  uint32_t s = read_slot(cond, cond_pos);
  emit(inverted ? RegOp::kBrIfEqz : RegOp::kBrIf, s);
  emit_target(body_target);
}

Status RegisterTranslator::instruction() {
  uint32_t pc = static_cast<uint32_t>(in_.pos());
  CHORUS_ASSIGN_OR_RETURN(uint8_t b, in_.u8());
  switch (b) {
    case 0x00:
      begin(pc, kCostDefault);
      emit(RegOp::kUnreachable);
      end_block();
      go_dead();
      return ok_status();
    case 0x01:
      begin(pc, kCostDefault);
      return ok_status();
    case 0x02:
    case 0x03: {
      uint32_t params, results;
      CHORUS_RETURN_IF_ERROR(block_type(params, results));
      begin(pc, 0);
      if (!dead()) materialize_all();
      if (b == 0x03) end_block();
      push_control(params, results);
      return ok_status();
    }
    case 0x04: {
      uint32_t params, results;
      CHORUS_RETURN_IF_ERROR(block_type(params, results));
      begin(pc, kCostDefault);
      uint32_t cpos;
      Entry cond = pop(cpos);
      const BranchEntry& e = next_branch();
      if (!dead()) {
        // The comparison, if fused, moves below the copies: they never write its operands.
        uint64_t fused_words[4];
        bool fuse = false;
        if (cond.kind == Entry::kTemp && last_result_ != kNone && last_result_pos_ == cpos &&
            last_result_ == last_op_at_ + 1) {
          bool immediate;
          uint64_t o = code_[last_op_at_];
          if (comparison_index(o, immediate) >= 0 || o == op(RegOp::kI32Eqz)) {
            fuse = true;
            size_t n = code_.size() - last_op_at_;
            for (size_t k = 0; k < n; ++k) fused_words[k] = code_[last_op_at_ + k];
            code_.resize(last_op_at_);
            for (size_t k = n; k < 4; ++k) fused_words[k] = 0;
          }
        }
        if (fuse) {
          // Its result slot is the condition's own position, above everything materialised.
          materialize_all();
          last_op_at_ = code_.size();
          size_t n = fused_words[0] == op(RegOp::kI32Eqz) ? 3 : 4;
          for (size_t k = 0; k < n; ++k) code_.push_back(fused_words[k]);
          last_result_ = static_cast<uint32_t>(last_op_at_ + 1);
          last_result_pos_ = cpos;
        } else {
          // A local condition is read after the copies, which never write locals.
          materialize_all();
        }
        conditional_branch(cond, cpos, true, e.target);
      }
      end_block();
      push_control(params, results);
      return ok_status();
    }
    case 0x05: {
      begin(pc, 0);
      const BranchEntry& e = next_branch();
      Control& c = control_.back();
      if (!c.dead) {
        materialize_all();
        emit(RegOp::kJump);
        emit_target(e.target);
      } else {
        drop_dead_code();
        // A branch may land here (after an inner block's end): at the code that survives.
        map_[pc] = static_cast<uint32_t>(code_.size());
      }
      end_block();
      bool parent_dead = control_.size() >= 2 && control_[control_.size() - 2].dead;
      c.dead = parent_dead;
      c.owns_dead = false;
      stack_.resize(c.height);
      for (uint32_t i = 0; i < c.params; ++i) stack_.push_back(Entry{});
      return ok_status();
    }
    case 0x0B: {
      begin(pc, 0);
      Control& c = control_.back();
      if (control_.size() == 1 && !c.dead && c.results == 1 && height() == 1 &&
          stack_[0].kind == Entry::kLocal) {
        // The function's result is a local: return it from there (branches to the end still
        // find their value in the first operand slot, below).
        emit(RegOp::kReturn, 1, stack_[0].value);
        c.dead = true;
        c.owns_dead = false;
      }
      if (!c.dead) {
        materialize_all();
      } else {
        drop_dead_code();
        map_[pc] = static_cast<uint32_t>(code_.size());
      }
      end_block();
      uint32_t h = c.height, r = c.results;
      control_.pop_back();
      stack_.resize(h);
      for (uint32_t i = 0; i < r; ++i) stack_.push_back(Entry{});
      if (control_.empty()) {
        map_[f_.body.size] = static_cast<uint32_t>(code_.size());
        emit(RegOp::kReturn, r, temp(0));
        done_ = true;
      }
      return ok_status();
    }
    case 0x0C: {
      CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, kCostDefault);
      const BranchEntry& e = next_branch();
      if (!dead()) {
        emit_branch_moves(e);
        emit(RegOp::kJump);
        emit_target(e.target);
      }
      end_block();
      go_dead();
      return ok_status();
    }
    case 0x0D: {
      CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, kCostDefault);
      uint32_t cpos;
      Entry cond = pop(cpos);
      const BranchEntry& e = next_branch();
      if (!dead()) {
        if (!branch_moves_needed(e)) {
          conditional_branch(cond, cpos, false, e.target);
        } else {
          // Copy the carried values only when the branch is taken.
          uint32_t s = read_slot(cond, cpos);
          emit(RegOp::kBrIfEqz, s);
          size_t skip = code_.size();
          code_.push_back(0);
          emit_branch_moves(e);
          emit(RegOp::kJump);
          emit_target(e.target);
          code_[skip] = static_cast<uint64_t>(code_.size() - skip);
        }
      }
      end_block();
      return ok_status();
    }
    case 0x0E: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t n, in_.count(kMaxBodySize, "br_table labels"));
      for (uint32_t i = 0; i <= n; ++i) CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, kCostDefault);
      uint32_t index = pop_slot();
      size_t first = side_;
      side_ += n + 1;
      if (!dead()) {
        uint32_t arity = f_.info.side_table[first].arity;
        materialize_top(arity);
        emit(RegOp::kBrTable, index, n, temp(height() - arity));
        for (uint32_t i = 0; i <= n; ++i) {
          const BranchEntry& e = f_.info.side_table[first + i];
          emit_target(e.target);
          code_.push_back(e.arity);
          code_.push_back(temp(e.height));
        }
      }
      end_block();
      go_dead();
      return ok_status();
    }
    case 0x0F: {
      begin(pc, kCostDefault);
      if (!dead()) {
        uint32_t r = out_.result_slots;
        if (r == 1 && stack_.back().kind == Entry::kLocal) {
          emit(RegOp::kReturn, 1, stack_.back().value);
        } else {
          materialize_top(r);
          emit(RegOp::kReturn, r, temp(height() - r));
        }
      }
      end_block();
      go_dead();
      return ok_status();
    }
    case 0x10:
    case 0x11: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t idx, in_.u32());
      uint32_t table = 0;
      if (b == 0x11) {
        CHORUS_ASSIGN_OR_RETURN(table, in_.u32());
      }
      begin(pc, kCostCall);
      const FuncType& t = m_.types[b == 0x11 ? idx : func_types_[idx]];
      uint32_t np = static_cast<uint32_t>(t.params.size());
      uint32_t nr = static_cast<uint32_t>(t.results.size());
      uint32_t index_slot = 0;
      if (b == 0x11) index_slot = pop_slot();
      if (!dead()) {
        materialize_top(std::min(np, height()));
        uint32_t base = temp(height() - std::min(np, height()));
        if (b == 0x11) {
          emit(RegOp::kCallIndirect, idx, table, index_slot, base);
        } else if (idx >= m_.imported_functions) {
          emit(RegOp::kCallInternal, idx - m_.imported_functions, base);
        } else {
          emit(RegOp::kCall, idx, base);
        }
      }
      for (uint32_t i = 0; i < np; ++i) pop();
      for (uint32_t i = 0; i < nr; ++i) stack_.push_back(Entry{});
      // As in translate.cc: a call to a function of this module keeps the block open.
      if (b == 0x10 && idx >= m_.imported_functions) {
        last_result_ = kNone;
      } else {
        end_block();
      }
      return ok_status();
    }
    case 0x1A:
    case 0x1B:
    case 0x1C: {
      if (b == 0x1C) {
        CHORUS_ASSIGN_OR_RETURN(uint32_t n, in_.u32());
        for (uint32_t i = 0; i < n; ++i) {
          CHORUS_ASSIGN_OR_RETURN(ValType t, read_val_type(in_));
          if (t == ValType::kV128) return Error(kRegisterSimdUnsupported);
        }
      } else {
        const auto& notes = f_.info.type_notes;
        if (note_ >= notes.size() || notes[note_].pc != pc) {
          return Error("translation: the validator's type notes are out of step");
        }
        if (notes[note_++].type == ValType::kV128) return Error(kRegisterSimdUnsupported);
      }
      begin(pc, kCostDefault);
      if (b == 0x1A) {
        pop();
        return ok_status();
      }
      uint32_t pc_, pb, pa;
      Entry c = pop(pc_);
      Entry vb = pop(pb);
      Entry va = pop(pa);
      uint32_t sc = read_slot(c, pc_);
      uint32_t sb = read_slot(vb, pb);
      uint32_t sa = read_slot(va, pa);
      emit_result(RegOp::kSelect, sa, sb, sc);
      return ok_status();
    }
    case 0x20: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t i, in_.u32());
      if (i >= local_slot_.size()) return Error("translation: unknown local");
      begin(pc, kCostDefault);
      stack_.push_back(Entry{Entry::kLocal, local_slot_[i]});
      return ok_status();
    }
    case 0x21:
    case 0x22: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t i, in_.u32());
      if (i >= local_slot_.size()) return Error("translation: unknown local");
      begin(pc, kCostDefault);
      local_set(local_slot_[i], b == 0x22);
      return ok_status();
    }
    case 0x23: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t i, in_.u32());
      begin(pc, kCostDefault);
      emit_result(RegOp::kGlobalGet, i);
      return ok_status();
    }
    case 0x24: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t i, in_.u32());
      begin(pc, kCostDefault);
      uint32_t s = pop_slot();
      emit(RegOp::kGlobalSet, s, i);
      return ok_status();
    }
    case 0x25: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t i, in_.u32());
      begin(pc, kCostDefault);
      uint32_t s = pop_slot();
      emit_result(RegOp::kTableGet, s, i);
      return ok_status();
    }
    case 0x26: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t i, in_.u32());
      begin(pc, kCostDefault);
      uint32_t pv, pi;
      Entry v = pop(pv);
      Entry x = pop(pi);
      uint32_t sx = read_slot(x, pi);
      uint32_t sv = read_slot(v, pv);
      emit(RegOp::kTableSet, sx, sv, i);
      return ok_status();
    }
    case 0x28: case 0x29: case 0x2A: case 0x2B: case 0x2C: case 0x2D: case 0x2E: case 0x2F:
    case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: {
      static constexpr RegOp kLoads[] = {
          RegOp::kLoad32,     RegOp::kLoad64,     RegOp::kLoad32,     RegOp::kLoad64,
          RegOp::kI32Load8S,  RegOp::kI32Load8U,  RegOp::kI32Load16S, RegOp::kI32Load16U,
          RegOp::kI64Load8S,  RegOp::kI32Load8U,  RegOp::kI64Load16S, RegOp::kI32Load16U,
          RegOp::kI64Load32S, RegOp::kLoad32};
      CHORUS_ASSIGN_OR_RETURN(uint64_t offset, memarg());
      begin(pc, kCostDefault);
      load(kLoads[b - 0x28], offset);
      return ok_status();
    }
    case 0x36: case 0x37: case 0x38: case 0x39: case 0x3A: case 0x3B: case 0x3C: case 0x3D:
    case 0x3E: {
      static constexpr RegOp kStores[] = {RegOp::kStore32, RegOp::kStore64, RegOp::kStore32,
                                          RegOp::kStore64, RegOp::kStore8,  RegOp::kStore16,
                                          RegOp::kStore8,  RegOp::kStore16, RegOp::kStore32};
      CHORUS_ASSIGN_OR_RETURN(uint64_t offset, memarg());
      begin(pc, kCostDefault);
      store(kStores[b - 0x36], offset);
      return ok_status();
    }
    case 0x3F:
      CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, kCostDefault);
      emit_result(RegOp::kMemorySize);
      return ok_status();
    case 0x40: {
      CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, kCostMemoryGrow);
      uint32_t s = pop_slot();
      emit_result(RegOp::kMemoryGrow, s);
      return ok_status();
    }
    case 0x41: {
      CHORUS_ASSIGN_OR_RETURN(int32_t v, in_.s32());
      begin(pc, kCostDefault);
      stack_.push_back(Entry{Entry::kConst, static_cast<uint32_t>(v)});
      return ok_status();
    }
    case 0x42: {
      CHORUS_ASSIGN_OR_RETURN(int64_t v, in_.s64());
      begin(pc, kCostDefault);
      stack_.push_back(Entry{Entry::kConst, static_cast<uint64_t>(v)});
      return ok_status();
    }
    case 0x43:
    case 0x44: {
      size_t n = b == 0x43 ? 4 : 8;
      CHORUS_ASSIGN_OR_RETURN(ByteView bytes, in_.bytes(n));
      uint64_t v = 0;
      for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(bytes[i]) << (8 * i);
      begin(pc, kCostDefault);
      stack_.push_back(Entry{Entry::kConst, v});
      return ok_status();
    }
    case 0xD0:
      CHORUS_RETURN_IF_ERROR(read_heap_type(in_));
      begin(pc, kCostDefault);
      stack_.push_back(Entry{Entry::kConst, 0});
      return ok_status();
    case 0xD1: {
      begin(pc, kCostDefault);
      uint32_t s = pop_slot();
      emit_result(RegOp::kI64Eqz, s);  // null is 0 whatever the reference type
      return ok_status();
    }
    case 0xD2: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t i, in_.u32());
      begin(pc, kCostDefault);
      emit_result(RegOp::kRefFunc, i);
      return ok_status();
    }
    case 0xFC:
      return prefixed(pc);
    case 0xFD:
      return Error(kRegisterSimdUnsupported);
    default:
      break;
  }
  if (b >= 0x45 && b <= 0xC4) return numeric(pc, b);
  return Error("translation: unknown opcode " + std::to_string(b));
}

Status RegisterTranslator::numeric(uint32_t pc, uint8_t b) {
  begin(pc, cost_of_numeric(b));
  const NumericOp& n = kNumeric.ops[b - 0x45];
  if (n.op == RegOp::kCount) return ok_status();  // the bits stay as they are
  if (n.binary) {
    binary(n.op);
  } else {
    uint32_t s = pop_slot();
    emit_result(n.op, s);
  }
  return ok_status();
}

Status RegisterTranslator::prefixed(uint32_t pc) {
  CHORUS_ASSIGN_OR_RETURN(uint32_t sub, in_.u32());
  if (sub <= 7) {
    begin(pc, kCostDefault);
    uint32_t s = pop_slot();
    emit_result(static_cast<RegOp>(op(RegOp::kI32TruncSatF32S) + sub), s);
    return ok_status();
  }
  // The bulk operations take three operands (destination, source or value, length).
  auto three = [&](uint32_t& x, uint32_t& y, uint32_t& z) {
    uint32_t pz, py, px;
    Entry ez = pop(pz);
    Entry ey = pop(py);
    Entry ex = pop(px);
    x = read_slot(ex, px);
    y = read_slot(ey, py);
    z = read_slot(ez, pz);
  };
  uint32_t a = 0, c = 0, x, y, z;
  switch (sub) {
    case 8: {
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, kCostDefault);
      three(x, y, z);
      emit(RegOp::kMemoryInit, x, y, z, a);
      return ok_status();
    }
    case 9: {
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      begin(pc, kCostDefault);
      emit(RegOp::kDataDrop, a);
      return ok_status();
    }
    case 10: {
      CHORUS_RETURN_IF_ERROR(in_.u32());
      CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, kCostDefault);
      three(x, y, z);
      emit(RegOp::kMemoryCopy, x, y, z);
      return ok_status();
    }
    case 11: {
      CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, kCostDefault);
      three(x, y, z);
      emit(RegOp::kMemoryFill, x, y, z);
      return ok_status();
    }
    case 12: {
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      CHORUS_ASSIGN_OR_RETURN(c, in_.u32());
      begin(pc, kCostDefault);
      three(x, y, z);
      emit(RegOp::kTableInit, x, y, z, a, c);
      return ok_status();
    }
    case 13: {
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      begin(pc, kCostDefault);
      emit(RegOp::kElemDrop, a);
      return ok_status();
    }
    case 14: {
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      CHORUS_ASSIGN_OR_RETURN(c, in_.u32());
      begin(pc, kCostDefault);
      three(x, y, z);
      emit(RegOp::kTableCopy, x, y, z, a, c);
      return ok_status();
    }
    case 15: {
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      begin(pc, kCostDefault);
      uint32_t pn, pi;
      Entry en = pop(pn);
      Entry ei = pop(pi);
      uint32_t si = read_slot(ei, pi);
      uint32_t sn = read_slot(en, pn);
      emit_result(RegOp::kTableGrow, si, sn, a);
      return ok_status();
    }
    case 16: {
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      begin(pc, kCostDefault);
      emit_result(RegOp::kTableSize, a);
      return ok_status();
    }
    case 17: {
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      begin(pc, kCostDefault);
      three(x, y, z);
      emit(RegOp::kTableFill, x, y, z, a);
      return ok_status();
    }
    default:
      return Error("translation: unknown 0xFC opcode " + std::to_string(sub));
  }
}

}  // namespace

const char* to_string(RegOp o) {
  static constexpr const char* kNames[] = {
#define CHORUS_WASM_REG_NAME(name, imm) #name,
#define CHORUS_WASM_REG_NAME_CMP(name) #name "BrIf", #name "BrIfC",
#define CHORUS_WASM_REG_NAME_U(name) #name,
#define CHORUS_WASM_REG_NAME_B(name) #name, #name "C",
#define CHORUS_WASM_REG_NAME_N(name)
#define CHORUS_WASM_REG_NAME_NUM(name, kind) CHORUS_WASM_REG_NAME_##kind(name)
      CHORUS_WASM_REG_CONTROL_OPS(CHORUS_WASM_REG_NAME)
      CHORUS_WASM_REG_CMP_OPS(CHORUS_WASM_REG_NAME_CMP)
      CHORUS_WASM_REG_NUMERIC_OPS(CHORUS_WASM_REG_NAME_NUM)
      CHORUS_WASM_REG_SAT_OPS(CHORUS_WASM_REG_NAME_U)
#undef CHORUS_WASM_REG_NAME
#undef CHORUS_WASM_REG_NAME_CMP
#undef CHORUS_WASM_REG_NAME_U
#undef CHORUS_WASM_REG_NAME_B
#undef CHORUS_WASM_REG_NAME_N
#undef CHORUS_WASM_REG_NAME_NUM
  };
  size_t i = static_cast<size_t>(o);
  return i < std::size(kNames) ? kNames[i] : "?";
}

size_t reg_op_words(const uint64_t* code) {
  uint64_t o = code[0];
  if (o == op(RegOp::kBrTable)) return 4 + 3 * (code[2] + 1);
  return 1 + kImmediates[o];
}

Result<CompiledModule> translate_registers(const Module& module, bool metering) {
  for (const Global& g : module.globals) {
    if (g.type.type == ValType::kV128) return Error(kRegisterSimdUnsupported);
  }
  for (const Import& im : module.imports) {
    if (im.kind == ExternKind::kGlobal && im.global.type == ValType::kV128) {
      return Error(kRegisterSimdUnsupported);
    }
  }
  for (const FuncType& t : module.types) {
    for (ValType v : t.params) {
      if (v == ValType::kV128) return Error(kRegisterSimdUnsupported);
    }
    for (ValType v : t.results) {
      if (v == ValType::kV128) return Error(kRegisterSimdUnsupported);
    }
  }
  CompiledModule out;
  out.functions.reserve(module.functions.size());
  uint64_t body_bytes = 0;
  for (const Function& f : module.functions) body_bytes += f.body.size;
  out.arena.expect(body_bytes + body_bytes / 4);
  std::vector<uint32_t> func_types;
  for (const Import& im : module.imports) {
    if (im.kind == ExternKind::kFunc) func_types.push_back(im.func_type);
  }
  for (const Function& f : module.functions) func_types.push_back(f.type_index);
  Scratch scratch;
  for (const Function& f : module.functions) {
    CHORUS_ASSIGN_OR_RETURN(CompiledFunction cf,
                            RegisterTranslator(module, func_types, f, scratch, out.arena)
                                .run(metering));
    out.functions.push_back(std::move(cf));
  }
  return out;
}

}  // namespace chorus::wasm
