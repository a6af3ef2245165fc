// Test helpers: hand-built modules, section by section, for decoder_test and validator_test.
#pragma once

#include <initializer_list>
#include <string>

#include "base/bytes.h"
#include "base/leb128.h"

namespace chorus::wasm::testing {

inline Bytes header() { return Bytes{0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00}; }

// A section with its id and size in front.
inline Bytes section(uint8_t id, const Bytes& content) {
  Bytes out{id};
  append(out, uleb128(content.size()));
  append(out, content);
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) append(out, p);
  return out;
}

inline Bytes module(std::initializer_list<Bytes> sections) {
  Bytes out = header();
  for (const Bytes& s : sections) append(out, s);
  return out;
}

inline Bytes name(const std::string& s) {
  Bytes out = uleb128(s.size());
  append(out, as_bytes(s));
  return out;
}

// One function of type [params] -> [results] whose body (after the locals) is |body|, which
// must end with 0x0B. |extra| are sections placed between the function and code sections
// (memory, table, global, export...), already in order.
inline Bytes function_module(const Bytes& params, const Bytes& results, const Bytes& locals,
                             const Bytes& body, std::initializer_list<Bytes> extra = {}) {
  Bytes type{0x01, 0x60};
  append(type, uleb128(params.size()));
  append(type, params);
  append(type, uleb128(results.size()));
  append(type, results);
  Bytes code = locals;
  append(code, body);
  Bytes code_section{0x01};
  append(code_section, uleb128(code.size()));
  append(code_section, code);
  Bytes out = header();
  append(out, section(1, type));
  append(out, section(3, Bytes{0x01, 0x00}));
  for (const Bytes& s : extra) append(out, s);
  append(out, section(10, code_section));
  return out;
}

// A body with no locals.
inline Bytes no_locals() { return Bytes{0x00}; }

constexpr uint8_t kI32 = 0x7F, kI64 = 0x7E, kF32 = 0x7D, kF64 = 0x7C, kV128 = 0x7B;
constexpr uint8_t kFuncRef = 0x70, kExternRef = 0x6F;

// A memory section with one memory of |min| pages (flags 0x00, or 0x04 for memory64).
inline Bytes memory_section(bool is64 = false, uint8_t min = 1) {
  return section(5, Bytes{0x01, static_cast<uint8_t>(is64 ? 0x04 : 0x00), min});
}

}  // namespace chorus::wasm::testing
