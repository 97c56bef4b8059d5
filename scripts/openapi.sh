#!/usr/bin/env bash
# The stores API has one contract: plugins/stores-backend/src/schema/openapi.yaml.
# From it Backstage's repo-tools generate
#   - the typed server router: plugins/stores-backend/src/schema/openapi/generated
#   - the client and its types: plugins/stores-common/src/schema/openapi/generated
#
#   scripts/openapi.sh generate   regenerate both from the document
#   scripts/openapi.sh check      regenerate, then fail when that changed the tree,
#                                 i.e. the committed code was not made from the document
#
# repo-tools runs OpenAPI Generator, a Java program (needs `java` and `mvn`). Its npm
# wrapper would download the jar itself; here Maven fetches it instead, so that the
# machine's own Maven settings (mirror, proxy) apply, and it is kept outside the clone,
# one file per version, in STORES_OPENAPI_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/stores-for-backstage/openapi-generator).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh" || exit 1
cd "$STORES_ROOT" || exit 1

SERVER_PACKAGE=plugins/stores-backend
CLIENT_PACKAGE=plugins/stores-common
GENERATED=(
  "$SERVER_PACKAGE/src/schema/openapi"
  "$CLIENT_PACKAGE/src/schema/openapi"
)

usage() {
  echo "usage: scripts/openapi.sh generate|check" >&2
  exit 2
}

# The generator version Backstage made its templates for, so that an upgrade of
# repo-tools brings the generator along.
generator_version() {
  node -p "require('@backstage/repo-tools/openapitools.json')['generator-cli'].version"
}

# Puts the generator jar into the cache (once per version) and writes the wrapper's
# configuration beside it; prints the cache directory.
prepare_generator() {
  local version cache jar
  version="$(generator_version)"
  cache="${STORES_OPENAPI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stores-for-backstage/openapi-generator}"
  jar="$cache/$version.jar"
  mkdir -p "$cache"
  if [ ! -s "$jar" ]; then
    command -v java >/dev/null || {
      echo "error: OpenAPI Generator needs Java (Debian: apt-get install default-jre-headless)" >&2
      return 1
    }
    command -v mvn >/dev/null || {
      echo "error: fetching OpenAPI Generator needs Maven (Debian: apt-get install maven)" >&2
      return 1
    }
    echo "Fetching OpenAPI Generator $version with Maven" >&2
    local download
    download="$(mktemp -d "$cache/download.XXXXXX")"
    if ! mvn -B -q dependency:copy \
      "-Dartifact=org.openapitools:openapi-generator-cli:$version:jar" \
      "-DoutputDirectory=$download" >&2; then
      rm -rf "$download"
      echo "error: Maven could not fetch org.openapitools:openapi-generator-cli:$version" >&2
      return 1
    fi
    # A rename, so that a second run never sees half a jar.
    mv "$download/openapi-generator-cli-$version.jar" "$jar"
    rm -rf "$download"
  fi
  # The wrapper reads openapitools.json from $PWD; this one names the version and the
  # jar's folder, so it neither asks the network for the latest version nor downloads.
  printf '{\n  "generator-cli": { "version": "%s", "storageDir": "%s" }\n}\n' \
    "$version" "$cache" >"$cache/openapitools.json"
  echo "$cache"
}

# The generator's templates leave an enum schema's description out of the type they
# make of it, and API reports refuse an undocumented export: this puts it in.
describe_enums() {
  node - "$CLIENT_PACKAGE" "$SERVER_PACKAGE/src/schema/openapi.yaml" "${GENERATED[@]}" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');
const [clientPackage, document, ...dirs] = process.argv.slice(2);
// yaml is a dependency of the client package, whose tests read the document too.
const { parse } = createRequire(path.resolve(clientPackage, 'package.json'))('yaml');
const { schemas } = parse(fs.readFileSync(document, 'utf8')).components;
for (const [name, schema] of Object.entries(schemas)) {
  if (!schema.enum || !schema.description) continue;
  const summary = schema.description.replace(/\s+/g, ' ').trim().replace(/\*\//g, '*\\/');
  for (const dir of dirs) {
    const file = path.join(dir, 'generated/models', `${name}.model.ts`);
    const text = fs.readFileSync(file, 'utf8');
    const bare = `/**\n * @public\n */\nexport type ${name} =`;
    if (!text.includes(bare)) {
      console.error(`error: ${file} has no undocumented type ${name} to describe`);
      process.exit(1);
    }
    fs.writeFileSync(file, text.replace(bare, `/**\n * ${summary}\n * @public\n */\nexport type ${name} =`));
  }
}
EOF
}

generate() {
  local cache log
  cache="$(prepare_generator)"
  log="$(mktemp)"
  # repo-tools resolves the document from the working directory and the client package
  # from the repository root; the wrapper finds its openapitools.json through PWD.
  if ! (cd "$SERVER_PACKAGE" && PWD="$cache" yarn run -T backstage-repo-tools \
    package schema openapi generate --server --client-package "$CLIENT_PACKAGE") \
    >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "error: repo-tools failed" >&2
    return 1
  fi
  # repo-tools reports a failed generation but still exits 0.
  if grep -qi 'generation failed' "$log"; then
    cat "$log" >&2
    rm -f "$log"
    echo "error: OpenAPI generation failed" >&2
    return 1
  fi
  rm -f "$log"
  for dir in "${GENERATED[@]}"; do
    [ -f "$dir/generated/index.ts" ] || {
      echo "error: nothing was generated in $dir" >&2
      return 1
    }
  done
  describe_enums || return 1
  echo "Generated ${GENERATED[*]} from $SERVER_PACKAGE/src/schema/openapi.yaml"
}

check() {
  generate >/dev/null
  local changed
  changed="$(git status --porcelain --untracked-files=all -- "${GENERATED[@]}")"
  if [ -n "$changed" ]; then
    echo "error: the generated OpenAPI code is not what $SERVER_PACKAGE/src/schema/openapi.yaml gives:" >&2
    echo "$changed" >&2
    git --no-pager diff --stat -- "${GENERATED[@]}" >&2
    echo "Run 'yarn openapi:generate' and commit the result." >&2
    return 1
  fi
  echo "The generated OpenAPI code matches the document."
}

case "${1:-}" in
  generate) generate ;;
  check) check ;;
  *) usage ;;
esac
