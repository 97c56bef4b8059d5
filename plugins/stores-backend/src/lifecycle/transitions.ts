import {
  canTransition,
  StoreStatus,
} from '@stores-for-backstage/plugin-stores-common';

/** Thrown for a status change the lifecycle (stores-common's table) does not allow. */
export class IllegalTransitionError extends Error {
  name = 'IllegalTransitionError';
  constructor(readonly from: StoreStatus, readonly to: StoreStatus) {
    super(`A store cannot go from '${from}' to '${to}'`);
  }
}

export function assertTransition(from: StoreStatus, to: StoreStatus): void {
  if (!canTransition(from, to)) {
    throw new IllegalTransitionError(from, to);
  }
}
