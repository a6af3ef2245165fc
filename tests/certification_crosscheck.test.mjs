// Cross-checks certification with the real clients: @dfinity/agent's HttpAgent and @icp-sdk/core's
// HttpAgent send read_state requests (signed by the agent, anonymous) through a fetch stand-in to
// certification_interop, which validates them and answers with certificates of our state tree;
// the agents' own verification (Certificate.create, lookups, canister-range and node-key checks)
// must accept them under our root key and refuse tampered ones. CERTIFICATION_INTEROP names the
// certification_interop binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as dfinity from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import * as icp from '@icp-sdk/core/agent';
import { Principal as IcpPrincipal } from '@icp-sdk/core/principal';
import { ed25519 } from '@noble/curves/ed25519';

const bin = process.env.CERTIFICATION_INTEROP;
assert.ok(bin, 'set CERTIFICATION_INTEROP');
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const utf8 = (s) => new TextEncoder().encode(s);
const nowNanos = () => BigInt(Date.now()) * 1000000n;

// An Ed25519 identity on the agent's SignIdentity (as in request_crosscheck.test.mjs).
class NobleEd25519Identity extends dfinity.SignIdentity {
  constructor(secret) {
    super();
    this.secret = secret;
    this.publicKey = dfinity.Ed25519PublicKey.fromRaw(ed25519.getPublicKey(secret));
  }
  getPublicKey() { return this.publicKey; }
  async sign(blob) { return ed25519.sign(blob, this.secret); }
}

function run(args) {
  try {
    return { ok: true, out: execFileSync(bin, args, { encoding: 'utf8' }).trim() };
  } catch (e) {
    return { ok: false, out: String(e.stdout).trim() };
  }
}

function info() {
  const r = run(['info', nowNanos().toString()]);
  assert.ok(r.ok, r.out);
  const [rootKey, subnet, canister, requestId, certifiedCert] = r.out.split(' ');
  return { rootKey: unhex(rootKey), subnet, canister, requestId: unhex(requestId), certifiedCert: unhex(certifiedCert) };
}

// A fetch that answers read_state with certification_interop; |tamper| may change the body.
function replicaFetch(log, tamper = (b) => b) {
  return async (url, init) => {
    const m = String(url).match(/\/api\/v(\d)\/(canister|subnet)\/([^/]+)\/read_state$/);
    if (!m) return new Response('not here', { status: 404 });
    log.push(String(url));
    const r = run(['read_state', m[2], m[1], m[3], nowNanos().toString(), hex(new Uint8Array(init.body))]);
    if (!r.ok) {
      const [, status, ...msg] = r.out.split(' ');
      return new Response(msg.join(' '), { status: Number(status) });
    }
    const body = tamper(unhex(r.out.split(' ')[1]));
    return new Response(body, { status: 200, headers: { 'Content-Type': 'application/cbor' } });
  };
}

// The certificate inside a read_state response body with one bit of its signature flipped.
function flipSignatureBit(body) {
  const out = new Uint8Array(body);
  // The signature is the last field of the certificate, and the certificate is the last field of
  // the body: the final byte is the signature's.
  out[out.length - 1] ^= 1;
  return out;
}

test('@dfinity/agent: request_status read with HttpAgent verifies and looks up', async () => {
  const i = info();
  const log = [];
  const agent = dfinity.HttpAgent.createSync({
    host: 'http://127.0.0.1:1', fetch: replicaFetch(log), rootKey: i.rootKey,
    identity: new dfinity.AnonymousIdentity(), retryTimes: 0,
  });
  const canister = Principal.fromText(i.canister);
  const { certificate } = await agent.readState(canister, { paths: [[utf8('request_status'), i.requestId]] });
  assert.ok(log.length >= 1);
  const cert = await dfinity.Certificate.create({ certificate, rootKey: i.rootKey, canisterId: canister });
  const status = dfinity.lookupResultToBuffer(cert.lookup_path(['request_status', i.requestId, 'status']));
  assert.equal(new TextDecoder().decode(status), 'replied');
  const reply = dfinity.lookupResultToBuffer(cert.lookup_path(['request_status', i.requestId, 'reply']));
  assert.equal(hex(reply), '4449444c');
  assert.equal(cert.lookup_path(['request_status', i.requestId, 'reject_code']).status, dfinity.LookupPathStatus.Absent);
  const time = dfinity.lookupResultToBuffer(cert.lookup_path(['time']));
  assert.ok(time && time.length > 0);
});

test('@dfinity/agent: CanisterStatus reads controllers, module hash, time and subnet node keys', async () => {
  const i = info();
  const agent = dfinity.HttpAgent.createSync({
    host: 'http://127.0.0.1:1', fetch: replicaFetch([]), rootKey: i.rootKey,
    identity: new dfinity.AnonymousIdentity(), retryTimes: 0,
  });
  const canister = Principal.fromText(i.canister);
  const status = await dfinity.CanisterStatus.request({
    canisterId: canister, agent, paths: ['controllers', 'module_hash', 'time', 'subnet', 'candid'],
  });
  const controllers = status.get('controllers').map((p) => p.toText()).sort();
  assert.deepEqual(controllers, [canister.toText(), Principal.selfAuthenticating(utf8('controller')).toText()].sort());
  assert.equal(status.get('module_hash').length, 64);  // hex of SHA-256
  assert.ok(status.get('time') instanceof Date);
  assert.equal(status.get('candid'), 'service : {}');
  const subnet = status.get('subnet');
  assert.equal(subnet.subnetId, i.subnet);
  assert.equal(subnet.nodeKeys.size, 1);
  // fetchSubnetKeys is what query-signature verification uses.
  const keys = await agent.fetchSubnetKeys(canister);
  assert.equal(keys.nodeKeys.size, 1);
});

test('@dfinity/agent: certified data certificate verifies; tampered ones are refused', async () => {
  const i = info();
  const canister = Principal.fromText(i.canister);
  const cert = await dfinity.Certificate.create({ certificate: i.certifiedCert, rootKey: i.rootKey, canisterId: canister });
  const data = dfinity.lookupResultToBuffer(cert.lookup_path(['canister', canister.toUint8Array(), 'certified_data']));
  assert.equal(hex(data), 'cd'.repeat(32));
  const bad = new Uint8Array(i.certifiedCert);
  bad[bad.length - 1] ^= 1;
  await assert.rejects(dfinity.Certificate.create({ certificate: bad, rootKey: i.rootKey, canisterId: canister }));
  // A changed value under the same signature.
  const at = Buffer.from(i.certifiedCert).indexOf(Buffer.from('cd'.repeat(32), 'hex'));
  assert.ok(at > 0);
  const changed = new Uint8Array(i.certifiedCert);
  changed[at] ^= 0xff;
  await assert.rejects(dfinity.Certificate.create({ certificate: changed, rootKey: i.rootKey, canisterId: canister }));
  // Through the agent: a read_state answer with a flipped signature bit is refused.
  const agent = dfinity.HttpAgent.createSync({
    host: 'http://127.0.0.1:1', fetch: replicaFetch([], flipSignatureBit), rootKey: i.rootKey,
    identity: new dfinity.AnonymousIdentity(), retryTimes: 0,
  });
  await assert.rejects(dfinity.CanisterStatus.request({ canisterId: canister, agent, paths: ['controllers'] }));
});

test('@dfinity/agent: another sender\'s request status is refused by the replica', async () => {
  const i = info();
  const identity = new NobleEd25519Identity(ed25519.utils.randomPrivateKey());
  const agent = dfinity.HttpAgent.createSync({
    host: 'http://127.0.0.1:1', fetch: replicaFetch([]), rootKey: i.rootKey, identity, retryTimes: 0,
  });
  await assert.rejects(agent.readState(Principal.fromText(i.canister), { paths: [[utf8('request_status'), i.requestId]] }),
    /403|sender/);
});

test('@icp-sdk/core: read_state at the canister and subnet endpoints verifies (sharded ranges)', async () => {
  const i = info();
  const log = [];
  const agent = icp.HttpAgent.createSync({
    host: 'http://127.0.0.1:1', fetch: replicaFetch(log), rootKey: i.rootKey,
    identity: new icp.AnonymousIdentity(), retryTimes: 0,
  });
  const canisterId = IcpPrincipal.fromText(i.canister);
  const subnetId = IcpPrincipal.fromText(i.subnet);
  const { verifiedCertificate } = await agent.readState({ canisterId }, {
    paths: [[utf8('request_status'), i.requestId], [utf8('canister'), canisterId.toUint8Array(), utf8('module_hash')]],
  });
  const status = icp.lookupResultToBuffer(verifiedCertificate.lookup_path(['request_status', i.requestId, 'status']));
  assert.equal(new TextDecoder().decode(status), 'replied');
  assert.equal(icp.lookupResultToBuffer(verifiedCertificate.lookup_path(['canister', canisterId.toUint8Array(), 'module_hash'])).length, 32);
  assert.ok(log.some((u) => u.includes('/api/v3/canister/')));
  // The subnet endpoint: node keys and the sharded canister ranges, checked by the library.
  const sub = await agent.readState({ subnetId }, {
    paths: [[utf8('subnet'), subnetId.toUint8Array(), utf8('node')], [utf8('canister_ranges'), subnetId.toUint8Array()]],
  });
  const tree = sub.verifiedCertificate.cert.tree;
  assert.ok(icp.check_canister_ranges({ canisterId, subnetId, tree }));
  const outside = IcpPrincipal.fromUint8Array(new Uint8Array([0, 0, 0, 0, 0, 0x20, 0, 0, 1, 1]));
  assert.equal(icp.check_canister_ranges({ canisterId: outside, subnetId, tree }), false);
  const keys = await agent.fetchSubnetKeys(canisterId);
  assert.ok(keys);
});

test('@icp-sdk/core: a tampered certificate is refused', async () => {
  const i = info();
  const canisterId = IcpPrincipal.fromText(i.canister);
  const cert = await icp.Certificate.create({ certificate: i.certifiedCert, rootKey: i.rootKey, principal: { canisterId } });
  assert.equal(hex(icp.lookupResultToBuffer(cert.lookup_path(['canister', canisterId.toUint8Array(), 'certified_data']))), 'cd'.repeat(32));
  const bad = new Uint8Array(i.certifiedCert);
  bad[bad.length - 1] ^= 1;
  await assert.rejects(icp.Certificate.create({ certificate: bad, rootKey: i.rootKey, principal: { canisterId } }));
});
