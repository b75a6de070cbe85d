"""Sparse vectors in the benchmark (issue 13): the data set's vectors as
sparsevec (their non-zero elements; Fashion-MNIST keeps 390 of 784 on
average) in a table of their own, an index of sparsevec_l2_ops built
serially, and 200 prepared top-10 queries from one client (the query in
text form) at a few ef_search values: recall@10 against the exact nearest
and median latency.  The reference is the same run's fp32 index on the
dense vectors: build seconds and bytes."""
import statistics
import time

import numpy as np

QUERIES = 200
EFS = (40, 100, 200)


def sparse_literal(row):
    nz = np.flatnonzero(row)
    return '{' + ','.join(f'{i + 1}:{row[i]:.9g}' for i in nz) + f'}}/{len(row)}'


def sparse_runs(rec, h, base, queries, truth, m, efc):
    """h: bench.Hannoy (its connection)."""
    conn = h.conn
    h.sql('DROP TABLE IF EXISTS sitems')
    h.sql(f'CREATE TABLE sitems (id int PRIMARY KEY, v sparsevec({base.shape[1]}))')
    h.sql('ALTER TABLE sitems ALTER COLUMN v SET STORAGE PLAIN')
    with conn.cursor().copy('COPY sitems (id, v) FROM STDIN') as copy:
        for i, row in enumerate(base):
            copy.write_row((i, sparse_literal(row)))
    h.sql('VACUUM ANALYZE sitems')
    h.sql("SET maintenance_work_mem = '2GB'")
    h.sql('SET max_parallel_maintenance_workers = 0')
    t = time.time()
    h.sql(f'CREATE INDEX sitems_v ON sitems USING hannoy (v sparsevec_l2_ops) '
          f'WITH (m = {m}, ef_construction = {efc})')
    seconds = time.time() - t
    size = h.sql("SELECT pg_relation_size('sitems_v')").fetchone()[0]
    rec.add('hannoy-sparse', 'build', workers=0, seconds=seconds, bytes=size,
            nonzero=float((base != 0).sum(1).mean()))
    h.sql('RESET maintenance_work_mem')

    oid = h.sql("SELECT 'sparsevec'::regtype::oid").fetchone()[0]
    params = [sparse_literal(q).encode() for q in queries[:QUERIES]]
    pg = conn.pgconn
    h.sql('SET enable_seqscan = off')
    for ef in EFS:
        h.sql(f'SET hannoy.ef_search = {ef}')
        pg.exec_(b'DEALLOCATE ALL')
        pg.prepare(b'sparse_knn', b'SELECT id FROM sitems ORDER BY v <-> $1 LIMIT 10', [oid])
        for p in params[:10]:
            pg.exec_prepared(b'sparse_knn', [p], [0])
        times, found = [], []
        for p in params:
            t = time.perf_counter()
            res = pg.exec_prepared(b'sparse_knn', [p], [0])
            times.append((time.perf_counter() - t) * 1000)
            found.append([int(res.get_value(r, 0)) for r in range(res.ntuples)])
        recall = float(np.mean([len(set(f) & set(t[:10].tolist())) / 10
                                for f, t in zip(found, truth[:QUERIES])]))
        rec.add('hannoy-sparse', 'top-10 queries', ef=ef, recall=recall, p50_ms=statistics.median(times))
    pg.exec_(b'DEALLOCATE ALL')
    h.sql('RESET enable_seqscan')
    h.sql('RESET hannoy.ef_search')
    h.sql('DROP TABLE sitems')


def sparse_targets(rec):
    """Ratios for the report (no target: the figures README quotes)."""
    s = rec.get('hannoy-sparse', 'build')
    d = rec.get('hannoy', 'build', workers=0)
    if s is None or d is None:
        return []
    return [('sparse: build / fp32 build (serial)', '-', s['seconds'] / d['seconds'], ''),
            ('sparse: index size / fp32 index', '-', s['bytes'] / d['bytes'], '')]
