#!/bin/bash
# What a lent GPU host needs from this checkout, and fitting it into the 64 MiB that may travel to it (tracked files,
# untracked files git does not ignore, and the carried paths; the committed model weights alone are about 55 MB):
#   docs/scripts/gpu-pack.sh pack              .gpu/dotnet.tar.xz (the .NET runtimes), .gpu/cli.tar.xz (the CLI without
#                                              libtorch, which the host's PyTorch gives) and .gpu/espeak-ng.tar.xz (espeak-ng
#                                              with its data, so the host renders the speech and song corpora itself)
#   docs/scripts/gpu-pack.sh park [MODEL..]    untrack every committed models/*/model.safetensors but the named folders'
#                                              (their files stay here, ignored), so they do not travel; the pre-commit hook
#                                              refuses commits while parked
#   docs/scripts/gpu-pack.sh unpark            track them again, as committed: run it right after the device call
#   docs/scripts/gpu-pack.sh size [CARRY..]    what would travel with those carried paths (default .gpu), in MiB
# The device call then names what it carries (a plan's header says; most carry ".gpu") and runs the plan, e.g.
# `OUT=$OUT bash docs/scripts/gpu-train-codec.sh`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# The paths git itself reads (a linked worktree's own index, info/exclude and hooks; core.hooksPath).
PARKED=$(git rev-parse --git-path media-parked)
EXCLUDE=$(git rev-parse --git-path info/exclude)
HOOK=$(git rev-parse --git-path hooks/pre-commit)
LIMIT=$((64 * 1024 * 1024))

# travelling_bytes CARRY...: tracked files present, untracked files git does not ignore, and the carried paths
travelling_bytes() {
  { git ls-files -z; git ls-files -z -o --exclude-standard; for c in "$@"; do [ -e "$c" ] && find "$c" -type f -print0; done; } |
    xargs -0 -r stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}' || true
}

# report CARRY...: the travelling size, rounded up, and whether it fits
report() {
  local b
  b=$(travelling_bytes "$@")
  echo "travelling with ${*:-nothing carried}: $(( (b + 1048575) / 1048576 )) MiB of 64$([ "$b" -gt $LIMIT ] && echo ' -- TOO LARGE: park more, or carry less')"
  [ "$b" -le $LIMIT ]
}

pack_dotnet() {
  local root=${DOTNET_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")}
  local core asp
  core=$(ls "$root/shared/Microsoft.NETCore.App" | sort -V | tail -1)
  asp=$(ls "$root/shared/Microsoft.AspNetCore.App" | sort -V | tail -1)
  # Without the debugger, crash-dump and LTTng pieces (nothing loads them to run), and at xz's strongest setting: every
  # MiB counts towards the 64 (35.1 MB at xz -6 with them, 33.4 MB at -9e with them).
  tar -cf - -C "$root" --exclude=libmscordaccore.so --exclude=libmscordbi.so --exclude=createdump --exclude=libcoreclrtraceptprovider.so \
    dotnet host "shared/Microsoft.NETCore.App/$core" "shared/Microsoft.AspNetCore.App/$asp" | xz -9e -T2 > .gpu/dotnet.tar.xz
}

# The Release build of tools/Cli for linux-x64, minus libtorch (the host's PyTorch supplies it; LD_LIBRARY_PATH names it).
# CLI_BUILD names a build folder already made from this checkout (it is built here otherwise).
pack_cli() {
  local out build
  out=$(mktemp -d)
  build=${CLI_BUILD:-$out/build}
  if [ -z "${CLI_BUILD:-}" ]; then
    dotnet build tools/Cli -c Release -o "$build" -v q -nologo > "$out/build.log" || { tail -20 "$out/build.log"; exit 1; }
  fi
  mkdir -p "$out/cli/runtimes/linux-x64/native"
  find "$build" -maxdepth 1 -type f -exec cp {} "$out/cli/" \;
  for lib in libLibTorchSharp.so libSkiaSharp.so libe_sqlite3.so; do cp "$build/runtimes/linux-x64/native/$lib" "$out/cli/runtimes/linux-x64/native/"; done
  tar -cf - -C "$out/cli" . | xz -9e -T2 > .gpu/cli.tar.xz
  rm -rf "$out"
}

# espeak-ng as this machine has it (Debian 12's 1.51, the version every corpus here was rendered with), relocatable:
# bin/espeak-ng sets its own library path and data folder. libpcaudio (audio playback, with PulseAudio and X11 behind it)
# is replaced by a stub of the eight functions libespeak-ng links: writing WAV files (-w) never calls them.
pack_espeak() {
  local exe lib out
  exe=$(command -v espeak-ng) || { echo "espeak-ng is not installed here (apt-get install espeak-ng)"; exit 1; }
  lib=$(ldd "$exe" | awk '/libespeak-ng.so/ {print $3}')
  out=$(mktemp -d)
  mkdir -p "$out/espeak-ng/bin" "$out/espeak-ng/lib" "$out/espeak-ng/share"
  cp "$exe" "$out/espeak-ng/bin/espeak-ng.bin"
  cp -L "$lib" "$out/espeak-ng/lib/libespeak-ng.so.1"
  cp -L "$(ldd "$exe" | awk '/libsonic.so/ {print $3}')" "$out/espeak-ng/lib/libsonic.so.0"
  cat > "$out/pcaudio.c" <<'EOF'
#include <stddef.h>
struct audio_object;
struct audio_object *create_audio_device_object(const char *d, const char *a, const char *n) { return NULL; }
int audio_object_open(struct audio_object *o, int f, unsigned r, unsigned char c) { return -1; }
void audio_object_close(struct audio_object *o) {}
void audio_object_destroy(struct audio_object *o) {}
int audio_object_write(struct audio_object *o, const void *d, size_t b) { return -1; }
int audio_object_drain(struct audio_object *o) { return -1; }
int audio_object_flush(struct audio_object *o) { return -1; }
const char *audio_object_strerror(struct audio_object *o, int e) { return "no audio device (stub)"; }
EOF
  gcc -shared -fPIC -O2 -Wl,-soname,libpcaudio.so.0 -o "$out/espeak-ng/lib/libpcaudio.so.0" "$out/pcaudio.c"
  cp -r "$(dirname "$lib")/espeak-ng-data" "$out/espeak-ng/share/"
  cat > "$out/espeak-ng/bin/espeak-ng" <<'EOF'
#!/bin/sh
here=$(dirname "$(readlink -f "$0")")/..
LD_LIBRARY_PATH="$here/lib" ESPEAK_DATA_PATH="$here/share" exec "$here/bin/espeak-ng.bin" "$@"
EOF
  chmod +x "$out/espeak-ng/bin/espeak-ng"
  # Relocatable: the bundle's own library and data, not this machine's (espeak-ng would fall back to them unseen).
  LD_LIBRARY_PATH="$out/espeak-ng/lib" ldd "$out/espeak-ng/bin/espeak-ng.bin" | grep -q "$out/espeak-ng/lib/libespeak-ng.so.1" \
    || { echo "the bundled espeak-ng does not load its own libespeak-ng"; exit 1; }
  "$out/espeak-ng/bin/espeak-ng" --version | grep -q "Data at: $out/espeak-ng/" || { echo "the bundled espeak-ng does not read its own data"; exit 1; }
  # The bundle must speak exactly as the installed one does: the corpora are keyed by seed, not by the machine.
  echo "The quick brown fox, 42 times." | "$exe" -v en-us -s 160 -p 50 -w "$out/a.wav"
  echo "The quick brown fox, 42 times." | env -i PATH=/usr/bin:/bin "$out/espeak-ng/bin/espeak-ng" -v en-us -s 160 -p 50 -w "$out/b.wav"
  cmp -s "$out/a.wav" "$out/b.wav" || { echo "the bundled espeak-ng speaks differently from $exe"; exit 1; }
  tar -cf - -C "$out" espeak-ng | xz -9e -T2 > .gpu/espeak-ng.tar.xz
  rm -rf "$out"
}

case ${1:-} in
  pack)
    mkdir -p .gpu
    pack_dotnet; pack_cli; pack_espeak
    ls -la .gpu
    ;;
  park)
    shift
    [ -e "$PARKED" ] && { echo "already parked ($PARKED); unpark first"; exit 1; }
    for name in "$@"; do
      git ls-files --error-unmatch "models/${name%/}/model.safetensors" > /dev/null 2>&1 || { echo "models/${name%/} has no committed model.safetensors"; exit 1; }
    done
    list=()
    while IFS= read -r f; do
      keep=0
      for name in "$@"; do [ "$f" = "models/${name%/}/model.safetensors" ] && keep=1; done
      [ $keep = 1 ] || list+=("$f")
    done < <(git ls-files 'models/*/model.safetensors')
    # Untrack first; the state that unpark reads is written only once that has worked.
    git rm -q --cached -- "${list[@]}"
    printf '%s\n' "${list[@]}" > "$PARKED"
    mkdir -p "$(dirname "$EXCLUDE")"
    { echo "# gpu-pack park begin"; sed 's|^|/|' "$PARKED"; echo "# gpu-pack park end"; } >> "$EXCLUDE"
    if [ -e "$HOOK" ] && ! grep -q "gpu-pack" "$HOOK"; then
      echo "warning: $HOOK exists and is not gpu-pack's: commits are NOT guarded while parked; unpark before any commit"
    else
      mkdir -p "$(dirname "$HOOK")"
      printf '#!/bin/sh\n# gpu-pack: refuse commits while model weights are untracked for a device call\n[ -e "%s" ] && { echo "model weights are parked for a device call: run docs/scripts/gpu-pack.sh unpark first"; exit 1; }\nexit 0\n' "$(readlink -f "$PARKED")" > "$HOOK"
      chmod +x "$HOOK"
    fi
    echo "parked ${#list[@]} weight files (unpark right after the call)"
    report .gpu || true
    ;;
  unpark)
    [ -e "$PARKED" ] || { echo "nothing parked"; exit 0; }
    # The index entries as committed, whatever is on disk now; a weight file gone from disk comes back from HEAD.
    xargs -r -d '\n' git reset -q HEAD -- < "$PARKED"
    while IFS= read -r f; do [ -e "$f" ] || git checkout HEAD -- "$f"; done < "$PARKED"
    sed -i '/^# gpu-pack park begin$/,/^# gpu-pack park end$/d' "$EXCLUDE"
    rm -f "$PARKED"
    git status --short -- models | head
    echo "unparked"
    ;;
  size)
    shift
    [ $# -gt 0 ] || set -- .gpu
    report "$@"
    ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
