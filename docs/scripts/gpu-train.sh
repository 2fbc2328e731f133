#!/bin/bash
# The 2026-12-04 plan: MAR, MagicMix's latent DiT and D-AR side by side on one GPU (BUDGET=490 s, TOKENIZER_BUDGET=330 s,
# ONLY_DAR=1 for D-AR alone). Results land as tars under $OUT. What this gave: docs/MAGICMIX.md, docs/MAR.md, docs/DAR.md.
#   OUT=... bash docs/scripts/gpu-train.sh
# Travel (64 MiB): docs/scripts/gpu-pack.sh pack && docs/scripts/gpu-pack.sh park image-vae; carry [".gpu"]; unpark after.
source "$(dirname "$0")/gpu-common.sh"
END=$(( T0 + ${BUDGET:-490} ))
N=${SAMPLES:-20000} B=${BATCH:-256} BD=${BATCH_DAR:-64}
VAE=models/image-vae
[ -z "${ONLY_DAR:-}" ] && train mar $END -- image-mar --vae $VAE --samples $N --batch $B --ema 0.999 --seed 1 --threads 2 --out /tmp/out/mar &
P1=$!
[ -z "${ONLY_DAR:-}" ] && train ldm $END -- image-ldm --vae $VAE --samples $N --batch $B --dim 192 --depth 6 --heads 6 --lr 6e-4 --ema 0.999 --seed 1 --threads 2 --out /tmp/out/magicmix &
P2=$!
(
  train dar-tokenizer $(( T0 + ${TOKENIZER_BUDGET:-330} )) -- image-dar-tokenizer --batch $BD --eval-every 1000000 --seed 1 --threads 2 --out /tmp/out/d-ar/tokenizer \
    && train dar $END -- image-dar --tokenizer /tmp/out/d-ar/tokenizer --samples $N --batch $((2*BD)) --seed 1 --threads 2 --out /tmp/out/d-ar
) &
P3=$!
watch_gpu $P1 $P2 $P3
wait $P1 $P2 $P3
ship mar mar; ship magicmix magicmix
ship d-ar-tokenizer d-ar/tokenizer
[ -f /tmp/out/d-ar/model.safetensors ] && { mv /tmp/out/d-ar/tokenizer /tmp/out/d-ar-tokenizer-kept; ship d-ar d-ar; }
finish
