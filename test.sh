#!/usr/bin/env bash
# Install + build + test Perps with no container runtime: the tests' AppHost runs redis-server and postgres as
# local executables with throw-away data. Prints "N passed, N failed" as its last line and exits with dotnet test's code.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-prerequisites.sh test

# No dev certificate, workload or Aspire CLI needed: every endpoint is http and the testing builder starts no dashboard.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet restore Perps.sln
dotnet build Perps.sln --no-restore -c Release -warnaserror

set +e
dotnet test Perps.sln --no-build -c Release 2>&1 | tee test-output.log
rc=${PIPESTATUS[0]}
set -e

# DCP's controller processes outlive the test host by a few seconds; wait so nothing is left behind.
for _ in $(seq 1 30); do
  pgrep -f 'aspire.hosting.orchestration.*/tools/dcp' >/dev/null || break
  sleep 1
done

# "|| true": no summary at all (a crashed test host) still reaches the last line instead of stopping set -e.
passed=$({ grep -oE 'Passed: +[0-9]+' test-output.log || true; } | awk '{s+=$2} END{print s+0}')
failed=$({ grep -oE 'Failed: +[0-9]+' test-output.log || true; } | awk '{s+=$2} END{print s+0}')
echo "${passed} passed, ${failed} failed"
exit "$rc"
