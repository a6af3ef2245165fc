// Timing for the JS peers of ./x bench: CPU time of this process, comparable with Google
// Benchmark's cpu_time and less disturbed than wall time when other work shares the machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function cpuNs() {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

// Runs fn repeatedly for about |ms| milliseconds of CPU after |warmup| calls; returns ns per call.
export function measure(fn, { ms = 1500, warmup = 5 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  let iterations = 0;
  const start = cpuNs();
  let elapsed = 0;
  while (elapsed < ms * 1e6) {
    fn();
    iterations += 1;
    elapsed = cpuNs() - start;
  }
  return elapsed / iterations;
}

// The same for functions that return promises; awaits each call, checking the clock every 50.
export async function measureAsync(fn, { ms = 600, warmup = 200 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  let iterations = 0;
  const start = cpuNs();
  let elapsed = 0;
  while (elapsed < ms * 1e6) {
    for (let i = 0; i < 50; i++) await fn();
    iterations += 50;
    elapsed = cpuNs() - start;
  }
  return elapsed / iterations;
}

// CPU time of a child process: runs |command| with |args| to completion and returns
// { ns, stdout }. Linux only: the children's user and system time from /proc/self/stat, which
// counts in clock ticks (10 ms), so time children that run for a second or more, or average.
export function childCpu(command, args) {
  const tick = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  const before = childrenCpuTicks();
  const r = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.status}`);
  return { ns: ((childrenCpuTicks() - before) / tick) * 1e9, stdout: r.stdout };
}

// User plus system time of the waited-for children: the 16th and 17th fields of /proc/self/stat
// (counted after the parenthesised command name, which may contain spaces).
function childrenCpuTicks() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}
