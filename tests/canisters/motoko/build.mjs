// Compiles the Motoko canisters of this folder with the `motoko` npm package (the moc compiler
// built to JavaScript, with mo:core inside the package: nothing is fetched), in both flavours:
//
//   NAME.wasm          enhanced orthogonal persistence, wasm64 (moc's default)
//   NAME_classic.wasm  classic persistence, wasm32 (gcFlags('classicOP'))
//   NAME.did           the Candid service
//
// Usage: node build.mjs --out DIR FILE.mo...   (CMake runs it; see CMakeLists.txt)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(path.join(root, 'package.json'));

function fail(message) {
  console.error(`motoko build: ${message}`);
  process.exit(1);
}

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
if (outIndex < 0 || outIndex + 1 >= args.length) fail('usage: node build.mjs --out DIR FILE.mo...');
const outDir = args[outIndex + 1];
const sources = args.filter((_, i) => i !== outIndex && i !== outIndex + 1);
if (sources.length === 0) fail('no .mo files given');

let mo, core;
try {
  mo = require('motoko');
  core = require('motoko/packages/latest/core.json');
} catch (e) {
  fail(`the npm package "motoko" is missing (run ./x test, or npm ci): ${e.message}`);
}
mo.loadPackage(core);
// As dfx does: the Candid interface goes in `icp:public` sections, readable by anyone through
// the canister_metadata and read_state paths (moc's default is icp:private).
mo.setPublicMetadata(['candid:service', 'candid:args']);
fs.mkdirSync(outDir, { recursive: true });

const flavours = [
  { suffix: '', gc: 'enhancedOP' },
  { suffix: '_classic', gc: 'classicOP' },
];

// Every enhanced build comes first: after gcFlags('classicOP'), switching back with 'enhancedOP'
// leaves the compiler unable to compile (moc.js 4.10.0 fails with "Fatal error (exit 1)").
for (const { suffix, gc } of flavours) {
  // gcFlags sets the persistence mode for the compilations that follow.
  mo.compiler.gcFlags(gc);
  for (const source of sources) {
    const name = path.basename(source, '.mo');
    const file = `${name}.mo`;
    mo.write(file, fs.readFileSync(source, 'utf8'));
    let result;
    try {
      result = mo.wasm(file, 'ic');
    } catch (e) {
      const diagnostics = (mo.check(file) || []).map((d) => `\n  ${d.message}`).join('');
      fail(`${source} (${gc}): ${e.message}${diagnostics}`);
    }
    fs.writeFileSync(path.join(outDir, `${name}${suffix}.wasm`), result.wasm);
    if (suffix === '') fs.writeFileSync(path.join(outDir, `${name}.did`), result.candid);
    mo.delete(file);
  }
}
console.log(`motoko build: ${sources.length} canisters, ${mo.version} (mo:core ${core.version})`);
