// The table of ./x bench execution: per-item times and rates of execution_bench.cc beside the
// node (V8) peer, and the issue's targets (at least 20,000 empty messages per second per core;
// 10,000 Motoko canisters in at most 4 GiB resident memory).
const fmt = (ns) => (ns === undefined ? '—' : ns >= 1e9 ? `${(ns / 1e9).toFixed(2)} s` : ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const perItem = { empty_update: 1000, motoko_counter_inc: 100 };

export function report({ ours, peer, benchmarks }) {
  const rows = ['| case | chorus | node (V8) peer | chorus / peer time | rate (chorus) |', '|---|---:|---:|---:|---:|'];
  const counters = Object.fromEntries(benchmarks.map((b) => [b.name.split('/')[0], b]));
  for (const [name, ns] of Object.entries(ours)) {
    const base = name.split('/')[0];
    const per = ns / (perItem[base] ?? 1);
    const p = peer[base];
    const rate = base === 'motoko_10k' || base === 'install_250kb' ? '' : `${Math.round(1e9 / per).toLocaleString('en-US')}/s`;
    rows.push(`| ${base} | ${fmt(per)} | ${fmt(p)} | ${p ? `${(per / p).toFixed(1)}×` : '—'} | ${rate} |`);
  }
  const m = counters.motoko_10k;
  const lines = [rows.join('\n'), ''];
  if (m) {
    lines.push(`10,000 Motoko canisters: resident memory ${(m.rss_bytes / 2 ** 30).toFixed(2)} GiB in all, ` +
      `${(m.rss_per_canister / 1024).toFixed(0)} KiB per canister (node: ${(peer['motoko_10k/rss_per_canister'] / 1024).toFixed(0)} KiB per instance), ` +
      `${m.live_instances} live instances.`);
  }
  const u = counters.empty_update;
  if (u) {
    const rate = 1e9 / (u.cpu_time * { ns: 1, us: 1e3, ms: 1e6, s: 1e9 }[u.time_unit] / 1000);
    lines.push(`Targets: empty messages ${Math.round(rate).toLocaleString('en-US')}/s on one core (target 20,000: ${rate >= 20000 ? 'met' : 'missed'}); ` +
      `10,000 Motoko canisters ${m ? (m.rss_bytes / 2 ** 30).toFixed(2) : '?'} GiB (target 4 GiB: ${m && m.rss_bytes <= 4 * 2 ** 30 ? 'met' : 'missed'}).`);
  }
  return lines.join('\n');
}
