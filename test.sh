#!/usr/bin/env bash
# Installs what the tests need (idempotently), builds, runs the whole suite and prints
# "tests: N passed, M failed" counted from the test results (TRX files).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

need_apt=()
command -v b3sum >/dev/null 2>&1 || need_apt+=(b3sum)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test.sh: installing ${need_apt[*]}" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else sudo apt-get update -qq >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null; fi
fi

# The CID differential test compares with JS multiformats + @noble/hashes; install them once.
npm_cid="$root/.build/npm-cid"
if [ ! -d "$npm_cid/node_modules/multiformats" ] || [ ! -d "$npm_cid/node_modules/@noble/hashes" ]; then
  mkdir -p "$npm_cid"
  (cd "$npm_cid" && npm install --no-audit --no-fund --silent multiformats@14.0.5 @noble/hashes@2.4.0 >/dev/null) \
    || echo "test.sh: npm install of multiformats/@noble/hashes failed" >&2
fi

results="$root/.build/test-results"
rm -rf "$results"; mkdir -p "$results"

if ! dotnet build IrohActors.sln -c Release -nologo -v:q; then
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

projects=(tests/*/*.Tests.csproj)
status=0
for proj in "${projects[@]}"; do
  name="$(basename "$proj" .csproj)"
  dotnet test "$proj" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" || status=$?
done

passed=0; failed=0; found=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  found=$((found + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
done
# A test assembly that crashed leaves no result file: count it as a failure.
if [ "$found" -lt "${#projects[@]}" ] && [ $# -eq 0 ]; then
  failed=$((failed + ${#projects[@]} - found))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
