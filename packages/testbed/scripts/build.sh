#!/usr/bin/env bash
# shellcheck disable=SC2317  # the build_<component> functions are called indirectly
# Builds the test bed's binaries from the wrapper Go modules under ../go into a cache outside
# the clone, keyed by component and version:
#   ${STORES_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stores-backstage}/testbed/<component>-<version>/
# A component whose binaries are already there is skipped, so a warm run takes seconds.
#
# Usage: build.sh [component...]   (default: all; components: kubernetes etcd kwok helm3 helm4)
#        build.sh --print-dir <component>   prints the cache dir of a component (no build)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pkg="$(dirname "$here")"
gomods="$pkg/go"
cache_root="${STORES_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stores-backstage}/testbed"
all_components=(kubernetes etcd kwok helm3 helm4)
jobs="${STORES_TESTBED_GO_JOBS:-2}"

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

go_build() { # <wrapper dir> <-o target: file, or dir ending in /> <ldflags> <tags> <packages...>
  local wd="$1" out="$2" ldflags="$3" tags="$4"
  shift 4
  (
    cd "$wd"
    CGO_ENABLED=0 GOFLAGS='' GOWORK=off go build -p "$jobs" -trimpath -buildvcs=false \
      ${tags:+-tags="$tags"} -ldflags="-s -w $ldflags" -o "$out" "$@"
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
  go_build "$wd" "$out/bin/" "$ld" selinux,notest,grpcnotrace \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
}

build_etcd() { # <wrapper> <version> <out>   (etcd's version is a constant in its source)
  go_build "$1" "$3/bin/etcd" "" "" go.etcd.io/etcd/server/v3
}

build_kwok() { # <wrapper> <version> <out>
  local wd="$1" v="$2" out="$3" src
  go_build "$wd" "$out/bin/" "-X sigs.k8s.io/kwok/pkg/consts.Version=$v" "" sigs.k8s.io/kwok/cmd/kwok
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
  go_build "$wd" "$out/bin/" "$ld" "" "helm.sh/helm/v$maj/cmd/helm"
}
build_helm3() { build_helm 3 "$@"; }
build_helm4() { build_helm 4 "$@"; }

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
  log "$c $v: building into $dir (go build -p $jobs) ..."
  start=$SECONDS
  tmp="$dir.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp/bin"
  "build_$c" "$wd" "$v" "$tmp"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  log "$c $v: built in $((SECONDS - start)) s"
}

main() {
  if [ "${1:-}" = --print-dir ]; then component_dir "$2"; return; fi
  local comps=("$@")
  [ ${#comps[@]} -gt 0 ] || comps=("${all_components[@]}")
  mkdir -p "$cache_root"
  # one build at a time per cache (parallel callers wait instead of building twice)
  exec 9>"$cache_root/.build.lock"
  if ! flock -n 9; then
    log "another build is running; waiting for it"
    flock 9
  fi
  local total=$SECONDS c
  for c in "${comps[@]}"; do build_component "$c"; done
  log "done in $((SECONDS - total)) s"
}

main "$@"; exit $?  # on one line: edits to this file while it runs cannot affect it
