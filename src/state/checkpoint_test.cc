#include "state/checkpoint.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "base/file.h"
#include "state/page_store.h"

namespace chorus::state {
namespace {

namespace fs = std::filesystem;
using wasm::kDirtyPageSize;
using wasm::LinearMemory;
using wasm::Snapshot;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "chorus-checkpoint-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::string sub(const std::string& name) const { return root_ + "/" + name; }

  std::string root_;
};

CheckpointStore open_store(const std::string& root, CheckpointOptions options = {}) {
  auto s = CheckpointStore::open(root, std::move(options));
  EXPECT_TRUE(s.ok()) << s.error().message();
  return std::move(s).value();
}

LinearMemory make_memory(uint64_t pages, uint64_t max = wasm::kMaxWasm32Pages) {
  auto m = LinearMemory::create(pages, max, false, max);
  EXPECT_TRUE(m.ok()) << m.error().message();
  return std::move(m).value();
}

void poke(LinearMemory& m, uint64_t page, uint8_t value, uint64_t offset = 0) {
  ASSERT_TRUE(m.write(page * kDirtyPageSize + offset, Bytes{value, uint8_t(value + 1)}).ok());
}

Snapshot snap(LinearMemory& m) {
  auto s = m.take_snapshot();
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

// Same size and the same bytes in every page.
::testing::AssertionResult same_memory(const Snapshot& a, const Snapshot& b) {
  if (a.size_pages() != b.size_pages()) {
    return ::testing::AssertionFailure() << "sizes " << a.size_pages() << " vs " << b.size_pages();
  }
  std::optional<uint64_t> bad;
  auto check = [&](uint64_t i, ByteView) {
    if (!bad && !bytes_equal(a.page(i), b.page(i))) bad = i;
  };
  a.for_each_changed_page(b, check);
  b.for_each_changed_page(a, check);
  if (bad) return ::testing::AssertionFailure() << "page " << *bad << " differs";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult same_data(const CheckpointData& a, const CheckpointData& b) {
  if (a.blobs != b.blobs) return ::testing::AssertionFailure() << "blobs differ";
  if (a.memories.size() != b.memories.size()) {
    return ::testing::AssertionFailure() << "memory counts differ";
  }
  for (const auto& [name, s] : a.memories) {
    auto it = b.memories.find(name);
    if (it == b.memories.end()) return ::testing::AssertionFailure() << "no memory " << name;
    auto r = same_memory(s, it->second);
    if (!r) return r << " in " << name;
  }
  return ::testing::AssertionSuccess();
}

LoadedCheckpoint load(const std::string& root) {
  auto store = open_store(root);
  auto r = store.load_latest();
  EXPECT_TRUE(r.ok()) << r.error().message();
  if (!r.ok() || !r->has_value()) {
    ADD_FAILURE() << "nothing loaded";
    return {};
  }
  return std::move(**r);
}

// Every file under |dir|, by relative path, with its bytes.
std::map<std::string, Bytes> tree(const std::string& dir) {
  std::map<std::string, Bytes> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    auto b = read_file(e.path().string());
    EXPECT_TRUE(b.ok());
    out[fs::relative(e.path(), dir).string()] = b.ok() ? *b : Bytes();
  }
  return out;
}

TEST_F(CheckpointTest, EmptyStoreLoadsNothing) {
  auto store = open_store(root_);
  auto r = store.load_latest();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  EXPECT_TRUE(store.heights()->empty());
}

TEST_F(CheckpointTest, RoundTripsBlobsAndMemories) {
  auto wasm = make_memory(2, 16);
  poke(wasm, 0, 1);
  poke(wasm, 31, 2, 4094);
  auto stable = make_memory(1, 16);
  CheckpointData data;
  data.blobs["canister/a/system"] = Bytes{1, 2, 3};
  data.blobs["empty"] = Bytes();
  data.memories["canister/a/wasm_memory"] = snap(wasm);
  data.memories["canister/a/stable_memory"] = snap(stable);  // all zeros
  data.memories["canister/b/wasm_memory"] = Snapshot();      // no pages at all
  {
    auto store = open_store(root_);
    auto stats = store.write(100, data);
    ASSERT_TRUE(stats.ok()) << stats.error().message();
    EXPECT_EQ(stats->pages_written, 2u);
    EXPECT_EQ(stats->files_linked, 0u);
  }
  LoadedCheckpoint loaded = load(root_);
  EXPECT_EQ(loaded.height, 100u);
  EXPECT_TRUE(loaded.skipped.empty());
  EXPECT_TRUE(same_data(loaded.data, data));

  // The loaded snapshots depend on no file: the whole store can go.
  fs::remove_all(sub("checkpoints"));
  EXPECT_EQ(loaded.data.memories["canister/a/wasm_memory"].page(31)[4094], 2);
  auto restored = make_memory(2, 16);
  ASSERT_TRUE(restored.restore(loaded.data.memories["canister/a/wasm_memory"]).ok());
  EXPECT_EQ(restored.base()[0], 1);
}

// Issue #6: a 4 GiB memory that writes a few pages checkpoints in proportion to those pages.
TEST_F(CheckpointTest, FourGibMemoryWithThreeChangedPagesWritesThreePages) {
  auto stable = make_memory(wasm::kMaxWasm32Pages);
  auto heap = make_memory(16);
  for (uint64_t i = 0; i < 2000; ++i) poke(stable, i * 500, static_cast<uint8_t>(i + 1));
  poke(heap, 3, 9);
  CheckpointData data;
  data.blobs["meta"] = Bytes(100, 7);
  data.memories["stable"] = snap(stable);
  data.memories["heap"] = snap(heap);
  auto store = open_store(root_);
  auto first = store.write(10, data);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->pages_written, 2001u);

  poke(stable, 1, 1);
  poke(stable, 5000, 0xee);
  poke(stable, 1048575, 3);  // the last page of 4 GiB
  data.memories["stable"] = snap(stable);
  data.memories["heap"] = snap(heap);  // unchanged: all links
  auto second = store.write(20, data);
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(second->pages_written, 3u);
  EXPECT_EQ(second->files_linked, 2u);      // the stable base, the heap base
  EXPECT_EQ(second->files_written, 3u);     // the blob, one overlay, the manifest
  EXPECT_LT(second->bytes_written, 3 * kDirtyPageSize + 2048);
  EXPECT_TRUE(same_data(load(root_).data, data));

  // After a restart: load, restore, write three pages again, still three pages.
  auto restarted = open_store(root_);
  auto loaded = restarted.load_latest();
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  auto stable2 = make_memory(wasm::kMaxWasm32Pages);
  ASSERT_TRUE(stable2.restore((*loaded)->data.memories["stable"]).ok());
  auto heap2 = make_memory(16);
  ASSERT_TRUE(heap2.restore((*loaded)->data.memories["heap"]).ok());
  poke(stable2, 2, 4);
  poke(stable2, 10000, 5);
  poke(stable2, 777777, 6);
  data.memories["stable"] = snap(stable2);
  data.memories["heap"] = snap(heap2);
  auto third = restarted.write(30, data);
  ASSERT_TRUE(third.ok()) << third.error().message();
  // The overlay of height 20 is no bigger than twice the new one, so it is folded in (tiered
  // merging): 3 + 3 pages, and the links are the two bases.
  EXPECT_EQ(third->pages_written, 6u);
  EXPECT_EQ(third->memories_compacted, 1u);
  EXPECT_EQ(third->files_linked, 2u);
  EXPECT_TRUE(same_data(load(root_).data, data));

  // Amortized: 200 more checkpoints of 3 pages each rewrite each changed page O(log) times,
  // never the 2000-page base (the overlays stay smaller), and keep every chain within max_layers.
  uint64_t pages = 0;
  for (uint64_t h = 40; h < 240; ++h) {
    for (int i = 0; i < 3; ++i) poke(stable2, (h * 7919 + i * 104729) % 1048576, uint8_t(h));
    data.memories["stable"] = snap(stable2);
    auto stats = restarted.write(h, data);
    ASSERT_TRUE(stats.ok()) << stats.error().message();
    EXPECT_EQ(stats->memories_rebased, 0u);
    pages += stats->pages_written;
  }
  EXPECT_LE(pages, 600u * 10);  // 600 changed pages, log2(600) < 10
  auto manifest = parse_manifest(*read_file(restarted.checkpoint_dir(239) + "/MANIFEST"));
  ASSERT_TRUE(manifest.ok());
  EXPECT_LE(manifest->memories[1].layers.size(), CheckpointOptions().max_layers);
  EXPECT_TRUE(same_data(load(root_).data, data));
}

// Random writes over many checkpoints with small limits, so that overlays, compactions and new
// bases all happen; every checkpoint loads back to exactly what was written.
TEST_F(CheckpointTest, ChainsCompactAndRebaseWithoutChangingContents) {
  CheckpointOptions options;
  options.max_layers = 3;
  options.merge_min_bytes = 64 * kDirtyPageSize;
  options.keep = 3;
  auto store = open_store(root_, options);
  std::mt19937_64 rng(42);
  std::map<std::string, LinearMemory> memories;
  memories.emplace("a", make_memory(1, 64));
  memories.emplace("b", make_memory(4, 64));
  CheckpointWriteStats total;
  for (uint64_t h = 1; h <= 40; ++h) {
    for (auto& [name, m] : memories) {
      const int writes = static_cast<int>(rng() % (h % 7 == 0 ? 200 : 4));
      for (int w = 0; w < writes; ++w) {
        poke(m, rng() % (m.size_bytes() / kDirtyPageSize), static_cast<uint8_t>(rng() % 4 * 60));
      }
      if (rng() % 8 == 0) {
        ASSERT_GE(m.grow(1), 0);
      }
    }
    if (h == 20) memories.erase("a");  // a memory that disappears
    if (h == 25) memories.emplace("c", make_memory(2, 64));
    CheckpointData data;
    data.blobs["round"] = Bytes{static_cast<uint8_t>(h)};
    for (auto& [name, m] : memories) data.memories[name] = snap(m);
    auto stats = store.write(h, data);
    ASSERT_TRUE(stats.ok()) << stats.error().message();
    total.memories_compacted += stats->memories_compacted;
    total.memories_rebased += stats->memories_rebased;
    total.files_linked += stats->files_linked;
    LoadedCheckpoint loaded = load(root_);
    ASSERT_EQ(loaded.height, h);
    ASSERT_TRUE(same_data(loaded.data, data)) << "height " << h;
  }
  EXPECT_GT(total.memories_compacted, 0u);
  EXPECT_GT(total.memories_rebased, 0u);
  EXPECT_GT(total.files_linked, 0u);
  // No chain ever passes max_layers.
  auto manifest_bytes = read_file(store.checkpoint_dir(40) + "/MANIFEST");
  ASSERT_TRUE(manifest_bytes.ok());
  auto manifest = parse_manifest(*manifest_bytes);
  ASSERT_TRUE(manifest.ok());
  for (const ManifestMemory& m : manifest->memories) EXPECT_LE(m.layers.size(), 3u);
}

// Kills the writer before each of its file operations in turn (a "write" torn halfway) and
// checks that a restarted store always loads either the old or the new checkpoint, never an
// error or a mix, and can go on checkpointing from there.
TEST_F(CheckpointTest, CrashAtEveryStepLoadsTheOldOrTheNewCheckpoint) {
  int saw_old = 0, saw_new = 0;
  std::set<std::string> ops_seen;
  for (int k = 0;; ++k) {
    const std::string root = sub("crash-" + std::to_string(k));
    CheckpointData before, after;
    {
      // The history: checkpoints 50 and 100 (keep = 2, so writing 200 removes 50).
      auto a = make_memory(2, 16);
      auto b = make_memory(1, 16);
      poke(a, 0, 1);
      poke(b, 3, 3);
      auto store = open_store(root);
      CheckpointData d;
      d.blobs["meta"] = Bytes{1};
      d.memories["a"] = snap(a);
      d.memories["b"] = snap(b);
      ASSERT_TRUE(store.write(50, d).ok());
      poke(a, 17, 2);
      d.blobs["gone"] = Bytes{2};
      d.memories["a"] = snap(a);
      ASSERT_TRUE(store.write(100, d).ok());
      before = d;
      // The write that crashes, from a restarted store: a changes (overlay), b stays (links),
      // a new memory c appears (base), a blob disappears and one changes.
      auto crashing_options = CheckpointOptions();
      int op = 0;
      bool crashed = false;
      crashing_options.before_op = [&](std::string_view name, const std::string&) -> Status {
        ops_seen.insert(std::string(name));
        if (op++ == k) {
          crashed = true;
          return Error("simulated crash");
        }
        return ok_status();
      };
      auto crashing = open_store(root, crashing_options);
      auto loaded = crashing.load_latest();
      ASSERT_TRUE(loaded.ok() && loaded->has_value());
      ASSERT_TRUE(a.restore((*loaded)->data.memories["a"]).ok());
      ASSERT_TRUE(b.restore((*loaded)->data.memories["b"]).ok());
      poke(a, 5, 9);
      auto c = make_memory(1, 16);
      poke(c, 1, 4);
      after.blobs["meta"] = Bytes{1, 1};
      after.memories["a"] = snap(a);
      after.memories["b"] = snap(b);
      after.memories["c"] = snap(c);
      auto r = crashing.write(200, after);
      if (!crashed) {
        ASSERT_TRUE(r.ok()) << r.error().message();
        ASSERT_GT(k, 5);
        break;  // k passed the number of operations: every step has been tried
      }
      ASSERT_FALSE(r.ok());
    }
    // The restart after the crash.
    auto store = open_store(root);
    auto loaded = store.load_latest();
    ASSERT_TRUE(loaded.ok()) << "k=" << k << ": " << loaded.error().message();
    ASSERT_TRUE(loaded->has_value());
    EXPECT_TRUE((*loaded)->skipped.empty()) << (*loaded)->skipped[0];
    if ((*loaded)->height == 100) {
      EXPECT_TRUE(same_data((*loaded)->data, before)) << "k=" << k;
      ++saw_old;
    } else {
      ASSERT_EQ((*loaded)->height, 200u) << "k=" << k;
      EXPECT_TRUE(same_data((*loaded)->data, after)) << "k=" << k;
      ++saw_new;
    }
    // Nothing half-written is left for later, and checkpointing goes on.
    for (const auto& e : fs::directory_iterator(root + "/checkpoints")) {
      EXPECT_EQ(e.path().filename().string().rfind("tmp-", 0), std::string::npos);
      EXPECT_EQ(e.path().filename().string().rfind("trash-", 0), std::string::npos);
    }
    CheckpointData next = (*loaded)->data;
    next.blobs["later"] = Bytes{5};
    ASSERT_TRUE(store.write(300, next).ok()) << "k=" << k;
    EXPECT_TRUE(same_data(load(root).data, next)) << "k=" << k;
  }
  EXPECT_GT(saw_old, 5);
  EXPECT_GT(saw_new, 0);  // crashes while removing the old checkpoint 50
  for (const char* op : {"mkdir", "create", "write", "fsync", "link", "rename", "fsync-dir",
                         "remove"}) {
    EXPECT_TRUE(ops_seen.count(op)) << op;
  }
}

// Writes checkpoint 100 and, changing one page of "a" and the blob, 200 (whose "a" is an
// overlay over 100's base); returns the data of both.
std::pair<CheckpointData, CheckpointData> two_checkpoints(const std::string& root) {
  auto a = make_memory(2, 16);
  poke(a, 0, 1);
  auto store = open_store(root);
  CheckpointData d1;
  d1.blobs["meta"] = Bytes(50, 1);
  d1.memories["a"] = snap(a);
  EXPECT_TRUE(store.write(100, d1).ok());
  poke(a, 20, 2);
  CheckpointData d2;
  d2.blobs["meta"] = Bytes(50, 2);
  d2.memories["a"] = snap(a);
  EXPECT_TRUE(store.write(200, d2).ok());
  return {d1, d2};
}

void flip_byte(const std::string& path, uint64_t at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.read(&c, 1);
  c ^= 0x01;
  f.seekp(static_cast<std::streamoff>(at));
  f.write(&c, 1);
}

TEST_F(CheckpointTest, DamagedCheckpointsAreSkippedForThePreviousOne) {
  struct Damage {
    std::string name;
    std::function<void(const std::string& dir)> apply;
    std::string reason;
  };
  const std::string overlay = "m-00000000000000000200-000000.overlay";
  std::vector<Damage> damages = {
      {"flipped overlay byte", [&](const std::string& d) { flip_byte(d + "/" + overlay, 4100); },
       "SHA-256 does not match"},
      {"truncated overlay", [&](const std::string& d) { fs::resize_file(d + "/" + overlay, 100); },
       "the manifest says"},
      {"truncated blob", [](const std::string& d) { fs::resize_file(d + "/b-000000.blob", 10); },
       "the manifest says"},
      {"flipped blob byte", [](const std::string& d) { flip_byte(d + "/b-000000.blob", 3); },
       "SHA-256 does not match"},
      {"missing overlay", [&](const std::string& d) { fs::remove(d + "/" + overlay); },
       "cannot open"},
      {"missing manifest", [](const std::string& d) { fs::remove(d + "/MANIFEST"); }, "MANIFEST"},
      {"flipped manifest byte", [](const std::string& d) { flip_byte(d + "/MANIFEST", 30); },
       "checksum mismatch"},
      {"truncated manifest", [](const std::string& d) { fs::resize_file(d + "/MANIFEST", 40); },
       "checksum mismatch"},
      {"empty manifest", [](const std::string& d) { fs::resize_file(d + "/MANIFEST", 0); },
       "too short"},
  };
  for (const Damage& damage : damages) {
    SCOPED_TRACE(damage.name);
    const std::string root = sub(damage.name);
    auto [d1, d2] = two_checkpoints(root);
    auto store = open_store(root);
    damage.apply(store.checkpoint_dir(200));
    auto loaded = store.load_latest();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
    ASSERT_TRUE(loaded->has_value());
    EXPECT_EQ((*loaded)->height, 100u);
    EXPECT_TRUE(same_data((*loaded)->data, d1));
    ASSERT_EQ((*loaded)->skipped.size(), 1u);
    EXPECT_NE((*loaded)->skipped[0].find("checkpoint 200"), std::string::npos);
    EXPECT_NE((*loaded)->skipped[0].find(damage.reason), std::string::npos)
        << (*loaded)->skipped[0];
    // Moved aside: the height can be checkpointed again, incrementally against 100.
    EXPECT_TRUE(fs::exists(root + "/checkpoints/broken-00000000000000000200"));
    EXPECT_EQ(*store.heights(), (std::vector<uint64_t>{100}));
    auto again = store.write(200, d2);
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(again->files_linked, 1u);
    EXPECT_TRUE(same_data(load(root).data, d2));
  }
}

// Checkpoints share layer files through hard links (one inode), so damage to a shared base
// reaches every checkpoint that holds it: the store then says so rather than load anything.
TEST_F(CheckpointTest, DamageToASharedBaseFailsEveryCheckpointHoldingIt) {
  two_checkpoints(root_);
  auto store = open_store(root_);
  flip_byte(store.checkpoint_dir(100) + "/m-00000000000000000100-000000.base", 100);
  auto loaded = store.load_latest();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message().find("checkpoint 200"), std::string::npos);
  EXPECT_NE(loaded.error().message().find("checkpoint 100"), std::string::npos);
  EXPECT_EQ(store.heights()->size(), 2u);  // nothing was moved: no good checkpoint to keep
}

TEST_F(CheckpointTest, KeepsTheNewestCheckpointsOnly) {
  CheckpointOptions options;
  options.keep = 2;
  auto store = open_store(root_, options);
  auto m = make_memory(1, 16);
  std::vector<CheckpointData> written;
  for (uint64_t h = 1; h <= 6; ++h) {
    poke(m, h, static_cast<uint8_t>(h));
    CheckpointData d;
    d.memories["m"] = snap(m);
    ASSERT_TRUE(store.write(h * 10, d).ok());
    written.push_back(d);
  }
  EXPECT_EQ(*store.heights(), (std::vector<uint64_t>{50, 60}));
  // 60's chain starts with the base of height 10, whose directory is long gone: the link kept it.
  EXPECT_TRUE(fs::exists(store.checkpoint_dir(60) + "/m-00000000000000000010-000000.base"));
  EXPECT_FALSE(fs::exists(store.checkpoint_dir(10)));
  EXPECT_TRUE(same_data(load(root_).data, written.back()));
  // With 60 gone, 50 still loads on its own.
  fs::remove_all(store.checkpoint_dir(60));
  EXPECT_TRUE(same_data(load(root_).data, written[4]));

  options.keep = 1;
  auto one = open_store(sub("one"), options);
  CheckpointData d;
  d.memories["m"] = snap(m);
  ASSERT_TRUE(one.write(1, d).ok());
  ASSERT_TRUE(one.write(2, d).ok());
  EXPECT_EQ(*one.heights(), (std::vector<uint64_t>{2}));
  EXPECT_TRUE(same_data(load(sub("one")).data, d));
}

// Two replicas given the same states produce byte-identical checkpoint files.
TEST_F(CheckpointTest, SameInputsGiveByteIdenticalFiles) {
  for (const char* replica : {"r1", "r2"}) {
    auto store = open_store(sub(replica));
    auto m = make_memory(1, 64);
    std::mt19937_64 rng(5);  // the same "execution" on both
    for (uint64_t h = 1; h <= 12; ++h) {
      for (int w = 0; w < 5; ++w) poke(m, rng() % (m.size_bytes() / kDirtyPageSize), rng() % 200);
      if (h % 4 == 0) {
        ASSERT_GE(m.grow(1), 0);
      }
      CheckpointData d;
      d.blobs["h"] = Bytes{static_cast<uint8_t>(h)};
      d.memories["m"] = snap(m);
      ASSERT_TRUE(store.write(h, d).ok());
    }
  }
  const auto t1 = tree(sub("r1"));
  const auto t2 = tree(sub("r2"));
  EXPECT_GT(t1.size(), 4u);
  EXPECT_EQ(t1, t2);
}

TEST_F(CheckpointTest, BadRequestsChangeNothing) {
  auto store = open_store(root_);
  CheckpointData d;
  d.blobs["ok"] = Bytes{1};
  ASSERT_TRUE(store.write(10, d).ok());
  const auto before = tree(root_);

  CheckpointData bad = d;
  bad.blobs["bad\nname"] = Bytes{1};
  auto r = store.write(20, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("invalid blob name"), std::string::npos);
  bad = d;
  bad.memories[""] = Snapshot();
  EXPECT_FALSE(store.write(20, bad).ok());
  r = store.write(10, d);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not above"), std::string::npos);
  EXPECT_FALSE(store.write(5, d).ok());
  EXPECT_EQ(tree(root_), before);
  EXPECT_EQ(std::distance(fs::directory_iterator(root_ + "/checkpoints"), fs::directory_iterator()),
            1);

  EXPECT_FALSE(CheckpointStore::open(sub("x"), CheckpointOptions{.keep = 0}).ok());
  EXPECT_FALSE(CheckpointStore::open(sub("y"), CheckpointOptions{.max_layers = 1}).ok());
}

TEST_F(CheckpointTest, OpenRemovesLeftoversAndIgnoresStrangers) {
  {
    auto store = open_store(root_);
    ASSERT_TRUE(store.write(7, CheckpointData{{{"b", Bytes{1}}}, {}}).ok());
  }
  fs::create_directories(sub("checkpoints/tmp-00000000000000000009"));
  fs::create_directories(sub("checkpoints/trash-00000000000000000003"));
  fs::create_directories(sub("checkpoints/notes"));
  fs::create_directories(sub("checkpoints/123"));  // not 20 digits: not a checkpoint
  std::ofstream(sub("checkpoints/00000000000000000042")) << "a file, not a directory";
  auto store = open_store(root_);
  EXPECT_FALSE(fs::exists(sub("checkpoints/tmp-00000000000000000009")));
  EXPECT_FALSE(fs::exists(sub("checkpoints/trash-00000000000000000003")));
  EXPECT_TRUE(fs::exists(sub("checkpoints/notes")));
  EXPECT_EQ(*store.heights(), (std::vector<uint64_t>{7}));
  auto loaded = store.load_latest();
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->data.blobs["b"], Bytes{1});
}

// A manifest is only trusted for the directory it names: one copied from elsewhere is refused.
TEST_F(CheckpointTest, RefusesAManifestForAnotherHeight) {
  two_checkpoints(root_);
  auto store = open_store(root_);
  fs::copy_file(store.checkpoint_dir(100) + "/MANIFEST", store.checkpoint_dir(200) + "/MANIFEST",
                fs::copy_options::overwrite_existing);
  auto loaded = store.load_latest();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ((*loaded)->skipped.size(), 1u);
  EXPECT_NE((*loaded)->skipped[0].find("manifest says height 100"), std::string::npos);
}

}  // namespace
}  // namespace chorus::state

namespace chorus::state {
namespace {

TEST_F(CheckpointTest, AMemoryThatShrinksIsWrittenAsANewBase) {
  auto store = open_store(root_);
  auto big = make_memory(4, 16);
  poke(big, 60, 1);
  CheckpointData d;
  d.memories["m"] = snap(big);
  ASSERT_TRUE(store.write(1, d).ok());
  auto small = make_memory(1, 16);  // e.g. a reinstalled canister's fresh memory
  poke(small, 2, 2);
  d.memories["m"] = snap(small);
  auto stats = store.write(2, d);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->memories_rebased, 1u);
  EXPECT_EQ(stats->files_linked, 0u);
  EXPECT_TRUE(same_data(load(root_).data, d));
}

// Hand-made checkpoints whose every checksum is right but whose chain is not one the writer
// makes: the loader checks the structure too.
class HandMadeCheckpointTest : public CheckpointTest {
 protected:
  static void write_bytes(const std::string& path, const Bytes& b) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }

  struct Layer {
    PageFileKind kind;
    uint64_t size_pages;
    std::vector<wasm::StoredPage> pages;
  };

  void make(uint64_t height, const std::vector<Layer>& layers, uint64_t manifest_size_pages) {
    const std::string dir = open_store(root_).checkpoint_dir(height);
    fs::create_directories(dir);
    Manifest m;
    m.height = height;
    ManifestMemory mem{"m", manifest_size_pages, {}};
    for (size_t k = 0; k < layers.size(); ++k) {
      PageSource source;
      source.count = layers[k].pages.size();
      source.for_each = [&](const std::function<void(uint64_t, ByteView)>& fn) {
        for (const auto& p : layers[k].pages) fn(p.index, p.bytes);
      };
      Bytes file;
      ASSERT_TRUE(write_page_file(layers[k].kind, layers[k].size_pages, source, [&](ByteView b) {
                    append(file, b);
                    return ok_status();
                  }).ok());
      const std::string name = "layer-" + std::to_string(k);
      write_bytes(dir + "/" + name, file);
      mem.layers.push_back(name);
      m.files.push_back({name, file.size(), sha256(file)});
    }
    m.memories.push_back(mem);
    const Bytes manifest = encode_manifest(m);
    write_bytes(dir + "/MANIFEST", manifest);
  }

  // Loads, expecting checkpoint 2 to be skipped for |reason| and checkpoint 1 to load.
  void expect_skipped(const std::string& reason) {
    auto store = open_store(root_);
    auto loaded = store.load_latest();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
    ASSERT_TRUE(loaded->has_value());
    EXPECT_EQ((*loaded)->height, 1u);
    ASSERT_EQ((*loaded)->skipped.size(), 1u);
    EXPECT_NE((*loaded)->skipped[0].find(reason), std::string::npos) << (*loaded)->skipped[0];
  }

  Bytes page_ = Bytes(kDirtyPageSize, 0x5a);
};

TEST_F(HandMadeCheckpointTest, AWellFormedOneLoads) {
  make(1,
       {{PageFileKind::kBase, 1, {{3, page_}}},
        {PageFileKind::kOverlay, 2, {{3, {}}, {20, page_}}}},
       2);
  LoadedCheckpoint loaded = load(root_);
  const Snapshot& m = loaded.data.memories["m"];
  EXPECT_EQ(m.size_pages(), 2u);
  EXPECT_TRUE(m.page(3).empty());
  EXPECT_TRUE(bytes_equal(m.page(20), page_));
}

TEST_F(HandMadeCheckpointTest, TheFirstLayerMustBeABase) {
  make(1, {{PageFileKind::kBase, 1, {}}}, 1);
  make(2, {{PageFileKind::kOverlay, 1, {{3, page_}}}}, 1);
  expect_skipped("is not a base");
}

TEST_F(HandMadeCheckpointTest, LaterLayersMustBeOverlays) {
  make(1, {{PageFileKind::kBase, 1, {}}}, 1);
  make(2, {{PageFileKind::kBase, 1, {}}, {PageFileKind::kBase, 1, {}}}, 1);
  expect_skipped("is not an overlay");
}

TEST_F(HandMadeCheckpointTest, AChainMayNotShrink) {
  make(1, {{PageFileKind::kBase, 1, {}}}, 1);
  make(2, {{PageFileKind::kBase, 2, {{20, page_}}}, {PageFileKind::kOverlay, 1, {}}}, 1);
  expect_skipped("the memory shrinks");
}

TEST_F(HandMadeCheckpointTest, TheManifestSizeMustMatchTheFiles) {
  make(1, {{PageFileKind::kBase, 1, {}}}, 1);
  make(2, {{PageFileKind::kBase, 1, {{3, page_}}}}, 5);
  expect_skipped("the manifest says 5");
}

}  // namespace
}  // namespace chorus::state
