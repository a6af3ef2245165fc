// Untrusted checkpoint files: the first byte picks the parser, the rest is the file. 0 mod 3: a
// manifest as is; 1: a page file; 2: a manifest body that gets its SHA-256 trailer appended here,
// so that the fuzzer reaches the field checks behind the checksum. Whatever parses must re-encode
// to exactly the same bytes (each format has one encoding) and, for page files, apply to a
// Snapshot without error.
#include <cstdint>
#include <cstdlib>

#include "state/checkpoint_manifest.h"
#include "state/page_store.h"

using namespace chorus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ByteView input(data + 1, size - 1);
  Bytes sealed;
  if (data[0] % 3 == 2) {
    sealed.assign(input.begin(), input.end());
    const Sha256Digest d = sha256(input);
    sealed.insert(sealed.end(), d.begin(), d.end());
    input = sealed;
  }
  if (data[0] % 3 != 1) {
    auto m = state::parse_manifest(input);
    if (m.ok() && !bytes_equal(state::encode_manifest(*m), input)) std::abort();
    return 0;
  }
  auto pf = state::parse_page_file(input);
  if (!pf.ok()) return 0;
  state::PageSource source;
  source.count = pf->pages.size();
  source.for_each = [&](const std::function<void(uint64_t, ByteView)>& fn) {
    for (const wasm::StoredPage& p : pf->pages) fn(p.index, p.bytes);
  };
  Bytes out;
  Status s = state::write_page_file(pf->kind, pf->size_pages, source, [&](ByteView b) {
    append(out, b);
    return ok_status();
  });
  if (!s.ok() || !bytes_equal(out, input)) std::abort();
  if (!wasm::Snapshot().with_pages(pf->size_pages, pf->pages).ok()) std::abort();
  return 0;
}
