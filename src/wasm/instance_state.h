// The mutable state of a module instance as one unit: its memories, mutable globals and tables
// (imported ones included: they are what the instance's code can change) and which of its data
// and element segments are dropped. Two tools on top, for what the execution layer needs:
//
// - InstanceTransaction: a message runs inside one; if it traps, rollback() leaves no trace of it
//   in any of that state. Cost: for memories, a 4 KiB copy on the first write to each page (see
//   LinearMemory); for tables, one copy of a table on its first write; globals and segment views
//   are copied when the transaction begins (a few words each).
// - InstanceSnapshot: an immutable image of that state, for canister snapshots and checkpoints.
//   Memory pages are shared copy-on-write between snapshots (linear_memory.h), so taking one
//   costs the pages written since the last one.
//
// Not thread-safe; REQUIRES for every function here: no execution is running in |instance|.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "base/result.h"
#include "wasm/linear_memory.h"
#include "wasm/runtime.h"

namespace chorus::wasm {

class InstanceTransaction {
 public:
  // Opens a transaction over |instance|'s state. Fails if one is already open on any of its
  // memories or tables (transactions do not nest).
  static Result<InstanceTransaction> begin(Instance& instance);

  InstanceTransaction(InstanceTransaction&& other) noexcept;
  InstanceTransaction& operator=(InstanceTransaction&&) = delete;
  InstanceTransaction(const InstanceTransaction&) = delete;
  // A transaction neither committed nor rolled back is rolled back: a forgotten outcome must not
  // keep the changes of a message that may have failed.
  ~InstanceTransaction();

  // Keeps every change made since begin().
  Status commit();
  // Restores the state as of begin(): memory bytes, sizes and dirty sets, global values, table
  // elements and sizes, dropped segments.
  Status rollback();

 private:
  explicit InstanceTransaction(Instance* instance) : instance_(instance) {}
  void close_tables();

  Instance* instance_;  // null once committed or rolled back
  std::vector<uint64_t> globals_;  // each mutable global's value, in index order
  std::vector<ByteView> data_;
  std::vector<std::vector<uint64_t>> elements_;
};

struct InstanceSnapshot {
  std::vector<Snapshot> memories;
  std::vector<uint64_t> globals;               // every global's value, in index order
  std::vector<std::vector<uint64_t>> tables;   // elements of each table
  std::vector<ByteView> data;                  // dropped segments are empty
  std::vector<std::vector<uint64_t>> elements;
};

// Takes an image of |instance|'s state. Fails inside a transaction.
Result<InstanceSnapshot> take_snapshot(Instance& instance);

// Puts |instance| back in the state of |snapshot|, which must have been taken from it (or from an
// instance of the same module in the same store). Fails, changing nothing, if the shapes differ
// (number of memories, globals, tables, segments) or a memory or table size is outside its limits;
// fails inside a transaction.
Status restore_snapshot(Instance& instance, const InstanceSnapshot& snapshot);

}  // namespace chorus::wasm
