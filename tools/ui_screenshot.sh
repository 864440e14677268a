#!/usr/bin/env bash
# Screenshots of DL4J's training UI serving a run, in a real headless browser (Debian's chromium): the Train
# overview as OUT.png and the Symile page (validation metrics, exp(logit scale), log N) as OUT_symile.png.
#   tools/ui_screenshot.sh [RUN_DIR] [OUT.png]
# Without RUN_DIR it first trains a small binary_xor run with --ui True (statistics kept in the run directory).
# Needs: apt-get install chromium. Writes OUT.png (default ui_overview.png) and, without RUN_DIR, a run under a
# temporary directory that is removed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v chromium >/dev/null || { echo "chromium not found: apt-get install chromium" >&2; exit 2; }
run="${1:-}"
out="$(realpath -m "${2:-ui_overview.png}")"
tmp="$(mktemp -d)"
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
if [ -z "$run" ]; then
  ./symile train --experiment binary_xor --p_hats 0.5 --epochs 30 --use_seed True --seed 1 \
    --ckpt_save_dir "$tmp/runs" --ui True --ui_port 0 > "$tmp/train.log" 2>&1
  run="$(ls -d "$tmp"/runs/*/)"
fi
./symile ui "$run" --ui_port 0 > "$tmp/ui.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
  url="$(grep -o 'http://localhost:[0-9]*/train/overview' "$tmp/ui.log" | tail -1 || true)"
  [ -n "$url" ] && break
  sleep 1
done
[ -n "$url" ] || { cat "$tmp/ui.log" >&2; exit 1; }
shot() {
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1100 \
    --virtual-time-budget=15000 --screenshot="$2" "$1" > "$tmp/chromium.log" 2>&1
  echo "$1 -> $2"
}
shot "$url" "$out"
shot "${url%/train/overview}/symile" "${out%.png}_symile.png"
