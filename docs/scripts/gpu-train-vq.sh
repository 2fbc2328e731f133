#!/bin/bash
# image-vq to issue 20 §1 on one GPU, then Token-Shuffle on its codes (the pair must change together: token-shuffle's
# config pins the VQ's SHA-256). The tokenizer trains from scratch on the committed recipe plus the object margin
# (models/image-vq/MODEL_CARD.md, "Specks beside objects") until VQ_BUDGET, a plain and a VQGAN run side by side; the one
# with the higher reconstruction shape accuracy, if above the committed tokenizer's 0.800 (else that one), then tokenizes
# SAMPLES scenes for the GPT until BUDGET.
#   OUT=... bash docs/scripts/gpu-train-vq.sh      Knobs: BUDGET, VQ_BUDGET, SAMPLES, EVAL_EVERY, DISC_START, VQ_BATCH, TS_BATCH, EVAL_N
# TS_ONLY=1 skips the tokenizer runs and trains Token-Shuffle on the committed models/image-vq (since 2026-12-06 the
# sharper tokenizer, reconstruction shape 0.800) for the whole BUDGET: the next step of issue 20 §1 (the committed
# Token-Shuffle is the CPU recipe on those codes, continued four times: shape 0.630 / 0.620, the 0.6 goal met; the
# card's own target is 0.70).
# Travel (64 MiB): docs/scripts/gpu-pack.sh pack && docs/scripts/gpu-pack.sh park image-vq; carry [".gpu"]; unpark after.
source "$(dirname "$0")/gpu-common.sh"
END=$(( T0 + ${BUDGET:-540} )) VEND=$(( T0 + ${VQ_BUDGET:-330} ))
N=${SAMPLES:-50000} EV=${EVAL_EVERY:-1000}
RECIPE="--downsample 4 --batch ${VQ_BATCH:-64} --object-weight 4 --object-margin 4 --restart-every 50 --eval-every $EV --eval-n 64 --seed 1 --threads 2"
# The committed tokenizer (reconstruction shape 0.800 on these 200 scenes) is the one to beat: Token-Shuffle trains on a
# new one only if it reads shapes better.
mkdir -p /tmp/out && cp -r models/image-vq /tmp/out/image-vq && BEST=image-vq && BEST_SHAPE=0.800
CANDIDATES=""
if [ "${TS_ONLY:-0}" != 1 ]; then
  train vq-plain $VEND -- image-vq $RECIPE --out /tmp/out/vq-plain &
  PA=$!
  train vq-gan $VEND -- image-vq $RECIPE --disc-weight 0.5 --disc-start ${DISC_START:-3000} --out /tmp/out/vq-gan &
  PB=$!
  watch_gpu $PA $PB
  wait $PA $PB
  CANDIDATES="vq-plain vq-gan"
fi
for v in $CANDIDATES; do
  [ -f /tmp/out/$v/model.safetensors ] || continue
  media eval image-vq --model /tmp/out/$v --n ${EVAL_N:-200} --device $DEVICE --compare models/image-vq > /tmp/logs/$v.eval.log 2>&1
  grep -E "^psnr|reconstruction shape accuracy|stray pixels per image|^\|" /tmp/logs/$v.eval.log
  shape=$(sed -n 's/^reconstruction shape accuracy: //p' /tmp/logs/$v.eval.log)
  if [ -n "$shape" ] && python3 -c "import sys; sys.exit(0 if $shape > $BEST_SHAPE else 1)"; then BEST=$v; BEST_SHAPE=$shape; fi
done
echo "tokenizer kept: ${BEST:-none} (shape $BEST_SHAPE)"
if [ -n "$BEST" ]; then
  train ts $END -- image-ar --shuffle 2 --vq /tmp/out/$BEST --samples $N --batch ${TS_BATCH:-128} --seed 1 --threads 2 --out /tmp/out/token-shuffle &
  PT=$!
  watch_gpu $PT
  wait $PT
fi
ship vq-plain vq-plain; ship vq-gan vq-gan; ship token-shuffle token-shuffle
finish
