// Cross-checks our Candid with @dfinity/candid, the library IC clients use, on random types and
// values over every type constructor: values encoded by the JS library decode in ours and print
// as the text we expect, and the same text parsed and encoded by ours decodes in the JS library to
// the original values. CANDID_INTEROP names the candid_interop test binary; CANDID_SEED replays a
// run (the seed is printed when a case fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

const bin = process.env.CANDID_INTEROP;
assert.ok(bin, 'set CANDID_INTEROP to the candid_interop binary');
const seed = Number(process.env.CANDID_SEED ?? Math.floor(Math.random() * 2 ** 31));
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (h) => new Uint8Array(Buffer.from(h, 'hex'));

// mulberry32: a small seeded generator, so that a failing run can be replayed.
let state = seed >>> 0;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const pick = (xs) => xs[int(xs.length)];
const bytes = (n) => Uint8Array.from({ length: n }, () => int(256));
function bigBits(bits) {
  let v = 0n;
  for (let i = 0; i < bits; i += 8) v = (v << 8n) | BigInt(int(256));
  return v & ((1n << BigInt(bits)) - 1n);
}

// ---------------------------------------------------------------------------------------------
// Text syntax as our printer writes it (print_value in src/encoding/candid_text.h).

const keywords = new Set(['blob', 'bool', 'composite_query', 'empty', 'false', 'float32', 'float64',
  'func', 'import', 'int', 'int16', 'int32', 'int64', 'int8', 'nat', 'nat16', 'nat32', 'nat64',
  'nat8', 'null', 'oneway', 'opt', 'principal', 'query', 'record', 'reserved', 'service', 'text',
  'true', 'type', 'variant', 'vec', 'inf', 'nan']);
const isPlainId = (s) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !keywords.has(s);
const byteEscape = (b) => '\\' + b.toString(16).padStart(2, '0');
function textLiteral(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += byteEscape(c);
    else out += ch;
  }
  return out + '"';
}
const nameText = (s) => (isPlainId(s) ? s : textLiteral(s));

// The shortest correctly rounded decimal that reads back to the same float, laid out like
// Number.prototype.toString, with ".0" on integral values.
function floatText(x, single) {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  let out = x < 0 || Object.is(x, -0) ? '-' : '';
  const a = Math.abs(x);
  if (a === 0) return out + '0.0';
  let s;
  for (let p = 1; p <= 17; p++) {
    s = a.toExponential(p - 1);
    const back = Number(s);
    if (single ? Math.fround(back) === Math.fround(a) : back === a) break;
  }
  const [mantissa, exponent] = s.split('e');
  const digits = mantissa.replace('.', '').replace(/(.)0+$/, '$1');
  const n = Number(exponent) + 1;
  const k = digits.length;
  if (k <= n && n <= 21) out += digits + '0'.repeat(n - k) + '.0';
  else if (n > 0 && n <= 21) out += digits.slice(0, n) + '.' + digits.slice(n);
  else if (n > -6 && n <= 0) out += '0.' + '0'.repeat(-n) + digits;
  else out += digits[0] + (k > 1 ? '.' + digits.slice(1) : '') + (n - 1 >= 0 ? 'e+' : 'e-') + Math.abs(n - 1);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Random types. Each is { idl, text, gen(depth) -> value, show(value) -> text, kind }.

const coverage = new Map();
const note = (kind) => coverage.set(kind, (coverage.get(kind) ?? 0) + 1);

function fixed(bits, signed) {
  const name = `${signed ? 'int' : 'nat'}${bits}`;
  const idl = IDL[signed ? `Int${bits}` : `Nat${bits}`];
  if (bits === 64) {
    return { kind: name, idl, text: name, show: (v) => v.toString(),
      gen: () => { const v = bigBits(64); return signed ? BigInt.asIntN(64, v) : v; } };
  }
  return { kind: name, idl, text: name, show: (v) => String(v),
    gen: () => { const v = Number(bigBits(bits)); return signed && v >= 2 ** (bits - 1) ? v - 2 ** bits : v; } };
}

const textChars = ['a', 'Z', '0', ' ', '"', '\\', "'", '\n', '\t', '\r', '\x00', '\x1f', '\x7f', 'é',
  'ß', '€', '中', '文', '☃', '😀', '𝄞', '\u200b', '\ufeff', '{', '}', ';', '/*', '//'];
// @dfinity/candid decodes text with a default TextDecoder, which drops a leading U+FEFF (a byte
// order mark) although it is part of the value; ours keeps it. Texts never start with one here.
function randomText() {
  let s = '';
  for (let i = int(12); i > 0; i--) s += pick(textChars);
  return s.startsWith('\ufeff') ? 'x' + s : s;
}
function randomFloat(single) {
  const v = randomDouble(single);
  return single ? Math.fround(v) : v;
}
function randomDouble(single) {
  switch (int(6)) {
    case 0: return pick([0, -0, 1, -1, 0.5, 0.1, 1e21, 1e-7, 123456.789, 2 ** 53, Infinity, -Infinity, NaN, 5e-324, 1.7976931348623157e308]);
    case 1: return (int(2000000) - 1000000) / pick([1, 10, 1000, 3]);
    default: {
      const b = bytes(single ? 4 : 8);
      const v = new DataView(b.buffer)[single ? 'getFloat32' : 'getFloat64'](0, true);
      return v;
    }
  }
}
function randomPrincipal() {
  return Principal.fromUint8Array(bytes(pick([0, 1, 10, 29, int(30)])));
}
function randomIdent() {
  return pick(['a', 'b', 'owner', 'amount', 'x_1', '_hidden', 'CamelCase', 'canister_id', 'z9']) + (int(3) ? '' : String(int(100)));
}
function randomLabel() {
  switch (int(8)) {
    case 0: return `_${int(2 ** 32)}_`;         // a numeric id
    case 1: return `_${int(5)}_`;               // a small numeric id, which may make a tuple
    case 2: return pick(['with space', 'ünïcödé', 'a-b', '1st']);  // needs quotes
    default: return randomIdent();
  }
}
const labelId = (label) => {
  const m = /^_(\d+)_$/.exec(label);
  if (m && Number(m[1]) < 2 ** 32) return Number(m[1]);
  let h = 0;
  for (const c of new TextEncoder().encode(label)) h = (h * 223 + c) % 2 ** 32;
  return h;
};
const labelText = (label) => (/^_(\d+)_$/.test(label) ? String(labelId(label)) : nameText(label));

const prims = [
  () => ({ kind: 'null', idl: IDL.Null, text: 'null', gen: () => null, show: () => 'null' }),
  () => ({ kind: 'bool', idl: IDL.Bool, text: 'bool', gen: () => rand() < 0.5, show: (v) => String(v) }),
  () => ({ kind: 'nat', idl: IDL.Nat, text: 'nat', gen: () => bigBits(pick([1, 7, 8, 64, 65, 200])), show: (v) => v.toString() }),
  () => ({ kind: 'int', idl: IDL.Int, text: 'int', gen: () => bigBits(pick([1, 7, 8, 64, 65, 200])) * (rand() < 0.5 ? -1n : 1n), show: (v) => v.toString() }),
  () => fixed(8, false), () => fixed(16, false), () => fixed(32, false), () => fixed(64, false),
  () => fixed(8, true), () => fixed(16, true), () => fixed(32, true), () => fixed(64, true),
  () => ({ kind: 'float32', idl: IDL.Float32, text: 'float32', gen: () => randomFloat(true), show: (v) => floatText(v, true) }),
  () => ({ kind: 'float64', idl: IDL.Float64, text: 'float64', gen: () => randomFloat(false), show: (v) => floatText(v, false) }),
  () => ({ kind: 'text', idl: IDL.Text, text: 'text', gen: randomText, show: textLiteral }),
  () => ({ kind: 'reserved', idl: IDL.Reserved, text: 'reserved', gen: () => null, show: () => 'null' }),
  () => ({ kind: 'principal', idl: IDL.Principal, text: 'principal', gen: randomPrincipal, show: (v) => `principal "${v.toText()}"` }),
];

function funcType(defs, depth) {
  const args = Array.from({ length: int(3) }, () => randomType(defs, depth + 1, true));
  const rets = Array.from({ length: int(3) }, () => randomType(defs, depth + 1, true));
  const modes = pick([[], ['query'], ['oneway'], ['composite_query']]);
  return {
    idl: IDL.Func(args.map((t) => t.idl), rets.map((t) => t.idl), modes),
    text: `func (${args.map((t) => t.text).join(', ')}) -> (${rets.map((t) => t.text).join(', ')})${modes.map((m) => ' ' + m).join('')}`,
  };
}

// |noRefs| keeps function signatures simple: their values are never encoded, only their types.
function randomType(defs, depth, noRefs = false) {
  const leaf = depth >= 3 || rand() < 0.35;
  if (leaf) return pick(prims)();
  const which = noRefs ? int(5) : int(9);
  switch (which) {
    case 0: {
      const t = randomType(defs, depth + 1, noRefs);
      return { kind: 'opt', idl: IDL.Opt(t.idl), text: `opt ${t.text}`,
        gen: () => (rand() < 0.3 ? [] : [t.gen()]), show: (v) => (v.length ? `opt ${t.show(v[0])}` : 'null') };
    }
    case 1: {
      if (rand() < 0.2) {
        return { kind: 'blob', idl: IDL.Vec(IDL.Nat8), text: pick(['blob', 'vec nat8']),
          gen: () => bytes(int(20)), show: (v) => `blob "${Array.from(v, byteEscape).join('')}"` };
      }
      const t = randomType(defs, depth + 1, noRefs);
      return { kind: 'vec', idl: IDL.Vec(t.idl), text: `vec ${t.text}`,
        gen: () => Array.from({ length: int(4) }, () => t.gen()),
        show: (v) => (t.kind === 'nat8' ? `blob "${Array.from(v, byteEscape).join('')}"`
          : v.length ? `vec { ${Array.from(v, (x) => t.show(x)).join('; ')} }` : 'vec {}') };
    }
    case 2: case 3: {
      const record = which === 2;
      const fields = new Map();
      const n = record ? int(5) : 1 + int(4);
      const tuple = record && rand() < 0.25;
      for (let i = 0; i < n; i++) {
        const label = tuple ? `_${i}_` : randomLabel();
        if ([...fields.keys()].some((l) => labelId(l) === labelId(label))) continue;
        fields.set(label, randomType(defs, depth + 1, noRefs));
      }
      const sorted = [...fields.entries()].sort((a, b) => labelId(a[0]) - labelId(b[0]));
      const idlFields = Object.fromEntries(sorted.map(([l, t]) => [l, t.idl]));
      const text = `${record ? 'record' : 'variant'} { ${sorted.map(([l, t]) => `${labelText(l)} : ${t.text}`).join('; ')} }`;
      if (record) {
        const isTuple = sorted.length > 0 && sorted.every(([l], i) => labelId(l) === i);
        return { kind: 'record', idl: IDL.Record(idlFields), text,
          gen: () => Object.fromEntries(sorted.map(([l, t]) => [l, t.gen()])),
          show: (v) => (sorted.length === 0 ? 'record {}' : `record { ${sorted.map(([l, t]) =>
            (isTuple ? '' : `${labelText(l)} = `) + t.show(v[l])).join('; ')} }`) };
      }
      return { kind: 'variant', idl: IDL.Variant(idlFields), text,
        gen: () => { const [l, t] = pick(sorted); return { [l]: t.gen() }; },
        show: (v) => {
          const [l, x] = Object.entries(v)[0];
          const t = fields.get(l);
          return `variant { ${labelText(l)}${t.kind === 'null' ? '' : ' = ' + t.show(x)} }`;
        } };
    }
    case 4: {
      // A recursive type through IDL.Rec: a list or a tree of some element type.
      const name = `R${defs.length}`;
      defs.push(null);
      const slot = defs.length - 1;
      const elem = randomType(defs, depth + 1, noRefs);
      const rec = IDL.Rec();
      if (rand() < 0.5) {
        rec.fill(IDL.Opt(IDL.Record({ head: elem.idl, tail: rec })));
        defs[slot] = `type ${name} = opt record { head : ${elem.text}; tail : ${name} };`;
        const gen = (n) => (n === 0 ? [] : [{ head: elem.gen(), tail: gen(n - 1) }]);
        const show = (v) => (v.length ? `opt record { head = ${elem.show(v[0].head)}; tail = ${show(v[0].tail)} }` : 'null');
        return { kind: 'recursive', idl: rec, text: name, gen: () => gen(int(4)), show };
      }
      rec.fill(IDL.Variant({ leaf: elem.idl, node: IDL.Tuple(rec, rec) }));
      defs[slot] = `type ${name} = variant { leaf : ${elem.text}; node : record { ${name}; ${name} } };`;
      const gen = (n) => (n === 0 || rand() < 0.3 ? { leaf: elem.gen() } : { node: [gen(n - 1), gen(n - 1)] });
      const show = (v) => ('leaf' in v ? `variant { leaf${elem.kind === 'null' ? '' : ' = ' + elem.show(v.leaf)} }`
        : `variant { node = record { ${show(v.node[0])}; ${show(v.node[1])} } }`);
      return { kind: 'recursive', idl: rec, text: name, gen: () => gen(3), show };
    }
    case 5: case 6: {
      const f = funcType(defs, depth);
      return { kind: 'func', ...f,
        gen: () => [randomPrincipal(), randomIdent()],
        show: (v) => `func "${v[0].toText()}".${nameText(v[1])}` };
    }
    default: {
      const methods = {};
      const texts = [];
      for (let i = int(3); i >= 0; i--) {
        const m = randomIdent();
        if (m in methods) continue;
        const f = funcType(defs, depth);
        methods[m] = f.idl;
        texts.push(`${nameText(m)} : ${f.text.slice('func '.length)}`);
      }
      return { kind: 'service', idl: IDL.Service(methods), text: `service { ${texts.join('; ')} }`,
        gen: randomPrincipal, show: (v) => `service "${v.toText()}"` };
    }
  }
}

// What the JS library decodes, in a form deepStrictEqual can compare with what was encoded.
function normal(v) {
  if (v instanceof Principal || (v && v._isPrincipal)) return { principal: v.toText() };
  if (ArrayBuffer.isView(v)) return { typed: Array.from(v, normal) };
  if (Array.isArray(v)) return { typed: v.map(normal) };
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normal(x)]));
  return v;
}

function batch(lines) {
  const out = execFileSync(bin, ['batch'], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
  const results = out.split('\n').slice(0, lines.length).map((l) => {
    const tab = l.indexOf('\t');
    return { ok: l.slice(0, tab) === 'ok', out: l.slice(tab + 1) };
  });
  assert.equal(results.length, lines.length, 'one result per line');
  return results;
}

function randomCases(n) {
  const cases = [];
  for (let i = 0; i < n; i++) {
    const defs = [];
    const types = Array.from({ length: 1 + int(3) }, () => randomType(defs, 0));
    const values = types.map((t) => t.gen());
    const typesText = `${defs.join(' ')} (${types.map((t) => t.text).join(', ')})`;
    const valuesText = `(${types.map((t, k) => t.show(values[k])).join(', ')})`;
    cases.push({ types, values, typesText, valuesText });
  }
  return cases;
}

const cases = randomCases(400);
// Kinds seen anywhere in the generated types, counted by walking the text (IDL objects do not
// expose it uniformly): the test fails if a constructor was never exercised.
const allKinds = ['null', 'bool', 'nat', 'int', 'nat8', 'nat16', 'nat32', 'nat64', 'int8', 'int16',
  'int32', 'int64', 'float32', 'float64', 'text', 'reserved', 'principal', 'opt', 'vec', 'blob',
  'record', 'variant', 'func', 'service'];
function kindsOf(text) {
  const seen = new Set();
  for (const k of allKinds) if (new RegExp(`(^|[^A-Za-z0-9_"])${k}($|[^A-Za-z0-9_"])`).test(text)) seen.add(k);
  if (/\btype R\d+ =/.test(text)) seen.add('recursive');
  return seen;
}
for (const c of cases) for (const k of kindsOf(c.typesText)) note(k);

test(`covers every type constructor (seed ${seed})`, () => {
  for (const k of [...allKinds, 'recursive']) assert.ok(coverage.get(k) > 0, `no case used ${k}`);
});

test(`@dfinity/candid encodes, ours decodes and prints the same values (seed ${seed})`, () => {
  const lines = cases.map((c) => `decode\t${c.typesText}\t${hex(IDL.encode(c.types.map((t) => t.idl), c.values))}`);
  const results = batch(lines);
  cases.forEach((c, i) => {
    assert.ok(results[i].ok, `seed ${seed}, case ${i}: ${c.typesText}\n${c.valuesText}\n${results[i].out}`);
    assert.equal(results[i].out, c.valuesText, `seed ${seed}, case ${i}: ${c.typesText}`);
  });
});

test(`ours parses and encodes, @dfinity/candid decodes the same values (seed ${seed})`, () => {
  const results = batch(cases.map((c) => `encode\t${c.typesText}\t${c.valuesText}`));
  cases.forEach((c, i) => {
    assert.ok(results[i].ok, `seed ${seed}, case ${i}: ${c.typesText}\n${c.valuesText}\n${results[i].out}`);
    const decoded = IDL.decode(c.types.map((t) => t.idl), unhex(results[i].out));
    assert.deepStrictEqual(normal(decoded), normal(c.values), `seed ${seed}, case ${i}: ${c.typesText}\n${c.valuesText}`);
  });
});

test('@dfinity/candid drops a leading byte order mark from text; ours keeps it', () => {
  const bytes = IDL.encode([IDL.Text], ['\ufeffx']);
  assert.equal(IDL.decode([IDL.Text], bytes)[0], 'x', 'if this fails, the JS library was fixed');
  const [r] = batch([`decode\t(text)\t${hex(bytes)}`]);
  assert.deepEqual(r, { ok: true, out: '("\ufeffx")' });
});

test('both refuse a value of the wrong type', () => {
  const [r] = batch(['encode\t(nat8)\t(256)']);
  assert.equal(r.ok, false);
  assert.throws(() => IDL.encode([IDL.Nat8], [256]));
  const [d] = batch([`decode\t(text)\t${hex(IDL.encode([IDL.Nat], [5n]))}`]);
  assert.equal(d.ok, false);
});
