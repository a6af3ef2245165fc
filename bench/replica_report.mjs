// The table of ./x bench replica: throughput and latency of each load, chorus beside the Node.js
// HTTP peer (which does no IC work), from the benchmark counters of replica_bench.cc.
export function report({ benchmarks }) {
  const by = Object.fromEntries(benchmarks.map((b) => [b.name.replace(/^BM_/, ''), b]));
  const row = (label, name, peerName) => {
    const b = by[name];
    if (!b) return `| ${label} | — | | | | |`;
    const p = peerName ? by[peerName] : undefined;
    const ratio = p ? `${(b.per_second / p.per_second).toFixed(2)}×` : '—';
    const fmt = (x) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
    return `| ${label} | ${fmt(b.per_second)}/s | ${b.p50_ms.toFixed(2)} ms | ${b.p99_ms.toFixed(2)} ms | ` +
      `${p ? `${fmt(p.per_second)}/s, p50 ${p.p50_ms.toFixed(2)} ms` : '—'} | ${ratio} | ${b.errors} |`;
  };
  return [
    '| load | chorus | p50 | p99 | Node.js HTTP peer (no IC work) | chorus / peer | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    row('query `get` (v3, signed), 32 connections closed-loop', 'Query/chorus', 'Query/node_http_peer'),
    row('update `inc` (v4 sync call, signed), 64 connections closed-loop', 'Update/chorus_closed_loop', 'Update/node_http_peer_closed_loop'),
    row('update `inc` (v4) at a fixed 2,000/s, 128 connections', 'Update/chorus_at_2000_per_s', null),
  ].join('\n');
}
