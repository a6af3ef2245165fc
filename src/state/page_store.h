// The page file: how one layer of a memory is stored in a checkpoint. A memory is a chain of
// layers, a base (every nonzero page) and overlays (the pages changed since the layer before,
// including pages set back to zero); applying them in order gives the memory.
//
// Format, little-endian, version 1:
//   "CHORUSPG"  magic                        8 bytes
//   version     u32 = 1
//   kind        u8: 0 base, 1 overlay; then 3 zero bytes
//   size_pages  u64: the memory's size in Wasm pages when the layer was written
//   count       u64: number of entries
//   entries     count * u64, strictly increasing page indices (4 KiB pages, below size_pages * 16);
//               bit 63 set: the page is zero and has no data (overlays only)
//   data        4096 bytes for each entry without bit 63, in entry order
// and nothing after. The file carries no checksum of its own: the manifest lists its SHA-256.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "wasm/linear_memory.h"

namespace chorus::state {

enum class PageFileKind : uint8_t { kBase = 0, kOverlay = 1 };

inline constexpr uint64_t kPageFileHeaderBytes = 32;
inline constexpr uint64_t kZeroPageFlag = uint64_t{1} << 63;

// A parsed page file; the page views point into the bytes it was parsed from.
struct PageFile {
  PageFileKind kind = PageFileKind::kBase;
  uint64_t size_pages = 0;
  std::vector<wasm::StoredPage> pages;  // increasing index; empty bytes: a zero page
};

// Parses |bytes| as a whole page file, checking every field and the exact length. The result
// borrows from |bytes|. Errors say which field was wrong and where.
Result<PageFile> parse_page_file(ByteView bytes);

// The file's length for |count| entries of which |nonzero| carry data.
uint64_t page_file_size(uint64_t count, uint64_t nonzero);

// Writes a page file through |sink|, in pieces (so a 4 GiB base never sits in memory twice): the
// header with |count| entries, then the entries, then the data. |pages| are visited twice, in the
// same order each time: REQUIRES they yield the same |count| strictly increasing pages below
// size_pages * 16, and, for a base, none empty.
struct PageSource {
  uint64_t count = 0;
  // Calls fn(index, bytes) for each page in increasing index order; empty bytes: a zero page.
  std::function<void(const std::function<void(uint64_t, ByteView)>& fn)> for_each;
};
Status write_page_file(PageFileKind kind, uint64_t size_pages, const PageSource& pages,
                       const std::function<Status(ByteView)>& sink);

}  // namespace chorus::state
