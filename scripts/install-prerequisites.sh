#!/usr/bin/env bash
# Installs what Perps needs on Debian 12 and checks for the .NET SDK. Called by run.sh and test.sh.
#
#   scripts/install-prerequisites.sh run    # + curl and jq (the README's walkthrough uses them)
#   scripts/install-prerequisites.sh test   # + python3, nodejs and npm (tests run the guide's verification examples
#                                           #   and the README's Node.js alerts client, whose ws package npm installs),
#                                           #   chromium and chromium-driver (the portal's browser tests; same version
#                                           #   by construction) and a font for its screenshots
#
# No container runtime is needed: the AppHost runs redis-server and postgres from the Debian packages as local
# executables. As root it drops postgres to the 'postgres' OS user (created by the postgresql package) with setpriv.
set -euo pipefail
cd "$(dirname "$0")/.."

purpose=${1:-run}
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
case "$purpose" in
  run)
    command -v curl >/dev/null 2>&1 || need+=(curl ca-certificates)
    command -v jq >/dev/null 2>&1 || need+=(jq)
    ;;
  test)
    command -v python3 >/dev/null 2>&1 || need+=(python3)
    command -v node >/dev/null 2>&1 || need+=(nodejs)
    command -v npm >/dev/null 2>&1 || need+=(npm)
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
    [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
    ;;
  *)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac

if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing packages: ${need[*]}. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing packages: ${need[*]}, and no apt-get here (Debian 12 is the supported OS). Install them and rerun." >&2
    exit 1
  fi
  echo "Installing ${need[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# The README's Node.js alerts client needs the ws package; a test runs it where it stands (docs/alerts-clients/).
# Installed from the lockfile once per checkout (again only when the lockfile names another version), before any
# test runs, so the tests themselves reach no registry.
if [ "$purpose" = test ]; then
  clients=docs/alerts-clients
  want=$(node -p "require('./$clients/package-lock.json').packages['node_modules/ws'].version")
  have=$(node -p "try { require('./$clients/node_modules/ws/package.json').version } catch { '' }")
  if [ "$want" != "$have" ]; then
    echo "Installing the alerts client's ws $want (npm ci in $clients) ..."
    (cd "$clients" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# postgres and initdb refuse to run as root; the AppHost runs them as 'postgres'.
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "Running as root needs the 'postgres' OS user (the postgresql package creates it); it is missing." >&2
  exit 1
fi

# .NET SDK: the version global.json pins (or a later feature band of it).
if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --version >/dev/null 2>&1; then
  sdk=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' global.json)
  echo "The .NET SDK ${sdk} (see global.json) is not installed, or not on PATH. Install it with:" >&2
  echo "  curl -sSL https://dot.net/v1/dotnet-install.sh | bash -s -- --jsonfile $PWD/global.json --install-dir \$HOME/.dotnet" >&2
  echo "  export PATH=\"\$HOME/.dotnet:\$PATH\"" >&2
  echo "(or the dotnet-sdk-10.0 package from packages.microsoft.com). No workload, Aspire CLI or dev certificate is needed." >&2
  exit 1
fi
