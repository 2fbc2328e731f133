#!/bin/bash
# SongGen's mode ablation on one GPU: modes side by side until BUDGET (MODES, two a call by default, below), each from the
# token caches made on the CPU host (gpu-pack's espeak-ng does not fit beside the codec's weights in what travels; both
# caches of 1024 songs take about 25 minutes here, `--cache-only` using every core):
#   media train songgen --mode mixed-pro --cache-only --run R1 ...   (mix + vocal codes; mixed reads them too)
#   media train songgen --mode parallel  --cache-only --run R2 ...   (vocal + accompaniment codes; every dual-track mode)
#   media eval song-conditioning --model ANY_MODEL_OF_EACH_MODE -n 16 --cache R1 (and R2)   (the held-out songs 900000-900015,
#     which the runs score every 100 steps; nothing here can make them without espeak-ng)
#   tar -cJf .gpu/songgen-tokens.tar.xz -C R1 tokens/mixed-pro-8s -C R2 tokens/parallel-8s
# and models/media-codec in the checkout. Then: OUT=... bash docs/scripts/gpu-train-songgen.sh
# Travel (64 MiB): docs/scripts/gpu-pack.sh pack && docs/scripts/gpu-pack.sh park media-codec; carry [".gpu/dotnet.tar.xz",
# ".gpu/cli.tar.xz", ".gpu/songgen-tokens.tar.xz"] (not espeak-ng: two 512-song caches then pass 64 MiB); check with gpu-pack.sh size and
# those three paths; unpark after.
source "$(dirname "$0")/gpu-common.sh"
END=$(( T0 + ${BUDGET:-540} ))
# Two modes a call: at the default shape each model is 26 MB as fp16, and what comes back is at most 64 MiB; the paper's
# other modes (mixed, interleaving-a-v, parallel-v-a, ...) in later calls through MODES.
MODES=${MODES:-"mixed-pro parallel"}
SHAPE=${SHAPE:-"--codebooks 4 --songs 1024 --seconds 8 --dim 256 --layers 6 --batch 32 --lr 1e-3 --threads 2"}
# A batch of 32 passes over 1,024 songs every 32 steps: the model shipped is the one at the lowest held-out loss.
EVAL=${EVAL:-"--eval-every 100 --eval-n 16"}
mkdir -p /tmp/tokens && tar -xJf .gpu/songgen-tokens.tar.xz -C /tmp/tokens || { echo "no token cache"; exit 5; }
pids=()
for mode in $MODES; do
  # each run reads its mode's cache folder: the mixed modes take the mix(+vocal) examples, the dual-track modes the stems'
  case $mode in mixed|mixed-pro) src=mixed-pro-8s ;; *) src=parallel-8s ;; esac
  mkdir -p /tmp/runs/sg-$mode/tokens && cp -r /tmp/tokens/tokens/$src /tmp/runs/sg-$mode/tokens/$mode-8s
  eval_args="$EVAL --export-best /tmp/out/songgen-$mode"
  [ -f /tmp/tokens/tokens/$src/900015.json ] || { echo "$src has no held-out songs 900000-900015: training without the held-out stop"; eval_args=""; }
  train sg-$mode $END -- songgen --mode $mode $SHAPE $eval_args --export /tmp/out/songgen-$mode &
  pids+=($!)
done
watch_gpu "${pids[@]}"
wait "${pids[@]}"
for mode in $MODES; do ship songgen-$mode songgen-$mode; done
finish
