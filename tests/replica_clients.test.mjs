// The replica against the real clients, unmodified: @dfinity/agent 3 (v3 call, v2 query and
// read_state) and @icp-sdk/core 6 (v4 call, v3 query and read_state), each with query-signature
// verification on and the root key fetched from /api/v2/status. Both create a canister, install
// a Motoko canister, make update and query calls, read certified canister status, and upgrade a
// canister that keeps its state (enhanced orthogonal persistence).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as dfinityAgent from '@dfinity/agent';
import { IDL as DfinityIDL } from '@dfinity/candid';
import { Principal as DfinityPrincipal } from '@dfinity/principal';
import * as icpAgent from '@icp-sdk/core/agent';
import { IDL as IcpIDL } from '@icp-sdk/core/candid';
import { Principal as IcpPrincipal } from '@icp-sdk/core/principal';
import { Ed25519KeyIdentity } from '@icp-sdk/core/identity';
import { ed25519 } from '@noble/curves/ed25519';
import { startReplica, motokoWasm, managementIdl, counterIdl, stableVarsIdl } from './replica_harness.mjs';

let replica;
before(async () => { replica = await startReplica(); });
after(async () => { await replica.stop(); replica.remove(); });

// An Ed25519 identity on @dfinity/agent's SignIdentity.
class NobleEd25519Identity extends dfinityAgent.SignIdentity {
  constructor(secret) {
    super();
    this.secret = secret;
    this.publicKey = dfinityAgent.Ed25519PublicKey.fromRaw(ed25519.getPublicKey(secret));
  }
  getPublicKey() { return this.publicKey; }
  async sign(blob) { return ed25519.sign(blob, this.secret); }
}

const clients = [
  {
    name: '@dfinity/agent',
    lib: dfinityAgent,
    IDL: DfinityIDL,
    Principal: DfinityPrincipal,
    identity: () => new NobleEd25519Identity(ed25519.utils.randomPrivateKey()),
    endpoints: ['/api/v3/canister/', '/call', '/api/v2/canister/', '/query', '/read_state'],
  },
  {
    name: '@icp-sdk/core',
    lib: icpAgent,
    IDL: IcpIDL,
    Principal: IcpPrincipal,
    identity: () => Ed25519KeyIdentity.generate(),
    endpoints: ['/api/v4/canister/', '/call', '/api/v3/canister/', '/query', '/read_state'],
  },
];

for (const client of clients) {
  const { lib, Principal } = client;
  test(`${client.name}: create, install Motoko, update, query, certified status, upgrade keeping state`, async () => {
    const urls = [];
    const fetchRecording = (input, init) => { urls.push(String(input)); return fetch(input, init); };
    const identity = client.identity();
    const agent = await lib.HttpAgent.create({
      host: replica.url, identity, shouldFetchRootKey: true, fetch: fetchRecording, retryTimes: 0,
    });
    assert.equal(Buffer.from(agent.rootKey).length, 133, 'root key fetched from /api/v2/status');

    const management = (ecid) => lib.Actor.createActor(managementIdl, {
      agent, canisterId: Principal.fromText('aaaaa-aa'), effectiveCanisterId: ecid,
    });
    const create = async () => {
      const { canister_id } = await management(Principal.fromText('aaaaa-aa'))
        .provisional_create_canister_with_cycles({
          amount: [100_000_000_000_000n], settings: [], specified_id: [], sender_canister_version: [],
        });
      return canister_id;
    };
    const install = (canisterId, wasm, mode) => management(canisterId).install_code({
      mode, canister_id: canisterId, wasm_module: wasm, arg: new Uint8Array(DfinityIDL.encode([], [])),
      sender_canister_version: [],
    });

    // The counter: updates change state, queries read it (signatures verified by the agent).
    const counterId = await create();
    const counterWasm = motokoWasm('counter');
    await install(counterId, counterWasm, { install: null });
    const counter = lib.Actor.createActor(counterIdl, { agent, canisterId: counterId });
    assert.equal(await counter.inc(), 1n);
    assert.equal(await counter.inc(), 2n);
    assert.equal(await counter.add(40n), 42n);
    assert.equal(await counter.get(), 42n);
    assert.equal(await counter.describe(), 'count = 42');

    // Certified canister status: module hash and controllers through read_state.
    const status = await lib.CanisterStatus.request({
      canisterId: counterId, agent, paths: ['module_hash', 'controllers', 'time'],
    });
    const expectedHash = createHash('sha256').update(counterWasm).digest('hex');
    assert.equal(status.get('module_hash'), expectedHash);
    const controllers = status.get('controllers').map((p) => p.toText());
    assert.deepEqual(controllers, [identity.getPrincipal().toText()]);
    const time = status.get('time');
    assert.ok(Math.abs(time.getTime() - Date.now()) < 60_000, `certified time ${time} is now`);

    // An upgrade that keeps the state (enhanced orthogonal persistence: keep the main memory).
    const stableId = await create();
    const stableWasm = motokoWasm('stable_vars');
    await install(stableId, stableWasm, { install: null });
    const stable = lib.Actor.createActor(stableVarsIdl, { agent, canisterId: stableId });
    assert.equal(await stable.push('a'), 1n);
    assert.equal(await stable.push('b'), 2n);
    await install(stableId, stableWasm, {
      upgrade: [{ skip_pre_upgrade: [], wasm_memory_persistence: [{ keep: null }] }],
    });
    assert.deepEqual(await stable.all(), ['a', 'b']);
    assert.deepEqual(await stable.counts(), [1n, 0n]);

    // A reject is reported as the client expects (the canister has no such method).
    const wrong = lib.Actor.createActor(({ IDL }) => IDL.Service({ nope: IDL.Func([], [], []) }),
      { agent, canisterId: counterId });
    await assert.rejects(wrong.nope(), /nope|method/i);

    for (const part of client.endpoints) {
      assert.ok(urls.some((u) => u.includes(part)), `${client.name} used ${part}: ${urls.join(' ')}`);
    }
  });

  test(`${client.name}: a tampered root key makes certificate checks fail`, async () => {
    const agent = await lib.HttpAgent.create({ host: replica.url, shouldFetchRootKey: true, retryTimes: 0 });
    // Canister index 0 lies in the subnet's range: /time may be read for it.
    const canisterId = Principal.fromText('rwlgt-iiaaa-aaaaa-aaaaa-cai');
    const good = await lib.CanisterStatus.request({ canisterId, agent, paths: ['time'] });
    assert.ok(good.get('time') instanceof Date, 'the certified time verifies under the real key');
    const key = new Uint8Array(agent.rootKey);
    key[key.length - 1] ^= 1;
    agent.rootKey = key;
    await assert.rejects(lib.CanisterStatus.request({ canisterId, agent, paths: ['time'] })
      .then((m) => { if (!(m.get('time') instanceof Date)) throw new Error('no verified time'); }));
  });
}
