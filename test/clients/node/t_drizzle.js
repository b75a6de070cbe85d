'use strict';
// Drizzle ORM (drizzle-orm, node-postgres driver) with its own vector and
// halfvec column types and distance helpers (l2Distance, innerProduct,
// cosineDistance, l1Distance); the npm pgvector package is not needed.
// drizzle-orm issues no DDL at run time (drizzle-kit generates migrations;
// it is not tested here), so the table and the index are raw DDL through
// db.execute(sql`...`), and the table's declared column types are checked
// against the catalog.
const pg = require('pg');
const { drizzle } = require('drizzle-orm/node-postgres');
const { pgTable, integer, vector, halfvec } = require('drizzle-orm/pg-core');
const {
  sql, count, asc, l2Distance, innerProduct, cosineDistance, l1Distance,
} = require('drizzle-orm');
const {
  DIM, K, OPS, OP_NAMES, INDEX, INDEX_QUERY, TYPES_QUERY, connection,
  makeData, sameVectors, checkDistances, checkTopK, sameIds, Tap,
} = require('./common');

const DISTANCE = {
  '<->': l2Distance,
  '<#>': innerProduct,
  '<=>': cosineDistance,
  '<+>': l1Distance,
};

const items = pgTable('items', {
  id: integer('id').primaryKey(),
  embedding: vector('embedding', { dimensions: DIM }),
  half: halfvec('half', { dimensions: DIM }),
});

async function main() {
  const tap = new Tap('drizzle');
  const { vectors, halves, vqueries, hqueries } = makeData();
  const client = new pg.Client(connection);
  await client.connect();
  const db = drizzle(client);
  const rowsOf = async (text, params) => (await client.query(text, params)).rows;

  await tap.check(`CREATE TABLE (raw DDL) matching pgTable's vector(${DIM}) and halfvec(${DIM}) columns`, async () => {
    await db.execute(sql`CREATE EXTENSION IF NOT EXISTS hannoy`);
    const columns = [items.id, items.embedding, items.half].map((c) => `${c.name} ${c.getSQLType()}`);
    await db.execute(sql.raw(`CREATE TABLE items (${columns.join(', ')}, PRIMARY KEY (id))`));
    const types = (await rowsOf(TYPES_QUERY)).map((r) => r.t).join(' ');
    const declared = `${items.embedding.getSQLType()} ${items.half.getSQLType()}`;
    return types === `vector(${DIM}) halfvec(${DIM})` && types === declared
      ? null : `column types ${types}, declared ${declared}`;
  });

  await tap.check(`db.insert(items).values(${vectors.length} rows)`, async () => {
    await db.insert(items).values(vectors.map((v, i) => ({ id: i + 1, embedding: v, half: halves[i] })));
    const n = (await db.select({ n: count() }).from(items))[0].n;
    return n === vectors.length ? null : `${n} rows`;
  });

  await tap.check('read back vector and halfvec columns, exactly', async () => {
    const rows = await db.select().from(items).orderBy(asc(items.id));
    return sameVectors(rows.map((r) => r.embedding), vectors) || sameVectors(rows.map((r) => r.half), halves);
  });

  const distances = async (column, op, query) => (await db
    .select({ id: items.id, d: DISTANCE[op](column, query) }).from(items)).map((r) => [r.id, r.d]);

  for (const op of OPS) {
    await tap.check(`vector ${op} (${OP_NAMES[op]}) matches the client's distances`, async () => {
      for (const query of vqueries) {
        const why = checkDistances(op, await distances(items.embedding, op, query), vectors, query);
        if (why) return why;
      }
      return null;
    });
  }

  await tap.check('halfvec <-> <#> <=> <+> match the client\'s distances', async () => {
    for (const op of OPS) {
      for (const query of hqueries) {
        const why = checkDistances(op, await distances(items.half, op, query), halves, query);
        if (why) return `${op}: ${why}`;
      }
    }
    return null;
  });

  const knn = (tx, query, limit = K, op = '<->') => {
    const d = DISTANCE[op](items.embedding, query);
    return tx.select({ id: items.id, d }).from(items).orderBy(d).limit(limit);
  };
  const pairs = async (builder) => (await builder).map((r) => [r.id, r.d]);

  await tap.check(`ORDER BY <op> LIMIT ${K} (no index) gives the nearest rows, for each operator`, async () => {
    for (const op of OPS) {
      for (const query of vqueries) {
        const why = checkTopK(op, await pairs(knn(db, query, K, op)), vectors, query);
        if (why) return `${op}: ${why}`;
      }
    }
    return null;
  });

  await tap.check('CREATE INDEX ... USING hannoy (raw DDL: drizzle-orm has no DDL at run time)', async () => {
    await db.execute(sql.raw(`CREATE INDEX ${INDEX} ON items USING hannoy (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)`));
    const row = (await rowsOf(INDEX_QUERY, [INDEX]))[0];
    return row && `${row.amname},${row.opcname}` === 'hannoy,vector_l2_ops' ? null : `index: ${JSON.stringify(row)}`;
  });

  const setting = async (tx) => (await tx.execute(sql`SELECT current_setting('hannoy.ef_search') AS s`)).rows[0].s;

  await tap.check('SET LOCAL hannoy.ef_search in db.transaction() reaches the scan and ends with it', async () => {
    const before = await setting(db);
    const [inside, rows] = await db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL hannoy.ef_search = 5`);
      await tx.execute(sql`SET LOCAL hannoy.iterative_scan = off`);
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      return [await setting(tx), await pairs(knn(tx, vqueries[0], 20))];
    });
    const after = await setting(db);
    if (inside !== '5' || after !== before) return `ef_search ${before} before, ${inside} inside, ${after} after`;
    if (rows.length < 1 || rows.length > 5) return `LIMIT 20 with ef_search 5, iterative_scan off: ${rows.length} rows`;
    return null;
  });

  await tap.check('EXPLAIN of the select().orderBy(l2Distance()).limit() query: it uses the hannoy index', async () => {
    const plan = await db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      // the query's own text and parameters; one client, so this runs
      // inside the transaction
      const { sql: text, params } = knn(tx, vqueries[0]).toSQL();
      return rowsOf(`EXPLAIN (COSTS OFF) ${text}`, params);
    });
    const lines = plan.map((r) => r['QUERY PLAN']).join('\n');
    return lines.includes(`Index Scan using ${INDEX}`) ? null : lines;
  });

  await tap.check('hannoy index scan (ef_search 100) returns the exact scan\'s rows', async () => {
    for (const query of vqueries) {
      const [byIndex, exact] = await db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL hannoy.ef_search = 100`);
        await tx.execute(sql`SET LOCAL enable_seqscan = off`);
        const a = await pairs(knn(tx, query));
        await tx.execute(sql`SET LOCAL enable_seqscan = on`);
        await tx.execute(sql`SET LOCAL enable_indexscan = off`);
        return [a, await pairs(knn(tx, query))];
      });
      const why = sameIds(byIndex, exact) || checkTopK('<->', byIndex, vectors, query);
      if (why) return why;
    }
    return null;
  });

  await client.end();
  tap.done();
}

main().catch((e) => { console.log(`not ok - drizzle: ${e.stack}`); process.exitCode = 1; });
