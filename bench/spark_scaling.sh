#!/usr/bin/env bash
# Samples/s of train --spark_master local[1] and local[2] against the single-process trainer on the same synthetic
# Symile-MIMIC data (issue: scale-out). One process per configuration, run one after another; prints each
# configuration's per-epoch training throughput (the trainer's own "samples/s", training steps only) and the
# process's wall time and peak resident memory. Usage: bench/spark_scaling.sh [EPOCHS] [FREQUENCY] [WHICH]
# (FREQUENCY: --spark_averaging_frequency of the parameter-averaging runs; shared gradients combine every step;
# WHICH: all (default) or negatives: only local[2] with local and global negatives and the one-process runs they
# equal, batch 16 and batch 32 encoded 16 rows at a time)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
epochs="${1:-3}"
freq="${2:-5}"
which="${3:-all}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$root/symile" generate --experiment symile_mimic --out "$work/data" --train_n 512 --val_n 40 --test_n 40 \
  --image_size 64 --ecg_length 1000 >/dev/null 2>&1
common=(train --experiment symile_mimic --data_dir "$work/data" --ckpt_save_dir "$work/ckpts" --d 64
  --resnet_base_width 16 --batch_sz_train 16 --batch_sz_val 40 --epochs "$epochs" --check_val_every_n_epoch "$epochs"
  --use_seed True)
run() {
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$root/symile" "${common[@]}" "$@" 2>"$work/log" || { cat "$work/log"; exit 1; }
  local rates
  rates="$(grep -o '[0-9,.]* samples/s' "$work/log" | grep -o '^[0-9,.]*' | tr -d , | paste -sd' ')"
  read -r wall rss < "$work/time"
  printf '%-34s samples/s per epoch: %-24s wall %6.1f s  peak RSS %5.0f MiB\n' "$name" "$rates" "$wall" "$((rss / 1024))"
}
if [[ "$which" == negatives ]]; then
  run "local[2], local negatives" --spark_master 'local[2]'
  run "local[2], global negatives" --spark_master 'local[2]' --spark_negatives global
  run "single process, B 32, micro-batches of 16" --batch_sz_train 32 --micro_batch_sz 16
  exit 0
fi
run "single process, OMP_NUM_THREADS=1"
OMP_NUM_THREADS=2 run "single process, OMP_NUM_THREADS=2"
run "local[1], shared gradients" --spark_master 'local[1]'
run "local[2], shared gradients" --spark_master 'local[2]'
run "local[1], averaging every $freq" --spark_master 'local[1]' --spark_training_master parameter_averaging \
  --spark_averaging_frequency "$freq"
run "local[2], averaging every $freq" --spark_master 'local[2]' --spark_training_master parameter_averaging \
  --spark_averaging_frequency "$freq"
