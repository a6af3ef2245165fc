// The JS twin of crypto_bench.cc: the same cases, on the same input files, with @noble/curves
// (the BLS12-381 library agent-js verifies certificates with). Prints {case: ns per operation}.
import { readFileSync } from 'node:fs';
import { bls12_381 } from '@noble/curves/bls12-381';
import { measure } from './peer_timing.mjs';

const dir = process.argv[2];
const read = (name) => new Uint8Array(readFileSync(`${dir}/${name}`));
const message = read('message.bin');
const secretKey = read('secret_key.bin');
const publicKey = read('public_key.bin');
const signature = read('signature.bin');
const sharesBytes = read('shares.bin');
const groupKey = read('group_key.bin');

const htf = { DST: 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_' };
const { G1, G2, fields } = bls12_381;
const Fr = fields.Fr;
const p = G1.Point.fromHex(read('pairing_g1.bin'));
const q = G2.Point.fromHex(read('pairing_g2.bin'));

const shares = [];
for (let i = 0; i < sharesBytes.length / 48; i++) {
  shares.push({ index: BigInt(i + 1), point: G1.Point.fromHex(sharesBytes.subarray(48 * i, 48 * (i + 1))) });
}

// Lagrange interpolation at 0, the way a JS client would write it with noble's building blocks:
// lambda_i = prod_{j != i} x_j / (x_j - x_i), one batch inversion, and noble's multi-scalar
// multiplication (Pippenger) for the sum.
function combine(decoded) {
  const xs = decoded.map((s) => s.index);
  const numerators = xs.map((xi) => xs.reduce((acc, xj) => (xj === xi ? acc : Fr.mul(acc, xj)), Fr.ONE));
  const denominators = xs.map((xi) => xs.reduce((acc, xj) => (xj === xi ? acc : Fr.mul(acc, Fr.sub(xj, xi))), Fr.ONE));
  const inverses = Fr.invertBatch(denominators);
  const lambdas = numerators.map((n, i) => Fr.mul(n, inverses[i]));
  return G1.Point.msm(decoded.map((s) => s.point), lambdas).toBytes(true);
}

// The peer must compute what we compute before its times mean anything.
const hex = (b) => Buffer.from(b).toString('hex');
if (hex(bls12_381.signShortSignature(message, secretKey, htf)) !== hex(signature)) {
  throw new Error('noble and chorus disagree on the signature');
}
if (!bls12_381.verifyShortSignature(combine(shares), message, groupKey, htf)) {
  throw new Error('the combined signature does not verify in noble');
}


const results = {
  bls_sign: measure(() => bls12_381.signShortSignature(message, secretKey, htf)),
  bls_verify: measure(() => bls12_381.verifyShortSignature(signature, message, publicKey, htf)),
  pairing: measure(() => bls12_381.pairing(p, q)),
  combine_13_shares: measure(() => combine(shares)),
  hash_to_g1: measure(() => G1.hashToCurve(message, htf)),
};
console.log(JSON.stringify(results));
