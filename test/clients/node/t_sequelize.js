'use strict';
// Sequelize 6 with the npm pgvector package's Sequelize support
// (DataTypes.VECTOR / HALFVEC and its distance helpers). The table comes
// from Model.sync(), the index from queryInterface.addIndex() with
// using: 'hannoy' and the opclass as the field's operator (Sequelize has no
// WITH parameters for indexes: the defaults apply).
const { Sequelize, DataTypes } = require('sequelize');
const pgvector = require('pgvector/sequelize');
const {
  DIM, K, OPS, OP_NAMES, INDEX, INDEX_QUERY, TYPES_QUERY, connection,
  makeData, sameVectors, checkDistances, checkTopK, sameIds, Tap,
} = require('./common');

pgvector.registerTypes(Sequelize);

const DISTANCE = {
  '<->': pgvector.l2Distance,
  '<#>': pgvector.maxInnerProduct,
  '<=>': pgvector.cosineDistance,
  '<+>': pgvector.l1Distance,
};

async function main() {
  const tap = new Tap('sequelize');
  const { vectors, halves, vqueries, hqueries } = makeData();
  let lastSql = '';
  const sequelize = new Sequelize(connection.database, connection.user, null, {
    host: connection.host,
    port: connection.port,
    dialect: 'postgres',
    logging: (text) => { lastSql = text; },
    pool: { max: 1 },
  });
  const Item = sequelize.define('Item', {
    id: { type: DataTypes.INTEGER, primaryKey: true },
    embedding: DataTypes.VECTOR(DIM),
    half: DataTypes.HALFVEC(DIM),
  }, { tableName: 'items', timestamps: false });
  const plain = { type: Sequelize.QueryTypes.SELECT };
  const rowsOf = (text, options = {}) => sequelize.query(text, { ...plain, ...options });

  await tap.check(`Model.sync() with VECTOR(${DIM}) and HALFVEC(${DIM}) attributes`, async () => {
    await sequelize.query('CREATE EXTENSION IF NOT EXISTS hannoy');
    await Item.sync();
    const types = (await rowsOf(TYPES_QUERY)).map((r) => r.t).join(' ');
    return types === `vector(${DIM}) halfvec(${DIM})` ? null : `column types ${types}`;
  });

  await tap.check(`bulkCreate ${vectors.length} rows`, async () => {
    await Item.bulkCreate(vectors.map((v, i) => ({ id: i + 1, embedding: v, half: halves[i] })));
    const n = await Item.count();
    return n === vectors.length ? null : `${n} rows`;
  });

  await tap.check('read back VECTOR and HALFVEC attributes, exactly', async () => {
    const rows = await Item.findAll({ order: [['id', 'ASC']] });
    return sameVectors(rows.map((r) => r.embedding), vectors) || sameVectors(rows.map((r) => r.half), halves);
  });

  const distances = (column, op, query) => Item.findAll({
    attributes: ['id', [DISTANCE[op](column, query, sequelize), 'd']],
    raw: true,
  }).then((rows) => rows.map((r) => [r.id, r.d]));

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

  const knn = (query, limit = K, transaction = undefined, op = '<->') => {
    const d = DISTANCE[op]('embedding', query, sequelize);
    return Item.findAll({ attributes: ['id', [d, 'd']], order: d, limit, raw: true, transaction })
      .then((rows) => rows.map((r) => [r.id, r.d]));
  };

  await tap.check(`ORDER BY <op> LIMIT ${K} (no index) gives the nearest rows, for each operator`, async () => {
    for (const op of OPS) {
      for (const query of vqueries) {
        const why = checkTopK(op, await knn(query, K, undefined, op), vectors, query);
        if (why) return `${op}: ${why}`;
      }
    }
    return null;
  });

  await tap.check("queryInterface.addIndex({ using: 'hannoy', fields: [{ operator: 'vector_l2_ops' }] })", async () => {
    await sequelize.getQueryInterface().addIndex('items', {
      name: INDEX, using: 'hannoy', fields: [{ name: 'embedding', operator: 'vector_l2_ops' }],
    });
    const row = (await rowsOf(INDEX_QUERY, { bind: [INDEX] }))[0];
    return row && `${row.amname},${row.opcname}` === 'hannoy,vector_l2_ops' ? null : `index: ${JSON.stringify(row)}`;
  });

  const setting = async (transaction) => (await rowsOf("SELECT current_setting('hannoy.ef_search') AS s", { transaction }))[0].s;

  await tap.check('SET LOCAL hannoy.ef_search in sequelize.transaction() reaches the scan and ends with it', async () => {
    const before = await setting();
    const [inside, rows] = await sequelize.transaction(async (transaction) => {
      await sequelize.query('SET LOCAL hannoy.ef_search = 5', { transaction });
      await sequelize.query('SET LOCAL hannoy.iterative_scan = off', { transaction });
      await sequelize.query('SET LOCAL enable_seqscan = off', { transaction });
      return [await setting(transaction), await knn(vqueries[0], 20, transaction)];
    });
    const after = await setting();
    if (inside !== '5' || after !== before) return `ef_search ${before} before, ${inside} inside, ${after} after`;
    if (rows.length < 1 || rows.length > 5) return `LIMIT 20 with ef_search 5, iterative_scan off: ${rows.length} rows`;
    return null;
  });

  await tap.check('EXPLAIN of the findAll({ order: l2Distance, limit }) query: it uses the hannoy index', async () => {
    const plan = await sequelize.transaction(async (transaction) => {
      await sequelize.query('SET LOCAL enable_seqscan = off', { transaction });
      await knn(vqueries[0], K, transaction);
      // the statement Sequelize just ran (values inline), as it logged it
      const text = lastSql.replace(/^Executing \([^)]*\): /, '');
      if (!/^SELECT /.test(text)) throw new Error(`logged statement: ${lastSql}`);
      return rowsOf(`EXPLAIN (COSTS OFF) ${text}`, { transaction });
    });
    const lines = plan.map((r) => r['QUERY PLAN']).join('\n');
    return lines.includes(`Index Scan using ${INDEX}`) ? null : lines;
  });

  await tap.check('hannoy index scan (ef_search 100) returns the exact scan\'s rows', async () => {
    for (const query of vqueries) {
      const [byIndex, exact] = await sequelize.transaction(async (transaction) => {
        await sequelize.query('SET LOCAL hannoy.ef_search = 100', { transaction });
        await sequelize.query('SET LOCAL enable_seqscan = off', { transaction });
        const a = await knn(query, K, transaction);
        await sequelize.query('SET LOCAL enable_seqscan = on', { transaction });
        await sequelize.query('SET LOCAL enable_indexscan = off', { transaction });
        return [a, await knn(query, K, transaction)];
      });
      const why = sameIds(byIndex, exact) || checkTopK('<->', byIndex, vectors, query);
      if (why) return why;
    }
    return null;
  });

  await sequelize.close();
  tap.done();
}

main().catch((e) => { console.log(`not ok - sequelize: ${e.stack}`); process.exitCode = 1; });
