#!/usr/bin/python3
"""hannoy benchmark: hannoy against hnswlib and faiss IndexHNSWFlat, in one
run on one machine, at the same m and ef_construction.

Connects to PostgreSQL through the libpq environment (bench/run starts a
throwaway cluster).  Writes <out>/results.jsonl (one record per
measurement), <out>/results.md (tables and target ratios) and
<out>/recall_qps.png.  A benchmark, not a test: it never fails on a time.
"""
import argparse
import gzip
import json
import os
import re
import tempfile
import time

import numpy as np
import psycopg

from binary import binary_runs, binary_targets
from sparse import sparse_runs, sparse_targets
from hard_data import hard, nearest as ground_truth
from ivf import ivf_runs, ivf_targets
from filters import filter_runs, filter_targets
from memory import PeakMemory
from shards import shard_runs, shard_targets
from vectors import literal, send_vectors_binary, vector_binary

K = 10
PASSES = 3
EFS = [10, 15, 20, 25, 30, 40, 60, 80, 120, 160, 320]


# --- datasets ----------------------------------------------------------------

def fashion_mnist(nq):
    def images(name):
        with gzip.open(f'/usr/share/datasets/fashion-mnist/{name}') as f:
            raw = f.read()
        return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784).astype(np.float32)
    return images('train-images-idx3-ubyte.gz'), images('t10k-images-idx3-ubyte.gz')[:nq]


def fvecs(path):
    a = np.fromfile(path, '<i4')
    return a.reshape(-1, a[0] + 1)[:, 1:].copy().view('<f4')


def sift10k(nq, data_dir):
    d = os.path.join(data_dir, 'siftsmall')
    return fvecs(f'{d}/siftsmall_base.fvecs'), fvecs(f'{d}/siftsmall_query.fvecs')[:nq]


def synthetic(n, dim, nq, seed=1):
    """Clustered Gaussian data: 100 centres, points around them."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 10, (100, dim)).astype(np.float32)
    def draw(m):
        return (centres[rng.integers(0, 100, m)] + rng.normal(0, 3, (m, dim))).astype(np.float32)
    return draw(n), draw(nq)


def recall(found, truth):
    return float(np.mean([len(set(f) & set(t.tolist())) / K for f, t in zip(found, truth)]))


# --- recording ---------------------------------------------------------------

class Recorder:
    def __init__(self, out, meta):
        self.records = []
        self.path = os.path.join(out, 'results.jsonl')
        self.meta = meta
        open(self.path, 'w').close()

    def add(self, system, what, **values):
        rec = dict(self.meta, system=system, what=what, **values)
        self.records.append(rec)
        with open(self.path, 'a') as f:
            f.write(json.dumps(rec) + '\n')
        print(f'  {system:8} {what:22} ' +
              ' '.join(f'{k}={v:.4g}' if isinstance(v, float) else f'{k}={v}' for k, v in values.items()),
              flush=True)

    def get(self, system, what, **match):
        for r in self.records:
            if r['system'] == system and r['what'] == what and all(r.get(k) == v for k, v in match.items()):
                return r
        return None


def timed_passes(run_query, queries, warmup=100, passes=PASSES):
    """Warm up, then run every query `passes` times in a row.  Returns the
    first pass's results and the best pass's queries per second (as
    ann-benchmarks keeps the best of its runs): one pass over 1000 queries
    lasts well under a second, and other work on the machine can slow any
    single one by 10%."""
    for q in queries[:warmup]:
        run_query(q)
    found, best = None, 0.0
    for _ in range(passes):
        t = time.perf_counter()
        out = [run_query(q) for q in queries]
        best = max(best, len(queries) / (time.perf_counter() - t))
        found = found if found is not None else out
    return found, best


# --- hannoy ------------------------------------------------------------------

class Hannoy:
    """The vector column is STORAGE PLAIN, as pgvector's own benchmark
    setup does: a 784-d vector then stays in the heap row instead of being
    moved to TOAST, so fetching a result (and computing the ORDER BY value
    the executor projects) reads one heap page, not a TOAST index and two
    chunks."""

    def __init__(self, conn, dim):
        self.conn = conn
        self.dim = dim
        self.vector_oid = send_vectors_binary(conn)
        self.statements = 0

    def sql(self, q, *args):
        return self.conn.execute(q, args if args else None)

    def load(self, table, base, first=0):
        self.sql(f'DROP TABLE IF EXISTS {table}')
        self.sql(f'CREATE TABLE {table} (id int PRIMARY KEY, v vector({self.dim}))')
        self.sql(f'ALTER TABLE {table} ALTER COLUMN v SET STORAGE PLAIN')
        with self.conn.cursor().copy(f'COPY {table} (id, v) FROM STDIN') as copy:
            for i, row in enumerate(base):
                copy.write_row((first + i, literal(row)))
        self.sql(f'VACUUM ANALYZE {table}')

    def build(self, table, opclass, m, efc, workers=0, mwm='2GB', attributes=''):
        """attributes: the index's columns after the vector, as ', a, b'."""
        self.sql(f'DROP INDEX IF EXISTS {table}_v')
        self.sql(f"SET maintenance_work_mem = '{mwm}'")
        self.sql(f'SET max_parallel_maintenance_workers = {workers}')
        t = time.time()
        self.sql(f'CREATE INDEX {table}_v ON {table} USING hannoy (v {opclass}{attributes}) '
                 f'WITH (m = {m}, ef_construction = {efc})')
        elapsed = time.time() - t
        size = self.sql(f"SELECT pg_relation_size('{table}_v')").fetchone()[0]
        self.sql('RESET maintenance_work_mem')
        return elapsed, size

    def search(self, table, queries, ef, warmup=100, rerank=None):
        """Results and QPS through libpq's prepared-statement call
        (psycopg.pq): one C call per query, so the client's own Python
        work (psycopg's cursor API, see search_cursor) stays out of the
        figure.  rerank: hannoy.rerank for a PQ index (default: ef)."""
        self.sql(f'SET hannoy.ef_search = {ef}')
        self.sql(f'SET hannoy.rerank = {rerank if rerank is not None else ef}')
        self.sql('SET enable_seqscan = off')
        pg = self.conn.pgconn
        self.statements += 1
        name = f'hannoy_knn_{self.statements}'.encode()
        sql = f'SELECT id FROM {table} ORDER BY v <-> $1 LIMIT {K}'.encode()
        res = pg.prepare(name, sql, [self.vector_oid])
        if res.status != psycopg.pq.ExecStatus.COMMAND_OK:
            raise RuntimeError(res.error_message.decode())
        params = [vector_binary(v) for v in queries]

        def run(param):
            res = pg.exec_prepared(name, [param], [1])
            if res.status != psycopg.pq.ExecStatus.TUPLES_OK:
                raise RuntimeError(res.error_message.decode())
            return [int(res.get_value(i, 0)) for i in range(res.ntuples)]

        found, qps = timed_passes(run, params, warmup)
        pg.exec_(b'DEALLOCATE ' + name)
        return found, qps

    def search_cursor(self, table, queries, ef, warmup=100):
        """The same through psycopg's cursor API (prepared, binary vector)."""
        self.sql(f'SET hannoy.ef_search = {ef}')
        self.sql('SET enable_seqscan = off')
        q = f'SELECT id FROM {table} ORDER BY v <-> %b LIMIT {K}'
        return timed_passes(
            lambda v: [r[0] for r in self.conn.execute(q, (v,), prepare=True).fetchall()],
            queries, warmup)

    def buffers_per_query(self, table, queries, ef, n=50):
        self.sql(f'SET hannoy.ef_search = {ef}')
        total = 0
        for v in queries[:n]:
            plan = self.sql(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) SELECT id FROM {table} "
                            f"ORDER BY v <-> '{literal(v)}' LIMIT {K}").fetchall()
            text = '\n'.join(r[0] for r in plan)
            hit = re.search(r'Buffers: shared hit=(\d+)(?: read=(\d+))?', text)
            total += int(hit.group(1)) + int(hit.group(2) or 0) if hit else 0
        return total / n

    def insert_cost(self, table, rows, first):
        """Seconds per single-row INSERT into table (prepared, autocommit)."""
        q = f'INSERT INTO {table} (id, v) VALUES (%s, %b)'
        t = time.perf_counter()
        for i, v in enumerate(rows):
            self.conn.execute(q, (first + i, v), prepare=True)
        return (time.perf_counter() - t) / len(rows)


# --- references ----------------------------------------------------------------

def hnswlib_runs(rec, base, queries, truth, m, efc):
    import hnswlib
    n, dim = base.shape
    builds = {}
    for threads in (1, 2):
        index = hnswlib.Index(space='l2', dim=dim)
        index.init_index(max_elements=n, ef_construction=efc, M=m, random_seed=100)
        index.set_num_threads(threads)
        t = time.time()
        index.add_items(base, np.arange(n))
        builds[threads] = time.time() - t
        rec.add('hnswlib', 'build', threads=threads, seconds=builds[threads])
    with tempfile.NamedTemporaryFile() as f:
        index.save_index(f.name)
        rec.add('hnswlib', 'size', bytes=os.path.getsize(f.name))
    index.set_num_threads(1)
    for ef in EFS:
        index.set_ef(max(ef, K))
        found, qps = timed_passes(lambda v: index.knn_query(v, k=K)[0][0].tolist(), queries)
        rec.add('hnswlib', 'search', ef=ef, recall=recall(found, truth), qps=qps)
    # per-item add time at the same size as hannoy's insert test
    n0 = n - 2000
    index = hnswlib.Index(space='l2', dim=dim)
    index.init_index(max_elements=n, ef_construction=efc, M=m, random_seed=100)
    index.set_num_threads(2)
    index.add_items(base[:n0], np.arange(n0))
    index.set_num_threads(1)
    t = time.perf_counter()
    for i in range(n0, n):
        index.add_items(base[i:i + 1], np.array([i]))
    rec.add('hnswlib', 'insert', seconds_per_row=(time.perf_counter() - t) / 2000)


def faiss_runs(rec, base, queries, truth, m, efc):
    import faiss
    n, dim = base.shape
    for threads in (1, 2):
        faiss.omp_set_num_threads(threads)
        index = faiss.IndexHNSWFlat(dim, m)
        index.hnsw.efConstruction = efc
        t = time.time()
        index.add(base)
        rec.add('faiss', 'build', threads=threads, seconds=time.time() - t)
    rec.add('faiss', 'size', bytes=int(faiss.serialize_index(index).nbytes))
    faiss.omp_set_num_threads(1)
    for ef in EFS:
        index.hnsw.efSearch = max(ef, K)
        found, qps = timed_passes(lambda v: index.search(v[None, :], K)[1][0].tolist(), queries)
        rec.add('faiss', 'search', ef=ef, recall=recall(found, truth), qps=qps)


# --- the run -------------------------------------------------------------------

def huge_pages_in_use(conn):
    """Whether this backend maps shared memory with huge pages (PostgreSQL
    15 has no huge_pages_status yet; the server runs as our user)."""
    pid = conn.execute('SELECT pg_backend_pid()').fetchone()[0]
    try:
        with open(f'/proc/{pid}/smaps') as f:
            return any(line.split()[1:2] == ['2048'] for line in f if line.startswith('KernelPageSize'))
    except OSError:
        return False


def local_connection(conn):
    """pg_virtualenv points libpq at localhost over TCP; a client on the
    database's own machine would use its Unix socket.  Returns the
    connection to use and how it connects."""
    dirs = conn.execute("SELECT current_setting('unix_socket_directories')").fetchone()[0]
    port = conn.execute("SELECT current_setting('port')").fetchone()[0]
    for d in (d.strip() for d in dirs.split(',')):
        if d and not d.startswith('@'):
            try:
                local = psycopg.connect(host=d, port=port, autocommit=True)
            except psycopg.OperationalError:
                continue
            conn.close()
            return local, 'unix socket'
    return conn, 'tcp'


def hannoy_runs(rec, conn, base, queries, truth, m, efc):
    n, dim = base.shape
    conn, transport = local_connection(conn)
    rec.add('hannoy', 'server', shared_buffers=conn.execute('SHOW shared_buffers').fetchone()[0],
            huge_pages=huge_pages_in_use(conn), storage='plain', parameters='binary',
            connection=transport)
    h = Hannoy(conn, dim)
    h.load('items', base)
    data_bytes = base.nbytes

    for workers in (0, 1):
        with PeakMemory(conn.info.backend_pid) as mem:
            seconds, size = h.build('items', 'vector_l2_ops', m, efc, workers=workers)
        rec.add('hannoy', 'build', workers=workers, seconds=seconds, bytes=size,
                **({'peak_mb': mem.peak_mb} if workers == 0 else {}))
    for ef in EFS:
        found, qps = h.search('items', queries, ef)
        rec.add('hannoy', 'search', ef=ef, recall=recall(found, truth), qps=qps,
                buffers=h.buffers_per_query('items', queries, ef))
    binary_runs(rec, h, 'items', dim, queries, truth, m, efc)
    sparse_runs(rec, h, base, queries, truth, m, efc)
    ivf_runs(rec, h, queries, truth, m, efc, recall)
    shard_runs(rec, h, base, queries, truth, m, efc, recall)
    filter_runs(rec, h, base, queries, rec.meta['dataset'], m, efc)
    first = first_at(rec, 'hannoy')
    if first:
        found, qps = h.search_cursor('items', queries, first['ef'])
        rec.add('hannoy', 'search via cursor API', ef=first['ef'],
                recall=recall(found, truth), qps=qps)

    # the compressed storage kinds: fp16 and product-quantized codes (issue 10)
    seconds, size = h.build('items', 'vector_l2_fp16_ops', m, efc)
    rec.add('hannoy', 'build fp16', workers=0, seconds=seconds, bytes=size)
    for ef in EFS:
        found, qps = h.search('items', queries, ef)
        rec.add('hannoy-fp16', 'search', ef=ef, recall=recall(found, truth), qps=qps)
    for workers in (0, 1):
        seconds, size = h.build('items', 'vector_l2_pq_ops', m, efc, workers=workers)
        rec.add('hannoy', 'build pq', workers=workers, seconds=seconds, bytes=size,
                pq_m=h.sql("SELECT pq_m FROM hannoy_metapage_info('items_v')").fetchone()[0])
    for ef in EFS:
        found, qps = h.search('items', queries, ef)
        rec.add('hannoy-pq', 'search', ef=ef, rerank=ef, recall=recall(found, truth), qps=qps)
    # the defaults: ef_search 40, rerank 100 (the candidate list is then 100)
    found, qps = h.search('items', queries, 40, rerank=100)
    rec.add('hannoy-pq', 'search at the defaults', ef=40, rerank=100,
            recall=recall(found, truth), qps=qps)
    found, qps = h.search('items', queries, 40, rerank=0)
    rec.add('hannoy-pq', 'search without re-rank', ef=40, recall=recall(found, truth), qps=qps)
    mwm = f'{max(1, data_bytes // 4 // 1024)}kB'
    seconds, size = h.build('items', 'vector_l2_ops', m, efc, mwm=mwm)
    rec.add('hannoy', 'build mwm/4', workers=0, seconds=seconds, bytes=size,
            maintenance_work_mem=mwm)

    # insert cost: the same 2000 rows into a table of n - 2000, with and without the index
    n0 = n - 2000
    for indexed in (False, True):
        h.load('ins', base[:n0])
        if indexed:
            h.build('ins', 'vector_l2_ops', m, efc, workers=1)
        per_row = h.insert_cost('ins', base[n0:], n0)
        rec.add('hannoy', 'insert', indexed=indexed, seconds_per_row=per_row)
    h.sql('DROP TABLE ins')

    # vacuum after deleting 6% of the rows
    seconds, _ = h.build('items', 'vector_l2_ops', m, efc, workers=0)
    h.sql('DELETE FROM items WHERE id % 50 IN (1, 2, 3)')
    t = time.time()
    h.sql('VACUUM items')
    vacuum = time.time() - t
    alive = np.array([i for i in range(n) if i % 50 not in (1, 2, 3)])
    truth_alive = alive[ground_truth(base[alive], queries)]
    found, _ = h.search('items', queries, 40)
    rec.add('hannoy', 'vacuum', deleted=0.06, seconds=vacuum, build_seconds=seconds,
            recall_after=recall(found, truth_alive))


def first_at(rec, system, target=0.99):
    rows = sorted((r for r in rec.records if r['system'] == system and r['what'] == 'search'),
                  key=lambda r: r['ef'])
    for r in rows:
        if r['recall'] >= target:
            return r
    return None


def report(rec, out, title):
    def val(system, what, key, **match):
        r = rec.get(system, what, **match)
        return r[key] if r else float('nan')

    lines = [f'# {title}', '', '## Search (one client, k = 10)', '',
             '| system | ef | recall@10 | QPS | buffers/query |', '|---|---:|---:|---:|---:|']
    for r in rec.records:
        if r['what'].startswith('search'):
            system = r['system'] + (' (' + r['what'][len('search '):] + ')' if r['what'] != 'search' else '')
            lines.append(f"| {system} | {r['ef']} | {r['recall']:.4f} | {r['qps']:.0f} | "
                         f"{r.get('buffers', float('nan')):.0f} |")
    lines += ['', '## Build, size, insert, vacuum', '', '| system | measurement | value |', '|---|---|---:|']
    for r in rec.records:
        if not r['what'].startswith('search'):
            detail = ', '.join(f'{k}={v:.4g}' if isinstance(v, float) else f'{k}={v}'
                               for k, v in r.items() if k not in ('system', 'what', 'dataset', 'n', 'dim', 'm', 'ef_construction'))
            lines.append(f"| {r['system']} | {r['what']} | {detail} |")

    h99, l99, p99 = first_at(rec, 'hannoy'), first_at(rec, 'hnswlib'), first_at(rec, 'hannoy-pq')
    ratios = [
        ('query: QPS at first recall >= 0.99, hannoy / hnswlib', '>= 0.6',
         h99['qps'] / l99['qps'] if h99 and l99 else float('nan'),
         f"hannoy ef={h99['ef'] if h99 else '-'}, hnswlib ef={l99['ef'] if l99 else '-'}"),
        ('build serial / hnswlib 1 thread', '<= 1.25',
         val('hannoy', 'build', 'seconds', workers=0) / val('hnswlib', 'build', 'seconds', threads=1), ''),
        ('build leader+1 worker / hnswlib 2 threads', '<= 1.25',
         val('hannoy', 'build', 'seconds', workers=1) / val('hnswlib', 'build', 'seconds', threads=2), ''),
        ('size fp32 / hnswlib', '<= 1.10',
         val('hannoy', 'build', 'bytes', workers=0) / val('hnswlib', 'size', 'bytes'), ''),
        ('size fp16 / fp32', '<= 0.55',
         val('hannoy', 'build fp16', 'bytes') / val('hannoy', 'build', 'bytes', workers=0), ''),
        ('insert: index work per row / hnswlib add', '<= 3',
         (val('hannoy', 'insert', 'seconds_per_row', indexed=True) -
          val('hannoy', 'insert', 'seconds_per_row', indexed=False)) /
         val('hnswlib', 'insert', 'seconds_per_row'), ''),
        ('vacuum after deleting 6% / build', '<= 0.25',
         val('hannoy', 'vacuum', 'seconds') / val('hannoy', 'vacuum', 'build_seconds'), ''),
        ('recall after vacuum - before (ef 40)', '>= -0.005',
         val('hannoy', 'vacuum', 'recall_after') -
         next((r['recall'] for r in rec.records if r['system'] == 'hannoy' and r['what'] == 'search' and r['ef'] == 40), float('nan')), ''),
        ('size PQ (default pq_m) / fp32', '<= 0.12',
         val('hannoy', 'build pq', 'bytes', workers=0) / val('hannoy', 'build', 'bytes', workers=0), ''),
        ('build PQ (training included) / fp32, serial', '<= 1',
         val('hannoy', 'build pq', 'seconds', workers=0) / val('hannoy', 'build', 'seconds', workers=0), ''),
        ('build PQ / fp32, leader+1 worker', '<= 1',
         val('hannoy', 'build pq', 'seconds', workers=1) / val('hannoy', 'build', 'seconds', workers=1), ''),
        ('PQ recall at the defaults (ef_search 40, rerank 100)', '>= 0.99',
         val('hannoy-pq', 'search at the defaults', 'recall'), ''),
        ('PQ QPS at first recall >= 0.99 / fp32', '>= 1',
         p99['qps'] / h99['qps'] if p99 and h99 else float('nan'),
         f"PQ ef=rerank={p99['ef'] if p99 else '-'}, fp32 ef={h99['ef'] if h99 else '-'}"),
        ('PQ QPS at first recall >= 0.99 / hnswlib (stretch)', '>= 0.9',
         p99['qps'] / l99['qps'] if p99 and l99 else float('nan'), ''),
        ('build with maintenance_work_mem = data/4 / in memory', '<= 2',
         val('hannoy', 'build mwm/4', 'seconds') / val('hannoy', 'build', 'seconds', workers=0), ''),
    ]
    ratios += ivf_targets(rec)
    ratios += shard_targets(rec)
    ratios += filter_targets(rec)
    ratios += binary_targets(rec)
    ratios += sparse_targets(rec)
    lines += ['', '## Targets', '', '| ratio | target | measured | note |', '|---|---|---:|---|']
    for name, target, value, note in ratios:
        lines.append(f'| {name} | {target} | {value:.3f} | {note} |')
        rec.add('ratio', name, target=target, value=float(value))
    text = '\n'.join(lines) + '\n'
    with open(os.path.join(out, 'results.md'), 'w') as f:
        f.write(text)
    print(text)

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for system in ('hannoy', 'hannoy-fp16', 'hannoy-pq', 'hnswlib', 'faiss'):
        rows = sorted((r for r in rec.records if r['system'] == system and r['what'] == 'search'),
                      key=lambda r: r['ef'])
        if rows:
            ax.plot([r['recall'] for r in rows], [r['qps'] for r in rows], marker='o', label=system)
    ax.set_xlabel('recall@10')
    ax.set_ylabel('queries per second (one client)')
    ax.set_yscale('log')
    ax.set_title(title)
    ax.grid(True, which='both', alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, 'recall_qps.png'), dpi=120)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', default='fashion-mnist', choices=['fashion-mnist', 'sift10k', 'synthetic', 'hard'])
    p.add_argument('--n', type=int, default=100000, help='synthetic, hard: vectors')
    p.add_argument('--dim', type=int, default=128, help='synthetic: dimensions')
    p.add_argument('--queries', type=int, default=1000)
    p.add_argument('--m', type=int, default=16)
    p.add_argument('--ef-construction', type=int, default=64)
    p.add_argument('--data-dir', default=os.environ.get('HANNOY_DATA_DIR', '../shared/data'))
    p.add_argument('--out', default='bench/out')
    p.add_argument('--skip', nargs='*', default=[], choices=['hnswlib', 'faiss'])
    a = p.parse_args()

    if a.dataset == 'fashion-mnist':
        base, queries = fashion_mnist(a.queries)
    elif a.dataset == 'sift10k':
        base, queries = sift10k(a.queries, a.data_dir)
    elif a.dataset == 'hard':
        base, queries = hard(a.n, a.queries)
    else:
        base, queries = synthetic(a.n, a.dim, a.queries)
    os.makedirs(a.out, exist_ok=True)
    title = f'{a.dataset}: {base.shape[0]} x {base.shape[1]}, m={a.m}, ef_construction={a.ef_construction}'
    print(title, flush=True)
    rec = Recorder(a.out, dict(dataset=a.dataset, n=int(base.shape[0]), dim=int(base.shape[1]),
                               m=a.m, ef_construction=a.ef_construction))
    truth = ground_truth(base, queries)

    conn = psycopg.connect(autocommit=True)
    # latency.py prepares its statements itself and DEALLOCATEs ALL first:
    # statements psycopg prepared on its own would be gone
    conn.prepare_threshold = None
    conn.execute('CREATE EXTENSION IF NOT EXISTS hannoy')
    hannoy_runs(rec, conn, base, queries, truth, a.m, a.ef_construction)
    if 'hnswlib' not in a.skip:
        hnswlib_runs(rec, base, queries, truth, a.m, a.ef_construction)
    if 'faiss' not in a.skip:
        faiss_runs(rec, base, queries, truth, a.m, a.ef_construction)
    report(rec, a.out, title)


if __name__ == '__main__':
    main()
