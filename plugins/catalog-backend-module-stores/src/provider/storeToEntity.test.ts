import {
  FieldFormatEntityPolicy,
  componentEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { storeToEntity } from './storeToEntity';
import { makeStore } from '../__testUtils__/stores';

describe('storeToEntity', () => {
  it('maps a ready store to a Component the Kubernetes plugin can find', () => {
    expect(storeToEntity(makeStore(), 'StoresEntityProvider')).toEqual({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'shop',
        title: 'shop (WooCommerce)',
        description:
          'WooCommerce store on the small plan in cluster local, namespace store-shop. Status ready.',
        annotations: {
          'backstage.io/managed-by-location':
            'stores:StoresEntityProvider/shop',
          'backstage.io/managed-by-origin-location':
            'stores:StoresEntityProvider/shop',
          'stores.backstage.io/store': 'shop',
          'backstage.io/kubernetes-id': 'shop',
          'backstage.io/kubernetes-namespace': 'store-shop',
          'backstage.io/kubernetes-label-selector':
            'stores.backstage.io/store=shop',
        },
        labels: {
          'stores.backstage.io/engine': 'woocommerce',
          'stores.backstage.io/plan': 'small',
          'stores.backstage.io/status': 'ready',
        },
        tags: ['woocommerce'],
        links: [
          {
            url: 'http://shop.stores.example.test',
            title: 'Storefront',
            type: 'storefront',
          },
          {
            url: 'http://shop.stores.example.test/wp-admin',
            title: 'Admin',
            icon: 'dashboard',
            type: 'admin',
          },
        ],
      },
      spec: {
        type: 'store',
        lifecycle: 'production',
        owner: 'group:default/team-a',
      },
    });
  });

  it('keeps the failure detail out of what every catalog reader sees, and links it does not have', () => {
    const entity = storeToEntity(
      makeStore({
        name: 'cart',
        engine: 'medusa',
        namespace: 'store-cart',
        status: 'failed',
        statusReason: 'the storefront did not answer within 10 minutes',
        storefrontUrl: undefined,
        adminUrl: undefined,
      }),
      'StoresEntityProvider',
    );

    expect(entity.metadata.title).toBe('cart (Medusa)');
    expect(entity.metadata.description).toBe(
      'Medusa store on the small plan in cluster local, namespace store-cart. Status failed.',
    );
    expect(JSON.stringify(entity)).not.toContain('did not answer');
    expect(entity.metadata.links).toEqual([]);
    expect(entity.metadata.labels).toMatchObject({
      'stores.backstage.io/status': 'failed',
    });
  });

  it('shows an engine it does not know by its id and drops values a label or tag cannot hold', () => {
    const entity = storeToEntity(
      makeStore({ engine: 'saleor_v2' }),
      'StoresEntityProvider',
    );

    expect(entity.metadata.title).toBe('shop (Saleor_v2)');
    expect(entity.metadata.tags).toEqual([]);
    expect(entity.metadata.labels).toEqual({
      'stores.backstage.io/engine': 'saleor_v2',
      'stores.backstage.io/plan': 'small',
      'stores.backstage.io/status': 'ready',
    });

    const invalidLabel = storeToEntity(
      makeStore({ engine: 'not a label' }),
      'StoresEntityProvider',
    );
    expect(invalidLabel.metadata.labels).not.toHaveProperty(
      'stores.backstage.io/engine',
    );
  });

  it.each([
    ['a ready store', makeStore()],
    [
      'a failed store without links',
      makeStore({
        status: 'failed',
        statusReason: 'helm install failed',
        storefrontUrl: undefined,
        adminUrl: undefined,
      }),
    ],
    ['a store of an unknown engine', makeStore({ engine: 'not a label' })],
  ])('makes %s an entity the catalog accepts', async (_, store) => {
    const entity = storeToEntity(store, 'StoresEntityProvider');
    await expect(
      new FieldFormatEntityPolicy().enforce(entity),
    ).resolves.toBeDefined();
    await expect(componentEntityV1alpha1Validator.check(entity)).resolves.toBe(
      true,
    );
  });
});
