"""Filtered queries in the benchmark (issue 12): filters inside the index
against hannoy post-filtering.  Fashion-MNIST gets a column `tag` = class * 100 + a
random 0..99, so the filters below keep 50%, 10%, 1%, 0.1% and none of
the rows, each correlated with the image class; the hard set gets `tag`
= a random tenant 0..999, the same filters then independent of the
vectors.  The same filter applies
to every query (queries of every class), as a tenant or category filter
would: for most queries the matching rows are not its nearest ones.

For each filter, 200 top-10 queries, one client, a prepared statement:
rows returned, recall@10 against the exact nearest matching rows, median
latency.  The 10% and 1% filters come twice: as a range, which the scan
checks on the elements it walks to, and as the same rows named by an IN
list of values (a set of tenants or categories), which the index's value
sets answer when they are few (hannoy.exact_filter_limit), as they do
0.1% and no row.  Four set-ups:
  post-filter  a hannoy index on v; the executor checks the filter on the
               rows the ordered scan returns (iterative scan, defaults)
  in-index     a hannoy index on (v, tag): the scan checks the filter on
               each element as it walks the graph (Index Cond), or on
               the elements its value sets name (the exact path)
  in-index, walk  the same index with hannoy.exact_filter_limit 0: the
               walk alone
  planner      the (v, tag) index alone, and the plan the planner picks
               (it may sort the rows of a sequential scan: exact)
  planner, btree  the same with a btree on tag too (it may sort the
               btree's rows: exact)
The first three force the hannoy scan (enable_seqscan off).  The
unfiltered query of each set-up is its reference."""
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
    ('10%, IN list', 'tag IN (' + ', '.join(map(str, range(300, 400))) + ')',
     lambda t: (t >= 300) & (t < 400)),
    ('1%', 'tag >= 310 AND tag < 320', lambda t: (t >= 310) & (t < 320)),
    ('1%, IN list', 'tag IN (' + ', '.join(map(str, range(310, 320))) + ')',
     lambda t: (t >= 310) & (t < 320)),
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


MODES = ('post-filter', 'in-index', 'in-index, walk', 'planner', 'planner, btree')


def filter_runs(rec, h, base, queries, dataset, m, efc):
    """h: bench.Hannoy.  A table of its own, fitems (id, v, tag), with
    hannoy indexes built as bench.py builds items'."""
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
    qs = queries[:QUERIES]
    params = [vector_binary(v) for v in qs]
    h.sql('SET hannoy.ef_search = 40')
    for mode in MODES:
        if mode == 'post-filter':
            h.build('fitems', 'vector_l2_ops', m, efc)
        elif mode == 'in-index':
            h.build('fitems', 'vector_l2_ops', m, efc, attributes=', tag')
        elif mode == 'planner, btree':
            h.sql('CREATE INDEX fitems_tag ON fitems (tag)')
            h.sql('ANALYZE fitems')
        h.sql('SET hannoy.exact_filter_limit = 0' if mode == 'in-index, walk'
              else 'RESET hannoy.exact_filter_limit')
        h.sql('RESET enable_seqscan' if mode.startswith('planner') else 'SET enable_seqscan = off')
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
            rec.add('hannoy-filter', f'{mode}: filter {name}',
                    selectivity=float(mask.mean()), rows=rows, recall=recall, p50_ms=ms,
                    plan=('hannoy scan, index cond' if 'Index Cond' in plan and 'fitems_v' in plan
                          else 'hannoy scan, filter' if 'fitems_v' in plan
                          else 'btree + sort' if 'fitems_tag' in plan else 'seq scan + sort'))
    h.sql('RESET enable_seqscan')
    h.sql('RESET hannoy.ef_search')
    h.sql('DROP TABLE fitems')


def filter_targets(rec):
    """Target rows for bench.py's report: (name, target, value, note)."""
    out = []
    for mode in MODES:
        base = rec.get('hannoy-filter', f'{mode}: filter none (all rows)')
        for name, _, _ in FILTERS[1:]:
            r = rec.get('hannoy-filter', f'{mode}: filter {name}')
            if r is None or base is None:
                continue
            target = '<= 1' if name == 'no row' else '<= 2'
            out.append((f'{mode}, filter {name}: latency / unfiltered (recall target >= 0.95)',
                        target if mode != 'post-filter' else 'baseline', r['p50_ms'] / base['p50_ms'],
                        f"recall {r['recall']:.3f}, {r['rows']:.1f} rows of 10, {r.get('plan', '')}"))
    return out
