#include "state/page_store.h"

#include <gtest/gtest.h>

namespace chorus::state {
namespace {

using wasm::kDirtyPageSize;
using wasm::StoredPage;

Bytes encode(PageFileKind kind, uint64_t size_pages, const std::vector<StoredPage>& pages) {
  PageSource source;
  source.count = pages.size();
  source.for_each = [&](const std::function<void(uint64_t, ByteView)>& fn) {
    for (const StoredPage& p : pages) fn(p.index, p.bytes);
  };
  Bytes out;
  Status s = write_page_file(kind, size_pages, source, [&](ByteView b) {
    append(out, b);
    return ok_status();
  });
  EXPECT_TRUE(s.ok()) << s.error().message();
  return out;
}

void put_u64(Bytes& b, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

TEST(PageFileTest, RoundTripsBasesAndOverlays) {
  Bytes a(kDirtyPageSize, 0x11), b(kDirtyPageSize, 0x22);
  Bytes file = encode(PageFileKind::kOverlay, 3, {{0, a}, {5, {}}, {47, b}});
  EXPECT_EQ(file.size(), page_file_size(3, 2));
  auto pf = parse_page_file(file);
  ASSERT_TRUE(pf.ok()) << pf.error().message();
  EXPECT_EQ(pf->kind, PageFileKind::kOverlay);
  EXPECT_EQ(pf->size_pages, 3u);
  ASSERT_EQ(pf->pages.size(), 3u);
  EXPECT_EQ(pf->pages[0].index, 0u);
  EXPECT_TRUE(bytes_equal(pf->pages[0].bytes, a));
  EXPECT_EQ(pf->pages[1].index, 5u);
  EXPECT_TRUE(pf->pages[1].bytes.empty());
  EXPECT_EQ(pf->pages[2].index, 47u);
  EXPECT_TRUE(bytes_equal(pf->pages[2].bytes, b));

  auto empty = parse_page_file(encode(PageFileKind::kBase, 0, {}));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->kind, PageFileKind::kBase);
  EXPECT_TRUE(empty->pages.empty());
}

TEST(PageFileTest, RefusesEveryMalformedField) {
  Bytes a(kDirtyPageSize, 0x11);
  const Bytes good = encode(PageFileKind::kOverlay, 1, {{1, a}, {2, {}}});
  ASSERT_TRUE(parse_page_file(good).ok());
  auto fails_with = [](const Bytes& b, const std::string& what) {
    auto r = parse_page_file(b);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_NE(r.error().message().find(what), std::string::npos) << r.error().message();
  };
  Bytes b = good;
  b[0] ^= 1;
  fails_with(b, "magic");
  b = good;
  b[8] = 2;
  fails_with(b, "version");
  b = good;
  b[12] = 7;
  fails_with(b, "kind");
  b = good;
  b[14] = 1;
  fails_with(b, "reserved");
  b = good;
  put_u64(b, 16, wasm::Snapshot::kMaxSizePages + 1);
  fails_with(b, "too large");
  b = good;
  put_u64(b, 24, uint64_t{1} << 60);
  fails_with(b, "does not fit");
  b = good;
  put_u64(b, 32, 16);  // the first entry at page 16 of a 16-page memory
  fails_with(b, "past the memory's size");
  b = good;
  put_u64(b, 40, 1 | kZeroPageFlag);  // repeats page 1
  fails_with(b, "out of order");
  b = good;
  b.push_back(0);
  fails_with(b, "data section");
  b = good;
  b.resize(b.size() - 1);
  fails_with(b, "data section");
  b = good;
  b.resize(20);
  fails_with(b, "unexpected end");
  fails_with(Bytes(), "unexpected end");
  // A base lists no zero pages (it holds exactly the nonzero ones).
  b = good;
  b[12] = 0;
  fails_with(b, "zero entry in a base");
}

TEST(PageFileTest, SinkErrorsAndMiscountedSourcesAreReported) {
  Bytes a(kDirtyPageSize, 1);
  PageSource source;
  source.count = 2;  // but yields one
  source.for_each = [&](const std::function<void(uint64_t, ByteView)>& fn) { fn(0, a); };
  Status s = write_page_file(PageFileKind::kBase, 1, source, [](ByteView) { return ok_status(); });
  EXPECT_FALSE(s.ok());
  source.count = 1;
  int calls = 0;
  s = write_page_file(PageFileKind::kBase, 1, source, [&](ByteView) -> Status {
    if (++calls == 2) return Error("disk full");
    return ok_status();
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "disk full");
}

}  // namespace
}  // namespace chorus::state
