#!/usr/bin/env python3
"""Compares two output trees of tools/behaviour_runs.sh: every checkpoint entry byte for byte (meta.json with the
run directories' names, which carry the time they were made, replaced), and every results file (metrics.csv
without its samples_per_s column, run_info.json, results CSVs and JSON). Prints one line per difference; exit 1
when there is any.

    tools/compare_runs.py /tmp/before /tmp/after
"""
import csv, io, json, os, re, sys, zipfile

RUN = re.compile(r'\d{8}_\d{6}(_\d{4})?')


def norm(text, root):
    return RUN.sub('<run>', text.replace(root, '<root>'))


def files(root):
    out = {}
    for dp, _, fns in os.walk(root):
        for fn in fns:
            p = os.path.join(dp, fn)
            rel = norm(os.path.relpath(p, root), root)
            if rel.startswith('data/') or fn.endswith(('.log', '.png', '.dl4j')):
                continue
            out.setdefault(rel, []).append(p)
    return out


def content(path, root):
    name = os.path.basename(path)
    if name.endswith('.ckpt'):
        with zipfile.ZipFile(path) as z:
            return {e: (norm(z.read(e).decode(), root).encode() if e == 'meta.json' else z.read(e))
                    for e in z.namelist()}
    with open(path, 'rb') as f:
        data = f.read()
    if name == 'metrics.csv':
        rows = list(csv.reader(io.StringIO(data.decode())))
        keep = [i for i, h in enumerate(rows[0]) if h != 'samples_per_s']
        return {'rows': [[r[i] for i in keep] for r in rows]}
    if name.endswith(('.json', '.csv', '.txt')):
        return {'text': norm(data.decode(), root)}
    return {'bytes': data}


def main(a, b):
    fa, fb = files(a), files(b)
    diffs = 0
    for rel in sorted(set(fa) | set(fb)):
        if rel not in fa or rel not in fb or len(fa[rel]) != len(fb[rel]):
            print(f'only in one tree (or a different count): {rel}')
            diffs += 1
            continue
        for pa, pb in zip(sorted(fa[rel]), sorted(fb[rel])):
            try:
                ca, cb = content(pa, a), content(pb, b)
            except (zipfile.BadZipFile, UnicodeDecodeError) as e:
                print(f'{rel}: unreadable in one tree ({e})')
                diffs += 1
                continue
            if ca.keys() != cb.keys():
                print(f'{rel}: entries differ: {sorted(set(ca) ^ set(cb))}')
                diffs += 1
                continue
            for k in ca:
                if ca[k] != cb[k]:
                    print(f'{rel}: {k} differs')
                    diffs += 1
    n = sum(len(v) for v in fa.values())
    print(f'{n} files compared, {diffs} differences')
    return 1 if diffs else 0


if __name__ == '__main__':
    sys.exit(main(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])))
