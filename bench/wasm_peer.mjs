// The peers of wasm_bench.cc, on the same .wasm files (copied to the inputs folder with
// kernels.json): node's WebAssembly (V8: Liftoff, then TurboFan for hot functions) and wabt's
// wasm-interp. Prints {case: ns}: KERNEL/node and KERNEL/wasm_interp for one run(n) at the
// kernel's n, big/node_instantiate and big/wasm_interp_load for the 3 MB module.
import { readFileSync } from 'node:fs';
import { childCpu, measure } from './peer_timing.mjs';

const dir = process.argv[2];
const spec = JSON.parse(readFileSync(`${dir}/kernels.json`, 'utf8'));
const results = {};

// Mean CPU time of |times| runs of wasm-interp with |args|, and the output of the last.
function wasmInterp(args, times) {
  let ns = 0;
  let stdout = '';
  for (let i = 0; i < times; i++) {
    const r = childCpu('wasm-interp', args);
    ns += r.ns;
    stdout = r.stdout;
  }
  return { ns: ns / times, stdout };
}

for (const k of spec.kernels) {
  const file = `${dir}/${k.file}`;
  const bytes = readFileSync(file);

  // V8, with the checksum checked before timing; warm-up calls let hot functions tier up.
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const got = exports.run(k.n) >>> 0;
  if (got !== k.checksum) throw new Error(`${k.name}: node computed ${got}, native ${k.checksum}`);
  results[`${k.name}/node`] = measure(() => exports.run(k.n), { ms: 1500, warmup: 2 });

  // wasm-interp can call only exports without parameters, so it runs run_interp(), which is
  // run(interp_n) with an n small enough for an interpreter this slow (see bench/wasm/kernel.h);
  // --run-all-exports skips run itself, which takes a parameter. Loading the module, measured
  // without --run-all-exports, is subtracted; time is linear in n, so the per-unit time is scaled
  // to the kernel's n.
  const load = wasmInterp([file], 5);
  const full = wasmInterp([file, '--run-all-exports'], 3);
  const m = /run_interp\(\) => i32:(\d+)/.exec(full.stdout);
  if (!m || Number(m[1]) !== k.interp_checksum) {
    throw new Error(`${k.name}: wasm-interp computed ${m ? m[1] : '(nothing)'}, native ${k.interp_checksum}`);
  }
  results[`${k.name}/wasm_interp`] = (Math.max(0, full.ns - load.ns) / k.interp_n) * k.n;
}

const big = readFileSync(`${dir}/${spec.big.file}`);
// V8 in node 20 compiles lazily (--wasm-lazy-compilation), so this is decoding, validation and
// instantiation; function bodies are compiled on their first call.
results['big/node_instantiate'] = measure(() => new WebAssembly.Instance(new WebAssembly.Module(big), {}),
  { ms: 1500, warmup: 2 });
// wasm-interp reading, validating and instantiating the module (and starting its own process).
results['big/wasm_interp_load'] = wasmInterp([`${dir}/${spec.big.file}`], 10).ns;

console.log(JSON.stringify(results));
