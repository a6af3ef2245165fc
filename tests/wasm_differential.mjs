// Differential fuzzing of our Wasm engine against V8 (node's WebAssembly). Each seed makes random
// bytes with a seeded generator; binaryen's translate-to-fuzz (`wasm-opt -ttf`, Debian package
// binaryen) turns them into a valid module with hang limits; the module runs in V8 here and in our
// engine through `chorus-wasm fuzz-exec`, both by the convention of src/wasm/fuzz_exec.h, and the
// two transcripts must be equal. A mismatch or a crash of chorus-wasm saves the module, the input
// bytes and both transcripts under --out (with a shrunk input when a prefix still diverges).
//
//   node tests/wasm_differential.mjs --chorus-wasm BIN [--seeds FIRST-LAST | --seconds N]
//        [--start SEED] [--out DIR] [--simd] [--memory64] [--verbose]
//
// --simd and --memory64 add those features (see src/wasm/README.md for why they are off by
// default). --seeds runs a fixed range (what ctest does); --seconds runs consecutive seeds from --start (by
// default a random one, printed) until the time is up (what `./x fuzz wasm_differential N` does).
// Exit status: 0 when every module agreed or was inconclusive, 1 on any divergence.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';

// Features the generator may use: what our engine implements and V8 runs by default. Reference
// types are chosen per seed (see generate) because binaryen 108 often emits invalid modules with
// them. SIMD is one switch until our interpreter executes it.
const kBaseFeatures = ['--mvp-features', '--enable-sign-ext', '--enable-mutable-globals',
  '--enable-nontrapping-float-to-int', '--enable-bulk-memory', '--enable-multivalue'];

function parseArgs(argv) {
  const o = { out: 'build/wasm-differential', simd: false, memory64: false, verbose: false,
    executor: 'stack' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--chorus-wasm') o.bin = next();
    else if (a === '--seeds') {
      const [first, last] = next().split('-').map(Number);
      o.first = first;
      o.last = last ?? first;
    } else if (a === '--seconds') o.seconds = Number(next());
    else if (a === '--start') o.start = Number(next());
    else if (a === '--out') o.out = next();
    else if (a === '--simd') o.simd = true;
    else if (a === '--memory64') o.memory64 = true;
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--executor') o.executor = next();
    else throw new Error(`unknown argument ${a}`);
  }
  o.bin ??= process.env.CHORUS_WASM;
  if (!o.bin) throw new Error('name the chorus-wasm binary with --chorus-wasm or CHORUS_WASM');
  if (o.first === undefined && o.seconds === undefined) throw new Error('give --seeds or --seconds');
  return o;
}

// mulberry32: small and seeded, so that a seed names a module for good.
function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// What a seed stands for: the input bytes and the wasm-opt flags.
function plan(seed, o) {
  const rand = prng(seed);
  const int = (n) => Math.floor(rand() * n);
  // Mostly small modules (quick, easy to read when they diverge), sometimes large ones.
  const size = int(4) === 0 ? 4096 + int(28672) : 128 + int(4096);
  const input = new Uint8Array(size);
  for (let i = 0; i < size; i++) input[i] = int(256);
  const flags = [...kBaseFeatures];
  if (int(4) === 0) flags.push('--enable-reference-types');
  if (o.simd) flags.push('--enable-simd');
  // translate-to-fuzz never makes a 64-bit memory itself, but keeps the one of an initial module.
  if (o.memory64) flags.push('--enable-memory64', '-if', o.memory64Module);
  // Random optimisation passes change the shapes of the code (selects, br_if with values, ...).
  if (int(3) === 0) flags.push('--fuzz-passes');
  // De-NaN last: a NaN's payload and sign may differ between engines, and every path by which a
  // NaN could become visible (reinterpretation, memory, copysign) would diverge for no fault.
  flags.push('--denan');
  return { input, flags };
}

function generate(dir, input, flags) {
  const inPath = path.join(dir, 'input.bin');
  const outPath = path.join(dir, 'module.wasm');
  fs.writeFileSync(inPath, input);
  const r = spawnSync('wasm-opt', [inPath, '-ttf', ...flags, '-o', outPath], { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run wasm-opt (Debian package binaryen): ${r.error.message}`);
  // binaryen 108 has crashes of its own (some --fuzz-passes on reference types): no module.
  if (r.status !== 0) return null;
  return fs.readFileSync(outPath);
}

// ---------------------------------------------------------------------------------------------
// Just enough of the binary format to know the types of imports and exports, which the JS API
// does not tell (a 0 where a BigInt is due throws, and so would an i32 where a float is due).

const kTypeNames = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128',
  0x70: 'funcref', 0x6f: 'externref' };

function readModule(bytes) {
  let p = 8;
  const byte = () => bytes[p++];
  const uleb = () => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = byte();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return Number(result);
    }
  };
  const name = () => {
    const n = uleb();
    const s = Buffer.from(bytes.subarray(p, p + n)).toString('utf8');
    p += n;
    return s;
  };
  const valtype = () => {
    const t = byte();
    if (!(t in kTypeNames)) throw new Error(`value type 0x${t.toString(16)}`);
    return kTypeNames[t];
  };
  const limits = () => {
    const flags = byte();
    uleb();
    if (flags & 1) uleb();
  };
  const types = [];
  const funcs = [];  // type index of every function, imports first
  const imports = [];
  const exports = [];
  while (p < bytes.length) {
    const id = byte();
    const size = uleb();
    const end = p + size;
    if (id === 1) {
      for (let n = uleb(); n > 0; n--) {
        if (byte() !== 0x60) throw new Error('not a function type');
        const params = Array.from({ length: uleb() }, valtype);
        const results = Array.from({ length: uleb() }, valtype);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = uleb(); n > 0; n--) {
        const im = { module: name(), name: name(), kind: byte() };
        if (im.kind === 0) {
          im.type = types[uleb()];
          funcs.push(im.type);
        } else if (im.kind === 1) {
          byte();
          limits();
        } else if (im.kind === 2) {
          limits();
        } else {
          valtype();
          byte();
        }
        imports.push(im);
      }
    } else if (id === 3) {
      for (let n = uleb(); n > 0; n--) funcs.push(types[uleb()]);
    } else if (id === 7) {
      for (let n = uleb(); n > 0; n--) exports.push({ name: name(), kind: byte(), index: uleb() });
    }
    p = end;
  }
  return { imports, exports: exports.map((e) => ({ ...e, type: funcs[e.index] })) };
}

// ---------------------------------------------------------------------------------------------
// V8's side of the convention (src/wasm/fuzz_exec.h).

const scratch = new DataView(new ArrayBuffer(8));
function valueText(type, v) {
  switch (type) {
    case 'i32': return `i32:${v | 0}`;
    case 'i64': return `i64:${BigInt.asIntN(64, v)}`;
    case 'f32':
      if (Number.isNaN(v)) return 'f32:nan';
      scratch.setFloat32(0, v);
      return `f32:0x${scratch.getUint32(0).toString(16).padStart(8, '0')}`;
    case 'f64':
      if (Number.isNaN(v)) return 'f64:nan';
      scratch.setFloat64(0, v);
      return `f64:0x${scratch.getBigUint64(0).toString(16).padStart(16, '0')}`;
    case 'funcref':
    case 'externref':
      return `${type}:${v === null ? 'null' : 'ref'}`;
    default:
      return `${type}:?`;
  }
}

const zeroOf = (type) => (type === 'i64' ? 0n : type === 'funcref' || type === 'externref' ? null : 0);

// V8's trap messages onto the categories of fuzz_trap_category (fuzz_exec.cc).
function trapCategory(message) {
  const m = message.toLowerCase();
  if (m.includes('unreachable')) return 'unreachable';
  if (m.includes('divide by zero') || m.includes('remainder by zero')) return 'div-by-zero';
  if (m.includes('divide result unrepresentable') || m.includes('float unrepresentable')) {
    return 'overflow';
  }
  if (m.includes('memory access out of bounds') || m.includes('data segment')) return 'memory';
  if (m.includes('table') || m.includes('element segment') || m.includes('function signature')) {
    return 'table';
  }
  return `other:${message}`;
}

// The transcript of |bytes| in V8, as lines.
function runV8(bytes) {
  let module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch {
    return ['invalid'];
  }
  const { imports, exports } = readModule(bytes);
  const lines = [];
  const importObject = {};
  for (const im of imports) {
    if (im.kind !== 0 || im.module !== 'fuzzing-support' || !im.name.startsWith('log')) continue;
    if (im.type.results.length !== 0) continue;
    importObject[im.module] ??= {};
    importObject[im.module][im.name] = (...args) => {
      lines.push(['log', ...im.type.params.map((t, i) => valueText(t, args[i]))].join(' '));
    };
  }
  let instance;
  try {
    instance = new WebAssembly.Instance(module, importObject);
  } catch (e) {
    if (e instanceof WebAssembly.LinkError || e instanceof TypeError) {
      return [...lines, 'instantiate link-error'];
    }
    if (e instanceof RangeError) return [...lines, `inconclusive ${e.message}`];
    return [...lines, `instantiate trap ${trapCategory(String(e.message))}`];
  }
  lines.push('instantiate ok');
  const resetExport = exports.find((e) => e.name === 'hangLimitInitializer' && e.kind === 0);
  let reset = resetExport && resetExport.type.params.length === 0
    ? instance.exports.hangLimitInitializer : null;
  for (const e of exports) {
    if (e.kind !== 0 || [...e.type.params, ...e.type.results].includes('v128')) continue;
    if (reset) {
      try {
        reset();
      } catch {
        lines.push('inconclusive hangLimitInitializer failed');
        return lines;
      }
    }
    lines.push(`call ${e.name}`);
    let r;
    try {
      r = instance.exports[e.name](...e.type.params.map(zeroOf));
    } catch (err) {
      if (err instanceof WebAssembly.RuntimeError) {
        lines.push(`trap ${trapCategory(err.message)}`);
        continue;
      }
      // V8 throws this when the wasm calls a logger with a v128 parameter (binaryen's log-v128).
      if (err instanceof TypeError && err.message.includes('type incompatibility')) {
        lines.push('trap v128-to-js');
        continue;
      }
      if (err instanceof RangeError) {
        lines.push(`inconclusive ${err.message}`);
        return lines;
      }
      lines.push(`trap other:js:${err.message}`);
      continue;
    }
    const results = e.type.results.length === 1 ? [r] : e.type.results.length === 0 ? [] : [...r];
    lines.push(['=>', ...e.type.results.map((t, i) => valueText(t, results[i]))].join(' '));
  }
  return lines;
}

function runChorus(bin, file, executor) {
  const r = spawnSync(bin, ['fuzz-exec', `--executor=${executor}`, file], { encoding: 'utf8', timeout: 120_000,
    maxBuffer: 64 << 20 });
  if (r.error) return { crash: `${r.error.message}`, lines: [] };
  if (r.status !== 0) {
    return { crash: `exit ${r.status ?? r.signal}: ${r.stderr.slice(0, 2000)}`, lines: [] };
  }
  return { lines: r.stdout.split('\n').filter((l) => l !== '') };
}

// Compares two transcripts. Once either engine hit a resource limit, the export during which it
// did and everything after are left out: the limits differ by design.
function compare(ours, theirs) {
  const cutOf = (lines) => {
    const k = lines.findIndex((l) => l.startsWith('inconclusive'));
    if (k < 0) return Infinity;
    const call = lines.slice(0, k).findLastIndex((l) => l.startsWith('call '));
    return call < 0 ? k : call;
  };
  const cut = Math.min(cutOf(ours), cutOf(theirs));
  const n = Math.min(cut, Math.max(ours.length, theirs.length));
  for (let i = 0; i < n; i++) {
    if (ours[i] !== theirs[i]) return { status: 'mismatch', line: i };
  }
  if (cut !== Infinity) return { status: 'inconclusive' };
  if (ours[0] === 'invalid') return { status: 'invalid' };
  return { status: 'match' };
}

function check(o, dir, input, flags) {
  const bytes = generate(dir, input, flags);
  if (bytes === null) return { status: 'skipped' };
  const theirs = runV8(bytes);
  const ours = runChorus(o.bin, path.join(dir, 'module.wasm'), o.executor);
  if (ours.crash) return { status: 'crash', detail: ours.crash, bytes, ours: [], theirs };
  return { ...compare(ours.lines, theirs), bytes, ours: ours.lines, theirs };
}

// The shortest prefix of the input (halving, then by eighths) that still diverges the same way.
function shrink(o, dir, input, flags, status) {
  let best = input;
  for (let len = Math.floor(input.length / 2); len >= 16; len = Math.floor(len / 2)) {
    if (check(o, dir, input.subarray(0, len), flags).status !== status) break;
    best = input.subarray(0, len);
  }
  for (let step = Math.floor(best.length / 8); step >= 8 && best.length > step;) {
    const shorter = best.subarray(0, best.length - step);
    if (check(o, dir, shorter, flags).status === status) best = shorter;
    else step = Math.floor(step / 2);
  }
  return best;
}

function report(o, seed, result, input, flags, work) {
  const dir = path.join(o.out, `seed-${seed}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'input.bin'), input);
  fs.writeFileSync(path.join(dir, 'module.wasm'), result.bytes);
  fs.writeFileSync(path.join(dir, 'chorus.txt'), result.ours.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'v8.txt'), result.theirs.join('\n') + '\n');
  const notes = [`seed ${seed}: ${result.status}`, `wasm-opt input.bin -ttf ${flags.join(' ')}`];
  if (result.detail) notes.push(result.detail);
  if (result.line !== undefined) {
    notes.push(`first difference at line ${result.line + 1}:`,
      `  chorus: ${result.ours[result.line] ?? '(end)'}`,
      `  v8:     ${result.theirs[result.line] ?? '(end)'}`);
  }
  const small = shrink(o, work, input, flags, result.status);
  if (small.length < input.length) {
    const r = check(o, work, small, flags);
    fs.writeFileSync(path.join(dir, 'min-input.bin'), small);
    fs.writeFileSync(path.join(dir, 'min-module.wasm'), r.bytes);
    fs.writeFileSync(path.join(dir, 'min-chorus.txt'), r.ours.join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'min-v8.txt'), r.theirs.join('\n') + '\n');
    notes.push(`shrunk to ${small.length} of ${input.length} input bytes (min-*)`);
  }
  fs.writeFileSync(path.join(dir, 'README.txt'), notes.join('\n') + '\n');
  return dir;
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-differential-'));
  if (o.memory64) {
    // (module (memory i64 16 17)); node 20 runs memory64 only behind this V8 flag.
    o.memory64Module = path.join(work, 'memory64.wasm');
    fs.writeFileSync(o.memory64Module,
      Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, 5, 16, 17));
    v8.setFlagsFromString('--experimental-wasm-memory64');
  }
  const counts = { match: 0, inconclusive: 0, invalid: 0, skipped: 0, mismatch: 0, crash: 0 };
  const failures = [];
  const t0 = Date.now();
  let seed = o.first ?? o.start ?? Math.floor(Math.random() * 2 ** 31);
  if (o.seconds !== undefined) console.log(`starting at seed ${seed}`);
  const more = () => (o.seconds !== undefined ? Date.now() - t0 < o.seconds * 1000 : seed <= o.last);
  try {
    for (; more(); seed++) {
      const { input, flags } = plan(seed, o);
      const result = check(o, work, input, flags);
      counts[result.status]++;
      if (o.verbose) console.log(`seed ${seed}: ${result.status}`);
      if (result.status === 'mismatch' || result.status === 'crash') {
        const dir = report(o, seed, result, input, flags, work);
        failures.push(seed);
        console.log(`seed ${seed}: ${result.status}, saved in ${dir}`);
      }
      const n = Object.values(counts).reduce((a, b) => a + b);
      if (o.seconds !== undefined && n % 500 === 0) {
        console.log(`${n} modules, ${JSON.stringify(counts)}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const n = Object.values(counts).reduce((a, b) => a + b);
  console.log(`${n} modules in ${((Date.now() - t0) / 1000).toFixed(1)} s (seeds up to ${seed - 1}): ` +
    `${counts.match} agreed, ${counts.inconclusive} inconclusive (a resource limit), ` +
    `${counts.invalid} invalid in both, ${counts.skipped} not generated (wasm-opt failed), ` +
    `${counts.mismatch} diverged, ${counts.crash} crashed chorus-wasm`);
  if (failures.length > 0) {
    console.log(`diverging seeds: ${failures.join(' ')}`);
    process.exitCode = 1;
  } else if (counts.match === 0) {
    console.log('no module ran to completion in both engines: nothing was compared');
    process.exitCode = 1;
  }
}

main();
