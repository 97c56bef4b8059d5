#!/bin/sh
# Migrations Job: one per Helm revision (named ...-migrate-r<revision>). It runs the database
# migrations, records them for the server's init container, creates the admin user if it is
# missing and, on the first install, seeds the store. Credentials come from the environment and
# are never echoed nor passed as program arguments, where any process on the node could read
# them: the database URL comes from the environment, the admin password from the mounted Secret
# file ADMIN_PASSWORD_FILE (read by create-admin.js).
set -eu

medusa() { "${MEDUSA_CLI:-./node_modules/.bin/medusa}" "$@"; }
log() { echo "[migrations] $*"; }
# release.js and create-admin.js sit beside this script (the mounted ConfigMap)
scripts="$(dirname "$0")"

node "$scripts/release.js" wait-db

log "running database migrations for revision ${RELEASE_REVISION}"
medusa db:migrate --execute-safe-links
node "$scripts/release.js" mark-migrated

if node "$scripts/release.js" user-exists "$ADMIN_EMAIL"; then
  log "admin user already exists"
else
  log "creating the admin user"
  # not `medusa user -p`: that would put the password on the command line
  medusa exec "$scripts/create-admin.js"
fi

if [ "${SEED_ENABLED:-false}" = "true" ]; then
  if node "$scripts/release.js" is-seeded; then
    log "store already seeded"
  else
    log "seeding the store with ${SEED_SCRIPT}"
    medusa exec "$SEED_SCRIPT"
    node "$scripts/release.js" mark-seeded
  fi
fi

log "done"
