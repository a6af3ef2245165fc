// Candid for the command line: arguments from Candid text, typed against a canister's interface
// when one is known (its `candid:service` metadata or a .did file), and replies printed as Candid
// text with field names, as JSON, or as raw hex.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "encoding/candid_text.h"

namespace chorus::cli {

enum class OutputFormat { kCandid, kJson, kRaw };

// "candid", "json" or "raw".
Result<OutputFormat> parse_output_format(std::string_view name);

// A canister's interface, parsed from .did text. Empty text is refused.
Result<candid::ServiceInterface> parse_interface(std::string_view did);

// The interface a module declares in its `icp:public candid:service` (or `icp:private`) custom
// section; nullopt when it has none. A gzipped module is unpacked first.
Result<std::optional<std::string>> module_candid_service(ByteView wasm);
// Whether the module declares enhanced orthogonal persistence (Motoko's wasm64 heap), whose
// upgrades must keep the Wasm memory.
Result<bool> module_has_eop_marker(ByteView wasm);

// True when |iface| declares |method| as query or composite_query, false when as update, and an
// error naming the methods when it does not declare it.
Result<bool> method_is_query(const candid::ServiceInterface& iface, std::string_view method);

// |text| ("(1, \"a\")", or "" for no arguments) encoded at |method|'s parameter types when
// |iface| is given, else with the types the text itself implies (numbers as nat or int, floats
// as float64, `(v : t)` as t). Errors say which argument did not fit.
Result<Bytes> encode_method_args(const candid::ServiceInterface* iface, std::string_view method,
                                 std::string_view text);
// The same for the installation arguments of a service class (`service : (init) -> {...}`).
Result<Bytes> encode_init_args(const candid::ServiceInterface* iface, std::string_view text);
// Untyped: the types the text implies.
Result<Bytes> encode_untyped_args(std::string_view text);

// |reply| decoded at |method|'s result types with field names when |iface| is given, else at the
// types the message declares (fields print as numbers then), in |format|. Candid text annotates
// numbers with their type, as dfx does: `(record { age = 33 : nat32; name = "ann" })`.
Result<std::string> format_reply(const candid::ServiceInterface* iface, std::string_view method,
                                 ByteView reply, OutputFormat format);

}  // namespace chorus::cli
