// Starts a real `chorus-replica` process for the end-to-end tests (CHORUS_REPLICA names the
// binary; ctest sets it) on a free port with a fresh state directory, and stops it. The Motoko
// canisters come from the build tree (CHORUS_MOTOKO_DIR).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

export const replicaBin = process.env.CHORUS_REPLICA;
export const motokoDir = process.env.CHORUS_MOTOKO_DIR;
assert.ok(replicaBin, 'set CHORUS_REPLICA to the chorus-replica binary');

export function motokoWasm(name) {
  assert.ok(motokoDir, 'set CHORUS_MOTOKO_DIR');
  return new Uint8Array(readFileSync(join(motokoDir, `${name}.wasm`)));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A replica on a free port. |stateDir| reuses a state directory (a restart).
export async function startReplica({ stateDir, extraArgs = [] } = {}) {
  const dir = stateDir ?? mkdtempSync(join(tmpdir(), 'chorus-replica-'));
  const portFile = join(dir, `port-${process.pid}-${Date.now()}`);
  const proc = spawn(replicaBin, ['--state-dir', join(dir, 'state'), '--port', '0', '--port-file', portFile,
    '--log', join(dir, 'replica.log'), '--log-format', 'json', ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  let exited = null;
  proc.on('exit', (code, signal) => { exited = { code, signal }; });
  for (let i = 0; i < 600 && !existsSync(portFile); i++) {
    if (exited) throw new Error(`chorus-replica exited (${JSON.stringify(exited)}): ${stderr}`);
    await sleep(25);
  }
  assert.ok(existsSync(portFile), `chorus-replica did not start: ${stderr}`);
  const port = Number(readFileSync(portFile, 'utf8').trim());
  const url = `http://127.0.0.1:${port}`;
  return {
    dir, url, port, proc,
    logs: () => (existsSync(join(dir, 'replica.log')) ? readFileSync(join(dir, 'replica.log'), 'utf8') : ''),
    // SIGTERM (graceful) or SIGKILL (a crash); resolves when the process is gone.
    async stop(signal = 'SIGTERM') {
      if (exited) return exited;
      const done = new Promise((r) => proc.on('exit', (code, sig) => r({ code, signal: sig })));
      proc.kill(signal);
      return done;
    },
    remove() { rmSync(dir, { recursive: true, force: true }); },
  };
}

// The management canister's methods the tests use, as the ic.did types them (partially: the
// records' other fields are optional).
export const managementIdl = ({ IDL }) => {
  const settings = IDL.Record({ controllers: IDL.Opt(IDL.Vec(IDL.Principal)) });
  const mode = IDL.Variant({
    install: IDL.Null,
    reinstall: IDL.Null,
    upgrade: IDL.Opt(IDL.Record({
      skip_pre_upgrade: IDL.Opt(IDL.Bool),
      wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })),
    })),
  });
  return IDL.Service({
    provisional_create_canister_with_cycles: IDL.Func(
      [IDL.Record({ amount: IDL.Opt(IDL.Nat), settings: IDL.Opt(settings), specified_id: IDL.Opt(IDL.Principal),
        sender_canister_version: IDL.Opt(IDL.Nat64) })],
      [IDL.Record({ canister_id: IDL.Principal })], []),
    install_code: IDL.Func(
      [IDL.Record({ mode, canister_id: IDL.Principal, wasm_module: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8),
        sender_canister_version: IDL.Opt(IDL.Nat64) })],
      [], []),
  });
};

export const counterIdl = ({ IDL }) => IDL.Service({
  inc: IDL.Func([], [IDL.Nat], []),
  add: IDL.Func([IDL.Nat], [IDL.Nat], []),
  get: IDL.Func([], [IDL.Nat], ['query']),
  describe: IDL.Func([], [IDL.Text], ['query']),
});

export const stableVarsIdl = ({ IDL }) => IDL.Service({
  push: IDL.Func([IDL.Text], [IDL.Nat], []),
  all: IDL.Func([], [IDL.Vec(IDL.Text)], ['query']),
  counts: IDL.Func([], [IDL.Nat, IDL.Nat], ['query']),
});
