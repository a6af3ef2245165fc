// The C++ half of tests/candid_crosscheck.test.mjs: encodes Candid text values to binary and
// decodes binary to text, at types given in text, so that @dfinity/candid can check both ways.
//
//   candid_interop encode TYPES VALUES   prints the hex of the message
//   candid_interop decode TYPES HEX      prints the values in text syntax
//   candid_interop batch                 reads "encode|decode<TAB>TYPES<TAB>ARG" lines from stdin
//                                        and prints "ok<TAB>result" or "err<TAB>message" for each
//
// TYPES is a tuple type, optionally after `type` definitions: "type T = opt T; (T, nat)".
#include <iostream>
#include <string>

#include "base/hex.h"
#include "encoding/candid_binary.h"
#include "encoding/candid_text.h"

namespace {

using namespace chorus;
using namespace chorus::candid;

Result<std::string> run(std::string_view op, std::string_view types_text, std::string_view arg) {
  FieldNames names;
  CHORUS_ASSIGN_OR_RETURN(ArgTypes types, parse_arg_types(types_text, &names));
  if (op == "encode") {
    CHORUS_ASSIGN_OR_RETURN(std::vector<Value> values, parse_args_at(arg, types.table, types.types));
    CHORUS_ASSIGN_OR_RETURN(Bytes bytes, encode(types.table, types.types, values));
    return to_hex(bytes);
  }
  if (op == "decode") {
    CHORUS_ASSIGN_OR_RETURN(Bytes bytes, from_hex(arg));
    CHORUS_ASSIGN_OR_RETURN(std::vector<Value> values, decode(bytes, types));
    return print_args(values, types.table, types.types, &names);
  }
  return Error("unknown operation '" + std::string(op) + "'");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "batch") {
    std::string line;
    while (std::getline(std::cin, line)) {
      size_t a = line.find('\t');
      size_t b = a == std::string::npos ? a : line.find('\t', a + 1);
      if (b == std::string::npos) {
        std::cout << "err\tmalformed batch line\n";
        continue;
      }
      std::string_view l = line;
      auto r = run(l.substr(0, a), l.substr(a + 1, b - a - 1), l.substr(b + 1));
      if (r.ok()) {
        std::cout << "ok\t" << *r << "\n";
      } else {
        std::cout << "err\t" << r.error().message() << "\n";
      }
    }
    return 0;
  }
  if (argc != 4) {
    std::cerr << "usage: candid_interop encode TYPES VALUES | decode TYPES HEX | batch\n";
    return 2;
  }
  auto r = run(argv[1], argv[2], argv[3]);
  if (!r.ok()) {
    std::cout << r.error().message() << "\n";
    return 1;
  }
  std::cout << *r << "\n";
  return 0;
}
