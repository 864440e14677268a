#!/usr/bin/env python3
"""The project's package structure from its main sources: package cycles, cross-package file cycles and file imports
that run from a lower layer of symile-app up to a higher one (the layers of ArchitectureTest). Source-level, so it
also sees references javac inlines (constants), which ArchitectureTest, reading class files, cannot.

    tools/package_deps.py [ROOT] [--edges]
"""
import os, re, sys, collections
args = [a for a in sys.argv[1:] if not a.startswith('--')]
root = args[0] if args else '.'
files = {}
for mod in ('symile-samediff', 'symile-data', 'symile-app'):
    base = os.path.join(root, mod, 'src/main/java')
    for dp, _, fns in os.walk(base):
        for fn in fns:
            if fn.endswith('.java') and fn != 'package-info.java':
                p = os.path.join(dp, fn)
                src = open(p).read()
                pkg = re.search(r'^package\s+([\w.]+);', src, re.M).group(1)
                files[pkg + '.' + fn[:-5]] = (pkg, src, mod)
bypkg = collections.defaultdict(set)
for fq, (pkg, _, _) in files.items():
    bypkg[pkg].add(fq.rsplit('.', 1)[1])
def strip(src):
    src = re.sub(r'/\*.*?\*/', '', src, flags=re.S)
    src = re.sub(r'//[^\n]*', '', src)
    src = re.sub(r'"(?:\\.|[^"\\])*"', '""', src)
    return src
edges = collections.defaultdict(set)
for fq, (pkg, src, _) in files.items():
    body = strip(src)
    idents = set(re.findall(r'\b[A-Z]\w*\b', body))
    for m in re.finditer(r'^import\s+(static\s+)?(org\.symile[\w.]*?)\.([A-Z]\w*)(\.[\w*]+)?;', src, re.M):
        tgt = m.group(2) + '.' + m.group(3)
        if tgt in files and tgt != fq: edges[fq].add(tgt)
    for m in re.finditer(r'^import\s+(org\.symile[\w.]*)\.\*;', src, re.M):
        for c in bypkg.get(m.group(1), ()):
            if c in idents: edges[fq].add(m.group(1) + '.' + c)
    for c in bypkg[pkg]:
        t = pkg + '.' + c
        if t != fq and c in idents: edges[fq].add(t)
    for m in re.finditer(r'\b(org\.symile(?:\.[a-z]\w*)*)\.([A-Z]\w*)', body):
        t = m.group(1) + '.' + m.group(2)
        if t in files and t != fq: edges[fq].add(t)
# package graph
pedges = collections.defaultdict(set)
for a, ts in edges.items():
    for b in ts:
        pa, pb = files[a][0], files[b][0]
        if pa != pb: pedges[pa].add(pb)
def sccs(nodes, adj):
    idx, low, st, on, out, c = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)
    def go(v):
        idx[v] = low[v] = c[0]; c[0] += 1; st.append(v); on.add(v)
        for w in adj.get(v, ()):
            if w not in idx: go(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], idx[w])
        if low[v] == idx[v]:
            comp = []
            while True:
                w = st.pop(); on.discard(w); comp.append(w)
                if w == v: break
            out.append(comp)
    for v in nodes:
        if v not in idx: go(v)
    return [sorted(x) for x in out if len(x) > 1]
short = lambda s: s.replace('org.symile.', '')
print('== package cycles (strongly connected package sets) ==')
pc = sccs(sorted(bypkg), pedges)
for comp in pc: print('  ', ' <-> '.join(short(x) for x in comp))
print('  none' if not pc else '')
print('== cross-package file cycles (SCCs of files spanning >1 package) ==')
n = 0
for comp in sccs(sorted(files), edges):
    pk = {files[f][0] for f in comp}
    if len(pk) > 1:
        n += 1; print('  ', ', '.join(short(x) for x in comp))
print('  count', n)
if '--edges' in sys.argv:
    for a in sorted(pedges):
        print(short(a), '->', ', '.join(sorted(short(b) for b in pedges[a])))

LAYERS = [('app', 'app.cli'), ('app.sweep', 'app.bench', 'app.examples', 'app.inspect', 'app.inference'),
          ('app.spark',), ('app.experiments',), ('app.experiments.xor', 'app.experiments.m3', 'app.experiments.mimic'),
          ('app.run', 'app.ui', 'app.io', 'app.plot'), ('app.train.samediff', 'app.train.dl4j'), ('app.train',),
          ('app.memory', 'app.runtime', 'app.spec', 'app.selfcheck', 'app.models')]
def layer(pkg):
    p = short(pkg)
    for i, names in enumerate(LAYERS):
        if p in names:
            return i
    return None
up = []
for a, ts in edges.items():
    for b in ts:
        la, lb = layer(files[a][0]), layer(files[b][0])
        if la is not None and lb is not None and la > lb:
            up.append((short(a), short(b)))
print('== file imports from a lower layer up to a higher one ==')
for a, b in sorted(up):
    print('  ', a, '->', b)
print('  count', len(up))
sys.exit(1 if pc or n or up else 0)
