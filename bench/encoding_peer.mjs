// The JS twin of encoding_bench.cc: the same cases, on the same input files, with the libraries
// that IC clients use (@dfinity/principal, @dfinity/agent). Prints {case: ns per operation}.
import { readFileSync } from 'node:fs';
import { Principal } from '@dfinity/principal';
import { Cbor, requestIdOf, reconstruct, lookup_path } from '@dfinity/agent';
import { measureAsync } from './peer_timing.mjs';

const dir = process.argv[2];
const envelope = new Uint8Array(readFileSync(`${dir}/envelope.cbor`));
const content = Cbor.decode(new Uint8Array(readFileSync(`${dir}/content.cbor`)));
const treeBytes = new Uint8Array(readFileSync(`${dir}/tree.cbor`));
const tree = Cbor.decode(treeBytes);
const decodedEnvelope = Cbor.decode(envelope);

function canisterId(index) {
  const b = new Uint8Array(10);
  new DataView(b.buffer).setBigUint64(0, BigInt(index));
  b[8] = 1;
  b[9] = 1;
  return Principal.fromUint8Array(b);
}

const measure = measureAsync;

const rid = new Uint8Array(32);
rid[3] = 77;
const p = canisterId(123456);
const results = {
  principal_to_text: await measure(() => p.toText()),
  principal_from_text: await measure(() => Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai')),
  cbor_decode_envelope: await measure(() => Cbor.decode(envelope)),
  cbor_encode_envelope: await measure(() => Cbor.encode(decodedEnvelope)),
  request_id_of_call: await measure(() => requestIdOf(content)),
  hash_tree_decode_and_digest: await measure(() => reconstruct(Cbor.decode(treeBytes))),
  hash_tree_lookup: await measure(() => lookup_path(['request_status', rid, 'reply'], tree)),
};
console.log(JSON.stringify(results));
