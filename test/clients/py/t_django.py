"""Django (Debian's python3-django, 3.2, through psycopg2) against hannoy.

Without python3-pgvector (not in Debian 12): a model Field of our own for
vector and halfvec columns, a Func for the distance operators, and the
index as a subclass of django.contrib.postgres.indexes.PostgresIndex, the
hook Django gives for other access methods (its suffix is the USING
method; opclasses and WITH parameters are Django's). The table and the
index are made with the schema editor, as a migration would make them.
"""
import sys

import django
from django.conf import settings

from common import (DIM, INDEX, K, OP_NAMES, OPS, Tap, check_distances, check_index_vs_exact, check_top_k,
                    connection_params, make_data, parse_vector_text, same_vectors, vector_text)

p = connection_params()
settings.configure(
    DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": p["dbname"],
                           "HOST": p["host"], "PORT": str(p["port"]), "USER": p["user"] or ""}},
    INSTALLED_APPS=[], USE_TZ=True, DEFAULT_AUTO_FIELD="django.db.models.AutoField")
django.setup()

from django.contrib.postgres.indexes import PostgresIndex  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.db.models import F, FloatField, Func, Value  # noqa: E402


class VectorField(models.Field):
    def __init__(self, *args, dimensions=None, type_name="vector", **kwargs):
        self.dimensions = dimensions
        self.type_name = type_name
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["dimensions"] = self.dimensions
        kwargs["type_name"] = self.type_name
        return name, path, args, kwargs

    def db_type(self, connection):
        if self.dimensions is None:
            return self.type_name
        return "%s(%d)" % (self.type_name, self.dimensions)

    def from_db_value(self, value, expression, connection):
        return parse_vector_text(value)

    def get_prep_value(self, value):
        return None if value is None else vector_text(value)


class Distance(Func):
    """column <op> vector"""
    template = "(%(expressions)s)"
    output_field = FloatField()

    def __init__(self, column, op, vector, type_name="vector"):
        self.arg_joiner = " %s " % op
        super().__init__(F(column), Value(vector, output_field=VectorField(type_name=type_name)))


class HannoyIndex(PostgresIndex):
    suffix = "hannoy"

    def __init__(self, *expressions, m=None, ef_construction=None, **kwargs):
        self.m = m
        self.ef_construction = ef_construction
        super().__init__(*expressions, **kwargs)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs.update(m=self.m, ef_construction=self.ef_construction)
        return path, args, kwargs

    def get_with_params(self):
        return ["%s = %d" % (k, v) for k, v in (("m", self.m),
                                                ("ef_construction", self.ef_construction))
                if v is not None]


class Item(models.Model):
    id = models.IntegerField(primary_key=True)
    embedding = VectorField(dimensions=DIM)
    half = VectorField(dimensions=DIM, type_name="halfvec")

    class Meta:
        app_label = "hannoy_clients"
        db_table = "items"


def main():
    tap = Tap("django")
    vectors, halves, vqueries, hqueries = make_data()

    def create():
        with connection.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS hannoy")
        with connection.schema_editor() as editor:
            editor.create_model(Item)
        with connection.cursor() as cur:
            cur.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                        "WHERE attrelid = 'items'::regclass AND attnum > 1 ORDER BY attnum")
            types = cur.fetchall()
        want = [("vector(%d)" % DIM,), ("halfvec(%d)" % DIM,)]
        return None if types == want else "column types %r" % (types,)
    tap.check("schema_editor.create_model() with vector(%d) and halfvec(%d) fields"
              % (DIM, DIM), create)

    def insert():
        Item.objects.bulk_create([Item(id=i + 1, embedding=v, half=h)
                                  for i, (v, h) in enumerate(zip(vectors, halves))])
        n = Item.objects.count()
        return None if n == len(vectors) else "%d rows" % n
    tap.check("bulk_create %d rows" % len(vectors), insert)

    def read_back():
        rows = list(Item.objects.order_by("id"))
        return (same_vectors([r.embedding for r in rows], vectors)
                or same_vectors([r.half for r in rows], halves))
    tap.check("read back vector and halfvec fields, exactly", read_back)

    for op in OPS:
        def dist(op=op):
            for q in vqueries:
                rows = list(Item.objects.annotate(d=Distance("embedding", op, q))
                            .values_list("id", "d"))
                why = check_distances(op, rows, vectors, q)
                if why:
                    return why
            return None
        tap.check("vector %s (%s) matches the client's distances" % (op, OP_NAMES[op]), dist)

    def half_dist():
        for op in OPS:
            for q in hqueries:
                rows = list(Item.objects.annotate(d=Distance("half", op, q, "halfvec"))
                            .values_list("id", "d"))
                why = check_distances(op, rows, halves, q)
                if why:
                    return op + ": " + why
        return None
    tap.check("halfvec <-> <#> <=> <+> match the client's distances", half_dist)

    def knn(q, k=K, op="<->"):
        return (Item.objects.annotate(d=Distance("embedding", op, q)).order_by("d")
                .values_list("id", "d")[:k])

    def top_k():
        for op in OPS:
            for q in vqueries:
                why = check_top_k(op, list(knn(q, op=op)), vectors, q)
                if why:
                    return op + ": " + why
        return None
    tap.check("ORDER BY <op> LIMIT %d (no index) gives the nearest rows, for each operator" % K,
              top_k)

    def create_index():
        index = HannoyIndex(fields=["embedding"], name=INDEX, opclasses=["vector_l2_ops"],
                            m=16, ef_construction=64)
        with connection.schema_editor() as editor:
            editor.add_index(Item, index)
        with connection.cursor() as cur:
            cur.execute("SELECT am.amname, opc.opcname FROM pg_index i "
                        "JOIN pg_class c ON c.oid = i.indexrelid "
                        "JOIN pg_am am ON am.oid = c.relam "
                        "JOIN pg_opclass opc ON opc.oid = i.indclass[0] "
                        "WHERE c.relname = %s AND i.indrelid = 'items'::regclass", [INDEX])
            row = cur.fetchone()
        return None if row == ("hannoy", "vector_l2_ops") else "index: %r" % (row,)
    tap.check("schema_editor.add_index(PostgresIndex subclass with suffix 'hannoy')",
              create_index)

    def setting():
        with connection.cursor() as cur:
            cur.execute("SELECT current_setting('hannoy.ef_search')")
            return cur.fetchone()[0]

    def set_local():
        before = setting()
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL hannoy.ef_search = 5")
                cur.execute("SET LOCAL hannoy.iterative_scan = off")
                cur.execute("SET LOCAL enable_seqscan = off")
            inside = setting()
            rows = list(knn(vqueries[0], 20))
        after = setting()
        if inside != "5" or after != before:
            return "ef_search %r before, %r inside, %r after" % (before, inside, after)
        if not 1 <= len(rows) <= 5:
            return "LIMIT 20 with ef_search 5, iterative_scan off: %d rows" % len(rows)
        return None
    tap.check("SET LOCAL hannoy.ef_search in transaction.atomic() reaches the scan and ends "
              "with it", set_local)

    def explain():
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL enable_seqscan = off")
            plan = knn(vqueries[0]).explain()
        return None if "Index Scan using " + INDEX in plan else plan
    tap.check("QuerySet.explain(): the annotate().order_by()[:k] query uses the hannoy index",
              explain)

    def index_vs_exact():
        for q in vqueries:
            with transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL hannoy.ef_search = 100")
                    cur.execute("SET LOCAL enable_seqscan = off")
                by_index = list(knn(q))
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL enable_seqscan = on")
                    cur.execute("SET LOCAL enable_indexscan = off")
                exact = list(knn(q))
            why = check_index_vs_exact(by_index, exact, vectors, q)
            if why:
                return why
        return None
    tap.check("hannoy index scan (ef_search 100) returns the exact scan's rows", index_vs_exact)

    connection.close()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
