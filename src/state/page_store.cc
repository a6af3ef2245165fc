#include "state/page_store.h"

#include <cstring>
#include <string>

namespace chorus::state {
namespace {

constexpr char kMagic[8] = {'C', 'H', 'O', 'R', 'U', 'S', 'P', 'G'};
constexpr uint32_t kVersion = 1;

void put_le(Bytes& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

Error at(const std::string& what, uint64_t offset) {
  return Error("page file: " + what + " at offset " + std::to_string(offset));
}

}  // namespace

uint64_t page_file_size(uint64_t count, uint64_t nonzero) {
  return kPageFileHeaderBytes + 8 * count + wasm::kDirtyPageSize * nonzero;
}

Result<PageFile> parse_page_file(ByteView bytes) {
  ByteReader r(bytes);
  CHORUS_ASSIGN_OR_RETURN(ByteView magic, r.read_bytes(8, "magic"));
  if (std::memcmp(magic.data(), kMagic, 8) != 0) return at("bad magic", 0);
  CHORUS_ASSIGN_OR_RETURN(uint32_t version, r.read_le<uint32_t>("version"));
  if (version != kVersion) return at("unsupported version " + std::to_string(version), 8);
  CHORUS_ASSIGN_OR_RETURN(uint8_t kind, r.read_u8("kind"));
  if (kind > 1) return at("unknown kind " + std::to_string(kind), 12);
  for (int i = 0; i < 3; ++i) {
    CHORUS_ASSIGN_OR_RETURN(uint8_t reserved, r.read_u8("reserved byte"));
    if (reserved != 0) return at("reserved byte is not zero", 13 + i);
  }
  PageFile out;
  out.kind = static_cast<PageFileKind>(kind);
  CHORUS_ASSIGN_OR_RETURN(out.size_pages, r.read_le<uint64_t>("size"));
  if (out.size_pages > wasm::Snapshot::kMaxSizePages) {
    return at("memory size of " + std::to_string(out.size_pages) + " pages is too large", 16);
  }
  const uint64_t limit = out.size_pages * wasm::kDirtyPagesPerWasmPage;
  CHORUS_ASSIGN_OR_RETURN(uint64_t count, r.read_le<uint64_t>("entry count"));
  // Every entry takes at least 8 bytes, so this bounds the allocation by the input's size.
  if (count > r.remaining() / 8) {
    return at("entry count " + std::to_string(count) + " does not fit the file", 24);
  }
  out.pages.reserve(count);
  std::vector<bool> has_data;
  has_data.reserve(count);
  uint64_t nonzero = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t offset = r.position();
    CHORUS_ASSIGN_OR_RETURN(uint64_t entry, r.read_le<uint64_t>("entry"));
    const bool zero = (entry & kZeroPageFlag) != 0;
    const uint64_t index = entry & ~kZeroPageFlag;
    if (zero && out.kind == PageFileKind::kBase) return at("zero entry in a base", offset);
    if (index >= limit) {
      return at("page " + std::to_string(index) + " is past the memory's size", offset);
    }
    if (i > 0 && index <= out.pages.back().index) {
      return at("page " + std::to_string(index) + " is out of order", offset);
    }
    out.pages.push_back({index, ByteView()});
    has_data.push_back(!zero);
    if (!zero) ++nonzero;
  }
  if (r.remaining() != nonzero * wasm::kDirtyPageSize) {
    return at("data section has " + std::to_string(r.remaining()) + " bytes, expected " +
                  std::to_string(nonzero) + " pages",
              r.position());
  }
  for (size_t i = 0; i < out.pages.size(); ++i) {
    if (!has_data[i]) continue;
    out.pages[i].bytes = r.read_bytes(wasm::kDirtyPageSize, "page").value();  // length checked
  }
  return out;
}

Status write_page_file(PageFileKind kind, uint64_t size_pages, const PageSource& pages,
                       const std::function<Status(ByteView)>& sink) {
  Bytes header;
  header.insert(header.end(), kMagic, kMagic + 8);
  put_le(header, kVersion, 4);
  put_le(header, static_cast<uint8_t>(kind), 1);
  put_le(header, 0, 3);
  put_le(header, size_pages, 8);
  put_le(header, pages.count, 8);
  CHORUS_RETURN_IF_ERROR(sink(header));

  // Entries go out in blocks so that a large base does not need one big buffer.
  Bytes block;
  Status status;
  uint64_t seen = 0;
  pages.for_each([&](uint64_t index, ByteView bytes) {
    ++seen;
    put_le(block, bytes.empty() ? (index | kZeroPageFlag) : index, 8);
    if (block.size() >= 1 << 16 && status.ok()) {
      status = sink(block);
      block.clear();
    }
  });
  if (status.ok() && !block.empty()) status = sink(block);
  CHORUS_RETURN_IF_ERROR(status);
  if (seen != pages.count) {
    return Error("page file: the source yielded " + std::to_string(seen) + " pages, not " +
                 std::to_string(pages.count));
  }
  pages.for_each([&](uint64_t, ByteView bytes) {
    if (!bytes.empty() && status.ok()) status = sink(bytes);
  });
  return status;
}

}  // namespace chorus::state
