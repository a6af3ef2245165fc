// Arbitrary bytes through the Candid decoder, at the message's own types and at a fixed set of
// expected types: no crash, bounded time and memory. Whatever decodes re-encodes at the types it
// was decoded at, and the re-encoding decodes to the same values.
#include <cstdint>
#include <cstdlib>

#include "encoding/candid_binary.h"
#include "encoding/candid_text.h"

namespace {

using namespace chorus;
using namespace chorus::candid;

struct Expected {
  TypeTable table;
  std::vector<std::vector<TypeRef>> signatures;
};

const Expected& expected() {
  static const Expected* e = [] {
    // One parser holds the definitions and every signature, so that they share one table.
    const char* text = R"did(
      type List = opt record { head : int; tail : List };
      type Tree = variant { leaf : nat; node : record { Tree; Tree } };
      type Opt = opt Opt;
      ()
      (nat, int, text, bool, null, reserved)
      (opt nat, vec nat8, blob, principal)
      (List, Tree, Opt)
      (record { a : nat8; b : opt text; c : vec record { int16; float64 } })
      (variant { ok : vec nat64; err : text }, opt opt bool)
      (func (nat) -> (text) query, service { m : (int) -> () })
      (vec opt record {}, vec reserved, float32, int8, int32, nat16, nat32, empty)
    )did";
    auto parser = TextParser::create(text);
    if (!parser.ok()) std::abort();
    while (parser->accept("type")) {
      if (!parser->parse_definition().ok() || !parser->expect(";").ok()) std::abort();
    }
    auto* out = new Expected;
    while (!parser->at_end()) {
      auto types = parser->parse_tuple_type();
      if (!types.ok()) std::abort();
      out->signatures.push_back(*types);
    }
    out->table = parser->table();
    return out;
  }();
  return *e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView input(data, size);
  const Expected& e = expected();
  // Smaller bounds than the defaults keep inputs that hit them fast, so the fuzzer explores more.
  DecodeLimits limits;
  limits.base_cost = 1 << 12;
  limits.max_depth = 128;
  // A re-encoding can be shorter than the input (future values lose their content) or cost more
  // to decode (absent opt fields become present nulls, one level deeper), so the second decode
  // gets more room than the first.
  DecodeLimits again_limits = limits;
  again_limits.base_cost = 8 * (limits.base_cost + limits.cost_per_byte * size);
  again_limits.max_depth = limits.max_depth + 2;
  for (const auto& types : e.signatures) {
    // What decodes at a type is a value of that type: it encodes, and decodes back to itself.
    auto values = decode(input, e.table, types, limits);
    if (!values.ok()) continue;
    auto bytes = encode(e.table, types, *values);
    if (!bytes.ok()) std::abort();
    auto again = decode(*bytes, e.table, types, again_limits);
    if (!again.ok() || *again != *values) std::abort();
  }

  auto any = decode_any(input, limits);
  if (!any.ok()) return 0;
  auto bytes = encode(*any);
  if (!bytes.ok()) std::abort();
  auto again = decode_any(*bytes, again_limits);
  if (!again.ok()) std::abort();
  if (again->values != any->values || again->types != any->types) std::abort();
  return 0;
}
