import {
  STORE_NAME_MAX_LENGTH,
  storeNamespace,
  validateStoreName,
} from './storeName';

describe('validateStoreName', () => {
  it.each([
    'shop',
    'my-shop-2',
    'a',
    'a'.repeat(STORE_NAME_MAX_LENGTH),
    'abc--d',
    'a--b',
  ])('accepts %s', name => {
    expect(validateStoreName(name)).toBeUndefined();
  });

  it.each([
    ['', /required/],
    [undefined, /required/],
    ['My-Shop', /lowercase/],
    ['1shop', /start with a letter/],
    ['shop-', /end with a letter or digit/],
    ['shop_1', /lowercase letters, digits and hyphens/],
    ['a'.repeat(STORE_NAME_MAX_LENGTH + 1), /at most 30 characters/],
    ['xn--80ak6aa92e', /must not have '--' as its third and fourth characters/],
    ['ab--c', /punycode/],
  ])('rejects %p', (name, message) => {
    expect(validateStoreName(name)).toMatch(message);
  });

  it('keeps the namespace a valid DNS label', () => {
    const ns = storeNamespace('a'.repeat(STORE_NAME_MAX_LENGTH));
    expect(ns.length).toBeLessThanOrEqual(63);
  });
});
