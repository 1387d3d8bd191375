#!/usr/bin/env bash
# Runs Perps locally: installs what is missing (Debian 12), then starts the Aspire AppHost, which starts
# redis-server, postgres, the API, the dispatchers and the portal. Data is kept in ./.data across restarts.
# Arguments go to the AppHost, e.g.  ./run.sh --Dispatcher:Replicas=3  or  ./run.sh --Delivery:Timeout=00:00:05
# Stop with Ctrl+C (in the background: SIGTERM; a backgrounded dotnet run ignores SIGINT).
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-prerequisites.sh run

api_port=5001
portal_port=5002
for arg in "$@"; do
  case "$arg" in
    --Api:Port=*) api_port=${arg#--Api:Port=} ;;
    --Portal:Port=*) portal_port=${arg#--Portal:Port=} ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "Perps API:        http://localhost:${api_port}   (health: http://localhost:${api_port}/health)"
echo "Perps portal:     http://localhost:${portal_port}   (sign in with an API key; see the README's first curl)"
echo "Aspire dashboard: http://localhost:15888   (anonymous access)"
echo "Data:             $PWD/.data   (kept across restarts; delete it to start empty)"
echo "Starting (the first run restores and builds; allow a few minutes) ..."
exec dotnet run --project Perps.AppHost --launch-profile http -- "$@"
