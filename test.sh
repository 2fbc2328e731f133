#!/usr/bin/env bash
# The whole test suite of Media.sln, on a fresh Debian 12 machine with the .NET SDK.
# Installs the Debian packages the tests need when run as root; otherwise names what is missing.
#   ./test.sh          everything (CI runs this)
#   ./test.sh --fast   the fast lane: leaves out the tests marked [Slow] (model training, committed-model
#                      inference, corpus rendering, CLI processes) and the node real-client suites
# Other arguments go to dotnet test (e.g. --filter, which --fast combines with its own).
set -euo pipefail
cd "$(dirname "$0")"

fast=false
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fast) fast=true ;;
    --filter) args+=("$1" "$2"); shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
if $fast; then
  # Join a caller's --filter with the lane's: both must hold.
  lane='Category!=Slow'
  for i in "${!args[@]}"; do
    if [ "${args[$i]}" = --filter ]; then args[$((i + 1))]="($lane)&(${args[$((i + 1))]})"; lane=; fi
  done
  [ -n "$lane" ] && args+=(--filter "$lane")
fi

# Debian packages the tests use (one line each, with why).
APT_PACKAGES=(
  espeak-ng   # renders the speech corpus (shared/Audio Corpora) that the audio tests, codec and TTS training use
  chromium    # the web app's browser tests (tests/Clients, driven by playwright-core)
  libmp3lame0 # MP3 speech (LAME, called in-process by shared/Audio/Formats): the default OpenAI speech format
  ffmpeg      # AAC and FLAC speech (ffmpeg through a pipe), and the tests' independent decoder of every format
  redis-server # scale-out: the Redis Streams queue, event stream and messaging contract tests start their own redis-server (loopback, random port, temp folder)
  postgresql   # scale-out: the PostgreSQL job store contract tests start their own server with initdb/postgres (loopback, random port, temp folder)
)
# Node.js and npm run the real-client tests (the openai SDK, playwright-core); Debian's packages when there is no node yet.
command -v node >/dev/null && command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)

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
nodelog=$(mktemp)
trap 'rm -f "$log" "$nodelog"' EXIT
set +e
if $fast; then
  # Built first, then tested with --no-build: MSBuild then runs two test assemblies at a time (with the build in the same
  # call it runs them one after another), so one host's start-up, discovery and waits overlap another's tests.
  dotnet build Media.sln -c Release --nologo -v q 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  if [ "$status" = 0 ]; then
    dotnet test Media.sln -c Release --no-build ${args[@]+"${args[@]}"} 2>&1 | tee -a "$log"
    status=${PIPESTATUS[0]}
  fi
else
  dotnet test Media.sln -c Release ${args[@]+"${args[@]}"} 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
fi

# Real clients against the gateway test host (tests/Clients/Host, built above): the official openai
# npm package, and the web app in headless Chromium through playwright-core. First the committed
# SignalR bundle must be the build of gateway/webapp's lockfile.
(
  set -e
  if $fast; then echo "test.sh --fast: the node real-client suites are left out"; exit 0; fi
  # dotnet test builds the test projects only; the clients' host is a plain program.
  dotnet build tests/Clients/Host -c Release --nologo -v q
  cd gateway/webapp && npm ci --no-audit --no-fund --loglevel=error && npm run --silent check
  cd ../../tests/Clients && npm ci --no-audit --no-fund --loglevel=error
  MEDIA_CLIENTS_HOST="$PWD/Host/bin/Release/net10.0/Media.Clients.Host.dll" npm test --silent
) 2>&1 | tee "$nodelog"
node_status=${PIPESTATUS[0]}
set -e
[ "$status" = 0 ] && status=$node_status

# One closing line over all test assemblies and the node test runner.
awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1) } }
     FILENAME == nodelog && /^# pass / { p += $3 }
     FILENAME == nodelog && /^# fail / { f += $3 }
     END { printf "tests: %d passed, %d failed\n", p, f }' FS='[ ,]+' nodelog="$nodelog" "$log" "$nodelog"
exit "$status"
