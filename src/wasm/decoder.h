// The binary format of WebAssembly (Wasm 2.0 plus memory64 and table64) into a Module. decode()
// checks structure only: section order and sizes, LEB128 forms, UTF-8 names, vector lengths, the
// resource limits below. Indices, types and function bodies are the validator's (validator.h);
// errors inside bodies that the spec calls malformed are reported as malformed from there.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "wasm/errors.h"
#include "wasm/module.h"

namespace chorus::wasm {

// Bounds against hostile modules, in the spirit of what production engines enforce. Every count is
// checked before anything is allocated for it.
inline constexpr uint32_t kMaxTypes = 1'000'000;
inline constexpr uint32_t kMaxImports = 100'000;
inline constexpr uint32_t kMaxExports = 100'000;
inline constexpr uint32_t kMaxFunctions = 1'000'000;
inline constexpr uint32_t kMaxTables = 100'000;
inline constexpr uint32_t kMaxMemories = 100;  // more than one is refused later, as multi-memory
inline constexpr uint32_t kMaxGlobals = 1'000'000;
inline constexpr uint32_t kMaxElemSegments = 100'000;
inline constexpr uint32_t kMaxElemSegmentSize = 10'000'000;
inline constexpr uint32_t kMaxDataSegments = 100'000;
inline constexpr uint32_t kMaxCustomSections = 10'000;
inline constexpr uint32_t kMaxParams = 1'000;
inline constexpr uint32_t kMaxResults = 1'000;
inline constexpr uint32_t kMaxLocals = 50'000;  // per function, parameters included
inline constexpr uint32_t kMaxBodySize = 8 * 1024 * 1024;
inline constexpr size_t kMaxModuleSize = 256 * 1024 * 1024;

struct DecodeOptions {
  // The compact import section encoding (a module name, an empty item name, then 0x7F and a list
  // of items, or 0x7E, one type and a list of names). Not part of the IC's feature set, so refused
  // by default; the spec-test runner enables it because the suite's converter emits it for
  // ordinary imports.
  bool compact_imports = false;
};

Result<Module> decode(ByteView bytes, const DecodeOptions& options = {});

}  // namespace chorus::wasm
