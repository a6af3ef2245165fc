#include "wasm/runtime.h"

#include <algorithm>
#include <new>

#include "wasm/executor.h"
#include "wasm/reader.h"
#include "wasm/translate.h"

namespace chorus::wasm {
namespace {

bool func_type_less(const FuncType& a, const FuncType& b) {
  if (a.params != b.params) return a.params < b.params;
  return a.results < b.results;
}

// An import of limits |declared| accepts an extern whose current size is |size| and whose own
// maximum is |max| (the spec's limits subtyping).
bool limits_match(uint64_t size, const std::optional<uint64_t>& max, const Limits& declared) {
  if (size < declared.min) return false;
  if (declared.max) {
    if (!max || *max > *declared.max) return false;
  }
  return true;
}

Error incompatible(const Import& im, const std::string& why) {
  return Error("incompatible import type: " + im.module + "." + im.name + ": " + why);
}

}  // namespace

Result<std::unique_ptr<MemoryInst>> MemoryInst::create(const MemoryType& type,
                                                       uint64_t limit_pages,
                                                       Reservation reservation) {
  CHORUS_ASSIGN_OR_RETURN(LinearMemory memory,
                          LinearMemory::create(type.limits.min, type.limits.max, type.limits.is64,
                                               limit_pages, reservation));
  return std::unique_ptr<MemoryInst>(new MemoryInst(type, std::move(memory)));
}

std::optional<uint64_t> MemoryInst::grow(uint64_t delta) {
  // A failed commit (the host is out of memory) fails the growth, as the spec allows.
  int64_t old = memory_.grow(delta);
  if (old < 0) return std::nullopt;
  return static_cast<uint64_t>(old);
}

Status Caller::read(uint64_t addr, std::span<uint8_t> out) const {
  if (!in_bounds(addr, out.size())) return Error(kTrapMemoryOutOfBounds);
  if (!out.empty()) std::memcpy(out.data(), memory_->data() + addr, out.size());
  return ok_status();
}

Status Caller::write(uint64_t addr, ByteView bytes) {
  if (!in_bounds(addr, bytes.size())) return Error(kTrapMemoryOutOfBounds);
  if (bytes.empty()) return ok_status();
  memory_->mark_written(addr, bytes.size());
  std::memcpy(memory_->data() + addr, bytes.data(), bytes.size());
  return ok_status();
}

std::optional<uint64_t> TableInst::grow(uint64_t delta, uint64_t init) {
  uint64_t old = elems.size();
  uint64_t max = std::min(type.limits.max.value_or(kMaxTableSize), kMaxTableSize);
  if (old > max || delta > max - old) return std::nullopt;
  if (delta > 0) before_write();
  elems.resize(old + delta, init);
  return old;
}

std::optional<Extern> Instance::find_export(std::string_view name) const {
  for (const Export& e : module->exports) {
    if (e.name != name) continue;
    Extern x;
    x.kind = e.kind;
    switch (e.kind) {
      case ExternKind::kFunc:
        x.func = funcs[e.index];
        break;
      case ExternKind::kTable:
        x.table = tables[e.index];
        break;
      case ExternKind::kMemory:
        x.memory = memories[e.index];
        break;
      case ExternKind::kGlobal:
        x.global = globals[e.index];
        break;
    }
    return x;
  }
  return std::nullopt;
}

Store::Store() : type_ids_(func_type_less) {}
Store::~Store() = default;

uint32_t Store::type_id(const FuncType& t) {
  auto [it, inserted] = type_ids_.emplace(t, static_cast<uint32_t>(type_ids_.size()));
  return it->second;
}

FuncInst* Store::add_host_function(FuncType type, HostFunction fn) {
  auto f = std::make_unique<FuncInst>();
  f->type_id = type_id(type);
  f->type = std::move(type);
  f->host = std::move(fn);
  funcs_.push_back(std::move(f));
  return funcs_.back().get();
}

TableInst* Store::add_table(const TableType& type, uint64_t init) {
  auto t = std::make_unique<TableInst>();
  t->type = type;
  t->elems.assign(std::min(type.limits.min, kMaxTableSize), init);
  tables_.push_back(std::move(t));
  return tables_.back().get();
}

Result<MemoryInst*> Store::add_memory(const MemoryType& type) {
  CHORUS_ASSIGN_OR_RETURN(std::unique_ptr<MemoryInst> m,
                          MemoryInst::create(type, memory_limit_pages_, memory_reservation_));
  memories_.push_back(std::move(m));
  return memories_.back().get();
}

GlobalInst* Store::add_global(const GlobalType& type, uint64_t value, uint64_t value_hi) {
  globals_.push_back(std::make_unique<GlobalInst>(GlobalInst{type, value, value_hi}));
  return globals_.back().get();
}

namespace {

// The value of a constant expression: one word, or two for a v128.
struct ConstValue {
  uint64_t lo = 0, hi = 0;
  explicit ConstValue(uint64_t v) : lo(v) {}
  ConstValue(uint64_t l, uint64_t h) : lo(l), hi(h) {}
};

// A constant expression of a validated module: one value-producing instruction, then end.
Result<ConstValue> evaluate(const Module& m, const Instance& inst, const ConstExpr& e) {
  Reader in(m.view(e.code), e.code.offset);
  CHORUS_ASSIGN_OR_RETURN(uint8_t op, in.u8());
  switch (op) {
    case 0x41: {
      CHORUS_ASSIGN_OR_RETURN(int32_t v, in.s32());
      return ConstValue(static_cast<uint32_t>(v));
    }
    case 0x42: {
      CHORUS_ASSIGN_OR_RETURN(int64_t v, in.s64());
      return ConstValue(static_cast<uint64_t>(v));
    }
    case 0x43:
    case 0x44: {
      size_t n = op == 0x43 ? 4 : 8;
      CHORUS_ASSIGN_OR_RETURN(ByteView b, in.bytes(n));
      uint64_t v = 0;
      for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(b[i]) << (8 * i);
      return ConstValue(v);
    }
    case 0xD0:
      return ConstValue(0);
    case 0xD2: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t f, in.u32());
      return ConstValue(reinterpret_cast<uint64_t>(inst.funcs[f]));
    }
    case 0x23: {
      CHORUS_ASSIGN_OR_RETURN(uint32_t g, in.u32());
      return ConstValue(inst.globals[g]->value, inst.globals[g]->value_hi);
    }
    case 0xFD: {  // v128.const, the only SIMD constant instruction
      CHORUS_ASSIGN_OR_RETURN(uint32_t sub, in.u32());
      if (sub != 0x0C) {
        return Error("unsupported constant expression opcode 0xfd " + std::to_string(sub));
      }
      CHORUS_ASSIGN_OR_RETURN(ByteView b, in.bytes(16));
      uint64_t w[2] = {0, 0};
      for (size_t i = 0; i < 16; ++i) w[i / 8] |= static_cast<uint64_t>(b[i]) << (8 * (i % 8));
      return ConstValue(w[0], w[1]);
    }
    default:
      return Error("unsupported constant expression opcode " + std::to_string(op));
  }
}

}  // namespace

Result<std::shared_ptr<const CompiledModule>> compile(const Module& m, Executor& executor) {
  CHORUS_ASSIGN_OR_RETURN(CompiledModule compiled, executor.translate(m));
  executor.prepare(compiled);
  return std::make_shared<const CompiledModule>(std::move(compiled));
}

Result<Instance*> Store::instantiate(std::shared_ptr<const Module> module,
                                     const ImportResolver& imports, Executor& executor) {
  CHORUS_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledModule> code, compile(*module, executor));
  return instantiate(std::move(module), std::move(code), imports, executor);
}

Result<Instance*> Store::instantiate(std::shared_ptr<const Module> module,
                                     std::shared_ptr<const CompiledModule> code,
                                     const ImportResolver& imports, Executor& executor,
                                     const std::function<Status(Instance&)>& before_start) {
  const Module& m = *module;
  // Owned by the store from the start: whatever fails below, nothing that may already point at
  // the instance (its functions, placed in shared tables by earlier segments) dangles.
  instances_.push_back(std::make_unique<Instance>());
  Instance& inst = *instances_.back();
  inst.module = module;
  inst.code = std::move(code);
  for (const FuncType& t : m.types) inst.type_ids.push_back(type_id(t));

  for (const Import& im : m.imports) {
    CHORUS_ASSIGN_OR_RETURN(Extern x, imports(im));
    if (x.kind != im.kind) {
      return incompatible(
          im, std::string("expected a ") + to_string(im.kind) + ", got a " + to_string(x.kind));
    }
    switch (im.kind) {
      case ExternKind::kFunc:
        if (x.func->type_id != inst.type_ids[im.func_type]) {
          return incompatible(im, "function types differ");
        }
        inst.funcs.push_back(x.func);
        break;
      case ExternKind::kTable: {
        const TableInst& t = *x.table;
        if (t.type.elem != im.table.elem || t.type.limits.is64 != im.table.limits.is64 ||
            !limits_match(t.elems.size(), t.type.limits.max, im.table.limits)) {
          return incompatible(im, "table types differ");
        }
        inst.tables.push_back(x.table);
        break;
      }
      case ExternKind::kMemory: {
        const MemoryInst& mem = *x.memory;
        if (mem.type().limits.is64 != im.memory.limits.is64 ||
            !limits_match(mem.pages(), mem.type().limits.max, im.memory.limits)) {
          return incompatible(im, "memory types differ");
        }
        inst.memories.push_back(x.memory);
        break;
      }
      case ExternKind::kGlobal:
        if (x.global->type.type != im.global.type ||
            x.global->type.is_mutable != im.global.is_mutable) {
          return incompatible(im, "global types differ");
        }
        inst.globals.push_back(x.global);
        break;
    }
  }

  for (size_t i = 0; i < m.functions.size(); ++i) {
    auto f = std::make_unique<FuncInst>();
    f->type = m.types[m.functions[i].type_index];
    f->type_id = inst.type_ids[m.functions[i].type_index];
    f->instance = &inst;
    f->index = static_cast<uint32_t>(i);
    inst.funcs.push_back(f.get());
    funcs_.push_back(std::move(f));
  }
  for (const Table& t : m.tables) inst.tables.push_back(add_table(t.type));
  for (const Memory& mem : m.memories) {
    CHORUS_ASSIGN_OR_RETURN(MemoryInst * memory, add_memory(mem.type));
    inst.memories.push_back(memory);
  }
  for (const Global& g : m.globals) {
    CHORUS_ASSIGN_OR_RETURN(ConstValue v, evaluate(m, inst, g.init));
    inst.globals.push_back(add_global(g.type, v.lo, v.hi));
  }
  for (const ElemSegment& seg : m.elements) {
    std::vector<uint64_t> refs;
    if (seg.uses_exprs) {
      for (const ConstExpr& e : seg.exprs) {
        CHORUS_ASSIGN_OR_RETURN(ConstValue v, evaluate(m, inst, e));
        refs.push_back(v.lo);
      }
    } else {
      for (uint32_t f : seg.functions) refs.push_back(reinterpret_cast<uint64_t>(inst.funcs[f]));
    }
    inst.elements.push_back(std::move(refs));
  }
  for (const DataSegment& d : m.data) inst.data.push_back(m.view(d.init));

  Instance* result = &inst;

  // Segments are applied in order, and one out of bounds stops instantiation with the earlier
  // ones applied, as in Wasm 2.0.
  for (size_t i = 0; i < m.elements.size(); ++i) {
    const ElemSegment& seg = m.elements[i];
    if (seg.mode == SegmentMode::kActive) {
      CHORUS_ASSIGN_OR_RETURN(ConstValue at, evaluate(m, inst, seg.offset));
      uint64_t offset = at.lo;
      TableInst& t = *inst.tables[seg.table];
      const std::vector<uint64_t>& refs = inst.elements[i];
      if (!t.type.limits.is64) offset = static_cast<uint32_t>(offset);
      if (offset > t.elems.size() || refs.size() > t.elems.size() - offset) {
        return Error(kTrapTableOutOfBounds);
      }
      t.before_write();
      std::copy(refs.begin(), refs.end(), t.elems.begin() + static_cast<ptrdiff_t>(offset));
    }
    if (seg.mode != SegmentMode::kPassive) inst.elements[i] = {};
  }
  for (size_t i = 0; i < m.data.size(); ++i) {
    const DataSegment& seg = m.data[i];
    if (seg.mode != SegmentMode::kActive) continue;
    CHORUS_ASSIGN_OR_RETURN(ConstValue at, evaluate(m, inst, seg.offset));
    uint64_t offset = at.lo;
    MemoryInst& mem = *inst.memories[seg.memory];
    if (!mem.type().limits.is64) offset = static_cast<uint32_t>(offset);
    ByteView bytes = inst.data[i];
    if (offset > mem.size() || bytes.size() > mem.size() - offset) {
      return Error(kTrapMemoryOutOfBounds);
    }
    if (!bytes.empty()) {
      mem.mark_written(offset, bytes.size());
      std::memcpy(mem.data() + offset, bytes.data(), bytes.size());
    }
    inst.data[i] = {};
  }
  if (before_start) CHORUS_RETURN_IF_ERROR(before_start(inst));
  if (m.start) {
    CHORUS_RETURN_IF_ERROR(executor.invoke(*inst.funcs[*m.start], {}));
  }
  return result;
}

}  // namespace chorus::wasm
