#!/usr/bin/env bash
# The whole test suite of Media.sln, on a fresh Debian 12 machine with the .NET SDK.
# Installs the Debian packages the tests need when run as root; otherwise names what is missing.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use (one line each, with why).
APT_PACKAGES=(
  espeak-ng   # renders the speech corpus (shared/Audio Corpora) that the audio tests, codec and TTS training use
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "test.sh: missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}  (or run this script as root)" >&2
    exit 1
  fi
fi

command -v dotnet >/dev/null || { echo "test.sh: the .NET 10 SDK (dotnet) is not on PATH" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Media.sln -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line over all test assemblies.
awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' FS='[ ,]+' "$log"
exit "$status"
