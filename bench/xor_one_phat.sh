#!/usr/bin/env bash
# One binary_xor p_hat (0.5) at default sizes, one thread each: this project's trainer, then the plain PyTorch loop
# (bench/pytorch_xor.py), back to back on the same machine. Prints wall seconds and peak resident memory of each.
#   bench/xor_one_phat.sh [symile|clip] [ROUNDS]
# Needs /usr/bin/time and PyTorch (apt-get install python3-torch). Writes only under a temporary directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
loss="${1:-symile}"
rounds="${2:-1}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
./symile train --help >/dev/null 2>&1 # builds the project first if needed, outside the timed runs
for ((r = 1; r <= rounds; r++)); do
  OMP_NUM_THREADS=1 /usr/bin/time -f "symile-jvm $loss: %e s wall, %M KiB peak RSS" ./symile train \
    --experiment binary_xor --p_hats 0.5 --p_hat_workers 1 --loss_fn "$loss" --ckpt_save_dir "$out/run$r" \
    --use_seed True --seed 0 > "$out/log$r.txt" 2> "$out/time$r.txt" || { cat "$out/log$r.txt" "$out/time$r.txt"; exit 1; }
  tail -1 "$out/time$r.txt"
  LOSS="$loss" PS=0.5 OMP_NUM_THREADS=1 /usr/bin/time -f "pytorch $loss: %e s wall, %M KiB peak RSS" \
    /usr/bin/python3 bench/pytorch_xor.py 2>&1 | tail -1
done
