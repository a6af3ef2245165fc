#include "cli/identity.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <variant>

#include "base/file.h"
#include "crypto/secure_wipe.h"
#include "crypto/signing_key.h"

namespace chorus::cli {

struct Identity::Key {
  std::variant<Ed25519SigningKey, EcdsaSigningKey> key;
};

namespace {

struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct BnFree { void operator()(BIGNUM* p) const { BN_clear_free(p); } };
struct ParamBldFree { void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); } };
struct ParamFree { void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); } };
struct PkeyCtxFree { void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); } };
using Bio = std::unique_ptr<BIO, BioFree>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

Identity Identity::anonymous() { return Identity(Scheme::kAnonymous, nullptr, Bytes()); }

Identity Identity::generate_ed25519() {
  Ed25519SigningKey k = Ed25519SigningKey::generate();
  Bytes der = k.public_key().to_der();
  return Identity(Scheme::kEd25519, std::make_shared<const Key>(Key{k}), std::move(der));
}

Identity Identity::generate_secp256k1() {
  EcdsaSigningKey k = EcdsaSigningKey::generate(EcdsaSigningKey::Curve::kSecp256k1);
  Bytes der = k.public_key().to_der();
  return Identity(Scheme::kSecp256k1, std::make_shared<const Key>(Key{k}), std::move(der));
}

Result<Identity> Identity::from_pem(std::string_view pem) {
  if (pem.empty()) return Error("the PEM file is empty");
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    return Error("the PEM file holds an encrypted key; decrypt it first (e.g. `openssl pkey -in FILE`)");
  }
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) {
    return Error("not a PEM private key (" + openssl_error() +
                 "); expected \"BEGIN PRIVATE KEY\" (Ed25519) or \"BEGIN EC PRIVATE KEY\" (secp256k1)");
  }
  int id = EVP_PKEY_get_base_id(pkey.get());
  if (id == EVP_PKEY_ED25519) {
    Bytes seed(32);
    size_t len = seed.size();
    if (EVP_PKEY_get_raw_private_key(pkey.get(), seed.data(), &len) != 1 || len != 32) {
      return Error("cannot read the Ed25519 private key: " + openssl_error());
    }
    auto k = Ed25519SigningKey::from_seed(seed);
    secure_wipe(seed);
    if (!k.ok()) return k.error();
    Bytes der = k->public_key().to_der();
    return Identity(Scheme::kEd25519, std::make_shared<const Key>(Key{*k}), std::move(der));
  }
  if (id == EVP_PKEY_EC) {
    char group[64] = {0};
    size_t glen = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen) != 1) {
      return Error("cannot read the curve of the EC key: " + openssl_error());
    }
    if (std::string(group) != "secp256k1") {
      return Error("the EC key is on curve " + std::string(group) +
                   "; only secp256k1 EC keys are supported (and Ed25519 keys)");
    }
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1) {
      return Error("cannot read the secp256k1 private key: " + openssl_error());
    }
    std::unique_ptr<BIGNUM, BnFree> bn(raw);
    Bytes secret(32);
    if (BN_bn2binpad(bn.get(), secret.data(), 32) != 32) return Error("secp256k1 private key too large");
    auto k = EcdsaSigningKey::from_secret(EcdsaSigningKey::Curve::kSecp256k1, secret);
    secure_wipe(secret);
    if (!k.ok()) return k.error();
    Bytes der = k->public_key().to_der();
    return Identity(Scheme::kSecp256k1, std::make_shared<const Key>(Key{*k}), std::move(der));
  }
  return Error("unsupported key type in the PEM file (" + std::string(OBJ_nid2sn(id)) +
               "); supported: Ed25519 (PKCS#8) and secp256k1 (SEC1 \"EC PRIVATE KEY\")");
}

std::string Identity::to_pem() const {
  assert(!is_anonymous());
  Pkey pkey;
  if (scheme_ == Scheme::kEd25519) {
    const Bytes& seed = std::get<Ed25519SigningKey>(key_->key).export_seed();
    pkey.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  } else {
    const EcdsaSigningKey& k = std::get<EcdsaSigningKey>(key_->key);
    const Bytes& secret = k.export_secret();
    const Bytes& point = k.public_key().raw();
    std::unique_ptr<BIGNUM, BnFree> priv(BN_bin2bn(secret.data(), static_cast<int>(secret.size()), nullptr));
    std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
    OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "secp256k1", 0);
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get());
    OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* out = nullptr;
    if (ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
        EVP_PKEY_fromdata(ctx.get(), &out, EVP_PKEY_KEYPAIR, params.get()) == 1) {
      pkey.reset(out);
    }
  }
  if (!pkey) return std::string();
  Bio bio(BIO_new(BIO_s_mem()));
  // Ed25519: PKCS#8 "PRIVATE KEY"; secp256k1: the SEC1 "EC PRIVATE KEY" that dfx writes.
  int ok = scheme_ == Scheme::kEd25519
               ? PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr)
               : PEM_write_bio_PrivateKey_traditional(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr,
                                                      nullptr);
  if (ok != 1) return std::string();
  return bio_text(bio.get());
}

Principal Identity::principal() const {
  return is_anonymous() ? Principal::anonymous() : Principal::self_authenticating(public_key_der_);
}

Bytes Identity::sign(ByteView message) const {
  assert(!is_anonymous());
  return std::visit([&](const auto& k) { return k.sign(message); }, key_->key);
}

// --- IdentityStore -------------------------------------------------------------------------------

namespace {

namespace fs = std::filesystem;

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '@';
  });
}

Status write_private_file(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Error("cannot create " + path.parent_path().string() + ": " + ec.message());
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error("cannot write " + tmp.string());
    out << text;
    if (!out.flush()) return Error("cannot write " + tmp.string());
  }
  ::chmod(tmp.c_str(), 0600);
  fs::rename(tmp, path, ec);
  if (ec) return Error("cannot rename " + tmp.string() + ": " + ec.message());
  return ok_status();
}

}  // namespace

Result<IdentityStore> IdentityStore::open(std::string home) {
  if (home.empty()) {
    if (const char* h = std::getenv("CHORUS_HOME"); h != nullptr && *h != 0) {
      home = h;
    } else if (const char* u = std::getenv("HOME"); u != nullptr && *u != 0) {
      home = std::string(u) + "/.config/chorus";
    } else {
      return Error("neither CHORUS_HOME nor HOME is set; set CHORUS_HOME to where identities should live");
    }
  }
  return IdentityStore(std::move(home));
}

Status IdentityStore::ensure_default() {
  fs::path pem = fs::path(home_) / "identity" / "default" / "identity.pem";
  if (fs::exists(pem)) return ok_status();
  return write_private_file(pem, Identity::generate_ed25519().to_pem());
}

Result<Identity> IdentityStore::load(const std::string& name) {
  if (name == "anonymous") return Identity::anonymous();
  if (!valid_name(name)) return Error("'" + name + "' is not a valid identity name (letters, digits, . _ - @)");
  if (name == "default") CHORUS_RETURN_IF_ERROR(ensure_default());
  fs::path pem = fs::path(home_) / "identity" / name / "identity.pem";
  if (!fs::exists(pem)) {
    return Error("no identity '" + name + "' in " + home_ + "/identity; see `chorus identity list`, or create it with `chorus identity new " + name + "`");
  }
  CHORUS_ASSIGN_OR_RETURN(Bytes text, read_file(pem.string(), 1 << 20));
  auto id = Identity::from_pem(as_chars(text));
  secure_wipe(text);
  if (!id.ok()) return id.error().with_context(pem.string());
  return id;
}

std::string IdentityStore::current_name() {
  auto text = read_file((fs::path(home_) / "identity.json").string(), 1 << 16);
  if (text.ok()) {
    auto j = nlohmann::json::parse(as_chars(*text), nullptr, false);
    if (j.is_object() && j.contains("default") && j["default"].is_string()) {
      std::string name = j["default"].get<std::string>();
      if (name == "anonymous" || valid_name(name)) return name;
    }
  }
  return "default";
}

Result<Identity> IdentityStore::current() { return load(current_name()); }

Status IdentityStore::create(const std::string& name, const std::string& scheme) {
  if (scheme != "ed25519" && scheme != "secp256k1") {
    return Error("unknown key type '" + scheme + "'; choose ed25519 or secp256k1");
  }
  Identity id = scheme == "ed25519" ? Identity::generate_ed25519() : Identity::generate_secp256k1();
  return import_pem(name, id.to_pem());
}

Status IdentityStore::import_pem(const std::string& name, std::string_view pem) {
  if (name == "anonymous" || !valid_name(name)) {
    return Error("'" + name + "' is not a valid identity name (letters, digits, . _ - @; not 'anonymous')");
  }
  fs::path file = fs::path(home_) / "identity" / name / "identity.pem";
  if (fs::exists(file)) return Error("identity '" + name + "' exists already; choose another name");
  CHORUS_ASSIGN_OR_RETURN(Identity id, Identity::from_pem(pem));
  // Stored as we write it, so that a file we accepted loads again exactly.
  return write_private_file(file, id.to_pem());
}

Result<std::vector<std::string>> IdentityStore::list() {
  CHORUS_RETURN_IF_ERROR(ensure_default());
  std::vector<std::string> names = {"anonymous"};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(home_) / "identity", ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "identity.pem")) {
      names.push_back(entry.path().filename().string());
    }
  }
  if (ec) return Error("cannot list " + home_ + "/identity: " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

Status IdentityStore::use(const std::string& name) {
  auto id = load(name);
  if (!id.ok()) return id.error();
  nlohmann::json j = {{"default", name}};
  return write_private_file(fs::path(home_) / "identity.json", j.dump() + "\n");
}

Result<std::string> IdentityStore::export_pem(const std::string& name) {
  CHORUS_ASSIGN_OR_RETURN(Identity id, load(name));
  if (id.is_anonymous()) return Error("the anonymous identity has no key to export");
  return id.to_pem();
}

}  // namespace chorus::cli
