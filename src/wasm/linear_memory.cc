#include "wasm/linear_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <string>

namespace chorus::wasm {

// ---------------------------------------------------------------------------------------------
// Snapshot pages: a radix tree of fixed depth over 4 KiB page indices. Taking a snapshot copies
// only the nodes on the paths to changed pages; everything else is shared with the previous one.
// Subtrees and pages that are all zero are null, so two snapshots can be compared by walking
// only where their pointers differ.

namespace {

constexpr int kFanoutBits = 6;
constexpr uint64_t kFanout = uint64_t{1} << kFanoutBits;
constexpr int kLevels = 6;  // 36 bits of page index: 256 TiB, the whole user address space
constexpr int kRootShift = kFanoutBits * (kLevels - 1);
constexpr uint64_t kMaxTreePages = uint64_t{1} << (kFanoutBits * kLevels);

using Page = std::array<uint8_t, kDirtyPageSize>;

}  // namespace

// Interior nodes hold Nodes, leaves (shift 0) hold Pages; both through shared_ptr<const void>,
// since which one a slot holds follows from its depth.
struct Snapshot::Node {
  std::array<std::shared_ptr<const void>, kFanout> slots;
};

namespace {

using NodePtr = std::shared_ptr<const Snapshot::Node>;

const Snapshot::Node* child(const Snapshot::Node* n, uint64_t slot) {
  return n == nullptr ? nullptr : static_cast<const Snapshot::Node*>(n->slots[slot].get());
}

const Page* lookup(const Snapshot::Node* n, uint64_t index) {
  for (int shift = kRootShift; shift > 0 && n != nullptr; shift -= kFanoutBits) {
    n = child(n, (index >> shift) & (kFanout - 1));
  }
  return n == nullptr ? nullptr : static_cast<const Page*>(n->slots[index & (kFanout - 1)].get());
}

struct Change {
  uint64_t index;
  std::shared_ptr<const Page> page;  // null: zero
};

// Returns |node| with |changes| (sorted by index, all under this node) applied.
NodePtr update(const NodePtr& node, int shift, std::span<const Change> changes) {
  auto copy = node ? std::make_shared<Snapshot::Node>(*node) : std::make_shared<Snapshot::Node>();
  size_t i = 0;
  while (i < changes.size()) {
    const uint64_t slot = (changes[i].index >> shift) & (kFanout - 1);
    size_t j = i + 1;
    while (j < changes.size() && ((changes[j].index >> shift) & (kFanout - 1)) == slot) ++j;
    if (shift == 0) {
      copy->slots[slot] = changes[i].page;
    } else {
      copy->slots[slot] = update(std::static_pointer_cast<const Snapshot::Node>(copy->slots[slot]),
                                 shift - kFanoutBits, changes.subspan(i, j - i));
    }
    i = j;
  }
  const bool empty = std::all_of(copy->slots.begin(), copy->slots.end(),
                                 [](const auto& s) { return s == nullptr; });
  return empty ? nullptr : NodePtr(std::move(copy));
}

// Appends the indices of the pages whose pointers differ between |a| and |b|.
void diff(const Snapshot::Node* a, const Snapshot::Node* b, int shift, uint64_t prefix,
          std::vector<uint64_t>& out) {
  if (a == b) return;
  for (uint64_t slot = 0; slot < kFanout; ++slot) {
    const void* sa = a == nullptr ? nullptr : a->slots[slot].get();
    const void* sb = b == nullptr ? nullptr : b->slots[slot].get();
    if (sa == sb) continue;
    const uint64_t index = (prefix << kFanoutBits) | slot;
    if (shift == 0) {
      out.push_back(index);
    } else {
      diff(static_cast<const Snapshot::Node*>(sa), static_cast<const Snapshot::Node*>(sb),
           shift - kFanoutBits, index, out);
    }
  }
}

// Calls |fn| for the pages below |limit| whose pointers differ between |a| (the newer) and |b|.
void for_each_diff(const Snapshot::Node* a, const Snapshot::Node* b, int shift, uint64_t prefix,
                   uint64_t limit, const std::function<void(uint64_t, ByteView)>& fn) {
  if (a == b) return;
  for (uint64_t slot = 0; slot < kFanout; ++slot) {
    const uint64_t index = (prefix << kFanoutBits) | slot;
    if ((index << shift) >= limit) return;  // this slot and all later ones start past the limit
    const void* sa = a == nullptr ? nullptr : a->slots[slot].get();
    const void* sb = b == nullptr ? nullptr : b->slots[slot].get();
    if (sa == sb) continue;
    if (shift == 0) {
      fn(index, sa == nullptr ? ByteView() : ByteView(*static_cast<const Page*>(sa)));
    } else {
      for_each_diff(static_cast<const Snapshot::Node*>(sa), static_cast<const Snapshot::Node*>(sb),
                    shift - kFanoutBits, index, limit, fn);
    }
  }
}

// Returns |node| (whose first page is |first|) without the pages at or past |limit|: whole slots
// past it are dropped, the one slot that straddles it is cut recursively, so O(levels * fanout).
NodePtr truncate(const NodePtr& node, int shift, uint64_t first, uint64_t limit) {
  if (node == nullptr || first >= limit) return nullptr;
  const uint64_t span = uint64_t{1} << (shift + kFanoutBits);
  if (first + span <= limit) return node;
  auto copy = std::make_shared<Snapshot::Node>(*node);
  for (uint64_t slot = 0; slot < kFanout; ++slot) {
    const uint64_t lo = first + (slot << shift);
    const uint64_t hi = lo + (uint64_t{1} << shift);
    if (lo >= limit) {
      copy->slots[slot] = nullptr;
    } else if (hi > limit) {  // only possible for shift > 0: a leaf slot covers one page
      auto sub = std::static_pointer_cast<const Snapshot::Node>(copy->slots[slot]);
      copy->slots[slot] = truncate(sub, shift - kFanoutBits, lo, limit);
    }
  }
  const bool empty = std::all_of(copy->slots.begin(), copy->slots.end(),
                                 [](const auto& s) { return s == nullptr; });
  return empty ? nullptr : NodePtr(std::move(copy));
}

void for_each_page(const Snapshot::Node* n, int shift, uint64_t prefix,
                   const std::function<void(uint64_t, const Page&)>& fn) {
  if (n == nullptr) return;
  for (uint64_t slot = 0; slot < kFanout; ++slot) {
    const void* s = n->slots[slot].get();
    if (s == nullptr) continue;
    const uint64_t index = (prefix << kFanoutBits) | slot;
    if (shift == 0) {
      fn(index, *static_cast<const Page*>(s));
    } else {
      for_each_page(static_cast<const Snapshot::Node*>(s), shift - kFanoutBits, index, fn);
    }
  }
}

}  // namespace

// Snapshot pages that are no longer referenced come back here and are reused. A new page costs a
// page fault on first touch, which dominates take_snapshot() otherwise: 3-20 us per page on our
// VMs, against about 0.1 us for the copy itself. Shared with every page it handed out (their
// deleters hold it), so snapshots may outlive the memory; the mutex is there because snapshots
// may be dropped on other threads.
struct detail::PagePool {
  static constexpr size_t kMaxFree = 4096;  // 16 MiB kept for reuse at most

  ~PagePool() {
    for (Page* p : free) delete p;
  }

  std::mutex mu;
  std::vector<Page*> free;
};

namespace {

struct ReturnToPool {
  std::shared_ptr<detail::PagePool> pool;
  void operator()(const Page* page) const {
    Page* p = const_cast<Page*>(page);  // the pool hands it out again, to be written
    {
      std::lock_guard<std::mutex> lock(pool->mu);
      if (pool->free.size() < detail::PagePool::kMaxFree) {
        pool->free.push_back(p);
        return;
      }
    }
    delete p;
  }
};

std::shared_ptr<const Page> new_page(const std::shared_ptr<detail::PagePool>& pool,
                                     const uint8_t* src) {
  Page* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(pool->mu);
    if (!pool->free.empty()) {
      p = pool->free.back();
      pool->free.pop_back();
    }
  }
  if (p == nullptr) p = new Page;  // uninitialized: it is overwritten next
  std::memcpy(p->data(), src, kDirtyPageSize);
  return std::shared_ptr<const Page>(p, ReturnToPool{pool});
}

bool all_zero(const uint8_t* p) {
  // Word-wise: this runs once per page per snapshot.
  uint64_t acc = 0;
  for (size_t i = 0; i < kDirtyPageSize; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    acc |= w;
  }
  return acc == 0;
}

void sort_unique(std::vector<uint64_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

ByteView Snapshot::page(uint64_t index) const {
  if (index >= size_pages_ * kDirtyPagesPerWasmPage) return {};
  const Page* p = lookup(root_.get(), index);
  return p == nullptr ? ByteView() : ByteView(*p);
}

void Snapshot::for_each_nonzero_page(
    const std::function<void(uint64_t index, ByteView bytes)>& fn) const {
  for_each_page(root_.get(), kRootShift, 0, [&](uint64_t i, const Page& p) { fn(i, ByteView(p)); });
}

const uint64_t Snapshot::kMaxSizePages = kMaxTreePages / kDirtyPagesPerWasmPage;

void Snapshot::for_each_changed_page(
    const Snapshot& base, const std::function<void(uint64_t index, ByteView bytes)>& fn) const {
  for_each_diff(root_.get(), base.root_.get(), kRootShift, 0, size_pages_ * kDirtyPagesPerWasmPage,
                fn);
}

Result<Snapshot> Snapshot::with_pages(uint64_t size_pages,
                                      std::span<const StoredPage> pages) const {
  if (size_pages > kMaxSizePages) {
    return Error("memory of " + std::to_string(size_pages) + " pages is larger than the " +
                 std::to_string(kMaxSizePages) + " a snapshot can hold");
  }
  const uint64_t limit = size_pages * kDirtyPagesPerWasmPage;
  std::vector<Change> changes;
  changes.reserve(pages.size());
  for (size_t i = 0; i < pages.size(); ++i) {
    const StoredPage& sp = pages[i];
    if (i > 0 && sp.index <= pages[i - 1].index) {
      return Error("stored page " + std::to_string(sp.index) + " is out of order");
    }
    if (sp.index >= limit) {
      return Error("stored page " + std::to_string(sp.index) + " is past the memory's size");
    }
    if (!sp.bytes.empty() && sp.bytes.size() != kDirtyPageSize) {
      return Error("stored page " + std::to_string(sp.index) + " has " +
                   std::to_string(sp.bytes.size()) + " bytes, not 4096 or 0");
    }
    std::shared_ptr<const Page> page;
    if (!sp.bytes.empty() && !all_zero(sp.bytes.data())) {
      // Not from a pool: a loaded snapshot belongs to no memory and outlives its file.
      auto p = std::make_shared<Page>();
      std::memcpy(p->data(), sp.bytes.data(), kDirtyPageSize);
      page = std::move(p);
    }
    changes.push_back({sp.index, std::move(page)});
  }
  Snapshot s;
  s.size_pages_ = size_pages;
  s.root_ = size_pages < size_pages_ ? truncate(root_, kRootShift, 0, limit) : root_;
  if (!changes.empty()) s.root_ = update(s.root_, kRootShift, changes);
  return s;
}

// ---------------------------------------------------------------------------------------------
// LinearMemory

LinearMemory::Region& LinearMemory::Region::operator=(Region&& o) noexcept {
  if (this != &o) {
    if (addr_ != nullptr) munmap(addr_, size_);
    addr_ = o.addr_;
    size_ = o.size_;
    o.addr_ = nullptr;
  }
  return *this;
}

LinearMemory::Region::~Region() {
  if (addr_ != nullptr) munmap(addr_, size_);
}

void LinearMemory::PageSet::clear() {
  for (uint64_t p : list) bits[p >> 6] &= ~(uint64_t{1} << (p & 63));
  list.clear();
}

void LinearMemory::PageSet::truncate(size_t n) {
  for (size_t i = n; i < list.size(); ++i) bits[list[i] >> 6] &= ~(uint64_t{1} << (list[i] & 63));
  list.resize(n);
}

void LinearMemory::PageSet::remove_from(uint64_t first_page) {
  std::erase_if(list, [&](uint64_t p) {
    if (p < first_page) return false;
    bits[p >> 6] &= ~(uint64_t{1} << (p & 63));
    return true;
  });
}

Result<LinearMemory> LinearMemory::create(uint64_t initial_pages,
                                          std::optional<uint64_t> max_pages, bool is64,
                                          uint64_t limit_pages, Reservation reservation) {
  const uint64_t type_max = is64 ? kMaxTreePages / kDirtyPagesPerWasmPage : kMaxWasm32Pages;
  const uint64_t max = std::min({max_pages.value_or(type_max), limit_pages, type_max});
  if (initial_pages > max) {
    return Error("memory's initial size of " + std::to_string(initial_pages) +
                 " pages exceeds its maximum of " + std::to_string(max) + " pages");
  }
  const uint64_t reserved = !is64 && reservation == Reservation::kGuarded
                                ? kWasm32GuardedReservation
                                : max * kWasmPageSize + kGuardBytes;
  const uint64_t reserved_pages = reserved / kDirtyPageSize;

  LinearMemory m;
  m.pool_ = std::make_shared<detail::PagePool>();
  // MAP_NORESERVE: reserving address space must not count against the commit limit.
  void* addr = mmap(nullptr, reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                    -1, 0);
  if (addr == MAP_FAILED) {
    return Error("cannot reserve " + std::to_string(reserved) + " bytes for a linear memory");
  }
  m.region_ = Region(addr, reserved);
  m.base_ = static_cast<uint8_t*>(addr);

  // Four bitmaps over the whole reservation, so mark_written() needs no range check. They are
  // demand-zero pages: only the parts that get bits set ever take memory.
  const uint64_t words = reserved_pages / 64 + 1;  // +1: a zero-length mark at the very end
  const uint64_t bitmap_bytes = 4 * words * sizeof(uint64_t);
  void* bits = mmap(nullptr, bitmap_bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (bits == MAP_FAILED) return Error("cannot allocate the dirty-page bitmaps");
  m.bitmaps_ = Region(bits, bitmap_bytes);
  auto* words_base = static_cast<uint64_t*>(bits);
  m.recorded_bits_ = words_base;
  m.dirty_.bits = words_base + words;
  m.since_snapshot_.bits = words_base + 2 * words;
  m.transaction_.bits = words_base + 3 * words;

  m.reserved_bytes_ = reserved;
  m.min_pages_ = initial_pages;
  m.max_pages_ = max;
  m.is64_ = is64;
  if (!m.commit_range(0, initial_pages * kWasmPageSize)) {
    return Error("cannot commit " + std::to_string(initial_pages) + " pages of linear memory");
  }
  m.size_pages_ = initial_pages;
  return m;
}

bool LinearMemory::commit_range(uint64_t from_bytes, uint64_t to_bytes) {
  if (to_bytes <= from_bytes) return true;
  return mprotect(base_ + from_bytes, to_bytes - from_bytes, PROT_READ | PROT_WRITE) == 0;
}

void LinearMemory::decommit_range(uint64_t from_bytes, uint64_t to_bytes) {
  if (to_bytes <= from_bytes) return;
  // MADV_DONTNEED on private anonymous memory frees the pages and makes them read as zero again,
  // which is what a later memory.grow must see. Neither call can fail on a range we own.
  madvise(base_ + from_bytes, to_bytes - from_bytes, MADV_DONTNEED);
  mprotect(base_ + from_bytes, to_bytes - from_bytes, PROT_NONE);
}

int64_t LinearMemory::grow(uint64_t delta_pages) {
  const uint64_t old = size_pages_;
  if (delta_pages > max_pages_ - old) return -1;
  const uint64_t now = old + delta_pages;
  if (!commit_range(old * kWasmPageSize, now * kWasmPageSize)) return -1;
  size_pages_ = now;
  return static_cast<int64_t>(old);
}

void LinearMemory::forget_recorded() {
  for (uint64_t p : recorded_list_) recorded_bits_[p >> 6] &= ~(uint64_t{1} << (p & 63));
  recorded_list_.clear();
}

void LinearMemory::mark_written_slow(uint64_t offset, uint64_t len) {
  if (len == 0 || offset >= size_bytes()) return;
  const uint64_t end = std::min(size_bytes() - offset, len) + offset;
  const uint64_t first = offset >> kDirtyPageShift;
  const uint64_t last = (end - 1) >> kDirtyPageShift;
  const uint64_t transaction_pages = transaction_size_pages_ * kDirtyPagesPerWasmPage;
  for (uint64_t p = first; p <= last; ++p) {
    if ((recorded_bits_[p >> 6] >> (p & 63)) & 1) continue;
    if (!dirty_.contains(p)) dirty_.insert(p);
    if (!since_snapshot_.contains(p)) since_snapshot_.insert(p);
    if (in_transaction_ && !transaction_.contains(p)) {
      transaction_.insert(p);
      // Pages past the starting size are decommitted by a rollback; they need no copy.
      if (p < transaction_pages) {
        const uint8_t* src = base_ + (p << kDirtyPageShift);
        undo_pages_.push_back(p);
        undo_bytes_.insert(undo_bytes_.end(), src, src + kDirtyPageSize);
      }
    }
    recorded_bits_[p >> 6] |= uint64_t{1} << (p & 63);
    recorded_list_.push_back(p);
  }
}

Status LinearMemory::read(uint64_t offset, std::span<uint8_t> out) const {
  if (offset > size_bytes() || out.size() > size_bytes() - offset) {
    return Error("out of bounds memory access");
  }
  if (!out.empty()) std::memcpy(out.data(), base_ + offset, out.size());
  return ok_status();
}

Status LinearMemory::write(uint64_t offset, ByteView data) {
  if (offset > size_bytes() || data.size() > size_bytes() - offset) {
    return Error("out of bounds memory access");
  }
  if (data.empty()) return ok_status();
  mark_written(offset, data.size());
  std::memcpy(base_ + offset, data.data(), data.size());
  return ok_status();
}

std::vector<uint64_t> LinearMemory::dirty_pages() const {
  std::vector<uint64_t> pages = dirty_.list;
  std::sort(pages.begin(), pages.end());
  return pages;
}

void LinearMemory::for_each_dirty_page(
    const std::function<void(uint64_t index, ByteView bytes)>& fn) const {
  for (uint64_t p : dirty_pages()) fn(p, ByteView(base_ + (p << kDirtyPageShift), kDirtyPageSize));
}

Status LinearMemory::clear_dirty() {
  if (in_transaction_) return Error("clear_dirty inside a transaction");
  dirty_.clear();
  forget_recorded();
  return ok_status();
}

Status LinearMemory::begin_transaction() {
  if (in_transaction_) return Error("a transaction is already open");
  in_transaction_ = true;
  transaction_size_pages_ = size_pages_;
  transaction_dirty_count_ = dirty_.list.size();
  transaction_since_snapshot_count_ = since_snapshot_.list.size();
  forget_recorded();
  return ok_status();
}

Status LinearMemory::commit() {
  if (!in_transaction_) return Error("commit without a transaction");
  // Every recorded page stays in dirty_ and since_snapshot_, so the fast path stays valid.
  in_transaction_ = false;
  transaction_.clear();
  undo_pages_.clear();
  undo_bytes_.clear();
  return ok_status();
}

Status LinearMemory::rollback() {
  if (!in_transaction_) return Error("rollback without a transaction");
  for (size_t i = 0; i < undo_pages_.size(); ++i) {
    std::memcpy(base_ + (undo_pages_[i] << kDirtyPageShift),
                undo_bytes_.data() + i * kDirtyPageSize, kDirtyPageSize);
  }
  decommit_range(transaction_size_pages_ * kWasmPageSize, size_bytes());
  size_pages_ = transaction_size_pages_;
  // The sets only grow during a transaction, so cutting them back to their old length restores
  // them exactly: a page first written in the transaction again equals what it was.
  dirty_.truncate(transaction_dirty_count_);
  since_snapshot_.truncate(transaction_since_snapshot_count_);
  forget_recorded();
  in_transaction_ = false;
  transaction_.clear();
  undo_pages_.clear();
  undo_bytes_.clear();
  return ok_status();
}

Result<Snapshot> LinearMemory::take_snapshot() {
  if (in_transaction_) return Error("take_snapshot inside a transaction");
  std::vector<uint64_t> pages = since_snapshot_.list;
  std::sort(pages.begin(), pages.end());
  std::vector<Change> changes;
  changes.reserve(pages.size());
  for (uint64_t p : pages) {
    const uint8_t* src = base_ + (p << kDirtyPageShift);
    std::shared_ptr<const Page> page;
    if (!all_zero(src)) page = new_page(pool_, src);
    changes.push_back({p, std::move(page)});
  }
  Snapshot s;
  s.size_pages_ = size_pages_;
  s.root_ = changes.empty() ? base_snapshot_.root_
                            : update(base_snapshot_.root_, kRootShift, changes);
  base_snapshot_ = s;
  since_snapshot_.clear();
  forget_recorded();
  return s;
}

Status LinearMemory::restore(const Snapshot& snapshot) {
  if (in_transaction_) return Error("restore inside a transaction");
  if (snapshot.size_pages_ > max_pages_ || snapshot.size_pages_ < min_pages_) {
    return Error("snapshot of " + std::to_string(snapshot.size_pages_) +
                 " pages does not fit this memory's limits");
  }
  // The memory equals base_snapshot_ except in since_snapshot_, so these are all the pages that
  // can differ from |snapshot|.
  std::vector<uint64_t> pages = since_snapshot_.list;
  diff(base_snapshot_.root_.get(), snapshot.root_.get(), kRootShift, 0, pages);
  sort_unique(pages);

  const uint64_t old_bytes = size_bytes();
  const uint64_t new_bytes = snapshot.size_pages_ * kWasmPageSize;
  if (!commit_range(old_bytes, new_bytes)) return Error("cannot commit memory for the snapshot");
  const uint64_t new_pages = new_bytes >> kDirtyPageShift;
  for (uint64_t p : pages) {
    if (p >= new_pages) break;
    uint8_t* dst = base_ + (p << kDirtyPageShift);
    const Page* src = lookup(snapshot.root_.get(), p);
    // Compare first, so that the dirty set says exactly which pages changed.
    if (src == nullptr) {
      if (all_zero(dst)) continue;
      std::memset(dst, 0, kDirtyPageSize);
    } else {
      if (std::memcmp(dst, src->data(), kDirtyPageSize) == 0) continue;
      std::memcpy(dst, src->data(), kDirtyPageSize);
    }
    if (!dirty_.contains(p)) dirty_.insert(p);
  }
  decommit_range(new_bytes, old_bytes);
  size_pages_ = snapshot.size_pages_;
  dirty_.remove_from(new_pages);
  since_snapshot_.clear();
  forget_recorded();
  base_snapshot_ = snapshot;
  return ok_status();
}

Status LinearMemory::load_pages(uint64_t size_pages, std::span<const StoredPage> pages) {
  if (in_transaction_) return Error("load_pages inside a transaction");
  if (size_pages > max_pages_ || size_pages < min_pages_) {
    return Error("stored memory of " + std::to_string(size_pages) +
                 " pages does not fit this memory's limits");
  }
  const uint64_t new_pages = size_pages * kDirtyPagesPerWasmPage;
  for (const StoredPage& sp : pages) {
    if (sp.index >= new_pages) {
      return Error("stored page " + std::to_string(sp.index) + " is past the memory's size");
    }
    if (sp.bytes.size() != kDirtyPageSize) {
      return Error("stored page " + std::to_string(sp.index) + " has " +
                   std::to_string(sp.bytes.size()) + " bytes, not 4096");
    }
  }
  std::vector<const StoredPage*> sorted;
  sorted.reserve(pages.size());
  for (const StoredPage& sp : pages) sorted.push_back(&sp);
  std::sort(sorted.begin(), sorted.end(),
            [](const StoredPage* a, const StoredPage* b) { return a->index < b->index; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i]->index == sorted[i - 1]->index) {
      return Error("stored page " + std::to_string(sorted[i]->index) + " appears twice");
    }
  }

  // Work out which pages change, while the old contents are still there. Outside the loaded
  // pages, only those that are nonzero change, and the memory equals base_snapshot_ except in
  // since_snapshot_, so these are the only candidates.
  const uint64_t old_pages = size_bytes() >> kDirtyPageShift;
  auto page_at = [&](uint64_t p) { return base_ + (p << kDirtyPageShift); };
  std::vector<uint64_t> loaded;
  for (const StoredPage* sp : sorted) loaded.push_back(sp->index);
  auto is_loaded = [&](uint64_t p) { return std::binary_search(loaded.begin(), loaded.end(), p); };
  std::vector<uint64_t> candidates = since_snapshot_.list;
  base_snapshot_.for_each_nonzero_page([&](uint64_t i, ByteView) { candidates.push_back(i); });
  sort_unique(candidates);
  std::vector<uint64_t> changed;
  for (uint64_t p : candidates) {
    if (p < old_pages && !is_loaded(p) && !all_zero(page_at(p))) changed.push_back(p);
  }
  for (const StoredPage* sp : sorted) {
    const bool same = sp->index < old_pages
                          ? std::memcmp(page_at(sp->index), sp->bytes.data(), kDirtyPageSize) == 0
                          : all_zero(sp->bytes.data());
    if (!same) changed.push_back(sp->index);
  }

  // From here on the memory is all zero (base_snapshot_ empty, since_snapshot_ empty), and
  // stays consistent even if committing fails.
  decommit_range(0, size_bytes());
  size_pages_ = 0;
  since_snapshot_.clear();
  forget_recorded();
  base_snapshot_ = Snapshot();
  if (!commit_range(0, size_pages * kWasmPageSize)) {
    dirty_.remove_from(0);
    return Error("cannot commit memory for the stored pages");
  }
  size_pages_ = size_pages;
  for (const StoredPage* sp : sorted) {
    std::memcpy(page_at(sp->index), sp->bytes.data(), kDirtyPageSize);
    since_snapshot_.insert(sp->index);
  }
  for (uint64_t p : changed) {
    if (p < new_pages && !dirty_.contains(p)) dirty_.insert(p);
  }
  dirty_.remove_from(new_pages);
  return ok_status();
}

}  // namespace chorus::wasm
