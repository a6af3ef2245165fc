// The peer of execution_bench.cc: the same canister modules run by node's WebAssembly (V8) with
// a System API written in JavaScript that does only what these messages need (argument, reply,
// caller, self, time, stable memory size). No replicated state, no rounds, no cycles, no
// memory snapshots: a lower bound of what any JS-hosted execution would cost per message.
// Prints {case: ns} for the cases of the same names; motoko uses the classic (wasm32) counter,
// since node 20's V8 has no table64. Also motoko_10k/rss_per_canister (bytes).
import { readFileSync } from 'node:fs';
import { measure, cpuNs } from './peer_timing.mjs';

const dir = process.argv[2];
const spec = JSON.parse(readFileSync(`${dir}/execution.json`, 'utf8'));
const results = {};

// ic0 functions whose result is i64 (a BigInt in JS); every other result is an i32.
const i64Results = new Set(['stable64_size', 'stable64_grow', 'time', 'global_timer_set',
  'performance_counter', 'canister_version', 'msg_deadline']);

function instantiate(module) {
  let memory = null;
  const msg = { arg: new Uint8Array(0), reply: [], caller: new Uint8Array(29).fill(7) };
  const self = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
  const bytes = () => new Uint8Array(memory.buffer);
  const impl = {
    msg_arg_data_size: () => msg.arg.length,
    msg_arg_data_copy: (dst, off, size) => bytes().set(msg.arg.subarray(off, off + size), dst),
    msg_caller_size: () => msg.caller.length,
    msg_caller_copy: (dst, off, size) => bytes().set(msg.caller.subarray(off, off + size), dst),
    canister_self_size: () => self.length,
    canister_self_copy: (dst, off, size) => bytes().set(self.subarray(off, off + size), dst),
    msg_reply_data_append: (src, size) => msg.reply.push(bytes().slice(src, src + size)),
    msg_reply: () => { msg.replied = true; },
    canister_status: () => 1,
    time: () => 1700000000000000000n,
    trap: (src, size) => { throw new Error(`trap: ${Buffer.from(bytes().slice(src, src + size))}`); },
  };
  const ic0 = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== 'ic0') throw new Error(`unexpected import ${imp.module}.${imp.name}`);
    ic0[imp.name] = impl[imp.name] ?? (i64Results.has(imp.name) ? () => 0n : () => 0);
  }
  const instance = new WebAssembly.Instance(module, { ic0 });
  memory = instance.exports.memory ?? Object.values(instance.exports).find((e) => e instanceof WebAssembly.Memory);
  const call = (name, arg = new Uint8Array(0)) => {
    msg.arg = arg;
    msg.reply = [];
    msg.replied = false;
    instance.exports[name]();
    if (!msg.replied && !name.startsWith('canister_init')) throw new Error(`${name} did not reply`);
    return msg.reply;
  };
  return { call };
}

const emptyArgs = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0]);
const noop = new WebAssembly.Module(readFileSync(spec.noop));
const n = instantiate(noop);
results.empty_update = measure(() => n.call('canister_update noop'));
results.empty_query = measure(() => n.call('canister_query noop_query'));

const counterBytes = readFileSync(spec.motoko_classic);
const counterModule = new WebAssembly.Module(counterBytes);
const counter = instantiate(counterModule);
counter.call('canister_init', emptyArgs);
const first = counter.call('canister_update inc', emptyArgs);
if (Buffer.concat(first).toString('hex') !== '4449444c00017d01') throw new Error('motoko inc did not answer 1');
results.motoko_counter_inc = measure(() => counter.call('canister_update inc', emptyArgs));

// Compiling and instantiating the module, then canister_init: what installing it is for V8.
results.install_250kb = measure(() => {
  const m = new WebAssembly.Module(counterBytes);
  instantiate(m).call('canister_init', emptyArgs);
}, { ms: 1500, warmup: 2 });

// 10,000 instances of the compiled counter, each initialised and called once.
const before = process.memoryUsage().rss;
const start = cpuNs();
const keep = [];
for (let i = 0; i < 10000; i++) {
  const c = instantiate(counterModule);
  c.call('canister_init', emptyArgs);
  c.call('canister_update inc', emptyArgs);
  keep.push(c);
}
results.motoko_10k = cpuNs() - start;
results['motoko_10k/rss_per_canister'] = (process.memoryUsage().rss - before) / keep.length;
console.log(JSON.stringify(results));
