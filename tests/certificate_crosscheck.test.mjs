// Cross-checks certification with the client libraries: a certificate we sign verifies in
// @dfinity/agent's Certificate given our root key (directly and through a delegation), and BLS
// signatures verify both ways with @noble/curves, which agent-js verifies certificates with.
// CERTIFICATE_INTEROP names the certificate_interop test binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Certificate, lookupResultToBuffer } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { bls12_381 } from '@noble/curves/bls12-381';

const bin = process.env.CERTIFICATE_INTEROP;
assert.ok(bin, 'set CERTIFICATE_INTEROP');
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
function ours(...args) {
  try {
    return { ok: true, out: execFileSync(bin, args, { encoding: 'utf8' }).trim() };
  } catch (e) {
    return { ok: false, out: String(e.stdout).trim() };
  }
}

for (const mode of ['root', 'delegated']) {
  test(`a ${mode} certificate we sign verifies in @dfinity/agent`, async () => {
    const now = BigInt(Date.now()) * 1000000n;
    const r = ours('certify', hex(randomBytes(16)), now.toString(), ...(mode === 'delegated' ? ['delegated'] : []));
    assert.ok(r.ok, r.out);
    const [rootKey, certificate, canister] = r.out.split(' ');
    const cert = await Certificate.create({
      certificate: unhex(certificate),
      rootKey: unhex(rootKey),
      canisterId: Principal.fromText(canister),
    });
    const data = lookupResultToBuffer(cert.lookup_path(['canister', Principal.fromText(canister).toUint8Array(), 'certified_data']));
    assert.equal(hex(data), 'cd'.repeat(32));

    // The same certificate under another root key, or with a flipped signature bit, is refused.
    const other = ours('certify', hex(randomBytes(16)), now.toString()).out.split(' ')[0];
    await assert.rejects(Certificate.create({ certificate: unhex(certificate), rootKey: unhex(other), canisterId: Principal.fromText(canister) }));
    const tampered = unhex(certificate);
    // The outer signature: the first "signature" key (text head 0x69), then a 2-byte bytes head.
    const sig = certificate.indexOf('697369676e6174757265') / 2 + 12;
    tampered[sig] ^= 1;
    await assert.rejects(Certificate.create({ certificate: tampered, rootKey: unhex(rootKey), canisterId: Principal.fromText(canister) }));
  });
}

test('a delegated certificate does not cover canisters outside its ranges', async () => {
  const now = BigInt(Date.now()) * 1000000n;
  const [rootKey, certificate] = ours('certify', hex(randomBytes(16)), now.toString(), 'delegated').out.split(' ');
  const outside = Principal.fromUint8Array(unhex('00000000000001f40101'));  // canister index 500
  await assert.rejects(Certificate.create({ certificate: unhex(certificate), rootKey: unhex(rootKey), canisterId: outside }));
});

test('BLS signatures verify both ways with @noble/curves', () => {
  for (let i = 0; i < 8; i++) {
    const msg = randomBytes(1 + i * 11);
    const [pk, sig] = ours('bls-sign', hex(randomBytes(16)), hex(msg)).out.split(' ');
    assert.ok(bls12_381.verifyShortSignature(sig, hex(msg), pk), 'noble accepts ours');
    const sk = bls12_381.utils.randomPrivateKey();
    const nsig = bls12_381.signShortSignature(msg, sk);
    const npk = bls12_381.getPublicKeyForShortSignatures(sk);
    assert.ok(ours('bls-verify', hex(npk), hex(nsig), hex(msg)).ok, 'ours accepts noble');
    const bad = Uint8Array.from(msg);
    bad[0] ^= 1;
    assert.equal(ours('bls-verify', hex(npk), hex(nsig), hex(bad)).ok, false);
    assert.equal(bls12_381.verifyShortSignature(sig, hex(bad), pk), false);
  }
});
