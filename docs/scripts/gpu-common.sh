#!/bin/bash
# Sourced by the gpu-train*.sh plans: unpacks the .NET runtime, the CLI and espeak-ng (tarballs from .gpu/ at the checkout's
# root, made by docs/scripts/gpu-pack.sh pack), binds TorchSharp to the host's PyTorch libtorch, checks CUDA, and defines
# `train`, which sizes one training's schedule from a 60-step calibration (CAL; its rate read from step RATE_FROM on) to a
# wall-clock deadline and stops it with SIGTERM there (the CLI then writes its checkpoint and --out/--export folder). How
# it travels: docs/MODELING.md, "Training on a GPU host".
set -u
T0=$(date +%s)
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mkdir -p /tmp/dn /tmp/cli /tmp/runs /tmp/out /tmp/logs
exec > >(tee -a /tmp/logs/driver.log) 2>&1
tar -xJf .gpu/dotnet.tar.xz -C /tmp/dn && tar -xJf .gpu/cli.tar.xz -C /tmp/cli || { echo "unpack failed"; exit 3; }
# espeak-ng (the host has none): the speech and song corpora are rendered there, the same samples as here
if [ -f .gpu/espeak-ng.tar.xz ]; then
  tar -xJf .gpu/espeak-ng.tar.xz -C /tmp && export PATH=/tmp/espeak-ng/bin:$PATH && espeak-ng --version || { echo "espeak-ng unpack failed"; exit 3; }
fi
TL=${TORCH_LIB:-$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')}
export LD_LIBRARY_PATH=$TL DOTNET_ROOT=/tmp/dn DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=1073741824
DEVICE=${DEVICE:-cuda} CAL=${CAL:-60} RATE_FROM=${RATE_FROM:-20}
media() { /tmp/dn/dotnet /tmp/cli/media.dll "$@"; }
nvidia-smi -L; echo "libtorch from $TL"
media info --device $DEVICE || { echo "TorchSharp could not reach CUDA"; cp /tmp/logs/driver.log $OUT/; exit 4; }
echo "unpacked and checked in $(( $(date +%s) - T0 )) s"

# rate RUN: seconds per step between step RATE_FROM and the last logged step of the calibration
rate() { python3 - "$1/train.jsonl" "$RATE_FROM" <<'EOF'
import json,sys
r=[json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l]
a=[x for x in r if x["step"]>=int(sys.argv[2])] or r[-2:]
d=(a[-1]["elapsed_s"]-a[0]["elapsed_s"])/max(1,a[-1]["step"]-a[0]["step"])
print(d if d>0 else a[-1]["elapsed_s"]/a[-1]["step"])
EOF
}
# train NAME END -- ARGS: calibrate $CAL steps, size the schedule to END (epoch s), run with SIGTERM at END
train() {
  local name=$1 end=$2; shift 3
  local run=/tmp/runs/$name
  media train "$@" --run $run --device $DEVICE --steps 400000 --until $CAL --checkpoint-every $CAL > /tmp/logs/$name.calibrate.log 2>&1 \
    || { echo "$name: calibration failed"; tail -30 /tmp/logs/$name.calibrate.log; return 1; }
  local r=$(rate $run) now=$(date +%s)
  # A calibration that outlasted the budget (a slow host, a dry run) leaves its own checkpoint and export.
  [ $(( end - now )) -gt 5 ] || { echo "$name: no time left after the calibration; its export stands"; return 0; }
  local steps=$(python3 -c "print($CAL+int(max(0,$end-$now-15)/$r*0.93))")
  echo "$name: $r s/step after calibration, schedule $steps steps, $(( end - now )) s left"
  # SIGTERM, not SIGINT: a background job of a script starts with SIGINT ignored
  timeout -s TERM $(( end - now )) /tmp/dn/dotnet /tmp/cli/media.dll train "$@" --device $DEVICE --run $run --steps $steps --checkpoint-every 1000 > /tmp/logs/$name.log 2>&1
  echo "$name: exit $? at $(( $(date +%s) - T0 )) s"; grep -v "━" /tmp/logs/$name.log | tail -5
}

# watch PID...: GPU load every 10 s while any of them runs
watch_gpu() { while sleep 10; do nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader; local any=0; for p in "$@"; do kill -0 $p 2>/dev/null && any=1; done; [ $any = 1 ] || break; done; }

# evaluate N "RUN..." ARGS...: `media ARGS` (@RUN in them naming the run) for each run with a model in /tmp/out/RUN, all
# at once, logged to /tmp/logs/RUN.eval.log; then the last N lines of each log into the call's output
evaluate() {
  local n=$1 runs=$2 pids=() run; shift 2
  for run in $runs; do
    [ -f /tmp/out/$run/model.safetensors ] || continue
    media "${@//@RUN/"$run"}" > /tmp/logs/$run.eval.log 2>&1 &
    pids+=($!)
  done
  # named pids: a bare `wait` would also wait for the `tee` of the driver log above, which never ends
  [ ${#pids[@]} = 0 ] || wait "${pids[@]}"
  for run in $runs; do [ -f /tmp/logs/$run.eval.log ] && { echo "== $run"; grep -v "━" /tmp/logs/$run.eval.log | tail -$n; }; done
}

# ship NAME DIR: DIR (under /tmp/out) as $OUT/NAME.tar, cut into 15 MB pieces when larger (16 MB per returned file). What
# comes back is at most 8 files, 64 MiB together: a tar that would pass that (with room kept for finish's logs.tgz) is left
# out here, with a line saying so, so the plan's order of ship calls decides what is kept, not the device.
ship() {
  [ -e /tmp/out/$2 ] || return 0
  tar -cf /tmp/$1.tar -C /tmp/out "$2"
  local size=$(stat -c %s /tmp/$1.tar) have=$(ls $OUT | wc -l) used=$(find $OUT -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
  local pieces=$(( (size + 14999999) / 15000000 ))
  if [ $(( have + pieces )) -gt 7 ] || [ $(( used + size )) -gt $(( 63 * 1048576 )) ]; then
    echo "ship $1: left out, $size bytes in $pieces file(s) would pass the 8 files / 64 MiB that come back"; return 0
  fi
  if [ $size -gt 15000000 ]; then split -b 15000000 -d /tmp/$1.tar $OUT/$1.tar.; else cp /tmp/$1.tar $OUT/; fi
}

# finish: logs, train.jsonl and config.json of every run as $OUT/logs.tgz
finish() {
  for r in /tmp/runs/*; do cp $r/train.jsonl /tmp/logs/$(basename $r).train.jsonl 2>/dev/null; cp $r/config.json /tmp/logs/$(basename $r).config.json 2>/dev/null; done
  tar -czf $OUT/logs.tgz -C /tmp logs
  ls -la $OUT; echo "done in $(( $(date +%s) - T0 )) s"
}
