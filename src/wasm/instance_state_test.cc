#include "wasm/instance_state.h"

#include <gtest/gtest.h>

#include <memory>

#include "wasm/interpreter.h"
#include "wasm/test_modules.h"
#include "wasm/validator.h"

namespace chorus::wasm {
namespace {

using namespace testing;  // NOLINT

// A message in miniature: (func (param $addr i32) (param $v i32)
//   (i32.store (local.get $addr) (local.get $v)) (global.set 0 (local.get $v))
//   (drop (table.grow 0 (ref.null func) (i32.const 1))) (drop (memory.grow (i32.const 1)))
//   (if (i32.eq (local.get $v) (i32.const 7)) (then unreachable)))
// with a memory of 1 page (max 4), a mutable i32 global and a funcref table of 2 (max 10).
Bytes message_module() {
  const Bytes body{0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00,         // i32.store
                   0x20, 0x01, 0x24, 0x00,                           // global.set 0
                   0xD0, 0x70, 0x41, 0x01, 0xFC, 0x0F, 0x00, 0x1A,   // table.grow, drop
                   0x41, 0x01, 0x40, 0x00, 0x1A,                     // memory.grow, drop
                   0x20, 0x01, 0x41, 0x07, 0x46, 0x04, 0x40, 0x00, 0x0B,  // trap on 7
                   0x0B};
  return function_module({kI32, kI32}, {}, no_locals(), body,
                         {section(4, Bytes{0x01, kFuncRef, 0x01, 0x02, 0x0A}),
                          section(5, Bytes{0x01, 0x01, 0x01, 0x04}),
                          section(6, Bytes{0x01, kI32, 0x01, 0x41, 0x00, 0x0B})});
}

class InstanceStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = decode_and_validate(message_module());
    ASSERT_TRUE(m.ok()) << m.error().message();
    auto inst = store_.instantiate(
        std::make_shared<const Module>(std::move(m).value()),
        [](const Import&) -> Result<Extern> { return Error("no imports"); }, interpreter_);
    ASSERT_TRUE(inst.ok()) << inst.error().message();
    inst_ = *inst;
    ASSERT_TRUE(memory().linear().clear_dirty().ok());
  }
  Status run(uint32_t addr, uint32_t v) {
    auto r = interpreter_.invoke(*inst_->funcs[0], {{Value::i32(addr), Value::i32(v)}});
    if (!r.ok()) return r.error();
    return ok_status();
  }
  MemoryInst& memory() { return *inst_->memories[0]; }
  uint32_t word_at(uint64_t addr) {
    uint32_t v = 0;
    std::memcpy(&v, memory().data() + addr, 4);
    return v;
  }
  uint64_t global() { return inst_->globals[0]->value; }
  size_t table_size() { return inst_->tables[0]->elems.size(); }

  Store store_;
  Interpreter interpreter_;
  Instance* inst_ = nullptr;
};

TEST_F(InstanceStateTest, ATrapLeavesNoTrace) {
  auto tx = InstanceTransaction::begin(*inst_);
  ASSERT_TRUE(tx.ok()) << tx.error().message();
  Status s = run(100, 7);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), kTrapUnreachable);
  // Everything happened before the trap...
  EXPECT_EQ(word_at(100), 7u);
  EXPECT_EQ(memory().pages(), 2u);
  EXPECT_EQ(global(), 7u);
  EXPECT_EQ(table_size(), 3u);
  // ...and none of it survives the rollback.
  ASSERT_TRUE(tx->rollback().ok());
  EXPECT_EQ(word_at(100), 0u);
  EXPECT_EQ(memory().pages(), 1u);
  EXPECT_EQ(global(), 0u);
  EXPECT_EQ(table_size(), 2u);
  EXPECT_TRUE(memory().linear().dirty_pages().empty());
}

TEST_F(InstanceStateTest, ACommitKeepsEverythingAndReportsTheDirtyPages) {
  auto tx = InstanceTransaction::begin(*inst_);
  ASSERT_TRUE(tx.ok());
  // A 4-byte store across the boundary of 4 KiB pages 2 and 3.
  ASSERT_TRUE(run(3 * 4096 - 2, 5).ok());
  ASSERT_TRUE(tx->commit().ok());
  EXPECT_EQ(word_at(3 * 4096 - 2), 5u);
  EXPECT_EQ(memory().pages(), 2u);
  EXPECT_EQ(global(), 5u);
  EXPECT_EQ(table_size(), 3u);
  EXPECT_EQ(memory().linear().dirty_pages(), (std::vector<uint64_t>{2, 3}));
  EXPECT_FALSE(tx->commit().ok()) << "a closed transaction cannot close again";
}

TEST_F(InstanceStateTest, AnUnfinishedTransactionRollsBack) {
  {
    auto tx = InstanceTransaction::begin(*inst_);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(run(8, 3).ok());
  }
  EXPECT_EQ(word_at(8), 0u);
  EXPECT_EQ(global(), 0u);
  EXPECT_EQ(table_size(), 2u);
}

TEST_F(InstanceStateTest, TransactionsDoNotNest) {
  auto tx = InstanceTransaction::begin(*inst_);
  ASSERT_TRUE(tx.ok());
  EXPECT_FALSE(InstanceTransaction::begin(*inst_).ok());
  EXPECT_FALSE(take_snapshot(*inst_).ok());
  ASSERT_TRUE(tx->commit().ok());
  EXPECT_TRUE(InstanceTransaction::begin(*inst_).ok());
}

TEST_F(InstanceStateTest, SnapshotsRestoreMemoryGlobalsAndTables) {
  ASSERT_TRUE(run(100, 5).ok());
  auto snap = take_snapshot(*inst_);
  ASSERT_TRUE(snap.ok()) << snap.error().message();
  ASSERT_TRUE(run(70000, 9).ok());  // in the page that this call's predecessor added
  EXPECT_EQ(memory().pages(), 3u);
  EXPECT_EQ(table_size(), 4u);
  ASSERT_TRUE(memory().linear().clear_dirty().ok());

  ASSERT_TRUE(restore_snapshot(*inst_, *snap).ok());
  EXPECT_EQ(word_at(100), 5u);
  EXPECT_EQ(word_at(70000), 0u);
  EXPECT_EQ(memory().pages(), 2u);
  EXPECT_EQ(global(), 5u);
  EXPECT_EQ(table_size(), 3u);
  // Exactly the page whose contents the restore changed is dirty.
  EXPECT_EQ(memory().linear().dirty_pages(), (std::vector<uint64_t>{70000 / 4096}));
}

TEST_F(InstanceStateTest, ASnapshotOfAnotherShapeIsRefusedAndChangesNothing) {
  auto snap = take_snapshot(*inst_);
  ASSERT_TRUE(snap.ok());
  ASSERT_TRUE(run(100, 5).ok());
  InstanceSnapshot wrong = *snap;
  wrong.globals.push_back(1);
  EXPECT_FALSE(restore_snapshot(*inst_, wrong).ok());
  wrong = *snap;
  wrong.tables[0].resize(11);  // past the table's maximum of 10
  EXPECT_FALSE(restore_snapshot(*inst_, wrong).ok());
  EXPECT_EQ(word_at(100), 5u);
  EXPECT_EQ(global(), 5u);
  EXPECT_EQ(table_size(), 3u);
}

TEST_F(InstanceStateTest, HostWritesAreTracked) {
  Caller caller(&memory(), 0);
  ASSERT_TRUE(caller.write(5 * 4096, Bytes{1, 2, 3}).ok());
  EXPECT_FALSE(caller.write(65536 - 1, Bytes{1, 2}).ok());
  uint8_t* p = caller.memory_span_for_write(9 * 4096 + 4095, 1);
  ASSERT_NE(p, nullptr);
  *p = 1;
  EXPECT_EQ(memory().linear().dirty_pages(), (std::vector<uint64_t>{5, 9}));
  EXPECT_EQ(caller.memory_span(65536, 1), nullptr);
}

}  // namespace
}  // namespace chorus::wasm
