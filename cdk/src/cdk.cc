// The canister runtime: System API wrappers, the entry points every C++ canister has, and the
// few WASI functions wasi-libc and libc++ reach for, implemented over ic0 so that the module
// imports nothing but "ic0".
#include "chorus/cdk.h"

extern "C" void __wasm_call_ctors(void);

namespace ic {
namespace {

// Per-message state. A canister is single-threaded and every message starts by resetting it.
bool g_replied = false;
bool g_constructed = false;
// What libc and libc++ wrote to stderr before an abort (their reason), kept for the trap message.
char g_stderr_tail[256];
size_t g_stderr_len = 0;

Principal copy_principal(size_t size, void (*copy)(void*, size_t, size_t)) {
  Principal p;
  p.bytes.resize(size);
  if (size) copy(p.bytes.data(), 0, size);
  return p;
}

}  // namespace

void print(std::string_view text) { ic0_debug_print(text.data(), text.size()); }

void trap(std::string_view text) { ic0_trap(text.data(), text.size()); }

Principal caller() { return copy_principal(ic0_msg_caller_size(), ic0_msg_caller_copy); }
Principal self() { return copy_principal(ic0_canister_self_size(), ic0_canister_self_copy); }

Bytes arg_data() {
  Bytes b(ic0_msg_arg_data_size());
  if (!b.empty()) ic0_msg_arg_data_copy(b.data(), 0, b.size());
  return b;
}

std::string method_name() {
  std::string s(ic0_msg_method_name_size(), '\0');
  if (!s.empty()) ic0_msg_method_name_copy(s.data(), 0, s.size());
  return s;
}

void reply_raw(const Bytes& message) {
  if (g_replied) trap("reply: the message was already replied to or rejected");
  ic0_msg_reply_data_append(message.data(), message.size());
  ic0_msg_reply();
  g_replied = true;
}

void reject(std::string_view message) {
  if (g_replied) trap("reject: the message was already replied to or rejected");
  ic0_msg_reject(message.data(), message.size());
  g_replied = true;
}

bool replied() { return g_replied; }

uint64_t stable_size_bytes() { return ic0_stable64_size() * 65536; }

bool stable_saved() { return ic0_stable64_size() > 0; }

void StableWriter::write(const void* data, size_t size) {
  uint64_t end = offset_ + size;
  uint64_t have = ic0_stable64_size();
  uint64_t need = (end + 65535) / 65536;
  if (need > have && ic0_stable64_grow(need - have) == UINT64_MAX)
    trap("StableWriter: stable memory cannot grow");
  ic0_stable64_write(offset_, reinterpret_cast<uintptr_t>(data), size);
  offset_ = end;
}

void StableReader::read(void* data, size_t size) {
  if (size > stable_size_bytes() || offset_ > stable_size_bytes() - size)
    trap("StableReader: read past the end of stable memory");
  ic0_stable64_read(reinterpret_cast<uintptr_t>(data), offset_, size);
  offset_ += size;
}

namespace detail {

void run_constructors() {
  if (g_constructed) return;
  g_constructed = true;
  __wasm_call_ctors();
}

void begin_message() { g_replied = false; }

}  // namespace detail
}  // namespace ic

// The hooks CHORUS_INIT and CHORUS_POST_UPGRADE define; without them nothing more happens.
extern "C" __attribute__((weak)) void chorus_hook_init() {}
extern "C" __attribute__((weak)) void chorus_hook_post_upgrade() {}

extern "C" __attribute__((export_name("canister_init"))) void chorus_canister_init() {
  ic::detail::run_constructors();
  chorus_hook_init();
}

extern "C" __attribute__((export_name("canister_post_upgrade"))) void chorus_canister_post_upgrade() {
  ic::detail::run_constructors();
  chorus_hook_post_upgrade();
}

// --- libc over ic0 -------------------------------------------------------------------------------
// wasi-libc calls these __imported_* functions where it would import WASI; defining them here
// resolves them inside the module. Output to stdout and stderr goes to the debug log; the rest
// reports "bad file descriptor" or "not supported".

namespace {

constexpr int32_t kErrnoBadf = 8;
constexpr int32_t kErrnoNosys = 52;

struct Iovec {
  uint32_t base;
  uint32_t len;
};

}  // namespace

extern "C" {

int32_t __imported_wasi_snapshot_preview1_fd_write(int32_t fd, int32_t iovs, int32_t count,
                                                   int32_t written) {
  if (fd != 1 && fd != 2) return kErrnoBadf;
  const Iovec* v = reinterpret_cast<const Iovec*>(static_cast<uintptr_t>(iovs));
  uint32_t total = 0;
  for (int32_t i = 0; i < count; ++i) {
    const char* p = reinterpret_cast<const char*>(static_cast<uintptr_t>(v[i].base));
    if (v[i].len == 0) continue;
    ic0_debug_print(p, v[i].len);
    if (fd == 2) {
      for (uint32_t k = 0; k < v[i].len; ++k) {
        if (ic::g_stderr_len == sizeof ic::g_stderr_tail) {
          std::memmove(ic::g_stderr_tail, ic::g_stderr_tail + 1, sizeof ic::g_stderr_tail - 1);
          --ic::g_stderr_len;
        }
        ic::g_stderr_tail[ic::g_stderr_len++] = p[k];
      }
    }
    total += v[i].len;
  }
  *reinterpret_cast<uint32_t*>(static_cast<uintptr_t>(written)) = total;
  return 0;
}

int32_t __imported_wasi_snapshot_preview1_fd_seek(int32_t, int64_t, int32_t, int32_t) {
  return kErrnoBadf;
}
int32_t __imported_wasi_snapshot_preview1_fd_close(int32_t) { return kErrnoBadf; }
int32_t __imported_wasi_snapshot_preview1_fd_fdstat_get(int32_t, int32_t) { return kErrnoBadf; }
int32_t __imported_wasi_snapshot_preview1_environ_sizes_get(int32_t count, int32_t size) {
  *reinterpret_cast<uint32_t*>(static_cast<uintptr_t>(count)) = 0;
  *reinterpret_cast<uint32_t*>(static_cast<uintptr_t>(size)) = 0;
  return 0;
}
int32_t __imported_wasi_snapshot_preview1_environ_get(int32_t, int32_t) { return 0; }
int32_t __imported_wasi_snapshot_preview1_random_get(int32_t, int32_t) { return kErrnoNosys; }
[[noreturn]] void __imported_wasi_snapshot_preview1_proc_exit(int32_t) {
  ic::trap("exit() called");
}

// libc's abort would execute `unreachable`; a trap with a reason (and what libc printed to
// stderr before, if anything) says more.
void abort(void) {
  // libc++ 14 built without exceptions calls abort where it would throw, printing nothing.
  std::string message = "abort() called (libc++ aborts where it would throw: exceptions are off)";
  if (ic::g_stderr_len > 0) {
    message += ": ";
    message.append(ic::g_stderr_tail, ic::g_stderr_len);
    while (!message.empty() && message.back() == '\n') message.pop_back();
  }
  ic::trap(message);
}

}  // extern "C"
