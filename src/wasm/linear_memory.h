// A Wasm linear memory in reserved virtual memory, with what orthogonal persistence needs on top:
// 4 KiB dirty-page tracking, transactions that a trap rolls back, and copy-on-write snapshots.
//
// Layout. The memory is one anonymous mapping: the first size_bytes() are readable and writable,
// everything after it up to reserved_bytes() is PROT_NONE. For a wasm32 memory created with
// Reservation::kGuarded the reservation is 8 GiB + 64 KiB: a 32-bit index plus a 32-bit static
// offset is below 2^33 - 1 and an access is at most 16 bytes long, so
//
//   every access of n <= 16 bytes at base() + index + offset, with index and offset zero-extended
//   32-bit values, that is not entirely inside [0, size_bytes()) touches a byte of
//   [size_bytes(), reserved_bytes()) and raises SIGSEGV (si_addr is the first such byte),
//
// and an interpreter or JIT may omit the bounds check for it. Nothing else is guaranteed to fault:
// memory64 memories, and kCompact memories, reserve only their maximum size plus a 64 KiB guard,
// so their accesses need an explicit bounds check (the guard catches small overruns, no more).
// A store that straddles size_bytes() may, on some CPUs, write its in-bounds part before the
// fault; the transaction rollback below undoes that, as long as mark_written ran first.
//
// This component installs no signal handler (that would be process-global state); the engine's
// trap handler asks contains_fault_address() whether a fault is a Wasm out-of-bounds access.
//
// Dirty pages. The engine calls mark_written(offset, len) before every store. Tracking is done in
// software rather than by write-protecting pages and catching the faults: on our VMs a write
// fault (signal, mprotect, return) cost 66 us per page, the bitmap test under 1 ns per store;
// the fault approach also needs a process-wide SIGSEGV handler, and the kernel's alternatives
// (soft-dirty bits, cleared through /proc/self/clear_refs) are per process, not per memory.
// The same hook does copy-on-first-write for the transaction undo log and records the pages a
// snapshot must copy, so its fast path is one bit test: "this 4 KiB page has already been
// recorded everywhere it needs to be".
//
// Not thread-safe: one memory belongs to one execution at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace chorus::wasm {

namespace detail {
struct PagePool;  // reuses freed snapshot pages; defined in linear_memory.cc
}  // namespace detail

inline constexpr uint64_t kWasmPageSize = 65536;
// Dirty tracking, undo and snapshots work on 4 KiB pages, the size IC persistence uses.
inline constexpr uint64_t kDirtyPageSize = 4096;
inline constexpr int kDirtyPageShift = 12;
inline constexpr uint64_t kDirtyPagesPerWasmPage = kWasmPageSize / kDirtyPageSize;
// The largest number of Wasm pages a wasm32 memory can have (4 GiB).
inline constexpr uint64_t kMaxWasm32Pages = 65536;
// What a guarded wasm32 memory reserves: the whole index-plus-offset range and a guard.
inline constexpr uint64_t kGuardBytes = 65536;
inline constexpr uint64_t kWasm32GuardedReservation = (uint64_t{1} << 33) + kGuardBytes;

enum class Reservation {
  // wasm32: reserve kWasm32GuardedReservation so 32-bit accesses need no bounds check.
  // memory64 always behaves as kCompact.
  kGuarded,
  // Reserve only the maximum size plus kGuardBytes; every access needs a bounds check. For hosts
  // short of address space (thousands of memories at once, a ulimit -v, sanitizers with tight
  // address-space options); tests check that both layouts behave the same. ASan's defaults leave
  // room for kGuarded: the tests pass under it with both.
  kCompact,
};

// A 4 KiB page of stored memory, for load_pages() and Snapshot::with_pages().
struct StoredPage {
  uint64_t index;  // in 4 KiB pages
  ByteView bytes;  // kDirtyPageSize bytes (with_pages() also takes empty: a zero page)
};

// An immutable image of a memory: its size and its 4 KiB pages, shared between snapshots, so
// copying a Snapshot is O(1) and snapshots taken one after another share every page that did not
// change. Zero pages take no space.
class Snapshot {
 public:
  Snapshot() = default;  // a memory of zero pages

  uint64_t size_pages() const { return size_pages_; }
  // The 4 KiB page |index|, or an empty view if it is all zeros.
  ByteView page(uint64_t index) const;
  // Calls |fn| for every page that is not all zeros, in increasing index order.
  void for_each_nonzero_page(const std::function<void(uint64_t index, ByteView bytes)>& fn) const;

  // Calls |fn|, in increasing index order, for every page below this snapshot's size whose
  // contents may differ from |base|'s page at the same index, with this snapshot's bytes (empty:
  // zero). Subtrees and pages this snapshot shares with |base| are skipped by pointer identity
  // without being read, so the cost is the number of unshared tree nodes, not the memory's size;
  // this is what makes a checkpoint cost what changed. A page stored anew with the bytes it
  // already held is visited (it "may" differ). The size is not compared: see size_pages().
  void for_each_changed_page(const Snapshot& base,
                             const std::function<void(uint64_t index, ByteView bytes)>& fn) const;
  // True when both have the same size and the same tree (so the same contents); O(1).
  bool shares_everything_with(const Snapshot& other) const {
    return size_pages_ == other.size_pages_ && root_ == other.root_;
  }

  // The largest size_pages() of a snapshot: the page tree covers 2^36 4 KiB pages (memory64's
  // whole user address space).
  static const uint64_t kMaxSizePages;

  // This snapshot resized to |size_pages| Wasm pages with the given 4 KiB pages replaced (for
  // loading a checkpoint without a LinearMemory): each StoredPage holds kDirtyPageSize bytes or
  // is empty for a zero page; pages of all zeros take no space. Pages past the new size are
  // dropped. Shares every untouched subtree with this snapshot; the given bytes are copied.
  // Fails, changing nothing, for a size above kMaxSizePages, pages not in strictly increasing
  // order, a page at or past the new size, or one of another length.
  Result<Snapshot> with_pages(uint64_t size_pages, std::span<const StoredPage> pages) const;

  struct Node;  // a persistent radix tree over page indices; defined in linear_memory.cc

 private:
  friend class LinearMemory;
  uint64_t size_pages_ = 0;
  std::shared_ptr<const Node> root_;  // null: every page is zero
};



class LinearMemory {
 public:
  // |max_pages| is the module's declared maximum (none: the type's limit); |limit_pages| is the
  // configured cap (e.g. the subnet's memory limit); growth stops at the smaller. Fails if the
  // initial size exceeds either or the address space cannot be reserved.
  static Result<LinearMemory> create(uint64_t initial_pages, std::optional<uint64_t> max_pages,
                                     bool is64, uint64_t limit_pages,
                                     Reservation reservation = Reservation::kGuarded);

  LinearMemory(LinearMemory&&) noexcept = default;
  LinearMemory& operator=(LinearMemory&&) noexcept = default;
  LinearMemory(const LinearMemory&) = delete;
  LinearMemory& operator=(const LinearMemory&) = delete;
  ~LinearMemory() = default;

  // The base stays fixed for the memory's lifetime, growth included, so a JIT may embed it.
  uint8_t* base() const { return base_; }
  uint64_t size_bytes() const { return size_pages_ * kWasmPageSize; }
  uint64_t size_pages() const { return size_pages_; }
  uint64_t max_pages() const { return max_pages_; }  // effective: min(declared, limit)
  uint64_t reserved_bytes() const { return reserved_bytes_; }
  bool is64() const { return is64_; }
  // True when 32-bit accesses need no bounds check (see the top of this file).
  bool guarded() const { return !is64_ && reserved_bytes_ == kWasm32GuardedReservation; }

  // memory.grow: the old size in pages, or -1 if the new size would pass max_pages() or the
  // pages cannot be committed. New pages read as zero.
  int64_t grow(uint64_t delta_pages);

  // Whether |addr| lies in this memory's reservation but past its current size: a fault there is
  // a Wasm out-of-bounds access (for a trap handler; safe to call from one, it only compares).
  bool contains_fault_address(const void* addr) const {
    auto a = reinterpret_cast<uintptr_t>(addr);
    auto b = reinterpret_cast<uintptr_t>(base_);
    return a >= b + size_bytes() && a < b + reserved_bytes_;
  }

  // The store hook: call it BEFORE writing bytes [offset, offset + len) (before, so that the undo
  // log can copy the old contents). Bytes past size_bytes() are ignored (that store will trap).
  // REQUIRES: offset + len <= reserved_bytes(), which holds for any guarded wasm32 access and for
  // any access that passed its bounds check. Inline so the common case is a shift and a bit test.
  void mark_written(uint64_t offset, uint64_t len) {
    const uint64_t first = offset >> kDirtyPageShift;
    if (((offset + len - 1) >> kDirtyPageShift) == first &&
        ((recorded_bits_[first >> 6] >> (first & 63)) & 1) != 0) [[likely]] {
      return;
    }
    mark_written_slow(offset, len);
  }

  // The bitmap mark_written()'s fast path tests (bit p set: page p needs no recording), for code
  // that inlines that test (the JIT) and calls mark_written() when it fails. Fixed for the
  // memory's lifetime.
  const uint64_t* fast_path_bits() const { return recorded_bits_; }

  // Bounds-checked copies for host functions (the System API); write() marks the pages.
  Status read(uint64_t offset, std::span<uint8_t> out) const;
  Status write(uint64_t offset, ByteView data);

  // Pages (4 KiB indices, below size_bytes() / 4096) written since the last clear_dirty(), or
  // changed by restore() or load_pages(), sorted. A page counts if a store touched it, even with
  // the bytes it already held. Pages that only grow() added are zero and not listed.
  std::vector<uint64_t> dirty_pages() const;
  size_t dirty_page_count() const { return dirty_.list.size(); }
  // Calls |fn| for each dirty page in increasing order with its current contents.
  void for_each_dirty_page(const std::function<void(uint64_t index, ByteView bytes)>& fn) const;
  // Fails inside a transaction (the rollback needs the set it started with).
  Status clear_dirty();

  // A transaction: rollback() restores the bytes, the size and the dirty set to what they were at
  // begin_transaction(); commit() keeps the changes. Pages grown inside a rolled-back transaction
  // are decommitted, so a later grow sees zeros again. Cost: a 4 KiB copy on the first write to
  // each page, and for rollback one copy back per such page; begin_transaction() clears the
  // fast-path bits of the pages recorded since the last begin, clear or snapshot.
  Status begin_transaction();
  Status commit();
  Status rollback();
  bool in_transaction() const { return in_transaction_; }

  // Snapshots of the whole memory. take_snapshot() costs O(pages written since the last
  // take_snapshot() or restore()); restore() costs O(pages that differ) plus that, and marks dirty
  // exactly the pages whose contents it changes. Both fail inside a transaction; restore() fails
  // if the snapshot's size is outside [initial, max_pages()].
  Result<Snapshot> take_snapshot();
  Status restore(const Snapshot& snapshot);

  // Replaces the whole memory with |size_pages| Wasm pages holding |pages| and zeros elsewhere
  // (from a checkpoint). Like restore(), marks dirty exactly the pages whose contents change:
  // call clear_dirty() afterwards if the loaded state is the persisted one. Fails inside a
  // transaction, for a size outside [initial, max_pages()], a page past the size, a page given
  // twice or one of the wrong length.
  Status load_pages(uint64_t size_pages, std::span<const StoredPage> pages);

 private:
  // An anonymous mapping, unmapped on destruction.
  class Region {
   public:
    Region() = default;
    Region(void* addr, size_t size) : addr_(addr), size_(size) {}
    Region(Region&& o) noexcept : addr_(o.addr_), size_(o.size_) { o.addr_ = nullptr; }
    Region& operator=(Region&& o) noexcept;
    Region(const Region&) = delete;
    Region& operator=(const Region&) = delete;
    ~Region();

   private:
    void* addr_ = nullptr;
    size_t size_ = 0;
  };

  // A set of 4 KiB page indices: a bitmap for membership and a list for iteration and clearing,
  // so clearing costs the number of members, not the size of the memory.
  struct PageSet {
    uint64_t* bits = nullptr;
    std::vector<uint64_t> list;
    bool contains(uint64_t p) const { return ((bits[p >> 6] >> (p & 63)) & 1) != 0; }
    void insert(uint64_t p) {  // REQUIRES: !contains(p)
      bits[p >> 6] |= uint64_t{1} << (p & 63);
      list.push_back(p);
    }
    void clear();
    void truncate(size_t n);                  // drops the members added after the first n
    void remove_from(uint64_t first_page);  // drops the members >= first_page
  };

  LinearMemory() = default;
  void mark_written_slow(uint64_t offset, uint64_t len);
  void forget_recorded();  // after any set changes, the fast path must look again
  bool commit_range(uint64_t from_bytes, uint64_t to_bytes);
  void decommit_range(uint64_t from_bytes, uint64_t to_bytes);

  Region region_;
  Region bitmaps_;
  uint8_t* base_ = nullptr;
  uint64_t size_pages_ = 0;
  uint64_t min_pages_ = 0;
  uint64_t max_pages_ = 0;
  uint64_t reserved_bytes_ = 0;
  bool is64_ = false;

  // recorded_: the page is in dirty_ and in since_snapshot_ and, in a transaction, in
  // transaction_. Its bit is the whole fast path of mark_written().
  uint64_t* recorded_bits_ = nullptr;
  std::vector<uint64_t> recorded_list_;
  PageSet dirty_;           // for persistence, since clear_dirty()
  PageSet since_snapshot_;  // differs from base_snapshot_ only in these pages
  PageSet transaction_;     // written in the current transaction

  bool in_transaction_ = false;
  uint64_t transaction_size_pages_ = 0;
  size_t transaction_dirty_count_ = 0;
  size_t transaction_since_snapshot_count_ = 0;
  // Old contents of the transaction's pages below its starting size, undo_bytes_[i * 4096...].
  std::vector<uint64_t> undo_pages_;
  std::vector<uint8_t> undo_bytes_;

  Snapshot base_snapshot_;
  std::shared_ptr<detail::PagePool> pool_;
};

}  // namespace chorus::wasm
