#include "state/checkpoint_manifest.h"

#include <gtest/gtest.h>

namespace chorus::state {
namespace {

Manifest sample() {
  Manifest m;
  m.height = 300;
  m.blobs = {{"canister/a/system", "b-000000.blob"}, {"subnet", "b-000001.blob"}};
  m.memories = {{"canister/a/stable_memory", 65536,
                 {"m-00000000000000000100-000000.base", "m-00000000000000000300-000000.overlay"}},
                {"canister/a/wasm_memory", 2, {"m-00000000000000000300-000001.base"}}};
  for (const char* f : {"b-000000.blob", "b-000001.blob", "m-00000000000000000100-000000.base",
                        "m-00000000000000000300-000000.overlay",
                        "m-00000000000000000300-000001.base"}) {
    ManifestFile file{f, 4096 + std::string(f).size(), sha256(as_bytes(f))};
    m.files.push_back(file);
  }
  return m;
}

// Re-seals |body| (a manifest without its checksum) so that parsing reaches the field checks.
Bytes seal(Bytes body) {
  const Sha256Digest d = sha256(body);
  body.insert(body.end(), d.begin(), d.end());
  return body;
}

TEST(ManifestTest, RoundTripsExactly) {
  const Manifest m = sample();
  ASSERT_TRUE(validate_manifest(m).ok()) << validate_manifest(m).error().message();
  const Bytes bytes = encode_manifest(m);
  auto parsed = parse_manifest(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->height, 300u);
  ASSERT_EQ(parsed->memories.size(), 2u);
  EXPECT_EQ(parsed->memories[0].size_pages, 65536u);
  EXPECT_EQ(parsed->memories[0].layers, m.memories[0].layers);
  EXPECT_EQ(parsed->blobs[1].name, "subnet");
  ASSERT_NE(parsed->find_file("b-000001.blob"), nullptr);
  EXPECT_EQ(parsed->find_file("b-000001.blob")->sha256, m.files[1].sha256);
  EXPECT_EQ(parsed->find_file("nope"), nullptr);
  EXPECT_EQ(encode_manifest(*parsed), bytes);
}

TEST(ManifestTest, DetectsDamageAnywhere) {
  const Bytes bytes = encode_manifest(sample());
  for (size_t i = 0; i < bytes.size(); i += 7) {
    Bytes b = bytes;
    b[i] ^= 0x40;
    EXPECT_FALSE(parse_manifest(b).ok()) << "flip at " << i;
  }
  for (size_t n = 0; n < bytes.size(); n += 5) {
    EXPECT_FALSE(parse_manifest(ByteView(bytes).first(n)).ok()) << "cut at " << n;
  }
  Bytes longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(parse_manifest(longer).ok());
  auto r = parse_manifest(ByteView(bytes).first(bytes.size() - 1));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("checksum"), std::string::npos);
}

TEST(ManifestTest, SealedButMalformedBodiesAreRefused) {
  Bytes body = encode_manifest(sample());
  body.resize(body.size() - 32);
  Bytes b = body;
  b[0] = 'X';
  EXPECT_NE(parse_manifest(seal(b)).error().message().find("magic"), std::string::npos);
  b = body;
  b[8] = 9;
  EXPECT_NE(parse_manifest(seal(b)).error().message().find("version"), std::string::npos);
  b = body;
  b.push_back(1);
  EXPECT_NE(parse_manifest(seal(b)).error().message().find("unexpected bytes"), std::string::npos);
  b = body;
  b[23] = 0xff;  // the blob count's top byte: far more blobs than bytes
  EXPECT_NE(parse_manifest(seal(b)).error().message().find("unexpected end"), std::string::npos);
}

TEST(ManifestTest, ValidationRules) {
  auto fails_with = [](const Manifest& m, const std::string& what) {
    Status s = validate_manifest(m);
    ASSERT_FALSE(s.ok()) << what;
    EXPECT_NE(s.error().message().find(what), std::string::npos) << s.error().message();
  };
  Manifest m = sample();
  std::swap(m.blobs[0], m.blobs[1]);
  fails_with(m, "out of order");
  m = sample();
  std::swap(m.files[0], m.files[1]);
  fails_with(m, "out of order");
  m = sample();
  m.memories[1].name = m.memories[0].name;
  fails_with(m, "out of order or repeated");
  m = sample();
  m.blobs[0].name = "";
  fails_with(m, "invalid blob name");
  m = sample();
  m.memories[0].name = std::string("a\nb");
  fails_with(m, "invalid memory name");
  m = sample();
  m.memories[0].name = std::string(kMaxStateNameBytes + 1, 'a');
  fails_with(m, "invalid memory name");
  m = sample();
  m.files[0].name = "../b-000000.blob";
  fails_with(m, "invalid file name");
  m = sample();
  m.blobs[0].file = "b-000009.blob";
  fails_with(m, "unlisted file");
  m = sample();
  m.memories[1].layers.push_back(m.memories[0].layers[0]);
  fails_with(m, "more than once");
  m = sample();
  m.memories[1].layers.clear();
  fails_with(m, "no layers");
  m = sample();
  m.files.push_back({"zz", 1, {}});
  fails_with(m, "not referenced");

  EXPECT_TRUE(is_valid_file_name("m-1.base"));
  EXPECT_FALSE(is_valid_file_name(".."));
  EXPECT_FALSE(is_valid_file_name("MANIFEST"));
  EXPECT_FALSE(is_valid_file_name("a/b"));
  EXPECT_FALSE(is_valid_file_name(std::string(kMaxFileNameBytes + 1, 'a')));
  EXPECT_TRUE(is_valid_state_name("canister/rwlgt-iiaaa-aaaaa-aaaaa-cai/stable_memory"));
}

}  // namespace
}  // namespace chorus::state
