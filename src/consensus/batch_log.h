// The durable record of the batches a node has finalized, in order. The replica appends each
// batch before executing it and acknowledges no ingress message before the batch that carries it
// is on disk, so after a crash the newest checkpoint plus the batches logged after it give back
// every state a client was told about (replay is deterministic). Segments are files named by the
// first batch they hold; a checkpoint lets older segments go.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "execution/execution_environment.h"

namespace chorus::consensus {

// A batch as logged: [u32 length][u32 crc32 of the payload][payload], little-endian.
Bytes encode_batch(const execution::Batch& batch);
// Refuses truncated, oversized or inconsistent payloads with a message.
Result<execution::Batch> decode_batch(ByteView payload);

struct BatchLogOptions {
  bool sync = true;  // fdatasync after each append (tests of logic alone may turn it off)
  uint64_t max_record_bytes = 256ull << 20;
};

class BatchLog {
 public:
  // Opens the log in |dir| (created if missing). A record cut short or damaged at the end of the
  // newest segment (a crash during an append) is cut off; damage anywhere else is an error.
  static Result<BatchLog> open(std::string dir, BatchLogOptions options = {});
  BatchLog(BatchLog&&) noexcept;
  BatchLog& operator=(BatchLog&&) noexcept;
  ~BatchLog();

  // Appends |batch| and, with sync on, makes it durable before returning.
  // REQUIRES: batch.batch_number > last_batch_number().
  Status append(const execution::Batch& batch);

  // Every logged batch with a number greater than |after|, in order.
  Result<std::vector<execution::Batch>> read_after(uint64_t after) const;

  // The state of |height| is checkpointed: batches up to it are no longer needed. Starts a new
  // segment and deletes the segments that hold only such batches.
  Status release_through(uint64_t height);

  uint64_t last_batch_number() const { return last_; }
  size_t segment_count() const { return segments_.size(); }

 private:
  BatchLog(std::string dir, BatchLogOptions options) : dir_(std::move(dir)), options_(options) {}
  Status open_segment(uint64_t first);
  void close_fd();

  std::string dir_;
  BatchLogOptions options_;
  // First batch number of each segment → its last batch number (0 while empty).
  std::map<uint64_t, uint64_t> segments_;
  int fd_ = -1;  // the newest segment, open for appending
  uint64_t last_ = 0;
};

}  // namespace chorus::consensus
