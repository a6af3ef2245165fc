// The C++ canister development kit: System API wrappers, stable memory, and the macros that
// export C++ functions as canister methods with Candid arguments and results.
//
//   uint64_t inc() { return ++counter; }
//   CHORUS_UPDATE(inc)                     // exports "canister_update inc": () -> (nat64)
//   Profile get(std::string name) { ... }
//   CHORUS_QUERY(get)                      // "canister_query get": (text) -> (Profile)
//
// A method's parameters are decoded from the message's Candid arguments (a message that does not
// fit traps with the decoder's reason), and its result is the reply: void replies (), a
// std::tuple replies its elements as several results, anything else one result. A method that
// called ic::reject() or ic::reply() itself is not replied to again.
//
// Builds for wasm32 with libc++ (see cdk/README.md); everything here only works inside a canister.
#pragma once

#include <string_view>

#include "chorus/candid.h"
#include "ic0.h"

namespace ic {

// Writes |text| to the canister's debug log.
void print(std::string_view text);
// Aborts the message with |text| as the reject message.
[[noreturn]] void trap(std::string_view text);

// The caller of the current message (the installer in init and post_upgrade).
Principal caller();
// This canister's id.
Principal self();
// The time of the current block, in nanoseconds since 1970.
inline uint64_t time() { return ic0_time(); }
// The raw argument bytes of the current message.
Bytes arg_data();
// The name of the method, in canister_inspect_message only.
std::string method_name();

// Replies with raw bytes (a Candid message). REQUIRES: not yet replied or rejected.
void reply_raw(const Bytes& message);
// Replies with |values| as Candid results.
template <class... Ts>
void reply(const Ts&... values) {
  reply_raw(candid::encode_args(values...));
}
// Rejects the current message with |message| (reject code CANISTER_REJECT).
void reject(std::string_view message);
// Whether the current message has been replied to or rejected.
bool replied();

// Stable memory, grown in 64 KiB pages as writes need it.
class StableWriter {
 public:
  explicit StableWriter(uint64_t offset = 0) : offset_(offset) {}
  // Writes |size| bytes at the current offset, growing stable memory; traps when it cannot grow.
  void write(const void* data, size_t size);
  uint64_t offset() const { return offset_; }

 private:
  uint64_t offset_;
};

class StableReader {
 public:
  explicit StableReader(uint64_t offset = 0) : offset_(offset) {}
  // Reads |size| bytes at the current offset; traps when they are past the end of stable memory.
  void read(void* data, size_t size);
  uint64_t offset() const { return offset_; }

 private:
  uint64_t offset_;
};

uint64_t stable_size_bytes();

// Saves |values| at the start of stable memory as one Candid message (8-byte little-endian length,
// then the message), for pre_upgrade.
template <class... Ts>
void stable_save(const Ts&... values) {
  Bytes message = candid::encode_args(values...);
  uint8_t header[8];
  for (int i = 0; i < 8; ++i) header[i] = static_cast<uint8_t>(uint64_t{message.size()} >> (8 * i));
  StableWriter w(0);
  w.write(header, sizeof header);
  w.write(message.data(), message.size());
}

// Whether stable memory holds a message from stable_save (it is not empty).
bool stable_saved();

// Reads back what stable_save wrote, at the types Ts (the Candid subtyping rules apply, so a newer
// version may add opt fields). Traps if nothing was saved or the message does not fit.
template <class... Ts>
std::tuple<Ts...> stable_restore() {
  Bytes message;
  if (!stable_saved()) trap("stable_restore: stable memory is empty");
  StableReader r(0);
  uint8_t header[8];
  r.read(header, sizeof header);
  uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size |= uint64_t{header[i]} << (8 * i);
  if (size > stable_size_bytes() - 8) trap("stable_restore: saved length past the end of stable memory");
  message.resize(static_cast<size_t>(size));
  r.read(message.data(), message.size());
  std::tuple<Ts...> out;
  std::string error;
  if (!candid::decode(message.data(), message.size(), out, &error))
    trap("stable_restore: " + error);
  return out;
}

namespace detail {

// Runs static constructors once per Wasm instance (in canister_init and canister_post_upgrade:
// the instance is fresh then, and later messages see the memory they left).
void run_constructors();
void begin_message();

template <class T>
struct Results {
  static void reply(const T& v) { ::ic::reply(v); }
};
template <class... Ts>
struct Results<std::tuple<Ts...>> {
  static void reply(const std::tuple<Ts...>& v) {
    std::apply([](const auto&... xs) { ::ic::reply(xs...); }, v);
  }
};

// Decodes the arguments of |fn| from the message, calls it, and replies with its result.
template <class R, class... A>
void serve(R (*fn)(A...), const char* method, bool reply_result) {
  begin_message();
  Bytes arg = arg_data();
  // Installing without an argument often sends no bytes at all: read that as ().
  if (!reply_result && arg.empty()) arg = {'D', 'I', 'D', 'L', 0, 0};
  std::tuple<std::decay_t<A>...> args;
  std::string error;
  if (!candid::decode(arg.data(), arg.size(), args, &error))
    trap(std::string("cannot decode the arguments of ") + method + ": " + error);
  if constexpr (std::is_void_v<R>) {
    std::apply(fn, std::move(args));
    if (reply_result && !replied()) ::ic::reply();
  } else {
    R result = std::apply(fn, std::move(args));
    if (reply_result && !replied()) Results<R>::reply(result);
  }
}

}  // namespace detail
}  // namespace ic

#define CHORUS_CDK_EXPORT_(kind, fn, name, reply)                                      \
  extern "C" __attribute__((export_name(kind " " name))) void chorus_export_##fn() { \
    ::ic::detail::serve(&fn, name, reply);                                            \
  }

// Exports the function |fn| (declared above) as an update, query or composite query method
// named like the function, or |name| with the _AS forms.
#define CHORUS_UPDATE(fn) CHORUS_CDK_EXPORT_("canister_update", fn, #fn, true)
#define CHORUS_QUERY(fn) CHORUS_CDK_EXPORT_("canister_query", fn, #fn, true)
#define CHORUS_COMPOSITE_QUERY(fn) CHORUS_CDK_EXPORT_("canister_composite_query", fn, #fn, true)
#define CHORUS_UPDATE_AS(fn, name) CHORUS_CDK_EXPORT_("canister_update", fn, name, true)
#define CHORUS_QUERY_AS(fn, name) CHORUS_CDK_EXPORT_("canister_query", fn, name, true)

// Lifecycle hooks. init and post_upgrade receive the install arguments as their parameters (an
// empty argument counts as no arguments);
// pre_upgrade, heartbeat and the global timer take none. Static constructors have run before
// init and post_upgrade (whether or not the canister declares them).
#define CHORUS_CDK_HOOK_(hook, fn, label) \
  extern "C" void hook() { ::ic::detail::serve(&fn, label, false); }
#define CHORUS_INIT(fn) CHORUS_CDK_HOOK_(chorus_hook_init, fn, "canister_init")
#define CHORUS_POST_UPGRADE(fn) CHORUS_CDK_HOOK_(chorus_hook_post_upgrade, fn, "canister_post_upgrade")
#define CHORUS_PRE_UPGRADE(fn) \
  extern "C" __attribute__((export_name("canister_pre_upgrade"))) void chorus_export_##fn() { fn(); }
#define CHORUS_HEARTBEAT(fn) \
  extern "C" __attribute__((export_name("canister_heartbeat"))) void chorus_export_##fn() { fn(); }
#define CHORUS_GLOBAL_TIMER(fn) \
  extern "C" __attribute__((export_name("canister_global_timer"))) void chorus_export_##fn() { fn(); }
