#include "wasm/translate.h"

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <limits>
#include <optional>

#include "wasm/decoder.h"
#include "wasm/reader.h"
#include "wasm/runtime.h"

namespace chorus::wasm {
namespace {

constexpr uint32_t kNoTarget = std::numeric_limits<uint32_t>::max();

constexpr uint64_t op(Op o) { return static_cast<uint64_t>(o); }

// The translator maps opcode ranges onto runs of the op list; these keep the two in step.
static_assert(op(Op::kF64Copysign) - op(Op::kI32Eqz) == 0xA6 - 0x45);
static_assert(op(Op::kI64ExtendI32S) - op(Op::kI32WrapI64) == 0xAC - 0xA7);
static_assert(op(Op::kF64PromoteF32) - op(Op::kI64TruncF32S) == 0xBB - 0xAE);
static_assert(op(Op::kI64Extend32S) - op(Op::kI32Extend8S) == 0xC4 - 0xC0);
static_assert(op(Op::kI64TruncSatF64U) - op(Op::kI32TruncSatF32S) == 7);
static_assert(op(Op::kI32GeUBrIf) - op(Op::kI32EqBrIf) == op(Op::kI32GeU) - op(Op::kI32Eq));

// Buffers that translating one function needs, kept across the functions of a module so that
// their capacity is allocated once rather than grown anew for every function.
struct TranslatorScratch {
  std::vector<uint64_t> code;
  std::vector<uint32_t> map;
  std::vector<std::pair<size_t, uint32_t>> fixups;
  std::vector<uint32_t> local_slot;
  std::vector<bool> local_wide;
};

// Walks one validated body. Validation already checked everything, so a read error here means the
// module was not validated; it is reported rather than assumed away.
class Translator {
 public:
  Translator(const Module& m, const Function& f, const std::vector<ValType>& globals,
             TranslatorScratch& scratch, CodeArena& arena)
      : m_(m),
        f_(f),
        globals_(globals),
        type_(m.types[f.type_index]),
        in_(m.view(f.body), f.body.offset),
        arena_(arena),
        code_(scratch.code),
        map_(scratch.map),
        fixups_(scratch.fixups),
        local_slot_(scratch.local_slot),
        local_wide_(scratch.local_wide) {
    code_.clear();
    local_wide_.clear();
    map_.assign(f.body.size + 1, kNoTarget);
    fixups_.clear();
    local_slot_.clear();
  }

  Result<CompiledFunction> run(bool metering) {
    metering_ = metering;
    for (ValType t : type_.params) CHORUS_RETURN_IF_ERROR(add_local(t));
    out_.param_slots = local_slots_;
    for (const LocalRun& r : f_.locals) {
      for (uint32_t i = 0; i < r.count; ++i) CHORUS_RETURN_IF_ERROR(add_local(r.type));
    }
    out_.local_slots = local_slots_;
    for (ValType t : type_.results) out_.result_slots += slots_of(t);
    out_.max_operand_slots = f_.info.max_stack_slots;
    while (!done_) CHORUS_RETURN_IF_ERROR(instruction());
    for (const auto& [at, target] : fixups_) {
      if (target >= map_.size() || map_[target] == kNoTarget) {
        return Error("translation: branch to a body offset that starts no instruction");
      }
      // Relative to the target word itself, so that code needs no relocation when moved.
      code_[at] =
          static_cast<uint64_t>(static_cast<int64_t>(map_[target]) - static_cast<int64_t>(at));
    }
    out_.code = arena_.allocate(code_.size());
    std::copy(code_.begin(), code_.end(), out_.code.begin());
    return std::move(out_);
  }

 private:
  Status add_local(ValType t) {
    local_slot_.push_back(local_slots_);
    local_wide_.push_back(t == ValType::kV128);
    local_slots_ += slots_of(t);
    return ok_status();
  }

  // Starts the instruction at body offset |pc|: records where it lands in the code and, for an
  // instruction that costs something, opens a metering block if none is open.
  void begin(uint32_t pc, uint64_t cost) {
    map_[pc] = static_cast<uint32_t>(code_.size());
    if (cost == 0 || !metering_) return;
    if (charge_at_ == kNoTarget) {
      code_.push_back(op(Op::kCharge));
      charge_at_ = static_cast<uint32_t>(code_.size());
      code_.push_back(0);
    }
    code_[charge_at_] += cost;
  }
  // The next instruction may be a branch target, or follows a call: it starts a new block.
  void end_block() {
    charge_at_ = kNoTarget;
    fusable_ = false;
  }
  void emit(Op o) {
    prev_op_at_ = last_op_at_;
    prev_linked_ = may_fuse_;
    last_op_at_ = code_.size();
    code_.push_back(op(o));
  }
  void emit(Op o, uint64_t a) {
    emit(o);
    code_.push_back(a);
  }
  void emit_target(uint32_t body_target) {
    fixups_.emplace_back(code_.size(), body_target);
    code_.push_back(0);
  }
  const BranchEntry& next_branch() { return f_.info.side_table[side_++]; }
  void emit_branch_words(const BranchEntry& e) {
    emit_target(e.target);
    code_.push_back(e.slot_arity);
    code_.push_back(local_slots_ + e.slot_height);
  }
  Result<uint32_t> local(uint32_t index) {
    if (index >= local_slot_.size()) return Error("translation: unknown local");
    return local_slot_[index];
  }
  Result<uint64_t> memarg() {
    CHORUS_ASSIGN_OR_RETURN(uint32_t flags, in_.u32());
    if (flags & 0x40) CHORUS_RETURN_IF_ERROR(in_.u32());
    return in_.u64();
  }
  Status memory_op(uint32_t pc, Op o) {
    CHORUS_ASSIGN_OR_RETURN(uint64_t offset, memarg());
    begin(pc, kCostDefault);
    emit(o, offset);
    return ok_status();
  }
  Status skip_block_type() {
    CHORUS_RETURN_IF_ERROR(in_.s33());
    return ok_status();
  }
  // True when the instruction just emitted at |last_op_at_| is |o| and nothing may jump between
  // it and the instruction being translated, so the two can be fused.
  bool last_is(Op o) const {
    return may_fuse_ && last_op_at_ < code_.size() && code_[last_op_at_] == op(o);
  }

  Status instruction();
  Status prefixed(uint32_t pc);
  Status simd(uint32_t pc);

  const Module& m_;
  const Function& f_;
  const std::vector<ValType>& globals_;  // the type of each global, imports first
  const FuncType& type_;
  Reader in_;
  CompiledFunction out_;
  CodeArena& arena_;
  std::vector<uint64_t>& code_;
  std::vector<uint32_t>& map_;  // body offset -> code index, for instruction starts
  std::vector<std::pair<size_t, uint32_t>>& fixups_;
  std::vector<uint32_t>& local_slot_;
  std::vector<bool>& local_wide_;  // the local is a v128 (two slots)
  uint32_t local_slots_ = 0;
  bool metering_ = true;
  size_t side_ = 0;
  size_t note_ = 0;
  uint32_t charge_at_ = kNoTarget;
  size_t last_op_at_ = std::numeric_limits<size_t>::max();
  size_t prev_op_at_ = std::numeric_limits<size_t>::max();  // the op before last_op_at_
  bool prev_linked_ = false;  // the last op could have fused with the one before it
  bool fusable_ = false;      // the next instruction may fuse with the last one
  bool may_fuse_ = false;     // fusable_ as it was before the current instruction
  uint32_t depth_ = 1;        // the function's own block
  bool done_ = false;
};

Status Translator::instruction() {
  uint32_t pc = static_cast<uint32_t>(in_.pos());
  CHORUS_ASSIGN_OR_RETURN(uint8_t b, in_.u8());
  // Fusion applies only to adjacent instructions of one block; each case below that fuses checks
  // last_is() before begin() records the new instruction.
  bool fused_before = fusable_;
  may_fuse_ = fusable_;
  fusable_ = true;
  switch (b) {
    case 0x00:
      begin(pc, kCostDefault);
      emit(Op::kUnreachable);
      end_block();
      return ok_status();
    case 0x01:
      begin(pc, kCostDefault);
      fusable_ = fused_before;  // emits nothing, so it must not make a branch target fusable
      return ok_status();
    case 0x02:
      begin(pc, 0);
      ++depth_;
      fusable_ = fused_before;
      return skip_block_type();
    case 0x03:
      begin(pc, 0);
      ++depth_;
      end_block();
      return skip_block_type();
    case 0x04: {
      CHORUS_RETURN_IF_ERROR(skip_block_type());
      begin(pc, kCostDefault);
      ++depth_;
      emit(Op::kBrUnless);
      emit_target(next_branch().target);
      end_block();
      return ok_status();
    }
    case 0x05:
      begin(pc, 0);
      emit(Op::kJump);
      emit_target(next_branch().target);
      end_block();
      return ok_status();
    case 0x0B:
      begin(pc, 0);
      end_block();
      if (--depth_ == 0) {
        map_[f_.body.size] = static_cast<uint32_t>(code_.size());
        emit(Op::kReturn, out_.result_slots);
        done_ = true;
      }
      return ok_status();
    case 0x0C: {
      CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, kCostDefault);
      emit(Op::kBr);
      emit_branch_words(next_branch());
      end_block();
      return ok_status();
    }
    case 0x0D: {
      CHORUS_RETURN_IF_ERROR(in_.u32());
      // A comparison feeding br_if becomes one compare-and-branch.
      std::optional<Op> fused;
      if (last_is(Op::kI32Eqz)) fused = Op::kBrIfEqz;
      for (uint64_t c = op(Op::kI32Eq); c <= op(Op::kI32GeU); ++c) {
        if (last_is(static_cast<Op>(c))) {
          fused = static_cast<Op>(op(Op::kI32EqBrIf) + (c - op(Op::kI32Eq)));
        }
      }
      begin(pc, kCostDefault);
      if (fused) {
        code_[last_op_at_] = op(*fused);
      } else {
        emit(Op::kBrIf);
      }
      emit_branch_words(next_branch());
      end_block();
      return ok_status();
    }
    case 0x0E: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t n, in_.count(kMaxBodySize, "br_table labels"));
      for (uint32_t i = 0; i <= n; ++i) CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, kCostDefault);
      emit(Op::kBrTable, n);
      for (uint32_t i = 0; i <= n; ++i) emit_branch_words(next_branch());
      end_block();
      return ok_status();
    }
    case 0x0F:
      begin(pc, kCostDefault);
      emit(Op::kReturn, out_.result_slots);
      end_block();
      return ok_status();
    case 0x10: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t f, in_.u32());
      begin(pc, kCostCall);
      if (f >= m_.imported_functions) {
        // A call to a function of this module does not end the block: the rest of the block is
        // charged with it, before the call (see "Metering" in translate.h).
        emit(Op::kCallInternal, f - m_.imported_functions);
        fusable_ = false;
      } else {
        emit(Op::kCall, f);
        end_block();
      }
      return ok_status();
    }
    case 0x11: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t t, in_.u32());
      CHORUS_ASSIGN_OR_RETURN(uint32_t table, in_.u32());
      begin(pc, kCostCall);
      emit(Op::kCallIndirect, t);
      code_.push_back(table);
      end_block();
      return ok_status();
    }
    case 0x1A:
    case 0x1B:
    case 0x1C: {
      bool wide = false;
      if (b == 0x1C) {
        CHORUS_ASSIGN_OR_RETURN(uint32_t n, in_.u32());
        for (uint32_t i = 0; i < n; ++i) {
          CHORUS_ASSIGN_OR_RETURN(ValType t, read_val_type(in_));
          wide = wide || t == ValType::kV128;
        }
      } else {
        const auto& notes = f_.info.type_notes;
        if (note_ >= notes.size() || notes[note_].pc != pc) {
          return Error("translation: the validator's type notes are out of step");
        }
        wide = notes[note_++].type == ValType::kV128;
      }
      begin(pc, kCostDefault);
      if (b == 0x1A) {
        emit(wide ? Op::kDropV128 : Op::kDrop);
      } else {
        emit(wide ? Op::kSelectV128 : Op::kSelect);
      }
      return ok_status();
    }
    case 0x20: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t i, in_.u32());
      CHORUS_ASSIGN_OR_RETURN(uint32_t s, local(i));
      bool pair = last_is(Op::kLocalGet);
      begin(pc, kCostDefault);
      if (local_wide_[i]) {
        emit(Op::kLocalGetV128, s);
      } else if (pair) {
        code_[last_op_at_] = op(Op::kLocalGetLocalGet);
        code_.push_back(s);
        fusable_ = false;
      } else {
        emit(Op::kLocalGet, s);
      }
      return ok_status();
    }
    case 0x21:
    case 0x22: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t i, in_.u32());
      CHORUS_ASSIGN_OR_RETURN(uint32_t s, local(i));
      begin(pc, kCostDefault);
      if (local_wide_[i]) {
        emit(b == 0x21 ? Op::kLocalSetV128 : Op::kLocalTeeV128, s);
      } else {
        emit(b == 0x21 ? Op::kLocalSet : Op::kLocalTee, s);
      }
      return ok_status();
    }
    case 0x23:
    case 0x24:
    case 0x25:
    case 0x26: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t i, in_.u32());
      begin(pc, kCostDefault);
      static constexpr Op kOps[] = {Op::kGlobalGet, Op::kGlobalSet, Op::kTableGet, Op::kTableSet};
      Op o = kOps[b - 0x23];
      if (b <= 0x24) {
        if (i >= globals_.size()) return Error("translation: unknown global");
        if (globals_[i] == ValType::kV128) o = b == 0x23 ? Op::kGlobalGetV128 : Op::kGlobalSetV128;
      }
      emit(o, i);
      return ok_status();
    }
    case 0x28:
      return memory_op(pc, Op::kLoad32);
    case 0x29:
      return memory_op(pc, Op::kLoad64);
    case 0x2A:
      return memory_op(pc, Op::kLoad32);
    case 0x2B:
      return memory_op(pc, Op::kLoad64);
    case 0x2C:
      return memory_op(pc, Op::kI32Load8S);
    case 0x2D:
      return memory_op(pc, Op::kI32Load8U);
    case 0x2E:
      return memory_op(pc, Op::kI32Load16S);
    case 0x2F:
      return memory_op(pc, Op::kI32Load16U);
    case 0x30:
      return memory_op(pc, Op::kI64Load8S);
    case 0x31:
      return memory_op(pc, Op::kI32Load8U);  // zero-extended either way
    case 0x32:
      return memory_op(pc, Op::kI64Load16S);
    case 0x33:
      return memory_op(pc, Op::kI32Load16U);
    case 0x34:
      return memory_op(pc, Op::kI64Load32S);
    case 0x35:
      return memory_op(pc, Op::kLoad32);
    case 0x36:
      return memory_op(pc, Op::kStore32);
    case 0x37:
      return memory_op(pc, Op::kStore64);
    case 0x38:
      return memory_op(pc, Op::kStore32);
    case 0x39:
      return memory_op(pc, Op::kStore64);
    case 0x3A:
      return memory_op(pc, Op::kStore8);
    case 0x3B:
      return memory_op(pc, Op::kStore16);
    case 0x3C:
      return memory_op(pc, Op::kStore8);
    case 0x3D:
      return memory_op(pc, Op::kStore16);
    case 0x3E:
      return memory_op(pc, Op::kStore32);
    case 0x3F:
    case 0x40:
      CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, b == 0x3F ? kCostDefault : kCostMemoryGrow);
      emit(b == 0x3F ? Op::kMemorySize : Op::kMemoryGrow);
      return ok_status();
    case 0x41: {
      CHORUS_ASSIGN_OR_RETURN(int32_t v, in_.s32());
      begin(pc, kCostDefault);
      emit(Op::kConst, static_cast<uint32_t>(v));
      return ok_status();
    }
    case 0x42: {
      CHORUS_ASSIGN_OR_RETURN(int64_t v, in_.s64());
      begin(pc, kCostDefault);
      emit(Op::kConst, static_cast<uint64_t>(v));
      return ok_status();
    }
    case 0x43:
    case 0x44: {
      size_t n = b == 0x43 ? 4 : 8;
      CHORUS_ASSIGN_OR_RETURN(ByteView bytes, in_.bytes(n));
      uint64_t v = 0;
      for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(bytes[i]) << (8 * i);
      begin(pc, kCostDefault);
      emit(Op::kConst, v);
      return ok_status();
    }
    case 0xD0:
      CHORUS_RETURN_IF_ERROR(read_heap_type(in_));
      begin(pc, kCostDefault);
      emit(Op::kConst, 0);
      return ok_status();
    case 0xD1:
      begin(pc, kCostDefault);
      emit(Op::kRefIsNull);
      return ok_status();
    case 0xD2: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t f, in_.u32());
      begin(pc, kCostDefault);
      emit(Op::kRefFunc, f);
      return ok_status();
    }
    case 0xFC:
      return prefixed(pc);
    case 0xFD:
      return simd(pc);
    default:
      break;
  }
  if (b == 0xAD || (b >= 0xBC && b <= 0xBF)) {
    // i64.extend_i32_u and the reinterpretations: slots already hold the right bits.
    begin(pc, kCostDefault);
    fusable_ = fused_before;
    return ok_status();
  }
  Op o;
  uint64_t cost = kCostDefault;
  if (b >= 0x45 && b <= 0xA6) {
    o = static_cast<Op>(op(Op::kI32Eqz) + (b - 0x45));
    if ((b >= 0x6D && b <= 0x70) || (b >= 0x7F && b <= 0x82) || b == 0x91 || b == 0x95 ||
        b == 0x9F || b == 0xA3) {
      cost = kCostDivision;
    }
  } else if (b >= 0xA7 && b <= 0xAC) {
    o = static_cast<Op>(op(Op::kI32WrapI64) + (b - 0xA7));
  } else if (b >= 0xAE && b <= 0xBB) {
    o = static_cast<Op>(op(Op::kI64TruncF32S) + (b - 0xAE));
  } else if (b >= 0xC0 && b <= 0xC4) {
    o = static_cast<Op>(op(Op::kI32Extend8S) + (b - 0xC0));
  } else {
    return Error("translation: unknown opcode " + std::to_string(b));
  }
  if (o == Op::kI32Add && last_is(Op::kConst)) {
    // i32.const c; i32.add: the constant is an immediate; the add is charged all the same.
    begin(pc, cost);
    code_[last_op_at_] = op(Op::kI32AddConst);
    if (prev_linked_ && prev_op_at_ + 2 == last_op_at_ && code_[prev_op_at_] == op(Op::kLocalGet)) {
      // local.get x; i32.const c; i32.add: the usual address computation, in one step.
      code_[prev_op_at_] = op(Op::kLocalGetI32AddConst);
      code_[prev_op_at_ + 2] = code_[last_op_at_ + 1];
      code_.resize(prev_op_at_ + 3);
      last_op_at_ = prev_op_at_;
    }
    fusable_ = false;
    return ok_status();
  }
  begin(pc, cost);
  emit(o);
  return ok_status();
}

Status Translator::prefixed(uint32_t pc) {
  CHORUS_ASSIGN_OR_RETURN(uint32_t sub, in_.u32());
  if (sub <= 7) {
    begin(pc, kCostDefault);
    emit(static_cast<Op>(op(Op::kI32TruncSatF32S) + sub));
    return ok_status();
  }
  uint32_t a = 0, c = 0;
  switch (sub) {
    case 8: {  // memory.init data mem
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, kCostDefault);
      emit(Op::kMemoryInit, a);
      return ok_status();
    }
    case 9: {
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      begin(pc, kCostDefault);
      emit(Op::kDataDrop, a);
      return ok_status();
    }
    case 10: {
      CHORUS_RETURN_IF_ERROR(in_.u32());
      CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, kCostDefault);
      emit(Op::kMemoryCopy);
      return ok_status();
    }
    case 11: {
      CHORUS_RETURN_IF_ERROR(in_.u32());
      begin(pc, kCostDefault);
      emit(Op::kMemoryFill);
      return ok_status();
    }
    case 12: {  // table.init elem table
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      CHORUS_ASSIGN_OR_RETURN(c, in_.u32());
      begin(pc, kCostDefault);
      emit(Op::kTableInit, a);
      code_.push_back(c);
      return ok_status();
    }
    case 13: {
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      begin(pc, kCostDefault);
      emit(Op::kElemDrop, a);
      return ok_status();
    }
    case 14: {  // table.copy dst src
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      CHORUS_ASSIGN_OR_RETURN(c, in_.u32());
      begin(pc, kCostDefault);
      emit(Op::kTableCopy, a);
      code_.push_back(c);
      return ok_status();
    }
    case 15:
    case 16:
    case 17: {
      CHORUS_ASSIGN_OR_RETURN(a, in_.u32());
      begin(pc, kCostDefault);
      static constexpr Op kOps[] = {Op::kTableGrow, Op::kTableSize, Op::kTableFill};
      emit(kOps[sub - 15], a);
      return ok_status();
    }
    default:
      return Error("translation: unknown 0xFC opcode " + std::to_string(sub));
  }
}

// The Op of each 0xFD sub-opcode; kCount for the reserved ones.
constexpr std::array<Op, 256> kSimdOps = [] {
  std::array<Op, 256> t{};
  t.fill(Op::kCount);
#define CHORUS_WASM_SIMD_SUB(X, name, imm, sub) t[sub] = Op::k##name;
  CHORUS_WASM_SIMD_OPS(_, CHORUS_WASM_SIMD_SUB)
#undef CHORUS_WASM_SIMD_SUB
  return t;
}();

Status Translator::simd(uint32_t pc) {
  CHORUS_ASSIGN_OR_RETURN(uint32_t sub, in_.u32());
  Op o = sub < kSimdOps.size() ? kSimdOps[sub] : Op::kCount;
  if (o == Op::kCount) return Error("translation: unknown 0xFD opcode " + std::to_string(sub));
  bool divides = sub == 0xE3 || sub == 0xE7 || sub == 0xEF || sub == 0xF3;  // sqrt and div
  uint64_t words[2] = {0, 0};
  size_t n = 0;
  if (sub <= 0x0B || sub == 0x5C || sub == 0x5D) {
    CHORUS_ASSIGN_OR_RETURN(words[n++], memarg());
  } else if (sub == 0x0C || sub == 0x0D) {
    CHORUS_ASSIGN_OR_RETURN(ByteView bytes, in_.bytes(16));
    for (size_t i = 0; i < 16; ++i) {
      words[i / 8] |= static_cast<uint64_t>(bytes[i]) << (8 * (i % 8));
    }
    n = 2;
  } else if (sub >= 0x54 && sub <= 0x5B) {
    CHORUS_ASSIGN_OR_RETURN(words[n++], memarg());
    CHORUS_ASSIGN_OR_RETURN(words[n++], in_.u8());
  } else if (sub >= 0x15 && sub <= 0x22) {
    CHORUS_ASSIGN_OR_RETURN(words[n++], in_.u8());
  }
  begin(pc, divides ? kCostDivision : kCostDefault);
  emit(o);
  for (size_t i = 0; i < n; ++i) code_.push_back(words[i]);
  return ok_status();
}

}  // namespace

const char* to_string(Op o) {
  static constexpr const char* kNames[] = {
#define CHORUS_WASM_OP_NAME(name, imm) #name,
      CHORUS_WASM_OPS(CHORUS_WASM_OP_NAME)
#undef CHORUS_WASM_OP_NAME
  };
  size_t i = static_cast<size_t>(o);
  return i < std::size(kNames) ? kNames[i] : "?";
}

CodeArena::CodeArena(CodeArena&& other) noexcept
    : chunks_(std::move(other.chunks_)), used_(other.used_), expected_(other.expected_) {
  other.chunks_.clear();
}

CodeArena& CodeArena::operator=(CodeArena&& other) noexcept {
  if (this != &other) {
    release();
    chunks_ = std::move(other.chunks_);
    used_ = other.used_;
    expected_ = other.expected_;
    other.chunks_.clear();
  }
  return *this;
}

CodeArena::~CodeArena() { release(); }

void CodeArena::release() {
  for (const Chunk& c : chunks_) {
    if (c.mapped) {
      munmap(c.base, c.words * sizeof(uint64_t));
    } else {
      delete[] c.base;
    }
  }
  chunks_.clear();
}

std::span<uint64_t> CodeArena::allocate(size_t words) {
  // Chunks of the expected remaining size, between one 4 KiB page and 2 MiB; below 64 KiB the
  // heap serves them (most modules are small, and mappings are a limited resource).
  constexpr size_t kMinChunkWords = 4096 / sizeof(uint64_t);
  constexpr size_t kMaxChunkWords = (size_t{2} << 20) / sizeof(uint64_t);
  constexpr size_t kMapWords = (size_t{64} << 10) / sizeof(uint64_t);
  if (chunks_.empty() || words > chunks_.back().words - used_) {
    size_t want = std::clamp<uint64_t>(expected_, kMinChunkWords, kMaxChunkWords);
    size_t n = std::max(words, want);
    Chunk c{nullptr, n, false};
    if (n >= kMapWords) {
      n = (n + kMinChunkWords - 1) / kMinChunkWords * kMinChunkWords;
      void* p = mmap(nullptr, n * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
      if (p != MAP_FAILED) c = Chunk{static_cast<uint64_t*>(p), n, true};
    }
    if (c.base == nullptr) c = Chunk{new uint64_t[n](), n, false};
    chunks_.push_back(c);
    used_ = 0;
  }
  std::span<uint64_t> out(chunks_.back().base + used_, words);
  used_ += words;
  expected_ -= std::min<uint64_t>(expected_, words);
  return out;
}

Result<CompiledModule> translate(const Module& module, bool metering) {
  std::vector<ValType> globals;
  for (const Import& im : module.imports) {
    if (im.kind == ExternKind::kGlobal) globals.push_back(im.global.type);
  }
  for (const Global& g : module.globals) globals.push_back(g.type.type);
  CompiledModule out;
  out.functions.reserve(module.functions.size());
  // Code is about one word per body byte; a good guess lets the arena map it in few chunks.
  uint64_t body_bytes = 0;
  for (const Function& f : module.functions) body_bytes += f.body.size;
  out.arena.expect(body_bytes + body_bytes / 4);
  TranslatorScratch scratch;
  for (const Function& f : module.functions) {
    CHORUS_ASSIGN_OR_RETURN(CompiledFunction cf,
                            Translator(module, f, globals, scratch, out.arena).run(metering));
    out.functions.push_back(std::move(cf));
  }
  return out;
}

}  // namespace chorus::wasm
