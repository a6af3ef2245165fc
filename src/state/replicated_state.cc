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
