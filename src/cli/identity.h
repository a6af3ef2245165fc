// Developer identities: the key a `chorus` command signs its requests with, stored as PEM files
// that dfx and the icp CLI read and write too (Ed25519 PKCS#8, secp256k1 SEC1).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "encoding/principal.h"

namespace chorus::cli {

class Identity {
 public:
  enum class Scheme { kAnonymous, kEd25519, kSecp256k1 };

  static Identity anonymous();
  // PEM files as dfx and the icp CLI write them: Ed25519 PKCS#8 ("BEGIN PRIVATE KEY") and
  // secp256k1 SEC1 ("BEGIN EC PRIVATE KEY", curve secp256k1). Refuses other keys with a message.
  static Result<Identity> from_pem(std::string_view pem);
  static Identity generate_ed25519();
  static Identity generate_secp256k1();

  // The key as a PEM file in the form from_pem reads. REQUIRES: !is_anonymous()
  std::string to_pem() const;
  bool is_anonymous() const { return scheme_ == Scheme::kAnonymous; }
  Scheme scheme() const { return scheme_; }
  // The anonymous principal, or the self-authenticating one of the public key.
  Principal principal() const;
  // Empty for the anonymous identity.
  const Bytes& public_key_der() const { return public_key_der_; }
  // A signature the replica verifies under public_key_der(). REQUIRES: !is_anonymous()
  Bytes sign(ByteView message) const;

 private:
  struct Key;
  Identity(Scheme scheme, std::shared_ptr<const Key> key, Bytes der)
      : scheme_(scheme), key_(std::move(key)), public_key_der_(std::move(der)) {}
  Scheme scheme_ = Scheme::kAnonymous;
  std::shared_ptr<const Key> key_;  // immutable, so copies may share it
  Bytes public_key_der_;
};

// The identity store: $CHORUS_HOME (default ~/.config/chorus)/identity/<name>/identity.pem and
// identity.json {"default": name}; a "default" Ed25519 identity is created on first use.
class IdentityStore {
 public:
  // |home| empty: $CHORUS_HOME, else $HOME/.config/chorus. Creates nothing yet.
  static Result<IdentityStore> open(std::string home = "");

  const std::string& home() const { return home_; }
  // The identity called |name| ("anonymous" is built in and has no file).
  Result<Identity> load(const std::string& name);
  // The identity `use` selected last (creating "default" on first use).
  Result<Identity> current();
  std::string current_name();
  // Refuses a name that exists or is not [A-Za-z0-9._-]+; |scheme| is ed25519 or secp256k1.
  Status create(const std::string& name, const std::string& scheme);
  Status import_pem(const std::string& name, std::string_view pem);
  // Names in sorted order, "anonymous" included.
  Result<std::vector<std::string>> list();
  Status use(const std::string& name);
  Result<std::string> export_pem(const std::string& name);

 private:
  explicit IdentityStore(std::string home) : home_(std::move(home)) {}
  Status ensure_default();
  std::string home_;
};

}  // namespace chorus::cli
