#!/usr/bin/env bash
# Definition of done of a WooCommerce store, checked over plain HTTP(S) against a real cluster
# (kind, k3d, k3s, a VPS): open the storefront, add the sample product to a cart, check out with
# Cash on Delivery, then find the order as the administrator through the WooCommerce REST API.
#
# Usage: verify-woocommerce-order.sh <store-name> [namespace]
#   namespace defaults to store-<store-name>; the release name is the store name.
# Environment:
#   STORE_URL  storefront URL (default: the url key of the <store>-admin Secret)
#   CURL_OPTS  extra curl options, e.g. "-k" for a self-signed certificate or
#              "--resolve shop.example.test:80:127.0.0.1" when DNS is not set up
#   KUBECTL    kubectl command (default: kubectl), used to read the admin Secret and, as a
#              second check, to look the order up inside the WordPress pod
# Needs: bash, curl, jq, kubectl with read access to the store's Secrets.
# The administrator password is read from the Secret into a private temporary file and never
# printed nor passed as a program argument (where other users of the machine could read it).
set -euo pipefail

store="${1:?usage: $0 <store-name> [namespace]}"
ns="${2:-store-$store}"
kubectl_cmd="${KUBECTL:-kubectl}"
secret="$store-admin"
# shellcheck disable=SC2206
curl_opts=(${CURL_OPTS:-})

for tool in curl jq "$kubectl_cmd"; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
secret_value() {
  "$kubectl_cmd" -n "$ns" get secret "$secret" -o "jsonpath={.data.$1}" | base64 -d
}
http() { curl -sS --max-time 60 "${curl_opts[@]}" "$@"; }

umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
jar="$work/cookies"

url="${STORE_URL:-$(secret_value url)}"
url="${url%/}"
admin_user="$(secret_value username)"
password_file="$work/admin-password"
secret_value password >"$password_file"
[ -s "$password_file" ] || fail "no password in Secret $ns/$secret"

step "storefront $url answers"
code="$(http -o /dev/null -w '%{http_code}' "$url/" || true)"
[ "$code" = 200 ] || fail "GET / returned $code"
code="$(http -o /dev/null -w '%{http_code}' "$url/shop/" || true)"
[ "$code" = 200 ] || fail "GET /shop/ returned $code (pretty permalinks or WooCommerce pages missing)"
echo "ok"

step "find the sample product (Store API)"
products="$(http -f "$url/wp-json/wc/store/v1/products?per_page=20")"
product_id="$(jq -r '[.[] | select(.is_purchasable and .is_in_stock)][0].id // empty' <<<"$products")"
[ -n "$product_id" ] || fail "no purchasable product: $products"
echo "product $product_id: $(jq -r --argjson id "$product_id" '.[] | select(.id == $id) | .name' <<<"$products")"

step "start a cart"
http -f -D "$work/headers" -o /dev/null "$url/wp-json/wc/store/v1/cart"
cart_token="$(awk 'tolower($1) == "cart-token:" { print $2 }' "$work/headers" | tr -d '\r')"
[ -n "$cart_token" ] || fail "no Cart-Token header"
echo "ok"

store_api() { # <path> <json>
  http -f -X POST -H "Cart-Token: $cart_token" -H 'Content-Type: application/json' \
    --data "$2" "$url/wp-json/wc/store/v1/$1"
}

step "add the product to the cart"
cart="$(store_api cart/add-item "{\"id\": $product_id, \"quantity\": 1}")"
echo "items in cart: $(jq -r '.items_count' <<<"$cart"), total $(jq -r '.totals.total_price + " " + .totals.currency_code' <<<"$cart")"

step "check out with Cash on Delivery"
address='{"first_name":"Test","last_name":"Buyer","address_1":"1 Example Street","city":"San Francisco","state":"CA","postcode":"94103","country":"US","phone":"5555555555"}'
checkout="$(store_api checkout "$(jq -n --argjson a "$address" \
  '{billing_address: ($a + {email: "buyer@example.com"}), shipping_address: $a, payment_method: "cod"}')")" ||
  fail "checkout refused"
order_id="$(jq -r '.order_id // empty' <<<"$checkout")"
order_status="$(jq -r '.status // empty' <<<"$checkout")"
[ -n "$order_id" ] || fail "no order id: $checkout"
echo "order $order_id, status $order_status"
[ "$order_status" = processing ] || fail "expected status processing for a COD order, got $order_status"

step "log in as $admin_user and find the order (WooCommerce REST API)"
# Over plain HTTP, WooCommerce API keys and application passwords are refused; the cookie
# session of a normal login plus a REST nonce works on HTTP and HTTPS alike.
http -f -c "$jar" -b "$jar" -o /dev/null "$url/wp-login.php"
http -c "$jar" -b "$jar" -o /dev/null \
  --data-urlencode "log=$admin_user" --data-urlencode "pwd@$password_file" \
  --data-urlencode "redirect_to=$url/wp-admin/" -d 'wp-submit=Log+In' -d 'testcookie=1' \
  "$url/wp-login.php"
grep -q 'wordpress_logged_in' "$jar" || fail "admin login failed"
nonce="$(http -f -b "$jar" "$url/wp-admin/admin-ajax.php?action=rest-nonce")"
order="$(http -f -b "$jar" -H "X-WP-Nonce: $nonce" "$url/wp-json/wc/v3/orders/$order_id")"
jq -e --argjson id "$order_id" --argjson pid "$product_id" \
  '.id == $id and .payment_method == "cod" and (.line_items | any(.product_id == $pid))' \
  <<<"$order" >/dev/null || fail "order not found as expected: $order"
echo "admin sees order $order_id: status $(jq -r .status <<<"$order"), total $(jq -r '.total + " " + .currency' <<<"$order")"

step "cross-check inside the WordPress pod (PHP, WooCommerce API)"
# shellcheck disable=SC2016 # PHP code, expanded by PHP
if "$kubectl_cmd" -n "$ns" exec "deploy/$store-wordpress" -c wordpress -- php -r '
    define("WP_USE_THEMES", false);
    require "/var/www/html/wp-load.php";
    $o = wc_get_order((int) $argv[1]);
    if (!$o) { exit(1); }
    echo $o->get_id(), " ", $o->get_status(), " ", $o->get_payment_method(), "\n";' -- "$order_id"; then
  :
else
  fail "order $order_id not found inside the pod"
fi

printf '\nPASSED: order %s placed with Cash on Delivery and found by the administrator\n' "$order_id"
