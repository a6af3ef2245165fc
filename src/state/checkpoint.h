// Checkpoints: the on-disk, incremental, crash-safe store of the replicated state.
//
// The state layer hands the store, for a height, named byte blobs (serialized metadata, opaque
// here) and named memories (wasm::Snapshot), and gets the same back from load_latest() after a
// restart. Layout under the state root:
//
//   checkpoints/00000000000000000100/MANIFEST      what the checkpoint holds, every file's SHA-256
//   checkpoints/00000000000000000100/b-000000.blob  one file per blob
//   checkpoints/00000000000000000100/m-<h>-<i>.base / .overlay   memory layers (page_store.h)
//   checkpoints/tmp-<h>/      a checkpoint being written (removed when found by open())
//   checkpoints/trash-<h>/    an old checkpoint being removed (likewise)
//   checkpoints/broken-<h>/   a checkpoint load_latest() could not load, kept for inspection
//
// A memory is a chain of layers: a base with every nonzero page and overlays with the pages
// changed since the layer before. Writing checkpoint h after h' writes per memory only the pages
// that differ between the two Snapshots (found by pointer identity, Snapshot::
// for_each_changed_page), as a new overlay; the earlier layers are hard links to the files of h',
// so each checkpoint directory is self-contained and removing one never affects another. An
// unchanged memory is all links. See README.md for the merge policy that bounds the chains.
//
// Crash safety: a checkpoint is written into tmp-<h>, every file and the directory are fsynced,
// then it is renamed to its final name and the parent directory fsynced; a checkpoint directory
// exists under its final name only once complete. Old checkpoints are removed only after that.
//
// Not thread-safe; one store per state root (nothing guards against two processes sharing one).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "state/checkpoint_manifest.h"
#include "wasm/linear_memory.h"

namespace chorus::state {

// What the state layer persists at one height. Names: 1..1024 bytes of printable ASCII.
struct CheckpointData {
  std::map<std::string, Bytes> blobs;
  std::map<std::string, wasm::Snapshot> memories;
};

struct CheckpointOptions {
  // Complete checkpoints kept on disk, the newest first; at least 1.
  size_t keep = 2;
  // Layers (base + overlays) a memory's chain may have; when a write would pass it, the overlays
  // are compacted into one. At least 2.
  size_t max_layers = 8;
  // A memory is rewritten as a new base once its overlays would hold more bytes than
  // max(its base, merge_min_bytes).
  uint64_t merge_min_bytes = uint64_t{1} << 20;
  // For tests: called before every file-system operation of write() (op is one of mkdir, create,
  // write, fsync, link, rename, fsync-dir, remove; path is what it acts on). An error simulates a
  // crash at that point: the operation does not happen (a "write" writes half of its bytes, a
  // torn write) and write() returns the error leaving everything on disk as it is, as a crash
  // would. A store that crashed this way must be reopened.
  std::function<Status(std::string_view op, const std::string& path)> before_op;
};

// What one write() did, for tests and benchmarks.
struct CheckpointWriteStats {
  uint64_t pages_written = 0;  // page entries written into page files (zero pages included)
  uint64_t bytes_written = 0;  // every byte written, manifest and blobs included
  uint64_t files_written = 0;
  uint64_t files_linked = 0;   // layers taken over from the previous checkpoint
  uint64_t memories_rebased = 0;    // written as a new base although a previous chain existed
  uint64_t memories_compacted = 0;  // whose overlays were compacted into one
};

struct LoadedCheckpoint {
  uint64_t height = 0;
  CheckpointData data;
  // The newer checkpoints that could not be loaded, each with the reason (moved to broken-<h>).
  std::vector<std::string> skipped;
};

class CheckpointStore {
 public:
  // Opens (creating if needed) the store under |root| and removes what an interrupted write or
  // removal left (tmp-*, trash-*). Fails for invalid options or if the directories cannot be made.
  static Result<CheckpointStore> open(std::string root, CheckpointOptions options = {});

  CheckpointStore(CheckpointStore&&) noexcept;
  CheckpointStore& operator=(CheckpointStore&&) noexcept;

  // Writes |data| as the checkpoint at |height|, durably, then removes all but the newest
  // options.keep checkpoints. Incremental against the last checkpoint this store wrote or loaded
  // (nothing else is trusted to still match the disk): memories sharing pages with that one's
  // Snapshots cost the pages that differ. Fails, leaving no checkpoint at |height|, for invalid
  // names, a height not above every complete checkpoint on disk, or an I/O error. If only the
  // removal of old checkpoints fails, the new one is in place and the error says so.
  Result<CheckpointWriteStats> write(uint64_t height, const CheckpointData& data);

  // Loads the newest checkpoint that is complete and verifies (manifest checksum, every file's
  // size and SHA-256, every page file's format); newer ones that fail are skipped with their
  // reason and moved aside to broken-<h>. No checkpoint on disk: nullopt. Checkpoints on disk
  // but none loadable: an error listing each reason. The Snapshots share nothing with the files
  // (pages are copied out); restore() them into the memories so that the next write() is
  // incremental.
  Result<std::optional<LoadedCheckpoint>> load_latest();

  // Heights of the complete checkpoints on disk (by directory name), increasing.
  Result<std::vector<uint64_t>> heights() const;

  // Where the checkpoint at |height| lives (whether or not it exists).
  std::string checkpoint_dir(uint64_t height) const;

  ~CheckpointStore();

 private:
  struct Previous;  // the last checkpoint written or loaded; defined in checkpoint.cc

  CheckpointStore(std::string root, CheckpointOptions options);

  std::string root_;
  std::string dir_;  // root_/checkpoints
  CheckpointOptions options_;
  std::unique_ptr<Previous> previous_;
};

}  // namespace chorus::state
