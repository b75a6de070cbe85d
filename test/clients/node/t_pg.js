'use strict';
// node-postgres (npm pg) with the npm pgvector package's pg support:
// registerTypes() finds the vector, halfvec and sparsevec types by name and
// parses them (sparsevec into pgvector's SparseVector); toSql() writes
// vectors and SparseVectors. node-postgres has no schema API, so the table
// and the index are raw DDL.
const pg = require('pg');
const pgvector = require('pgvector/pg');
const { SparseVector } = require('pgvector');
const {
  DIM, K, OPS, OP_NAMES, INDEX, INDEX_QUERY, TYPES_QUERY, EDGE_VECTORS, connection,
  makeData, sameVectors, checkDistances, checkTopK, sameIds, Tap, close,
  SPARSE_DIM, SPARSE_EDGES, makeSparseData, sameSparseRows, sparseL2,
} = require('./common');

// a { dim, indices, values } as pgvector's SparseVector, from a Map
const toSparse = (v) => new SparseVector(new Map(v.indices.map((i, j) => [i, v.values[j]])), v.dim);

async function main() {
  const tap = new Tap('pg');
  const { vectors, halves, vqueries, hqueries } = makeData();
  const client = new pg.Client(connection);
  await client.connect();
  const q = async (text, params) => (await client.query({ text, values: params, rowMode: 'array' })).rows;

  await tap.check(`CREATE TABLE with vector(${DIM}) and halfvec(${DIM}) columns`, async () => {
    await client.query('CREATE EXTENSION IF NOT EXISTS hannoy');
    await pgvector.registerTypes(client);
    await client.query(`CREATE TABLE items (id int PRIMARY KEY, embedding vector(${DIM}), half halfvec(${DIM}))`);
    const types = (await q(TYPES_QUERY)).map((r) => r[0]).join(' ');
    return types === `vector(${DIM}) halfvec(${DIM})` ? null : `column types ${types}`;
  });

  await tap.check(`insert ${vectors.length} rows (one multi-row INSERT, vectors as parameters)`, async () => {
    const params = [];
    const tuples = vectors.map((v, i) => {
      params.push(i + 1, pgvector.toSql(v), pgvector.toSql(halves[i]));
      return `($${params.length - 2}, $${params.length - 1}, $${params.length})`;
    });
    await client.query(`INSERT INTO items VALUES ${tuples.join(', ')}`, params);
    const n = Number((await q('SELECT count(*) FROM items'))[0][0]);
    return n === vectors.length ? null : `${n} rows`;
  });

  await tap.check('read back vector and halfvec, exactly', async () => {
    const rows = await q('SELECT embedding, half FROM items ORDER BY id');
    return sameVectors(rows.map((r) => r[0]), vectors) || sameVectors(rows.map((r) => r[1]), halves);
  });

  await tap.check('subnormal, largest float4 and 9-digit values round-trip', async () => {
    await client.query('CREATE TABLE edges (id int PRIMARY KEY, v vector)');
    for (const [i, v] of EDGE_VECTORS.entries()) {
      await client.query('INSERT INTO edges VALUES ($1, $2)', [i + 1, pgvector.toSql(v)]);
    }
    const rows = await q('SELECT v FROM edges ORDER BY id');
    return sameVectors(rows.map((r) => r[0]), EDGE_VECTORS);
  });

  await tap.check('errors reach the client with their SQLSTATE (22000, 22P02, 22003)', async () => {
    const cases = [
      ['INSERT INTO items (id, embedding) VALUES ($1, $2)', [1000, pgvector.toSql([1, 2])], '22000'], // dimensions differ
      ['SELECT $1::vector', ['[1,2'], '22P02'], // malformed text
      ['SELECT $1::halfvec', ['[70000]'], '22003'], // beyond binary16
      ['SELECT embedding <-> $1 FROM items', [pgvector.toSql([1])], '22000'],
    ];
    for (const [text, params, state] of cases) {
      let code = null;
      try {
        await client.query(text, params);
      } catch (e) {
        code = e.code;
      }
      if (code !== state) return `${text} ${JSON.stringify(params)}: SQLSTATE ${code}, expected ${state}`;
    }
    return null;
  });

  const sparse = makeSparseData();

  await tap.check(`sparsevec: ${sparse.rows.length} rows and edge values round-trip (SparseVector, toSql)`, async () => {
    await client.query(`CREATE TABLE sparse_items (id int PRIMARY KEY, s sparsevec(${SPARSE_DIM}))`);
    await client.query('CREATE TABLE sparse_edges (id int PRIMARY KEY, s sparsevec)');
    for (const [i, v] of sparse.rows.entries()) {
      await client.query('INSERT INTO sparse_items VALUES ($1, $2)', [i + 1, pgvector.toSql(toSparse(v))]);
    }
    for (const [i, v] of SPARSE_EDGES.entries()) {
      await client.query('INSERT INTO sparse_edges VALUES ($1, $2)', [i + 1, pgvector.toSql(toSparse(v))]);
    }
    const rows = (await q('SELECT s FROM sparse_items ORDER BY id')).map((r) => r[0]);
    const edges = (await q('SELECT s FROM sparse_edges ORDER BY id')).map((r) => r[0]);
    if (!(rows[0] instanceof SparseVector)) return `read back as ${typeof rows[0]}: ${JSON.stringify(rows[0])}`;
    const why = sameSparseRows(rows, sparse.rows) || sameSparseRows(edges, SPARSE_EDGES);
    if (why) return why;
    const text = (await q('SELECT s::text FROM sparse_edges WHERE id = 1'))[0][0];
    const want = '{1:1e-45,50000:0.1,100000:-3.4028235e+38}/100000';
    return text === want ? null : `server text ${text}, expected ${want}`;
  });

  await tap.check('sparsevec <-> matches the client\'s distances', async () => {
    for (const query of sparse.queries) {
      const rows = await q('SELECT id, s <-> $1 FROM sparse_items', [pgvector.toSql(toSparse(query))]);
      if (rows.length !== sparse.rows.length) return `${rows.length} rows`;
      for (const [id, got] of rows) {
        const want = sparseL2(sparse.rows[id - 1], query);
        if (!close(Number(got), want)) return `id ${id}: <-> gave ${got}, expected ${want}`;
      }
    }
    return null;
  });

  await tap.check('sparsevec errors reach the client with their SQLSTATE (22000, 54000)', async () => {
    const cases = [
      ['SELECT $1::sparsevec', ['{1:1,1:2}/2'], '22000'], // repeated index
      ['SELECT $1::sparsevec', ['{1:1}/1000000001'], '54000'], // more than 1e9 dimensions
      ['SELECT s <-> $1 FROM sparse_items', [pgvector.toSql(new SparseVector([1, 0, 2]))], '22000'],
    ];
    for (const [text, params, state] of cases) {
      let code = null;
      try {
        await client.query(text, params);
      } catch (e) {
        code = e.code;
      }
      if (code !== state) return `${text} ${JSON.stringify(params)}: SQLSTATE ${code}, expected ${state}`;
    }
    return null;
  });

  for (const op of OPS) {
    await tap.check(`vector ${op} (${OP_NAMES[op]}) matches the client's distances`, async () => {
      for (const query of vqueries) {
        const rows = await q(`SELECT id, embedding ${op} $1 FROM items`, [pgvector.toSql(query)]);
        const why = checkDistances(op, rows, vectors, query);
        if (why) return why;
      }
      return null;
    });
  }

  await tap.check('halfvec <-> <#> <=> <+> match the client\'s distances', async () => {
    for (const op of OPS) {
      for (const query of hqueries) {
        const rows = await q(`SELECT id, half ${op} $1 FROM items`, [pgvector.toSql(query)]);
        const why = checkDistances(op, rows, halves, query);
        if (why) return `${op}: ${why}`;
      }
    }
    return null;
  });

  const knn = (op = '<->') => `SELECT id, embedding ${op} $1 FROM items ORDER BY embedding ${op} $1 LIMIT $2`;

  await tap.check(`ORDER BY <op> LIMIT ${K} (no index) gives the nearest rows, for each operator`, async () => {
    for (const op of OPS) {
      for (const query of vqueries) {
        const why = checkTopK(op, await q(knn(op), [pgvector.toSql(query), K]), vectors, query);
        if (why) return `${op}: ${why}`;
      }
    }
    return null;
  });

  await tap.check('CREATE INDEX ... USING hannoy (raw DDL: node-postgres has no index API)', async () => {
    await client.query(`CREATE INDEX ${INDEX} ON items USING hannoy (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)`);
    const row = (await q(INDEX_QUERY, [INDEX]))[0];
    return row && row.join() === 'hannoy,vector_l2_ops' ? null : `index: ${row}`;
  });

  const setting = async () => (await q("SELECT current_setting('hannoy.ef_search')"))[0][0];

  await tap.check('SET LOCAL hannoy.ef_search in a transaction reaches the scan and ends with it', async () => {
    const before = await setting();
    await client.query('BEGIN');
    let inside;
    let rows;
    try {
      await client.query('SET LOCAL hannoy.ef_search = 5');
      await client.query('SET LOCAL hannoy.iterative_scan = off');
      await client.query('SET LOCAL enable_seqscan = off');
      inside = await setting();
      rows = await q(knn(), [pgvector.toSql(vqueries[0]), 20]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    }
    const after = await setting();
    if (inside !== '5' || after !== before) return `ef_search ${before} before, ${inside} inside, ${after} after`;
    if (rows.length < 1 || rows.length > 5) return `LIMIT 20 with ef_search 5, iterative_scan off: ${rows.length} rows`;
    return null;
  });

  await tap.check('EXPLAIN: ORDER BY <-> LIMIT uses the hannoy index', async () => {
    await client.query('BEGIN');
    try {
      await client.query('SET LOCAL enable_seqscan = off');
      const plan = (await q(`EXPLAIN (COSTS OFF) ${knn()}`, [pgvector.toSql(vqueries[0]), K])).map((r) => r[0]).join('\n');
      return plan.includes(`Index Scan using ${INDEX}`) ? null : plan;
    } finally {
      await client.query('COMMIT');
    }
  });

  await tap.check('hannoy index scan (ef_search 100) returns the exact scan\'s rows', async () => {
    for (const query of vqueries) {
      await client.query('BEGIN');
      let byIndex;
      let exact;
      try {
        await client.query('SET LOCAL hannoy.ef_search = 100');
        await client.query('SET LOCAL enable_seqscan = off');
        byIndex = await q(knn(), [pgvector.toSql(query), K]);
        await client.query('SET LOCAL enable_seqscan = on');
        await client.query('SET LOCAL enable_indexscan = off');
        exact = await q(knn(), [pgvector.toSql(query), K]);
      } finally {
        await client.query('COMMIT');
      }
      const why = sameIds(byIndex, exact) || checkTopK('<->', byIndex, vectors, query);
      if (why) return why;
    }
    return null;
  });

  await client.end();
  tap.done();
}

main().catch((e) => { console.log(`not ok - pg: ${e.stack}`); process.exitCode = 1; });
