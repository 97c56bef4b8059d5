import {
  STORE_STATUSES,
  StoreStatus,
} from '@stores-for-backstage/plugin-stores-common';

/** The owner filter value that stands for the signed-in user and their groups. */
export const OWNER_MINE = 'mine';

/** The list's filters, kept in the URL so that a filtered list can be shared. */
export interface StoreListFilters {
  status: StoreStatus[];
  engine?: string;
  /** `mine`, or an owner's entity ref. */
  owner?: string;
}

export function parseFilters(params: URLSearchParams): StoreListFilters {
  const status = (params.get('status') ?? '')
    .split(',')
    .filter((s): s is StoreStatus => STORE_STATUSES.includes(s as StoreStatus));
  return {
    status,
    engine: params.get('engine') || undefined,
    owner: params.get('owner') || undefined,
  };
}

export function filtersToParams(filters: StoreListFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.status.length) params.set('status', filters.status.join(','));
  if (filters.engine) params.set('engine', filters.engine);
  if (filters.owner) params.set('owner', filters.owner);
  return params;
}

export function hasFilters(filters: StoreListFilters): boolean {
  return Boolean(filters.status.length || filters.engine || filters.owner);
}
