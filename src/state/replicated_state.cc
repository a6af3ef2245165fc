#include "state/replicated_state.h"

#include <algorithm>

namespace chorus::state {

bool CanisterState::is_controller(const Principal& p) const {
  return std::find(settings.controllers.begin(), settings.controllers.end(), p) !=
         settings.controllers.end();
}

size_t CanisterState::open_call_contexts() const {
  size_t n = 0;
  for (const auto& [ctx_id, ctx] : call_contexts) {
    if (!ctx.responded && !ctx.deleted) ++n;
  }
  return n;
}

namespace {

// A canonical, length-prefixed encoding fed straight into the hash: every field in declaration
// order, every container with its size first, so that no two different states encode alike.
class Digest {
 public:
  void u8(uint8_t v) { h_.update(ByteView(&v, 1)); }
  void u64(uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    h_.update(ByteView(b, 8));
  }
  void cycles(Cycles c) {
    u64(c.low());
    u64(c.high());
  }
  void bytes(ByteView b) {
    u64(b.size());
    h_.update(b);
  }
  void text(const std::string& s) { bytes(as_bytes(s)); }
  void principal(const Principal& p) { bytes(p.bytes()); }
  void principals(const std::vector<Principal>& ps) {
    u64(ps.size());
    for (const auto& p : ps) principal(p);
  }
  void memory(const wasm::Snapshot& s) {
    u64(s.size_pages());
    s.for_each_nonzero_page([&](uint64_t index, ByteView page) {
      u64(index);
      h_.update(page);
    });
    u64(~uint64_t{0});  // end of pages
  }
  void visibility(const Visibility& v) {
    u8(v.kind);
    principals(v.viewers);
  }
  void origin(const CallOrigin& o) {
    u8(o.kind);
    principal(o.caller);
    bytes(o.message_id);
    u64(o.callback_id);
    u64(o.deadline);
  }
  void closure(const WasmClosure& c) {
    u64(c.func);
    u64(c.env);
  }
  void execution(const ExecutionState& e) {
    bytes(e.module_hash);
    bytes(e.binary_hash);
    bytes(*e.wasm_binary);
    memory(e.wasm_memory);
    memory(e.stable_memory);
    u64(e.globals.size());
    for (uint64_t g : e.globals) u64(g);
  }
  void message(const InputMessage& m) {
    u8(static_cast<uint8_t>(m.index()));
    if (const auto* r = std::get_if<Request>(&m)) {
      principal(r->sender);
      principal(r->receiver);
      text(r->method);
      bytes(r->payload);
      cycles(r->cycles);
      u64(r->sender_callback);
      u64(r->deadline);
    } else if (const auto* s = std::get_if<Response>(&m)) {
      principal(s->originator);
      principal(s->respondent);
      u64(s->originator_callback);
      cycles(s->refund);
      u8(s->is_reply);
      bytes(s->reply);
      u64(s->reject_code);
      text(s->reject_message);
      u64(s->deadline);
    } else {
      const auto& i = std::get<Ingress>(m);
      principal(i.source);
      principal(i.receiver);
      text(i.method);
      bytes(i.payload);
      bytes(i.message_id);
      u64(i.expiry);
      u8(i.effective_canister_id.has_value());
      if (i.effective_canister_id) principal(*i.effective_canister_id);
    }
  }
  void canister(const CanisterState& c) {
    principal(c.id);
    const CanisterSettings& s = c.settings;
    principals(s.controllers);
    u64(s.compute_allocation);
    u64(s.memory_allocation);
    u64(s.freezing_threshold);
    cycles(s.reserved_cycles_limit);
    cycles(s.minimum_incoming_canister_call_cycles);
    visibility(s.log_visibility);
    u64(s.log_memory_limit);
    visibility(s.snapshot_visibility);
    visibility(s.status_visibility);
    u64(s.wasm_memory_limit);
    u64(s.wasm_memory_threshold);
    u64(s.environment_variables.size());
    for (const auto& [k, v] : s.environment_variables) {
      text(k);
      text(v);
    }
    u8(static_cast<uint8_t>(c.status));
    cycles(c.balance);
    cycles(c.reserved_balance);
    u64(c.version);
    bytes(c.certified_data);
    u64(c.global_timer);
    u8(c.execution.has_value());
    if (c.execution) execution(*c.execution);
    u64(c.call_contexts.size());
    for (const auto& [id, ctx] : c.call_contexts) {
      u64(id);
      origin(ctx.origin);
      text(ctx.method);
      u8(ctx.responded);
      u8(ctx.deleted);
      cycles(ctx.available_cycles);
      u64(ctx.instructions_executed);
    }
    u64(c.next_call_context_id);
    u64(c.callbacks.size());
    for (const auto& [id, cb] : c.callbacks) {
      u64(id);
      u64(cb.call_context_id);
      principal(cb.respondent);
      cycles(cb.cycles_sent);
      cycles(cb.prepayment);
      closure(cb.on_reply);
      closure(cb.on_reject);
      u8(cb.on_cleanup.has_value());
      if (cb.on_cleanup) closure(*cb.on_cleanup);
      u64(cb.deadline);
    }
    u64(c.next_callback_id);
    u64(c.input_queue.size());
    for (const auto& m : c.input_queue) message(m);
    u64(c.stop_requests.size());
    for (const auto& r : c.stop_requests) origin(r.origin);
    u64(c.log.records.size());
    for (const auto& r : c.log.records) {
      u64(r.idx);
      u64(r.timestamp_nanos);
      bytes(r.content);
    }
    u64(c.log.next_idx);
    u64(c.history.size());
    for (const auto& h : c.history) {
      u8(h.kind);
      u64(h.timestamp_nanos);
      u64(h.canister_version);
      u8(h.origin_is_user);
      principal(h.origin);
      u64(h.origin_canister_version.value_or(~uint64_t{0}));
      principals(h.controllers);
      u8(h.mode);
      bytes(h.module_hash);
      bytes(h.snapshot_id);
      u64(h.snapshot_taken_at);
      u64(h.snapshot_canister_version);
    }
    u64(c.total_num_changes);
    u64(c.chunk_store.size());
    for (const auto& [hash, chunk] : c.chunk_store) {
      bytes(hash);
      bytes(*chunk);
    }
    u64(c.snapshots.size());
    for (const auto& snap : c.snapshots) {
      bytes(snap.id);
      u64(snap.taken_at_timestamp);
      u64(snap.canister_version);
      execution(snap.execution);
      bytes(snap.certified_data);
      u64(snap.global_timer);
      u64(snap.chunk_store.size());
      for (const auto& [hash, chunk] : snap.chunk_store) bytes(hash);
      u64(snap.total_size);
    }
    u64(c.next_snapshot_index);
    u64(c.storage_charged_until);
    cycles(c.consumed_cycles);
  }

  Sha256Digest finish() { return h_.finish(); }

 private:
  Sha256 h_;
};

}  // namespace

Sha256Digest state_digest(const ReplicatedState& state) {
  Digest d;
  d.u64(state.canisters.size());
  for (const auto& [id, c] : state.canisters) d.canister(c);
  d.u64(state.subnet_queue.size());
  for (const auto& m : state.subnet_queue) d.message(m);
  d.u64(state.ingress_history.size());
  for (const auto& [id, s] : state.ingress_history) {
    d.bytes(id);
    d.u8(s.kind);
    d.principal(s.receiver);
    d.principal(s.user);
    d.u64(s.time_nanos);
    d.bytes(s.reply);
    d.u64(s.reject_code);
    d.text(s.reject_message);
    d.text(s.error_code);
  }
  const SubnetMetadata& m = state.metadata;
  d.principal(m.subnet_id);
  d.u64(m.batch_number);
  d.u64(m.time_nanos);
  d.bytes(m.randomness);
  d.u64(m.next_canister_index);
  d.u64(m.canister_range_start);
  d.u64(m.canister_range_end);
  d.u64(m.raw_rand_counter);
  d.cycles(m.consumed_cycles);
  d.cycles(m.minted_cycles);
  return d.finish();
}

namespace {
Cycles message_cycles(const InputMessage& m) {
  if (const auto* r = std::get_if<Request>(&m)) return r->cycles;
  if (const auto* s = std::get_if<Response>(&m)) return s->refund;
  return Cycles();
}
}  // namespace

Cycles total_cycles_held(const ReplicatedState& state) {
  Cycles total;
  for (const auto& [id, c] : state.canisters) {
    total += c.balance;
    total += c.reserved_balance;
    for (const auto& [cid, ctx] : c.call_contexts) total += ctx.available_cycles;
    for (const auto& [cid, cb] : c.callbacks) total += cb.prepayment;
    for (const auto& m : c.input_queue) total += message_cycles(m);
  }
  for (const auto& m : state.subnet_queue) total += message_cycles(m);
  return total;
}

}  // namespace chorus::state
