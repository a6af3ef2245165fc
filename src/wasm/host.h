// Typed bindings for host functions: a C++ callable taking (Caller&, Args...) and returning
// Result<R> (or Status for no result) becomes a FuncInst whose Wasm type is derived from the C++
// types, with the 64-bit slot words converted on the way in and out. This is how the System API
// is meant to be bound: `ic0.msg_arg_data_copy : (i32, i32, i32) -> ()` is written as a lambda
// (Caller&, uint32_t dst, uint32_t offset, uint32_t size) -> Status, and an Error it returns traps
// the canister with that message.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

#include "wasm/runtime.h"

namespace chorus::wasm {

template <typename T>
struct WasmTypeOf;
template <>
struct WasmTypeOf<int32_t> {
  static constexpr ValType kType = ValType::kI32;
};
template <>
struct WasmTypeOf<uint32_t> {
  static constexpr ValType kType = ValType::kI32;
};
template <>
struct WasmTypeOf<int64_t> {
  static constexpr ValType kType = ValType::kI64;
};
template <>
struct WasmTypeOf<uint64_t> {
  static constexpr ValType kType = ValType::kI64;
};
template <>
struct WasmTypeOf<float> {
  static constexpr ValType kType = ValType::kF32;
};
template <>
struct WasmTypeOf<double> {
  static constexpr ValType kType = ValType::kF64;
};

namespace host_detail {

template <typename T>
T from_slot(uint64_t s) {
  if constexpr (std::is_same_v<T, float>) {
    return std::bit_cast<float>(static_cast<uint32_t>(s));
  } else if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<double>(s);
  } else {
    return static_cast<T>(s);
  }
}

template <typename T>
uint64_t to_slot(T v) {
  if constexpr (std::is_same_v<T, float>) {
    return std::bit_cast<uint32_t>(v);
  } else if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<uint64_t>(v);
  } else if constexpr (sizeof(T) == 4) {
    return static_cast<uint32_t>(v);
  } else {
    return static_cast<uint64_t>(v);
  }
}

template <typename R>
struct Results {
  static std::vector<ValType> types() { return {WasmTypeOf<R>::kType}; }
};
template <>
struct Results<void> {
  static std::vector<ValType> types() { return {}; }
};

}  // namespace host_detail

// Adds |fn|, callable as R(Caller&, Args...) wrapped in Result<R> (Status when R is void), to
// |store| as a host function of type [Args...] -> [R].
template <typename R, typename... Args, typename F>
FuncInst* add_host_function(Store& store, F fn) {
  FuncType type{{WasmTypeOf<Args>::kType...}, host_detail::Results<R>::types()};
  HostFunction wrapped = [fn = std::move(fn)](Caller& caller, std::span<const uint64_t> args,
                                              std::span<uint64_t> results) -> Status {
    auto call = [&]<size_t... I>(std::index_sequence<I...>) {
      return fn(caller, host_detail::from_slot<Args>(args[I])...);
    };
    if constexpr (std::is_void_v<R>) {
      return call(std::index_sequence_for<Args...>{});
    } else {
      Result<R> r = call(std::index_sequence_for<Args...>{});
      if (!r.ok()) return std::move(r).error();
      results[0] = host_detail::to_slot<R>(*r);
      return ok_status();
    }
  };
  return store.add_host_function(std::move(type), std::move(wrapped));
}

}  // namespace chorus::wasm
