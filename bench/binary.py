"""Binary quantization in the benchmark (issue 13): an index on the bits of
binary_quantize(v) (bit_hamming_ops: a bit per dimension, set where the
value is above zero) finds candidates by Hamming distance, then the exact
vectors re-order them:

  SELECT id FROM (SELECT id, v FROM items
                   ORDER BY binary_quantize(v)::bit(D) <~> binary_quantize($1)
                   LIMIT C) c
   ORDER BY c.v <-> $1 LIMIT 10

against the fp32 index on the same table (ef_search 40), in the same run:
recall@10 against the exact nearest, median latency of 200 prepared
queries from one client, the build's seconds and the index's bytes.  C
candidates need ef_search >= C (the scan returns ef_search rows a pass),
so ef_search is max(40, C).  "hamming only" is the candidate scan's own
top 10, without the re-order."""
import statistics
import time

import numpy as np

from latency import prepared_latencies
from vectors import vector_binary

QUERIES = 200
CANDIDATES = (40, 100, 200, 400, 800)


def recall_at_10(found, truth):
    return float(np.mean([len(set(f) & set(t[:10].tolist())) / 10 for f, t in zip(found, truth)]))


def binary_runs(rec, h, table, dim, queries, truth, m, efc):
    """h: bench.Hannoy; table has (id, v vector(dim)) and an fp32 L2 index."""
    qs = queries[:QUERIES]
    params = [vector_binary(v) for v in qs]
    truth = truth[:QUERIES]
    fp32_size = h.sql(f"SELECT pg_relation_size('{table}_v')").fetchone()[0]
    h.sql('SET enable_seqscan = off')
    h.sql('SET hannoy.ef_search = 40')
    times, found = prepared_latencies(h.conn, f'SELECT id FROM {table} ORDER BY v <-> $1 LIMIT 10',
                                      params, h.vector_oid, 10)
    rec.add('hannoy-binary', 'fp32 index', ef=40, recall=recall_at_10(found, truth),
            p50_ms=statistics.median(times), bytes=fp32_size)

    h.sql('SET max_parallel_maintenance_workers = 0')
    t = time.time()
    h.sql(f'CREATE INDEX {table}_bq ON {table} USING hannoy '
          f'((binary_quantize(v)::bit({dim})) bit_hamming_ops) WITH (m = {m}, ef_construction = {efc})')
    seconds = time.time() - t
    size = h.sql(f"SELECT pg_relation_size('{table}_bq')").fetchone()[0]
    rec.add('hannoy-binary', 'build', workers=0, seconds=seconds, bytes=size)

    quantized = f'binary_quantize(v)::bit({dim}) <~> binary_quantize($1)'
    h.sql('SET hannoy.ef_search = 40')
    times, found = prepared_latencies(
        h.conn, f'SELECT id FROM {table} ORDER BY {quantized} LIMIT 10', params, h.vector_oid, 10)
    rec.add('hannoy-binary', 'hamming only', ef=40, recall=recall_at_10(found, truth),
            p50_ms=statistics.median(times))
    for c in CANDIDATES:
        h.sql(f'SET hannoy.ef_search = {max(40, c)}')
        sql = (f'SELECT id FROM (SELECT id, v FROM {table} ORDER BY {quantized} LIMIT {c}) c '
               f'ORDER BY c.v <-> $1 LIMIT 10')
        times, found = prepared_latencies(h.conn, sql, params, h.vector_oid, 10)
        rec.add('hannoy-binary', 're-ordered', candidates=c, ef=max(40, c),
                recall=recall_at_10(found, truth), p50_ms=statistics.median(times))
    h.sql(f'DROP INDEX {table}_bq')
    h.sql('RESET hannoy.ef_search')
    h.sql('RESET enable_seqscan')


def binary_targets(rec):
    """Ratios for the report (no target: the figures README quotes)."""
    def get(what, key, **match):
        r = rec.get('hannoy-binary', what, **match)
        return r[key] if r else float('nan')

    fp32 = rec.get('hannoy-binary', 'fp32 index')
    if fp32 is None:
        return []
    rows = [('binary: index size / fp32 index', '-', get('build', 'bytes') / fp32['bytes'], '')]
    first = next((r for r in rec.records if r['system'] == 'hannoy-binary' and r['what'] == 're-ordered'
                  and r['recall'] >= fp32['recall']), None)
    rows.append(('binary: latency at first recall >= fp32 index (ef 40) / fp32', '-',
                 first['p50_ms'] / fp32['p50_ms'] if first else float('nan'),
                 f"{first['candidates']} candidates" if first else 'never reached'))
    return rows
