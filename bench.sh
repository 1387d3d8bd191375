#!/usr/bin/env bash
# Benchmark: deliveries per second and latency of the whole pipeline beside the machine's own limit. Starts the app
# with real Redis and Postgres (local executables, throw-away data), a local receiver that verifies every signature,
# and a load generator; prints a Markdown table, the ledger of deliveries (accepted = delivered + missing; any
# missing makes the run void) and storage per delivery, writes bench-results/bench.json, and ends with "ratio=<number>".
#   ./bench.sh                     # the full run (about 5 minutes after the build)
#   ./bench.sh --seconds=10 --skip-large
#   ./bench.sh --growth            # not in CI: fan-out 1 with and without 10 million deliveries of history
#                                  #   (--growth-rows=N; 10M take about 10 minutes to load), writes growth.json
#   ./bench.sh --soak --minutes=30 # not in CI: half load for 30 minutes, a line a minute, pass/fail; soak.json
#   ./bench.sh --help              # every option; AppHost settings pass through (--Dispatcher:Replicas=3)
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-prerequisites.sh test

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Perps.Benchmarks -c Release -warnaserror -v quiet -nologo
dotnet run --project Perps.Benchmarks -c Release --no-build -- "$@"
