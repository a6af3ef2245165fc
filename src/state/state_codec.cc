#include "state/state_codec.h"

#include <type_traits>

#include "base/hex.h"

namespace chorus::state {

namespace {

// ---------------------------------------------------------------------------------------------
// The three visitors. Each takes every field by reference; Writer and Digester only read.

constexpr uint32_t kFormatVersion = 1;

// What the encoder and the digest share: every field becomes the same bytes, handed to the
// derived class's put(); they differ only in where bytes go and in how memories and modules are
// written (by name and once per hash, or hashed in place).
template <typename Derived>
class Emitter {
 public:
  static constexpr bool kReading = false;
  void u8(uint8_t& v) { put(ByteView(&v, 1)); }
  void u64(uint64_t& v) {
    uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    put(ByteView(b, 8));
  }
  void u32(uint32_t& v) {
    uint64_t w = v;
    u64(w);
  }
  void boolean(bool& v) {
    uint8_t x = v;
    u8(x);
  }
  void cycles(Cycles& c) {
    uint64_t lo = c.low(), hi = c.high();
    u64(lo);
    u64(hi);
  }
  void bytes(Bytes& v) { raw(v); }
  void text(std::string& s) { raw(as_bytes(s)); }
  void principal(Principal& p) { raw(p.bytes()); }
  void digest(Sha256Digest& d) { put(d); }
  void shared_bytes(std::shared_ptr<const Bytes>& p) { raw(*p); }
  template <typename T, typename F>
  void seq(T& container, F f) {
    uint64_t n = container.size();
    u64(n);
    for (auto& x : container) f(x);
  }
  template <typename K, typename V, typename FK, typename FV>
  void map(std::map<K, V>& m, FK fk, FV fv) {
    uint64_t n = m.size();
    u64(n);
    for (auto& [k, v] : m) {
      K key = k;
      fk(key);
      fv(v);
    }
  }
  template <typename T, typename F>
  void optional(std::optional<T>& o, F f) {
    bool has = o.has_value();
    boolean(has);
    if (has) f(*o);
  }
  template <typename E>
  void enum8(E& e) {
    uint8_t v = static_cast<uint8_t>(e);
    u8(v);
  }
  bool ok() const { return true; }

 protected:
  void put(ByteView b) { static_cast<Derived*>(this)->put_bytes(b); }
  void raw(ByteView v) {
    uint64_t n = v.size();
    u64(n);
    put(v);
  }
};

class Writer : public Emitter<Writer> {
 public:
  explicit Writer(EncodedState* out) : out_(out) {}
  void put_bytes(ByteView b) { b_.insert(b_.end(), b.begin(), b.end()); }
  void memory(const std::string& name, wasm::Snapshot& s) {
    if (out_ != nullptr) out_->memories[name] = s;
  }
  // A module: its hash here, its bytes once in "module/<hash>".
  void module(std::shared_ptr<const Bytes>& binary, Sha256Digest& hash) {
    digest(hash);
    if (out_ != nullptr) {
      std::string name = "module/" + to_hex(hash);
      if (!out_->blobs.count(name)) out_->blobs[name] = *binary;
    }
  }
  Bytes take() { return std::move(b_); }

 private:
  EncodedState* out_;
  Bytes b_;
};

template <typename K>
bool key_less(const K& a, const K& b) {
  return a < b;
}

class Reader {
 public:
  static constexpr bool kReading = true;
  Reader(ByteView data, const EncodedState& in, std::map<Sha256Digest, std::shared_ptr<const Bytes>>* modules)
      : data_(data), in_(in), modules_(modules) {}
  void u8(uint8_t& v) {
    if (!need(1)) return;
    v = data_[pos_++];
  }
  void u64(uint64_t& v) {
    if (!need(8)) return;
    v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | data_[pos_ + i];
    pos_ += 8;
  }
  void u32(uint32_t& v) {
    uint64_t w = 0;
    u64(w);
    if (w > UINT32_MAX) fail("a 32-bit field holds " + std::to_string(w));
    v = static_cast<uint32_t>(w);
  }
  void boolean(bool& v) {
    uint8_t x = 0;
    u8(x);
    if (x > 1) fail("a boolean holds " + std::to_string(x));
    v = x == 1;
  }
  void cycles(Cycles& c) {
    uint64_t lo = 0, hi = 0;
    u64(lo);
    u64(hi);
    c = Cycles::from_parts(hi, lo);
  }
  void bytes(Bytes& v) {
    ByteView r = raw();
    v.assign(r.begin(), r.end());
  }
  void text(std::string& s) {
    ByteView r = raw();
    s.assign(r.begin(), r.end());
  }
  void principal(Principal& p) {
    ByteView r = raw();
    if (!ok()) return;
    auto q = Principal::from_bytes(r);
    if (!q.ok()) return fail("bad principal: " + q.error().message());
    p = *q;
  }
  void digest(Sha256Digest& d) {
    if (!need(32)) return;
    std::copy(data_.begin() + pos_, data_.begin() + pos_ + 32, d.begin());
    pos_ += 32;
  }
  void shared_bytes(std::shared_ptr<const Bytes>& p) {
    Bytes b;
    bytes(b);
    p = std::make_shared<const Bytes>(std::move(b));
  }
  void memory(const std::string& name, wasm::Snapshot& s) {
    auto it = in_.memories.find(name);
    if (it == in_.memories.end()) return fail("memory '" + name + "' is missing");
    s = it->second;
  }
  void module(std::shared_ptr<const Bytes>& binary, Sha256Digest& hash) {
    digest(hash);
    if (!ok()) return;
    if (auto it = modules_->find(hash); it != modules_->end()) {
      binary = it->second;
      return;
    }
    auto blob = in_.blobs.find("module/" + to_hex(hash));
    if (blob == in_.blobs.end()) return fail("module " + to_hex(hash) + " is missing");
    if (sha256(blob->second) != hash) return fail("module " + to_hex(hash) + " does not match its hash");
    binary = std::make_shared<const Bytes>(blob->second);
    (*modules_)[hash] = binary;
  }
  template <typename T, typename F>
  void seq(T& container, F f) {
    uint64_t n = count();
    container.clear();
    for (uint64_t i = 0; i < n && ok(); ++i) {
      container.emplace_back();
      f(container.back());
    }
  }
  template <typename K, typename V, typename FK, typename FV>
  void map(std::map<K, V>& m, FK fk, FV fv) {
    uint64_t n = count();
    m.clear();
    for (uint64_t i = 0; i < n && ok(); ++i) {
      K k{};
      fk(k);
      V v{};
      fv(v);
      if (!ok()) return;
      if (!m.empty() && !key_less(m.rbegin()->first, k)) return fail("map keys are not in increasing order");
      m.emplace_hint(m.end(), std::move(k), std::move(v));
    }
  }
  template <typename T, typename F>
  void optional(std::optional<T>& o, F f) {
    bool has = false;
    boolean(has);
    if (has) {
      o.emplace();
      f(*o);
    } else {
      o.reset();
    }
  }
  template <typename E>
  void enum8(E& e) {
    uint8_t v = 0;
    u8(v);
    e = static_cast<E>(v);
  }
  void check_enum(bool valid, const char* what) {
    if (!valid) fail(std::string("bad ") + what);
  }
  bool ok() const { return !error_.has_value(); }
  bool at_end() const { return pos_ == data_.size(); }
  const std::string& error() const { return *error_; }
  void fail(std::string msg) {
    if (!error_) error_ = std::move(msg) + " (at byte " + std::to_string(pos_) + ")";
  }

 private:
  bool need(size_t n) {
    if (!ok()) return false;
    if (data_.size() - pos_ < n) {
      fail("truncated");
      return false;
    }
    return true;
  }
  uint64_t count() {
    uint64_t n = 0;
    u64(n);
    // Every element takes at least one byte, so a larger count cannot be honest.
    if (ok() && n > data_.size() - pos_) {
      fail("a count of " + std::to_string(n) + " exceeds the remaining bytes");
      return 0;
    }
    return n;
  }
  ByteView raw() {
    uint64_t n = count();
    if (!ok() || !need(n)) return {};
    ByteView r = data_.subspan(pos_, n);
    pos_ += n;
    return r;
  }
  ByteView data_;
  size_t pos_ = 0;
  const EncodedState& in_;
  std::map<Sha256Digest, std::shared_ptr<const Bytes>>* modules_;
  std::optional<std::string> error_;
};

// The digest: the writer's bytes go into SHA-256 instead of a buffer, memories by their pages.
class Digester : public Emitter<Digester> {
 public:
  void put_bytes(ByteView b) { h_.update(b); }
  void memory(const std::string&, wasm::Snapshot& s) {
    uint64_t pages = s.size_pages();
    u64(pages);
    s.for_each_nonzero_page([&](uint64_t index, ByteView page) {
      u64(index);
      put(page);
    });
    uint64_t end = ~uint64_t{0};
    u64(end);
  }
  // The module's hash stands for its bytes (it is their SHA-256).
  void module(std::shared_ptr<const Bytes>&, Sha256Digest& hash) { digest(hash); }
  Sha256Digest finish() { return h_.finish(); }

 private:
  Sha256 h_;
};

template <typename IO>
void check(IO& io, bool valid, const char* what) {
  if constexpr (IO::kReading) io.check_enum(valid, what);
}

// ---------------------------------------------------------------------------------------------
// The state, field by field. Adding a field to a state struct means adding it here, once.

template <typename IO>
void visit(IO& io, Visibility& v) {
  io.enum8(v.kind);
  check(io, v.kind <= Visibility::kAllowedViewers, "visibility");
  io.seq(v.viewers, [&](Principal& p) { io.principal(p); });
}

template <typename IO>
void visit(IO& io, CanisterSettings& s) {
  io.seq(s.controllers, [&](Principal& p) { io.principal(p); });
  io.u64(s.compute_allocation);
  io.u64(s.memory_allocation);
  io.u64(s.freezing_threshold);
  io.cycles(s.reserved_cycles_limit);
  io.cycles(s.minimum_incoming_canister_call_cycles);
  visit(io, s.log_visibility);
  io.u64(s.log_memory_limit);
  visit(io, s.snapshot_visibility);
  visit(io, s.status_visibility);
  io.u64(s.wasm_memory_limit);
  io.u64(s.wasm_memory_threshold);
  io.seq(s.environment_variables, [&](std::pair<std::string, std::string>& e) {
    io.text(e.first);
    io.text(e.second);
  });
}

template <typename IO>
void visit(IO& io, CallOrigin& o) {
  io.enum8(o.kind);
  check(io, o.kind <= CallOrigin::kSystemTask, "call origin");
  io.principal(o.caller);
  io.bytes(o.message_id);
  io.u64(o.callback_id);
  io.u64(o.deadline);
}

template <typename IO>
void visit(IO& io, WasmClosure& c) {
  io.u64(c.func);
  io.u64(c.env);
}

template <typename IO>
void visit(IO& io, InputMessage& m) {
  uint8_t kind = static_cast<uint8_t>(m.index());
  io.u8(kind);
  if constexpr (IO::kReading) {
    if (kind == 0) m = Request{};
    else if (kind == 1) m = Response{};
    else if (kind == 2) m = Ingress{};
    else return io.fail("bad message kind");
  }
  if (auto* r = std::get_if<Request>(&m)) {
    io.principal(r->sender);
    io.principal(r->receiver);
    io.text(r->method);
    io.bytes(r->payload);
    io.cycles(r->cycles);
    io.u64(r->sender_callback);
    io.u64(r->deadline);
  } else if (auto* s = std::get_if<Response>(&m)) {
    io.principal(s->originator);
    io.principal(s->respondent);
    io.u64(s->originator_callback);
    io.cycles(s->refund);
    io.boolean(s->is_reply);
    io.bytes(s->reply);
    io.u32(s->reject_code);
    io.text(s->reject_message);
    io.u64(s->deadline);
  } else {
    auto& i = std::get<Ingress>(m);
    io.principal(i.source);
    io.principal(i.receiver);
    io.text(i.method);
    io.bytes(i.payload);
    io.bytes(i.message_id);
    io.u64(i.expiry);
    io.optional(i.effective_canister_id, [&](Principal& p) { io.principal(p); });
  }
}

template <typename IO>
void visit(IO& io, ExecutionState& e, const std::string& prefix) {
  io.digest(e.module_hash);
  io.module(e.wasm_binary, e.binary_hash);
  io.memory(prefix + "/wasm", e.wasm_memory);
  io.memory(prefix + "/stable", e.stable_memory);
  io.seq(e.globals, [&](uint64_t& g) { io.u64(g); });
}

template <typename IO>
void visit(IO& io, CanisterState& c) {
  const std::string prefix = "canister/" + c.id.to_text();
  visit(io, c.settings);
  io.enum8(c.status);
  check(io, c.status >= CanisterStatus::kRunning && c.status <= CanisterStatus::kStopped, "canister status");
  io.cycles(c.balance);
  io.cycles(c.reserved_balance);
  io.u64(c.version);
  io.bytes(c.certified_data);
  io.u64(c.global_timer);
  io.optional(c.execution, [&](ExecutionState& e) { visit(io, e, prefix); });
  io.map(c.call_contexts, [&](uint64_t& k) { io.u64(k); }, [&](CallContext& ctx) {
    visit(io, ctx.origin);
    io.text(ctx.method);
    io.boolean(ctx.responded);
    io.boolean(ctx.deleted);
    io.cycles(ctx.available_cycles);
    io.u64(ctx.instructions_executed);
  });
  io.u64(c.next_call_context_id);
  io.map(c.callbacks, [&](uint64_t& k) { io.u64(k); }, [&](Callback& cb) {
    io.u64(cb.call_context_id);
    io.principal(cb.respondent);
    io.cycles(cb.cycles_sent);
    io.cycles(cb.prepayment);
    visit(io, cb.on_reply);
    visit(io, cb.on_reject);
    io.optional(cb.on_cleanup, [&](WasmClosure& w) { visit(io, w); });
    io.u64(cb.deadline);
  });
  io.u64(c.next_callback_id);
  io.seq(c.input_queue, [&](InputMessage& m) { visit(io, m); });
  io.seq(c.stop_requests, [&](StopRequest& r) { visit(io, r.origin); });
  io.seq(c.log.records, [&](LogRecord& r) {
    io.u64(r.idx);
    io.u64(r.timestamp_nanos);
    io.bytes(r.content);
  });
  io.u64(c.log.next_idx);
  io.u64(c.log.bytes);
  io.seq(c.history, [&](ChangeRecord& h) {
    io.enum8(h.kind);
    check(io, h.kind <= ChangeRecord::kLoadSnapshot, "change record");
    io.u64(h.timestamp_nanos);
    io.u64(h.canister_version);
    io.boolean(h.origin_is_user);
    io.principal(h.origin);
    io.optional(h.origin_canister_version, [&](uint64_t& v) { io.u64(v); });
    io.seq(h.controllers, [&](Principal& p) { io.principal(p); });
    io.u8(h.mode);
    io.digest(h.module_hash);
    io.bytes(h.snapshot_id);
    io.u64(h.snapshot_taken_at);
    io.u64(h.snapshot_canister_version);
  });
  io.u64(c.total_num_changes);
  io.map(c.chunk_store, [&](Bytes& k) { io.bytes(k); }, [&](std::shared_ptr<const Bytes>& v) { io.shared_bytes(v); });
  uint64_t n = 0;
  io.seq(c.snapshots, [&](CanisterSnapshot& s) {
    const std::string sp = prefix + "/snapshot/" + std::to_string(n++);
    io.bytes(s.id);
    io.u64(s.taken_at_timestamp);
    io.u64(s.canister_version);
    visit(io, s.execution, sp);
    io.bytes(s.certified_data);
    io.u64(s.global_timer);
    io.map(s.chunk_store, [&](Bytes& k) { io.bytes(k); }, [&](std::shared_ptr<const Bytes>& v) { io.shared_bytes(v); });
    io.u64(s.total_size);
  });
  io.u64(c.next_snapshot_index);
  io.u64(c.storage_charged_until);
  io.cycles(c.consumed_cycles);
}

template <typename IO>
void visit_subnet(IO& io, ReplicatedState& st) {
  io.seq(st.subnet_queue, [&](InputMessage& m) { visit(io, m); });
  io.map(st.ingress_history, [&](Bytes& k) { io.bytes(k); }, [&](IngressStatus& s) {
    io.enum8(s.kind);
    check(io, s.kind <= IngressStatus::kDone, "ingress status");
    io.principal(s.receiver);
    io.principal(s.user);
    io.u64(s.time_nanos);
    io.bytes(s.reply);
    io.u32(s.reject_code);
    io.text(s.reject_message);
    io.text(s.error_code);
  });
  io.seq(st.ingress_history_by_time, [&](std::pair<uint64_t, Bytes>& e) {
    io.u64(e.first);
    io.bytes(e.second);
  });
  SubnetMetadata& m = st.metadata;
  io.principal(m.subnet_id);
  io.u64(m.batch_number);
  io.u64(m.time_nanos);
  io.bytes(m.randomness);
  io.u64(m.next_canister_index);
  io.u64(m.canister_range_start);
  io.u64(m.canister_range_end);
  io.u64(m.raw_rand_counter);
  io.cycles(m.consumed_cycles);
  io.cycles(m.minted_cycles);
}

}  // namespace

EncodedState encode_state(const ReplicatedState& state) {
  auto& st = const_cast<ReplicatedState&>(state);  // the writer only reads
  EncodedState out;
  Writer subnet(&out);
  uint32_t version = kFormatVersion;
  subnet.u32(version);
  visit_subnet(subnet, st);
  uint64_t n = st.canisters.size();
  subnet.u64(n);
  for (auto& [id, c] : st.canisters) {
    Principal key = id;
    subnet.principal(key);
  }
  out.blobs["subnet"] = subnet.take();
  for (auto& [id, c] : st.canisters) {
    Writer w(&out);
    visit(w, c);
    out.blobs["canister/" + id.to_text()] = w.take();
  }
  return out;
}

Result<ReplicatedState> decode_state(const EncodedState& in) {
  ReplicatedState st;
  std::map<Sha256Digest, std::shared_ptr<const Bytes>> modules;
  auto subnet_blob = in.blobs.find("subnet");
  if (subnet_blob == in.blobs.end()) return Error("state: the 'subnet' blob is missing");
  Reader r(subnet_blob->second, in, &modules);
  uint32_t version = 0;
  r.u32(version);
  if (r.ok() && version != kFormatVersion) {
    return Error("state: format version " + std::to_string(version) + ", expected " +
                 std::to_string(kFormatVersion));
  }
  visit_subnet(r, st);
  std::vector<Principal> ids;
  r.seq(ids, [&](Principal& p) { r.principal(p); });
  if (!r.ok()) return Error("state: blob 'subnet': " + r.error());
  if (!r.at_end()) return Error("state: blob 'subnet' has trailing bytes");
  for (const Principal& id : ids) {
    const std::string name = "canister/" + id.to_text();
    auto blob = in.blobs.find(name);
    if (blob == in.blobs.end()) return Error("state: blob '" + name + "' is missing");
    CanisterState c;
    c.id = id;
    Reader cr(blob->second, in, &modules);
    visit(cr, c);
    if (!cr.ok()) return Error("state: blob '" + name + "': " + cr.error());
    if (!cr.at_end()) return Error("state: blob '" + name + "' has trailing bytes");
    if (!st.canisters.emplace(id, std::move(c)).second) return Error("state: canister " + id.to_text() + " twice");
  }
  return st;
}

Sha256Digest state_digest(const ReplicatedState& state) {
  auto& st = const_cast<ReplicatedState&>(state);  // the digester only reads
  Digester d;
  uint64_t n = st.canisters.size();
  d.u64(n);
  for (auto& [id, c] : st.canisters) {
    Principal key = id;
    d.principal(key);
    visit(d, c);
  }
  visit_subnet(d, st);
  return d.finish();
}

}  // namespace chorus::state
