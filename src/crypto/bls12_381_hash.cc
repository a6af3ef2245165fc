#include "crypto/bls12_381_hash.h"

#include <algorithm>

#include "crypto/sha2.h"

namespace chorus::bls12_381 {
namespace {

constexpr size_t kHashBytes = 32;   // b_in_bytes for SHA-256
constexpr size_t kBlockBytes = 64;  // s_in_bytes for SHA-256
constexpr size_t kFieldElementBytes = 64;  // L = ceil((ceil(log2(p)) + k) / 8), k = 128

// Constants of the simplified SWU map for E': y^2 = x^3 + A' x + B' (RFC 9380 section 8.8.1).
constexpr Fp kSswuA = Fp::from_hex(
    "00144698a3b8e9433d693a02c96d4982b0ea985383ee66a8d"
    "8e8981aefd881ac98936f8da0e0f97f5cf428082d584c1d");
constexpr Fp kSswuB = Fp::from_hex(
    "12e2908d11688030018b12e8753eee3b2016c1f0f24f4070a"
    "0b9c14fcef35ef55a23215a316ceaa5d1cc48e98e172be0");
constexpr Fp kSswuZ = Fp::from_u64(11);

// The 11-isogeny map from E' to E, RFC 9380 appendix E.2.
// x_num: k_(1,0) .. k_(1,11).
constexpr std::array<Fp, 12> kIsoXNum = {
    Fp::from_hex("11a05f2b1e833340b809101dd99815856b303e88a2d7005f"
                 "f2627b56cdb4e2c85610c2d5f2e62d6eaeac1662734649b7"),
    Fp::from_hex("17294ed3e943ab2f0588bab22147a81c7c17e75b2f6a8417"
                 "f565e33c70d1e86b4838f2a6f318c356e834eef1b3cb83bb"),
    Fp::from_hex("d54005db97678ec1d1048c5d10a9a1bce032473295983e56"
                 "878e501ec68e25c958c3e3d2a09729fe0179f9dac9edcb0"),
    Fp::from_hex("1778e7166fcc6db74e0609d307e55412d7f5e4656a8dbf25"
                 "f1b33289f1b330835336e25ce3107193c5b388641d9b6861"),
    Fp::from_hex("e99726a3199f4436642b4b3e4118e5499db995a1257fb3f0"
                 "86eeb65982fac18985a286f301e77c451154ce9ac8895d9"),
    Fp::from_hex("1630c3250d7313ff01d1201bf7a74ab5db3cb17dd952799b"
                 "9ed3ab9097e68f90a0870d2dcae73d19cd13c1c66f652983"),
    Fp::from_hex("d6ed6553fe44d296a3726c38ae652bfb11586264f0f8ce19"
                 "008e218f9c86b2a8da25128c1052ecaddd7f225a139ed84"),
    Fp::from_hex("17b81e7701abdbe2e8743884d1117e53356de5ab275b4db1"
                 "a682c62ef0f2753339b7c8f8c8f475af9ccb5618e3f0c88e"),
    Fp::from_hex("80d3cf1f9a78fc47b90b33563be990dc43b756ce79f5574a"
                 "2c596c928c5d1de4fa295f296b74e956d71986a8497e317"),
    Fp::from_hex("169b1f8e1bcfa7c42e0c37515d138f22dd2ecb803a0c5c99"
                 "676314baf4bb1b7fa3190b2edc0327797f241067be390c9e"),
    Fp::from_hex("10321da079ce07e272d8ec09d2565b0dfa7dccdde6787f96"
                 "d50af36003b14866f69b771f8c285decca67df3f1605fb7b"),
    Fp::from_hex("6e08c248e260e70bd1e962381edee3d31d79d7e22c837bc2"
                 "3c0bf1bc24c6b68c24b1b80b64d391fa9c8ba2e8ba2d229"),
};
// x_den: k_(2,0) .. k_(2,9); the polynomial is monic (x'^10).
constexpr std::array<Fp, 10> kIsoXDen = {
    Fp::from_hex("8ca8d548cff19ae18b2e62f4bd3fa6f01d5ef4ba35b48ba9"
                 "c9588617fc8ac62b558d681be343df8993cf9fa40d21b1c"),
    Fp::from_hex("12561a5deb559c4348b4711298e536367041e8ca0cf0800c"
                 "0126c2588c48bf5713daa8846cb026e9e5c8276ec82b3bff"),
    Fp::from_hex("b2962fe57a3225e8137e629bff2991f6f89416f5a718cd1f"
                 "ca64e00b11aceacd6a3d0967c94fedcfcc239ba5cb83e19"),
    Fp::from_hex("3425581a58ae2fec83aafef7c40eb545b08243f16b165515"
                 "4cca8abc28d6fd04976d5243eecf5c4130de8938dc62cd8"),
    Fp::from_hex("13a8e162022914a80a6f1d5f43e7a07dffdfc759a12062bb"
                 "8d6b44e833b306da9bd29ba81f35781d539d395b3532a21e"),
    Fp::from_hex("e7355f8e4e667b955390f7f0506c6e9395735e9ce9cad4d0"
                 "a43bcef24b8982f7400d24bc4228f11c02df9a29f6304a5"),
    Fp::from_hex("772caacf16936190f3e0c63e0596721570f5799af53a1894"
                 "e2e073062aede9cea73b3538f0de06cec2574496ee84a3a"),
    Fp::from_hex("14a7ac2a9d64a8b230b3f5b074cf01996e7f63c21bca68a8"
                 "1996e1cdf9822c580fa5b9489d11e2d311f7d99bbdcc5a5e"),
    Fp::from_hex("a10ecf6ada54f825e920b3dafc7a3cce07f8d1d7161366b7"
                 "4100da67f39883503826692abba43704776ec3a79a1d641"),
    Fp::from_hex("95fc13ab9e92ad4476d6e3eb3a56680f682b4ee96f7d0377"
                 "6df533978f31c1593174e4b4b7865002d6384d168ecdd0a"),
};
// y_num: k_(3,0) .. k_(3,15).
constexpr std::array<Fp, 16> kIsoYNum = {
    Fp::from_hex("90d97c81ba24ee0259d1f094980dcfa11ad138e48a869522"
                 "b52af6c956543d3cd0c7aee9b3ba3c2be9845719707bb33"),
    Fp::from_hex("134996a104ee5811d51036d776fb46831223e96c254f383d"
                 "0f906343eb67ad34d6c56711962fa8bfe097e75a2e41c696"),
    Fp::from_hex("cc786baa966e66f4a384c86a3b49942552e2d658a31ce2c3"
                 "44be4b91400da7d26d521628b00523b8dfe240c72de1f6"),
    Fp::from_hex("1f86376e8981c217898751ad8746757d42aa7b90eeb791c0"
                 "9e4a3ec03251cf9de405aba9ec61deca6355c77b0e5f4cb"),
    Fp::from_hex("8cc03fdefe0ff135caf4fe2a21529c4195536fbe3ce50b87"
                 "9833fd221351adc2ee7f8dc099040a841b6daecf2e8fedb"),
    Fp::from_hex("16603fca40634b6a2211e11db8f0a6a074a7d0d4afadb7bd"
                 "76505c3d3ad5544e203f6326c95a807299b23ab13633a5f0"),
    Fp::from_hex("4ab0b9bcfac1bbcb2c977d027796b3ce75bb8ca2be184cb5"
                 "231413c4d634f3747a87ac2460f415ec961f8855fe9d6f2"),
    Fp::from_hex("987c8d5333ab86fde9926bd2ca6c674170a05bfe3bdd81ff"
                 "d038da6c26c842642f64550fedfe935a15e4ca31870fb29"),
    Fp::from_hex("9fc4018bd96684be88c9e221e4da1bb8f3abd16679dc26c1"
                 "e8b6e6a1f20cabe69d65201c78607a360370e577bdba587"),
    Fp::from_hex("e1bba7a1186bdb5223abde7ada14a23c42a0ca7915af6fe0"
                 "6985e7ed1e4d43b9b3f7055dd4eba6f2bafaaebca731c30"),
    Fp::from_hex("19713e47937cd1be0dfd0b8f1d43fb93cd2fcbcb6caf493f"
                 "d1183e416389e61031bf3a5cce3fbafce813711ad011c132"),
    Fp::from_hex("18b46a908f36f6deb918c143fed2edcc523559b8aaf0c246"
                 "2e6bfe7f911f643249d9cdf41b44d606ce07c8a4d0074d8e"),
    Fp::from_hex("b182cac101b9399d155096004f53f447aa7b12a3426b08ec"
                 "02710e807b4633f06c851c1919211f20d4c04f00b971ef8"),
    Fp::from_hex("245a394ad1eca9b72fc00ae7be315dc757b3b080d4c15801"
                 "3e6632d3c40659cc6cf90ad1c232a6442d9d3f5db980133"),
    Fp::from_hex("5c129645e44cf1102a159f748c4a3fc5e673d81d7e86568d"
                 "9ab0f5d396a7ce46ba1049b6579afb7866b1e715475224b"),
    Fp::from_hex("15e6be4e990f03ce4ea50b3b42df2eb5cb181d8f84965a39"
                 "57add4fa95af01b2b665027efec01c7704b456be69c8b604"),
};
// y_den: k_(4,0) .. k_(4,14); the polynomial is monic (x'^15).
constexpr std::array<Fp, 15> kIsoYDen = {
    Fp::from_hex("16112c4c3a9c98b252181140fad0eae9601a6de578980be6"
                 "eec3232b5be72e7a07f3688ef60c206d01479253b03663c1"),
    Fp::from_hex("1962d75c2381201e1a0cbd6c43c348b885c84ff731c4d59c"
                 "a4a10356f453e01f78a4260763529e3532f6102c2e49a03d"),
    Fp::from_hex("58df3306640da276faaae7d6e8eb15778c4855551ae7f310"
                 "c35a5dd279cd2eca6757cd636f96f891e2538b53dbf67f2"),
    Fp::from_hex("16b7d288798e5395f20d23bf89edb4d1d115c5dbddbcd30e"
                 "123da489e726af41727364f2c28297ada8d26d98445f5416"),
    Fp::from_hex("be0e079545f43e4b00cc912f8228ddcc6d19c9f0f69bbb05"
                 "42eda0fc9dec916a20b15dc0fd2ededda39142311a5001d"),
    Fp::from_hex("8d9e5297186db2d9fb266eaac783182b70152c65550d881c"
                 "5ecd87b6f0f5a6449f38db9dfa9cce202c6477faaf9b7ac"),
    Fp::from_hex("166007c08a99db2fc3ba8734ace9824b5eecfdfa8d0cf8ef"
                 "5dd365bc400a0051d5fa9c01a58b1fb93d1a1399126a775c"),
    Fp::from_hex("16a3ef08be3ea7ea03bcddfabba6ff6ee5a4375efa1f4fd7"
                 "feb34fd206357132b920f5b00801dee460ee415a15812ed9"),
    Fp::from_hex("1866c8ed336c61231a1be54fd1d74cc4f9fb0ce4c6af5920"
                 "abc5750c4bf39b4852cfe2f7bb9248836b233d9d55535d4a"),
    Fp::from_hex("167a55cda70a6e1cea820597d94a84903216f763e13d87bb"
                 "5308592e7ea7d4fbc7385ea3d529b35e346ef48bb8913f55"),
    Fp::from_hex("4d2f259eea405bd48f010a01ad2911d9c6dd039bb61a6290"
                 "e591b36e636a5c871a5c29f4f83060400f8b49cba8f6aa8"),
    Fp::from_hex("accbb67481d033ff5852c1e48c50c477f94ff8aefce42d28"
                 "c0f9a88cea7913516f968986f7ebbea9684b529e2561092"),
    Fp::from_hex("ad6b9514c767fe3c3613144b45f1496543346d98adf02267"
                 "d5ceef9a00d9b8693000763e3b90ac11e99b138573345cc"),
    Fp::from_hex("2660400eb2e4f3b628bdd0d53cd76f2bf565b94e72927c1c"
                 "b748df27942480e420517bd8714cc80d1fadc1326ed06f7"),
    Fp::from_hex("e0fa1d816ddc03e6b24255e0d7819c171c40f65e273b8533"
                 "24efcd6356caa205ca2f570f13497804415473a1d634b8f"),
};

// The homogenised polynomial sum_i coeffs[i] num^i den^(d - i) for a polynomial of degree d in
// x = num / den, that is den^d times its value at x; monic polynomials have an implicit leading
// coefficient 1 (d = N), the others d = N - 1. |den_powers|[k] is den^k. Horner's rule on num.
template <size_t N, size_t M>
Fp eval_poly_projective(const std::array<Fp, N>& coeffs, bool monic, const Fp& num,
                        const std::array<Fp, M>& den_powers) {
  const size_t degree = monic ? N : N - 1;
  Fp acc = monic ? Fp::one() : coeffs[N - 1];
  for (size_t i = degree; i-- > 0;) acc = acc * num + coeffs[i] * den_powers[degree - i];
  return acc;
}

// sqrt_ratio for q = 3 mod 4 (RFC 9380 appendix F.2.1.2): (true, sqrt(u / v)) if u / v is a
// square, else (false, sqrt(Z u / v)), with one exponentiation and no inversion.
bool sqrt_ratio(const Fp& u, const Fp& v, Fp& y) {
  static constexpr Limbs kC1 = detail::div_small(detail::sub_small(detail::kP, 3), 4);
  static const Fp kC2 = *(-kSswuZ).sqrt();
  Fp tv2 = u * v;
  Fp y1 = (v.square() * tv2).pow(kC1) * tv2;
  bool is_qr = y1.square() * v == u;
  y = Fp::select(is_qr, y1, y1 * kC2);
  return is_qr;
}

// map_to_curve_simple_swu, the straight-line form of RFC 9380 appendix F.2, onto E', with x
// left as the fraction x_num / x_den (x_den is never zero) to spare an inversion.
void map_to_isogenous_curve(const Fp& u, Fp& x_num, Fp& x_den, Fp& y) {
  Fp tv1 = kSswuZ * u.square();
  Fp tv2 = tv1.square() + tv1;
  Fp tv3 = kSswuB * (tv2 + Fp::one());
  Fp tv4 = kSswuA * Fp::select(tv2.is_zero(), kSswuZ, -tv2);
  Fp tv6 = tv4.square();
  Fp gx_num = (tv3.square() + kSswuA * tv6) * tv3;
  tv6 = tv6 * tv4;
  gx_num += kSswuB * tv6;  // g(x1) = gx_num / tv6 with x1 = tv3 / tv4
  Fp y1;
  bool is_gx1_square = sqrt_ratio(gx_num, tv6, y1);
  // Otherwise x2 = tv1 x1 and y2 = tv1 u y1, as g(x2) = Z^3 u^6 g(x1).
  x_num = Fp::select(is_gx1_square, tv3, tv1 * tv3);
  x_den = tv4;
  y = Fp::select(is_gx1_square, y1, tv1 * u * y1);
  if (u.sgn0() != y.sgn0()) y = -y;
}

}  // namespace

Result<Bytes> expand_message_xmd_sha256(ByteView msg, ByteView dst, size_t len_in_bytes) {
  Bytes long_dst_hash;
  if (dst.size() > 255) {
    Sha256 h;
    h.update(as_bytes("H2C-OVERSIZE-DST-")).update(dst);
    Sha256Digest d = h.finish();
    long_dst_hash.assign(d.begin(), d.end());
    dst = long_dst_hash;
  }
  size_t ell = (len_in_bytes + kHashBytes - 1) / kHashBytes;
  if (ell > 255 || len_in_bytes > 65535) {
    return Error("expand_message_xmd: " + std::to_string(len_in_bytes) +
                 " bytes requested, more than 255 hash blocks");
  }
  Bytes dst_prime(dst.begin(), dst.end());
  dst_prime.push_back(static_cast<uint8_t>(dst.size()));

  Sha256 h;
  const uint8_t z_pad[kBlockBytes] = {};
  const uint8_t lib_str_and_zero[3] = {static_cast<uint8_t>(len_in_bytes >> 8),
                                       static_cast<uint8_t>(len_in_bytes), 0};
  h.update(z_pad).update(msg).update(lib_str_and_zero).update(dst_prime);
  Sha256Digest b0 = h.finish();

  Bytes out;
  out.reserve(ell * kHashBytes);
  Sha256Digest prev{};  // b_(i-1); strxor(b0, b_0 = zeros) for i = 1 is b0 itself
  for (size_t i = 1; i <= ell; ++i) {
    uint8_t mixed[kHashBytes];
    for (size_t j = 0; j < kHashBytes; ++j) mixed[j] = b0[j] ^ prev[j];
    const uint8_t index = static_cast<uint8_t>(i);
    h.update(mixed).update(ByteView(&index, 1)).update(dst_prime);
    prev = h.finish();
    append(out, prev);
  }
  out.resize(len_in_bytes);
  return out;
}

std::array<Fp, 2> hash_to_field_g1(ByteView msg, ByteView dst) {
  Result<Bytes> uniform = expand_message_xmd_sha256(msg, dst, 2 * kFieldElementBytes);
  // 128 bytes is always within expand_message_xmd's limits.
  ByteView bytes = uniform.value();
  return {Fp::from_bytes_reduce(bytes.subspan(0, kFieldElementBytes)),
          Fp::from_bytes_reduce(bytes.subspan(kFieldElementBytes, kFieldElementBytes))};
}

G1 map_to_curve_g1(const Fp& u) {
  Fp xn, xd, yp;
  map_to_isogenous_curve(u, xn, xd, yp);
  // With x' = xn / xd on E', the isogeny's x = x_num / x_den and y = y' y_num / y_den become
  // ratios of homogenised polynomials: x = XN / (xd XD) and y = y' YN / YD (the powers of xd
  // cancel: degrees 11 over 10, and 15 over 15).
  std::array<Fp, 16> xd_powers;
  xd_powers[0] = Fp::one();
  for (size_t i = 1; i < xd_powers.size(); ++i) xd_powers[i] = xd_powers[i - 1] * xd;
  Fp x_num = eval_poly_projective(kIsoXNum, false, xn, xd_powers);
  Fp x_den = eval_poly_projective(kIsoXDen, true, xn, xd_powers) * xd;
  Fp y_num = eval_poly_projective(kIsoYNum, false, xn, xd_powers);
  Fp y_den = eval_poly_projective(kIsoYDen, true, xn, xd_powers);
  // The isogeny's kernel maps to the identity (section 6.6.3).
  if (x_den.is_zero() || y_den.is_zero()) return G1::identity();
  // Jacobian coordinates without inversions (the conversion of RFC 9380 appendix G.1): with
  // Z = x_den y_den, X / Z^2 = x_num / x_den and Y / Z^3 = y' y_num / y_den.
  Fp y_den2 = y_den.square();
  Fp x_den2 = x_den.square();
  return G1::from_jacobian(x_num * x_den * y_den2, yp * y_num * y_den2 * x_den2 * x_den,
                           x_den * y_den);
}

G1 clear_cofactor_g1(const G1& p) { return p.mul(0xd201000000010001); }

G1 hash_to_g1(ByteView msg, ByteView dst) {
  std::array<Fp, 2> u = hash_to_field_g1(msg, dst);
  return clear_cofactor_g1(map_to_curve_g1(u[0]) + map_to_curve_g1(u[1]));
}

}  // namespace chorus::bls12_381
