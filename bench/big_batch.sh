#!/usr/bin/env bash
# Full-size Symile-MIMIC (3x320x320 CXR, 1x5000x12 ECG, labs 100, d 8192, torchvision widths) training steps, two
# threads: a plain step at B 32 and gradient-cached steps at upstream's B 280 with micro-batches of 28 and 56, this
# project (symile bench --only mimic_step) against PyTorch (bench/pytorch_mimic.py, the same gradient caching), one
# configuration per process. Prints one JSON line per run (median step time, samples/s, the process's peak resident
# memory). About an hour and a half on a 2-core machine; needs ~20 GB of memory for the micro-batch of 56.
#   bench/big_batch.sh [NEGATIVE_SAMPLING (n_squared)] [CONFIGS ("32:0 280:28 280:56")] [WHICH (both|symile|torch)]
# D=8192 (upstream's --d for Symile-MIMIC) is passed to both sides; set D to time another width. WARMUP=0 skips the
# untimed step (a B 280 step is ten micro-batch steps, ~10 minutes on two cores).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ns="${1:-n_squared}"
configs="${2:-32:0 280:28 280:56}"
which="${3:-both}"
d="${D:-8192}"
warmup="${WARMUP:-1}"
out="$(mktemp -d)"
for c in $configs; do
  b="${c%%:*}"; micro="${c##*:}"
  iters=$([[ "$b" -le 32 ]] && echo 2 || echo 1)
  if [[ "$which" != torch ]]; then
    OMP_NUM_THREADS=2 ./symile bench --only mimic_step --threads 2 --B "$b" --d "$d" --micro_batch_sz "$micro" \
      --negative_sampling "$ns" --warmup "$warmup" --iters "$iters" --time_limit 100000 --json "$out/symile.json" >/dev/null 2>"$out/err" \
      || { echo "symile B $b micro $micro failed: $(grep -v '^\s*at \|more$' "$out/err" | tail -3 | tr '\n' ' ')"; continue; }
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))[0]; print(json.dumps({'who':'symile','B':r['B'],'d':r['d'],'micro_batch_sz':r['micro_batch_sz'],'negative_sampling':r['negative_sampling'],'median_s':round(r['median_ms']/1000,1),'samples_per_s':round(r['samples_per_s'],3),'peak_rss_mb':round(r['peak_rss_mb'])}))" "$out/symile.json"
  fi
  if [[ "$which" != symile ]]; then
    OMP_NUM_THREADS=2 /usr/bin/python3 bench/pytorch_mimic.py --threads 2 --B "$b" --d "$d" --micro_batch_sz "$micro" \
      --negative_sampling "$ns" --warmup "$warmup" --iters "$iters" > "$out/torch.json" 2>"$out/err" \
      || { echo "pytorch B $b micro $micro failed (exit $?): $(tail -3 "$out/err" | tr '\n' ' ')"; continue; }
    python3 -c "import json,sys; r=json.loads(open(sys.argv[1]).read()); print(json.dumps({'who':'pytorch','B':r['B'],'d':r['d'],'micro_batch_sz':r['micro_batch_sz'],'negative_sampling':r['negative_sampling'],'median_s':round(r['median_ms']/1000,1),'samples_per_s':round(r['samples_per_s'],3),'peak_rss_mb':round(r['peak_rss_mb'])}))" "$out/torch.json"
  fi
done
rm -rf "$out"
