#!/bin/sh
# Store setup, run by the wp-cli init container of the WordPress pod before Apache starts.
# Idempotent: every step checks first, so it is safe on every pod start and after upgrades.
# Three parts, run in this order when no argument names some of them (the chart passes none):
#   wordpress    wait for the database, install WordPress, keep the site URL in step
#   woocommerce  plugin, onboarding options, pages, Cash on Delivery, the sample product
#   permalinks   pretty permalinks (last, so the flush sees WooCommerce's shop and product rules)
# Naming parts (`setup.sh wordpress permalinks`) lets the WordPress part be checked on its own
# where WooCommerce cannot be downloaded.
# Never echoes credentials (no `set -x`) and never passes one as a program argument, where any
# process on the node could read it: the database password reaches PHP through the environment,
# the admin password reaches wp-cli on stdin from the mounted Secret file (ADMIN_PASSWORD_FILE).
set -eu

log() { echo "[store-setup] $*"; }
# WORDPRESS_PATH: where WordPress and wp-config.php are (the chart's volume by default)
wp() { command wp --path="${WORDPRESS_PATH:-/var/www/html}" "$@"; }

: "${ADMIN_PASSWORD_FILE:?must name the file that holds the admin password}"
if [ ! -s "$ADMIN_PASSWORD_FILE" ]; then
  log "no admin password in $ADMIN_PASSWORD_FILE"
  exit 1
fi

setup_wordpress() {
  log "waiting for the database"
  deadline=$(( $(date +%s) + ${DB_WAIT_SECONDS:-600} ))
  # shellcheck disable=SC2016 # PHP code, expanded by PHP
  until php -r '
    $host = getenv("WORDPRESS_DB_HOST"); $port = 3306;
    if (strpos($host, ":") !== false) { list($host, $port) = explode(":", $host, 2); }
    mysqli_report(MYSQLI_REPORT_OFF);
    $c = @mysqli_connect($host, getenv("WORDPRESS_DB_USER"), getenv("WORDPRESS_DB_PASSWORD"), getenv("WORDPRESS_DB_NAME"), (int) $port);
    exit($c ? 0 : 1);'; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "database not reachable after ${DB_WAIT_SECONDS:-600}s"
      exit 1
    fi
    sleep 5
  done

  if ! wp core is-installed >/dev/null 2>&1; then
    log "installing WordPress"
    # --prompt reads the listed arguments from stdin instead of the command line. After
    # prompting, wp-cli logs the whole command with the values it read, the password among
    # them, to stdout (the pod's log): --quiet drops that line (errors still reach stderr).
    wp core install --quiet --url="$STORE_URL" --title="$STORE_TITLE" \
      --admin_user="$ADMIN_USER" --admin_email="$ADMIN_EMAIL" --skip-email \
      --prompt=admin_password <"$ADMIN_PASSWORD_FILE"
  fi

  # Keep the site URL in step with the ingress host and the TLS setting.
  wp option update home "$STORE_URL" >/dev/null
  wp option update siteurl "$STORE_URL" >/dev/null
}

setup_woocommerce() {
  if ! wp plugin is-installed woocommerce; then
    log "installing WooCommerce ${WOOCOMMERCE_VERSION:-latest}"
    if [ -n "${WOOCOMMERCE_VERSION:-}" ]; then
      wp plugin install woocommerce --version="$WOOCOMMERCE_VERSION"
    else
      wp plugin install woocommerce
    fi
  fi
  wp plugin is-active woocommerce || wp plugin activate woocommerce

  # Onboarding done, store visible, address and currency set: no wizard left.
  wp option update woocommerce_onboarding_profile '{"skipped":true,"completed":true}' --format=json >/dev/null
  wp option update woocommerce_task_list_hidden yes >/dev/null
  wp option update woocommerce_coming_soon no >/dev/null
  wp option update woocommerce_store_address "$STORE_ADDRESS" >/dev/null
  wp option update woocommerce_store_city "$STORE_CITY" >/dev/null
  wp option update woocommerce_store_postcode "$STORE_POSTCODE" >/dev/null
  wp option update woocommerce_default_country "$STORE_COUNTRY" >/dev/null
  wp option update woocommerce_currency "$STORE_CURRENCY" >/dev/null

  if [ "$(wp option get stores_backstage_pages 2>/dev/null || true)" != "installed" ]; then
    log "creating shop, cart, checkout and account pages"
    wp wc tool run install_pages --user="$ADMIN_USER" >/dev/null
    wp option update stores_backstage_pages installed >/dev/null
  fi

  wp wc payment_gateway update cod --enabled=true --user="$ADMIN_USER" >/dev/null

  product="$(wp option get stores_backstage_sample_product 2>/dev/null || true)"
  if [ -z "$product" ] || ! wp post exists "$product" >/dev/null 2>&1; then
    log "creating the sample product"
    product="$(wp wc product create --name="$PRODUCT_NAME" --type=simple \
      --regular_price="$PRODUCT_PRICE" --virtual=true --status=publish \
      --user="$ADMIN_USER" --porcelain)"
    wp option update stores_backstage_sample_product "$product" >/dev/null
  fi
}

setup_permalinks() {
  if [ "$(wp option get permalink_structure)" != "/%postname%/" ]; then
    wp rewrite structure '/%postname%/'
  fi
}

parts="${*:-wordpress woocommerce permalinks}"
for part in $parts; do
  case "$part" in
    wordpress | woocommerce | permalinks) ;;
    *)
      log "unknown part: $part (parts: wordpress woocommerce permalinks)"
      exit 2
      ;;
  esac
done
for part in $parts; do
  "setup_$part"
done

if [ $# -eq 0 ]; then
  log "store ready at $STORE_URL (sample product id $product)"
else
  log "done: $parts"
fi
