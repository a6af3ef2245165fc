#include "http/request_validation.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "crypto/certificate.h"
#include "crypto/public_key.h"
#include "crypto/webauthn.h"
#include "encoding/candid_binary.h"
#include "encoding/candid_types.h"

namespace chorus::http {
namespace {

RequestError bad(std::string message) { return RequestError{kBadRequest, std::move(message)}; }
RequestError forbidden(std::string message) {
  return RequestError{kForbidden, std::move(message)};
}

// The management canister's methods a user may call as ingress (ic-spec-checklist §A.11). Who
// may call each (controllers, subnet admins) depends on the state and is decided by execution.
constexpr std::array<std::string_view, 23> kIngressManagementMethods = {
    "canister_metrics",
    "canister_status",
    "clear_chunk_store",
    "create_canister",
    "delete_canister",
    "delete_canister_snapshot",
    "install_chunked_code",
    "install_code",
    "list_canister_snapshots",
    "load_canister_snapshot",
    "provisional_create_canister_with_cycles",
    "provisional_top_up_canister",
    "read_canister_snapshot_data",
    "read_canister_snapshot_metadata",
    "start_canister",
    "stop_canister",
    "stored_chunks",
    "take_canister_snapshot",
    "uninstall_code",
    "update_settings",
    "upload_canister_snapshot_data",
    "upload_canister_snapshot_metadata",
    "upload_chunk",
};

bool ingress_management_method(std::string_view method) {
  return std::find(kIngressManagementMethods.begin(), kIngressManagementMethods.end(), method) !=
         kIngressManagementMethods.end();
}

// The principal in field |field| of the record that is the first Candid argument of |arg|.
Result<Principal> principal_field(ByteView arg, std::string_view field) {
  CHORUS_ASSIGN_OR_RETURN(candid::Args args, candid::decode_any(arg));
  if (args.values.empty() || !args.values[0].is(candid::ValueKind::kRecord)) {
    return Error("the argument is not a Candid record");
  }
  const candid::Value* v = args.values[0].field(candid::field_hash(field));
  if (v == nullptr || !v->is(candid::ValueKind::kPrincipal)) {
    return Error("the argument has no principal field '" + std::string(field) + "'");
  }
  return v->principal_value();
}

// The effective canister id rules of the spec (ic-spec-checklist §A.10).
HttpResult<bool> check_effective_canister_id(const RequestContent& c, const Principal& ecid,
                                             const ValidationOptions& options) {
  if (c.type == RequestType::kReadState) return true;  // the paths decide; see the header
  if (c.canister_id != Principal::management_canister()) {
    if (c.canister_id != ecid) {
      return bad("the request is for canister " + c.canister_id.to_text() +
                 " but was sent to the endpoint of canister " + ecid.to_text());
    }
    return true;
  }
  const std::string& m = c.method_name;
  std::string_view field = "canister_id";
  if (c.type == RequestType::kCall) {
    if (!ingress_management_method(m)) {
      return bad("the management canister's method '" + m + "' cannot be called by ingress");
    }
    if (m == "provisional_create_canister_with_cycles" && !options.allow_provisional_create) {
      return bad("provisional_create_canister_with_cycles is not available on this instance");
    }
    if (m == "create_canister" || m == "provisional_create_canister_with_cycles") return true;
    if (m == "install_chunked_code") field = "target_canister";
  } else if (m == "list_canisters") {
    return true;
  }
  auto target = principal_field(c.arg, field);
  if (!target.ok()) {
    return bad("management canister method '" + m + "': " + target.error().message());
  }
  if (*target != ecid) {
    return bad("management canister method '" + m + "' is about canister " + target->to_text() +
               " but was sent to the endpoint of canister " + ecid.to_text());
  }
  return true;
}

HttpResult<bool> check_expiry(const RequestContent& c, uint64_t now, const ValidationOptions& o) {
  // Anonymous queries and read_state may carry any expiry (interface spec 0.29).
  if (c.type != RequestType::kCall && c.sender == Principal::anonymous()) return true;
  if (c.ingress_expiry < now) {
    return bad("Invalid request expiry: ingress_expiry " + std::to_string(c.ingress_expiry) +
               " is before the replica's time " + std::to_string(now));
  }
  uint64_t max = now + o.max_ingress_ttl_nanos + o.permitted_drift_nanos;
  if (max < now) max = UINT64_MAX;
  if (c.ingress_expiry > max) {
    return bad("Invalid request expiry: ingress_expiry " + std::to_string(c.ingress_expiry) +
               " is more than " + std::to_string((o.max_ingress_ttl_nanos + o.permitted_drift_nanos) / 1'000'000'000) +
               " s after the replica's time " + std::to_string(now));
  }
  return true;
}

Bytes with_domain(std::string_view domain, ByteView message) {
  Bytes out(domain.begin(), domain.end());
  append(out, message);
  return out;
}

}  // namespace

Status verify_sender_signature(ByteView der_public_key, ByteView payload, ByteView signature,
                               ByteView root_public_key) {
  CHORUS_ASSIGN_OR_RETURN(PublicKey key, PublicKey::from_der(der_public_key));
  switch (key.kind()) {
    case PublicKey::Kind::kEd25519:
    case PublicKey::Kind::kEcdsaP256:
    case PublicKey::Kind::kEcdsaSecp256k1:
      return verify_basic_signature(key, payload, signature);
    case PublicKey::Kind::kWebAuthn:
      return verify_webauthn_signature(key, payload, signature);
    case PublicKey::Kind::kCanisterSignature:
      return verify_canister_signature(key, payload, signature, root_public_key);
    case PublicKey::Kind::kBls12381:
      break;
  }
  return Error("BLS keys do not sign requests");
}

HttpResult<ValidatedRequest> validate(Envelope envelope, const Principal& effective_canister_id,
                                      uint64_t now_nanos, ByteView root_public_key,
                                      const ValidationOptions& options) {
  const RequestContent& c = envelope.content;
  const bool anonymous = c.sender == Principal::anonymous();
  if (anonymous) {
    if (envelope.sender_pubkey || envelope.sender_sig || envelope.sender_delegation) {
      return bad("an anonymous request must not carry sender_pubkey, sender_sig or "
                 "sender_delegation");
    }
    if (c.sender_info) return bad("an anonymous request must not carry sender_info");
  } else if (!envelope.sender_pubkey || !envelope.sender_sig) {
    return bad("a request from " + c.sender.to_text() +
               " needs sender_pubkey and sender_sig (only the anonymous sender 2vxsx-fae signs "
               "nothing)");
  }
  if (auto r = check_expiry(c, now_nanos, options); !r.ok()) return r.error();
  if (auto r = check_effective_canister_id(c, effective_canister_id, options); !r.ok()) {
    return r.error();
  }

  ValidatedRequest out;
  out.effective_canister_id = effective_canister_id;
  if (!anonymous) {
    const Bytes& sender_key = *envelope.sender_pubkey;
    if (Principal::self_authenticating(sender_key) != c.sender) {
      return forbidden("sender " + c.sender.to_text() +
                       " is not the self-authenticating principal of sender_pubkey (" +
                       Principal::self_authenticating(sender_key).to_text() + ")");
    }
    // Walk the chain: each delegation is signed by the key before it, the request by the last.
    std::vector<ByteView> keys{ByteView(sender_key)};
    ByteView signing_key = sender_key;
    if (envelope.sender_delegation) {
      size_t i = 0;
      for (const SignedDelegation& sd : *envelope.sender_delegation) {
        std::string which = "delegation " + std::to_string(i++);
        const Delegation& d = sd.delegation;
        Bytes payload = with_domain(kDelegationDomain, sd.delegation_hash);
        if (auto s = verify_sender_signature(signing_key, payload, sd.signature, root_public_key);
            !s.ok()) {
          return forbidden(which + ": invalid signature: " + s.error().message());
        }
        if (d.expiration < now_nanos) {
          return forbidden(which + " expired at " + std::to_string(d.expiration) +
                           ", before the replica's time " + std::to_string(now_nanos));
        }
        for (ByteView k : keys) {
          if (bytes_equal(k, d.pubkey)) {
            return bad(which + ": its key appears earlier in the chain (cycles are not allowed)");
          }
        }
        if (d.permissions) {
          if (*d.permissions == "queries") {
            out.queries_only = true;
          } else if (*d.permissions != "all") {
            return bad(which + ": unknown permissions '" + *d.permissions + "'");
          }
        }
        if (d.targets) {
          if (!out.targets) {
            out.targets = *d.targets;
          } else {
            std::vector<Principal> kept;
            for (const Principal& p : *out.targets) {
              if (std::find(d.targets->begin(), d.targets->end(), p) != d.targets->end()) {
                kept.push_back(p);
              }
            }
            out.targets = std::move(kept);
          }
        }
        keys.push_back(d.pubkey);
        signing_key = d.pubkey;
      }
    }
    if (out.queries_only && c.type == RequestType::kCall) {
      return forbidden("a delegation restricts this sender to queries, so it cannot call");
    }
    if (out.targets && c.type != RequestType::kReadState &&
        std::find(out.targets->begin(), out.targets->end(), c.canister_id) == out.targets->end()) {
      return forbidden("canister " + c.canister_id.to_text() +
                       " is not among the targets the delegations allow");
    }
    Bytes payload = with_domain(kRequestDomain, envelope.request_id);
    if (auto s = verify_sender_signature(signing_key, payload, *envelope.sender_sig,
                                         root_public_key);
        !s.ok()) {
      return forbidden("invalid sender_sig: " + s.error().message());
    }
    if (c.sender_info) {
      auto key = PublicKey::from_der(sender_key);
      if (!key.ok() || key->kind() != PublicKey::Kind::kCanisterSignature) {
        return bad("sender_info needs a canister-signature sender_pubkey");
      }
      if (!bytes_equal(key->canister_id(), c.sender_info->signer.bytes())) {
        return bad("sender_info.signer is not the canister of sender_pubkey");
      }
      Bytes info_payload = with_domain(kSenderInfoDomain, c.sender_info->info);
      if (auto s = verify_canister_signature(*key, info_payload, c.sender_info->sig,
                                             root_public_key);
          !s.ok()) {
        return forbidden("invalid sender_info.sig: " + s.error().message());
      }
    }
  }
  out.envelope = std::move(envelope);
  return out;
}

state::Ingress to_ingress(const ValidatedRequest& request) {
  const RequestContent& c = request.envelope.content;
  state::Ingress in;
  in.source = c.sender;
  in.receiver = c.canister_id;
  in.method = c.method_name;
  in.payload = c.arg;
  in.message_id = Bytes(request.envelope.request_id.begin(), request.envelope.request_id.end());
  in.expiry = c.ingress_expiry;
  if (c.canister_id == Principal::management_canister()) {
    in.effective_canister_id = request.effective_canister_id;
  }
  return in;
}

}  // namespace chorus::http
