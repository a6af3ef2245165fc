// What things cost, in cycles: the IC's fees for a 13-node application subnet (the interface
// spec leaves them to the implementation; these are the values the IC's developer docs publish
// in "Cycles costs", 2025), and the formulas built on them. Gathered here so that every charge
// in execution comes from one table.
#pragma once

#include <cstdint>

#include "state/canister_state.h"
#include "state/cycles.h"

namespace chorus::execution {

using state::Cycles;

struct CyclesConfig {
  Cycles canister_creation_fee = Cycles(500'000'000'000);  // 500 B
  Cycles update_message_execution_fee = Cycles(5'000'000);  // per message, on the callee
  // 1 cycle per instruction on 13 nodes (1 B cycles per 1 B instructions).
  uint64_t instruction_fee_numerator = 1;
  uint64_t instruction_fee_denominator = 1;
  Cycles xnet_call_fee = Cycles(260'000);           // per call, on the caller
  Cycles xnet_byte_transmission_fee = Cycles(1'000);  // per byte of request
  Cycles ingress_message_reception_fee = Cycles(1'200'000);
  Cycles ingress_byte_reception_fee = Cycles(2'000);
  // 127,000 cycles per GiB per second, i.e. per byte per second this over 2^30.
  uint64_t gib_storage_per_second_fee = 127'000;
  // Compute allocation: 10 M cycles per percent per second.
  uint64_t compute_percent_allocated_per_second_fee = 10'000'000;
  // Reserved when a call is made for executing its response, and refunded after
  // (MAX_CYCLES_PER_RESPONSE: the response execution at the update limit).
  Cycles max_cycles_per_response() const { return execution_cost(kMaxInstructionsPerResponse); }

  // The fee for executing a message of |instructions| instructions.
  Cycles execution_cost(uint64_t instructions) const {
    return update_message_execution_fee + instruction_cost(instructions);
  }
  Cycles instruction_cost(uint64_t instructions) const {
    return Cycles(instructions).times(instruction_fee_numerator).divided_by(instruction_fee_denominator);
  }
  Cycles ingress_induction_cost(uint64_t bytes) const {
    return ingress_message_reception_fee + ingress_byte_reception_fee.times(bytes);
  }
  Cycles xnet_call_cost(uint64_t bytes) const {
    return xnet_call_fee + xnet_byte_transmission_fee.times(bytes);
  }
  // What |bytes| of memory and |compute_allocation| percent cost for |nanos| nanoseconds.
  Cycles storage_cost(uint64_t bytes, uint64_t compute_allocation, uint64_t nanos) const {
    // bytes * fee * seconds / 2^30, computed in 128 bits: bytes * fee < 2^64 * 2^17.
    Cycles per_second = Cycles(static_cast<Cycles::u128>(bytes) * gib_storage_per_second_fee)
                            .divided_by(uint64_t{1} << 30);
    per_second += Cycles(compute_allocation * compute_percent_allocated_per_second_fee);
    return per_second.times(nanos).divided_by(1'000'000'000);
  }
  // idle_cycles_burned_per_day in canister_status: storage and allocation for one day.
  Cycles idle_cycles_burned_per_day(uint64_t bytes, uint64_t compute_allocation) const {
    return storage_cost(bytes, compute_allocation, 86'400'000'000'000);
  }
  // The balance below which a canister is frozen: what it burns idle in freezing_threshold
  // seconds.
  Cycles freezing_limit(uint64_t bytes, uint64_t compute_allocation, uint64_t threshold_seconds) const {
    return storage_cost(bytes, compute_allocation, 0) +
           idle_cycles_burned_per_day(bytes, compute_allocation).times(threshold_seconds).divided_by(86'400);
  }

  static constexpr uint64_t kMaxInstructionsPerResponse = 5'000'000'000;
};

}  // namespace chorus::execution
