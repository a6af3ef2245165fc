// The peer of ./x bench state: a checkpoint that copies the memory as a file, `cp --sparse=always`
// (holes stay holes) followed by an fsync of the copy, for the same 4 GiB memory with 64 MiB of
// nonzero pages plus N changed ones that state_bench.cc writes. Prints {name: ns} (wall clock).
import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, ftruncateSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const inputs = process.argv[2];
const kMemoryBytes = 4 * 1024 ** 3;
const kBasePages = 16384;

// A small deterministic generator (the C++ side's mt19937 is not worth porting: only the number
// of pages matters for a copy of holes and data).
let seed = 1n;
const next = () => {
  seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
  return Number(seed >> 33n);
};

const out = {};
for (const n of [1, 3, 64, 1024, 16384]) {
  const src = join(inputs, `peer-src-${n}`);
  const dst = join(inputs, `peer-dst-${n}`);
  const fd = openSync(src, 'w');
  ftruncateSync(fd, kMemoryBytes);
  const page = Buffer.alloc(4096, 7);
  for (let i = 0; i < kBasePages + n; ++i) writeSync(fd, page, 0, 4096, (next() % (kMemoryBytes / 4096)) * 4096);
  closeSync(fd);
  const runs = [];
  for (let r = 0; r < 5; ++r) {
    rmSync(dst, { force: true });
    const t0 = process.hrtime.bigint();
    execFileSync('cp', ['--sparse=always', src, dst]);
    const d = openSync(dst, 'r');
    fsyncSync(d);
    closeSync(d);
    runs.push(Number(process.hrtime.bigint() - t0));
  }
  runs.sort((a, b) => a - b);
  out[`cp_sparse/${n}`] = runs[2];
  rmSync(src, { force: true });
  rmSync(dst, { force: true });
}
console.log(JSON.stringify(out));
