// ./x bench AREA: runs bench/AREA_bench (Google Benchmark) and its JS twin bench/AREA_peer.mjs in
// the same run, on the same inputs, and prints one table of both and their ratio.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [area, binary] = process.argv.slice(2);
const inputs = mkdtempSync(join(tmpdir(), `chorus-bench-${area}-`));
const env = { ...process.env, CHORUS_BENCH_INPUTS: inputs };

const native = JSON.parse(execFileSync(binary, ['--benchmark_format=json', '--benchmark_min_time=0.5'],
  { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
const ours = Object.fromEntries(native.benchmarks.map((b) => {
  const scale = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 }[b.time_unit];
  return [b.name, b.cpu_time * scale];
}));

const peerScript = new URL(`./${area}_peer.mjs`, import.meta.url).pathname;
let peer = {};
if (existsSync(peerScript)) {
  peer = JSON.parse(execFileSync('node', [peerScript, inputs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
}

const fmt = (ns) => (ns === undefined ? '—' : ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
console.log(`\n## ${area} (${new Date().toISOString().slice(0, 10)}, \`./x bench ${area}\`)\n`);
// An area whose cases do not pair one to one with the peer's prints its own tables.
const reportScript = new URL(`./${area}_report.mjs`, import.meta.url).pathname;
if (existsSync(reportScript)) {
  const { report } = await import(reportScript);
  console.log(report({ ours, peer, benchmarks: native.benchmarks, inputs }));
} else {
  console.log('| case | chorus (C++) | JS peer | speed-up |');
  console.log('|---|---:|---:|---:|');
  for (const [name, ns] of Object.entries(ours)) {
    const js = peer[name];
    const ratio = js === undefined ? '—' : `${(js / ns).toFixed(1)}×`;
    console.log(`| ${name} | ${fmt(ns)} | ${fmt(js)} | ${ratio} |`);
  }
}
