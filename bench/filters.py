"""Filtered queries in the benchmark (issue 12): the baseline, hannoy
post-filtering.  Fashion-MNIST gets a column `tag` = class * 100 + a
random 0..99, so the filters below keep 50%, 10%, 1%, 0.1% and none of
the rows, each correlated with the image class; the hard set gets `tag`
= a random tenant 0..999, the same filters then independent of the
vectors.  The same filter applies
to every query (queries of every class), as a tenant or category filter
would: for most queries the matching rows are not its nearest ones.

For each filter, 200 top-10 queries, one client, a prepared statement:
rows returned, recall@10 against the exact nearest matching rows, median
latency; through hannoy's ordered scan with the filter left to the
executor (iterative scan at the defaults), and through the plan the
planner picks when a btree index on tag exists too.  The unfiltered
query is the reference."""
import gzip
import statistics

import numpy as np

from hard_data import nearest
from latency import prepared_latencies
from vectors import literal, vector_binary

QUERIES = 200
FILTERS = [
    ('none (all rows)', 'true', lambda t: np.ones_like(t, dtype=bool)),
    ('50%', 'tag < 500', lambda t: t < 500),
    ('10%', 'tag >= 300 AND tag < 400', lambda t: (t >= 300) & (t < 400)),
    ('1%', 'tag >= 310 AND tag < 320', lambda t: (t >= 310) & (t < 320)),
    ('0.1%', 'tag = 314', lambda t: t == 314),
    ('no row', 'tag = -1', lambda t: t == -1),
]


def fashion_mnist_labels():
    with gzip.open('/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz') as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(np.int64)


def run(conn, sql, params, vector_oid):
    """Median milliseconds and results of sql ($1: a vector) over params;
    10 warm-up queries."""
    times, found = prepared_latencies(conn, sql, params, vector_oid, 10)
    return statistics.median(times), found


def filter_runs(rec, h, base, queries, dataset, m, efc):
    """h: bench.Hannoy.  A table of its own, fitems (id, v, tag), with a
    hannoy index built as bench.py builds items'."""
    rng = np.random.default_rng(5)
    if dataset == 'fashion-mnist':
        tags = fashion_mnist_labels()[:len(base)] * 100 + rng.integers(0, 100, len(base))
    elif dataset == 'hard':
        # a tenant column: 1000 tenants, whatever the vector
        tags = rng.integers(0, 1000, len(base))
    else:
        return
    h.sql('DROP TABLE IF EXISTS fitems')
    h.sql(f'CREATE TABLE fitems (id int PRIMARY KEY, v vector({base.shape[1]}), tag int)')
    h.sql('ALTER TABLE fitems ALTER COLUMN v SET STORAGE PLAIN')
    with h.conn.cursor().copy('COPY fitems (id, v, tag) FROM STDIN') as copy:
        for i, row in enumerate(base):
            copy.write_row((i, literal(row), int(tags[i])))
    h.sql('VACUUM ANALYZE fitems')
    h.build('fitems', 'vector_l2_ops', m, efc)
    qs = queries[:QUERIES]
    params = [vector_binary(v) for v in qs]
    h.sql('SET hannoy.ef_search = 40')
    # the planner's own choice (bench.py's searches turn sequential scans off)
    h.sql('RESET enable_seqscan')
    for with_btree in (False, True):
        if with_btree:
            h.sql('CREATE INDEX fitems_tag ON fitems (tag)')
            h.sql('ANALYZE fitems')
        for name, cond, mask_of in FILTERS:
            mask = mask_of(tags)
            ids = np.flatnonzero(mask)
            truth = ids[nearest(base[ids], qs)] if len(ids) >= 10 else None
            sql = f'SELECT id FROM fitems WHERE {cond} ORDER BY v <-> $1 LIMIT 10'
            ms, found = run(h.conn, sql, params, h.vector_oid)
            plan = '\n'.join(r[0] for r in h.sql(
                f"EXPLAIN SELECT id FROM fitems WHERE {cond} ORDER BY v <-> "
                f"(SELECT v FROM fitems LIMIT 1) LIMIT 10"))
            rows = float(np.mean([len(f) for f in found]))
            recall = (float(np.mean([len(set(f) & set(t.tolist())) / 10 for f, t in zip(found, truth)]))
                      if truth is not None else float('nan'))
            rec.add('hannoy-filter', f'filter {name}' + (', btree on tag' if with_btree else ''),
                    selectivity=float(mask.mean()), rows=rows, recall=recall, p50_ms=ms,
                    plan='hannoy scan' if 'fitems_v' in plan else
                         'btree + sort' if 'fitems_tag' in plan else 'seq scan + sort')
    h.sql('RESET hannoy.ef_search')
    h.sql('DROP TABLE fitems')


def filter_targets(rec):
    """Target rows for bench.py's report: (name, target, value, note)."""
    base = rec.get('hannoy-filter', 'filter none (all rows)')
    out = []
    for name, _, _ in FILTERS[1:]:
        r = rec.get('hannoy-filter', f'filter {name}')
        if r is None or base is None:
            continue
        out.append((f'post-filter {name}: recall@10 (target in-index >= 0.95), latency / unfiltered (target <= 2)',
                    'baseline', r['p50_ms'] / base['p50_ms'],
                    f"recall {r['recall']:.3f}, {r['rows']:.1f} rows of 10"))
    return out
