#include "wasm/linear_memory.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <set>

namespace chorus::wasm {
namespace {

constexpr uint64_t kLimit = 1024;  // pages; the configured cap in most tests

LinearMemory make(uint64_t initial, std::optional<uint64_t> max, bool is64 = false,
                  uint64_t limit = kLimit, Reservation r = Reservation::kGuarded) {
  auto m = LinearMemory::create(initial, max, is64, limit, r);
  EXPECT_TRUE(m.ok()) << m.error().message();
  return std::move(m).value();
}

// Runs |fn| in a forked child and says how it ended: true if it was killed by SIGSEGV, false if it
// returned normally (the child then exits 0). Any other ending fails the test.
bool faults(const std::function<void()>& fn) {
  const pid_t pid = fork();
  if (pid == 0) {
    // Only in the child: sanitizers install their own SIGSEGV handler, which would report and
    // exit instead of letting the signal kill the process.
    signal(SIGSEGV, SIG_DFL);
    fn();
    _exit(0);
  }
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  if (WIFSIGNALED(status)) {
    EXPECT_EQ(WTERMSIG(status), SIGSEGV);
    return WTERMSIG(status) == SIGSEGV;
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  return false;
}

void poke(uint8_t* p) { *reinterpret_cast<volatile uint8_t*>(p) = 1; }
uint8_t peek(const uint8_t* p) { return *reinterpret_cast<const volatile uint8_t*>(p); }

void store(LinearMemory& m, uint64_t offset, ByteView data) {  // as the interpreter does
  m.mark_written(offset, data.size());
  std::memcpy(m.base() + offset, data.data(), data.size());
}

TEST(LinearMemory, CreateChecksLimits) {
  EXPECT_FALSE(LinearMemory::create(3, 2, false, kLimit).ok());
  EXPECT_FALSE(LinearMemory::create(5, std::nullopt, false, 4).ok());
  EXPECT_FALSE(LinearMemory::create(65537, std::nullopt, false, 1 << 20).ok());
  auto m = make(1, std::nullopt, false, 1 << 20);
  EXPECT_EQ(m.max_pages(), kMaxWasm32Pages);  // the type's limit when the module has none
  EXPECT_EQ(m.reserved_bytes(), kWasm32GuardedReservation);
  EXPECT_TRUE(m.guarded());
  auto c = make(1, 10, false, kLimit, Reservation::kCompact);
  EXPECT_EQ(c.reserved_bytes(), 10 * kWasmPageSize + kGuardBytes);
  EXPECT_FALSE(c.guarded());
  auto m64 = make(2, std::nullopt, true, 100);
  EXPECT_EQ(m64.max_pages(), 100u);
  EXPECT_EQ(m64.reserved_bytes(), 100 * kWasmPageSize + kGuardBytes);
  EXPECT_FALSE(m64.guarded());
  auto zero = make(0, 0);
  EXPECT_EQ(zero.size_bytes(), 0u);
  EXPECT_EQ(zero.grow(1), -1);
  EXPECT_EQ(zero.grow(0), 0);
}

TEST(LinearMemory, GrowWithinMaxAndLimitAndZeroFills) {
  auto m = make(1, 5, false, 4);
  EXPECT_EQ(m.max_pages(), 4u);
  EXPECT_EQ(m.grow(0), 1);
  EXPECT_EQ(m.grow(2), 1);
  EXPECT_EQ(m.size_pages(), 3u);
  EXPECT_EQ(m.size_bytes(), 3 * kWasmPageSize);
  EXPECT_EQ(m.grow(2), -1);  // 5 is within the module's max but past the limit
  EXPECT_EQ(m.grow(UINT64_MAX), -1);
  EXPECT_EQ(m.size_pages(), 3u);
  EXPECT_EQ(m.grow(1), 3);
  EXPECT_EQ(m.grow(1), -1);
  for (uint64_t i = 0; i < m.size_bytes(); i += 997) EXPECT_EQ(peek(m.base() + i), 0) << i;
  EXPECT_EQ(peek(m.base() + m.size_bytes() - 1), 0);

  auto m64 = make(0, 3, true, kLimit);
  EXPECT_EQ(m64.grow(3), 0);
  EXPECT_EQ(m64.grow(1), -1);
}

TEST(LinearMemory, AccessesPastTheSizeFault) {
  auto m = make(1, 4);
  uint8_t* b = m.base();
  EXPECT_FALSE(faults([&] { poke(b + kWasmPageSize - 1); }));
  EXPECT_TRUE(faults([&] { poke(b + kWasmPageSize); }));
  EXPECT_TRUE(faults([&] { (void)peek(b + kWasmPageSize); }));
  // A 16-byte access straddling the end.
  EXPECT_TRUE(faults([&] {
    for (int i = 0; i < 16; ++i) poke(b + kWasmPageSize - 8 + i);
  }));
  // The farthest a wasm32 access can reach: index and offset both 2^32 - 1, 16 bytes.
  const uint64_t far = (uint64_t{1} << 33) - 2;
  EXPECT_TRUE(faults([&] { poke(b + far + 15); }));
  EXPECT_TRUE(faults([&] { poke(b + far); }));
  EXPECT_TRUE(m.contains_fault_address(b + far + 15));
  EXPECT_TRUE(m.contains_fault_address(b + kWasmPageSize));
  EXPECT_FALSE(m.contains_fault_address(b + kWasmPageSize - 1));
  EXPECT_FALSE(m.contains_fault_address(b + m.reserved_bytes()));
  EXPECT_FALSE(m.contains_fault_address(b - 1));

  ASSERT_EQ(m.grow(1), 1);
  EXPECT_FALSE(faults([&] { poke(b + kWasmPageSize); }));
  EXPECT_FALSE(m.contains_fault_address(b + kWasmPageSize));
  EXPECT_TRUE(faults([&] { poke(b + 2 * kWasmPageSize); }));

  // A rolled-back grow takes the pages away again.
  ASSERT_TRUE(m.begin_transaction().ok());
  ASSERT_EQ(m.grow(1), 2);
  EXPECT_FALSE(faults([&] { poke(b + 2 * kWasmPageSize); }));
  ASSERT_TRUE(m.rollback().ok());
  EXPECT_TRUE(faults([&] { poke(b + 2 * kWasmPageSize); }));
  EXPECT_TRUE(m.contains_fault_address(b + 2 * kWasmPageSize));
}

TEST(LinearMemory, CompactAndMemory64FaultOnlyInTheirGuard) {
  for (bool is64 : {false, true}) {
    auto m = make(1, 2, is64, kLimit, Reservation::kCompact);
    uint8_t* b = m.base();
    EXPECT_TRUE(faults([&] { poke(b + kWasmPageSize); }));
    EXPECT_TRUE(faults([&] { poke(b + m.reserved_bytes() - 1); }));
    EXPECT_TRUE(m.contains_fault_address(b + m.reserved_bytes() - 1));
    EXPECT_FALSE(m.contains_fault_address(b + m.reserved_bytes()));
  }
}

TEST(LinearMemory, DirtyPagesAreExactlyThoseWritten) {
  auto m = make(2, 4);
  EXPECT_TRUE(m.dirty_pages().empty());
  const Bytes two = {1, 2};
  store(m, 5 * kDirtyPageSize + 100, ByteView(two));
  store(m, 5 * kDirtyPageSize + 200, ByteView(two));
  store(m, 2 * kDirtyPageSize - 1, ByteView(two));  // spans pages 1 and 2
  store(m, 31 * kDirtyPageSize + 4095, Bytes{9});  // last byte of the memory
  EXPECT_EQ(m.dirty_pages(), (std::vector<uint64_t>{1, 2, 5, 31}));
  EXPECT_EQ(m.dirty_page_count(), 4u);
  // An 8-byte store at the last 4 bytes of a page.
  store(m, 8 * kDirtyPageSize - 4, Bytes(8, 7));
  EXPECT_EQ(m.dirty_pages(), (std::vector<uint64_t>{1, 2, 5, 7, 8, 31}));
  // A long write.
  ASSERT_TRUE(m.write(10 * kDirtyPageSize + 1, Bytes(3 * kDirtyPageSize, 3)).ok());
  EXPECT_EQ(m.dirty_pages(), (std::vector<uint64_t>{1, 2, 5, 7, 8, 10, 11, 12, 13, 31}));
  // Out of range: the write fails and marks nothing; a trapping store's hook is ignored.
  EXPECT_FALSE(m.write(m.size_bytes() - 1, two).ok());
  m.mark_written(m.size_bytes(), 8);
  m.mark_written(m.size_bytes() + 12345, 4);
  EXPECT_EQ(m.dirty_page_count(), 10u);
  // Growing adds no dirty pages.
  ASSERT_EQ(m.grow(1), 2);
  EXPECT_EQ(m.dirty_page_count(), 10u);

  std::map<uint64_t, uint8_t> seen;
  m.for_each_dirty_page([&](uint64_t i, ByteView bytes) {
    EXPECT_EQ(bytes.size(), kDirtyPageSize);
    seen[i] = bytes[i == 31 ? 4095 : 0];
  });
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen[31], 9);
  EXPECT_EQ(seen[2], 2);

  ASSERT_TRUE(m.clear_dirty().ok());
  EXPECT_TRUE(m.dirty_pages().empty());
  store(m, 5 * kDirtyPageSize, two);  // recorded before the clear: must be recorded again
  EXPECT_EQ(m.dirty_pages(), (std::vector<uint64_t>{5}));
}

TEST(LinearMemory, ReadAndWriteAreBoundsChecked) {
  auto m = make(1, 1);
  Bytes out(4);
  EXPECT_TRUE(m.write(kWasmPageSize - 4, Bytes{1, 2, 3, 4}).ok());
  EXPECT_TRUE(m.read(kWasmPageSize - 4, out).ok());
  EXPECT_EQ(out, (Bytes{1, 2, 3, 4}));
  EXPECT_FALSE(m.read(kWasmPageSize - 3, out).ok());
  EXPECT_FALSE(m.read(UINT64_MAX, out).ok());
  EXPECT_FALSE(m.write(UINT64_MAX - 1, Bytes{1, 2, 3, 4}).ok());
  EXPECT_TRUE(m.write(kWasmPageSize, ByteView()).ok());
}

TEST(LinearMemory, RollbackRestoresBytesSizeAndDirtySet) {
  auto m = make(1, 8);
  ASSERT_TRUE(m.write(100, Bytes{1, 1, 1}).ok());
  const std::vector<uint64_t> dirty_before = m.dirty_pages();

  ASSERT_TRUE(m.begin_transaction().ok());
  EXPECT_TRUE(m.in_transaction());
  EXPECT_FALSE(m.begin_transaction().ok());
  EXPECT_FALSE(m.take_snapshot().ok());
  EXPECT_FALSE(m.clear_dirty().ok());
  ASSERT_TRUE(m.write(101, Bytes{2}).ok());
  ASSERT_TRUE(m.write(3 * kDirtyPageSize - 1, Bytes{2, 2}).ok());
  ASSERT_EQ(m.grow(2), 1);
  ASSERT_TRUE(m.write(2 * kWasmPageSize + 7, Bytes{5}).ok());
  EXPECT_EQ(m.dirty_pages(), (std::vector<uint64_t>{0, 2, 3, 32}));
  ASSERT_TRUE(m.rollback().ok());

  EXPECT_FALSE(m.in_transaction());
  EXPECT_EQ(m.size_pages(), 1u);
  EXPECT_EQ(m.dirty_pages(), dirty_before);
  Bytes out(4);
  ASSERT_TRUE(m.read(100, out).ok());
  EXPECT_EQ(out, (Bytes{1, 1, 1, 0}));
  ASSERT_TRUE(m.read(3 * kDirtyPageSize - 2, out).ok());
  EXPECT_EQ(out, (Bytes{0, 0, 0, 0}));
  // Re-growing shows zeros where the rolled-back transaction had written.
  ASSERT_EQ(m.grow(2), 1);
  EXPECT_EQ(peek(m.base() + 2 * kWasmPageSize + 7), 0);
  EXPECT_FALSE(m.rollback().ok());
  EXPECT_FALSE(m.commit().ok());

  // Commit keeps everything, and the next transaction starts from there.
  ASSERT_TRUE(m.begin_transaction().ok());
  ASSERT_TRUE(m.write(101, Bytes{3}).ok());
  ASSERT_EQ(m.grow(1), 3);
  ASSERT_TRUE(m.commit().ok());
  EXPECT_EQ(m.size_pages(), 4u);
  EXPECT_EQ(peek(m.base() + 101), 3);
  ASSERT_TRUE(m.begin_transaction().ok());
  ASSERT_TRUE(m.write(101, Bytes{4}).ok());  // recorded in the last transaction; logged again
  ASSERT_TRUE(m.rollback().ok());
  EXPECT_EQ(peek(m.base() + 101), 3);
}

TEST(LinearMemory, SnapshotsRestoreAndSharePages) {
  auto m = make(1, 4);
  ASSERT_TRUE(m.write(10, Bytes{1}).ok());
  ASSERT_TRUE(m.write(5 * kDirtyPageSize, Bytes{2}).ok());
  auto s1 = m.take_snapshot();
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(s1->size_pages(), 1u);
  EXPECT_EQ(s1->page(0)[10], 1);
  EXPECT_TRUE(s1->page(1).empty());  // zero pages take no space

  ASSERT_TRUE(m.write(10, Bytes{9}).ok());
  ASSERT_EQ(m.grow(1), 1);
  ASSERT_TRUE(m.write(kWasmPageSize, Bytes{3}).ok());
  auto s2 = m.take_snapshot();
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(s2->size_pages(), 2u);
  EXPECT_EQ(s2->page(5).data(), s1->page(5).data());  // unchanged pages are shared
  EXPECT_NE(s2->page(0).data(), s1->page(0).data());

  ASSERT_TRUE(m.clear_dirty().ok());
  ASSERT_TRUE(m.restore(*s1).ok());
  EXPECT_EQ(m.size_pages(), 1u);
  EXPECT_EQ(peek(m.base() + 10), 1);
  EXPECT_EQ(peek(m.base() + 5 * kDirtyPageSize), 2);
  EXPECT_EQ(m.dirty_pages(), (std::vector<uint64_t>{0}));  // page 16 is past the size now
  ASSERT_EQ(m.grow(1), 1);
  EXPECT_EQ(peek(m.base() + kWasmPageSize), 0);

  ASSERT_TRUE(m.restore(*s2).ok());
  EXPECT_EQ(m.size_pages(), 2u);
  EXPECT_EQ(peek(m.base() + 10), 9);
  EXPECT_EQ(peek(m.base() + kWasmPageSize), 3);
  // Restoring the snapshot the memory already equals changes nothing.
  ASSERT_TRUE(m.clear_dirty().ok());
  ASSERT_TRUE(m.restore(*s2).ok());
  EXPECT_TRUE(m.dirty_pages().empty());

  std::vector<uint64_t> nonzero;
  s2->for_each_nonzero_page([&](uint64_t i, ByteView) { nonzero.push_back(i); });
  EXPECT_EQ(nonzero, (std::vector<uint64_t>{0, 5, 16}));

  auto small = make(0, 1);
  EXPECT_FALSE(small.restore(*s2).ok());  // larger than its maximum

  // A snapshot restores into another memory too, and outlives the memory it came from.
  std::optional<Snapshot> s3;
  {
    auto other = make(1, 4, false, kLimit, Reservation::kCompact);
    ASSERT_TRUE(other.write(kDirtyPageSize, Bytes{6}).ok());
    ASSERT_TRUE(other.restore(*s2).ok());
    EXPECT_EQ(other.size_pages(), 2u);
    EXPECT_EQ(std::memcmp(other.base(), m.base(), m.size_bytes()), 0);
    EXPECT_EQ(other.dirty_pages(), (std::vector<uint64_t>{0, 1, 5, 16}));
    ASSERT_TRUE(other.write(kDirtyPageSize, Bytes{8}).ok());
    s3 = *other.take_snapshot();
  }
  EXPECT_EQ(s3->page(1)[0], 8);
  EXPECT_EQ(s3->page(16)[0], 3);
}

TEST(LinearMemory, LoadPages) {
  auto m = make(1, 4);
  ASSERT_TRUE(m.write(3, Bytes{7}).ok());
  Bytes a(kDirtyPageSize, 0xaa), b(kDirtyPageSize, 0xbb), z(kDirtyPageSize, 0);
  ASSERT_TRUE(m.clear_dirty().ok());
  std::vector<StoredPage> pages = {{40, a}, {2, b}, {9, z}};
  ASSERT_TRUE(m.load_pages(3, pages).ok());
  EXPECT_EQ(m.size_pages(), 3u);
  EXPECT_EQ(peek(m.base() + 3), 0);
  EXPECT_EQ(peek(m.base() + 40 * kDirtyPageSize + 9), 0xaa);
  EXPECT_EQ(peek(m.base() + 2 * kDirtyPageSize), 0xbb);
  EXPECT_EQ(m.dirty_pages(), (std::vector<uint64_t>{0, 2, 40}));  // page 9 stayed zero

  std::vector<StoredPage> past = {{48, a}};
  EXPECT_FALSE(m.load_pages(3, past).ok());
  std::vector<StoredPage> twice = {{1, a}, {1, b}};
  EXPECT_FALSE(m.load_pages(3, twice).ok());
  std::vector<StoredPage> short_page = {{1, ByteView(a).first(100)}};
  EXPECT_FALSE(m.load_pages(3, short_page).ok());
  EXPECT_FALSE(m.load_pages(5, {}).ok());
  EXPECT_FALSE(m.load_pages(0, {}).ok());  // below the initial size
  EXPECT_EQ(peek(m.base() + 2 * kDirtyPageSize), 0xbb);  // failed loads change nothing

  // A snapshot after loading holds the loaded pages.
  auto s = m.take_snapshot();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->page(40)[0], 0xaa);
  ASSERT_TRUE(m.load_pages(1, {}).ok());
  EXPECT_EQ(m.size_pages(), 1u);
  EXPECT_EQ(peek(m.base() + 2 * kDirtyPageSize), 0);
  ASSERT_TRUE(m.restore(*s).ok());
  EXPECT_EQ(peek(m.base() + 40 * kDirtyPageSize + 9), 0xaa);
}

// ---------------------------------------------------------------------------------------------
// Differential test against a plain model: bytes in a vector, dirty pages in a set.

struct Model {
  Bytes bytes;
  std::set<uint64_t> dirty;
  uint64_t pages() const { return bytes.size() / kWasmPageSize; }
};

// Pages whose contents differ between |from| and |to| (missing bytes read as zero), below |to|'s
// size: what restore() and load_pages() mark dirty.
void mark_changes(const Bytes& from, const Bytes& to, std::set<uint64_t>& dirty) {
  for (uint64_t p = 0; p < to.size() / kDirtyPageSize; ++p) {
    const uint64_t at = p * kDirtyPageSize;
    bool same;
    if (at < from.size()) {
      same = std::memcmp(from.data() + at, to.data() + at, kDirtyPageSize) == 0;
    } else {
      same = std::all_of(to.begin() + at, to.begin() + at + kDirtyPageSize,
                         [](uint8_t x) { return x == 0; });
    }
    if (!same) dirty.insert(p);
  }
  std::erase_if(dirty, [&](uint64_t p) { return p >= to.size() / kDirtyPageSize; });
}

// Runs |ops| random operations on a memory and the model, checking they agree after each, and
// returns a transcript of everything observable, for the determinism test.
std::vector<uint64_t> run_differential(uint64_t seed, int ops, Reservation reservation,
                                       bool is64) {
  constexpr uint64_t kMax = 6;
  std::mt19937_64 rng(seed);
  auto below = [&](uint64_t n) { return n == 0 ? 0 : rng() % n; };
  auto m = make(1, kMax, is64, kLimit, reservation);
  Model model;
  model.bytes.assign(kWasmPageSize, 0);
  std::optional<Model> saved;  // the model at begin_transaction
  std::vector<std::pair<Snapshot, Bytes>> snapshots;
  std::vector<uint64_t> transcript;

  for (int op = 0; op < ops; ++op) {
    const uint64_t kind = below(100);
    const bool in_tx = saved.has_value();
    if (kind < 50 && !model.bytes.empty()) {
      // A store: mostly short and near page boundaries, sometimes long.
      uint64_t len = below(10) == 0 ? 1 + below(3 * kDirtyPageSize) : 1 + below(16);
      len = std::min<uint64_t>(len, model.bytes.size());
      uint64_t off = below(3) == 0 ? (below(model.bytes.size() / kDirtyPageSize) + 1) *
                                             kDirtyPageSize - below(16)
                                   : below(model.bytes.size());
      off = std::min(off, model.bytes.size() - len);
      Bytes data(len);
      for (auto& x : data) x = static_cast<uint8_t>(rng());
      if (below(2) == 0) {
        store(m, off, data);
      } else {
        EXPECT_TRUE(m.write(off, data).ok());
      }
      std::memcpy(model.bytes.data() + off, data.data(), len);
      for (uint64_t p = off / kDirtyPageSize; p <= (off + len - 1) / kDirtyPageSize; ++p) {
        model.dirty.insert(p);
      }
    } else if (kind < 53) {
      // A trapping store's hook, past the size: no effect.
      m.mark_written(model.bytes.size() + below(1000), 1 + below(16));
    } else if (kind < 62) {
      const uint64_t delta = below(4);
      const int64_t expect =
          model.pages() + delta <= kMax ? static_cast<int64_t>(model.pages()) : -1;
      const int64_t got = m.grow(delta);
      EXPECT_EQ(got, expect);
      if (got >= 0) model.bytes.resize(model.bytes.size() + delta * kWasmPageSize, 0);
      transcript.push_back(static_cast<uint64_t>(got));
    } else if (kind < 68) {
      EXPECT_EQ(m.begin_transaction().ok(), !in_tx);
      if (!in_tx) saved = model;
    } else if (kind < 73) {
      EXPECT_EQ(m.commit().ok(), in_tx);
      saved.reset();
    } else if (kind < 79) {
      EXPECT_EQ(m.rollback().ok(), in_tx);
      if (in_tx) model = *saved;
      saved.reset();
    } else if (kind < 85) {
      auto s = m.take_snapshot();
      EXPECT_EQ(s.ok(), !in_tx);
      if (s.ok()) {
        EXPECT_EQ(s->size_pages(), model.pages());
        for (uint64_t p = 0; p < model.bytes.size() / kDirtyPageSize; ++p) {
          ByteView page = s->page(p);
          const uint8_t* want = model.bytes.data() + p * kDirtyPageSize;
          if (page.empty()) {
            EXPECT_TRUE(std::all_of(want, want + kDirtyPageSize, [](uint8_t x) { return x == 0; }));
          } else {
            EXPECT_EQ(std::memcmp(page.data(), want, kDirtyPageSize), 0);
          }
        }
        snapshots.emplace_back(*s, model.bytes);
        // Drop one now and then, so that freed pages are reused by later snapshots.
        if (snapshots.size() > 6) snapshots.erase(snapshots.begin() + below(snapshots.size()));
      }
    } else if (kind < 91) {
      if (!snapshots.empty()) {
        const auto& [s, bytes] = snapshots[below(snapshots.size())];
        EXPECT_EQ(m.restore(s).ok(), !in_tx);
        if (!in_tx) {
          mark_changes(model.bytes, bytes, model.dirty);
          model.bytes = bytes;
        }
      }
    } else if (kind < 96) {
      EXPECT_EQ(m.clear_dirty().ok(), !in_tx);
      if (!in_tx) model.dirty.clear();
    } else if (kind < 98) {
      // Load a few random pages, some of them equal to what is there.
      const uint64_t pages = 1 + below(kMax);
      Bytes to(pages * kWasmPageSize, 0);
      std::vector<std::pair<uint64_t, Bytes>> contents;  // in random order, as storage may give
      std::set<uint64_t> used;
      for (int i = 0, n = static_cast<int>(below(6)); i < n; ++i) {
        const uint64_t p = below(pages * kDirtyPagesPerWasmPage);
        if (!used.insert(p).second) continue;
        Bytes c(kDirtyPageSize, 0);
        if (p * kDirtyPageSize < model.bytes.size() && below(2) == 0) {
          std::memcpy(c.data(), model.bytes.data() + p * kDirtyPageSize, kDirtyPageSize);
        } else {
          c[below(kDirtyPageSize)] = static_cast<uint8_t>(rng());
        }
        std::memcpy(to.data() + p * kDirtyPageSize, c.data(), kDirtyPageSize);
        contents.emplace_back(p, std::move(c));
      }
      std::vector<StoredPage> stored;
      for (const auto& [p, c] : contents) stored.push_back({p, c});
      EXPECT_EQ(m.load_pages(pages, stored).ok(), !in_tx);
      if (!in_tx) {
        mark_changes(model.bytes, to, model.dirty);
        model.bytes = to;
      }
    } else {
      transcript.push_back(m.dirty_page_count());
    }

    // Agreement after every operation.
    EXPECT_EQ(m.size_pages(), model.pages());
    EXPECT_EQ(m.in_transaction(), saved.has_value());
    const std::vector<uint64_t> dirty = m.dirty_pages();
    EXPECT_EQ(dirty, std::vector<uint64_t>(model.dirty.begin(), model.dirty.end())) << op;
    EXPECT_EQ(std::memcmp(m.base(), model.bytes.data(), model.bytes.size()), 0) << op;
    if (testing::Test::HasFailure()) return transcript;
    transcript.push_back(m.size_pages());
    transcript.insert(transcript.end(), dirty.begin(), dirty.end());
  }
  for (const auto& [s, bytes] : snapshots) {
    s.for_each_nonzero_page([&](uint64_t i, ByteView page) {
      transcript.push_back(i);
      transcript.push_back(page[0] | page[kDirtyPageSize - 1] << 8);
    });
  }
  return transcript;
}

TEST(LinearMemory, DifferentialAgainstModel) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    run_differential(seed, 3000, Reservation::kGuarded, false);
    run_differential(seed + 100, 1500, Reservation::kCompact, false);
    run_differential(seed + 200, 1500, Reservation::kCompact, true);
    if (HasFailure()) return;
  }
}

TEST(LinearMemory, Deterministic) {
  // The same operations give the same observable results whatever the layout and wherever the
  // memory lands in the address space.
  const auto a = run_differential(7, 1500, Reservation::kGuarded, false);
  auto other = make(3, 3);  // moves the next reservation elsewhere
  const auto b = run_differential(7, 1500, Reservation::kCompact, false);
  const auto c = run_differential(7, 1500, Reservation::kCompact, true);
  EXPECT_GT(a.size(), 1500u);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
}

}  // namespace
}  // namespace chorus::wasm

namespace chorus::wasm {
namespace {

std::vector<uint64_t> changed_pages(const Snapshot& s, const Snapshot& base) {
  std::vector<uint64_t> out;
  s.for_each_changed_page(base, [&](uint64_t i, ByteView bytes) {
    EXPECT_TRUE(bytes_equal(bytes, s.page(i))) << "page " << i;
    out.push_back(i);
  });
  return out;
}

TEST(SnapshotDiffTest, FourGibMemoryWithThreeChangedPagesVisitsThree) {
  auto m = make(kMaxWasm32Pages, std::nullopt, false, kMaxWasm32Pages);
  ASSERT_EQ(m.size_bytes(), uint64_t{4} << 30);
  // 1000 nonzero pages spread over the whole 4 GiB.
  for (uint64_t i = 0; i < 1000; ++i) {
    const uint64_t offset = (i * 1048573 % m.size_bytes()) & ~uint64_t{4095};
    ASSERT_TRUE(m.write(offset, Bytes{uint8_t(i | 1)}).ok());
  }
  auto s1 = m.take_snapshot();
  ASSERT_TRUE(s1.ok());
  std::vector<uint64_t> all;
  s1->for_each_nonzero_page([&](uint64_t i, ByteView) { all.push_back(i); });
  EXPECT_EQ(changed_pages(*s1, Snapshot()), all);
  EXPECT_TRUE(changed_pages(*s1, *s1).empty());
  EXPECT_TRUE(s1->shares_everything_with(*s1));

  // Three pages: one new, one rewritten, one set back to zero (visited with empty bytes).
  const uint64_t fresh = (uint64_t{4} << 30) / kDirtyPageSize - 1;
  const uint64_t rewritten = all[500];
  const uint64_t zeroed = all[10];
  ASSERT_TRUE(m.write(fresh * kDirtyPageSize + 7, Bytes{1, 2, 3}).ok());
  ASSERT_TRUE(m.write(rewritten * kDirtyPageSize + 100, Bytes{42}).ok());
  ASSERT_TRUE(m.write(zeroed * kDirtyPageSize, Bytes(kDirtyPageSize, 0)).ok());
  auto s2 = m.take_snapshot();
  ASSERT_TRUE(s2.ok());
  EXPECT_FALSE(s2->shares_everything_with(*s1));
  std::vector<uint64_t> visited;
  std::vector<size_t> sizes;
  s2->for_each_changed_page(*s1, [&](uint64_t i, ByteView bytes) {
    visited.push_back(i);
    sizes.push_back(bytes.size());
  });
  std::vector<uint64_t> want{zeroed, rewritten, fresh};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(visited, want);
  for (size_t k = 0; k < visited.size(); ++k) {
    EXPECT_EQ(sizes[k], visited[k] == zeroed ? 0u : kDirtyPageSize);
  }
  // The other direction sees the same pages, with s1's bytes.
  EXPECT_EQ(changed_pages(*s1, *s2), want);
}

TEST(SnapshotDiffTest, PagesPastTheSizeAreNotVisited) {
  auto big = Snapshot().with_pages(2, std::vector<StoredPage>{{20, Bytes(kDirtyPageSize, 1)}});
  ASSERT_TRUE(big.ok()) << big.error().message();
  auto small = big->with_pages(1, {});
  ASSERT_TRUE(small.ok());
  EXPECT_TRUE(changed_pages(*small, *big).empty());  // page 20 is past small's size
  EXPECT_EQ(changed_pages(*big, *small), (std::vector<uint64_t>{20}));
  EXPECT_TRUE(small->page(20).empty());
}

TEST(SnapshotDiffTest, WithPagesBuildsSharesAndRefusesBadInput) {
  Bytes a(kDirtyPageSize, 0xaa), z(kDirtyPageSize, 0);
  std::vector<StoredPage> pages{{0, a}, {3, z}, {17, a}};
  auto s = Snapshot().with_pages(2, pages);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->size_pages(), 2u);
  EXPECT_TRUE(bytes_equal(s->page(0), a));
  EXPECT_TRUE(s->page(3).empty());  // zeros take no space
  EXPECT_TRUE(bytes_equal(s->page(17), a));
  std::vector<uint64_t> nonzero;
  s->for_each_nonzero_page([&](uint64_t i, ByteView) { nonzero.push_back(i); });
  EXPECT_EQ(nonzero, (std::vector<uint64_t>{0, 17}));

  // A memory restored from it holds the same bytes, and its next snapshot shares with it.
  auto m = make(1, 4);
  ASSERT_TRUE(m.restore(*s).ok());
  EXPECT_EQ(m.base()[17 * kDirtyPageSize], 0xaa);
  ASSERT_TRUE(m.write(5 * kDirtyPageSize, Bytes{9}).ok());
  auto next = m.take_snapshot();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(changed_pages(*next, *s), (std::vector<uint64_t>{5}));

  // Applying pages on top shares the rest: only the given pages differ.
  Bytes b(kDirtyPageSize, 0xbb);
  auto t = s->with_pages(3, std::vector<StoredPage>{{0, {}}, {40, b}});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(changed_pages(*t, *s), (std::vector<uint64_t>{0, 40}));
  EXPECT_TRUE(t->page(0).empty());
  EXPECT_TRUE(bytes_equal(t->page(17), a));
  EXPECT_EQ(s->page(0)[0], 0xaa);  // the original is unchanged

  // Shrinking drops what is past the new size.
  auto u = t->with_pages(1, {});
  ASSERT_TRUE(u.ok());
  nonzero.clear();
  u->for_each_nonzero_page([&](uint64_t i, ByteView) { nonzero.push_back(i); });
  EXPECT_TRUE(nonzero.empty());  // 17 and 40 are past 16

  EXPECT_FALSE(Snapshot().with_pages(1, std::vector<StoredPage>{{3, a}, {3, a}}).ok());
  EXPECT_FALSE(Snapshot().with_pages(1, std::vector<StoredPage>{{4, a}, {3, a}}).ok());
  EXPECT_FALSE(Snapshot().with_pages(1, std::vector<StoredPage>{{16, a}}).ok());
  EXPECT_FALSE(Snapshot().with_pages(1, std::vector<StoredPage>{{0, Bytes(100, 1)}}).ok());
  EXPECT_FALSE(Snapshot().with_pages(Snapshot::kMaxSizePages + 1, {}).ok());
  EXPECT_TRUE(Snapshot().with_pages(Snapshot::kMaxSizePages, {}).ok());
}

// Against a model: after random writes, the visited pages include every page whose bytes differ,
// and every page they skip is identical.
TEST(SnapshotDiffTest, RandomWritesAgainstAFullComparison) {
  std::mt19937_64 rng(7);
  auto m = make(4, 64);
  std::vector<Snapshot> snaps{Snapshot()};
  for (int round = 0; round < 40; ++round) {
    if (rng() % 5 == 0) {
      ASSERT_GE(m.grow(rng() % 3), 0);
    }
    const int writes = static_cast<int>(rng() % 6);
    for (int w = 0; w < writes; ++w) {
      const uint64_t off = rng() % m.size_bytes();
      const uint8_t v = rng() % 3 == 0 ? 0 : static_cast<uint8_t>(rng());
      ASSERT_TRUE(m.write(off & ~uint64_t{4095}, Bytes(kDirtyPageSize - (off & 4095) % 2, v)).ok());
    }
    auto s = m.take_snapshot();
    ASSERT_TRUE(s.ok());
    const Snapshot& base = snaps[rng() % snaps.size()];
    std::set<uint64_t> visited;
    for (uint64_t i : changed_pages(*s, base)) visited.insert(i);
    const uint64_t n = s->size_pages() * kDirtyPagesPerWasmPage;
    for (uint64_t i = 0; i < n; ++i) {
      // Zero pages are empty views in both, so this compares contents.
      if (!bytes_equal(s->page(i), base.page(i))) {
        EXPECT_TRUE(visited.count(i)) << "round " << round << " page " << i;
      }
    }
    for (uint64_t i : visited) EXPECT_LT(i, n);
    snaps.push_back(*s);
  }
}

}  // namespace
}  // namespace chorus::wasm
