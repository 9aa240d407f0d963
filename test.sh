#!/usr/bin/env bash
# Every test of the repository, on a fresh machine with the .NET SDK, Node.js and npm: sets up what the tests need,
# then builds and runs every test project (`dotnet test` at the root). Arguments go to `dotnet test`.
#   - Debian's Chromium, for the portal's browser tests (skipped when APPROVALS_CHROMIUM names another browser);
#   - Azurite (the Functions app's Blob tests) and the portal's packages come from their committed npm lock files, and
#     the Bicep CLI from NuGet: the build installs them, so a plain `dotnet test` finds them too.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [ -z "${APPROVALS_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  echo "Installing Debian's Chromium for the portal's browser tests…"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

dotnet test "$@"
