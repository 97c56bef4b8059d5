import { InputError } from '@backstage/errors';
import { validateStoreName } from '@stores-for-backstage/plugin-stores-common';

/** Fails the step on a name that cannot name a store, before the stores backend is asked. */
export function assertValidStoreName(name: string): void {
  const problem = validateStoreName(name);
  if (problem) {
    throw new InputError(problem);
  }
}
