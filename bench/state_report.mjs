// The table of ./x bench state (run.mjs calls report()): time per checkpoint of a 4 GiB memory
// with 64 MiB of nonzero pages after N pages changed, wall clock with fsyncs.
const fmt = (ns) => (ns === undefined ? '—' : ns >= 1e6 ? `${(ns / 1e6).toFixed(1)} ms` : `${(ns / 1e3).toFixed(0)} µs`);
const kib = (b) => (b === undefined ? '—' : `${(b / 1024).toFixed(0)} KiB`);

export function report({ peer, benchmarks }) {
  const real = (name) => {
    const b = benchmarks.find((x) => x.name === name);
    if (!b) return undefined;
    return b.real_time * { ns: 1, us: 1e3, ms: 1e6, s: 1e9 }[b.time_unit];
  };
  const counter = (name, key) => benchmarks.find((x) => x.name === name)?.[key];
  const lines = [
    'Wall-clock time of one checkpoint (fsyncs included) of a 4 GiB memory holding 64 MiB of',
    'nonzero pages, after N random pages changed. incremental: the store diffs against its last',
    'checkpoint; full rewrite: the same store writing every nonzero page as a new base; cp --sparse:',
    '`cp --sparse=always` of the memory as a sparse file plus an fsync of the copy (state_peer.mjs).',
    '',
    '| N pages changed | incremental | written | full rewrite | cp --sparse + fsync | full / incremental | cp / incremental |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const n of [1, 3, 64, 1024, 16384]) {
    const inc = real(`incremental/${n}/real_time`);
    const full = real(`full_rewrite/${n}/real_time`);
    const cp = peer[`cp_sparse/${n}`];
    const ratio = (x) => (x === undefined || inc === undefined ? '—' : `${(x / inc).toFixed(1)}×`);
    lines.push(`| ${n} | ${fmt(inc)} | ${kib(counter(`incremental/${n}/real_time`, 'bytes_written'))} | ` +
      `${fmt(full)} | ${fmt(cp)} | ${ratio(full)} | ${ratio(cp)} |`);
  }
  const load = real('load/real_time');
  if (load !== undefined) {
    lines.push('', `Loading that checkpoint (64 MiB in one base; every byte mapped, hashed and copied): ${fmt(load)}, ` +
      `${(64 / (load / 1e9)).toFixed(0)} MiB/s.`);
  }
  return lines.join('\n');
}
