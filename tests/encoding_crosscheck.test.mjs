// Cross-checks our wire formats with the library IC clients use (@dfinity/agent, @dfinity/principal)
// on random inputs, through the `chorus` command a developer would run.
// Usage: node --test tests/encoding_crosscheck.test.mjs  (CHORUS_BIN names the chorus binary)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Principal } from '@dfinity/principal';
import { Cbor, requestIdOf, reconstruct } from '@dfinity/agent';

const chorus = process.env.CHORUS_BIN;
assert.ok(chorus, 'set CHORUS_BIN to the chorus binary');
const run = (...args) => execFileSync(chorus, args, { encoding: 'utf8' });
const hex = (b) => Buffer.from(b).toString('hex');

test('principal text matches @dfinity/principal for random bytes', () => {
  for (let i = 0; i < 60; i++) {
    const bytes = randomBytes(i % 30);
    const expected = Principal.fromUint8Array(bytes).toText();
    const out = run('principal', '--hex', hex(bytes));
    assert.match(out, new RegExp(`^text:  ${expected}$`, 'm'));
    // And back: our parser accepts what the client prints.
    assert.match(run('principal', expected), new RegExp(`^hex:   ${hex(bytes)}$`, 'm'));
  }
});

test('request ids match requestIdOf for random call contents', () => {
  for (let i = 0; i < 40; i++) {
    const content = {
      request_type: 'call',
      sender: Principal.fromUint8Array(randomBytes(29)),
      ingress_expiry: BigInt(Date.now()) * 1000000n + BigInt(i),
      canister_id: Principal.fromUint8Array(randomBytes(10)),
      method_name: `method_${i}`,
      arg: randomBytes(i * 7),
      nonce: randomBytes(16),
      paths: [[randomBytes(3), new TextEncoder().encode('status')], []],
    };
    if (i % 2) delete content.nonce;
    const expected = hex(requestIdOf(content));
    const wire = Cbor.encode({ content, sender_sig: randomBytes(64) });
    assert.equal(run('request-id', hex(wire)).trim(), `0x${expected}`);
  }
});

function randomTree(depth) {
  const r = Math.random();
  if (depth === 0 || r < 0.2) return [3, randomBytes(Math.floor(Math.random() * 40))];
  if (r < 0.3) return [0];
  if (r < 0.4) return [4, randomBytes(32)];
  if (r < 0.7) return [2, randomBytes(1 + Math.floor(Math.random() * 5)), randomTree(depth - 1)];
  return [1, randomTree(depth - 1), randomTree(depth - 1)];
}

test('hash tree digests match reconstruct for random trees', async () => {
  for (let i = 0; i < 40; i++) {
    const tree = randomTree(6);
    const expected = hex(await reconstruct(tree));
    const out = run('hash-tree', hex(Cbor.encode(tree)));
    assert.match(out, new RegExp(`^root: ${expected}$`, 'm'));
  }
});
