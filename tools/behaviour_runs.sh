#!/usr/bin/env bash
# Seeded runs of the three experiments, for checking that a change leaves behaviour alone: run it with the
# launcher of each build, then compare the two output directories with tools/compare_runs.py.
#   tools/behaviour_runs.sh ./symile /tmp/after      (and e.g. a launcher of the previous build -> /tmp/before)
# Covers binary_xor (Symile O(N), O(N^2) memory-lean, CLIP), Symile-M3 (O(N), O(N^2), CLIP, missingness, a resume,
# Spark local[2] with both training masters), Symile-MIMIC (O(N^2), O(N), CLIP) and `test` on M3 and MIMIC
# checkpoints. About 10 minutes on 2 cores.
set -euo pipefail
launcher="$1"
out="$2"
mkdir -p "$out"
log="$out/runs.log"
: > "$log"
run() {
  local name="$1"; shift
  echo "== $name: $*" >> "$log"
  if ! "$launcher" "$@" >> "$log" 2>&1; then
    echo "$name failed; see $log" >&2
    exit 1
  fi
}
data="$out/data"
[[ -d "$data/m3" ]] || run gen_m3 generate --experiment symile_m3 --out "$data/m3" --train_n 600 --val_n 200 --test_n 200 --seed 5
[[ -d "$data/mimic" ]] || run gen_mimic generate --experiment symile_mimic --out "$data/mimic" --train_n 160 --val_n 40 \
  --test_n 40 --image_size 32 --ecg_length 128 --seed 5
common=(--use_seed True --seed 7)
xor=(train --experiment binary_xor --p_hats 0.3,0.7 --epochs 3 --train_n 2000 --val_n 500 --test_n 500 --batch_sz_train 250 --batch_sz_val 250 --batch_sz_test 250 "${common[@]}")
run xor_symile "${xor[@]}" --ckpt_save_dir "$out/xor_symile"
run xor_lean "${xor[@]}" --negative_sampling n_squared --memory_lean True --ckpt_save_dir "$out/xor_lean"
run xor_clip "${xor[@]}" --loss_fn clip --bootstrap True --bootstrap_n 3 --ckpt_save_dir "$out/xor_clip"
m3=(train --experiment symile_m3 --data_dir "$data/m3" --epochs 2 --d 32 --batch_sz_train 100 --batch_sz_val 100 \
  --lr 1e-3 --logit_scale_init 0 --text_hidden 16 --text_heads 2 --text_intermediate 32 --check_val_every_n_epoch 1 "${common[@]}")
run m3_n "${m3[@]}" --ckpt_save_dir "$out/m3_n"
run m3_n2 "${m3[@]}" --negative_sampling n_squared --batch_sz_train 50 --ckpt_save_dir "$out/m3_n2"
run m3_n2_lean "${m3[@]}" --negative_sampling n_squared --memory_lean True --batch_sz_train 50 --ckpt_save_dir "$out/m3_n2_lean"
run m3_clip "${m3[@]}" --loss_fn clip --ckpt_save_dir "$out/m3_clip"
run m3_missing "${m3[@]}" --missingness True --missingness_prob 0.5 --ckpt_save_dir "$out/m3_missing"
run m3_spark_shared "${m3[@]}" --spark_master 'local[2]' --batch_sz_train 50 --ckpt_save_dir "$out/m3_spark_shared"
run m3_spark_avg "${m3[@]}" --spark_master 'local[2]' --batch_sz_train 50 --spark_training_master parameter_averaging \
  --spark_averaging_frequency 2 --ckpt_save_dir "$out/m3_spark_avg"
first=$(ls -d "$out"/m3_n/*/ | head -1)
cp "$first/last.ckpt" "$out/m3_n_epoch2.ckpt"
run m3_resume "${m3[@]}" --epochs 3 --ckpt_path "$out/m3_n_epoch2.ckpt" --ckpt_save_dir "$out/m3_n"
run m3_test test --experiment symile_m3 --data_dir "$data/m3" --batch_sz_test 100 --ckpt_path "$first/last.ckpt" \
  --save_dir "$out/m3_test" --bootstrap True --bootstrap_n 3
mimic=(train --experiment symile_mimic --data_dir "$data/mimic" --epochs 2 --d 16 --resnet_base_width 4 \
  --batch_sz_train 32 --batch_sz_val 40 --lr 3e-3 --logit_scale_init -1 "${common[@]}")
run mimic_n2 "${mimic[@]}" --ckpt_save_dir "$out/mimic_n2"
run mimic_n "${mimic[@]}" --negative_sampling n --ckpt_save_dir "$out/mimic_n"
run mimic_clip "${mimic[@]}" --loss_fn clip --ckpt_save_dir "$out/mimic_clip"
mfirst=$(ls -d "$out"/mimic_n2/*/ | head -1)
run mimic_test test --experiment symile_mimic --data_dir "$data/mimic" --batch_sz_test 40 --ckpt_path "$mfirst/last.ckpt" \
  --save_dir "$out/mimic_test"
echo "done: $out"
