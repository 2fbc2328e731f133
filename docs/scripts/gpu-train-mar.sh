#!/bin/bash
# MAR (issue 15) on one GPU: the backbone's width, the measurement docs/MAR.md names next. The default shape (128 wide,
# 4 + 4 blocks, 2.9 M parameters) beside a wider one (WIDE, default 256 wide, 6 + 6 blocks, 8 heads) on the same scenes,
# batch, recipe (velocity weighting, MAR's AdamW betas) and seed, side by side until BUDGET; then `media eval image-mar
# --n 200` there for both (held-out prompts, seeds 0..199, N = 16, cfg 3, 50 head steps: the same as docs/MAR.md's table,
# whose token-shuffle row is the comparison; its weights stay here). Results: $OUT/mar-base.tar and $OUT/mar-wide.tar
# (fp16 exports), $OUT/logs.tgz.
#   OUT=... bash docs/scripts/gpu-train-mar.sh      Knobs: BUDGET (s from the start, 430), SAMPLES (40000), BATCH (256), WIDE
# Travel (64 MiB): docs/scripts/gpu-pack.sh pack && docs/scripts/gpu-pack.sh park image-vae; carry [".gpu"]; unpark after.
source "$(dirname "$0")/gpu-common.sh"
END=$(( T0 + ${BUDGET:-430} ))
N=${SAMPLES:-40000} B=${BATCH:-256}
RECIPE="--vae models/image-vae --samples $N --batch $B --ema 0.999 --seed 1 --threads 2"
train mar-base $END -- image-mar $RECIPE --out /tmp/out/mar-base &
P1=$!
train mar-wide $END -- image-mar $RECIPE ${WIDE:---dim 256 --depth 6 --heads 8} --out /tmp/out/mar-wide &
P2=$!
watch_gpu $P1 $P2
wait $P1 $P2
evaluate 20 "mar-base mar-wide" eval image-mar --mar /tmp/out/@RUN --vae models/image-vae --n ${EVAL_N:-200} --token-shuffle none \
  --dar none --batch 50 --device $DEVICE --threads 2 --grid /tmp/out/@RUN/grid.png
ship mar-base mar-base; ship mar-wide mar-wide
finish
