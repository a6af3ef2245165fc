// Candid records of the management canister (ic.did) that callers outside execution build and
// read too: the StateMachine, the CLI's agent, the replica's tests and benchmark. Header-only, so
// that using them needs no link to the execution library.
#pragma once

#include <optional>

#include "base/bigint.h"
#include "encoding/candid_struct.h"
#include "encoding/principal.h"

namespace chorus::execution {

// `record { canister_id : principal }`: the argument of most methods, the result of creation.
struct CanisterIdRecord {
  Principal canister_id;
  static constexpr char kCandidType[] = "record { canister_id : principal }";
  static Result<CanisterIdRecord> from_candid(const candid::RecordReader& r) {
    CHORUS_ASSIGN_OR_RETURN(Principal id, r.get<Principal>("canister_id"));
    return CanisterIdRecord{id};
  }
  void to_candid(candid::RecordBuilder& b) const { b.add("canister_id", canister_id); }
};

// The argument of provisional_create_canister_with_cycles, without settings (null: defaults).
struct ProvisionalCreate {
  std::optional<BigInt> amount;
  std::optional<Principal> specified_id;
  static constexpr char kCandidType[] = "record { amount : opt nat; specified_id : opt principal }";
  static Result<ProvisionalCreate> from_candid(const candid::RecordReader& r) {
    CHORUS_ASSIGN_OR_RETURN(auto amount, r.get<std::optional<BigInt>>("amount"));
    CHORUS_ASSIGN_OR_RETURN(auto id, r.get<std::optional<Principal>>("specified_id"));
    return ProvisionalCreate{amount, id};
  }
  void to_candid(candid::RecordBuilder& b) const {
    b.add("amount", amount).add("specified_id", specified_id);
  }
};

}  // namespace chorus::execution
