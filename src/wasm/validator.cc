#include "wasm/validator.h"

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "wasm/decoder.h"
#include "wasm/reader.h"

namespace chorus::wasm {
namespace {

constexpr uint32_t kNone = UINT32_MAX;
constexpr uint64_t kMaxPages32 = uint64_t{1} << 16;
constexpr uint64_t kMaxPages64 = uint64_t{1} << 48;

// An operand-stack slot: a ValType's byte, or kUnknown for the bottom type that unreachable code
// produces.
using Slot = uint8_t;
constexpr Slot kUnknown = 0;

using Types = std::span<const ValType>;

// The validator's status: unlike chorus::Status, a success builds no Error, which matters at
// several checks per instruction.
struct Ok {};
using Check = Result<Ok>;
constexpr Ok kOk{};

constexpr ValType kI32 = ValType::kI32;
constexpr ValType kI64 = ValType::kI64;
constexpr ValType kF32 = ValType::kF32;
constexpr ValType kF64 = ValType::kF64;
constexpr ValType kV128 = ValType::kV128;

// One-element type lists for block types written as a single value type.
const ValType kSingles[] = {ValType::kI32,  ValType::kI64,     ValType::kF32,      ValType::kF64,
                            ValType::kV128, ValType::kFuncRef, ValType::kExternRef};
Types single(ValType t) {
  for (const ValType& s : kSingles) {
    if (s == t) return Types(&s, 1);
  }
  return Types();
}

std::string type_name(Slot s) {
  return s == kUnknown ? "unknown" : to_string(static_cast<ValType>(s));
}

bool same(Types a, Types b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

// What the module offers to function bodies and constant expressions.
struct Context {
  Module& m;
  std::vector<uint32_t> func_types;  // type index of every function, imports first
  std::vector<TableType> tables;
  std::vector<MemoryType> memories;
  std::vector<GlobalType> globals;
  std::vector<bool> refs;  // functions that ref.func may name in bodies

  explicit Context(Module& module) : m(module) {}
  ValType index_type_of_table(uint32_t t) const { return tables[t].limits.is64 ? kI64 : kI32; }
};

// ---- constant expressions ---------------------------------------------------------------------

Check check_const_expr(Context& c, ConstExpr e, ValType expected, uint32_t visible_globals,
                       std::string_view where) {
  Reader in(c.m.view(e.code), e.code.offset);
  std::vector<ValType> stack;
  while (true) {
    CHORUS_ASSIGN_OR_RETURN(uint8_t op, in.u8());
    switch (op) {
      case 0x0B:
        if (!in.at_end()) return malformed_error("junk after constant expression", in.offset());
        if (stack.size() != 1 || stack[0] != expected) {
          return invalid_error("type mismatch in " + std::string(where) + ": expected one " +
                               to_string(expected) + " value");
        }
        return kOk;
      case 0x41:
        CHORUS_RETURN_IF_ERROR(in.s32());
        stack.push_back(kI32);
        break;
      case 0x42:
        CHORUS_RETURN_IF_ERROR(in.s64());
        stack.push_back(kI64);
        break;
      case 0x43:
        CHORUS_RETURN_IF_ERROR(in.bytes(4));
        stack.push_back(kF32);
        break;
      case 0x44:
        CHORUS_RETURN_IF_ERROR(in.bytes(8));
        stack.push_back(kF64);
        break;
      case 0xFD:
        CHORUS_RETURN_IF_ERROR(in.u32());
        CHORUS_RETURN_IF_ERROR(in.bytes(16));
        stack.push_back(kV128);
        break;
      case 0xD0: {
        CHORUS_ASSIGN_OR_RETURN(ValType t, read_heap_type(in));
        stack.push_back(t);
        break;
      }
      case 0xD2: {
        CHORUS_ASSIGN_OR_RETURN(uint32_t f, in.u32());
        if (f >= c.func_types.size()) {
          return invalid_error("unknown function " + std::to_string(f) + " in " +
                               std::string(where));
        }
        c.refs[f] = true;
        stack.push_back(ValType::kFuncRef);
        break;
      }
      case 0x23: {
        CHORUS_ASSIGN_OR_RETURN(uint32_t g, in.u32());
        if (g >= visible_globals) {
          return invalid_error("unknown global " + std::to_string(g) + " in " + std::string(where));
        }
        if (c.globals[g].is_mutable) {
          return invalid_error("constant expression required: global " + std::to_string(g) +
                               " is mutable (" + std::string(where) + ")");
        }
        stack.push_back(c.globals[g].type);
        break;
      }
      default: return invalid_error("constant expression required in " + std::string(where));
    }
  }
}

// ---- function bodies --------------------------------------------------------------------------

// A frame of the control stack: one per open block, loop, if or else, and one for the function.
struct CtrlFrame {
  uint8_t op;  // 0x02 block, 0x03 loop, 0x04 if, 0x05 else; the function's frame is a block
  Types params;
  Types results;
  uint32_t height;
  uint32_t slot_height;
  bool unreachable;
  uint32_t loop_target;  // loop: body offset of its first instruction
  uint32_t pending_if;   // if: side-table entry of the false edge, patched at else/end
  uint32_t fixups;       // chain of side-table entries that jump to this frame's end
  Types label_types() const { return op == 0x03 ? params : results; }
};

// The validator's operand stack: a vector whose growth is out of line, so that a push inlines to a
// compare, a store and an increment (std::vector's push_back drags its reallocation into every
// caller, and the validator pushes once per instruction).
class SlotStack {
 public:
  size_t size() const { return size_; }
  Slot back() const { return buf_[size_ - 1]; }
  Slot& back() { return buf_[size_ - 1]; }
  Slot operator[](size_t i) const { return buf_[i]; }
  void push_back(Slot s) {
    if (size_ == buf_.size()) [[unlikely]] grow();
    buf_[size_++] = s;
  }
  void pop_back() { --size_; }
  void clear() { size_ = 0; }
  // REQUIRES: n <= size().
  void shrink_to(size_t n) { size_ = n; }

 private:
  [[gnu::noinline]] void grow() { buf_.resize(buf_.size() * 2 + 256); }
  std::vector<Slot> buf_;
  size_t size_ = 0;
};

// Buffers reused from one function to the next, so that validating a module with many small
// functions does not allocate per function.
struct Scratch {
  std::vector<ValType> locals;
  SlotStack vals;
  std::vector<CtrlFrame> ctrls;
  std::vector<uint32_t> labels;
  std::vector<uint64_t> label_seen;
  uint64_t generation = 0;
};

class FunctionValidator {
 public:
  FunctionValidator(const Context& c, Function& f, uint32_t index, Scratch& scratch)
      : c_(c),
        f_(f),
        index_(index),
        type_(c.m.types[f.type_index]),
        in_(c.m.view(f.body), f.body.offset),
        locals_(scratch.locals),
        vals_(scratch.vals),
        ctrls_(scratch.ctrls),
        labels_(scratch.labels),
        label_seen_(scratch.label_seen),
        generation_(scratch.generation) {
    vals_.clear();
    ctrls_.clear();
  }

  Check run();

 private:
  using Ctrl = CtrlFrame;

  Error invalid(const std::string& what) const {
    return invalid_error(what + " (function " + std::to_string(index_) + ", offset " +
                         std::to_string(op_offset_) + ")");
  }
  Error mismatch(const std::string& what) const { return invalid("type mismatch: " + what); }

  static uint32_t slots_of(Slot s) { return s == static_cast<Slot>(kV128) ? 2 : 1; }
  static uint32_t slots_of(Types ts) {
    uint32_t n = 0;
    for (ValType t : ts) n += slots_of(static_cast<Slot>(t));
    return n;
  }
  [[gnu::always_inline]] void push(Slot s) {
    vals_.push_back(s);
    slots_ += slots_of(s);
    if (vals_.size() > max_height_) max_height_ = static_cast<uint32_t>(vals_.size());
    if (slots_ > max_slots_) max_slots_ = slots_;
  }
  void push(ValType t) { push(static_cast<Slot>(t)); }
  void push(Types ts) {
    for (ValType t : ts) push(t);
  }
  Result<Slot> pop() {
    const Ctrl& c = ctrls_.back();
    if (vals_.size() == c.height) {
      if (c.unreachable) return kUnknown;
      return mismatch("the operand stack is empty");
    }
    Slot s = vals_.back();
    vals_.pop_back();
    slots_ -= slots_of(s);
    return s;
  }
  Result<Slot> pop(ValType expected) {
    if (vals_.size() > ctrls_.back().height && vals_.back() == static_cast<Slot>(expected)) {
      vals_.pop_back();  // the common case: the expected type on top
      slots_ -= slots_of(static_cast<Slot>(expected));
      return static_cast<Slot>(expected);
    }
    CHORUS_ASSIGN_OR_RETURN(Slot s, pop());
    if (s != static_cast<Slot>(expected) && s != kUnknown) {
      return mismatch("expected " + std::string(to_string(expected)) + ", found " + type_name(s));
    }
    return s;
  }
  Check pop(Types ts) {
    for (size_t i = ts.size(); i > 0; --i) CHORUS_RETURN_IF_ERROR(pop(ts[i - 1]));
    return kOk;
  }
  Check push_ctrl(uint8_t op, Types params, Types results) {
    if (ctrls_.size() >= kMaxControlDepth) {
      return invalid("control structures nested deeper than " + std::to_string(kMaxControlDepth));
    }
    ctrls_.push_back(Ctrl{op, params, results, static_cast<uint32_t>(vals_.size()), slots_, false,
                          0, kNone, kNone});
    if (ctrls_.size() > max_depth_) max_depth_ = static_cast<uint32_t>(ctrls_.size());
    push(params);
    return kOk;
  }
  // Pops the frame's results and checks the stack is back at its height.
  Check finish_frame(const Ctrl& c) {
    CHORUS_RETURN_IF_ERROR(pop(c.results));
    if (vals_.size() != c.height)
      return mismatch("values remain on the stack at the end of a block");
    return kOk;
  }
  void set_unreachable() {
    vals_.shrink_to(ctrls_.back().height);
    slots_ = ctrls_.back().slot_height;
    ctrls_.back().unreachable = true;
  }
  void note_type(Slot s) {
    notes_.push_back(TypeNote{pc(), s == kUnknown ? kI32 : static_cast<ValType>(s)});
  }
  uint32_t pc() const { return static_cast<uint32_t>(op_offset_ - f_.body.offset); }
  uint32_t here() const { return static_cast<uint32_t>(in_.pos()); }

  // Records a branch from the current instruction to label |depth|.
  void add_branch(uint32_t depth) {
    Ctrl& c = ctrls_[ctrls_.size() - 1 - depth];
    Types lt = c.label_types();
    BranchEntry e{pc(),          kNone,       c.height, static_cast<uint32_t>(lt.size()),
                  c.slot_height, slots_of(lt)};
    if (c.op == 0x03) {
      e.target = c.loop_target;
    } else {
      e.target = c.fixups;  // chained until the frame's end is known
      c.fixups = static_cast<uint32_t>(side_.size());
    }
    side_.push_back(e);
  }
  void patch_chain(uint32_t head, uint32_t target) {
    while (head != kNone) {
      uint32_t next = side_[head].target;
      side_[head].target = target;
      head = next;
    }
  }

  Result<uint32_t> label() {
    CHORUS_ASSIGN_OR_RETURN(uint32_t l, in_.u32());
    if (l >= ctrls_.size()) return invalid("unknown label " + std::to_string(l));
    return l;
  }
  Result<std::pair<Types, Types>> block_type();
  Result<ValType> memarg(uint32_t natural_log2);
  Result<uint8_t> lane(uint32_t lanes) {
    CHORUS_ASSIGN_OR_RETURN(uint8_t l, in_.u8());
    if (l >= lanes) return invalid("invalid lane index " + std::to_string(l));
    return l;
  }
  Result<uint32_t> table_index() {
    CHORUS_ASSIGN_OR_RETURN(uint32_t t, in_.u32());
    if (t >= c_.tables.size()) return invalid("unknown table " + std::to_string(t));
    return t;
  }
  Result<uint32_t> memory_index() {
    CHORUS_ASSIGN_OR_RETURN(uint32_t mi, in_.u32());
    if (mi >= c_.memories.size()) return invalid("unknown memory " + std::to_string(mi));
    return mi;
  }
  // Without a data count section, a data index in code is malformed. The suite's converter omits
  // the section from modules that have no data at all, where the spec expects "unknown data
  // segment"; checking the index against the data section first keeps both verdicts right.
  Check check_data_index(uint32_t d) {
    uint64_t count = c_.m.data_count ? *c_.m.data_count : c_.m.data.size();
    if (d >= count) return invalid("unknown data segment " + std::to_string(d));
    if (!c_.m.data_count) return malformed_error("data count section required", op_offset_);
    return kOk;
  }
  Result<uint32_t> elem_index() {
    CHORUS_ASSIGN_OR_RETURN(uint32_t e, in_.u32());
    if (e >= c_.m.elements.size()) return invalid("unknown elem segment " + std::to_string(e));
    return e;
  }
  ValType mem_index_type(uint32_t mi) const { return c_.memories[mi].limits.is64 ? kI64 : kI32; }

  // The common case of unop/binop: the operands are on top, in reachable code. Numeric operands
  // and results are never v128 here, so the slot count moves with the value count.
  bool on_top(ValType t, size_t n) const {
    if (vals_.size() < ctrls_.back().height + n) return false;
    for (size_t i = 1; i <= n; ++i) {
      if (vals_[vals_.size() - i] != static_cast<Slot>(t)) return false;
    }
    return true;
  }
  Check unop(ValType in, ValType out) {
    if (in != ValType::kV128 && out != ValType::kV128 && on_top(in, 1)) {
      vals_.back() = static_cast<Slot>(out);
      return kOk;
    }
    CHORUS_RETURN_IF_ERROR(pop(in));
    push(out);
    return kOk;
  }
  Check binop(ValType in, ValType out) {
    if (in != ValType::kV128 && out != ValType::kV128 && on_top(in, 2)) {
      vals_.pop_back();
      vals_.back() = static_cast<Slot>(out);
      slots_ -= 1;
      return kOk;
    }
    CHORUS_RETURN_IF_ERROR(pop(in));
    CHORUS_RETURN_IF_ERROR(pop(in));
    push(out);
    return kOk;
  }
  Check load(uint32_t natural_log2, ValType out) {
    CHORUS_ASSIGN_OR_RETURN(ValType at, memarg(natural_log2));
    CHORUS_RETURN_IF_ERROR(pop(at));
    push(out);
    return kOk;
  }
  Check store(uint32_t natural_log2, ValType value) {
    CHORUS_ASSIGN_OR_RETURN(ValType at, memarg(natural_log2));
    CHORUS_RETURN_IF_ERROR(pop(value));
    CHORUS_RETURN_IF_ERROR(pop(at));
    return kOk;
  }

  Check instruction(uint8_t op);
  Check numeric(uint8_t op);
  Check misc(uint32_t sub);
  Check simd(uint32_t sub);

  const Context& c_;
  Function& f_;
  uint32_t index_;
  const FuncType& type_;
  Reader in_;
  size_t op_offset_ = 0;
  bool uses_simd_ = false;
  std::vector<ValType>& locals_;
  SlotStack& vals_;
  std::vector<Ctrl>& ctrls_;
  std::vector<uint32_t>& labels_;      // br_table's labels
  std::vector<uint64_t>& label_seen_;  // br_table: generation_ when a label depth was last checked
  uint64_t& generation_;
  std::vector<BranchEntry> side_;
  std::vector<TypeNote> notes_;
  uint32_t slots_ = 0;  // operand-stack height in slots
  uint32_t max_slots_ = 0;
  uint32_t max_height_ = 0;
  uint32_t max_depth_ = 0;
};

Result<std::pair<Types, Types>> FunctionValidator::block_type() {
  Reader probe = in_;
  CHORUS_ASSIGN_OR_RETURN(uint8_t b, probe.u8());
  if (b == 0x40) {
    in_ = probe;
    return std::make_pair(Types(), Types());
  }
  if ((b >= 0x7B && b <= 0x7F) || b == 0x70 || b == 0x6F) {
    in_ = probe;
    return std::make_pair(Types(), single(static_cast<ValType>(b)));
  }
  // A one-byte negative s33 is a value type we do not know. The sign of a longer one is in its
  // last byte: 0xC0 0x00 is type index 64, not a negative number.
  if ((b & 0xC0) == 0x40) {
    CHORUS_RETURN_IF_ERROR(read_val_type(in_));
    return malformed_error("malformed block type", op_offset_);
  }
  CHORUS_ASSIGN_OR_RETURN(int64_t idx, in_.s33());
  if (idx < 0) return malformed_error("malformed block type", op_offset_);
  if (static_cast<uint64_t>(idx) >= c_.m.types.size()) {
    return invalid("unknown type " + std::to_string(idx));
  }
  const FuncType& t = c_.m.types[idx];
  return std::make_pair(Types(t.params), Types(t.results));
}

Result<ValType> FunctionValidator::memarg(uint32_t natural_log2) {
  size_t at = in_.offset();
  CHORUS_ASSIGN_OR_RETURN(uint32_t flags, in_.u32());
  uint32_t mi = 0;
  if (flags & 0x40) {
    flags &= ~uint32_t{0x40};
    CHORUS_ASSIGN_OR_RETURN(mi, in_.u32());
  }
  if (flags >= 0x80) return malformed_error("malformed memop flags", at);
  CHORUS_ASSIGN_OR_RETURN(uint64_t offset, in_.u64());
  if (mi >= c_.memories.size()) return invalid("unknown memory " + std::to_string(mi));
  if (flags > natural_log2) return invalid("alignment must not be larger than natural");
  bool is64 = c_.memories[mi].limits.is64;
  if (!is64 && offset > UINT32_MAX) return invalid("offset out of range for a 32-bit memory");
  return is64 ? kI64 : kI32;
}

Check FunctionValidator::run() {
  size_t declared = 0;
  for (const LocalRun& r : f_.locals) declared += r.count;
  locals_.reserve(type_.params.size() + declared);
  locals_.assign(type_.params.begin(), type_.params.end());
  for (const LocalRun& r : f_.locals) locals_.insert(locals_.end(), r.count, r.type);
  if (locals_.size() > kMaxLocals + kMaxParams) return invalid("too many locals");
  CHORUS_RETURN_IF_ERROR(push_ctrl(0x02, Types(), Types(type_.results)));
  while (!ctrls_.empty()) {
    op_offset_ = in_.offset();
    auto op = in_.u8();
    if (!op.ok())
      return malformed_error("unexpected end of function body (END opcode expected)", op_offset_);
    CHORUS_RETURN_IF_ERROR(instruction(*op));
  }
  if (!in_.at_end())
    return malformed_error("operators remaining after the end of the function", in_.offset());
  f_.info.num_locals = static_cast<uint32_t>(locals_.size());
  f_.info.max_stack_height = max_height_;
  f_.info.max_stack_slots = max_slots_;
  f_.info.type_notes = std::move(notes_);
  f_.info.max_control_depth = max_depth_;
  f_.info.side_table = std::move(side_);
  f_.info.uses_simd = uses_simd_;
  return kOk;
}

Check FunctionValidator::instruction(uint8_t op) {
  switch (op) {
    case 0x00:  // unreachable
      set_unreachable();
      return kOk;
    case 0x01:  // nop
      return kOk;
    case 0x02:
    case 0x03: {
      CHORUS_ASSIGN_OR_RETURN(auto bt, block_type());
      CHORUS_RETURN_IF_ERROR(pop(bt.first));
      CHORUS_RETURN_IF_ERROR(push_ctrl(op, bt.first, bt.second));
      ctrls_.back().loop_target = here();
      return kOk;
    }
    case 0x04: {
      CHORUS_ASSIGN_OR_RETURN(auto bt, block_type());
      CHORUS_RETURN_IF_ERROR(pop(kI32));
      CHORUS_RETURN_IF_ERROR(pop(bt.first));
      uint32_t entry = static_cast<uint32_t>(side_.size());
      side_.push_back(BranchEntry{pc(), kNone, static_cast<uint32_t>(vals_.size()),
                                  static_cast<uint32_t>(bt.first.size()), slots_,
                                  slots_of(bt.first)});
      CHORUS_RETURN_IF_ERROR(push_ctrl(op, bt.first, bt.second));
      ctrls_.back().pending_if = entry;
      return kOk;
    }
    case 0x05: {  // else
      Ctrl& c = ctrls_.back();
      if (c.op != 0x04) return malformed_error("else without a matching if", op_offset_);
      CHORUS_RETURN_IF_ERROR(finish_frame(c));
      side_.push_back(BranchEntry{pc(), c.fixups, c.height, static_cast<uint32_t>(c.results.size()),
                                  c.slot_height, slots_of(c.results)});
      c.fixups = static_cast<uint32_t>(side_.size() - 1);
      side_[c.pending_if].target = here();
      c.pending_if = kNone;
      c.op = 0x05;
      c.unreachable = false;
      push(c.params);
      return kOk;
    }
    case 0x0B: {  // end
      Ctrl c = ctrls_.back();
      CHORUS_RETURN_IF_ERROR(finish_frame(c));
      if (c.op == 0x04 && !same(c.params, c.results)) {
        return mismatch("an if without else must leave its parameters as its results");
      }
      patch_chain(c.fixups, here());
      if (c.pending_if != kNone) side_[c.pending_if].target = here();
      ctrls_.pop_back();
      push(c.results);
      return kOk;
    }
    case 0x0C: {  // br
      CHORUS_ASSIGN_OR_RETURN(uint32_t l, label());
      CHORUS_RETURN_IF_ERROR(pop(ctrls_[ctrls_.size() - 1 - l].label_types()));
      add_branch(l);
      set_unreachable();
      return kOk;
    }
    case 0x0D: {  // br_if
      CHORUS_ASSIGN_OR_RETURN(uint32_t l, label());
      CHORUS_RETURN_IF_ERROR(pop(kI32));
      Types lt = ctrls_[ctrls_.size() - 1 - l].label_types();
      CHORUS_RETURN_IF_ERROR(pop(lt));
      add_branch(l);
      push(lt);
      return kOk;
    }
    case 0x0E: {  // br_table
      CHORUS_ASSIGN_OR_RETURN(uint32_t n, in_.count(UINT32_MAX, "br_table labels"));
      labels_.clear();
      labels_.reserve(n + 1);
      for (uint32_t i = 0; i <= n; ++i) {
        CHORUS_ASSIGN_OR_RETURN(uint32_t l, label());
        labels_.push_back(l);
      }
      CHORUS_RETURN_IF_ERROR(pop(kI32));
      size_t arity = ctrls_[ctrls_.size() - 1 - labels_.back()].label_types().size();
      // Each distinct label is checked once, so that a long table costs time linear in its
      // length, not in its length times the arity.
      if (label_seen_.size() < ctrls_.size()) label_seen_.resize(ctrls_.size(), 0);
      ++generation_;
      for (uint32_t i = 0; i < n; ++i) {
        Types lt = ctrls_[ctrls_.size() - 1 - labels_[i]].label_types();
        if (lt.size() != arity) return mismatch("br_table targets of different arity");
        if (label_seen_[labels_[i]] == generation_) continue;
        label_seen_[labels_[i]] = generation_;
        // Check the operands against this label without consuming them.
        std::vector<Slot> popped(lt.size());
        for (size_t k = lt.size(); k > 0; --k) {
          CHORUS_ASSIGN_OR_RETURN(popped[k - 1], pop(lt[k - 1]));
        }
        for (Slot s : popped) push(s);
      }
      for (uint32_t l : labels_) add_branch(l);
      CHORUS_RETURN_IF_ERROR(pop(ctrls_[ctrls_.size() - 1 - labels_.back()].label_types()));
      set_unreachable();
      return kOk;
    }
    case 0x0F:  // return
      CHORUS_RETURN_IF_ERROR(pop(Types(type_.results)));
      set_unreachable();
      return kOk;
    case 0x10: {  // call
      CHORUS_ASSIGN_OR_RETURN(uint32_t fi, in_.u32());
      if (fi >= c_.func_types.size()) return invalid("unknown function " + std::to_string(fi));
      const FuncType& t = c_.m.types[c_.func_types[fi]];
      CHORUS_RETURN_IF_ERROR(pop(Types(t.params)));
      push(Types(t.results));
      return kOk;
    }
    case 0x11: {  // call_indirect
      CHORUS_ASSIGN_OR_RETURN(uint32_t ti, in_.u32());
      CHORUS_ASSIGN_OR_RETURN(uint32_t table, table_index());
      if (ti >= c_.m.types.size()) return invalid("unknown type " + std::to_string(ti));
      if (c_.tables[table].elem != ValType::kFuncRef) {
        return mismatch("call_indirect through a table that does not hold funcref");
      }
      CHORUS_RETURN_IF_ERROR(pop(c_.index_type_of_table(table)));
      const FuncType& t = c_.m.types[ti];
      CHORUS_RETURN_IF_ERROR(pop(Types(t.params)));
      push(Types(t.results));
      return kOk;
    }
    case 0x12:
    case 0x13: return unsupported_error("tail calls", "return_call");
    case 0x14:
    case 0x15: return unsupported_error("function references", "call_ref");
    case 0x06:
    case 0x07:
    case 0x08:
    case 0x09:
    case 0x0A:
    case 0x18:
    case 0x19:
    case 0x1F: return unsupported_error("exception handling", "an exception-handling instruction");
    case 0x1A: {  // drop
      CHORUS_ASSIGN_OR_RETURN(Slot s, pop());
      note_type(s);
      return kOk;
    }
    case 0x1B: {  // select
      CHORUS_RETURN_IF_ERROR(pop(kI32));
      CHORUS_ASSIGN_OR_RETURN(Slot a, pop());
      CHORUS_ASSIGN_OR_RETURN(Slot b, pop());
      auto numeric_or_vector = [](Slot s) {
        return s == kUnknown || !is_ref(static_cast<ValType>(s));
      };
      if (!numeric_or_vector(a) || !numeric_or_vector(b)) {
        return mismatch("select without a type needs numeric or vector operands");
      }
      if (a != b && a != kUnknown && b != kUnknown) return mismatch("select operands differ");
      Slot t = a == kUnknown ? b : a;
      note_type(t);
      push(t);
      return kOk;
    }
    case 0x1C: {  // select t*
      CHORUS_ASSIGN_OR_RETURN(uint32_t n, in_.u32());
      if (n != 1) return invalid("invalid result arity: typed select takes one type");
      CHORUS_ASSIGN_OR_RETURN(ValType t, read_val_type(in_));
      CHORUS_RETURN_IF_ERROR(pop(kI32));
      CHORUS_RETURN_IF_ERROR(pop(t));
      CHORUS_RETURN_IF_ERROR(pop(t));
      push(t);
      return kOk;
    }
    case 0x20:
    case 0x21:
    case 0x22: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t x, in_.u32());
      if (x >= locals_.size()) return invalid("unknown local " + std::to_string(x));
      ValType t = locals_[x];
      if (op == 0x20) {
        push(t);
      } else {
        CHORUS_RETURN_IF_ERROR(pop(t));
        if (op == 0x22) push(t);
      }
      return kOk;
    }
    case 0x23:
    case 0x24: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t x, in_.u32());
      if (x >= c_.globals.size()) return invalid("unknown global " + std::to_string(x));
      const GlobalType& g = c_.globals[x];
      if (op == 0x23) {
        push(g.type);
      } else {
        if (!g.is_mutable) return invalid("global is immutable");
        CHORUS_RETURN_IF_ERROR(pop(g.type));
      }
      return kOk;
    }
    case 0x25:
    case 0x26: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t t, table_index());
      ValType elem = c_.tables[t].elem;
      if (op == 0x25) {
        CHORUS_RETURN_IF_ERROR(pop(c_.index_type_of_table(t)));
        push(elem);
      } else {
        CHORUS_RETURN_IF_ERROR(pop(elem));
        CHORUS_RETURN_IF_ERROR(pop(c_.index_type_of_table(t)));
      }
      return kOk;
    }
    case 0x28: return load(2, kI32);
    case 0x29: return load(3, kI64);
    case 0x2A: return load(2, kF32);
    case 0x2B: return load(3, kF64);
    case 0x2C:
    case 0x2D: return load(0, kI32);
    case 0x2E:
    case 0x2F: return load(1, kI32);
    case 0x30:
    case 0x31: return load(0, kI64);
    case 0x32:
    case 0x33: return load(1, kI64);
    case 0x34:
    case 0x35: return load(2, kI64);
    case 0x36: return store(2, kI32);
    case 0x37: return store(3, kI64);
    case 0x38: return store(2, kF32);
    case 0x39: return store(3, kF64);
    case 0x3A: return store(0, kI32);
    case 0x3B: return store(1, kI32);
    case 0x3C: return store(0, kI64);
    case 0x3D: return store(1, kI64);
    case 0x3E: return store(2, kI64);
    case 0x3F:
    case 0x40: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t mi, memory_index());
      ValType at = mem_index_type(mi);
      if (op == 0x40) CHORUS_RETURN_IF_ERROR(pop(at));
      push(at);
      return kOk;
    }
    case 0x41:
      CHORUS_RETURN_IF_ERROR(in_.s32());
      push(kI32);
      return kOk;
    case 0x42:
      CHORUS_RETURN_IF_ERROR(in_.s64());
      push(kI64);
      return kOk;
    case 0x43:
      CHORUS_RETURN_IF_ERROR(in_.bytes(4));
      push(kF32);
      return kOk;
    case 0x44:
      CHORUS_RETURN_IF_ERROR(in_.bytes(8));
      push(kF64);
      return kOk;
    case 0xD0: {  // ref.null
      CHORUS_ASSIGN_OR_RETURN(ValType t, read_heap_type(in_));
      push(t);
      return kOk;
    }
    case 0xD1: {  // ref.is_null
      CHORUS_ASSIGN_OR_RETURN(Slot s, pop());
      if (s != kUnknown && !is_ref(static_cast<ValType>(s))) {
        return mismatch("ref.is_null needs a reference, found " + type_name(s));
      }
      push(kI32);
      return kOk;
    }
    case 0xD2: {  // ref.func
      CHORUS_ASSIGN_OR_RETURN(uint32_t fi, in_.u32());
      if (fi >= c_.func_types.size()) return invalid("unknown function " + std::to_string(fi));
      if (!c_.refs[fi]) return invalid("undeclared function reference " + std::to_string(fi));
      push(ValType::kFuncRef);
      return kOk;
    }
    case 0xD3: return unsupported_error("GC", "ref.eq");
    case 0xD4:
    case 0xD5:
    case 0xD6: return unsupported_error("function references", "a non-null reference instruction");
    case 0xFB: return unsupported_error("GC", "a GC instruction (0xFB prefix)");
    case 0xFE: return unsupported_error("threads", "an atomic instruction (0xFE prefix)");
    case 0xFC: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t sub, in_.u32());
      return misc(sub);
    }
    case 0xFD: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t sub, in_.u32());
      uses_simd_ = true;
      return simd(sub);
    }
    default:
      if (op >= 0x45 && op <= 0xC4) return numeric(op);
      return malformed_error("illegal opcode 0x" + std::string(1, "0123456789abcdef"[op >> 4]) +
                                 std::string(1, "0123456789abcdef"[op & 15]),
                             op_offset_);
  }
}

Check FunctionValidator::numeric(uint8_t op) {
  if (op == 0x45) return unop(kI32, kI32);
  if (op <= 0x4F) return binop(kI32, kI32);
  if (op == 0x50) return unop(kI64, kI32);
  if (op <= 0x5A) return binop(kI64, kI32);
  if (op <= 0x60) return binop(kF32, kI32);
  if (op <= 0x66) return binop(kF64, kI32);
  if (op <= 0x69) return unop(kI32, kI32);
  if (op <= 0x78) return binop(kI32, kI32);
  if (op <= 0x7B) return unop(kI64, kI64);
  if (op <= 0x8A) return binop(kI64, kI64);
  if (op <= 0x91) return unop(kF32, kF32);
  if (op <= 0x98) return binop(kF32, kF32);
  if (op <= 0x9F) return unop(kF64, kF64);
  if (op <= 0xA6) return binop(kF64, kF64);
  switch (op) {
    case 0xA7: return unop(kI64, kI32);
    case 0xA8:
    case 0xA9: return unop(kF32, kI32);
    case 0xAA:
    case 0xAB: return unop(kF64, kI32);
    case 0xAC:
    case 0xAD: return unop(kI32, kI64);
    case 0xAE:
    case 0xAF: return unop(kF32, kI64);
    case 0xB0:
    case 0xB1: return unop(kF64, kI64);
    case 0xB2:
    case 0xB3: return unop(kI32, kF32);
    case 0xB4:
    case 0xB5: return unop(kI64, kF32);
    case 0xB6: return unop(kF64, kF32);
    case 0xB7:
    case 0xB8: return unop(kI32, kF64);
    case 0xB9:
    case 0xBA: return unop(kI64, kF64);
    case 0xBB: return unop(kF32, kF64);
    case 0xBC: return unop(kF32, kI32);
    case 0xBD: return unop(kF64, kI64);
    case 0xBE: return unop(kI32, kF32);
    case 0xBF: return unop(kI64, kF64);
    case 0xC0:
    case 0xC1: return unop(kI32, kI32);
    default: return unop(kI64, kI64);  // 0xC2..0xC4
  }
}

Check FunctionValidator::misc(uint32_t sub) {
  switch (sub) {
    case 0:
    case 1: return unop(kF32, kI32);
    case 2:
    case 3: return unop(kF64, kI32);
    case 4:
    case 5: return unop(kF32, kI64);
    case 6:
    case 7: return unop(kF64, kI64);
    case 8: {  // memory.init
      CHORUS_ASSIGN_OR_RETURN(uint32_t d, in_.u32());
      CHORUS_ASSIGN_OR_RETURN(uint32_t mi, memory_index());
      CHORUS_RETURN_IF_ERROR(check_data_index(d));
      CHORUS_RETURN_IF_ERROR(pop(kI32));
      CHORUS_RETURN_IF_ERROR(pop(kI32));
      CHORUS_RETURN_IF_ERROR(pop(mem_index_type(mi)));
      return kOk;
    }
    case 9: {  // data.drop
      CHORUS_ASSIGN_OR_RETURN(uint32_t d, in_.u32());
      return check_data_index(d);
    }
    case 10: {  // memory.copy
      CHORUS_ASSIGN_OR_RETURN(uint32_t dst, memory_index());
      CHORUS_ASSIGN_OR_RETURN(uint32_t src, memory_index());
      ValType dt = mem_index_type(dst), st = mem_index_type(src);
      CHORUS_RETURN_IF_ERROR(pop(dt == kI64 && st == kI64 ? kI64 : kI32));
      CHORUS_RETURN_IF_ERROR(pop(st));
      CHORUS_RETURN_IF_ERROR(pop(dt));
      return kOk;
    }
    case 11: {  // memory.fill
      CHORUS_ASSIGN_OR_RETURN(uint32_t mi, memory_index());
      ValType at = mem_index_type(mi);
      CHORUS_RETURN_IF_ERROR(pop(at));
      CHORUS_RETURN_IF_ERROR(pop(kI32));
      CHORUS_RETURN_IF_ERROR(pop(at));
      return kOk;
    }
    case 12: {  // table.init
      CHORUS_ASSIGN_OR_RETURN(uint32_t e, elem_index());
      CHORUS_ASSIGN_OR_RETURN(uint32_t t, table_index());
      if (c_.m.elements[e].type != c_.tables[t].elem) {
        return mismatch("table.init from a segment of another element type");
      }
      CHORUS_RETURN_IF_ERROR(pop(kI32));
      CHORUS_RETURN_IF_ERROR(pop(kI32));
      CHORUS_RETURN_IF_ERROR(pop(c_.index_type_of_table(t)));
      return kOk;
    }
    case 13:  // elem.drop
      CHORUS_RETURN_IF_ERROR(elem_index());
      return kOk;
    case 14: {  // table.copy
      CHORUS_ASSIGN_OR_RETURN(uint32_t dst, table_index());
      CHORUS_ASSIGN_OR_RETURN(uint32_t src, table_index());
      if (c_.tables[dst].elem != c_.tables[src].elem) {
        return mismatch("table.copy between tables of different element types");
      }
      ValType dt = c_.index_type_of_table(dst), st = c_.index_type_of_table(src);
      CHORUS_RETURN_IF_ERROR(pop(dt == kI64 && st == kI64 ? kI64 : kI32));
      CHORUS_RETURN_IF_ERROR(pop(st));
      CHORUS_RETURN_IF_ERROR(pop(dt));
      return kOk;
    }
    case 15: {  // table.grow
      CHORUS_ASSIGN_OR_RETURN(uint32_t t, table_index());
      ValType at = c_.index_type_of_table(t);
      CHORUS_RETURN_IF_ERROR(pop(at));
      CHORUS_RETURN_IF_ERROR(pop(c_.tables[t].elem));
      push(at);
      return kOk;
    }
    case 16: {  // table.size
      CHORUS_ASSIGN_OR_RETURN(uint32_t t, table_index());
      push(c_.index_type_of_table(t));
      return kOk;
    }
    case 17: {  // table.fill
      CHORUS_ASSIGN_OR_RETURN(uint32_t t, table_index());
      ValType at = c_.index_type_of_table(t);
      CHORUS_RETURN_IF_ERROR(pop(at));
      CHORUS_RETURN_IF_ERROR(pop(c_.tables[t].elem));
      CHORUS_RETURN_IF_ERROR(pop(at));
      return kOk;
    }
    default: return malformed_error("illegal opcode 0xfc " + std::to_string(sub), op_offset_);
  }
}

// The fixed-width SIMD instructions of Wasm 2.0, by their 0xFD sub-opcode.
Check FunctionValidator::simd(uint32_t sub) {
  auto v_unop = [&] { return unop(kV128, kV128); };
  auto v_binop = [&] { return binop(kV128, kV128); };
  auto v_test = [&] { return unop(kV128, kI32); };
  auto v_shift = [&]() -> Check {
    CHORUS_RETURN_IF_ERROR(pop(kI32));
    CHORUS_RETURN_IF_ERROR(pop(kV128));
    push(kV128);
    return kOk;
  };
  auto lane_op = [&](uint32_t lanes, ValType scalar, bool replace) -> Check {
    CHORUS_RETURN_IF_ERROR(lane(lanes));
    if (replace) CHORUS_RETURN_IF_ERROR(pop(scalar));
    CHORUS_RETURN_IF_ERROR(pop(kV128));
    push(replace ? kV128 : scalar);
    return kOk;
  };
  auto mem_lane = [&](uint32_t log2, bool is_store) -> Check {
    CHORUS_ASSIGN_OR_RETURN(ValType at, memarg(log2));
    CHORUS_RETURN_IF_ERROR(lane(16u >> log2));
    CHORUS_RETURN_IF_ERROR(pop(kV128));
    CHORUS_RETURN_IF_ERROR(pop(at));
    if (!is_store) push(kV128);
    return kOk;
  };
  if (sub >= 0x100 && sub <= 0x113) {
    return unsupported_error("relaxed SIMD", "a relaxed SIMD instruction");
  }
  switch (sub) {
    case 0x00: return load(4, kV128);
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x05:
    case 0x06: return load(3, kV128);
    case 0x07: return load(0, kV128);
    case 0x08: return load(1, kV128);
    case 0x09: return load(2, kV128);
    case 0x0A: return load(3, kV128);
    case 0x0B: return store(4, kV128);
    case 0x0C:
      CHORUS_RETURN_IF_ERROR(in_.bytes(16));
      push(kV128);
      return kOk;
    case 0x0D: {  // i8x16.shuffle
      for (int i = 0; i < 16; ++i) CHORUS_RETURN_IF_ERROR(lane(32));
      return v_binop();
    }
    case 0x0E: return v_binop();
    case 0x0F:
    case 0x10:
    case 0x11: return unop(kI32, kV128);
    case 0x12: return unop(kI64, kV128);
    case 0x13: return unop(kF32, kV128);
    case 0x14: return unop(kF64, kV128);
    case 0x15:
    case 0x16: return lane_op(16, kI32, false);
    case 0x17: return lane_op(16, kI32, true);
    case 0x18:
    case 0x19: return lane_op(8, kI32, false);
    case 0x1A: return lane_op(8, kI32, true);
    case 0x1B: return lane_op(4, kI32, false);
    case 0x1C: return lane_op(4, kI32, true);
    case 0x1D: return lane_op(2, kI64, false);
    case 0x1E: return lane_op(2, kI64, true);
    case 0x1F: return lane_op(4, kF32, false);
    case 0x20: return lane_op(4, kF32, true);
    case 0x21: return lane_op(2, kF64, false);
    case 0x22: return lane_op(2, kF64, true);
    case 0x4D: return v_unop();
    case 0x52: {  // v128.bitselect
      CHORUS_RETURN_IF_ERROR(pop(kV128));
      return v_binop();
    }
    case 0x53: return v_test();
    case 0x54: return mem_lane(0, false);
    case 0x55: return mem_lane(1, false);
    case 0x56: return mem_lane(2, false);
    case 0x57: return mem_lane(3, false);
    case 0x58: return mem_lane(0, true);
    case 0x59: return mem_lane(1, true);
    case 0x5A: return mem_lane(2, true);
    case 0x5B: return mem_lane(3, true);
    case 0x5C: return load(2, kV128);
    case 0x5D: return load(3, kV128);
    case 0x5E:
    case 0x5F: return v_unop();
    case 0x60:
    case 0x61:
    case 0x62: return v_unop();
    case 0x63:
    case 0x64: return v_test();
    case 0x65:
    case 0x66: return v_binop();
    case 0x67:
    case 0x68:
    case 0x69:
    case 0x6A: return v_unop();
    case 0x6B:
    case 0x6C:
    case 0x6D: return v_shift();
    case 0x74:
    case 0x75:
    case 0x7A: return v_unop();
    case 0x7C:
    case 0x7D:
    case 0x7E:
    case 0x7F: return v_unop();
    case 0x80:
    case 0x81: return v_unop();
    case 0x82: return v_binop();
    case 0x83:
    case 0x84: return v_test();
    case 0x85:
    case 0x86: return v_binop();
    case 0x87:
    case 0x88:
    case 0x89:
    case 0x8A: return v_unop();
    case 0x8B:
    case 0x8C:
    case 0x8D: return v_shift();
    case 0x94: return v_unop();
    case 0x9A: break;
    case 0xA0:
    case 0xA1: return v_unop();
    case 0xA3:
    case 0xA4: return v_test();
    case 0xA7:
    case 0xA8:
    case 0xA9:
    case 0xAA: return v_unop();
    case 0xAB:
    case 0xAC:
    case 0xAD: return v_shift();
    case 0xC0:
    case 0xC1: return v_unop();
    case 0xC3:
    case 0xC4: return v_test();
    case 0xC7:
    case 0xC8:
    case 0xC9:
    case 0xCA: return v_unop();
    case 0xCB:
    case 0xCC:
    case 0xCD: return v_shift();
    case 0xE0:
    case 0xE1:
    case 0xE3: return v_unop();
    case 0xEC:
    case 0xED:
    case 0xEF: return v_unop();
    default: break;
  }
  // The remaining defined opcodes are all binary v128 operations.
  bool binary = (sub >= 0x23 && sub <= 0x4C) || (sub >= 0x4E && sub <= 0x51) ||
                (sub >= 0x6E && sub <= 0x73) || (sub >= 0x76 && sub <= 0x79) || sub == 0x7B ||
                (sub >= 0x8E && sub <= 0x93) || (sub >= 0x95 && sub <= 0x99) ||
                (sub >= 0x9B && sub <= 0x9F) || sub == 0xAE || sub == 0xB1 ||
                (sub >= 0xB5 && sub <= 0xBA) || (sub >= 0xBC && sub <= 0xBF) || sub == 0xCE ||
                sub == 0xD1 || (sub >= 0xD5 && sub <= 0xDF) || (sub >= 0xE4 && sub <= 0xEB) ||
                (sub >= 0xF0 && sub <= 0xF7);
  if (binary) return v_binop();
  if (sub >= 0xF8 && sub <= 0xFF) return v_unop();
  return malformed_error("illegal opcode 0xfd " + std::to_string(sub), op_offset_);
}

Check check_limits(const Limits& l, uint64_t bound, std::string_view what) {
  if (l.min > bound || (l.max && *l.max > bound)) {
    return invalid_error(std::string(what) + " size must be at most " + std::to_string(bound) +
                         (what == "memory" ? " pages" : " elements"));
  }
  if (l.max && l.min > *l.max) {
    return invalid_error("size minimum must not be greater than maximum (" + std::string(what) +
                         ")");
  }
  return kOk;
}

Check check_memory(const MemoryType& t) {
  return check_limits(t.limits, t.limits.is64 ? kMaxPages64 : kMaxPages32, "memory");
}
Check check_table(const TableType& t) {
  return check_limits(t.limits, t.limits.is64 ? UINT64_MAX : UINT32_MAX, "table");
}

}  // namespace

Status validate(Module& m) {
  Context c(m);
  for (const Import& im : m.imports) {
    switch (im.kind) {
      case ExternKind::kFunc:
        if (im.func_type >= m.types.size()) {
          return invalid_error("unknown type " + std::to_string(im.func_type) + " in import " +
                               im.module + "." + im.name);
        }
        c.func_types.push_back(im.func_type);
        break;
      case ExternKind::kTable:
        CHORUS_RETURN_IF_ERROR(check_table(im.table));
        c.tables.push_back(im.table);
        break;
      case ExternKind::kMemory:
        CHORUS_RETURN_IF_ERROR(check_memory(im.memory));
        c.memories.push_back(im.memory);
        break;
      case ExternKind::kGlobal: c.globals.push_back(im.global); break;
    }
  }
  for (size_t i = 0; i < m.functions.size(); ++i) {
    uint32_t t = m.functions[i].type_index;
    if (t >= m.types.size()) {
      return invalid_error("unknown type " + std::to_string(t) + " of function " +
                           std::to_string(m.imported_functions + i));
    }
    c.func_types.push_back(t);
  }
  for (const Table& t : m.tables) {
    CHORUS_RETURN_IF_ERROR(check_table(t.type));
    c.tables.push_back(t.type);
  }
  for (const Memory& mem : m.memories) {
    CHORUS_RETURN_IF_ERROR(check_memory(mem.type));
    c.memories.push_back(mem.type);
  }
  if (c.memories.size() > 1) {
    return unsupported_error("multi-memory",
                             "a module with " + std::to_string(c.memories.size()) + " memories");
  }
  c.refs.assign(c.func_types.size(), false);

  // Globals may read the imported and the earlier globals (Wasm 3.0 relaxed the 2.0 rule of
  // imported globals only; engines accept both).
  for (size_t i = 0; i < m.globals.size(); ++i) {
    const Global& g = m.globals[i];
    uint32_t visible = static_cast<uint32_t>(c.globals.size());
    CHORUS_RETURN_IF_ERROR(
        check_const_expr(c, g.init, g.type.type, visible, "global " + std::to_string(visible)));
    c.globals.push_back(g.type);
  }
  uint32_t all_globals = static_cast<uint32_t>(c.globals.size());

  for (size_t i = 0; i < m.elements.size(); ++i) {
    const ElemSegment& s = m.elements[i];
    std::string where = "element segment " + std::to_string(i);
    if (s.mode == SegmentMode::kActive) {
      if (s.table >= c.tables.size()) {
        return invalid_error("unknown table " + std::to_string(s.table) + " in " + where);
      }
      if (c.tables[s.table].elem != s.type) {
        return invalid_error("type mismatch: " + where + " holds " + to_string(s.type) +
                             " but its table holds " + to_string(c.tables[s.table].elem));
      }
      CHORUS_RETURN_IF_ERROR(
          check_const_expr(c, s.offset, c.index_type_of_table(s.table), all_globals, where));
    }
    for (uint32_t f : s.functions) {
      if (f >= c.func_types.size()) {
        return invalid_error("unknown function " + std::to_string(f) + " in " + where);
      }
      c.refs[f] = true;
    }
    for (const ConstExpr& e : s.exprs) {
      CHORUS_RETURN_IF_ERROR(check_const_expr(c, e, s.type, all_globals, where));
    }
  }

  for (size_t i = 0; i < m.data.size(); ++i) {
    const DataSegment& d = m.data[i];
    if (d.mode != SegmentMode::kActive) continue;
    std::string where = "data segment " + std::to_string(i);
    if (d.memory >= c.memories.size()) {
      return invalid_error("unknown memory " + std::to_string(d.memory) + " in " + where);
    }
    ValType at = c.memories[d.memory].limits.is64 ? kI64 : kI32;
    CHORUS_RETURN_IF_ERROR(check_const_expr(c, d.offset, at, all_globals, where));
  }

  std::unordered_set<std::string_view> names;
  names.reserve(m.exports.size());
  for (const Export& e : m.exports) {
    size_t bound = 0;
    switch (e.kind) {
      case ExternKind::kFunc: bound = c.func_types.size(); break;
      case ExternKind::kTable: bound = c.tables.size(); break;
      case ExternKind::kMemory: bound = c.memories.size(); break;
      case ExternKind::kGlobal: bound = c.globals.size(); break;
    }
    if (e.index >= bound) {
      return invalid_error("unknown " + std::string(to_string(e.kind)) + " " +
                           std::to_string(e.index) + " in export \"" + e.name + "\"");
    }
    if (e.kind == ExternKind::kFunc) c.refs[e.index] = true;
    if (!names.insert(e.name).second) {
      return invalid_error("duplicate export name \"" + e.name + "\"");
    }
  }

  if (m.start) {
    if (*m.start >= c.func_types.size()) {
      return invalid_error("unknown function " + std::to_string(*m.start) + " as start function");
    }
    const FuncType& t = m.types[c.func_types[*m.start]];
    if (!t.params.empty() || !t.results.empty()) {
      return invalid_error("start function must take no parameters and return nothing");
    }
  }

  Scratch scratch;
  for (size_t i = 0; i < m.functions.size(); ++i) {
    uint32_t index = static_cast<uint32_t>(m.imported_functions + i);
    FunctionValidator v(c, m.functions[i], index, scratch);
    CHORUS_RETURN_IF_ERROR(v.run());
  }
  return ok_status();
}

Result<Module> decode_and_validate(ByteView bytes, const DecodeOptions& options) {
  CHORUS_ASSIGN_OR_RETURN(Module m, decode(bytes, options));
  CHORUS_RETURN_IF_ERROR(validate(m));
  return m;
}

}  // namespace chorus::wasm
