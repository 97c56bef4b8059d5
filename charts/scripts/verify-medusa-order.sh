#!/usr/bin/env bash
# Definition of done of a Medusa store, checked over plain HTTP(S) against a real cluster
# (kind, k3d, k3s, a VPS) or a server run anywhere else: through the store API, put a seeded
# product into a cart, add an address, a shipping method and the system payment provider,
# complete the cart into an order, then find the order as the admin user through the admin API.
#
# Usage: verify-medusa-order.sh <store-name> [namespace]
#   namespace defaults to store-<store-name>; the release name is the store name.
# Environment:
#   STORE_URL  base URL of the store API (default: the url key of the <store>-admin Secret)
#   ADMIN_EMAIL, ADMIN_PASSWORD_FILE  the admin's e-mail and a file holding its password: when
#              both are set (with STORE_URL), they are used instead of the <store>-admin Secret,
#              kubectl is not needed and <store-name> is optional (e.g. a server started without
#              a cluster, as the native test charts/src/medusa.native.test.ts does)
#   CURL_OPTS  extra curl options, e.g. "-k" for a self-signed certificate or
#              "--resolve shop.example.test:80:127.0.0.1" when DNS is not set up
#   KUBECTL    kubectl command (default: kubectl), used to read the admin Secret
# Needs: bash, curl, jq, kubectl with read access to the store's Secrets (unless the admin comes
# from the environment), and a store seeded at install (migrations.seed.enabled, the default):
# region, publishable key, stock, shipping options.
# The admin password and session token are kept in a private temporary directory (or the given
# file) and never printed nor passed as a program argument (where other users of the machine
# could read them).
set -euo pipefail

# the admin from the environment, or else from the store's Secret through kubectl
if [ -n "${ADMIN_EMAIL:-}" ] && [ -n "${ADMIN_PASSWORD_FILE:-}" ]; then
  admin_from_env=1
  store="${1:-}"
  [ -n "${STORE_URL:-}" ] || { echo "STORE_URL must be set with ADMIN_EMAIL and ADMIN_PASSWORD_FILE" >&2; exit 2; }
else
  admin_from_env=0
  store="${1:?usage: $0 <store-name> [namespace] (or set STORE_URL, ADMIN_EMAIL and ADMIN_PASSWORD_FILE)}"
fi
ns="${2:-store-$store}"
kubectl_cmd="${KUBECTL:-kubectl}"
secret="$store-admin"
# shellcheck disable=SC2206
curl_opts=(${CURL_OPTS:-})

tools=(curl jq)
[ "$admin_from_env" = 1 ] || tools+=("$kubectl_cmd")
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
secret_value() {
  "$kubectl_cmd" -n "$ns" get secret "$secret" -o "jsonpath={.data.$1}" | base64 -d
}

umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ "$admin_from_env" = 1 ]; then
  url="$STORE_URL"
  admin_email="$ADMIN_EMAIL"
  password_file="$ADMIN_PASSWORD_FILE"
  [ -s "$password_file" ] || fail "no password in ADMIN_PASSWORD_FILE"
else
  url="${STORE_URL:-$(secret_value url)}"
  admin_email="$(secret_value email)"
  password_file="$work/admin-password"
  secret_value password >"$password_file"
  [ -s "$password_file" ] || fail "no password in Secret $ns/$secret"
fi
url="${url%/}"

# api <METHOD> <path> [json body, or @file] [extra curl args...]: prints the response, fails on
# HTTP >= 400
api() {
  local method="$1" path="$2" body="${3:-}"
  shift 3 || shift $#
  local out code data=()
  [ -z "$body" ] || data=(--data-binary "$body")
  out="$(mktemp -p "$work")"
  code="$(curl -sS --max-time 60 "${curl_opts[@]}" -o "$out" -w '%{http_code}' -X "$method" \
    -H 'Content-Type: application/json' "${data[@]}" "$@" "$url$path")" || code=000
  if [ "$code" = 000 ] || [ "$code" -ge 400 ]; then
    echo "$method $path -> HTTP $code: $(cat "$out")" >&2
    rm -f "$out"
    return 1
  fi
  cat "$out"
  rm -f "$out"
}

step "store API $url answers"
api GET /health "" >/dev/null || fail "GET /health"
echo "ok"

step "admin login ($admin_email)"
jq -n --arg e "$admin_email" --rawfile p "$password_file" '{email: $e, password: $p}' >"$work/login.json"
token="$(api POST /auth/user/emailpass "@$work/login.json" | jq -r '.token // empty')"
[ -n "$token" ] || fail "no admin token"
# curl reads the header from the file (-H @file), so the token is in no argv either
printf 'Authorization: Bearer %s\n' "$token" >"$work/admin-header"
admin=(-H "@$work/admin-header")
echo "ok"

step "publishable API key"
pk="$(api GET '/admin/api-keys?type=publishable&limit=1' "" "${admin[@]}" | jq -r '.api_keys[0].token // empty')"
[ -n "$pk" ] || fail "no publishable key (was the store seeded?)"
storeh=(-H "x-publishable-api-key: $pk")
echo "ok"

step "region and product"
region="$(api GET '/store/regions?limit=1' "" "${storeh[@]}" | jq -c '.regions[0] // empty')"
[ -n "$region" ] || fail "no region"
region_id="$(jq -r .id <<<"$region")"
country="$(jq -r '.countries[0].iso_2' <<<"$region")"
product="$(api GET "/store/products?region_id=$region_id&limit=1&fields=*variants" "" "${storeh[@]}" |
  jq -c '.products[0] // empty')"
[ -n "$product" ] || fail "no product in region $region_id"
variant_id="$(jq -r '.variants[0].id' <<<"$product")"
echo "region $(jq -r .name <<<"$region") ($country), product $(jq -r .title <<<"$product"), variant $variant_id"

step "cart with one item, address and e-mail"
cart_id="$(api POST /store/carts "{\"region_id\": \"$region_id\"}" "${storeh[@]}" | jq -r .cart.id)"
api POST "/store/carts/$cart_id/line-items" "{\"variant_id\": \"$variant_id\", \"quantity\": 1}" \
  "${storeh[@]}" >/dev/null
address="$(jq -n --arg c "$country" '{first_name: "Test", last_name: "Buyer",
  address_1: "1 Example Street", city: "Example City", postal_code: "12345", country_code: $c}')"
api POST "/store/carts/$cart_id" "$(jq -n --argjson a "$address" \
  '{email: "buyer@example.com", shipping_address: $a, billing_address: $a}')" "${storeh[@]}" >/dev/null
echo "cart $cart_id"

step "shipping method"
option_id="$(api GET "/store/shipping-options?cart_id=$cart_id" "" "${storeh[@]}" |
  jq -r '.shipping_options[0].id // empty')"
[ -n "$option_id" ] || fail "no shipping option for the cart"
api POST "/store/carts/$cart_id/shipping-methods" "{\"option_id\": \"$option_id\"}" "${storeh[@]}" >/dev/null
echo "option $option_id"

step "payment with the system provider (pay later, like cash on delivery)"
collection="$(api POST /store/payment-collections "{\"cart_id\": \"$cart_id\"}" "${storeh[@]}" |
  jq -r .payment_collection.id)"
api POST "/store/payment-collections/$collection/payment-sessions" \
  '{"provider_id": "pp_system_default"}' "${storeh[@]}" >/dev/null
echo "payment collection $collection"

step "complete the cart"
result="$(api POST "/store/carts/$cart_id/complete" "" "${storeh[@]}")"
[ "$(jq -r .type <<<"$result")" = order ] || fail "cart not completed: $result"
order_id="$(jq -r .order.id <<<"$result")"
echo "order $order_id"

step "the admin finds the order"
order="$(api GET "/admin/orders/$order_id" "" "${admin[@]}")"
jq -e --arg id "$order_id" '.order.id == $id' <<<"$order" >/dev/null || fail "order not found: $order"
echo "admin sees order #$(jq -r .order.display_id <<<"$order")"
echo "order id: $order_id"
echo "status: $(jq -r .order.status <<<"$order")"
# the admin API leaves currency_code out of an order's default fields: the region's is the same
echo "total: $(jq -r --arg c "$(jq -r .currency_code <<<"$region")" \
  '"\(.order.total) \(.order.currency_code // $c)"' <<<"$order")"

printf '\nPASSED: order %s placed through the store API and found by the admin\n' "$order_id"
