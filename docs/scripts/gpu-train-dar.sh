#!/bin/bash
# D-AR on one GPU: two tokenizers of the size the second lent run kept (encoder and decoder 192 x 6) side by side until
# TOKENIZER_BUDGET, one with D-AR's LPIPS and REPA stand-ins (--perceptual-net models/scene-features, docs/DAR.md) and
# one without; the one with the better held-out PSNR (at their last common evaluation) then tokenizes SAMPLES scenes for
# the GPT until BUDGET; beside them, Token-Shuffle's GPT on the committed image-vq with the same GPT schedule, as the
# equal-compute reference. The kept tokenizer comes back as its fp16 export (a run folder with its optimizer state is
# over the 16 MiB a returned file may hold), and a later run on any machine continues it from its weights:
# `media train image-dar-tokenizer <the same shape> --init <export>`.
#   OUT=... bash docs/scripts/gpu-train-dar.sh     Knobs: BUDGET, TOKENIZER_BUDGET, SAMPLES, EVAL_EVERY, TOK_BATCH, GPT_BATCH
# Travel (64 MiB): docs/scripts/gpu-pack.sh pack && docs/scripts/gpu-pack.sh park image-vq scene-features; carry [".gpu"]; unpark after.
source "$(dirname "$0")/gpu-common.sh"
END=$(( T0 + ${BUDGET:-540} )) TEND=$(( T0 + ${TOKENIZER_BUDGET:-370} ))
N=${SAMPLES:-50000} EV=${EVAL_EVERY:-500}
TOK="image-dar-tokenizer --batch ${TOK_BATCH:-128} --encoder-dim 192 --encoder-layers 6 --decoder-dim 192 --decoder-depth 6 --eval-every $EV --eval-n 32 --seed 1 --threads 2"
train tok-a $TEND -- $TOK --out /tmp/out/tok-a &
PA=$!
train tok-b $TEND -- $TOK --perceptual-net models/scene-features --out /tmp/out/tok-b &
PB=$!
train ts $END -- image-ar --shuffle 2 --vq models/image-vq --samples $N --batch ${GPT_BATCH:-128} --seed 1 --threads 2 --out /tmp/out/token-shuffle &
PT=$!
watch_gpu $PA $PB
wait $PA $PB
# the better tokenizer: held-out PSNR at the last step both evaluated
BEST=$(python3 - /tmp/runs/tok-a/train.jsonl /tmp/runs/tok-b/train.jsonl <<'EOF'
import json,sys
ev=[{r["step"]:r["eval"]["psnr"] for r in map(json.loads,open(f)) if "eval" in r} for f in sys.argv[1:]]
common=sorted(set(ev[0])&set(ev[1]))
print({s:(round(ev[0][s],2),round(ev[1][s],2)) for s in common}, file=sys.stderr)
print("tok-b" if common and ev[1][common[-1]]>ev[0][common[-1]] else "tok-a")
EOF
)
echo "tokenizer kept: $BEST"
[ -f /tmp/out/$BEST/model.safetensors ] && train dar $END -- image-dar --tokenizer /tmp/out/$BEST --samples $N --batch ${GPT_BATCH:-128} --seed 1 --threads 2 --out /tmp/out/d-ar &
PD=$!
watch_gpu $PD $PT
wait $PD $PT
# What comes back is at most 8 files of 16 MiB, 64 MiB together: both tokenizers, the D-AR folder with its copy of one
# and Token-Shuffle were 10 files and 87 MB in the dry run. So the kept tokenizer comes back once (put it back as
# d-ar/tokenizer); the other's held-out PSNR along its run is in the logs.
rm -rf /tmp/out/d-ar/tokenizer
ship $BEST $BEST; ship d-ar d-ar; ship token-shuffle token-shuffle
finish
