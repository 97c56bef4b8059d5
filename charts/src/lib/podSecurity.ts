/*
 * The Pod Security Standards "restricted" profile (which includes "baseline"), as the
 * kube-apiserver's PodSecurity admission enforces it at version "latest", checked on a pod spec,
 * so a render test can name the template and field that would be refused. The install tests
 * prove the same against the real admission plugin on the test bed.
 */
import { K8sObject } from './helm';

/**
 * The Pod Security labels of every store namespace; the stores backend sets the same
 * (POD_SECURITY_LABELS in plugins/stores-backend/src/provisioning/StoreCluster.ts).
 */
export const STORE_NAMESPACE_POD_SECURITY: Record<string, string> = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
};

/** volume types the restricted profile allows */
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** sysctls the baseline profile allows (the kubelet's "safe" set) */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

const SELINUX_TYPES = new Set([
  '',
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t',
]);

const SECCOMP_ALLOWED = new Set(['RuntimeDefault', 'Localhost']);

/** every container of a pod spec, with what it is */
export function containersOf(
  spec: K8sObject,
): { kind: 'init' | 'main' | 'ephemeral'; c: K8sObject }[] {
  return [
    ...(spec.initContainers ?? []).map((c: K8sObject) => ({
      kind: 'init' as const,
      c,
    })),
    ...(spec.containers ?? []).map((c: K8sObject) => ({
      kind: 'main' as const,
      c,
    })),
    ...(spec.ephemeralContainers ?? []).map((c: K8sObject) => ({
      kind: 'ephemeral' as const,
      c,
    })),
  ];
}

/**
 * What the restricted profile would refuse in a pod (spec plus metadata for the AppArmor
 * annotations), one message per violation; empty when the pod is admitted.
 */
export function restrictedViolations(
  spec: K8sObject,
  metadata: K8sObject = {},
): string[] {
  const out: string[] = [];
  const psc = spec.securityContext ?? {};

  // baseline
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[f]) out.push(`pod: ${f} must not be true`);
  }
  if (psc.windowsOptions?.hostProcess) out.push('pod: hostProcess');
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find(k => k !== 'name');
    if (!type || !RESTRICTED_VOLUMES.has(type)) {
      out.push(`volume ${v.name}: type ${type} is not allowed`);
    }
  }
  for (const s of psc.sysctls ?? []) {
    if (!SAFE_SYSCTLS.has(s.name)) out.push(`pod: sysctl ${s.name}`);
  }
  const seLinux = (where: string, o?: K8sObject) => {
    if (!o) return;
    if (!SELINUX_TYPES.has(o.type ?? '')) out.push(`${where}: seLinux type`);
    if (o.user || o.role) out.push(`${where}: seLinux user/role`);
  };
  seLinux('pod', psc.seLinuxOptions);
  if (psc.appArmorProfile?.type === 'Unconfined') {
    out.push('pod: appArmorProfile Unconfined');
  }
  for (const [k, v] of Object.entries<string>(metadata.annotations ?? {})) {
    if (
      k.startsWith('container.apparmor.security.beta.kubernetes.io/') &&
      v === 'unconfined'
    ) {
      out.push(`pod: ${k}=unconfined`);
    }
  }

  // restricted, pod level
  if (psc.runAsUser === 0) out.push('pod: runAsUser 0');
  const podSeccomp = psc.seccompProfile?.type;
  if (podSeccomp !== undefined && !SECCOMP_ALLOWED.has(podSeccomp)) {
    out.push(`pod: seccompProfile ${podSeccomp}`);
  }

  for (const { kind, c } of containersOf(spec)) {
    const where = `${kind} container ${c.name}`;
    const sc = c.securityContext ?? {};
    if (sc.privileged) out.push(`${where}: privileged`);
    if (sc.windowsOptions?.hostProcess) out.push(`${where}: hostProcess`);
    if (sc.procMount && sc.procMount !== 'Default') {
      out.push(`${where}: procMount ${sc.procMount}`);
    }
    seLinux(where, sc.seLinuxOptions);
    if (sc.appArmorProfile?.type === 'Unconfined') {
      out.push(`${where}: appArmorProfile Unconfined`);
    }
    for (const p of c.ports ?? []) {
      if (p.hostPort) out.push(`${where}: hostPort ${p.hostPort}`);
    }
    if (sc.allowPrivilegeEscalation !== false) {
      out.push(`${where}: allowPrivilegeEscalation must be false`);
    }
    const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    if (nonRoot !== true) out.push(`${where}: runAsNonRoot must be true`);
    if (sc.runAsUser === 0) out.push(`${where}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (!SECCOMP_ALLOWED.has(seccomp)) {
      out.push(`${where}: seccompProfile must be RuntimeDefault or Localhost`);
    }
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) out.push(`${where}: capabilities must drop ALL`);
    for (const cap of sc.capabilities?.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE') out.push(`${where}: adds ${cap}`);
    }
  }
  return out;
}
