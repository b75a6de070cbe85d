#!/usr/bin/python3
"""hannoy's main job: Fashion-MNIST (60000 x 784) into the cluster that
pg_virtualenv started (libpq environment), one hannoy index, 1000 test
queries; prints build time, index size, recall@10 and latency."""
import gzip
import threading
import time

import numpy as np
import psycopg

from vectors import literal, send_vectors_binary

DATA = '/usr/share/datasets/fashion-mnist'
START = time.time()


def say(msg):
    print(f'[{time.time() - START:6.1f}s] {msg}', flush=True)


def idx_images(name):
    with gzip.open(f'{DATA}/{name}') as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784).astype(np.float32)


def watch_build(stop):
    """Print pg_stat_progress_create_index while the index builds."""
    with psycopg.connect(autocommit=True) as conn:
        last = None
        while not stop.wait(2.0):
            row = conn.execute(
                "SELECT phase, tuples_done, tuples_total FROM pg_stat_progress_create_index").fetchone()
            if row and row != last:
                phase, done, total = row
                say(f'  {phase}' + (f': {done}/{total}' if total else ''))
                last = row


def main():
    base = idx_images('train-images-idx3-ubyte.gz')
    queries = idx_images('t10k-images-idx3-ubyte.gz')[:1000]
    say(f'Fashion-MNIST: {base.shape[0]} vectors of {base.shape[1]} dimensions, {len(queries)} queries')

    conn = psycopg.connect(autocommit=True)
    server = conn.execute('SHOW server_version').fetchone()[0]
    say(f'PostgreSQL {server} (throwaway cluster, port {conn.info.port})')
    conn.execute('CREATE EXTENSION hannoy')
    conn.execute('CREATE TABLE items (id int PRIMARY KEY, embedding vector(784))')
    # 3 kB vectors stay in the row instead of going to TOAST (README: tuning)
    conn.execute('ALTER TABLE items ALTER COLUMN embedding SET STORAGE PLAIN')
    send_vectors_binary(conn)

    say('loading vectors')
    with conn.cursor().copy('COPY items (id, embedding) FROM STDIN') as copy:
        for i, row in enumerate(base):
            copy.write_row((i, literal(row)))
            if (i + 1) % 20000 == 0:
                say(f'  {i + 1} rows')
    conn.execute('VACUUM ANALYZE items')

    say('CREATE INDEX ON items USING hannoy (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)')
    stop = threading.Event()
    watcher = threading.Thread(target=watch_build, args=(stop,))
    watcher.start()
    t = time.time()
    conn.execute('CREATE INDEX items_embedding ON items USING hannoy (embedding vector_l2_ops) '
                 'WITH (m = 16, ef_construction = 64)')
    build = time.time() - t
    stop.set()
    watcher.join()
    size = conn.execute("SELECT pg_relation_size('items_embedding')").fetchone()[0]
    say(f'index built in {build:.1f} s (leader + 1 parallel worker), {size / 2**20:.0f} MiB')

    say('exact nearest neighbours (numpy) for the ground truth')
    norms = (base ** 2).sum(1)
    truth = np.empty((len(queries), 10), dtype=np.int64)
    for lo in range(0, len(queries), 100):
        q = queries[lo:lo + 100]
        d = norms[None, :] - 2 * q @ base.T
        near = np.argpartition(d, 10, axis=1)[:, :10]
        order = np.argsort(np.take_along_axis(d, near, axis=1), axis=1)
        truth[lo:lo + 100] = np.take_along_axis(near, order, axis=1)

    sql = 'SELECT id FROM items ORDER BY embedding <-> %b LIMIT 10'
    print()
    print(f'{"ef_search":>9} {"recall@10":>9} {"QPS":>7} {"p50 ms":>7} {"p95 ms":>7} {"p99 ms":>7}')
    for ef in (20, 40, 80):
        conn.execute(f'SET hannoy.ef_search = {ef}')
        for q in queries[:100]:                      # warm-up
            conn.execute(sql, (q,), prepare=True).fetchall()
        hits, lat = 0, []
        t0 = time.time()
        for i, q in enumerate(queries):
            t = time.perf_counter()
            ids = [r[0] for r in conn.execute(sql, (q,), prepare=True).fetchall()]
            lat.append((time.perf_counter() - t) * 1000)
            hits += len(set(ids) & set(truth[i].tolist()))
        qps = len(queries) / (time.time() - t0)
        p50, p95, p99 = np.percentile(lat, [50, 95, 99])
        mark = '  (default)' if ef == 40 else ''
        print(f'{ef:>9} {hits / (10 * len(queries)):>9.3f} {qps:>7.0f} {p50:>7.2f} {p95:>7.2f} {p99:>7.2f}{mark}')
    plan = conn.execute('EXPLAIN (COSTS OFF) ' + sql.replace('%b', "'" + literal(queries[0]) + "'")).fetchall()
    print()
    print('plan: ' + ' '.join(r[0].strip() for r in plan if 'Order By' not in r[0]))
    say('done')


if __name__ == '__main__':
    main()
