"""Shards on other servers in the benchmark (issue 11).  Three shard
servers (throwaway clusters started here, reached through their Unix
sockets) each hold one of 3 IVF lists of bench.py's `items`
(hannoy_ivf_create with servers), with a hannoy index.  On each shard the
list's table is read through a view whose condition sleeps a fixed delay
once per query, standing for a shard that takes that long to answer.

Measured from the benchmark's cluster (the coordinator), one client, one
query at a time: latency of top-10 queries on each shard's foreign table
alone; on the IVF table over all three shards, concurrently (the default,
src/shard_fetch.c) and through the planner's Merge Append
(hannoy.concurrent_shards off); and routed to the nearest 1 and 2 lists.
Each with the delay and without it."""
import os
import statistics
import subprocess
import tempfile

import psycopg

from latency import prepared_latencies
from vectors import literal, vector_binary

SHARDS = 3
DELAY_MS = 5
QUERIES = 200


def start_shard(bindir, root, i):
    data = os.path.join(root, f'shard{i}')
    subprocess.run([f'{bindir}/initdb', '-D', data, '-A', 'trust', '-N'], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(data, 'postgresql.conf'), 'a') as f:
        f.write(f"listen_addresses = ''\nunix_socket_directories = '{root}'\nport = {6001 + i}\n"
                "shared_buffers = 512MB\nmaintenance_work_mem = 1GB\n"
                "max_parallel_maintenance_workers = 0\nfsync = off\n")
    subprocess.run([f'{bindir}/pg_ctl', '-D', data, '-w', '-l', data + '.log', 'start'], check=True,
                   stdout=subprocess.DEVNULL)
    return data


def stop_shard(bindir, data):
    subprocess.run([f'{bindir}/pg_ctl', '-D', data, '-m', 'immediate', 'stop'],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def load_shard(conn, i, rows, m, efc, dim):
    """The list's rows, straight into the shard's table; its index built
    after the load; the table renamed and read through a delaying view
    under the name the coordinator's foreign table points at."""
    name = f'sharded_lists_{i}'
    conn.execute(f'DROP INDEX IF EXISTS {name}_v_idx')
    conn.execute(f'ALTER TABLE {name} ALTER COLUMN v SET STORAGE PLAIN')
    with conn.cursor().copy(f'COPY {name} (id, v, ivf_list) FROM STDIN') as copy:
        for id_, v in rows:
            copy.write_row((id_, literal(v), i))
    conn.execute(f'CREATE INDEX ON {name} USING hannoy (v) WITH (m = {m}, ef_construction = {efc})')
    conn.execute(f'VACUUM ANALYZE {name}')
    conn.execute(f'ALTER TABLE {name} RENAME TO {name}_rows')
    # STABLE and without arguments: a one-time filter, evaluated once per
    # query, above the ordered index scan
    set_delay(conn, DELAY_MS)
    conn.execute(f'CREATE VIEW {name} AS SELECT * FROM {name}_rows WHERE bench_delay()')
    plan = '\n'.join(r[0] for r in conn.execute(
        f"EXPLAIN SELECT id FROM {name} ORDER BY v <-> '{literal([0] * dim)}' LIMIT 10"))
    assert 'One-Time Filter' in plan and 'Index Scan' in plan, plan


def set_delay(conn, ms):
    conn.execute(f"""CREATE OR REPLACE FUNCTION bench_delay() RETURNS bool STABLE LANGUAGE plpgsql AS $$
                     BEGIN PERFORM pg_sleep({ms} / 1000.0); RETURN true; END $$""")


def latencies(coordinator_info, table, queries, settings, vector_oid):
    """Milliseconds per query (a new connection, prepared, binary
    vector) and the results.  20 warm-up queries open the shard
    connections."""
    with psycopg.connect(coordinator_info, autocommit=True) as conn:
        for s in settings:
            conn.execute(s)
        times, found = prepared_latencies(conn, f'SELECT id FROM {table} ORDER BY v <-> $1 LIMIT 10',
                                          [vector_binary(v) for v in queries], vector_oid, 20)
        plan = '\n'.join(r[0] for r in conn.execute(
            f"EXPLAIN SELECT id FROM {table} ORDER BY v <-> '{literal(queries[0])}' LIMIT 10"))
    return times, found, plan


def shard_runs(rec, h, base, queries, truth, m, efc, recall):
    """h: bench.Hannoy with table items loaded."""
    conn = h.conn
    bindir = conn.execute("SELECT setting FROM pg_config WHERE name = 'BINDIR'").fetchone()[0]
    root = tempfile.mkdtemp(prefix='hannoy-shards-')
    shards = []
    try:
        for i in range(SHARDS):
            shards.append(start_shard(bindir, root, i))
            with psycopg.connect(host=root, port=6001 + i, dbname='postgres', autocommit=True) as s:
                s.execute('CREATE EXTENSION hannoy')
        h.sql('CREATE EXTENSION IF NOT EXISTS postgres_fdw')
        h.sql('CREATE EXTENSION IF NOT EXISTS dblink')
        for i in range(SHARDS):
            h.sql(f"""CREATE SERVER shard_{i} FOREIGN DATA WRAPPER postgres_fdw
                      OPTIONS (host '{root}', port '{6001 + i}', dbname 'postgres',
                               extensions 'hannoy', async_capable 'true')""")
            h.sql(f'CREATE USER MAPPING FOR CURRENT_USER SERVER shard_{i}')
        servers = ','.join(f'shard_{i}' for i in range(SHARDS))
        h.sql(f"SELECT hannoy_ivf_create('sharded', 'items', 'v', {SHARDS}, servers => '{{{servers}}}')")
        lists = dict(h.sql("SELECT id, hannoy_ivf_list('sharded_lists', v) FROM items").fetchall())
        sizes = []
        for i in range(SHARDS):
            rows = [(id_, base[id_]) for id_, lst in lists.items() if lst == i]
            sizes.append(len(rows))
            with psycopg.connect(host=root, port=6001 + i, dbname='postgres', autocommit=True) as s:
                load_shard(s, i, rows, m, efc, base.shape[1])
        rec.add('hannoy-shards', 'setup', shards=SHARDS, delay_ms=DELAY_MS,
                rows_per_shard='/'.join(map(str, sizes)))

        info = conn.info.dsn
        qs = queries[:QUERIES]
        configs = [(f'shard {i} alone', f'sharded_lists_{i}', []) for i in range(SHARDS)] + [
            ('3 shards, concurrent', 'sharded', []),
            ('3 shards, Merge Append', 'sharded', ['SET hannoy.concurrent_shards = off']),
            ('routed to 1 of 3', 'sharded', ['SET hannoy.ivf_probes = 1']),
            ('routed to 2 of 3', 'sharded', ['SET hannoy.ivf_probes = 2']),
        ]
        for delay in (DELAY_MS, 0):
            for i in range(SHARDS):
                with psycopg.connect(host=root, port=6001 + i, dbname='postgres', autocommit=True) as s:
                    set_delay(s, delay)
            for name, table, settings in configs:
                times, found, plan = latencies(info, table, qs, settings, h.vector_oid)
                rec.add('hannoy-shards', f'latency {name}', delay_ms=delay,
                        p50_ms=statistics.median(times), mean_ms=statistics.mean(times),
                        recall=recall(found, truth[:QUERIES]) if table == 'sharded' else float('nan'),
                        plan='concurrent' if 'Async Foreign Scan' in plan else
                             'merge append' if 'Merge Append' in plan else 'other')
    finally:
        for data in shards:
            stop_shard(bindir, data)
        h.sql('DROP VIEW IF EXISTS sharded')
        h.sql('DROP TABLE IF EXISTS sharded_lists')
        for i in range(SHARDS):
            h.sql(f'DROP SERVER IF EXISTS shard_{i} CASCADE')
        subprocess.run(['rm', '-rf', root])


def shard_targets(rec):
    """Target rows for bench.py's report: (name, target, value, note).
    "One shard" is the slowest shard alone: queries over all shards wait
    for it whatever they do (the lists, hence the shards, differ in
    size)."""
    def p50(name, delay=DELAY_MS):
        r = rec.get('hannoy-shards', f'latency {name}', delay_ms=delay)
        return r['p50_ms'] if r else float('nan')
    alone = [p50(f'shard {i} alone') for i in range(SHARDS)]
    one = max(alone)
    note = 'shards alone ' + ' / '.join(f'{t:.2f}' for t in alone) + ' ms'
    return [
        (f'shards ({SHARDS}, each +{DELAY_MS} ms): top-10 over all, concurrent / slowest shard alone, median latency',
         '<= 1.3', p50('3 shards, concurrent') / one, note),
        ('shards: Merge Append over all / slowest shard alone', 'report', p50('3 shards, Merge Append') / one,
         'hannoy.concurrent_shards off'),
        ('shards: routed to 1 of 3 / slowest shard alone', 'report', p50('routed to 1 of 3') / one,
         'pruned shards add nothing if <= 1'),
    ]
