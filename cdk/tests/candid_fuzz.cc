// Arbitrary bytes through the cdk's Candid decoder at several expected C++ types: it must fail
// cleanly or succeed without reading out of bounds, in bounded time; whatever decodes re-encodes
// and decodes again to the same value.
#include <cstdint>
#include <cstdlib>

#include "test_types.h"

namespace {

template <class... Ts>
void run(const uint8_t* data, size_t size) {
  std::tuple<Ts...> v;
  if (!ic::candid::decode(data, size, v, nullptr)) return;
  ic::Bytes again = std::apply([](const auto&... xs) { return ic::candid::encode_args(xs...); }, v);
  std::tuple<Ts...> w;
  if (!ic::candid::decode(again.data(), again.size(), w, nullptr)) std::abort();
  // Floats may be NaN, which compares unequal; compare the bytes instead.
  ic::Bytes third = std::apply([](const auto&... xs) { return ic::candid::encode_args(xs...); }, w);
  if (third != again) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cdk_test;
  run<Doc>(data, size);
  run<Profile, std::optional<Shape>>(data, size);
  run<std::vector<std::optional<ic::Int>>, ic::Reserved, std::map<uint32_t, std::string>>(data, size);
  run<std::optional<std::vector<Profile>>, ic::Nat, std::string>(data, size);
  return 0;
}
