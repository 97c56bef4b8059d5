#!/usr/bin/env bash
# shellcheck disable=SC2317  # the build_<component> functions are called indirectly
# Builds the test bed's binaries from the wrapper Go modules under ../go into a cache outside
# the clone, keyed by component and version:
#   ${STORES_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stores-backstage}/testbed/<component>-<version>/
# A component whose binaries are already there is skipped, so a warm run takes seconds.
#
# Usage: build.sh [component...]   (default: all; components: kubernetes etcd kwok helm3 helm4)
#        build.sh --print-dir <component>   prints the cache dir of a component (no build)
#        build.sh --start-set     what start.sh needs (all but helm3, which only tests use)
#
# Components build in two lanes at once, kubernetes in one and the rest in the other: one go
# build leaves cores idle while it links or waits on a long compile, two keep them busy.
# Every component compiles with the same tags and flags, so the packages they share at the
# same version (the standard library, golang.org/x, gRPC, ...) compile once in the Go cache.
# Progress (packages compiled, time left by the last measured build) goes to stderr; each
# build's time is recorded in <cache>/timings for the next estimate.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pkg="$(dirname "$here")"
gomods="$pkg/go"
cache_root="${STORES_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stores-backstage}/testbed"
all_components=(kubernetes etcd kwok helm3 helm4)
start_components=(kubernetes etcd kwok helm4)
jobs="${STORES_TESTBED_GO_JOBS:-$(nproc 2>/dev/null || echo 2)}"
# Kubernetes' tags for every component (they only switch off things nobody here uses), so
# shared packages get the same build ID; different tags would compile each of them again.
build_tags=selinux,notest,grpcnotrace
timings="$cache_root/timings"

log() { printf '[testbed build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

command -v go >/dev/null || { log "go is not on PATH (Go 1.24 or newer is needed)"; exit 1; }

# module path inside each wrapper whose version keys the cache
component_module() {
  case "$1" in
    kubernetes) echo k8s.io/kubernetes ;;
    etcd) echo go.etcd.io/etcd/server/v3 ;;
    kwok) echo sigs.k8s.io/kwok ;;
    helm3) echo helm.sh/helm/v3 ;;
    helm4) echo helm.sh/helm/v4 ;;
    *) log "unknown component: $1"; exit 2 ;;
  esac
}

# binaries a component must produce (relative to its cache dir)
component_outputs() {
  case "$1" in
    kubernetes) echo bin/kube-apiserver bin/kube-controller-manager bin/kube-scheduler bin/kubectl ;;
    etcd) echo bin/etcd ;;
    kwok) echo bin/kwok stages ;;
    helm3 | helm4) echo bin/helm ;;
  esac
}

# version of the module as pinned by the wrapper's go.mod (read without the go tool: fast)
module_version() { # <wrapper dir> <module>
  awk -v m="$2" '
    $1 == "require" && $2 == m { print $3; exit }
    $1 == m && $2 ~ /^v/ { print $2; exit }
  ' "$1/go.mod"
}

component_dir() {
  local c="$1" m v
  m="$(component_module "$c")"
  v="$(module_version "$gomods/$c" "$m")"
  [ -n "$v" ] || { log "cannot read the version of $m from $gomods/$c/go.mod"; exit 1; }
  echo "$cache_root/$c-$v"
}

# module time as a fixed build date (reproducible)
module_time() { # <wrapper dir> <module>
  (cd "$1" && go list -m -f '{{with .Time}}{{.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' "$2")
}
module_dir() { (cd "$1" && go list -m -f '{{.Dir}}' "$2"); }

# Seconds the last build of a component took, for the estimate; before any build here, the
# figures measured on a 2-core machine (docs: packages/testbed/README.md).
last_seconds() { # <component>
  local s
  s="$(awk -v c="$1" '$1 == c { s = $3 } END { print s }' "$timings" 2>/dev/null)"
  if [ -n "$s" ]; then echo "$s"; return; fi
  case "$1" in
    kubernetes) echo 590 ;; etcd) echo 49 ;; kwok) echo 141 ;; helm3) echo 161 ;; helm4) echo 300 ;;
  esac
}

# Prints "<component>: n/N packages, Xs so far, about Ys left" every 15 s while go build -v
# names the packages it compiles (cached ones are not named, so n may stay below N). N comes
# from a go list that runs beside the build: it takes half a minute for kubernetes.
progress() { # <component> <file that will hold the number of packages>
  local c="$1" total_file="$2" total=? est n=0 last=$SECONDS t0=$SECONDS line left
  est="$(last_seconds "$c")"
  while IFS= read -r line; do
    case "$line" in
    *' '* | '#'* | '' | *:*) printf '%s\n' "$line" >&2 ;; # compiler output, not a package name
    *) n=$((n + 1)) ;;
    esac
    if [ $((SECONDS - last)) -ge 15 ]; then
      last=$SECONDS
      [ ! -s "$total_file" ] || total="$(cat "$total_file")"
      # by the last build's time; past it (a busier machine), by the share of packages done
      left=$((est - (SECONDS - t0)))
      if [ "$total" != '?' ] && [ $((n * 10)) -ge "$total" ]; then
        by_share=$(((SECONDS - t0) * (total - n) / n))
        [ "$by_share" -le "$left" ] || left=$by_share
      fi
      [ "$left" -ge 10 ] || left=10
      log "$c: $n/$total packages compiled, $((SECONDS - t0)) s so far, about $left s left (last build $est s)"
    fi
  done
}

# Where a build's time went, from go's action graph: compile and link time summed over
# actions (CPU-ish: they overlap on several cores), and the slowest packages and links.
profile() { # <action graph json>
  node -e '
    const actions = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const secs = a => (Date.parse(a.TimeDone) - Date.parse(a.TimeStart)) / 1000;
    const ran = actions.filter(a => a.TimeStart && a.TimeDone && a.Cmd);
    const sum = mode => ran.filter(a => a.Mode === mode).reduce((t, a) => t + secs(a), 0);
    const start = Math.min(...ran.map(a => Date.parse(a.TimeStart)));
    const done = Math.max(...ran.map(a => Date.parse(a.TimeDone)));
    console.log(`wall ${((done - start) / 1000).toFixed(0)} s; compile ${sum("build").toFixed(0)} s over ${ran.filter(a => a.Mode === "build").length} packages; link ${sum("link").toFixed(0)} s`);
    for (const a of ran.sort((x, y) => secs(y) - secs(x)).slice(0, 15)) {
      console.log(`${secs(a).toFixed(1).padStart(7)} s  ${a.Mode.padEnd(6)} ${a.Package}`);
    }
  ' "$1"
}

go_build() { # <component> <wrapper dir> <-o target: file, or dir ending in /> <ldflags> <packages...>
  local c="$1" wd="$2" out="$3" ldflags="$4"
  shift 4
  (
    cd "$wd"
    export CGO_ENABLED=0 GOFLAGS='' GOWORK=off
    total="$out.packages"
    (go list -deps -tags="$build_tags" "$@" 2>/dev/null | wc -l >"$total.tmp" && mv "$total.tmp" "$total") &
    go build -v -p "$jobs" -trimpath -buildvcs=false -tags="$build_tags" \
      -debug-actiongraph="$total.json" \
      -ldflags="-s -w $ldflags" -o "$out" "$@" 2>&1 | progress "$c" "$total"
    rc="${PIPESTATUS[0]}"
    wait
    [ "$rc" != 0 ] || profile "$total.json" >"$(dirname "$total")/../build-profile.txt" || true
    rm -f "$total" "$total.tmp" "$total.json"
    exit "$rc"
  )
}

build_kubernetes() { # <wrapper> <version> <out>
  local wd="$1" v="$2" out="$3" date major minor ld=""
  date="$(module_time "$wd" k8s.io/kubernetes)"
  major="${v#v}"; major="${major%%.*}"
  minor="${v#v*.}"; minor="${minor%%.*}"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$v -X $p.gitMajor=$major -X $p.gitMinor=$minor"
    # gitCommit: the module proxy does not tell the commit; empty beats the "$Format:%H$" default
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=$date -X $p.gitCommit="
  done
  go_build kubernetes "$wd" "$out/bin/" "$ld" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
}

build_etcd() { # <wrapper> <version> <out>   (etcd's version is a constant in its source)
  go_build etcd "$1" "$3/bin/etcd" "" go.etcd.io/etcd/server/v3
}

build_kwok() { # <wrapper> <version> <out>
  local wd="$1" v="$2" out="$3" src
  go_build kwok "$wd" "$out/bin/" "-X sigs.k8s.io/kwok/pkg/consts.Version=$v" sigs.k8s.io/kwok/cmd/kwok
  # the stage YAMLs (node/pod/volume behaviour) ship in the module, not in the binary's flags
  src="$(module_dir "$wd" sigs.k8s.io/kwok)/kustomize/stage"
  (cd "$src" && find . -name '*.yaml' ! -path '*/testdata/*' ! -name kustomization.yaml) |
    while read -r f; do
      mkdir -p "$out/stages/$(dirname "$f")"
      cp "$src/$f" "$out/stages/$f"
    done
  chmod -R u+w "$out/stages"
}

build_helm() { # <major> <wrapper> <version> <out>
  local maj="$1" wd="$2" v="$3" out="$4" cg ld
  ld="-X helm.sh/helm/v$maj/internal/version.version=$v"
  ld+=" -X helm.sh/helm/v$maj/internal/version.metadata="
  ld+=" -X helm.sh/helm/v$maj/internal/version.gitTreeState=clean"
  if [ "$maj" = 3 ]; then
    # Helm 3 takes the default Kubernetes version (.Capabilities, lint) from ldflags, like its Makefile
    cg="$(module_version "$wd" k8s.io/client-go)"
    cg="${cg#v0.}"; cg="${cg%%.*}"
    for p in pkg/lint/rules pkg/chartutil; do
      ld+=" -X helm.sh/helm/v3/$p.k8sVersionMajor=1 -X helm.sh/helm/v3/$p.k8sVersionMinor=$cg"
    done
  fi
  go_build "helm$maj" "$wd" "$out/bin/" "$ld" "helm.sh/helm/v$maj/cmd/helm"
}
build_helm3() { build_helm 3 "$@"; }
build_helm4() { build_helm 4 "$@"; }

# one build per component at a time (parallel callers wait instead of building twice)
build_component() {
  local c="$1" wd="$gomods/$1" m v dir tmp start missing=0 f
  m="$(component_module "$c")"
  v="$(module_version "$wd" "$m")"
  dir="$cache_root/$c-$v"
  for f in $(component_outputs "$c"); do [ -e "$dir/$f" ] || missing=1; done
  if [ "$missing" = 0 ]; then
    log "$c $v: cached in $dir (skipped)"
    return 0
  fi
  exec {lock}>"$cache_root/.build-$c.lock"
  if ! flock -n "$lock"; then
    log "$c: another build of it is running; waiting for it"
    flock "$lock"
    missing=0
    for f in $(component_outputs "$c"); do [ -e "$dir/$f" ] || missing=1; done
    [ "$missing" = 1 ] || return 0
  fi
  log "$c $v: building into $dir (go build -p $jobs; the last build took $(last_seconds "$c") s) ..."
  start=$SECONDS
  tmp="$dir.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp/bin"
  "build_$c" "$wd" "$v" "$tmp"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  printf '%s %s %s %s cores %s\n' "$c" "$v" "$((SECONDS - start))" "$(nproc 2>/dev/null || echo '?')" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$timings"
  log "$c $v: built in $((SECONDS - start)) s"
}

main() {
  if [ "${1:-}" = --print-dir ]; then component_dir "$2"; return; fi
  local comps=("$@")
  if [ "${1:-}" = --start-set ]; then comps=("${start_components[@]}"); fi
  [ ${#comps[@]} -gt 0 ] || comps=("${all_components[@]}")
  mkdir -p "$cache_root"
  local total=$SECONDS c lane_k=() lane_rest=() pid rc=0
  for c in "${comps[@]}"; do
    component_module "$c" >/dev/null
    if [ "$c" = kubernetes ]; then lane_k+=("$c"); else lane_rest+=("$c"); fi
  done
  if [ ${#lane_k[@]} -gt 0 ] && [ ${#lane_rest[@]} -gt 0 ]; then
    (for c in "${lane_rest[@]}"; do build_component "$c"; done) &
    pid=$!
    build_component kubernetes || rc=$?
    wait "$pid" || rc=$?
  else
    for c in "${comps[@]}"; do build_component "$c" || rc=$?; done
  fi
  [ "$rc" = 0 ] || { log "build failed"; return "$rc"; }
  log "done in $((SECONDS - total)) s"
}

main "$@"; exit $?  # on one line: edits to this file while it runs cannot affect it
