// Builds the Azle canister of this folder with the npm package azle, which needs no download:
// its canister template (a Rust-built Wasm with a JavaScript engine) ships in the package, and
// the build bundles the TypeScript with esbuild and appends it to the template's data.
//
//   OUT/azle_counter.wasm, OUT/azle_counter.did
//
// Usage: node build.mjs --out DIR   (CMake runs it). Azle works in a dfx project, so this makes
// one under DIR/project (dfx.json, tsconfig.json, the source, and node_modules linked to ours).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

function fail(message) {
  console.error(`azle build: ${message}`);
  process.exit(1);
}

const outIndex = process.argv.indexOf('--out');
if (outIndex < 0 || !process.argv[outIndex + 1]) fail('usage: node build.mjs --out DIR');
const outDir = path.resolve(process.argv[outIndex + 1]);
const azleEntry = path.join(root, 'node_modules/azle/src/build.ts');
const tsx = path.join(root, 'node_modules/.bin/tsx');
if (!fs.existsSync(azleEntry) || !fs.existsSync(tsx)) {
  fail('the npm package "azle" is missing (run ./x test, or npm ci)');
}

const project = path.join(outDir, 'project');
fs.rmSync(project, { recursive: true, force: true });
fs.mkdirSync(path.join(project, 'src'), { recursive: true });
fs.symlinkSync(path.join(root, 'node_modules'), path.join(project, 'node_modules'));
fs.copyFileSync(path.join(here, 'counter.ts'), path.join(project, 'src/counter.ts'));
fs.writeFileSync(path.join(project, 'dfx.json'), JSON.stringify({
  canisters: { azle_counter: { type: 'azle', main: 'src/counter.ts' } },
}, null, 2));
// Azle's decorators are the standard ones (not TypeScript's experimentalDecorators).
fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    strict: true, target: 'ES2024', module: 'ES2022', moduleResolution: 'bundler',
    allowJs: true, noEmit: true,
  },
}, null, 2));

const did = path.join(outDir, 'azle_counter.did');
const r = spawnSync(tsx, [azleEntry, 'build', 'azle_counter'], {
  cwd: project,
  env: { ...process.env, CANISTER_CANDID_PATH: did, AZLE_VERBOSE: 'true' },
  encoding: 'utf8',
});
if (r.status !== 0) fail(`azle build failed:\n${r.stdout}${r.stderr}`);
fs.copyFileSync(path.join(project, '.azle/azle_counter/azle_counter.wasm'),
                path.join(outDir, 'azle_counter.wasm'));
console.log(`azle build: azle_counter (azle ${JSON.parse(fs.readFileSync(
  path.join(root, 'node_modules/azle/package.json'), 'utf8')).version})`);
