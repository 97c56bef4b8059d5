#!/usr/bin/env bash
# Starts the local Kubernetes test bed: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok (fake nodes), all on 127.0.0.1 with free ports, as background
# processes with logs in a run dir under the system temp dir. Idempotent: if the test bed is
# already up and healthy it says so and exits 0.
#
# Writes <repo>/.testbed/testbed.json and <repo>/.testbed/env (shell export lines).
# Environment: STORES_CACHE_DIR (binary cache root, see build.sh), STORES_TESTBED_NODES (fake
# nodes, default 1), STORES_TESTBED_STATE_DIR (default <repo>/.testbed), TMPDIR.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

started=$SECONDS
tb_take_lock

kubectl_healthy() { # <kubectl> <kubeconfig>
  "$1" --kubeconfig "$2" --request-timeout=5s get --raw /readyz >/dev/null 2>&1
}

# ---- already running? ----------------------------------------------------------------------
if [ -f "$tb_state" ]; then
  if kc="$(tb_state_get kubeconfig)" && k="$(tb_state_get binaries.kubectl)" &&
    [ -x "$k" ] && kubectl_healthy "$k" "$kc" && "$tb_scripts/stop.sh" --check-pids; then
    tb_log "already running and healthy: $(tb_state_get apiserverUrl) (KUBECONFIG=$kc)"
    exit 0
  fi
  tb_log "a previous test bed is recorded but not healthy; cleaning it up"
  STORES_TESTBED_LOCK_HELD=1 "$tb_scripts/stop.sh"
fi

if [ -s "$tb_starting" ]; then
  tb_log "an interrupted start left processes or files behind; cleaning them up"
  STORES_TESTBED_LOCK_HELD=1 "$tb_scripts/stop.sh"
fi

# ---- binaries ------------------------------------------------------------------------------
"$tb_scripts/build.sh" --start-set # warm: skips everything at once; helm3 builds on demand
k8s_dir="$("$tb_scripts/build.sh" --print-dir kubernetes)"
etcd_dir="$("$tb_scripts/build.sh" --print-dir etcd)"
kwok_dir="$("$tb_scripts/build.sh" --print-dir kwok)"
helm3="$("$tb_scripts/build.sh" --print-dir helm3)/bin/helm"
helm4="$("$tb_scripts/build.sh" --print-dir helm4)/bin/helm"
kubectl="$k8s_dir/bin/kubectl"
etcd_bin="$etcd_dir/bin/etcd"
apiserver_bin="$k8s_dir/bin/kube-apiserver"
kcm_bin="$k8s_dir/bin/kube-controller-manager"
sched_bin="$k8s_dir/bin/kube-scheduler"
kwok_bin="$kwok_dir/bin/kwok"

command -v openssl >/dev/null || tb_die "openssl is needed to make the certificates"

# ---- run dir, ports ------------------------------------------------------------------------
run="$(mktemp -d "${TMPDIR:-/tmp}/stores-testbed.XXXXXX")"
chmod 700 "$run"
pids_file="$run/pids"
cleanup_on_failure() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    tb_log "start failed (exit $rc); logs: $run/logs ; stopping what was started"
    for f in "$run"/logs/*.log; do
      [ -f "$f" ] || continue
      printf -- '----- last lines of %s -----\n' "$(basename "$f")" >&2
      tail -n 15 "$f" >&2
    done
    # keep the logs of a real failure for diagnosis (not of an interrupt)
    local keep=1
    [ $rc -ne 130 ] || keep=
    STORES_TESTBED_LOCK_HELD=1 STORES_TESTBED_KEEP_LOGS=$keep "$tb_scripts/stop.sh" "$run" || true
  fi
  rm -f "$tb_starting"
}
trap cleanup_on_failure EXIT
trap 'exit 130' INT TERM HUP
# lets stop.sh find this run even if this script is killed before it writes the state file
echo "$run" >"$tb_starting"
: >"$pids_file"
mkdir -p "$run/logs" "$run/pki"

# free ports on 127.0.0.1, all held open at the same time so they are distinct
read -r p_etcd p_etcd_peer p_api p_kcm p_sched p_kwok < <(node -e '
  const net = require("net"); const n = 6; const servers = []; const ports = [];
  const next = () => {
    if (ports.length === n) { servers.forEach((s) => s.close()); console.log(ports.join(" ")); return; }
    const s = net.createServer(); servers.push(s);
    s.listen(0, "127.0.0.1", () => { ports.push(s.address().port); next(); });
  };
  next();
')
[ -n "${p_kwok:-}" ] || tb_die "could not pick free ports"
api_url="https://127.0.0.1:$p_api"

# ---- certificates --------------------------------------------------------------------------
service_cidr="10.96.0.0/16"
first_service_ip="10.96.0.1"
pki="$run/pki"
(
  cd "$pki"
  newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
  newkey ca.key
  openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=stores-testbed-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.crt 2>/dev/null
  sign() { # <name> <subject> <extensions>
    newkey "$1.key"
    openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
    printf '%s\n' "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 3650 \
      -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
  }
  client="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  sign apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$first_service_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  sign admin "/O=system:masters/CN=stores-testbed-admin" "$client"
  # front proxy (aggregation layer) identity: its own CA, so it can only be used for that
  newkey front-proxy-ca.key
  openssl req -x509 -new -key front-proxy-ca.key -sha256 -days 3650 \
    -subj "/CN=stores-testbed-front-proxy-ca" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out front-proxy-ca.crt 2>/dev/null
  newkey front-proxy-client.key
  openssl req -new -key front-proxy-client.key -subj "/CN=front-proxy-client" \
    -out front-proxy-client.csr 2>/dev/null
  printf '%s\n' "$client" >front-proxy-client.ext
  openssl x509 -req -in front-proxy-client.csr -CA front-proxy-ca.crt -CAkey front-proxy-ca.key \
    -CAcreateserial -sha256 -days 3650 -extfile front-proxy-client.ext \
    -out front-proxy-client.crt 2>/dev/null
  rm -f front-proxy-client.csr front-proxy-client.ext
  sign controller-manager "/CN=system:kube-controller-manager" "$client"
  sign scheduler "/CN=system:kube-scheduler" "$client"
  # service-account token signing key pair
  newkey sa.key
  openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
  chmod 600 ./*.key
)

kubeconfig_for() { # <file> <cert name>
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: stores-testbed
  cluster:
    server: $api_url
    certificate-authority: $pki/ca.crt
users:
- name: $2
  user:
    client-certificate: $pki/$2.crt
    client-key: $pki/$2.key
contexts:
- name: stores-testbed
  context:
    cluster: stores-testbed
    user: $2
current-context: stores-testbed
EOF
  chmod 600 "$1"
}
kubeconfig="$run/kubeconfig"
kubeconfig_for "$kubeconfig" admin
kubeconfig_for "$run/controller-manager.kubeconfig" controller-manager
kubeconfig_for "$run/scheduler.kubeconfig" scheduler

# ---- processes -----------------------------------------------------------------------------
# each in its own session (setsid) so it outlives this script, the shell and the test runner
launch() { # <name> <binary> <args...>
  local name="$1"
  shift
  # 8>&-: do not inherit the lock's descriptor, or the lock would stay held for their lifetime
  setsid "$@" </dev/null >"$run/logs/$name.log" 2>&1 8>&- &
  echo "$name $! $1" >>"$pids_file"
}
pid_of() { awk -v n="$1" '$1 == n { print $2 }' "$pids_file"; }
alive() { kill -0 "$(pid_of "$1")" 2>/dev/null || tb_die "$1 exited; see $run/logs/$1.log"; }
wait_for() { # <what> <timeout s> <process that must stay alive> <command...>
  local what="$1" timeout="$2" proc="$3" t0=$SECONDS
  shift 3
  until "$@" >/dev/null 2>&1; do
    [ -z "$proc" ] || alive "$proc"
    [ $((SECONDS - t0)) -lt "$timeout" ] || tb_die "timed out after ${timeout}s waiting for $what"
    sleep 0.3
  done
  tb_log "$what ($((SECONDS - t0)) s)"
}
k() { "$kubectl" --kubeconfig "$kubeconfig" "$@"; }

launch etcd "$etcd_bin" \
  --name=testbed --data-dir="$run/etcd" \
  --listen-client-urls="http://127.0.0.1:$p_etcd" --advertise-client-urls="http://127.0.0.1:$p_etcd" \
  --listen-peer-urls="http://127.0.0.1:$p_etcd_peer" \
  --initial-advertise-peer-urls="http://127.0.0.1:$p_etcd_peer" \
  --initial-cluster="testbed=http://127.0.0.1:$p_etcd_peer" \
  --unsafe-no-fsync --log-level=warn --quota-backend-bytes=2147483648

# Audit log of the stores backend's identity only (the ServiceAccount scripts/testbed-identities
# makes from the stores-portal chart), at Metadata level: one line per request it makes, so a
# benchmark can count exactly its API requests (each token's JTI is in the line). Every other
# client (the controllers, kwok, the admin) is left out, so the log stays small.
audit_log="$run/audit.log"
cat >"$run/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: ["system:serviceaccount:stores-portal:stores-portal"]
  - level: None
EOF

launch kube-apiserver "$apiserver_bin" \
  --etcd-servers="http://127.0.0.1:$p_etcd" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$p_api" \
  --cert-dir="$run/apiserver" \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --service-cluster-ip-range="$service_cidr" \
  --requestheader-client-ca-file="$pki/front-proxy-ca.crt" \
  --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$pki/front-proxy-client.crt" \
  --proxy-client-key-file="$pki/front-proxy-client.key" \
  --authorization-mode=Node,RBAC --allow-privileged=true \
  --endpoint-reconciler-type=none --profiling=false \
  --audit-policy-file="$run/audit-policy.yaml" --audit-log-path="$audit_log" \
  --audit-log-format=json --audit-log-maxsize=100 --audit-log-maxbackup=1

wait_for "kube-apiserver /readyz on $api_url" 120 kube-apiserver k get --raw /readyz

launch kube-controller-manager "$kcm_bin" \
  --kubeconfig="$run/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$run/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$run/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$p_kcm" --cert-dir="$run/controller-manager" \
  --root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/sa.key" \
  --use-service-account-credentials=true \
  --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
  --service-cluster-ip-range="$service_cidr" \
  --leader-elect=false --profiling=false

launch kube-scheduler "$sched_bin" \
  --kubeconfig="$run/scheduler.kubeconfig" \
  --authentication-kubeconfig="$run/scheduler.kubeconfig" \
  --authorization-kubeconfig="$run/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$p_sched" \
  --leader-elect=false --profiling=false

# kwok: the stages kwokctl uses by default (node initialise + heartbeat with lease; pod ready,
# complete, delete) plus the volume stages, which provision a hostPath PV for every claim of
# the "standard" storage class (the module's stages call the class "kwok-volume"), plus the
# test bed's own fault stages (../stages/faults.yaml), which pod-ready leaves alone.
stages="$kwok_dir/stages"
fault_annotation='testbed.stores.backstage.io/fault'
# (no KwokConfiguration document: with one in the file, kwok skips its defaults and fails)
{
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml \
    volume/fast/pvc-provision.yaml volume/fast/pv-bind.yaml volume/fast/pv-delete.yaml \
    volume/fast/pvc-delete.yaml; do
    [ -f "$stages/$f" ] || tb_die "kwok stage $f missing in $stages (rebuild: rm -rf $kwok_dir)"
    echo "---"
    if [ "$f" = pod/fast/pod-ready.yaml ]; then
      sed "/^    matchExpressions:\$/a\\    - key: '.metadata.annotations[\"$fault_annotation\"]'\\n      operator: 'DoesNotExist'" "$stages/$f"
    else
      sed "s/'kwok-volume'/'standard'/g" "$stages/$f"
    fi
  done
  echo "---"
  cat "$tb_scripts/../stages/faults.yaml"
  # slow-ready: kwok's pod-ready, for the pods that ask for it, 4 s late
  echo "---"
  sed -e "s/^  name: pod-ready\$/  name: testbed-fault-slow-ready/" \
    -e "/^    matchExpressions:\$/a\\    - key: '.metadata.annotations[\"$fault_annotation\"]'\\n      operator: 'In'\\n      values: ['slow-ready']" \
    -e "s/^  next:\$/  delay:\\n    durationMilliseconds: 4000\\n  next:/" \
    "$stages/pod/fast/pod-ready.yaml"
} >"$run/kwok.yaml"

launch kwok "$kwok_bin" \
  --kubeconfig="$kubeconfig" --config="$run/kwok.yaml" \
  --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --node-lease-duration-seconds=40 \
  --cidr=10.244.0.0/16 --node-ip=10.0.0.10 \
  --server-address="127.0.0.1:$p_kwok"

# ---- cluster objects -----------------------------------------------------------------------
k apply -f - >/dev/null <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kwok.x-k8s.io/volume
reclaimPolicy: Delete
volumeBindingMode: Immediate
allowVolumeExpansion: true
EOF

nodes="${STORES_TESTBED_NODES:-1}"
for i in $(seq 0 $((nodes - 1))); do
  k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-$i
    node-role.kubernetes.io/worker: ""
    type: kwok
status:
  allocatable: {cpu: "64", memory: 256Gi, pods: "1000", ephemeral-storage: 1Ti}
  capacity: {cpu: "64", memory: 256Gi, pods: "1000", ephemeral-storage: 1Ti}
EOF
done

wait_for "ServiceAccount default/default" 120 kube-controller-manager \
  k -n default get serviceaccount default
wait_for "$nodes fake node(s) Ready" 120 kwok \
  k wait --for=condition=Ready node -l type=kwok --timeout=2s
for p in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do alive "$p"; done

# ---- state ---------------------------------------------------------------------------------
TB_KUBECONFIG="$kubeconfig" TB_API_URL="$api_url" TB_RUN="$run" TB_PIDS="$pids_file" TB_AUDIT="$audit_log" \
  TB_PORTS="$p_etcd $p_etcd_peer $p_api $p_kcm $p_sched $p_kwok" \
  TB_KUBECTL="$kubectl" TB_HELM3="$helm3" TB_HELM4="$helm4" \
  node - "$tb_state" "$tb_env" <<'EOF'
const fs = require("fs");
const path = require("path");
const [state, env] = process.argv.slice(2);
const e = process.env;
const pids = {};
const binaries = { kubectl: e.TB_KUBECTL, helm3: e.TB_HELM3, helm4: e.TB_HELM4 };
for (const line of fs.readFileSync(e.TB_PIDS, "utf8").trim().split("\n")) {
  const [name, pid, ...bin] = line.split(" ");
  pids[name] = Number(pid);
  binaries[name] = bin.join(" ");
}
const [etcd, etcdPeer, apiserver, controllerManager, scheduler, kwok] = e.TB_PORTS.split(" ").map(Number);
const s = {
  kubeconfig: e.TB_KUBECONFIG,
  apiserverUrl: e.TB_API_URL,
  runDir: e.TB_RUN,
  logsDir: path.join(e.TB_RUN, "logs"),
  auditLog: e.TB_AUDIT,
  startedAt: new Date().toISOString(),
  ports: { etcd, etcdPeer, apiserver, controllerManager, scheduler, kwok },
  pids,
  binaries,
};
fs.writeFileSync(state + ".tmp", JSON.stringify(s, null, 2) + "\n");
fs.renameSync(state + ".tmp", state);
const q = (v) => "'" + v.replace(/'/g, "'\\''") + "'";
fs.writeFileSync(env, [
  "export KUBECONFIG=" + q(s.kubeconfig),
  "export STORES_TESTBED_KUBECTL=" + q(binaries.kubectl),
  "export STORES_TESTBED_HELM3=" + q(binaries.helm3),
  "export STORES_TESTBED_HELM4=" + q(binaries.helm4),
  "",
].join("\n"));
EOF

rm -f "$tb_starting"
trap - EXIT INT TERM HUP
tb_log "ready in $((SECONDS - started)) s: $api_url"
tb_log "state: $tb_state ; env: source $tb_env ; logs: $run/logs"
