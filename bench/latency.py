"""Latency of one query at a time, as an application sends it: a prepared
statement through libpq's C calls (psycopg.pq), its parameter a vector in
pgvector's binary form, the first column of each row an id."""
import time

import psycopg


def prepared_latencies(conn, sql, params, vector_oid, warmup):
    """Milliseconds per execution of sql ($1: a vector) for each of params
    (binary vectors), after `warmup` executions of the first ones, and the
    ids each returned."""
    pg = conn.pgconn
    pg.exec_(b'DEALLOCATE ALL')
    res = pg.prepare(b'timed', sql.encode(), [vector_oid])
    if res.status != psycopg.pq.ExecStatus.COMMAND_OK:
        raise RuntimeError(res.error_message.decode())
    for p in params[:warmup]:
        pg.exec_prepared(b'timed', [p], [1])
    times, found = [], []
    for p in params:
        t = time.perf_counter()
        res = pg.exec_prepared(b'timed', [p], [1])
        times.append((time.perf_counter() - t) * 1000)
        if res.status != psycopg.pq.ExecStatus.TUPLES_OK:
            raise RuntimeError(res.error_message.decode())
        found.append([int(res.get_value(r, 0)) for r in range(res.ntuples)])
    return times, found
