// Arbitrary text through the Candid text parsers: `.did` files, type signatures and values. No
// crash, bounded time and stack. Whatever value text types at a signature prints, and the print
// parses back to the same value; what parses as a .did has consistent method lookups.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "encoding/candid_binary.h"
#include "encoding/candid_text.h"

namespace {

using namespace chorus;
using namespace chorus::candid;

const ArgTypes& signature() {
  static const ArgTypes* s = [] {
    auto t = parse_arg_types(R"(
      type List = opt record { head : int; tail : List };
      type Tree = variant { leaf : nat; node : record { Tree; Tree } };
      (nat, int8, float64, text, opt blob, List, Tree, principal,
       record { a : nat16; b : opt text; 7 : vec bool }, variant { ok : float32; err },
       func (nat) -> () query, service { m : () -> () }, reserved, null, int64, nat32))");
    if (!t.ok()) std::abort();
    return new ArgTypes(std::move(t).value());
  }();
  return *s;
}

void check_values(std::string_view text) {
  const ArgTypes& s = signature();
  auto values = parse_args_at(text, s.table, s.types);
  if (!values.ok()) return;
  std::string printed = print_args(*values, s.table, s.types);
  auto again = parse_args_at(printed, s.table, s.types);
  if (!again.ok()) std::abort();
  // NaN payloads do not survive text, so compare through encode where the bits may differ.
  if (*again != *values && printed.find("nan") == std::string::npos) std::abort();
  if (!encode(s.table, s.types, *values).ok()) std::abort();
}

void check_did(std::string_view text) {
  auto did = parse_did(text);
  if (!did.ok()) return;
  for (const std::string& name : did->method_names()) {
    auto m = did->method(name);
    if (!m.ok() || !m->args.table.validate().ok()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The first byte picks the parser, so that one corpus serves all of them.
  if (text.empty()) return 0;
  char mode = text[0];
  text.remove_prefix(1);
  switch (mode % 3) {
    case 0: check_values(text); break;
    case 1: check_did(text); break;
    default: (void)parse_arg_types(text); break;
  }
  return 0;
}
