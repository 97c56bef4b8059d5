import {
  KubernetesObject,
  V1Deployment,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { STORE_ANNOTATION } from '@stores-for-backstage/plugin-stores-common';

/** Helm's label naming the release an object belongs to. */
export const RELEASE_LABEL = 'app.kubernetes.io/instance';
/**
 * The label every object, pod template and volume claim template of an engine's chart
 * carries (`stores.backstage.io/store=<name>`): the stores backend watches a store's
 * objects across namespaces by it.
 */
export const STORE_OBJECT_LABEL = STORE_ANNOTATION;

/** How far a release's workloads are. */
export interface WorkloadStatus {
  ready: boolean;
  total: number;
  /** Workloads not yet available, e.g. `statefulset/shop-mysql 0/1`. */
  pending: string[];
}

/** The Deployments and StatefulSets of one release. */
export interface ReleaseWorkloads {
  deployments: V1Deployment[];
  statefulSets: V1StatefulSet[];
}

const nameOf = (kind: string, object: KubernetesObject) =>
  `${kind}/${object.metadata?.name}`;

/**
 * The generation helm left each workload at, by `deployment/<name>`: a watched copy
 * counts only once it is at least this new, so a copy from before helm's last change
 * is not taken for the release's answer.
 */
export function generations(workloads: ReleaseWorkloads): Map<string, number> {
  return new Map([
    ...workloads.deployments.map(
      d => [nameOf('deployment', d), d.metadata?.generation ?? 0] as const,
    ),
    ...workloads.statefulSets.map(
      s => [nameOf('statefulset', s), s.metadata?.generation ?? 0] as const,
    ),
  ]);
}

/**
 * The workloads, pod templates and volume claim templates without the store label:
 * the watch would never see them (or their pods, or their claims).
 */
export function unlabelled(workloads: ReleaseWorkloads): string[] {
  const hasLabel = (labels?: Record<string, string>) =>
    Boolean(labels?.[STORE_OBJECT_LABEL]);
  const missing: string[] = [];
  const check = (
    name: string,
    object: KubernetesObject,
    templates: Array<{ labels?: Record<string, string> } | undefined>,
  ) => {
    if (!hasLabel(object.metadata?.labels)) missing.push(name);
    else if (!templates.every(t => hasLabel(t?.labels))) {
      missing.push(`the templates of ${name}`);
    }
  };
  for (const d of workloads.deployments) {
    check(nameOf('deployment', d), d, [d.spec?.template.metadata]);
  }
  for (const s of workloads.statefulSets) {
    check(nameOf('statefulset', s), s, [
      s.spec?.template.metadata,
      ...(s.spec?.volumeClaimTemplates ?? []).map(t => t.metadata),
    ]);
  }
  return missing;
}

/**
 * Whether every Deployment and StatefulSet of the release is available. `atLeast`
 * holds the generation helm left each at (see `generations`): one not seen yet, or
 * seen older, is pending.
 */
export function workloadStatus(
  workloads: ReleaseWorkloads,
  atLeast: Map<string, number> = new Map(),
): WorkloadStatus {
  const pending: string[] = [];
  const seen = new Set<string>();
  const current = (name: string, object: V1Deployment | V1StatefulSet) => {
    seen.add(name);
    const generation = object.metadata?.generation ?? 0;
    return (
      (object.status?.observedGeneration ?? 0) >= generation &&
      generation >= (atLeast.get(name) ?? 0)
    );
  };
  for (const d of workloads.deployments) {
    const name = nameOf('deployment', d);
    const want = d.spec?.replicas ?? 1;
    const have = d.status?.availableReplicas ?? 0;
    if (
      !current(name, d) ||
      have < want ||
      (d.status?.updatedReplicas ?? 0) < want
    ) {
      pending.push(`${name} ${have}/${want}`);
    }
  }
  for (const s of workloads.statefulSets) {
    const name = nameOf('statefulset', s);
    const want = s.spec?.replicas ?? 1;
    const have = s.status?.availableReplicas ?? s.status?.readyReplicas ?? 0;
    if (!current(name, s) || have < want) {
      pending.push(`${name} ${have}/${want}`);
    }
  }
  const unseen = [...atLeast.keys()].filter(name => !seen.has(name));
  pending.push(...unseen.map(name => `${name} not seen yet`));
  const total = seen.size + unseen.length;
  return { ready: total > 0 && pending.length === 0, total, pending };
}
