// Certificates (interface spec, "Certification"): a hash tree, a BLS signature on its root, and
// optionally a delegation from the root subnet to the subnet that signed. Clients verify them;
// the replica makes them; canister signatures are built from them.
#pragma once

#include <optional>

#include "base/bytes.h"
#include "crypto/bls12_381_signature.h"
#include "crypto/public_key.h"
#include "encoding/hash_tree.h"
#include "encoding/principal.h"

namespace chorus {

struct Certificate {
  struct Delegation {
    Principal subnet_id;
    Bytes certificate;  // a CBOR certificate, itself without delegation
  };

  HashTree tree;
  Bytes signature;  // BLS, 48 bytes
  std::optional<Delegation> delegation;

  // The CBOR form 55799({tree, signature, ?delegation}); decoding refuses missing or mistyped
  // fields and anything beyond cbor::DecodeLimits' defaults.
  static Result<Certificate> decode(ByteView cbor);
  Bytes encode() const;
};

// The bytes a certificate's signature signs: "\x0Dic-state-root" · root digest.
Bytes state_root_message(const HashTree& tree);

// verify_cert and check_delegation of the spec. |root_public_key| is the 96-byte BLS key. With a
// delegation: the delegation's certificate verifies under the root key, has no delegation of its
// own, and certifies /subnet/<id>/public_key, under which this certificate verifies; and when
// |canister_id| is given, the delegation's canister ranges (sharded /canister_ranges/<id>/… first,
// then the flat /subnet/<id>/canister_ranges) contain it.
Status verify_certificate(const Certificate& certificate, ByteView root_public_key,
                          const std::optional<Principal>& canister_id = std::nullopt);

// A certificate over |tree| signed by |key|, without delegation: what a root subnet issues.
Certificate sign_certificate(HashTree tree, const bls12_381::SecretKey& key);

// Canister signatures (interface spec, "Canister signatures"): |signature| is
// 55799({certificate, tree}); valid when the certificate verifies under |root_public_key| for the
// signing canister, certifies reconstruct(tree) as the canister's certified data, and the tree
// (well-formed) has /sig/SHA-256(seed)/SHA-256(payload) = "". A delegated certificate must come
// from a subnet whose type is present and not cloud_engine.
Status verify_canister_signature(const PublicKey& key, ByteView payload, ByteView signature,
                                 ByteView root_public_key);

}  // namespace chorus
