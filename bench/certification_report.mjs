// The table of ./x bench certification (run.mjs calls report()): one round's state tree after
// 100 ingress-history changes and 10 certified-data changes, incremental against the full rebuild.
const fmt = (ns) => (ns === undefined ? '—' : ns >= 1e6 ? `${(ns / 1e6).toFixed(1)} ms` : `${(ns / 1e3).toFixed(0)} µs`);

export function report({ ours }) {
  const lines = [
    'CPU time to build the certified state tree after one round (100 of N request statuses added,',
    'changed or pruned; 10 of 1,000 canisters\' certified data changed). incremental:',
    'StateTreeBuilder::build with the round\'s changed ids; full: build_state_tree from scratch (the',
    'peer). Both give the same root digest.',
    '',
    '| N statuses | incremental | full rebuild | full / incremental |',
    '|---:|---:|---:|---:|',
  ];
  for (const n of [10000, 600000]) {
    const inc = ours[`incremental/${n}`];
    const full = ours[`full/${n}`];
    const ratio = inc === undefined || full === undefined ? '—' : `${(full / inc).toFixed(0)}×`;
    lines.push(`| ${n.toLocaleString('en-US')} | ${fmt(inc)} | ${fmt(full)} | ${ratio} |`);
  }
  return lines.join('\n');
}
