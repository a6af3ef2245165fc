// Untrusted input of the command line's Candid I/O: module bytes through the custom-section walker
// (a module file, possibly gzipped), text through untyped argument inference, and bytes through
// reply formatting. No crash; whatever encodes decodes again at the types it declares.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cli/candid_io.h"
#include "encoding/candid_binary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chorus;
  ByteView bytes(data, size);
  (void)cli::module_candid_service(bytes);
  (void)cli::module_has_eop_marker(bytes);
  std::string text(reinterpret_cast<const char*>(data), size);
  auto encoded = cli::encode_untyped_args(text);
  if (encoded.ok() && !candid::decode_any(*encoded).ok()) std::abort();
  for (auto format : {cli::OutputFormat::kCandid, cli::OutputFormat::kJson}) {
    (void)cli::format_reply(nullptr, "m", bytes, format);
  }
  return 0;
}
