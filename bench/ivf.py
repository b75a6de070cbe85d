"""IVF routing in the benchmark (issue 11): the table of bench.py's
`items` as 16 IVF lists (hannoy_ivf_create), each list a partition with
its own hannoy index.  Measured: the build of every partition's index
against one index over the same rows (time and the backend's peak private
memory), and at ef_search 40, for each
hannoy.ivf_probes, recall@10, QPS and shared buffers read per query,
against the same query on all lists (probes 0) and on one index."""
import time

from memory import PeakMemory

LISTS = 16
PROBES = [0, 1, 2, 3, 4, 6, 8]


def ivf_runs(rec, h, queries, truth, m, efc, recall):
    """h: bench.Hannoy with table items loaded (its index built)."""
    h.sql('DROP VIEW IF EXISTS ivf')
    h.sql('DROP TABLE IF EXISTS ivf_lists')
    h.sql(f"SELECT hannoy_ivf_create('ivf', 'items', 'v', {LISTS})")
    # load first, then build every partition's index at once
    h.sql('DROP INDEX ivf_lists_v_idx')
    h.sql('ALTER TABLE ivf_lists ALTER COLUMN v SET STORAGE PLAIN')
    h.sql("INSERT INTO ivf_lists SELECT id, v, hannoy_ivf_list('ivf_lists', v) FROM items")
    h.sql('VACUUM ANALYZE ivf_lists')
    sizes = [r[0] for r in h.sql('SELECT count(*) FROM ivf_lists GROUP BY ivf_list ORDER BY 1')]
    h.sql("SET maintenance_work_mem = '2GB'")
    h.sql('SET max_parallel_maintenance_workers = 0')
    t = time.time()
    with PeakMemory(h.conn.info.backend_pid) as mem:
        h.sql(f'CREATE INDEX ivf_lists_v ON ivf_lists USING hannoy (v) WITH (m = {m}, ef_construction = {efc})')
    seconds = time.time() - t
    h.sql('RESET maintenance_work_mem')
    rec.add('hannoy-ivf', 'build', lists=LISTS, workers=0, seconds=seconds, peak_mb=mem.peak_mb,
            smallest_list=int(sizes[0]), largest_list=int(sizes[-1]))
    for probes in PROBES:
        h.sql(f'SET hannoy.ivf_probes = {probes}')
        found, qps = h.search('ivf', queries, 40)
        rec.add('hannoy-ivf', f'search {probes or LISTS} of {LISTS} lists', ef=40, probes=probes,
                recall=recall(found, truth), qps=qps, buffers=h.buffers_per_query('ivf', queries, 40))
    h.sql('RESET hannoy.ivf_probes')
    h.sql('DROP VIEW ivf')
    h.sql('DROP TABLE ivf_lists')


def ivf_targets(rec):
    """Target rows for bench.py's report: (name, target, value, note)."""
    runs = [r for r in rec.records if r['system'] == 'hannoy-ivf' and r['what'].startswith('search')]
    unrouted = next((r for r in runs if r['probes'] == 0), None)
    first = next((r for r in sorted(runs, key=lambda r: r['probes']) if r['probes'] > 0 and r['recall'] >= 0.95), None)
    one = next((r for r in rec.records if r['system'] == 'hannoy' and r['what'] == 'search' and r['ef'] == 40), None)
    build = next((r for r in rec.records if r['system'] == 'hannoy-ivf' and r['what'] == 'build'), None)
    one_build = next((r for r in rec.records if r['system'] == 'hannoy' and r['what'] == 'build' and r['workers'] == 0), None)
    nan = float('nan')
    note = f"{first['probes']} of {LISTS} lists, recall {first['recall']:.3f}" if first else 'no probes reach 0.95'
    return [
        (f'IVF ({LISTS} lists): buffers/query at the first probes with recall >= 0.95 / all lists', '<= 0.25',
         first['buffers'] / unrouted['buffers'] if first and unrouted else nan, note),
        ('IVF: QPS there / all lists', 'report', first['qps'] / unrouted['qps'] if first and unrouted else nan, ''),
        ('IVF: QPS there / one index (ef 40)', 'report', first['qps'] / one['qps'] if first and one else nan, ''),
        (f'IVF: build of the {LISTS} partitions\' indexes / one index, serial', 'report',
         build['seconds'] / one_build['seconds'] if build and one_build else nan,
         f"lists of {build['smallest_list']} to {build['largest_list']} rows" if build else ''),
        (f'IVF: peak build memory of the {LISTS} partitions\' indexes / one index, serial', 'report',
         build['peak_mb'] / one_build['peak_mb'] if build and one_build and one_build.get('peak_mb') else nan,
         f"{build['peak_mb']:.0f} MB / {one_build['peak_mb']:.0f} MB (backend RssAnon)"
         if build and one_build and one_build.get('peak_mb') else ''),
    ]
