"""psycopg 3 (Debian's python3-psycopg) against hannoy.

Debian 12 has no python3-pgvector, so the types are registered the way a
user without that package would: psycopg dumpers and loaders for the OIDs
of vector and halfvec, in text and in pgvector's binary format (int16
dimensions, int16 zero, big-endian float4 or binary16 elements), and for
sparsevec (text "{i:x,...}/dim" with 1-based indices; binary int32
dimensions, int32 count, int32 zero, the 0-based int32 indices, then the
float4 values). Inserts use both formats, and rows are read back through
both.
"""
import struct
import sys

import psycopg
from psycopg import sql
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo

from common import (DIM, EDGE_VECTORS, INDEX, K, OP_NAMES, OPS, SPARSE_DIM, SPARSE_EDGES,
                    Sparse, Tap, check_distances, check_index_vs_exact, check_top_k, close, connection_params,
                    make_data, make_sparse_data, parse_sparse_text, parse_vector_text,
                    same_sparse_rows, same_vectors, sparse_l2, sparse_text, vector_text)


class Vector(list):
    """A list of floats sent as a vector."""


class HalfVector(list):
    """A list of floats sent as a halfvec."""


class TextDumper(Dumper):
    def dump(self, obj):
        return vector_text(obj).encode()


class VectorBinaryDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj):
        return struct.pack(">hh%df" % len(obj), len(obj), 0, *obj)


class HalfBinaryDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj):
        return struct.pack(">hh%de" % len(obj), len(obj), 0, *obj)


class TextLoader(Loader):
    def load(self, data):
        return parse_vector_text(bytes(data).decode())


def binary_loader(element):
    class BinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data):
            data = bytes(data)
            dim, unused = struct.unpack_from(">hh", data)
            if unused != 0 or len(data) != 4 + dim * struct.calcsize(element):
                raise ValueError("bad binary %s: %r" % (element, data[:8]))
            return list(struct.unpack_from(">%d%s" % (dim, element), data, 4))
    return BinaryLoader


class SparseTextDumper(Dumper):
    def dump(self, obj):
        return sparse_text(obj).encode()


class SparseBinaryDumper(Dumper):
    """Sends the indices as given: a test can send them out of order."""
    format = Format.BINARY

    def dump(self, obj):
        n = len(obj.indices)
        return struct.pack(">iii%di%df" % (n, n), obj.dim, n, 0, *obj.indices, *obj.values)


class SparseTextLoader(Loader):
    def load(self, data):
        return parse_sparse_text(bytes(data).decode())


class SparseBinaryLoader(Loader):
    format = Format.BINARY

    def load(self, data):
        data = bytes(data)
        dim, n, unused = struct.unpack_from(">iii", data)
        if unused != 0 or len(data) != 12 + 8 * n:
            raise ValueError("bad binary sparsevec: %r" % data[:16])
        indices = struct.unpack_from(">%di" % n, data, 12)
        values = struct.unpack_from(">%df" % n, data, 12 + 4 * n)
        return Sparse(dim, indices, values)


def register_types(conn):
    for name, cls, binary_dumper, element in (("vector", Vector, VectorBinaryDumper, "f"),
                                              ("halfvec", HalfVector, HalfBinaryDumper, "e")):
        info = TypeInfo.fetch(conn, name)
        if info is None:
            raise RuntimeError("type %s not found" % name)
        info.register(conn)  # the name, for COPY's set_types()
        conn.adapters.register_dumper(cls, type(name + "Text", (TextDumper,), {"oid": info.oid}))
        conn.adapters.register_dumper(cls, type(name + "Binary", (binary_dumper,), {"oid": info.oid}))
        conn.adapters.register_loader(info.oid, TextLoader)
        conn.adapters.register_loader(info.oid, binary_loader(element))
    info = TypeInfo.fetch(conn, "sparsevec")
    if info is None:
        raise RuntimeError("type sparsevec not found")
    info.register(conn)
    conn.adapters.register_dumper(Sparse, type("sparsevecText", (SparseTextDumper,), {"oid": info.oid}))
    conn.adapters.register_dumper(Sparse, type("sparsevecBinary", (SparseBinaryDumper,), {"oid": info.oid}))
    conn.adapters.register_loader(info.oid, SparseTextLoader)
    conn.adapters.register_loader(info.oid, SparseBinaryLoader)


def main():
    tap = Tap("psycopg")
    vectors, halves, vqueries, hqueries = make_data()
    conn = psycopg.connect(**connection_params(), autocommit=True)

    def create():
        conn.execute("CREATE EXTENSION IF NOT EXISTS hannoy")
        register_types(conn)
        conn.execute(sql.SQL("CREATE TABLE items (id int PRIMARY KEY, embedding vector({d}), "
                             "half halfvec({d}))").format(d=sql.Literal(DIM)))
        types = conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                             "WHERE attrelid = 'items'::regclass AND attnum > 1 "
                             "ORDER BY attnum").fetchall()
        want = [("vector(%d)" % DIM,), ("halfvec(%d)" % DIM,)]
        return None if types == want else "column types %r, expected %r" % (types, want)
    tap.check("CREATE TABLE with vector(%d) and halfvec(%d) columns" % (DIM, DIM), create)

    def insert():
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO items VALUES (%s, %t, %b)",
                            [(i + 1, Vector(v), HalfVector(h))
                             for i, (v, h) in enumerate(zip(vectors, halves))])
        n = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        return None if n == len(vectors) else "%d rows" % n
    tap.check("insert %d rows (vector as text, halfvec as binary)" % len(vectors), insert)

    def read_back(binary):
        def step():
            with conn.cursor(binary=binary) as cur:
                rows = cur.execute("SELECT embedding, half FROM items ORDER BY id").fetchall()
            return (same_vectors([r[0] for r in rows], vectors)
                    or same_vectors([r[1] for r in rows], halves))
        return step
    tap.check("read back vector and halfvec in text, exactly", read_back(False))
    tap.check("read back vector and halfvec in binary, exactly", read_back(True))

    def edges():
        conn.execute("CREATE TABLE edges (id int PRIMARY KEY, v vector)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO edges VALUES (%s, %t)",
                            [(i + 1, Vector(v)) for i, v in enumerate(EDGE_VECTORS)])
            cur.executemany("INSERT INTO edges VALUES (%s, %b)",
                            [(i + 101, Vector(v)) for i, v in enumerate(EDGE_VECTORS)])
        for binary in (False, True):
            with conn.cursor(binary=binary) as cur:
                rows = cur.execute("SELECT v FROM edges ORDER BY id").fetchall()
            why = same_vectors([r[0] for r in rows], EDGE_VECTORS + EDGE_VECTORS)
            if why:
                return ("binary" if binary else "text") + " read: " + why
        return None
    tap.check("subnormal, largest float4, -0 and 9-digit values round-trip (text and binary)",
              edges)

    def copy_binary():
        conn.execute("CREATE TABLE copied (LIKE items)")
        with conn.cursor() as cur:
            with cur.copy("COPY copied FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "vector", "halfvec"])
                for i, (v, h) in enumerate(zip(vectors, halves)):
                    copy.write_row((i + 1, Vector(v), HalfVector(h)))
            rows = []
            with cur.copy("COPY (SELECT embedding, half FROM copied ORDER BY id) "
                          "TO STDOUT WITH (FORMAT BINARY)") as copy:
                copy.set_types(["vector", "halfvec"])
                rows = list(copy.rows())
        return (same_vectors([r[0] for r in rows], vectors)
                or same_vectors([r[1] for r in rows], halves))
    tap.check("COPY FROM STDIN and TO STDOUT in binary format, exactly", copy_binary)

    def errors():
        cases = [("INSERT INTO items (id, embedding) VALUES (%s, %t)",
                  (1000, Vector([1.0, 2.0])), "22000"),          # dimensions differ
                 ("SELECT %s::vector", ("[1,2",), "22P02"),      # malformed text
                 ("SELECT %s::halfvec", ("[70000]",), "22003"),  # beyond binary16
                 ("SELECT embedding <-> %t FROM items", (Vector([1.0]),), "22000")]
        for query, params, state in cases:
            try:
                conn.execute(query, params)
            except psycopg.Error as e:
                if e.sqlstate != state:
                    return "%s: SQLSTATE %s (%s), expected %s" % (query, e.sqlstate, e, state)
                continue
            return "%s %r: no error, expected SQLSTATE %s" % (query, params, state)
        return None
    tap.check("errors reach the client with their SQLSTATE (22000, 22P02, 22003)", errors)

    sparse_rows, sparse_queries = make_sparse_data()

    def sparse_round_trip():
        conn.execute(sql.SQL("CREATE TABLE sparse_items (id int PRIMARY KEY, s sparsevec({d}))")
                     .format(d=sql.Literal(SPARSE_DIM)))
        conn.execute("CREATE TABLE sparse_edges (id int PRIMARY KEY, s sparsevec)")
        with conn.cursor() as cur:
            # even ids as text, odd ids as binary
            cur.executemany("INSERT INTO sparse_items VALUES (%s, %t)",
                            [(i + 1, v) for i, v in enumerate(sparse_rows) if i % 2])
            cur.executemany("INSERT INTO sparse_items VALUES (%s, %b)",
                            [(i + 1, v) for i, v in enumerate(sparse_rows) if not i % 2])
            cur.executemany("INSERT INTO sparse_edges VALUES (%s, %t)",
                            [(i + 1, v) for i, v in enumerate(SPARSE_EDGES)])
            cur.executemany("INSERT INTO sparse_edges VALUES (%s, %b)",
                            [(i + 101, v) for i, v in enumerate(SPARSE_EDGES)])
        for binary in (False, True):
            with conn.cursor(binary=binary) as cur:
                got = [r[0] for r in cur.execute("SELECT s FROM sparse_items ORDER BY id")]
                edges = [r[0] for r in cur.execute("SELECT s FROM sparse_edges ORDER BY id")]
            why = same_sparse_rows(got, sparse_rows) or same_sparse_rows(edges, SPARSE_EDGES * 2)
            if why:
                return ("binary" if binary else "text") + " read: " + why
        # what the server holds, by its own text form
        text = conn.execute("SELECT s::text FROM sparse_edges WHERE id = 1").fetchone()[0]
        want = "{1:1e-45,50000:0.1,100000:-3.4028235e+38}/100000"
        return None if text == want else "server text %r, expected %r" % (text, want)
    tap.check("sparsevec: %d rows and edge values round-trip (text and binary)" % len(sparse_rows),
              sparse_round_trip)

    def sparse_copy():
        with conn.cursor() as cur:
            with cur.copy("COPY (SELECT s FROM sparse_items ORDER BY id) "
                          "TO STDOUT WITH (FORMAT BINARY)") as copy:
                copy.set_types(["sparsevec"])
                rows = [r[0] for r in copy.rows()]
        return same_sparse_rows(rows, sparse_rows)
    tap.check("sparsevec: COPY TO STDOUT in binary format, exactly", sparse_copy)

    def sparse_dist():
        for q in sparse_queries:
            for fmt in ("%t", "%b"):
                rows = conn.execute("SELECT id, s <-> " + fmt + " FROM sparse_items", (q,)).fetchall()
                if len(rows) != len(sparse_rows):
                    return "%d rows" % len(rows)
                for rid, got in rows:
                    want = sparse_l2(sparse_rows[rid - 1], q)
                    if not close(got, want):
                        return "id %d: <-> gave %r, expected %r (query as %s)" % (rid, got, want, fmt)
        return None
    tap.check("sparsevec <-> matches the client's distances (query as text and binary)",
              sparse_dist)

    def sparse_errors():
        cases = [("SELECT %t::sparsevec", (Sparse(5, [2, 2], [1.0, 2.0]),), "22000"),  # repeated
                 ("SELECT %b::sparsevec", (Sparse(5, [3, 1], [1.0, 2.0]),), "22P03"),  # not ascending
                 ("SELECT %b::sparsevec", (Sparse(5, [1], [0.0]),), "22P03"),          # zero value
                 ("SELECT %s::sparsevec", ("{1:1}/1000000001",), "54000"),             # too many dims
                 ("SELECT s <-> %t FROM sparse_items", (Sparse(7, [0], [1.0]),), "22000")]
        for query, params, state in cases:
            try:
                conn.execute(query, params)
            except psycopg.Error as e:
                if e.sqlstate != state:
                    return "%s %r: SQLSTATE %s (%s), expected %s" % (query, params, e.sqlstate, e, state)
                continue
            return "%s %r: no error, expected SQLSTATE %s" % (query, params, state)
        return None
    tap.check("sparsevec errors reach the client with their SQLSTATE (22000, 22P03, 54000)",
              sparse_errors)

    for op in OPS:
        def dist(op=op):
            for q in vqueries:
                rows = conn.execute(sql.SQL("SELECT id, embedding {} %t FROM items").format(
                    sql.SQL(op)), (Vector(q),)).fetchall()
                why = check_distances(op, rows, vectors, q)
                if why:
                    return why
            return None
        tap.check("vector %s (%s) matches the client's distances" % (op, OP_NAMES[op]), dist)

    def half_dist():
        for op in OPS:
            for q in hqueries:
                rows = conn.execute(sql.SQL("SELECT id, half {} %b FROM items").format(
                    sql.SQL(op)), (HalfVector(q),)).fetchall()
                why = check_distances(op, rows, halves, q)
                if why:
                    return op + ": " + why
        return None
    tap.check("halfvec <-> <#> <=> <+> match the client's distances", half_dist)

    def top_k():
        for op in OPS:
            for q in vqueries:
                rows = conn.execute(sql.SQL("SELECT id, embedding {op} %t FROM items "
                                            "ORDER BY embedding {op} %t LIMIT %s").format(
                    op=sql.SQL(op)), (Vector(q), Vector(q), K)).fetchall()
                why = check_top_k(op, rows, vectors, q)
                if why:
                    return op + ": " + why
        return None
    tap.check("ORDER BY <op> LIMIT %d (no index) gives the nearest rows, for each operator" % K,
              top_k)

    def index():
        conn.execute(sql.SQL("CREATE INDEX {} ON items USING hannoy (embedding vector_l2_ops) "
                             "WITH (m = 16, ef_construction = 64)").format(sql.Identifier(INDEX)))
        row = conn.execute("SELECT am.amname, opc.opcname FROM pg_index i "
                           "JOIN pg_class c ON c.oid = i.indexrelid "
                           "JOIN pg_am am ON am.oid = c.relam "
                           "JOIN pg_opclass opc ON opc.oid = i.indclass[0] "
                           "WHERE c.relname = %s AND i.indrelid = 'items'::regclass",
                           (INDEX,)).fetchone()
        return None if row == ("hannoy", "vector_l2_ops") else "index: %r" % (row,)
    tap.check("CREATE INDEX ... USING hannoy (raw DDL: psycopg has no index API)", index)

    knn = "SELECT id, embedding <-> %t FROM items ORDER BY embedding <-> %t LIMIT %s"

    def set_local():
        before = conn.execute("SELECT current_setting('hannoy.ef_search')").fetchone()[0]
        with conn.transaction():
            conn.execute("SET LOCAL hannoy.ef_search = 5")
            conn.execute("SET LOCAL hannoy.iterative_scan = off")
            conn.execute("SET LOCAL enable_seqscan = off")
            inside = conn.execute("SELECT current_setting('hannoy.ef_search')").fetchone()[0]
            rows = conn.execute(knn, (Vector(vqueries[0]), Vector(vqueries[0]), 20)).fetchall()
        after = conn.execute("SELECT current_setting('hannoy.ef_search')").fetchone()[0]
        if inside != "5" or after != before:
            return "ef_search %r before, %r inside, %r after" % (before, inside, after)
        if not 1 <= len(rows) <= 5:
            return "LIMIT 20 with ef_search 5, iterative_scan off: %d rows" % len(rows)
        return None
    tap.check("SET LOCAL hannoy.ef_search in a transaction reaches the scan and ends with it",
              set_local)

    def explain():
        with conn.transaction():
            conn.execute("SET LOCAL enable_seqscan = off")
            plan = conn.execute("EXPLAIN (COSTS OFF) " + knn,
                                (Vector(vqueries[0]), Vector(vqueries[0]), K)).fetchall()
        text = "\n".join(r[0] for r in plan)
        return None if "Index Scan using " + INDEX in text else text
    tap.check("EXPLAIN: ORDER BY <-> LIMIT uses the hannoy index", explain)

    def index_vs_exact():
        for q in vqueries:
            with conn.transaction():
                conn.execute("SET LOCAL hannoy.ef_search = 100")
                conn.execute("SET LOCAL enable_seqscan = off")
                by_index = conn.execute(knn, (Vector(q), Vector(q), K)).fetchall()
                conn.execute("SET LOCAL enable_seqscan = on")
                conn.execute("SET LOCAL enable_indexscan = off")
                exact = conn.execute(knn, (Vector(q), Vector(q), K)).fetchall()
            why = check_index_vs_exact(by_index, exact, vectors, q)
            if why:
                return why
        return None
    tap.check("hannoy index scan (ef_search 100) returns the exact scan's rows", index_vs_exact)

    conn.close()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
