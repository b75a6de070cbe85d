"""How bench.py and demo.py send vectors to PostgreSQL: pgvector's text
form (for COPY) and its binary form (for query parameters, as pgvector's
own Python client sends them)."""
import struct

import numpy as np
from psycopg.adapt import Dumper
from psycopg.pq import Format


def literal(v):
    """pgvector's text form; whole numbers without a fraction."""
    a = np.asarray(v, dtype=np.float32)
    if np.array_equal(a, np.round(a)):
        return '[' + ','.join(map(str, a.astype(np.int64).tolist())) + ']'
    return '[' + ','.join(map(repr, a.tolist())) + ']'


def vector_binary(v):
    """pgvector's binary form of a vector: dim, unused, big-endian float4s."""
    return struct.pack('>HH', len(v), 0) + np.asarray(v, dtype='>f4').tobytes()


def send_vectors_binary(conn):
    """Send numpy arrays as vector parameters in pgvector's binary format
    (no text parsing on the server).  Returns the type's OID."""
    oid = conn.execute("SELECT 'vector'::regtype::oid").fetchone()[0]

    class VectorDumper(Dumper):
        format = Format.BINARY

        def __init__(self, cls, context=None):
            super().__init__(cls, context)
            self.oid = oid

        def dump(self, obj):
            return vector_binary(obj)

    conn.adapters.register_dumper(np.ndarray, VectorDumper)
    return oid
