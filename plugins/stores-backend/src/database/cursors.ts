import { InputError } from '@backstage/errors';

/** The opaque cursor of the list page that starts at `offset`. */
export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');
}

/** The offset a cursor from {@link encodeCursor} stands for; anything else is an InputError. */
export function decodeCursor(cursor: string): number {
  try {
    const { offset } = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    );
    if (Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through to the error below
  }
  throw new InputError(
    'Invalid cursor; pass the nextCursor of a previous page',
  );
}
