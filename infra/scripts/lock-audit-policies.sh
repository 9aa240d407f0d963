#!/usr/bin/env bash
# Locks the time-based immutability policy of every audit container of the stamp. IRREVERSIBLE: a locked policy can
# only be extended, never shortened or removed, and the account cannot be deleted while records are retained.
# Microsoft recommends locking within about 24 hours of creating the policy. Run it after checking the retention period.
set -euo pipefail

group="${AZURE_RESOURCE_GROUP:?AZURE_RESOURCE_GROUP is not set (run through azd, or export it)}"
accounts="$(az storage account list --resource-group "$group" --query "[?tags.\"audit-region\"].name" -o tsv)"
if [ -z "$accounts" ]; then
  echo "No audit accounts (tag audit-region) in $group." >&2
  exit 1
fi

if [ "${1:-}" != "--yes" ]; then
  echo "This locks the audit retention policy of: $(echo "$accounts" | tr '\n' ' ')"
  read -r -p "Type LOCK to continue: " answer
  [ "$answer" = "LOCK" ] || { echo "Nothing locked."; exit 1; }
fi

for account in $accounts; do
  state="$(az storage container immutability-policy show --resource-group "$group" --account-name "$account" --container-name audit --query state -o tsv)"
  if [ "$state" = "Locked" ]; then
    echo "$account/audit: already locked."
    continue
  fi
  etag="$(az storage container immutability-policy show --resource-group "$group" --account-name "$account" --container-name audit --query etag -o tsv)"
  az storage container immutability-policy lock --resource-group "$group" --account-name "$account" --container-name audit --if-match "$etag" --output none
  echo "$account/audit: locked."
done
