// The run-time objects of the engine, after the spec's store: function, table, memory and global
// instances, module instances, and instantiation (import matching, globals, element and data
// segments, the start function). Code is executed by an Executor (executor.h); the Store owns every
// instance so that instances linked to each other share one lifetime and raw pointers between them
// stay valid.
//
// Values in tables, globals and the interpreter's operand slots are 64-bit words: i32 and f32 are
// zero-extended bit patterns, a funcref is a FuncInst* (0 is null), an externref is an opaque
// host word (0 is null). A v128 takes two words: bytes 0-7 (lanes in little-endian order), then
// bytes 8-15.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "wasm/linear_memory.h"
#include "wasm/module.h"

namespace chorus::wasm {

struct CompiledModule;  // translate.h
class Executor;         // executor.h
class Instance;

inline constexpr uint64_t kPageSize = 65536;

// A typed value at the API boundary (arguments, results, globals). A v128 keeps bytes 0-7 in
// |bits| and bytes 8-15 in |hi|; |hi| is 0 for every other type.
struct Value {
  ValType type = ValType::kI32;
  uint64_t bits = 0;
  uint64_t hi = 0;

  static Value i32(uint32_t v) { return {ValType::kI32, v}; }
  static Value i64(uint64_t v) { return {ValType::kI64, v}; }
  static Value f32_bits(uint32_t v) { return {ValType::kF32, v}; }
  static Value f64_bits(uint64_t v) { return {ValType::kF64, v}; }
  static Value v128(uint64_t lo, uint64_t hi) { return {ValType::kV128, lo, hi}; }
  static Value f32(float f) {
    uint32_t b;
    std::memcpy(&b, &f, 4);
    return f32_bits(b);
  }
  static Value f64(double d) {
    uint64_t b;
    std::memcpy(&b, &d, 8);
    return f64_bits(b);
  }
  uint32_t as_u32() const { return static_cast<uint32_t>(bits); }
  uint64_t as_u64() const { return bits; }
};

// A linear memory instance: a LinearMemory (linear_memory.h) in reserved virtual memory, with
// 4 KiB dirty-page tracking, transactions and snapshots for orthogonal persistence. Whatever writes
// to data() must call mark_written() first, so that the dirty set and an open transaction see it.
class MemoryInst {
 public:
  // Fails if the initial size exceeds the type's maximum or |limit_pages|, or the address space
  // cannot be reserved.
  static Result<std::unique_ptr<MemoryInst>> create(const MemoryType& type, uint64_t limit_pages,
                                                    Reservation reservation);

  uint8_t* data() { return memory_.base(); }
  uint64_t size() const { return memory_.size_bytes(); }  // in bytes
  uint64_t pages() const { return memory_.size_pages(); }
  // The most pages this memory can reach: the smaller of its declared maximum and the limit.
  uint64_t max_pages() const { return memory_.max_pages(); }
  const MemoryType& type() const { return type_; }
  // The old size in pages, or nullopt if the memory cannot grow by |delta| pages.
  std::optional<uint64_t> grow(uint64_t delta);
  // REQUIRES: [offset, offset + len) is within size(), checked by the caller.
  void mark_written(uint64_t offset, uint64_t len) { memory_.mark_written(offset, len); }

  // Dirty pages, transactions and snapshots.
  LinearMemory& linear() { return memory_; }
  const LinearMemory& linear() const { return memory_; }

 private:
  MemoryInst(const MemoryType& type, LinearMemory memory)
      : type_(type), memory_(std::move(memory)) {}

  MemoryType type_;
  LinearMemory memory_;
};

// The largest memory the engine allocates, whatever a module declares (4 GiB, the wasm32 limit).
inline constexpr uint64_t kMaxMemoryPages = 65536;
// The largest table, in elements.
inline constexpr uint64_t kMaxTableSize = 10'000'000;

struct TableInst {
  TableType type;
  std::vector<uint64_t> elems;
  // The old size, or nullopt if the table cannot grow by |delta|.
  std::optional<uint64_t> grow(uint64_t delta, uint64_t init);

  // Whatever changes |elems| calls this first: inside a transaction (instance_state.h) the first
  // write of the transaction saves the old contents. Tables are small and rarely written, so a
  // whole copy on the first write is cheaper than a log of every element write.
  void before_write() {
    if (in_transaction && !saved) saved = elems;
  }
  bool in_transaction = false;
  std::optional<std::vector<uint64_t>> saved;
};

struct GlobalInst {
  GlobalType type;
  uint64_t value = 0;
  uint64_t value_hi = 0;  // bytes 8-15 of a v128 global
};

// What a host function gets besides its arguments: the calling instance's memory (null if it has
// none) and the cost units charged so far in this execution, the call included (for
// ic0.performance_counter). Returning an Error traps the execution with that message.
class Caller {
 public:
  Caller(MemoryInst* memory, uint64_t instructions_used)
      : memory_(memory), instructions_used_(instructions_used) {}
  MemoryInst* memory() { return memory_; }
  uint64_t instructions_used() const { return instructions_used_; }
  // |len| bytes at |addr| to read, or null when out of bounds: the host should trap.
  const uint8_t* memory_span(uint64_t addr, uint64_t len) const {
    if (!in_bounds(addr, len)) return nullptr;
    return memory_->data() + addr;
  }
  // The same to write: the pages are marked written, so only use it to write.
  uint8_t* memory_span_for_write(uint64_t addr, uint64_t len) {
    if (!in_bounds(addr, len)) return nullptr;
    memory_->mark_written(addr, len);
    return memory_->data() + addr;
  }
  // Copies for hosts that prefer errors to pointers ("out of bounds memory access").
  Status read(uint64_t addr, std::span<uint8_t> out) const;
  Status write(uint64_t addr, ByteView bytes);

 private:
  bool in_bounds(uint64_t addr, uint64_t len) const {
    return memory_ && addr <= memory_->size() && len <= memory_->size() - addr;
  }
  MemoryInst* memory_;
  uint64_t instructions_used_;
};

// Arguments and results are 64-bit words in the representation described at the top (a v128 is
// two words, low bytes first).
using HostFunction = std::function<Status(Caller& caller, std::span<const uint64_t> args,
                                          std::span<uint64_t> results)>;

struct FuncInst {
  FuncType type;
  uint32_t type_id = 0;  // canonical within the Store: equal types, equal ids
  // A function defined in a module:
  Instance* instance = nullptr;
  uint32_t index = 0;  // into the module's defined functions
  // A host function:
  HostFunction host;
  bool is_host() const { return instance == nullptr; }
};

struct Extern {
  ExternKind kind = ExternKind::kFunc;
  FuncInst* func = nullptr;
  TableInst* table = nullptr;
  MemoryInst* memory = nullptr;
  GlobalInst* global = nullptr;
};

// A module instance. Index spaces hold imports first, as in the module.
class Instance {
 public:
  std::shared_ptr<const Module> module;
  std::shared_ptr<const CompiledModule> code;
  std::vector<FuncInst*> funcs;
  std::vector<TableInst*> tables;
  std::vector<MemoryInst*> memories;
  std::vector<GlobalInst*> globals;
  std::vector<uint32_t> type_ids;               // canonical id of each module type
  std::vector<std::vector<uint64_t>> elements;  // element segments; dropped ones are empty
  std::vector<ByteView> data;                   // data segments; dropped ones are empty

  std::optional<Extern> find_export(std::string_view name) const;
};

// Resolves an import to an extern, or fails with the spec's "unknown import".
using ImportResolver = std::function<Result<Extern>(const Import&)>;

class Store {
 public:
  Store();
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  uint32_t type_id(const FuncType& t);

  FuncInst* add_host_function(FuncType type, HostFunction fn);
  TableInst* add_table(const TableType& type, uint64_t init = 0);
  // Fails as MemoryInst::create does, with the store's memory limit and reservation.
  Result<MemoryInst*> add_memory(const MemoryType& type);
  // How memories created from now on are capped and reserved. Defaults: kMaxMemoryPages,
  // Reservation::kGuarded.
  void set_memory_limits(uint64_t limit_pages, Reservation reservation) {
    memory_limit_pages_ = limit_pages;
    memory_reservation_ = reservation;
  }
  GlobalInst* add_global(const GlobalType& type, uint64_t value, uint64_t value_hi = 0);

  // Instantiates a validated module: link errors ("unknown import", "incompatible import type"),
  // traps of segment initialisation and of the start function fail it with their message. As in
  // Wasm 2.0, segments applied before a failing one stay applied, and the instance is still owned
  // by the store (other instances may have linked to its functions via shared tables).
  Result<Instance*> instantiate(std::shared_ptr<const Module> module, const ImportResolver& imports,
                                Executor& executor);
  // The same with code from compile(), so that a module instantiated many times is translated once.
  // |before_start|, if given, runs after the segments are applied and before the start function
  // (an upgrade that keeps the old Wasm memory puts it in place there); its error fails the
  // instantiation.
  Result<Instance*> instantiate(std::shared_ptr<const Module> module,
                                std::shared_ptr<const CompiledModule> code,
                                const ImportResolver& imports, Executor& executor,
                                const std::function<Status(Instance&)>& before_start = nullptr);

 private:
  std::map<FuncType, uint32_t, bool (*)(const FuncType&, const FuncType&)> type_ids_;
  std::vector<std::unique_ptr<FuncInst>> funcs_;
  std::vector<std::unique_ptr<TableInst>> tables_;
  std::vector<std::unique_ptr<MemoryInst>> memories_;
  std::vector<std::unique_ptr<GlobalInst>> globals_;
  std::vector<std::unique_ptr<Instance>> instances_;
  uint64_t memory_limit_pages_ = kMaxMemoryPages;
  Reservation memory_reservation_ = Reservation::kGuarded;
};

// Translates a validated module and prepares the code for |executor| (and executors of its kind).
Result<std::shared_ptr<const CompiledModule>> compile(const Module& module, Executor& executor);

// Slots of a value type: 2 for v128, 1 otherwise.
inline uint32_t slots_of(ValType t) { return t == ValType::kV128 ? 2 : 1; }

}  // namespace chorus::wasm
