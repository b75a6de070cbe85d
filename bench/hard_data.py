#!/usr/bin/python3
"""The hard data set: embedding-like vectors of high intrinsic dimension.

Each of `clusters` clusters is a random `sub`-dimensional subspace of R^dim
around its own centre; a point is centre + basis @ z, z ~ N(0, 1), plus
isotropic Gaussian noise.  Centres lie close compared with the spread (the
defaults: centres 0.1 per coordinate, so about 3.9 apart, points about 4.9
from their centre), so the centre of a nearby cluster is nearer a query
than most points of the query's own cluster: greedy routing ends in the
wrong cluster for about a third of the queries (src/README, "Scans that
wander").  Queries are drawn the same way.

As a module: hard(n, nq, seed) -> (base, queries), float32 arrays.
As a script, for tests: writes <out>/base.tsv and <out>/queries.tsv (id,
pgvector text form) and <out>/truth.tsv (query id, its 10 nearest base ids
as a PostgreSQL int[] literal).
"""
import argparse
import os

import numpy as np


def hard(n, nq, seed=7, dim=768, clusters=200, sub=24, noise=0.05, spread=1.0, sep=0.1):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, sep, (clusters, dim)).astype(np.float32)
    bases = np.stack([np.linalg.qr(rng.normal(0, 1, (dim, sub)))[0]
                      for _ in range(clusters)]).astype(np.float32)

    def draw(m):
        c = rng.integers(0, clusters, m)
        z = rng.normal(0, spread, (m, sub)).astype(np.float32)
        x = centres[c] + np.einsum('mds,ms->md', bases[c], z)
        return (x + rng.normal(0, noise, (m, dim))).astype(np.float32)
    return draw(n), draw(nq)


def nearest(base, queries, k=10):
    """Exact k nearest (squared L2) of every query, nearest first (bench.py's
    ground truth too)."""
    norms = (base ** 2).sum(1)
    out = np.empty((len(queries), k), dtype=np.int64)
    for lo in range(0, len(queries), 100):
        d = norms[None, :] - 2 * queries[lo:lo + 100] @ base.T
        near = np.argpartition(d, k, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(d, near, axis=1), axis=1)
        out[lo:lo + 100] = np.take_along_axis(near, order, axis=1)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=20000)
    ap.add_argument('--queries', type=int, default=200)
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    # four decimals in the text form; the truth is computed on what the
    # table will hold
    base, queries = (x.round(4) for x in hard(a.n, a.queries, a.seed))
    os.makedirs(a.out, exist_ok=True)
    for name, rows in (('base', base), ('queries', queries)):
        with open(os.path.join(a.out, f'{name}.tsv'), 'w') as f:
            for i, v in enumerate(rows):
                f.write(f"{i}\t[{','.join(f'{x:.4f}' for x in v.tolist())}]\n")
    with open(os.path.join(a.out, 'truth.tsv'), 'w') as f:
        for i, ids in enumerate(nearest(base, queries)):
            f.write(f"{i}\t{{{','.join(map(str, ids.tolist()))}}}\n")


if __name__ == '__main__':
    main()
