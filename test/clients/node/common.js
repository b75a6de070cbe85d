'use strict';
// What every Node client test shares: the data set (the same generator and
// seed as py/common.py, so every client stores the same vectors), the
// distances the client expects, and TAP-style output.

const DIM = 16;
const ROWS = 300;
const QUERIES = 5;
const K = 10;
const OPS = ['<->', '<#>', '<=>', '<+>'];
const OP_NAMES = { '<->': 'l2', '<#>': 'negative inner product', '<=>': 'cosine', '<+>': 'l1' };
const INDEX = 'items_embedding_hannoy';

// 32-bit xorshift, as in py/common.py.
class Rng {
  constructor(seed) { this.state = (seed >>> 0) || 1; }
  next() {
    let x = this.state;
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    this.state = x;
    return x;
  }
  // a float4 in [-1, 1)
  unit() { return Math.fround(this.next() / 4294967296 * 2 - 1); }
  // a multiple of 1/256 in [-2, 2]: every one is exact in binary16
  half() { return (this.next() % 1025 - 512) / 256; }
}

function makeData() {
  const rng = new Rng(0x68616e6e);
  const many = (n, f) => Array.from({ length: n }, () => Array.from({ length: DIM }, f));
  const vectors = many(ROWS, () => rng.unit());
  const halves = many(ROWS, () => rng.half());
  const vqueries = many(QUERIES, () => rng.unit());
  const hqueries = many(QUERIES, () => rng.half());
  return { vectors, halves, vqueries, hqueries };
}

// Values a careless conversion would change: the smallest subnormal float4,
// the largest finite float4, a value needing nine digits, powers of two far
// apart. (No -0: JSON.stringify, which the JS libraries use to write
// vectors, writes it as 0.)
const EDGE_VECTORS = [
  [Math.fround(1.401298464324817e-45), -Math.fround(3.4028234663852886e38), 1, 0],
  [Math.fround(0.1), Math.fround(1 / 3), Math.fround(-2.7182817), Math.fround(16777217)],
  [Math.fround(1e-38), Math.fround(-1.1754942e-38), Math.fround(123456.789), Math.fround(-9.999999e-5)],
];

function sameFloat(a, b) {
  return typeof a === 'number' && Object.is(Math.fround(a), Math.fround(b));
}

// null when equal element by element, else the first difference
function sameVectors(got, want) {
  if (!Array.isArray(got) || got.length !== want.length) {
    return `${got && got.length} rows, expected ${want.length}`;
  }
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (!Array.isArray(g) || g.length !== w.length) return `row ${i}: ${JSON.stringify(g)}, expected ${JSON.stringify(w)}`;
    for (let j = 0; j < w.length; j++) {
      if (!sameFloat(g[j], w[j])) return `row ${i} element ${j}: ${g[j]}, expected ${w[j]}`;
    }
  }
  return null;
}

function distance(op, a, b) {
  let s = 0;
  switch (op) {
    case '<->':
      for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
      return Math.sqrt(s);
    case '<#>':
      for (let i = 0; i < a.length; i++) s += a[i] * b[i];
      return -s;
    case '<=>': {
      let na = 0;
      let nb = 0;
      for (let i = 0; i < a.length; i++) { s += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
      return 1 - s / (Math.sqrt(na) * Math.sqrt(nb));
    }
    case '<+>':
      for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
      return s;
    default:
      throw new Error(`operator ${op}`);
  }
}

// The server computes in float4: allow that much rounding.
function close(got, want) {
  return typeof got === 'number' && Math.abs(got - want) <= 2e-5 + 1e-5 * Math.abs(want);
}

// rows: [id, distance] for every row; null when all are as expected
function checkDistances(op, rows, data, query) {
  if (rows.length !== data.length) return `${rows.length} rows, expected ${data.length}`;
  for (const [id, got] of rows) {
    const want = distance(op, data[id - 1], query);
    if (!close(Number(got), want)) return `id ${id}: ${op} gave ${got}, expected ${want}`;
  }
  return null;
}

// rows: [id, distance] of ORDER BY <op> LIMIT k. null when they are k rows
// in order whose distances are the k smallest (compares distances, not ids,
// so ties cannot make it fail).
function checkTopK(op, rows, data, query, k = K) {
  const want = data.map((v) => distance(op, v, query)).sort((x, y) => x - y).slice(0, k);
  if (rows.length !== k) return `${rows.length} rows, expected ${k}`;
  for (let i = 0; i < rows.length; i++) {
    const [id, got] = rows[i];
    const own = distance(op, data[id - 1], query);
    if (!close(Number(got), own)) return `id ${id}: distance ${got}, expected ${own}`;
    if (!close(Number(got), want[i])) return `rank ${i + 1}: distance ${got}, the smallest is ${want[i]}`;
  }
  return null;
}

function sameIds(byIndex, exact) {
  const a = byIndex.map((r) => Number(r[0]));
  const b = exact.map((r) => Number(r[0]));
  return JSON.stringify(a) === JSON.stringify(b) ? null : `index ids ${a}, exact scan ids ${b}`;
}

// --- sparsevec: the same data as py/common.py ------------------------------
const SPARSE_DIM = 100000;
const SPARSE_ROWS = 60;

// { dim, indices (0-based, ascending), values (float4) }: SPARSE_ROWS rows
// and QUERIES queries, 1 to 24 non-zero elements each, about half of the
// indices below 64 so that rows and queries share some.
function makeSparseData() {
  const rng = new Rng(0x73706172);
  const one = () => {
    const n = 1 + (rng.next() % 24);
    const chosen = new Set();
    for (let j = 0; j < n; j++) {
      const span = rng.next() % 2 ? 64 : SPARSE_DIM;
      chosen.add(rng.next() % span);
    }
    const indices = [...chosen].sort((x, y) => x - y);
    const values = indices.map(() => rng.unit() || 0.5);
    return { dim: SPARSE_DIM, indices, values };
  };
  const rows = Array.from({ length: SPARSE_ROWS }, one);
  const queries = Array.from({ length: QUERIES }, one);
  return { rows, queries };
}

// The smallest subnormal, the largest float4, a 9-digit value, the first and
// last of 1e9 dimensions. (Not the empty vector: npm pgvector 0.2.1 reads
// "{}/5" as one element with index and value NaN.)
const SPARSE_EDGES = [
  { dim: SPARSE_DIM, indices: [0, 49999, SPARSE_DIM - 1],
    values: [Math.fround(1.401298464324817e-45), Math.fround(0.1), -Math.fround(3.4028234663852886e38)] },
  { dim: 1000000000, indices: [0, 999999999], values: [Math.fround(1 / 3), Math.fround(16777217)] },
];

// null when got ({ dimensions, indices, values }, as npm pgvector's
// SparseVector has them) is want exactly, else the first difference
function sameSparse(got, want) {
  if (!got || got.dimensions !== want.dim || !Array.isArray(got.indices) || !Array.isArray(got.values)
      || JSON.stringify(got.indices) !== JSON.stringify(want.indices) || got.values.length !== want.values.length) {
    return `${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
  }
  for (let j = 0; j < want.values.length; j++) {
    if (!sameFloat(got.values[j], want.values[j])) {
      return `element ${j} (index ${want.indices[j]}): ${got.values[j]}, expected ${want.values[j]}`;
    }
  }
  return null;
}

function sameSparseRows(got, want) {
  if (got.length !== want.length) return `${got.length} rows, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const why = sameSparse(got[i], want[i]);
    if (why) return `row ${i}: ${why}`;
  }
  return null;
}

// Euclidean distance over the union of the non-zero elements, in double
function sparseL2(a, b) {
  const m = new Map();
  a.indices.forEach((i, j) => m.set(i, a.values[j]));
  b.indices.forEach((i, j) => m.set(i, (m.get(i) || 0) - b.values[j]));
  let s = 0;
  for (const x of m.values()) s += x * x;
  return Math.sqrt(s);
}

const INDEX_QUERY = 'SELECT am.amname, opc.opcname FROM pg_index i '
  + 'JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam '
  + 'JOIN pg_opclass opc ON opc.oid = i.indclass[0] '
  + "WHERE c.relname = $1 AND i.indrelid = 'items'::regclass";

const TYPES_QUERY = 'SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute '
  + "WHERE attrelid = 'items'::regclass AND attnum > 1 ORDER BY attnum";

const connection = {
  host: process.env.PGHOST,
  port: Number(process.env.PGPORT || 5432),
  database: process.env.PGDATABASE,
  user: process.env.PGUSER || require('node:os').userInfo().username,
};

// "ok N - client: what" or "not ok N - ...", and the plan last
class Tap {
  constructor(client) { this.client = client; this.count = 0; this.failures = 0; }
  ok(passed, what, why) {
    this.count += 1;
    if (!passed) this.failures += 1;
    console.log(`${passed ? 'ok' : 'not ok'} ${this.count} - ${this.client}: ${what}`);
    if (!passed && why) for (const line of String(why).split('\n')) console.log(`#   ${line}`);
    return passed;
  }
  // fn returns null (pass) or why it failed; an exception fails the step
  async check(what, fn) {
    let why;
    try {
      why = await fn();
    } catch (e) {
      why = `${e && e.stack ? e.stack.split('\n').slice(0, 4).join('\n') : e}`;
    }
    return this.ok(why === null || why === undefined, what, why);
  }
  done() {
    console.log(`1..${this.count}`);
    process.exitCode = this.failures ? 1 : 0;
  }
}

module.exports = {
  DIM, ROWS, K, OPS, OP_NAMES, INDEX, INDEX_QUERY, TYPES_QUERY, EDGE_VECTORS, connection,
  makeData, sameVectors, distance, checkDistances, checkTopK, sameIds, Tap, close,
  SPARSE_DIM, SPARSE_EDGES, makeSparseData, sameSparse, sameSparseRows, sparseL2,
};
