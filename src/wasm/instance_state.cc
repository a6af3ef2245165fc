#include "wasm/instance_state.h"

#include <algorithm>

namespace chorus::wasm {
namespace {

// The distinct tables of |instance| (one table may be imported under two names).
std::vector<TableInst*> distinct_tables(const Instance& instance) {
  std::vector<TableInst*> out;
  for (TableInst* t : instance.tables) {
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

bool any_open(const Instance& instance) {
  for (const MemoryInst* m : instance.memories) {
    if (m->linear().in_transaction()) return true;
  }
  for (const TableInst* t : instance.tables) {
    if (t->in_transaction) return true;
  }
  return false;
}

}  // namespace

Result<InstanceTransaction> InstanceTransaction::begin(Instance& instance) {
  if (any_open(instance)) return Error("a transaction is already open on this instance's state");
  InstanceTransaction tx(&instance);
  for (const GlobalInst* g : instance.globals) {
    if (g->type.is_mutable) tx.globals_.push_back(g->value);
  }
  tx.data_ = instance.data;
  tx.elements_ = instance.elements;
  for (MemoryInst* m : instance.memories) {
    // Cannot fail: no memory of the instance is in a transaction (checked above), and an
    // instance has at most one memory.
    CHORUS_RETURN_IF_ERROR(m->linear().begin_transaction());
  }
  for (TableInst* t : distinct_tables(instance)) {
    t->in_transaction = true;
    t->saved.reset();
  }
  return tx;
}

InstanceTransaction::InstanceTransaction(InstanceTransaction&& other) noexcept
    : instance_(other.instance_),
      globals_(std::move(other.globals_)),
      data_(std::move(other.data_)),
      elements_(std::move(other.elements_)) {
  other.instance_ = nullptr;
}

InstanceTransaction::~InstanceTransaction() {
  if (instance_ != nullptr) (void)rollback();
}

void InstanceTransaction::close_tables() {
  for (TableInst* t : distinct_tables(*instance_)) {
    t->in_transaction = false;
    t->saved.reset();
  }
}

Status InstanceTransaction::commit() {
  if (instance_ == nullptr) return Error("the transaction is already closed");
  for (MemoryInst* m : instance_->memories) CHORUS_RETURN_IF_ERROR(m->linear().commit());
  close_tables();
  instance_ = nullptr;
  return ok_status();
}

Status InstanceTransaction::rollback() {
  if (instance_ == nullptr) return Error("the transaction is already closed");
  for (MemoryInst* m : instance_->memories) CHORUS_RETURN_IF_ERROR(m->linear().rollback());
  size_t next = 0;
  for (GlobalInst* g : instance_->globals) {
    if (g->type.is_mutable) g->value = globals_[next++];
  }
  for (TableInst* t : distinct_tables(*instance_)) {
    if (t->saved) t->elems = std::move(*t->saved);
  }
  close_tables();
  instance_->data = std::move(data_);
  instance_->elements = std::move(elements_);
  instance_ = nullptr;
  return ok_status();
}

Result<InstanceSnapshot> take_snapshot(Instance& instance) {
  if (any_open(instance)) return Error("cannot take a snapshot inside a transaction");
  InstanceSnapshot s;
  for (MemoryInst* m : instance.memories) {
    CHORUS_ASSIGN_OR_RETURN(Snapshot image, m->linear().take_snapshot());
    s.memories.push_back(std::move(image));
  }
  for (const GlobalInst* g : instance.globals) s.globals.push_back(g->value);
  for (const TableInst* t : instance.tables) s.tables.push_back(t->elems);
  s.data = instance.data;
  s.elements = instance.elements;
  return s;
}

Status restore_snapshot(Instance& instance, const InstanceSnapshot& snapshot) {
  if (any_open(instance)) return Error("cannot restore a snapshot inside a transaction");
  if (snapshot.memories.size() != instance.memories.size() ||
      snapshot.globals.size() != instance.globals.size() ||
      snapshot.tables.size() != instance.tables.size() ||
      snapshot.data.size() != instance.data.size() ||
      snapshot.elements.size() != instance.elements.size()) {
    return Error("the snapshot was taken from an instance of another shape");
  }
  // Everything that can fail is checked before anything changes.
  for (size_t i = 0; i < instance.memories.size(); ++i) {
    const MemoryInst& m = *instance.memories[i];
    uint64_t pages = snapshot.memories[i].size_pages();
    if (pages < m.type().limits.min || pages > m.max_pages()) {
      return Error("the snapshot's memory of " + std::to_string(pages) +
                   " pages does not fit this memory's limits");
    }
  }
  for (size_t i = 0; i < instance.tables.size(); ++i) {
    const TableInst& t = *instance.tables[i];
    uint64_t size = snapshot.tables[i].size();
    uint64_t max = std::min(t.type.limits.max.value_or(kMaxTableSize), kMaxTableSize);
    if (size < t.type.limits.min || size > max) {
      return Error("the snapshot's table of " + std::to_string(size) +
                   " elements does not fit this table's limits");
    }
  }
  for (size_t i = 0; i < instance.memories.size(); ++i) {
    CHORUS_RETURN_IF_ERROR(instance.memories[i]->linear().restore(snapshot.memories[i]));
  }
  for (size_t i = 0; i < instance.globals.size(); ++i) {
    instance.globals[i]->value = snapshot.globals[i];
  }
  for (size_t i = 0; i < instance.tables.size(); ++i) instance.tables[i]->elems = snapshot.tables[i];
  instance.data = snapshot.data;
  instance.elements = snapshot.elements;
  return ok_status();
}

}  // namespace chorus::wasm
