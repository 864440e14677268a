#!/usr/bin/env bash
# The default binary_xor sweep (11 p_hat values, default sizes) on two cores: this project's trainer with its two
# p_hat workers, then the plain PyTorch loop (bench/pytorch_xor.py) as two one-thread processes splitting the
# p_hat values, back to back on the same machine. Prints wall seconds and peak resident memory of each.
#   bench/xor_sweep.sh [symile|clip]
# Needs /usr/bin/time and PyTorch (apt-get install python3-torch). Writes only under a temporary directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
loss="${1:-symile}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
./symile train --help >/dev/null 2>&1 # builds the project first if needed, outside the timed runs
/usr/bin/time -f "symile-jvm $loss sweep: %e s wall, %M KiB peak RSS" ./symile train --experiment binary_xor \
  --loss_fn "$loss" --ckpt_save_dir "$out/run" --use_seed True --seed 0 > "$out/log.txt" 2> "$out/time.txt" \
  || { cat "$out/log.txt" "$out/time.txt"; exit 1; }
tail -1 "$out/time.txt"
start=$(date +%s.%N)
LOSS="$loss" PS=0.0,0.2,0.4,0.6,0.8,1.0 OMP_NUM_THREADS=1 /usr/bin/time -f "pytorch worker 1: %M KiB peak RSS" \
  /usr/bin/python3 bench/pytorch_xor.py > "$out/py1.txt" 2>&1 &
LOSS="$loss" PS=0.1,0.3,0.5,0.7,0.9 OMP_NUM_THREADS=1 /usr/bin/time -f "pytorch worker 2: %M KiB peak RSS" \
  /usr/bin/python3 bench/pytorch_xor.py > "$out/py2.txt" 2>&1 &
wait
end=$(date +%s.%N)
printf 'pytorch %s sweep (two processes): %.2f s wall\n' "$loss" "$(echo "$end - $start" | bc)"
tail -1 "$out/py1.txt"
tail -1 "$out/py2.txt"
