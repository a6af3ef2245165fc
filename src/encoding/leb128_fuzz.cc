// Arbitrary bytes through every LEB128 reader: no crash; what decodes re-encodes to a shortest
// form that decodes to the same value, and the 64-bit and arbitrary-precision readers agree.
#include <cstdint>
#include <cstdlib>

#include "base/leb128.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chorus;
  ByteView in(data, size);
  ByteReader r1(in), r2(in), r3(in), r4(in);
  auto big_u = read_uleb128_big(r1, 4096);
  auto big_s = read_sleb128_big(r2, 4096);
  auto u = read_uleb128(r3);
  auto s = read_sleb128(r4);
  if (u.ok() && (!big_u.ok() || big_u->to_u64() != *u)) std::abort();
  if (s.ok() && (!big_s.ok() || big_s->to_i64() != *s)) std::abort();
  if (big_u.ok()) {
    Bytes enc;
    append_uleb128(enc, *big_u);
    ByteReader r(enc);
    auto back = read_uleb128_big(r, 8192);
    if (!back.ok() || !(*back == *big_u) || enc.size() > r1.position()) std::abort();
  }
  if (big_s.ok()) {
    Bytes enc;
    append_sleb128(enc, *big_s);
    ByteReader r(enc);
    auto back = read_sleb128_big(r, 8192);
    if (!back.ok() || !(*back == *big_s) || enc.size() > r2.position()) std::abort();
  }
  return 0;
}
