import { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  isAndCriteria,
  isNotCriteria,
  isOrCriteria,
} from '@backstage/plugin-permission-node';
import { StoreFilter } from '@stores-for-backstage/plugin-stores-node';
import { Knex } from 'knex';

/** Turns permission criteria into SQL conditions on the stores table. */
export function applyFilter(
  query: Knex.QueryBuilder,
  criteria: PermissionCriteria<StoreFilter>,
): void {
  if (isAndCriteria(criteria)) {
    query.where(q =>
      criteria.allOf.forEach(c => q.andWhere(s => applyFilter(s, c))),
    );
  } else if (isOrCriteria(criteria)) {
    query.where(q =>
      criteria.anyOf.forEach(c => q.orWhere(s => applyFilter(s, c))),
    );
  } else if (isNotCriteria(criteria)) {
    query.whereNot(q => applyFilter(q, criteria.not));
  } else {
    query.whereIn(
      criteria.property,
      criteria.values.length ? criteria.values : ['\u0000'],
    );
  }
}
