// Identities: PEM files round-trip and sign verifiably, foreign keys are refused by name, and the
// store creates, selects, exports and imports them on disk.
#include "cli/identity.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <filesystem>

#include "crypto/public_key.h"

namespace chorus::cli {
namespace {

std::string pem_of(EVP_PKEY* key, bool traditional) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (traditional) {
    PEM_write_bio_PrivateKey_traditional(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n);
  BIO_free(bio);
  return out;
}

// The same key in PKCS#8 form, as the icp CLI writes secp256k1 keys.
std::string as_pkcs8(const std::string& pem) {
  BIO* in = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  std::string out = pem_of(key, false);
  EVP_PKEY_free(key);
  return out;
}

void expect_signs_verifiably(const Identity& id) {
  Bytes message = to_bytes("\x0Aic-request and some id");
  Bytes sig = id.sign(message);
  auto pk = PublicKey::from_der(id.public_key_der());
  ASSERT_TRUE(pk.ok()) << pk.error().message();
  EXPECT_TRUE(verify_basic_signature(*pk, message, sig).ok());
  message[3] ^= 1;
  EXPECT_FALSE(verify_basic_signature(*pk, message, sig).ok());
}

TEST(IdentityTest, Ed25519PemRoundTripsAndSigns) {
  Identity id = Identity::generate_ed25519();
  std::string pem = id.to_pem();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u) << pem;
  auto back = Identity::from_pem(pem);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->principal(), id.principal());
  EXPECT_EQ(back->scheme(), Identity::Scheme::kEd25519);
  EXPECT_EQ(back->to_pem(), pem);
  EXPECT_EQ(id.principal(), Principal::self_authenticating(id.public_key_der()));
  expect_signs_verifiably(*back);
  EXPECT_NE(Identity::generate_ed25519().principal(), id.principal());
}

TEST(IdentityTest, Secp256k1PemRoundTripsInBothForms) {
  Identity id = Identity::generate_secp256k1();
  std::string pem = id.to_pem();
  EXPECT_EQ(pem.rfind("-----BEGIN EC PRIVATE KEY-----", 0), 0u) << pem;
  auto back = Identity::from_pem(pem);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->principal(), id.principal());
  EXPECT_EQ(back->scheme(), Identity::Scheme::kSecp256k1);
  expect_signs_verifiably(*back);
  std::string pkcs8 = as_pkcs8(pem);
  EXPECT_EQ(pkcs8.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  auto from_pkcs8 = Identity::from_pem(pkcs8);
  ASSERT_TRUE(from_pkcs8.ok()) << from_pkcs8.error().message();
  EXPECT_EQ(from_pkcs8->principal(), id.principal());
  // dfx puts an "EC PARAMETERS" block in front of the key.
  auto with_params = Identity::from_pem("-----BEGIN EC PARAMETERS-----\nBgUrgQQACg==\n-----END EC PARAMETERS-----\n" + pem);
  ASSERT_TRUE(with_params.ok()) << with_params.error().message();
  EXPECT_EQ(with_params->principal(), id.principal());
}

TEST(IdentityTest, OtherKeysAndGarbageAreRefusedByName) {
  EVP_PKEY* p256 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(p256, nullptr);
  auto r = Identity::from_pem(pem_of(p256, true));
  EVP_PKEY_free(p256);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("prime256v1"), std::string::npos) << r.error().message();

  EVP_PKEY* rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024});
  ASSERT_NE(rsa, nullptr);
  auto r2 = Identity::from_pem(pem_of(rsa, false));
  EVP_PKEY_free(rsa);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message().find("unsupported key type"), std::string::npos) << r2.error().message();

  for (const char* bad : {"", "hello", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                          "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"}) {
    EXPECT_FALSE(Identity::from_pem(bad).ok()) << bad;
  }
}

TEST(IdentityTest, AnonymousHasTheAnonymousPrincipalAndNoKey) {
  Identity a = Identity::anonymous();
  EXPECT_TRUE(a.is_anonymous());
  EXPECT_EQ(a.principal(), Principal::anonymous());
  EXPECT_TRUE(a.public_key_der().empty());
}

class IdentityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/identity_store_test.XXXXXX";
    home_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(home_); }
  std::string home_;
};

TEST_F(IdentityStoreTest, DefaultIsCreatedOnFirstUseAndStaysTheSame) {
  auto store = IdentityStore::open(home_);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->current_name(), "default");
  auto first = store->current();
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->scheme(), Identity::Scheme::kEd25519);
  EXPECT_TRUE(std::filesystem::exists(home_ + "/identity/default/identity.pem"));
  auto perms = std::filesystem::status(home_ + "/identity/default/identity.pem").permissions();
  EXPECT_EQ(perms & std::filesystem::perms::group_read, std::filesystem::perms::none);
  auto again = IdentityStore::open(home_)->current();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->principal(), first->principal());
}

TEST_F(IdentityStoreTest, CreateUseExportImport) {
  auto store = IdentityStore::open(home_);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(store->create("alice", "secp256k1").ok());
  EXPECT_FALSE(store->create("alice", "ed25519").ok()) << "a duplicate name";
  EXPECT_FALSE(store->create("bad/name", "ed25519").ok());
  EXPECT_FALSE(store->create("anonymous", "ed25519").ok());
  EXPECT_FALSE(store->create("carol", "rsa").ok());
  ASSERT_TRUE(store->use("alice").ok());
  EXPECT_EQ(store->current_name(), "alice");
  EXPECT_EQ(IdentityStore::open(home_)->current_name(), "alice") << "the choice is persisted";
  Status missing = store->use("nobody");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("chorus identity new nobody"), std::string::npos);
  EXPECT_EQ(store->current_name(), "alice") << "a failed use changes nothing";

  auto pem = store->export_pem("alice");
  ASSERT_TRUE(pem.ok());
  ASSERT_TRUE(store->import_pem("bob", *pem).ok());
  EXPECT_EQ(store->load("bob")->principal(), store->load("alice")->principal());
  EXPECT_FALSE(store->import_pem("eve", "not a key").ok());
  EXPECT_FALSE(std::filesystem::exists(home_ + "/identity/eve")) << "a refused import leaves nothing";
  EXPECT_FALSE(store->export_pem("anonymous").ok());

  auto names = store->list();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"alice", "anonymous", "bob", "default"}));
  ASSERT_TRUE(store->use("anonymous").ok());
  EXPECT_TRUE(store->current()->is_anonymous());
}

}  // namespace
}  // namespace chorus::cli
