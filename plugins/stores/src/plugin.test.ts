import {
  EntityStoreCard,
  EntityStoreContent,
  StoresPage,
  storesPlugin,
} from './plugin';

describe('stores plugin', () => {
  it('provides the stores API and its extensions', () => {
    expect(storesPlugin.getId()).toBe('stores');
    const apiIds = Array.from(storesPlugin.getApis(), f => f.api.id);
    expect(apiIds).toContain('plugin.stores.service');
    expect(StoresPage).toBeDefined();
    expect(EntityStoreContent).toBeDefined();
    expect(EntityStoreCard).toBeDefined();
  });
});
