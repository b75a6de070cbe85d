"""What every Python client test shares: the data set, the distances the
client expects, and TAP-style output.

node/common.js computes the same data with the same generator, so every
client stores and searches the same vectors.
"""
import math
import os
import struct
import sys
import traceback

DIM = 16
ROWS = 300
QUERIES = 5
K = 10
OPS = ("<->", "<#>", "<=>", "<+>")
OP_NAMES = {"<->": "l2", "<#>": "negative inner product", "<=>": "cosine", "<+>": "l1"}
INDEX = "items_embedding_hannoy"


def f32(x):
    """x rounded to the nearest float4, as a Python float."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


class Rng:
    """32-bit xorshift; node/common.js has the same one."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF or 1

    def next(self):
        x = self.state
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.state = x
        return x

    def unit(self):
        """A float4 in [-1, 1)."""
        return f32(self.next() / 4294967296.0 * 2.0 - 1.0)

    def half(self):
        """A multiple of 1/256 in [-2, 2]: every one is exact in binary16."""
        return (self.next() % 1025 - 512) / 256.0


def make_data():
    rng = Rng(0x68616E6E)
    vectors = [[rng.unit() for _ in range(DIM)] for _ in range(ROWS)]
    halves = [[rng.half() for _ in range(DIM)] for _ in range(ROWS)]
    vector_queries = [[rng.unit() for _ in range(DIM)] for _ in range(QUERIES)]
    half_queries = [[rng.half() for _ in range(DIM)] for _ in range(QUERIES)]
    return vectors, halves, vector_queries, half_queries


# Values that a careless text or binary conversion would change: the
# smallest subnormal float4, the largest finite float4, negative zero, a
# value whose shortest form needs nine digits, powers of two far apart.
EDGE_VECTORS = [
    [f32(1.401298464324817e-45), -f32(3.4028234663852886e38), -0.0, 1.0],
    [f32(0.1), f32(1.0 / 3.0), f32(-2.7182817), f32(16777217.0)],
    [f32(1e-38), f32(-1.1754942e-38), f32(123456.789), f32(-9.999999e-5)],
]


def same_float(a, b):
    """Equal as float4 values, and with the same sign (negative zero)."""
    return f32(a) == f32(b) and math.copysign(1.0, a) == math.copysign(1.0, b)


def same_vectors(got, want):
    """None when equal element by element, else a description of the first
    difference."""
    if len(got) != len(want):
        return "%d rows, expected %d" % (len(got), len(want))
    for i, (g, w) in enumerate(zip(got, want)):
        if g is None or len(g) != len(w):
            return "row %d: %r, expected %r" % (i, g, w)
        for j, (a, b) in enumerate(zip(g, w)):
            if not same_float(a, b):
                return "row %d element %d: %r, expected %r" % (i, j, a, b)
    return None


def distance(op, a, b):
    """The distance the operator should return, computed in double."""
    if op == "<->":
        return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))
    if op == "<#>":
        return -sum(x * y for x, y in zip(a, b))
    if op == "<=>":
        dot = sum(x * y for x, y in zip(a, b))
        na = math.sqrt(sum(x * x for x in a))
        nb = math.sqrt(sum(y * y for y in b))
        return 1.0 - dot / (na * nb)
    if op == "<+>":
        return sum(abs(x - y) for x, y in zip(a, b))
    raise ValueError(op)


def close(got, want):
    """The server computes in float4: allow that much rounding."""
    return got is not None and abs(got - want) <= 2e-5 + 1e-5 * abs(want)


def check_distances(op, rows, data, query):
    """rows: (id, distance) for every row (ids 1-based into data). None
    when every distance is close to the expected one."""
    if len(rows) != len(data):
        return "%d rows, expected %d" % (len(rows), len(data))
    for rid, got in rows:
        want = distance(op, data[rid - 1], query)
        if not close(got, want):
            return "id %d: %s gave %r, expected %r" % (rid, op, got, want)
    return None


def check_top_k(op, rows, data, query, k=K):
    """rows: (id, distance) of an ORDER BY <op> LIMIT k query. None when
    they are k rows, in order, whose distances are the k smallest (ties
    cannot make this fail: it compares distances, not ids)."""
    want = sorted(distance(op, v, query) for v in data)[:k]
    if len(rows) != k:
        return "%d rows, expected %d" % (len(rows), k)
    for i, (rid, got) in enumerate(rows):
        own = distance(op, data[rid - 1], query)
        if not close(got, own):
            return "id %d: distance %r, expected %r" % (rid, got, own)
        if not close(got, want[i]):
            return "rank %d: distance %r, the %d-th smallest is %r" % (i + 1, got, i + 1, want[i])
    return None


def check_index_vs_exact(by_index, exact, data, query):
    """by_index, exact: (id, distance) rows of the same <-> query through the
    index and through an exact scan.  None when they are the same rows and
    the right k nearest."""
    if [r[0] for r in by_index] != [r[0] for r in exact]:
        return "index ids %r, exact scan ids %r" % ([r[0] for r in by_index],
                                                    [r[0] for r in exact])
    return check_top_k("<->", by_index, data, query)


def exact_top_ids(op, data, query, k=K):
    order = sorted(range(len(data)), key=lambda i: distance(op, data[i], query))
    return [i + 1 for i in order[:k]]


def vector_text(v):
    """pgvector's text form. repr() of a float4 value reads back as the
    same float4."""
    return "[" + ",".join(repr(float(x)) for x in v) + "]"


def parse_vector_text(s):
    if s is None:
        return None
    if not (s.startswith("[") and s.endswith("]")):
        raise ValueError("not a vector: %r" % s)
    return [float(x) for x in s[1:-1].split(",")]


# --- sparsevec -------------------------------------------------------------

SPARSE_DIM = 100000
SPARSE_ROWS = 60


class Sparse:
    """A sparse vector as a client holds one: dimensions, 0-based indices in
    ascending order, the non-zero values (float4)."""

    def __init__(self, dim, indices, values):
        self.dim = dim
        self.indices = list(indices)
        self.values = list(values)

    def __repr__(self):
        return "Sparse(%d, %r, %r)" % (self.dim, self.indices, self.values)


def make_sparse_data():
    """SPARSE_ROWS vectors and QUERIES queries of SPARSE_DIM dimensions, 1 to
    24 non-zero elements each; about half the indices fall below 64, so rows
    and queries share some. node/common.js makes the same ones."""
    rng = Rng(0x73706172)

    def one():
        n = 1 + rng.next() % 24
        chosen = set()
        for _ in range(n):
            span = 64 if rng.next() % 2 else SPARSE_DIM
            chosen.add(rng.next() % span)
        indices = sorted(chosen)
        values = []
        for _ in indices:
            values.append(rng.unit() or 0.5)
        return Sparse(SPARSE_DIM, indices, values)
    rows = [one() for _ in range(SPARSE_ROWS)]
    queries = [one() for _ in range(QUERIES)]
    return rows, queries


# The smallest subnormal, the largest float4, a 9-digit value, the first and
# last of 1e9 dimensions, no element at all.
SPARSE_EDGES = [
    Sparse(SPARSE_DIM, [0, 49999, SPARSE_DIM - 1],
           [f32(1.401298464324817e-45), f32(0.1), -f32(3.4028234663852886e38)]),
    Sparse(1000000000, [0, 999999999], [f32(1.0 / 3.0), f32(16777217.0)]),
    Sparse(5, [], []),
]


def same_sparse(got, want):
    """None when got (a Sparse) is want exactly, else the first difference."""
    if not isinstance(got, Sparse):
        return "%r is not a sparse vector" % (got,)
    if got.dim != want.dim or got.indices != want.indices:
        return "%r, expected %r" % (got, want)
    for j, (a, b) in enumerate(zip(got.values, want.values)):
        if not same_float(a, b):
            return "element %d (index %d): %r, expected %r" % (j, want.indices[j], a, b)
    if len(got.values) != len(want.values):
        return "%d values for %d indices" % (len(got.values), len(got.indices))
    return None


def same_sparse_rows(got, want):
    if len(got) != len(want):
        return "%d rows, expected %d" % (len(got), len(want))
    for i, (g, w) in enumerate(zip(got, want)):
        why = same_sparse(g, w)
        if why:
            return "row %d: %s" % (i, why)
    return None


def sparse_l2(a, b):
    """Euclidean distance over the union of the non-zero elements, in double."""
    da = dict(zip(a.indices, a.values))
    db = dict(zip(b.indices, b.values))
    return math.sqrt(sum((da.get(i, 0.0) - db.get(i, 0.0)) ** 2 for i in set(da) | set(db)))


def sparse_text(v):
    """pgvector's sparsevec text form: 1-based indices."""
    return "{%s}/%d" % (",".join("%d:%r" % (i + 1, float(x))
                                 for i, x in zip(v.indices, v.values)), v.dim)


def parse_sparse_text(s):
    if s is None:
        return None
    body, slash, dim = s.rpartition("/")
    if not (slash and body.startswith("{") and body.endswith("}")):
        raise ValueError("not a sparsevec: %r" % s)
    indices, values = [], []
    for element in filter(None, body[1:-1].split(",")):
        i, colon, x = element.partition(":")
        if not colon:
            raise ValueError("not a sparsevec element: %r" % element)
        indices.append(int(i) - 1)
        values.append(float(x))
    return Sparse(int(dim), indices, values)


def connection_params():
    """libpq's environment, as the runner sets it."""
    return {
        "host": os.environ["PGHOST"],
        "port": int(os.environ.get("PGPORT", "5432")),
        "dbname": os.environ["PGDATABASE"],
        "user": os.environ.get("PGUSER") or None,
    }


class Tap:
    """Prints "ok N - client: what" or "not ok N - ..." for each step, and
    the plan last."""

    def __init__(self, client):
        self.client = client
        self.count = 0
        self.failures = 0

    def ok(self, passed, what, why=None):
        self.count += 1
        if not passed:
            self.failures += 1
        print("%s %d - %s: %s" % ("ok" if passed else "not ok", self.count, self.client, what))
        if not passed and why:
            for line in str(why).splitlines():
                print("#   " + line)
        sys.stdout.flush()
        return passed

    def check(self, what, fn):
        """Runs fn(); it returns None (pass) or why it failed. An exception
        fails the step."""
        try:
            why = fn()
        except Exception as e:  # noqa: BLE001 - any error fails the step
            why = "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc(limit=3))
        return self.ok(why is None, what, why)

    def done(self):
        print("1..%d" % self.count)
        sys.stdout.flush()
        return 1 if self.failures else 0
