// Timing for the JS peers of ./x bench: CPU time of this process, comparable with Google
// Benchmark's cpu_time and less disturbed than wall time when other work shares the machine.

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
