import { storesPlugin } from './plugin';

describe('stores', () => {
  it('should export plugin', () => {
    expect(storesPlugin).toBeDefined();
  });
});
