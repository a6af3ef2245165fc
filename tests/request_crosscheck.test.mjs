// Cross-checks the request path with the real client: @dfinity/agent's HttpAgent builds and signs
// call and read_state envelopes (its own request encoding, nonce, expiry and SignIdentity
// transform), a fetch stand-in captures the bodies it would send, and request_interop must accept
// them with the request id the agent computed. REQUEST_INTEROP names the request_interop binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  AnonymousIdentity, Ed25519PublicKey, HttpAgent, SignIdentity, requestIdOf,
} from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { ed25519 } from '@noble/curves/ed25519';

const bin = process.env.REQUEST_INTEROP;
assert.ok(bin, 'set REQUEST_INTEROP');
const hex = (b) => Buffer.from(b).toString('hex');

// An Ed25519 identity on the agent's SignIdentity (what @dfinity/identity's Ed25519KeyIdentity is).
class NobleEd25519Identity extends SignIdentity {
  constructor(secret) {
    super();
    this.secret = secret;
    this.publicKey = Ed25519PublicKey.fromRaw(ed25519.getPublicKey(secret));
  }
  getPublicKey() { return this.publicKey; }
  async sign(blob) { return ed25519.sign(blob, this.secret); }
}

function ours(type, ecid, body, nowNanos = BigInt(Date.now()) * 1000000n) {
  try {
    return { ok: true, out: execFileSync(bin, [type, ecid, String(nowNanos), hex(body)], { encoding: 'utf8' }).trim() };
  } catch (e) {
    return { ok: false, out: String(e.stdout).trim() };
  }
}

// An agent whose fetch records each request and answers 202 (call accepted).
function capturingAgent(identity) {
  const sent = [];
  const fetch = async (url, init) => {
    sent.push({ url: String(url), body: new Uint8Array(init.body) });
    return new Response(null, { status: 202, statusText: 'Accepted' });
  };
  const agent = HttpAgent.createSync({ host: 'http://127.0.0.1:1', fetch, identity, retryTimes: 0 });
  return { agent, sent };
}

const canister = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');

for (const [name, makeIdentity] of [
  ['ed25519', () => new NobleEd25519Identity(ed25519.utils.randomPrivateKey())],
  ['anonymous', () => new AnonymousIdentity()],
]) {
  test(`${name}: a call built and signed by HttpAgent validates with the agent's request id`, async () => {
    const identity = makeIdentity();
    const { agent, sent } = capturingAgent(identity);
    const arg = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 1, 0x71, 3, 0x61, 0x62, 0x63]);
    const result = await agent.call(canister, { methodName: 'greet', arg, callSync: false });
    const call = sent.find((s) => s.url.includes('/call'));
    assert.ok(call, `no call request among ${sent.map((s) => s.url)}`);
    const r = ours('call', canister.toText(), call.body);
    assert.ok(r.ok, r.out);
    const [, requestId, sender] = r.out.split(' ');
    assert.equal(requestId, hex(result.requestId));
    assert.equal(sender, identity.getPrincipal().toText());
  });
}

test('a tampered agent envelope is refused with 403', async () => {
  const identity = new NobleEd25519Identity(ed25519.utils.randomPrivateKey());
  const { agent, sent } = capturingAgent(identity);
  await agent.call(canister, { methodName: 'greet', arg: new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0]), callSync: false });
  const body = sent.find((s) => s.url.includes('/call')).body;
  // The method name "greet" appears once in the body; change one letter.
  const i = Buffer.from(body).indexOf('greet');
  assert.ok(i > 0);
  body[i] = 'G'.charCodeAt(0);
  const r = ours('call', canister.toText(), body);
  assert.ok(!r.ok);
  assert.match(r.out, /^error 403 invalid sender_sig/);
});

test('an agent call sent to another canister endpoint or too late is refused with 400', async () => {
  const identity = new NobleEd25519Identity(ed25519.utils.randomPrivateKey());
  const { agent, sent } = capturingAgent(identity);
  await agent.call(canister, { methodName: 'greet', arg: new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0]), callSync: false });
  const body = sent.find((s) => s.url.includes('/call')).body;
  const other = ours('call', 'ryjl3-tyaaa-aaaaa-aaaba-cai', body);
  assert.match(other.out, /^error 400 .*endpoint of canister/);
  const late = ours('call', canister.toText(), body, (BigInt(Date.now()) + 3600000n) * 1000000n);
  assert.match(late.out, /^error 400 Invalid request expiry: /);
});

test('a read_state built by HttpAgent validates with the agent\'s request id', async () => {
  const identity = new NobleEd25519Identity(ed25519.utils.randomPrivateKey());
  const { agent, sent } = capturingAgent(identity);
  const paths = [[new TextEncoder().encode('request_status'), randomBytes(32)]];
  const request = await agent.createReadStateRequest({ paths }, identity);
  const body = (await import('@dfinity/agent')).Cbor.encode(request.body);
  const r = ours('read_state', canister.toText(), body);
  assert.ok(r.ok, r.out);
  assert.equal(r.out.split(' ')[1], hex(requestIdOf(request.body.content)));
  assert.equal(sent.length, 0);
});
