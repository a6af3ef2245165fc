// The table of ./x bench replica: throughput and latency of each load, chorus beside the Node.js
// HTTP peer (which does no IC work), from the benchmark counters of replica_bench.cc, and the
// replica's own account of its rounds (from its /metrics) for the update loads.
export function report({ benchmarks }) {
  const by = Object.fromEntries(benchmarks.map((b) => [b.name.replace(/^BM_/, '').replace(/\/iterations.*$/, ''), b]));
  const fmt = (x) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const row = (label, name, peerName) => {
    const b = by[name];
    if (!b) return `| ${label} | — | | | | | | |`;
    const p = peerName ? by[peerName] : undefined;
    const ratio = p ? `${(b.per_second / p.per_second).toFixed(2)}×` : '—';
    const rounds = b.rounds ? `${fmt(b.rounds)} rounds, ${b.round_ms.toFixed(2)} ms each + ${b.log_append_ms.toFixed(2)} ms log` : '—';
    return `| ${label} | ${fmt(b.per_second)}/s | ${b.p50_ms.toFixed(2)} ms | ${b.p99_ms.toFixed(2)} ms | ` +
      `${p ? `${fmt(p.per_second)}/s` : '—'} | ${ratio} | ${rounds} | ${b.errors} |`;
  };
  return [
    '| load (5 s each) | chorus | p50 | p99 | Node.js HTTP peer (no IC work) | chorus / peer | replica rounds | errors |',
    '|---|---:|---:|---:|---:|---:|---|---:|',
    row('query `get` (v3), Ed25519-signed, 32 connections', 'Query/chorus', 'Query/node_http_peer'),
    row('query `get` (v3), anonymous, 32 connections', 'Query/chorus_anonymous', 'Query/node_http_peer'),
    row('update `inc` (v4 sync call, signed), 64 connections', 'Update/chorus_closed_loop', 'Update/node_http_peer_closed_loop'),
    row('update `inc` (v4), 1 connection', 'Update/chorus_one_connection', null),
    row('update `inc` (v4) offered at 2,000/s, 128 connections', 'Update/chorus_at_2000_per_s', null),
  ].join('\n');
}
