// A restart loses nothing a client saw acknowledged. Updates run through @icp-sdk/core (v4 call:
// the acknowledgement is the certified reply); the replica is killed with SIGKILL in the middle
// of the load, restarted on the same state directory (checkpoint + replay of the batch log), and
// the counter must be at least every value any caller was told. A graceful stop (SIGTERM) keeps
// the exact state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpAgent, Actor } from '@icp-sdk/core/agent';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { startReplica, motokoWasm, managementIdl, counterIdl } from './replica_harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function connect(url) {
  const agent = await HttpAgent.create({ host: url, shouldFetchRootKey: true, retryTimes: 0 });
  return agent;
}

async function installCounter(agent) {
  const mgmt = (ecid) => Actor.createActor(managementIdl, { agent, canisterId: Principal.fromText('aaaaa-aa'), effectiveCanisterId: ecid });
  const { canister_id } = await mgmt(Principal.fromText('aaaaa-aa')).provisional_create_canister_with_cycles({
    amount: [], settings: [], specified_id: [], sender_canister_version: [],
  });
  await mgmt(canister_id).install_code({
    mode: { install: null }, canister_id, wasm_module: motokoWasm('counter'),
    arg: new Uint8Array(IDL.encode([], [])), sender_canister_version: [],
  });
  return canister_id;
}

test('kill -9 during a load of updates loses no acknowledged update', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chorus-restart-'));
  // Checkpoints every 100 rounds (the load runs a few hundred): the restart loads one and replays the batches after it.
  const config = join(dir, 'replica.toml');
  writeFileSync(config, '[state]\ncheckpoint_interval = 100\n[consensus]\nidle_round_ms = 20\n');
  let replica = await startReplica({ stateDir: dir, extraArgs: ['--config', config] });
  let agent = await connect(replica.url);
  const id = await installCounter(agent);
  const counter = Actor.createActor(counterIdl, { agent, canisterId: id });

  let maxAcknowledged = 0n;
  let acknowledged = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      try {
        const v = await counter.inc();
        acknowledged++;
        if (v > maxAcknowledged) maxAcknowledged = v;
      } catch {
        return;  // the replica is gone
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  while (acknowledged < 150) await sleep(5);
  const killed = await replica.stop('SIGKILL');
  stop = true;
  await Promise.all(workers);
  assert.equal(killed.signal, 'SIGKILL');
  assert.ok(maxAcknowledged >= 150n, `acknowledged ${maxAcknowledged}`);

  replica = await startReplica({ stateDir: dir, extraArgs: ['--config', config] });
  agent = await connect(replica.url);
  const after = Actor.createActor(counterIdl, { agent, canisterId: id });
  const count = await after.get();
  console.log(`acknowledged ${acknowledged}, max ${maxAcknowledged}, after restart ${count}`);
  assert.ok(count >= maxAcknowledged, `count ${count} after the restart, but ${maxAcknowledged} was acknowledged`);
  assert.match(replica.logs(), /batches_replayed|checkpoint_restored/);

  // It goes on from there, and a graceful stop keeps exactly what was there.
  const next = await after.inc();
  assert.equal(next, count + 1n);
  const stopped = await replica.stop('SIGTERM');
  assert.equal(stopped.code, 0);
  replica = await startReplica({ stateDir: dir, extraArgs: ['--config', config] });
  agent = await connect(replica.url);
  assert.equal(await Actor.createActor(counterIdl, { agent, canisterId: id }).get(), next);
  await replica.stop();
  replica.remove();
});
