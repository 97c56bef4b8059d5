import { InputError } from '@backstage/errors';
import { decodeCursor, encodeCursor } from './cursors';

describe('list cursors', () => {
  it('decode to the offset they were made from', () => {
    expect(decodeCursor(encodeCursor(0))).toBe(0);
    expect(decodeCursor(encodeCursor(150))).toBe(150);
  });

  it.each([
    ['garbage', 'garbage'],
    ['a negative offset', Buffer.from('{"offset":-1}').toString('base64url')],
    [
      'a fractional offset',
      Buffer.from('{"offset":1.5}').toString('base64url'),
    ],
    ['no offset', Buffer.from('{}').toString('base64url')],
  ])('refuse %s', (_, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(InputError);
  });
});
