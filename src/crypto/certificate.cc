#include "crypto/certificate.h"

#include "crypto/sha2.h"
#include "encoding/cbor.h"

namespace chorus {
namespace {

// The interface spec's DER prefix of BLS12-381 G2 public keys (ic-spec-checklist §A.5).
constexpr uint8_t kBlsDerPrefix[] = {
    0x30, 0x81, 0x82, 0x30, 0x1d, 0x06, 0x0d, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xdc,
    0x7c, 0x05, 0x03, 0x01, 0x02, 0x01, 0x06, 0x0c, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82,
    0xdc, 0x7c, 0x05, 0x03, 0x02, 0x01, 0x03, 0x61, 0x00};

Path path_of(std::initializer_list<ByteView> labels) {
  Path p;
  for (ByteView l : labels) p.emplace_back(l.begin(), l.end());
  return p;
}

// A canister_ranges value: CBOR 55799([* [principal, principal]]).
Result<bool> ranges_contain(ByteView ranges_cbor, const Principal& canister) {
  auto v = cbor::decode(ranges_cbor);
  if (!v) return v.error().with_context("canister ranges");
  CHORUS_ASSIGN_OR_RETURN(const cbor::Array* ranges, v->without_self_describe().as_array("canister ranges"));
  for (const cbor::Value& range : *ranges) {
    CHORUS_ASSIGN_OR_RETURN(const cbor::Array* pair, range.as_array("canister range"));
    if (pair->size() != 2) return Error("canister range is not a pair");
    CHORUS_ASSIGN_OR_RETURN(ByteView lo_bytes, (*pair)[0].as_bytes("range start"));
    CHORUS_ASSIGN_OR_RETURN(ByteView hi_bytes, (*pair)[1].as_bytes("range end"));
    CHORUS_ASSIGN_OR_RETURN(Principal lo, Principal::from_bytes(lo_bytes));
    CHORUS_ASSIGN_OR_RETURN(Principal hi, Principal::from_bytes(hi_bytes));
    if (lo <= canister && canister <= hi) return true;
  }
  return false;
}

// Whether the delegation certificate's ranges for |subnet| contain |canister|: every value under
// /canister_ranges/<subnet>/ (the sharded form), or else /subnet/<subnet>/canister_ranges.
Result<bool> delegation_covers(const HashTree& tree, const Principal& subnet,
                               const Principal& canister) {
  // The child under |label| in the forest below |node|, or nullptr.
  auto child = [](const HashTree& node, ByteView label) -> const HashTree* {
    for (const HashTree* n : flatten_forks(node)) {
      if (n->kind() == HashTree::Kind::kLabeled && bytes_equal(n->label(), label)) {
        return &n->child();
      }
    }
    return nullptr;
  };
  const HashTree* t = child(tree, as_bytes("canister_ranges"));
  if (t != nullptr) t = child(*t, subnet.bytes());
  if (t != nullptr) {
    for (const HashTree* n : flatten_forks(*t)) {
      if (n->kind() == HashTree::Kind::kLabeled && n->child().kind() == HashTree::Kind::kLeaf) {
        CHORUS_ASSIGN_OR_RETURN(bool in, ranges_contain(n->child().value(), canister));
        if (in) return true;
      }
    }
    return false;
  }
  LookupResult flat = lookup_path(
      tree, path_of({as_bytes("subnet"), subnet.bytes(), as_bytes("canister_ranges")}));
  if (flat.kind != LookupResult::Kind::kFound) {
    return Error("delegation certifies no canister ranges for subnet " + subnet.to_text());
  }
  return ranges_contain(flat.value, canister);
}

Status verify_signature_on(const Certificate& c, ByteView key) {
  auto r = bls12_381::verify(c.signature, state_root_message(c.tree), key);
  if (!r.ok()) return r.error().with_context("certificate signature");
  return ok_status();
}

}  // namespace

Bytes state_root_message(const HashTree& tree) {
  Bytes msg = to_bytes(std::string_view("\x0Dic-state-root"));
  append(msg, tree.digest());
  return msg;
}

Result<Certificate> Certificate::decode(ByteView data) {
  auto v = cbor::decode(data);
  if (!v) return v.error().with_context("certificate");
  const cbor::Value& map = v->without_self_describe();
  if (!map.is(cbor::Type::kMap)) return Error("certificate is not a CBOR map");
  const cbor::Value* tree = map.find("tree");
  const cbor::Value* signature = map.find("signature");
  if (tree == nullptr || signature == nullptr) return Error("certificate lacks tree or signature");
  Certificate c;
  CHORUS_ASSIGN_OR_RETURN(c.tree, HashTree::from_cbor(*tree));
  CHORUS_ASSIGN_OR_RETURN(ByteView sig, signature->as_bytes("signature"));
  c.signature.assign(sig.begin(), sig.end());
  if (const cbor::Value* d = map.find("delegation")) {
    const cbor::Value* subnet = d->find("subnet_id");
    const cbor::Value* cert = d->find("certificate");
    if (subnet == nullptr || cert == nullptr) {
      return Error("certificate delegation lacks subnet_id or certificate");
    }
    CHORUS_ASSIGN_OR_RETURN(ByteView subnet_bytes, subnet->as_bytes("subnet_id"));
    CHORUS_ASSIGN_OR_RETURN(ByteView cert_bytes, cert->as_bytes("delegation certificate"));
    CHORUS_ASSIGN_OR_RETURN(Principal subnet_id, Principal::from_bytes(subnet_bytes));
    c.delegation = Delegation{subnet_id, Bytes(cert_bytes.begin(), cert_bytes.end())};
  }
  return c;
}

Bytes Certificate::encode() const {
  using cbor::Value;
  cbor::Map m = {{Value::text("tree"), tree.to_cbor()},
                 {Value::text("signature"), Value::bytes(signature)}};
  if (delegation) {
    m.emplace_back(Value::text("delegation"),
                   Value::map({{Value::text("subnet_id"), Value::bytes(delegation->subnet_id.bytes())},
                               {Value::text("certificate"), Value::bytes(delegation->certificate)}}));
  }
  return cbor::encode_self_described(Value::map(std::move(m)));
}

Status verify_certificate(const Certificate& certificate, ByteView root_public_key,
                          const std::optional<Principal>& canister_id) {
  if (!certificate.delegation) return verify_signature_on(certificate, root_public_key);

  const auto& d = *certificate.delegation;
  auto inner = Certificate::decode(d.certificate);
  if (!inner) return inner.error().with_context("delegation");
  if (inner->delegation) return Error("delegation certificate has a delegation of its own");
  auto inner_ok = verify_signature_on(*inner, root_public_key);
  if (!inner_ok.ok()) return inner_ok.error().with_context("delegation");

  LookupResult key = lookup_path(
      inner->tree, path_of({as_bytes("subnet"), d.subnet_id.bytes(), as_bytes("public_key")}));
  if (key.kind != LookupResult::Kind::kFound) {
    return Error("delegation does not certify a public key for subnet " + d.subnet_id.to_text());
  }
  if (key.value.size() != sizeof(kBlsDerPrefix) + bls12_381::kG2CompressedBytes ||
      !bytes_equal(key.value.subspan(0, sizeof(kBlsDerPrefix)), ByteView(kBlsDerPrefix))) {
    return Error("delegated subnet key is not a DER BLS12-381 key");
  }
  CHORUS_RETURN_IF_ERROR(verify_signature_on(certificate, key.value.subspan(sizeof(kBlsDerPrefix))));

  if (canister_id) {
    CHORUS_ASSIGN_OR_RETURN(bool covered, delegation_covers(inner->tree, d.subnet_id, *canister_id));
    if (!covered) {
      return Error("subnet " + d.subnet_id.to_text() + " is not authorized to certify canister " +
                   canister_id->to_text());
    }
  }
  return ok_status();
}

Certificate sign_certificate(HashTree tree, const bls12_381::SecretKey& key) {
  Certificate c;
  auto sig = key.sign(state_root_message(tree));
  c.signature.assign(sig.begin(), sig.end());
  c.tree = std::move(tree);
  return c;
}

Status verify_canister_signature(const PublicKey& key, ByteView payload, ByteView signature,
                                 ByteView root_public_key) {
  if (key.kind() != PublicKey::Kind::kCanisterSignature) {
    return Error(std::string(kind_name(key.kind())) + " key given for a canister signature");
  }
  CHORUS_ASSIGN_OR_RETURN(Principal canister, Principal::from_bytes(key.canister_id()));
  auto v = cbor::decode(signature);
  if (!v) return v.error().with_context("canister signature");
  const cbor::Value& map = v->without_self_describe();
  const cbor::Value* cert_v = map.find("certificate");
  const cbor::Value* tree_v = map.find("tree");
  if (cert_v == nullptr || tree_v == nullptr) {
    return Error("canister signature lacks certificate or tree");
  }
  CHORUS_ASSIGN_OR_RETURN(ByteView cert_bytes, cert_v->as_bytes("certificate"));
  CHORUS_ASSIGN_OR_RETURN(Certificate cert, Certificate::decode(cert_bytes));
  CHORUS_ASSIGN_OR_RETURN(HashTree tree, HashTree::from_cbor(*tree_v));

  auto cert_ok = verify_certificate(cert, root_public_key, canister);
  if (!cert_ok.ok()) return cert_ok.error().with_context("canister signature");
  if (cert.delegation) {
    auto inner = Certificate::decode(cert.delegation->certificate);
    if (!inner) return inner.error().with_context("canister signature delegation");
    LookupResult type = lookup_path(
        inner->tree,
        path_of({as_bytes("subnet"), cert.delegation->subnet_id.bytes(), as_bytes("type")}));
    if (type.kind != LookupResult::Kind::kFound) {
      return Error("canister signature: the delegation does not certify the subnet's type");
    }
    if (as_chars(type.value) == "cloud_engine") {
      return Error("canister signature: cloud_engine subnets cannot make canister signatures");
    }
  }
  LookupResult certified = lookup_path(
      cert.tree, path_of({as_bytes("canister"), canister.bytes(), as_bytes("certified_data")}));
  if (certified.kind != LookupResult::Kind::kFound ||
      !bytes_equal(certified.value, tree.digest())) {
    return Error("canister signature: the tree is not the canister's certified data");
  }
  CHORUS_RETURN_IF_ERROR(tree.check_well_formed());
  Sha256Digest seed_hash = sha256(key.seed());
  Sha256Digest payload_hash = sha256(payload);
  LookupResult sig = lookup_path(tree, path_of({as_bytes("sig"), seed_hash, payload_hash}));
  if (sig.kind != LookupResult::Kind::kFound || !sig.value.empty()) {
    return Error("canister signature: the canister did not sign this payload with this seed");
  }
  return ok_status();
}

}  // namespace chorus
