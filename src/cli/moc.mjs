// Compiles one Motoko canister for `chorus deploy` with the `motoko` npm package (moc built to
// JavaScript, mo:core inside the package). Enhanced orthogonal persistence (moc's default), the
// Candid interface in public metadata as dfx does.
//
// Usage: node moc.mjs --out DIR --name NAME MAIN.mo
// Writes DIR/NAME.wasm and DIR/NAME.did. Every .mo file in MAIN's folder and below is made
// visible to the compiler, so that `import X "x"` of sibling files works.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));

function fail(message) {
  console.error(`motoko: ${message}`);
  process.exit(1);
}

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  if (i < 0 || i + 1 >= args.length) fail('usage: node moc.mjs --out DIR --name NAME MAIN.mo');
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const outDir = option('--out');
const name = option('--name');
if (args.length !== 1) fail('usage: node moc.mjs --out DIR --name NAME MAIN.mo');
const main = path.resolve(args[0]);

let mo, core;
try {
  mo = require('motoko');
  core = require('motoko/packages/latest/core.json');
} catch (e) {
  fail(`the npm package "motoko" is missing in ${root} (run npm ci there): ${e.message}`);
}
mo.loadPackage(core);
mo.setPublicMetadata(['candid:service', 'candid:args']);

const base = path.dirname(main);
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') walk(full);
    else if (entry.isFile() && entry.name.endsWith('.mo')) {
      mo.write(path.relative(base, full), fs.readFileSync(full, 'utf8'));
    }
  }
};
walk(base);

const file = path.relative(base, main);
let result;
try {
  result = mo.wasm(file, 'ic');
} catch (e) {
  const diagnostics = (mo.check(file) || [])
    .map((d) => `\n  ${path.join(base, d.source || file)}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`)
    .join('');
  fail(`${main}: ${diagnostics || e.message}`);
}
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, `${name}.wasm`), result.wasm);
fs.writeFileSync(path.join(outDir, `${name}.did`), result.candid);
console.error(`motoko: ${path.relative(process.cwd(), main) || main} → ${name}.wasm (${result.wasm.length} bytes, moc ${mo.version})`);
