// The `icp` CLI (npm @icp-sdk/icp-cli-linux-x64) against the replica as a connected network: the
// URL and root key on the command line, no project. A Motoko counter is installed first with
// @icp-sdk/core; then `icp network ping` and `icp canister call` (update and --query) work on it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { HttpAgent, Actor } from '@icp-sdk/core/agent';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { startReplica, motokoWasm, managementIdl } from './replica_harness.mjs';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const icpBin = join(require.resolve('@icp-sdk/icp-cli-linux-x64/package.json'), '..', 'bin', 'icp');
const home = mkdtempSync(join(tmpdir(), 'chorus-icp-home-'));
const icp = (args) => run(icpBin, args, {
  env: { ...process.env, HOME: home, DO_NOT_TRACK: '1', NO_COLOR: '1' }, timeout: 60_000,
});

let replica;
let rootKeyHex;
let counterId;
before(async () => {
  replica = await startReplica();
  const agent = await HttpAgent.create({ host: replica.url, shouldFetchRootKey: true });
  rootKeyHex = Buffer.from(agent.rootKey).toString('hex');
  const mgmt = (ecid) => Actor.createActor(managementIdl, { agent, canisterId: Principal.fromText('aaaaa-aa'), effectiveCanisterId: ecid });
  ({ canister_id: counterId } = await mgmt(Principal.fromText('aaaaa-aa')).provisional_create_canister_with_cycles({
    amount: [], settings: [], specified_id: [], sender_canister_version: [],
  }));
  await mgmt(counterId).install_code({
    mode: { install: null }, canister_id: counterId, wasm_module: motokoWasm('counter'),
    arg: new Uint8Array(IDL.encode([], [])), sender_canister_version: [],
  });
});
after(async () => { await replica.stop(); replica.remove(); });

test('icp network ping reaches the replica and reports it healthy', async () => {
  const { stdout, stderr } = await icp(['network', 'ping', replica.url]);
  assert.match(stdout + stderr, /healthy/i);
});

test('icp canister call: updates and queries, typed by the candid:service metadata', async () => {
  const network = ['-n', replica.url, '-k', rootKeyHex];
  const first = await icp(['canister', 'call', ...network, counterId.toText(), 'inc', '()']);
  assert.match(first.stdout, /\(1 : nat\)/);
  const added = await icp(['canister', 'call', ...network, counterId.toText(), 'add', '(41)']);
  assert.match(added.stdout, /\(42 : nat\)/);
  const got = await icp(['canister', 'call', ...network, '--query', counterId.toText(), 'describe', '()']);
  assert.match(got.stdout, /\("count = 42"\)/);
});
