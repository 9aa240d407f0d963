#!/bin/sh
# azd postprovision: creates the secrets Bicep cannot (an EC P-256 receipt signing key and the Outlook card token key)
# in the stamp's Key Vault, once. Existing secrets are never replaced: rotating the receipt key is a deliberate act
# (executors cache the JWKS), see README "Rotating the receipt key".
set -eu

vault="${KEY_VAULT_NAME:?KEY_VAULT_NAME is not set (azd sets it from the Bicep outputs)}"

ensure_secret() {
  name="$1"
  generator="$2"
  if az keyvault secret show --vault-name "$vault" --name "$name" --query id -o tsv >/dev/null 2>&1; then
    echo "Key Vault $vault: secret $name exists; left as it is."
    return
  fi
  file="$(mktemp)"
  chmod 600 "$file"
  if ! $generator >"$file" || ! az keyvault secret set --vault-name "$vault" --name "$name" --file "$file" --output none; then
    rm -f "$file"
    echo "Key Vault $vault: could not create secret $name." >&2
    exit 1
  fi
  rm -f "$file"
  echo "Key Vault $vault: secret $name created."
}

receipt_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256; }
card_token_key() { openssl rand -base64 32 | tr -d '\n'; }

ensure_secret receipt-signing-key receipt_key
ensure_secret card-token-key card_token_key

echo "Audit containers have unlocked immutability policies. Lock them (irreversible) with infra/scripts/lock-audit-policies.sh."
