#!/bin/bash
# The project's own `media train` commands on a GPU host that has PyTorch but no .NET and no CUDA build of Media:
# the .NET runtime and the CLI travel as two tarballs, libtorch is the host's PyTorch one (2.11; TorchSharp 0.107 is
# built for 2.10 and these commands ran on it), three trainings share one GPU, each sized by a 60-step calibration to
# a wall-clock budget and stopped by SIGTERM at its deadline (the CLI then writes its checkpoint and --out folder).
# Results land as tars under $OUT. How the tarballs are made, and what this gave: docs/MODELING.md, "Training on a GPU host".
#   OUT=... bash docs/scripts/gpu-train.sh          (BUDGET=490 s, TOKENIZER_BUDGET=330 s, ONLY_DAR=1 for D-AR alone)
# The tarballs are read from .gpu/ at the checkout's root.
set -u
T0=$(date +%s)
cd "$(dirname "$0")/.."
mkdir -p /tmp/dn /tmp/cli /tmp/runs /tmp/out /tmp/logs
exec > >(tee -a /tmp/logs/driver.log) 2>&1
tar -xJf .gpu/dotnet.tar.xz -C /tmp/dn && tar -xJf .gpu/cli.tar.xz -C /tmp/cli || { echo "unpack failed"; exit 3; }
TL=${TORCH_LIB:-$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')}
export LD_LIBRARY_PATH=$TL DOTNET_ROOT=/tmp/dn DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=1073741824
media() { /tmp/dn/dotnet /tmp/cli/media.dll "$@"; }
nvidia-smi -L; echo "libtorch from $TL"; ls $TL | head -30
media info --device ${DEVICE:-cuda} || { echo "TorchSharp could not reach CUDA"; cp /tmp/logs/driver.log $OUT/; exit 4; }
echo "unpacked and checked in $(( $(date +%s) - T0 )) s"

# rate NAME RUN: seconds per step between the 20th and the last logged step of the calibration
rate() { python3 - "$2/train.jsonl" <<'EOF'
import json,sys
r=[json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l]
a=[x for x in r if x["step"]>=20 or len(r)<3]
d=(a[-1]["elapsed_s"]-a[0]["elapsed_s"])/max(1,a[-1]["step"]-a[0]["step"])
print(d if d>0 else a[-1]["elapsed_s"]/a[-1]["step"])
EOF
}
# train NAME END -- ARGS: calibrate 60 steps, size the schedule to END (epoch s), run with SIGINT at END
train() {
  local name=$1 end=$2; shift 3
  local run=/tmp/runs/$name
  media train "$@" --run $run --device $DEVICE --steps 400000 --until $CAL --checkpoint-every $CAL > /tmp/logs/$name.calibrate.log 2>&1 \
    || { echo "$name: calibration failed"; tail -30 /tmp/logs/$name.calibrate.log; return 1; }
  local r=$(rate $name $run) now=$(date +%s)
  local steps=$(python3 -c "print($CAL+int(max(0,$end-$now-15)/$r*0.93))")
  echo "$name: $r s/step after calibration, schedule $steps steps, $(( end - now )) s left"
  # SIGTERM, not SIGINT: a background job of a script starts with SIGINT ignored
  timeout -s TERM $(( end - now )) /tmp/dn/dotnet /tmp/cli/media.dll train "$@" --device $DEVICE --run $run --steps $steps --checkpoint-every 1000 > /tmp/logs/$name.log 2>&1
  echo "$name: exit $? at $(( $(date +%s) - T0 )) s"; grep -v "━" /tmp/logs/$name.log | tail -5
}

END=$(( T0 + ${BUDGET:-490} ))
DEVICE=${DEVICE:-cuda} CAL=${CAL:-60} N=${SAMPLES:-20000} B=${BATCH:-256} BD=${BATCH_DAR:-64}
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
while sleep 10; do nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader; kill -0 $P1 2>/dev/null || kill -0 $P2 2>/dev/null || kill -0 $P3 2>/dev/null || break; done
wait $P1 $P2 $P3
for m in mar magicmix; do [ -d /tmp/out/$m ] && tar -cf $OUT/$m.tar -C /tmp/out $m; done
[ -d /tmp/out/d-ar/tokenizer ] && tar -cf $OUT/d-ar-tokenizer.tar -C /tmp/out d-ar/tokenizer
[ -f /tmp/out/d-ar/model.safetensors ] && tar -cf $OUT/d-ar.tar -C /tmp/out --exclude=d-ar/tokenizer d-ar
for r in /tmp/runs/*; do cp $r/train.jsonl /tmp/logs/$(basename $r).train.jsonl 2>/dev/null; cp $r/config.json /tmp/logs/$(basename $r).config.json 2>/dev/null; done
tar -czf $OUT/logs.tgz -C /tmp logs
ls -la $OUT; echo "done in $(( $(date +%s) - T0 )) s"
