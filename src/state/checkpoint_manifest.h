// The manifest of a checkpoint: what the checkpoint holds (named blobs, named memories as chains
// of page-file layers) and every file it consists of, with its size and SHA-256.
//
// Format, little-endian, version 1 (str: u16 length, then the bytes):
//   "CHORUSCK" magic, u32 version = 1, u64 height
//   u32 blob count;   per blob:   str name, str file
//   u32 memory count; per memory: str name, u64 size in Wasm pages, u32 layer count, str files
//                                 (the base first, then the overlays in order)
//   u32 file count;   per file:   str name, u64 size, 32-byte SHA-256
//   32-byte SHA-256 of everything before it
// Blob and memory names are 1..1024 bytes of printable ASCII (0x20..0x7e); file names 1..64
// bytes of [a-z0-9._-], not "." or "..". Names, memories and files are each in strictly
// increasing byte order, so one manifest has one encoding; every file is referenced exactly once
// and every reference is listed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/sha2.h"

namespace chorus::state {

struct ManifestFile {
  std::string name;
  uint64_t size = 0;
  Sha256Digest sha256{};
};

struct ManifestBlob {
  std::string name;
  std::string file;
};

struct ManifestMemory {
  std::string name;
  uint64_t size_pages = 0;
  std::vector<std::string> layers;  // file names: the base, then overlays
};

struct Manifest {
  uint64_t height = 0;
  std::vector<ManifestBlob> blobs;       // by name
  std::vector<ManifestMemory> memories;  // by name
  std::vector<ManifestFile> files;       // by name

  // The listed file named |name|, or null.
  const ManifestFile* find_file(const std::string& name) const;
};

inline constexpr size_t kMaxStateNameBytes = 1024;
inline constexpr size_t kMaxFileNameBytes = 64;

bool is_valid_state_name(const std::string& name);
bool is_valid_file_name(const std::string& name);

// Checks the rules above (names, order, references); the error names the first broken one.
Status validate_manifest(const Manifest& manifest);

// The one encoding of |manifest|. REQUIRES: validate_manifest(manifest).ok().
Bytes encode_manifest(const Manifest& manifest);

// Parses and validates untrusted bytes: every field bounds-checked, the trailing SHA-256
// verified, nothing after it. encode_manifest() of the result gives back exactly |bytes|.
Result<Manifest> parse_manifest(ByteView bytes);

}  // namespace chorus::state
