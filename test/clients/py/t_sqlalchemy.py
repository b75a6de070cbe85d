"""SQLAlchemy (Debian's python3-sqlalchemy, 1.4) against hannoy.

SQLAlchemy 1.4 talks to PostgreSQL through psycopg2 (python3-psycopg2).
Without python3-pgvector (not in Debian 12) the column type is a
UserDefinedType of our own that sends pgvector's text form and adds the
distance operators to its comparator. Tables and the index come from
SQLAlchemy's schema API: Index(..., postgresql_using="hannoy",
postgresql_ops=..., postgresql_with=...).
"""
import sys

from sqlalchemy import (Column, Float, Index, Integer, MetaData, Table, create_engine, func,
                        select, text)
from sqlalchemy.types import UserDefinedType

from common import (DIM, INDEX, K, OP_NAMES, OPS, Tap, check_distances, check_index_vs_exact, check_top_k,
                    connection_params, make_data, parse_vector_text, same_vectors, vector_text)


class VectorType(UserDefinedType):
    cache_ok = True

    def __init__(self, dim=None, name="vector"):
        self.dim = dim
        self.name = name

    def get_col_spec(self, **kw):
        return self.name if self.dim is None else "%s(%d)" % (self.name, self.dim)

    def bind_processor(self, dialect):
        return lambda value: None if value is None else vector_text(value)

    def result_processor(self, dialect, coltype):
        return parse_vector_text

    class comparator_factory(UserDefinedType.Comparator):
        def distance(self, op, other):
            return self.op(op, return_type=Float)(other)


def main():
    tap = Tap("sqlalchemy")
    vectors, halves, vqueries, hqueries = make_data()
    p = connection_params()
    engine = create_engine("postgresql+psycopg2://", connect_args={
        "host": p["host"], "port": p["port"], "dbname": p["dbname"], "user": p["user"]},
        future=True)
    meta = MetaData()
    items = Table("items", meta,
                  Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("embedding", VectorType(DIM)),
                  Column("half", VectorType(DIM, "halfvec")))

    def create():
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS hannoy"))
        items.create(engine)
        with engine.connect() as conn:
            types = conn.execute(text(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'items'::regclass AND attnum > 1 ORDER BY attnum")).all()
        want = [("vector(%d)" % DIM,), ("halfvec(%d)" % DIM,)]
        return None if [tuple(r) for r in types] == want else "column types %r" % (types,)
    tap.check("Table.create() with vector(%d) and halfvec(%d) columns" % (DIM, DIM), create)

    def insert():
        with engine.begin() as conn:
            conn.execute(items.insert(), [{"id": i + 1, "embedding": v, "half": h}
                                          for i, (v, h) in enumerate(zip(vectors, halves))])
        with engine.connect() as conn:
            n = conn.execute(select(func.count()).select_from(items)).scalar_one()
        return None if n == len(vectors) else "%d rows" % n
    tap.check("insert %d rows" % len(vectors), insert)

    def read_back():
        with engine.connect() as conn:
            rows = conn.execute(select(items.c.embedding, items.c.half)
                                .order_by(items.c.id)).all()
        return (same_vectors([r[0] for r in rows], vectors)
                or same_vectors([r[1] for r in rows], halves))
    tap.check("read back vector and halfvec, exactly", read_back)

    for op in OPS:
        def dist(op=op):
            with engine.connect() as conn:
                for q in vqueries:
                    rows = conn.execute(select(items.c.id,
                                               items.c.embedding.distance(op, q))).all()
                    why = check_distances(op, [tuple(r) for r in rows], vectors, q)
                    if why:
                        return why
            return None
        tap.check("vector %s (%s) matches the client's distances" % (op, OP_NAMES[op]), dist)

    def half_dist():
        with engine.connect() as conn:
            for op in OPS:
                for q in hqueries:
                    rows = conn.execute(select(items.c.id, items.c.half.distance(op, q))).all()
                    why = check_distances(op, [tuple(r) for r in rows], halves, q)
                    if why:
                        return op + ": " + why
        return None
    tap.check("halfvec <-> <#> <=> <+> match the client's distances", half_dist)

    def knn(q, k=K, op="<->"):
        d = items.c.embedding.distance(op, q)
        return select(items.c.id, d).order_by(d).limit(k)

    def top_k():
        with engine.connect() as conn:
            for op in OPS:
                for q in vqueries:
                    rows = conn.execute(knn(q, op=op)).all()
                    why = check_top_k(op, [tuple(r) for r in rows], vectors, q)
                    if why:
                        return op + ": " + why
        return None
    tap.check("ORDER BY <op> LIMIT %d (no index) gives the nearest rows, for each operator" % K,
              top_k)

    def create_index():
        # Made here, after the load: an Index on the table's columns joins
        # the table, and Table.create() would have built it on the empty
        # table.
        index = Index(INDEX, items.c.embedding, postgresql_using="hannoy",
                      postgresql_ops={"embedding": "vector_l2_ops"},
                      postgresql_with={"m": 16, "ef_construction": 64})
        index.create(engine)
        with engine.connect() as conn:
            row = conn.execute(text(
                "SELECT am.amname, opc.opcname FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
                "JOIN pg_opclass opc ON opc.oid = i.indclass[0] "
                "WHERE c.relname = :name AND i.indrelid = 'items'::regclass"),
                {"name": INDEX}).one()
        return None if tuple(row) == ("hannoy", "vector_l2_ops") else "index: %r" % (row,)
    tap.check("Index(postgresql_using='hannoy', postgresql_ops=...).create()", create_index)

    def setting(conn):
        return conn.execute(text("SELECT current_setting('hannoy.ef_search')")).scalar_one()

    def set_local():
        with engine.connect() as conn:
            before = setting(conn)
            conn.commit()
            with conn.begin():
                conn.execute(text("SET LOCAL hannoy.ef_search = 5"))
                conn.execute(text("SET LOCAL hannoy.iterative_scan = off"))
                conn.execute(text("SET LOCAL enable_seqscan = off"))
                inside = setting(conn)
                rows = conn.execute(knn(vqueries[0], 20)).all()
            after = setting(conn)
        if inside != "5" or after != before:
            return "ef_search %r before, %r inside, %r after" % (before, inside, after)
        if not 1 <= len(rows) <= 5:
            return "LIMIT 20 with ef_search 5, iterative_scan off: %d rows" % len(rows)
        return None
    tap.check("SET LOCAL hannoy.ef_search in a transaction reaches the scan and ends with it",
              set_local)

    def explain():
        stmt = knn(vqueries[0])
        compiled = stmt.compile(engine)
        # The compiled statement's parameters, through the type's bind
        # processors, as execute() would send them.
        params = {name: (vector_text(value) if isinstance(value, list) else value)
                  for name, value in compiled.params.items()}
        with engine.connect() as conn:
            with conn.begin():
                conn.execute(text("SET LOCAL enable_seqscan = off"))
                plan = conn.exec_driver_sql("EXPLAIN (COSTS OFF) " + str(compiled), params).all()
        plan = "\n".join(r[0] for r in plan)
        return None if "Index Scan using " + INDEX in plan else plan
    tap.check("EXPLAIN: the select().order_by(<->).limit() uses the hannoy index", explain)

    def index_vs_exact():
        with engine.connect() as conn:
            for q in vqueries:
                with conn.begin():
                    conn.execute(text("SET LOCAL hannoy.ef_search = 100"))
                    conn.execute(text("SET LOCAL enable_seqscan = off"))
                    by_index = [tuple(r) for r in conn.execute(knn(q)).all()]
                    conn.execute(text("SET LOCAL enable_seqscan = on"))
                    conn.execute(text("SET LOCAL enable_indexscan = off"))
                    exact = [tuple(r) for r in conn.execute(knn(q)).all()]
                why = check_index_vs_exact(by_index, exact, vectors, q)
                if why:
                    return why
        return None
    tap.check("hannoy index scan (ef_search 100) returns the exact scan's rows", index_vs_exact)

    engine.dispose()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
