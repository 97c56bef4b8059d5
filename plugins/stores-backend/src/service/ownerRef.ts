import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';

/** The longest owner entity ref; the owner column holds 255 characters. */
export const OWNER_REF_MAX_LENGTH = 255;

/** Entity refs compare in lower case, as identities give their ownership refs. */
export const lower = (ref: string) => ref.toLocaleLowerCase('en-US');

/** Checks an owner entity ref and returns it in the form stored; throws InputError. */
export function parseOwner(raw: string): string {
  const tooLong = `Owner must be an entity ref of at most ${OWNER_REF_MAX_LENGTH} characters`;
  if (raw.length > OWNER_REF_MAX_LENGTH) {
    throw new InputError(`${tooLong}, got ${raw.length}`);
  }
  let owner: string;
  try {
    const ref = parseEntityRef(raw, {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
    if (!['user', 'group'].includes(lower(ref.kind))) {
      throw new InputError(
        `Owner must be a user or a group, like group:default/shop-team; '${raw}' is a ${ref.kind}`,
      );
    }
    // Lower case like the ownership refs of identities, so owner checks match.
    owner = lower(stringifyEntityRef(ref));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`Invalid owner '${raw}': ${(error as Error).message}`);
  }
  if (owner.length > OWNER_REF_MAX_LENGTH) {
    throw new InputError(`${tooLong}, got ${owner.length} as ${owner}`);
  }
  return owner;
}
