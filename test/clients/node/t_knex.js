'use strict';
// Knex 3 with the npm pgvector package's Knex support (t.vector(),
// t.halfvec(), knex.l2Distance() and the other distance builders). The
// table comes from knex.schema.createTable(), the index from
// t.index(columns, name, { storageEngineIndexType: 'hannoy' }) (Knex has no
// opclass or WITH for indexes: the default opclass vector_l2_ops and the
// default parameters apply). Knex returns vectors as text; pgvector's
// fromSql() parses them.
const Knex = require('knex');
const pgvector = require('pgvector/knex');
const {
  DIM, K, OPS, OP_NAMES, INDEX, INDEX_QUERY, TYPES_QUERY, connection,
  makeData, sameVectors, checkDistances, checkTopK, sameIds, Tap,
} = require('./common');

const DISTANCE = {
  '<->': 'l2Distance',
  '<#>': 'maxInnerProduct',
  '<=>': 'cosineDistance',
  '<+>': 'l1Distance',
};

async function main() {
  const tap = new Tap('knex');
  const { vectors, halves, vqueries, hqueries } = makeData();
  const knex = Knex({ client: 'pg', connection, pool: { min: 0, max: 1 } });
  const rawRows = async (db, text, bindings = []) => (await db.raw(text, bindings)).rows;

  await tap.check(`schema.createTable() with t.vector('embedding', ${DIM}) and t.halfvec('half', ${DIM})`, async () => {
    await knex.schema.enableExtension('hannoy');
    await knex.schema.createTable('items', (t) => {
      t.integer('id').primary();
      t.vector('embedding', DIM);
      t.halfvec('half', DIM);
    });
    const types = (await rawRows(knex, TYPES_QUERY)).map((r) => r.t).join(' ');
    return types === `vector(${DIM}) halfvec(${DIM})` ? null : `column types ${types}`;
  });

  await tap.check(`insert ${vectors.length} rows`, async () => {
    await knex('items').insert(vectors.map((v, i) => ({
      id: i + 1, embedding: pgvector.toSql(v), half: pgvector.toSql(halves[i]),
    })));
    const n = Number((await knex('items').count({ n: '*' }))[0].n);
    return n === vectors.length ? null : `${n} rows`;
  });

  await tap.check('read back vector and halfvec, exactly', async () => {
    const rows = await knex('items').select('embedding', 'half').orderBy('id');
    return sameVectors(rows.map((r) => pgvector.fromSql(r.embedding)), vectors)
      || sameVectors(rows.map((r) => pgvector.fromSql(r.half)), halves);
  });

  const dist = (db, column, op, query) => db[DISTANCE[op]](column, query);
  const distances = async (column, op, query) => (await knex('items')
    .select('id', knex.raw('? as d', [dist(knex, column, op, query)]))).map((r) => [r.id, r.d]);

  for (const op of OPS) {
    await tap.check(`vector ${op} (${OP_NAMES[op]}) matches the client's distances`, async () => {
      for (const query of vqueries) {
        const why = checkDistances(op, await distances('embedding', op, query), vectors, query);
        if (why) return why;
      }
      return null;
    });
  }

  await tap.check('halfvec <-> <#> <=> <+> match the client\'s distances', async () => {
    for (const op of OPS) {
      for (const query of hqueries) {
        const why = checkDistances(op, await distances('half', op, query), halves, query);
        if (why) return `${op}: ${why}`;
      }
    }
    return null;
  });

  const knn = (db, query, limit = K, op = '<->') => db('items')
    .select('id', db.raw('? as d', [dist(db, 'embedding', op, query)]))
    .orderBy(dist(db, 'embedding', op, query))
    .limit(limit);
  const pairs = async (builder) => (await builder).map((r) => [r.id, r.d]);

  await tap.check(`ORDER BY <op> LIMIT ${K} (no index) gives the nearest rows, for each operator`, async () => {
    for (const op of OPS) {
      for (const query of vqueries) {
        const why = checkTopK(op, await pairs(knn(knex, query, K, op)), vectors, query);
        if (why) return `${op}: ${why}`;
      }
    }
    return null;
  });

  await tap.check("t.index(['embedding'], name, { storageEngineIndexType: 'hannoy' })", async () => {
    await knex.schema.alterTable('items', (t) => {
      t.index(['embedding'], INDEX, { storageEngineIndexType: 'hannoy' });
    });
    const row = (await rawRows(knex, INDEX_QUERY.replace('$1', '?'), [INDEX]))[0];
    return row && `${row.amname},${row.opcname}` === 'hannoy,vector_l2_ops' ? null : `index: ${JSON.stringify(row)}`;
  });

  const setting = async (db) => (await rawRows(db, "SELECT current_setting('hannoy.ef_search') AS s"))[0].s;

  await tap.check('SET LOCAL hannoy.ef_search in knex.transaction() reaches the scan and ends with it', async () => {
    const before = await setting(knex);
    const [inside, rows] = await knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL hannoy.ef_search = 5');
      await trx.raw('SET LOCAL hannoy.iterative_scan = off');
      await trx.raw('SET LOCAL enable_seqscan = off');
      return [await setting(trx), await pairs(knn(trx, vqueries[0], 20))];
    });
    const after = await setting(knex);
    if (inside !== '5' || after !== before) return `ef_search ${before} before, ${inside} inside, ${after} after`;
    if (rows.length < 1 || rows.length > 5) return `LIMIT 20 with ef_search 5, iterative_scan off: ${rows.length} rows`;
    return null;
  });

  await tap.check('EXPLAIN of the orderBy(knex.l2Distance()).limit() query: it uses the hannoy index', async () => {
    const plan = await knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL enable_seqscan = off');
      const { sql, bindings } = knn(trx, vqueries[0]).toSQL();
      return rawRows(trx, `EXPLAIN (COSTS OFF) ${sql}`, bindings);
    });
    const lines = plan.map((r) => r['QUERY PLAN']).join('\n');
    return lines.includes(`Index Scan using ${INDEX}`) ? null : lines;
  });

  await tap.check('hannoy index scan (ef_search 100) returns the exact scan\'s rows', async () => {
    for (const query of vqueries) {
      const [byIndex, exact] = await knex.transaction(async (trx) => {
        await trx.raw('SET LOCAL hannoy.ef_search = 100');
        await trx.raw('SET LOCAL enable_seqscan = off');
        const a = await pairs(knn(trx, query));
        await trx.raw('SET LOCAL enable_seqscan = on');
        await trx.raw('SET LOCAL enable_indexscan = off');
        return [a, await pairs(knn(trx, query))];
      });
      const why = sameIds(byIndex, exact) || checkTopK('<->', byIndex, vectors, query);
      if (why) return why;
    }
    return null;
  });

  await knex.destroy();
  tap.done();
}

main().catch((e) => { console.log(`not ok - knex: ${e.stack}`); process.exitCode = 1; });
