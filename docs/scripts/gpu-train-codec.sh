#!/bin/bash
# The codec (issue 20 §2) on one GPU: EnCodec's adversarial recipe from scratch beside the reconstruction-only recipe of
# the committed codec and the same with a Vocos decoder trained in place of EnCodec's (--decoder vocos), the same
# encoder, data, batch and seed, side by side until BUDGET; then `media eval codec` on the host for each, with the
# band-limited judge's CER. Results: $OUT/codec-gan.tar, codec-rec.tar and codec-vocos.tar (the fp16 exports), $OUT/logs.tgz. Needs espeak-ng there (.gpu/espeak-ng.tar.xz) to render the 600-utterance corpus. From here:
#   docs/scripts/gpu-pack.sh pack && docs/scripts/gpu-pack.sh park asr-ctc-judge-band
#   device run, carry [".gpu"]: OUT=$OUT bash docs/scripts/gpu-train-codec.sh      (then: docs/scripts/gpu-pack.sh unpark)
# Knobs: BUDGET (s from the call's start, unpacking and calibration included; default 450), BATCH (default 64), CONTINUOUS (warm-up steps, 400), ONLY=gan|rec|vocos.
# The calibration must reach past the continuous warm-up (400 steps without the quantizer or discriminator, much cheaper)
# so the rate that sizes each schedule is the quantized, adversarial steps' rate. Set before gpu-common, which would
# otherwise set its own defaults (60 and 20).
CAL=${CAL:-480} RATE_FROM=${RATE_FROM:-420}
source "$(dirname "$0")/gpu-common.sh"
END=$(( T0 + ${BUDGET:-450} ))
B=${BATCH:-64}
COMMON="--corpus /tmp/corpus --batch $B --continuous-steps ${CONTINUOUS:-400} --seed 1 --threads 2"
CORPUS_MANIFEST=/tmp/corpus/espeak-v1-16000hz-seed1/manifest.tsv
pids=()
if [ -z "${ONLY:-}" ] || [ "$ONLY" = gan ]; then
  train codec-gan $END -- codec $COMMON --adversarial-start 0 --export /tmp/out/codec-gan &
  pids+=($!)
  # One process renders the corpus (16 cores); the second run starts once its manifest is written.
  while [ ! -f $CORPUS_MANIFEST ] && kill -0 ${pids[0]} 2>/dev/null; do sleep 2; done
  echo "corpus ready at $(( $(date +%s) - T0 )) s"
fi
if [ -z "${ONLY:-}" ] || [ "$ONLY" = rec ]; then
  train codec-rec $END -- codec $COMMON --export /tmp/out/codec-rec &
  pids+=($!)
fi
if [ -z "${ONLY:-}" ] || [ "$ONLY" = vocos ]; then
  train codec-vocos $END -- codec $COMMON --decoder vocos --export /tmp/out/codec-vocos &
  pids+=($!)
fi
watch_gpu "${pids[@]}"
wait "${pids[@]}"
# Held-out speech and music, ours against Opus and mu-law, on the host's CPU (both at once).
RUNS=$(for r in codec-gan codec-rec codec-vocos; do [ -d /tmp/out/$r ] && printf '%s ' $r; done)
evaluate 40 "$RUNS" eval codec -n 8 --corpus /tmp/corpus --checkpoint /tmp/out/@RUN --recognizer models/asr-ctc-judge-band \
  --out '' --threads 4
for r in $RUNS; do ship $r $r; done
finish
