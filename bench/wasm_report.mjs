// The tables of ./x bench wasm (run.mjs calls report()): per kernel the time of one run(n) in each
// engine and the ratios the issue sets targets for, their geometric means, and the 3 MB module.
import { readFileSync } from 'node:fs';

const fmt = (ns) => {
  if (ns === undefined || Number.isNaN(ns)) return '—';
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(ns >= 1e8 ? 0 : 1)} ms`;
  return `${(ns / 1e3).toFixed(1)} µs`;
};
const times = (x) => (x >= 10 ? `${x.toFixed(0)}×` : x >= 1 ? `${x.toFixed(1)}×` : `${x.toFixed(3)}×`);
const percent = (x) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
const geomean = (xs) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

export function report({ ours, peer, benchmarks, inputs }) {
  const spec = JSON.parse(readFileSync(`${inputs}/kernels.json`, 'utf8'));
  const counter = (name, key) => benchmarks.find((b) => b.name === name)?.[key];
  const lines = [];
  const out = (s = '') => lines.push(s);

  out('Time of one `run(n)` (CPU time; wasm-interp\'s is scaled from a smaller n, see below), in');
  out('the stack interpreter, the register interpreter and the JIT, metered (every block charged');
  out('against a budget) and unmetered (code translated without any charge). Speed = native time /');
  out('chorus metered time (target: geometric mean ≥ 0.12×). vs interp = wasm-interp time / chorus');
  out('metered time (target ≥ 10×). Metering = metered / unmetered − 1 (target ≤ 15% on every kernel).');
  out();
  out('| kernel | n | native | stack metered | stack unmetered | register metered | register unmetered | jit metered | jit unmetered | node (V8) | wasm-interp | speed stack | speed register | speed jit | vs interp (jit) | metering (stack) | metering (register) | metering (jit) |');
  out('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const speed = [];
  const speedReg = [];
  const vsInterp = [];
  const metering = [];
  const meteringReg = [];
  const vsNode = [];
  const speedJit = [];
  const meteringJit = [];
  const vsNodeJit = [];
  for (const k of spec.kernels) {
    const native = ours[`${k.name}/native`];
    const metered = ours[`${k.name}/chorus_metered`];
    const unmetered = ours[`${k.name}/chorus_unmetered`];
    const reg = ours[`${k.name}/chorus_register_metered`];
    const regUnmetered = ours[`${k.name}/chorus_register_unmetered`];
    const jit = ours[`${k.name}/chorus_jit_metered`];
    const jitUnmetered = ours[`${k.name}/chorus_jit_unmetered`];
    const node = peer[`${k.name}/node`];
    const interp = peer[`${k.name}/wasm_interp`];
    speed.push(native / metered);
    speedReg.push(native / reg);
    vsInterp.push(interp / jit);
    speedJit.push(native / jit);
    meteringJit.push(jit / jitUnmetered);
    vsNodeJit.push(node / jit);
    metering.push(metered / unmetered);
    meteringReg.push(reg / regUnmetered);
    vsNode.push(node / reg);
    out(`| ${k.name} | ${k.n} | ${fmt(native)} | ${fmt(metered)} | ${fmt(unmetered)} | ${fmt(reg)} | ` +
      `${fmt(regUnmetered)} | ${fmt(jit)} | ${fmt(jitUnmetered)} | ${fmt(node)} | ${fmt(interp)} | ` +
      `${times(native / metered)} | ${times(native / reg)} | ${times(native / jit)} | ` +
      `${times(interp / jit)} | ${percent(metered / unmetered - 1)} | ` +
      `${percent(reg / regUnmetered - 1)} | ${percent(jit / jitUnmetered - 1)} |`);
  }
  out(`| **geometric mean** | | | | | | | | | | | **${times(geomean(speed))}** | **${times(geomean(speedReg))}** | ` +
    `**${times(geomean(speedJit))}** | **${times(geomean(vsInterp))}** | **${percent(geomean(metering) - 1)}** | ` +
    `**${percent(geomean(meteringReg) - 1)}** | **${percent(geomean(meteringJit) - 1)}** |`);
  out();
  out(`node (V8) against chorus, metered: chorus takes ${times(1 / geomean(vsNode))} V8's time with the register interpreter, ${times(1 / geomean(vsNodeJit))} with the JIT (geometric means).`);
  out();

  const big = spec.big.bytes;
  out(`The ${(big / 1e6).toFixed(2)} MB module (bench/wasm/big.c: 4,097 functions, 2.5 MB of code and ` +
    '0.5 MB of data; target: bytes to instance ≤ 20 ms):');
  out();
  out('| | chorus | node (V8) | wasm-interp |');
  out('|---|---:|---:|---:|');
  out(`| decode + validate | ${fmt(ours['big/decode_validate'])} | | |`);
  out(`| bytes → instance (compile and instantiate) | ${fmt(ours['big/instantiate'])} | ` +
    `${fmt(peer['big/node_instantiate'])} | ${fmt(peer['big/wasm_interp_load'])} |`);
  out(`| bytes → instance with the JIT (register code and machine code) | ${fmt(ours['big/instantiate_jit'])} | | |`);
  out(`| instance of the compiled module | ${fmt(ours['big/instantiate_compiled'])} | | |`);
  out(`| instance of the compiled module, JIT code | ${fmt(ours['big/instantiate_compiled_jit'])} | | |`);
  out();
  out('chorus, bytes → instance: decode, validate, translate every function, instantiate (data and');
  out('element segments). Instance of the compiled module: what a replica does for each message,');
  out('having compiled the module once when it was installed (a new store, memory, globals, tables,');
  out('segments applied).');
  out('node: `new WebAssembly.Instance(new WebAssembly.Module(bytes))`; V8 in Node.js 20 compiles');
  out('lazily, on each function\'s first call. wasm-interp: a whole process that reads, validates');
  out('and instantiates the module without running it.');
  out();
  out('wasm-interp calls only exports without parameters, so it runs `run_interp()` = run(interp_n)');
  out('(n per kernel: ' + spec.kernels.map((k) => `${k.name} ${k.interp_n}`).join(', ') + '); its');
  out('CPU time minus that of loading the same module, per unit of n, times n. Every engine\'s result');
  out('was checked against the native checksum before its time was taken.');
  return lines.join('\n');
}
