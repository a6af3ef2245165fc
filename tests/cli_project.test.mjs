// The `chorus` CLI driven as a user would, in a fresh folder with its own CHORUS_HOME:
// new → start --background → deploy → call → change the source → deploy (an upgrade that keeps
// state) → stop → start → call (state kept, now from the replica's disk) → stop. Once for a
// Motoko project and once for a C++ one. CHORUS_BIN is the chorus binary of the build tree; the
// replica is found next to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const chorusBin = process.env.CHORUS_BIN;
assert.ok(chorusBin, 'CHORUS_BIN must name the chorus binary');

// Runs chorus in cwd; resolves with {code, stdout, stderr} whatever the exit code.
function chorus(cwd, home, args) {
  return new Promise((resolve) => {
    execFile(chorusBin, args, { cwd, env: { ...process.env, CHORUS_HOME: home }, timeout: 240_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr });
      });
  });
}

async function ok(cwd, home, args) {
  const r = await chorus(cwd, home, args);
  assert.equal(r.code, 0, `chorus ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function lifecycle(type, source) {
  const base = mkdtempSync(join(tmpdir(), `chorus-cli-${type}-`));
  const home = join(base, 'home');
  const dir = join(base, 'demo');
  try {
    // Outside a project: deploy says what to do.
    const outside = await chorus(base, home, ['deploy']);
    assert.notEqual(outside.code, 0);
    assert.match(outside.stderr, /chorus new/);

    await ok(base, home, ['new', 'demo', '--type', type]);
    assert.ok(existsSync(join(dir, 'chorus.toml')));

    const started = await ok(dir, home, ['start', '--background', '--port', '0']);
    const info = JSON.parse(readFileSync(join(dir, '.chorus/network.json'), 'utf8'));
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(started.includes(info.url), started);
    assert.match(info.root_key, /^[0-9a-f]{266}$/);  // 133 bytes of DER BLS key

    // A second start is refused with the way out.
    const twice = await chorus(dir, home, ['start', '--background', '--port', '0']);
    assert.notEqual(twice.code, 0);
    assert.match(twice.stderr, /already runs.*chorus stop/);

    const status = await ok(dir, home, ['status']);
    assert.match(status, /running/);
    assert.ok(status.includes(info.url));

    const deployed = await ok(dir, home, ['deploy']);
    assert.match(deployed, /backend\s+\S+-cai \(installed\)/);
    const ids = JSON.parse(readFileSync(join(dir, '.chorus/canister_ids.json'), 'utf8'));
    const id = ids.local.backend;
    assert.match(id, /-cai$/);
    assert.ok(deployed.includes('chorus canister call backend greet'), deployed);

    assert.match(await ok(dir, home, ['canister', 'call', 'backend', 'greet', '("world")']), /Hello, world!/);
    await ok(dir, home, ['canister', 'call', 'backend', 'inc']);
    assert.match(await ok(dir, home, ['canister', 'call', 'backend', 'inc']), /\b2\b/);
    // By id as well as by name.
    assert.match(await ok(dir, home, ['canister', 'call', id, 'get']), /\b2\b/);

    // Unchanged: nothing to install.
    assert.match(await ok(dir, home, ['deploy']), /\(unchanged\)/);

    // Change the code: an upgrade that keeps the count.
    const file = join(dir, source);
    const code = readFileSync(file, 'utf8');
    assert.ok(code.includes('"!"'));
    writeFileSync(file, code.replace('"!"', '"!!"'));
    assert.match(await ok(dir, home, ['deploy']), /backend\s+\S+ \(upgraded\)/);
    assert.match(await ok(dir, home, ['canister', 'call', 'backend', 'greet', '("world")']), /Hello, world!!/);
    assert.match(await ok(dir, home, ['canister', 'call', 'backend', 'get']), /\b2\b/);

    assert.match(await ok(dir, home, ['stop']), /stopped/);
    assert.ok(!existsSync(join(dir, '.chorus/network.json')));
    const down = await chorus(dir, home, ['status']);
    assert.equal(down.code, 3);
    assert.match(down.stdout, /not running/);
    const call = await chorus(dir, home, ['canister', 'call', 'backend', 'get']);
    assert.notEqual(call.code, 0);
    assert.match(await ok(dir, home, ['stop']), /no local network/);

    // The state is on disk: after a restart the canister and its count are still there.
    await ok(dir, home, ['start', '--background', '--port', '0']);
    assert.match(await ok(dir, home, ['canister', 'call', 'backend', 'inc']), /\b3\b/);
    assert.match(await ok(dir, home, ['canister', 'call', 'backend', 'greet', '("again")']), /Hello, again!!/);
    await ok(dir, home, ['stop']);

    // --clean forgets the canisters with the state.
    await ok(dir, home, ['start', '--background', '--port', '0', '--clean']);
    const cleaned = JSON.parse(readFileSync(join(dir, '.chorus/canister_ids.json'), 'utf8'));
    assert.equal(cleaned.local, undefined);
    assert.match(await ok(dir, home, ['deploy']), /\(installed\)/);
    assert.match(await ok(dir, home, ['canister', 'call', 'backend', 'get']), /\b0\b/);
    await ok(dir, home, ['stop']);
  } finally {
    await chorus(dir, home, ['stop']);
    rmSync(base, { recursive: true, force: true });
  }
}

test('a Motoko project: new, start, deploy, call, upgrade, stop, start, call', { timeout: 600_000 }, async () => {
  await lifecycle('motoko', 'src/backend/main.mo');
});

test('a C++ project: new, start, deploy, call, upgrade, stop, start, call', { timeout: 600_000 }, async () => {
  await lifecycle('cpp', 'src/backend/main.cc');
});

test('chorus.toml errors name the line', async () => {
  const base = mkdtempSync(join(tmpdir(), 'chorus-cli-toml-'));
  try {
    writeFileSync(join(base, 'chorus.toml'), '[canisters.a]\ntype = "motoko"\nmain = "a.mo"\nmian = "b"\n');
    const r = await chorus(base, join(base, 'home'), ['build']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /chorus\.toml:4: unknown key 'mian'/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
