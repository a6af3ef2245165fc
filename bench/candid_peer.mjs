// The JS twin of candid_bench.cc: the same cases, on the same messages, with @dfinity/candid.
// Prints {case: ns per operation}.
import { readFileSync } from 'node:fs';
import { IDL } from '@dfinity/candid';
import { measure as measureFor } from './peer_timing.mjs';

const dir = process.argv[2];
const recordsBytes = new Uint8Array(readFileSync(`${dir}/records.bin`));
const treeBytes = new Uint8Array(readFileSync(`${dir}/tree.bin`));

const Records = [IDL.Vec(IDL.Record({ id: IDL.Nat64, name: IDL.Text, balance: IDL.Nat, tags: IDL.Vec(IDL.Text) }))];
const Tree = IDL.Rec();
Tree.fill(IDL.Variant({ leaf: IDL.Nat64, node: IDL.Record({ left: Tree, right: Tree }) }));
const Trees = [Tree];
const records = IDL.decode(Records, recordsBytes);
const tree = IDL.decode(Trees, treeBytes);

const measure = (fn) => measureFor(fn, { ms: 1500, warmup: 3 });

// The peer must read what the C++ side wrote, or the comparison is meaningless.
const again = IDL.encode(Records, records);
if (Buffer.compare(Buffer.from(again), Buffer.from(recordsBytes)) !== 0) {
  console.error('note: @dfinity/candid re-encodes the records message differently');
}

const results = {
  records_encode: measure(() => IDL.encode(Records, records)),
  records_decode: measure(() => IDL.decode(Records, recordsBytes)),
  tree_encode: measure(() => IDL.encode(Trees, tree)),
  tree_decode: measure(() => IDL.decode(Trees, treeBytes)),
};
console.log(JSON.stringify(results));
