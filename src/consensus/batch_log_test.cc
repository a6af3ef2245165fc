#include "consensus/batch_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace chorus::consensus {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/batch_log_test.XXXXXX";
  return mkdtemp(tmpl);
}

execution::Batch make_batch(uint64_t n, size_t ingress) {
  execution::Batch b;
  b.batch_number = n;
  b.time_nanos = 1'700'000'000'000'000'000 + n;
  b.randomness = Bytes(32, static_cast<uint8_t>(n));
  for (size_t i = 0; i < ingress; ++i) {
    state::Ingress m;
    m.source = Principal::anonymous();
    m.receiver = Principal::from_canister_index(i);
    m.method = "m" + std::to_string(i);
    m.payload = Bytes(i, 0xAB);
    m.message_id = Bytes(32, static_cast<uint8_t>(i));
    m.expiry = 99 + i;
    if (i % 2) m.effective_canister_id = Principal::from_canister_index(7);
    b.ingress.push_back(std::move(m));
  }
  return b;
}

bool same(const execution::Batch& a, const execution::Batch& b) {
  return encode_batch(a) == encode_batch(b);
}

TEST(BatchLogTest, BatchesRoundTripThroughTheCodec) {
  execution::Batch b = make_batch(5, 4);
  Bytes record = encode_batch(b);
  auto back = decode_batch(ByteView(record).subspan(8));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(same(b, *back));
  EXPECT_EQ(back->ingress[1].effective_canister_id, Principal::from_canister_index(7));
  // Every truncation is refused, none crashes.
  for (size_t n = 0; n + 8 < record.size(); ++n) {
    EXPECT_FALSE(decode_batch(ByteView(record).subspan(8, n)).ok()) << n;
  }
}

TEST(BatchLogTest, ReopenGivesBackWhatWasAppended) {
  std::string dir = temp_dir();
  {
    auto log = BatchLog::open(dir);
    ASSERT_TRUE(log.ok()) << log.error().message();
    for (uint64_t n = 1; n <= 5; ++n) ASSERT_TRUE(log->append(make_batch(n, n)).ok());
    EXPECT_FALSE(log->append(make_batch(5, 0)).ok());  // not after the last
  }
  auto log = BatchLog::open(dir);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->last_batch_number(), 5u);
  auto after = log->read_after(2);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 3u);
  EXPECT_TRUE(same((*after)[0], make_batch(3, 3)));
  EXPECT_TRUE(same((*after)[2], make_batch(5, 5)));
  std::filesystem::remove_all(dir);
}

TEST(BatchLogTest, ATornTailIsCutOffAndAppendingGoesOn) {
  std::string dir = temp_dir();
  std::string segment;
  {
    auto log = BatchLog::open(dir);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE(log->append(make_batch(1, 2)).ok());
    ASSERT_TRUE(log->append(make_batch(2, 2)).ok());
  }
  for (auto& e : std::filesystem::directory_iterator(dir)) segment = e.path();
  auto size = std::filesystem::file_size(segment);
  // A crash in the middle of the third append: half a record at the end.
  Bytes third = encode_batch(make_batch(3, 2));
  {
    std::ofstream f(segment, std::ios::binary | std::ios::app);
    f.write(reinterpret_cast<const char*>(third.data()), static_cast<std::streamsize>(third.size() / 2));
  }
  auto log = BatchLog::open(dir);
  ASSERT_TRUE(log.ok()) << log.error().message();
  EXPECT_EQ(log->last_batch_number(), 2u);
  EXPECT_EQ(std::filesystem::file_size(segment), size);
  ASSERT_TRUE(log->append(make_batch(3, 1)).ok());
  auto all = log->read_after(0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_TRUE(same((*all)[2], make_batch(3, 1)));
  std::filesystem::remove_all(dir);
}

TEST(BatchLogTest, DamageBeforeTheTailIsAnError) {
  std::string dir = temp_dir();
  {
    auto log = BatchLog::open(dir);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE(log->append(make_batch(1, 2)).ok());
    ASSERT_TRUE(log->release_through(1).ok());  // the damaged segment is no longer the newest
    ASSERT_TRUE(log->append(make_batch(2, 2)).ok());
  }
  // Segment 1 survived release_through(1)? No: it only held batch 1, so it is gone.
  auto log = BatchLog::open(dir);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->segment_count(), 1u);
  ASSERT_TRUE(log->release_through(0).ok());
  ASSERT_TRUE(log->append(make_batch(3, 2)).ok());
  EXPECT_EQ(log->segment_count(), 2u);
  std::string older;
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    if (older.empty() || e.path().string() < older) older = e.path();
  }
  {
    std::fstream f(older, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(12);
    f.put('\x55');
  }
  auto reopened = BatchLog::open(dir);
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.error().message().find("checksum"), std::string::npos) << reopened.error().message();
  std::filesystem::remove_all(dir);
}

TEST(BatchLogTest, ReleaseDropsOnlyCheckpointedSegments) {
  std::string dir = temp_dir();
  auto log = BatchLog::open(dir);
  ASSERT_TRUE(log.ok());
  for (uint64_t n = 1; n <= 3; ++n) ASSERT_TRUE(log->append(make_batch(n, 1)).ok());
  ASSERT_TRUE(log->release_through(2).ok());  // batch 3 is still needed: its segment stays
  for (uint64_t n = 4; n <= 6; ++n) ASSERT_TRUE(log->append(make_batch(n, 1)).ok());
  EXPECT_EQ(log->segment_count(), 2u);
  ASSERT_TRUE(log->release_through(5).ok());
  auto rest = log->read_after(0);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 3u);  // 4..6 share the segment with 6
  EXPECT_EQ(rest->front().batch_number, 4u);
  auto after5 = log->read_after(5);
  ASSERT_TRUE(after5.ok());
  ASSERT_EQ(after5->size(), 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace chorus::consensus
