// The store's initial data, what its first order needs: a sales channel with a publishable API
// key, a region with a currency, countries and the system payment provider (pay later), tax
// regions, a stock location that ships from a fulfillment set with a shipping option, and a
// published product with stock. The chart's migrations Job runs the compiled script once at
// install (`medusa exec ./src/scripts/seed.js`, values migrations.seed).
//
// Every step looks for what it would create first, so a Job retried after a failure half way
// finishes the seed instead of failing on duplicates.
import { ExecArgs } from '@medusajs/framework/types';
import {
  ContainerRegistrationKeys,
  Modules,
  ProductStatus,
} from '@medusajs/framework/utils';
import {
  createApiKeysWorkflow,
  createInventoryLevelsWorkflow,
  createProductsWorkflow,
  createRegionsWorkflow,
  createSalesChannelsWorkflow,
  createShippingOptionsWorkflow,
  createShippingProfilesWorkflow,
  createStockLocationsWorkflow,
  createTaxRegionsWorkflow,
  linkSalesChannelsToApiKeyWorkflow,
  linkSalesChannelsToStockLocationWorkflow,
  updateStoresWorkflow,
} from '@medusajs/medusa/core-flows';

const CURRENCY = 'eur';
const COUNTRIES = ['de', 'dk', 'fr', 'gb', 'se'];
const SALES_CHANNEL = 'Default Sales Channel';
const REGION = 'Europe';
const LOCATION = 'Main Warehouse';
const FULFILLMENT_SET = 'Main Warehouse delivery';
const SHIPPING_OPTION = 'Standard Shipping';
const PRODUCT_HANDLE = 't-shirt';
// the system payment provider: the order is placed now and paid later (cash on delivery)
const PAYMENT_PROVIDER = 'pp_system_default';
// the manual fulfillment provider that Medusa registers by default
const FULFILLMENT_PROVIDER = 'manual_manual';
const STOCK_PER_VARIANT = 1000;

export default async function seedStore({ container }: ExecArgs) {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER);
  const link = container.resolve(ContainerRegistrationKeys.LINK);
  const query = container.resolve(ContainerRegistrationKeys.QUERY);
  const stores = container.resolve(Modules.STORE);
  const salesChannels = container.resolve(Modules.SALES_CHANNEL);
  const regions = container.resolve(Modules.REGION);
  const taxes = container.resolve(Modules.TAX);
  const stockLocations = container.resolve(Modules.STOCK_LOCATION);
  const fulfillment = container.resolve(Modules.FULFILLMENT);
  const products = container.resolve(Modules.PRODUCT);

  logger.info('[seed] sales channel and store currency');
  let [salesChannel] = await salesChannels.listSalesChannels({
    name: SALES_CHANNEL,
  });
  if (!salesChannel) {
    const { result } = await createSalesChannelsWorkflow(container).run({
      input: { salesChannelsData: [{ name: SALES_CHANNEL }] },
    });
    salesChannel = result[0];
  }
  const [store] = await stores.listStores();
  await updateStoresWorkflow(container).run({
    input: {
      selector: { id: store.id },
      update: {
        supported_currencies: [{ currency_code: CURRENCY, is_default: true }],
        default_sales_channel_id: salesChannel.id,
      },
    },
  });

  logger.info('[seed] region and tax regions');
  let [region] = await regions.listRegions({ name: REGION });
  if (!region) {
    const { result } = await createRegionsWorkflow(container).run({
      input: {
        regions: [
          {
            name: REGION,
            currency_code: CURRENCY,
            countries: COUNTRIES,
            payment_providers: [PAYMENT_PROVIDER],
          },
        ],
      },
    });
    region = result[0];
  }
  const taxed = new Set(
    (await taxes.listTaxRegions({ country_code: COUNTRIES })).map(
      t => t.country_code,
    ),
  );
  const untaxed = COUNTRIES.filter(c => !taxed.has(c));
  if (untaxed.length) {
    await createTaxRegionsWorkflow(container).run({
      input: untaxed.map(country_code => ({
        country_code,
        provider_id: 'tp_system',
      })),
    });
  }

  logger.info('[seed] stock location, fulfillment set and shipping option');
  let [location] = await stockLocations.listStockLocations({ name: LOCATION });
  if (!location) {
    const { result } = await createStockLocationsWorkflow(container).run({
      input: {
        locations: [
          {
            name: LOCATION,
            address: { city: 'Copenhagen', country_code: 'DK', address_1: '' },
          },
        ],
      },
    });
    location = result[0];
    await link.create({
      [Modules.STOCK_LOCATION]: { stock_location_id: location.id },
      [Modules.FULFILLMENT]: { fulfillment_provider_id: FULFILLMENT_PROVIDER },
    });
  }
  await updateStoresWorkflow(container).run({
    input: {
      selector: { id: store.id },
      update: { default_location_id: location.id },
    },
  });
  await linkSalesChannelsToStockLocationWorkflow(container).run({
    input: { id: location.id, add: [salesChannel.id] },
  });

  let [shippingProfile] = await fulfillment.listShippingProfiles({
    type: 'default',
  });
  if (!shippingProfile) {
    const { result } = await createShippingProfilesWorkflow(container).run({
      input: { data: [{ name: 'Default Shipping Profile', type: 'default' }] },
    });
    shippingProfile = result[0];
  }

  let [fulfillmentSet] = await fulfillment.listFulfillmentSets(
    { name: FULFILLMENT_SET },
    { relations: ['service_zones'] },
  );
  if (!fulfillmentSet) {
    fulfillmentSet = await fulfillment.createFulfillmentSets({
      name: FULFILLMENT_SET,
      type: 'shipping',
      service_zones: [
        {
          name: REGION,
          geo_zones: COUNTRIES.map(country_code => ({
            country_code,
            type: 'country' as const,
          })),
        },
      ],
    });
    await link.create({
      [Modules.STOCK_LOCATION]: { stock_location_id: location.id },
      [Modules.FULFILLMENT]: { fulfillment_set_id: fulfillmentSet.id },
    });
  }

  const [shippingOption] = await fulfillment.listShippingOptions({
    name: SHIPPING_OPTION,
  });
  if (!shippingOption) {
    await createShippingOptionsWorkflow(container).run({
      input: [
        {
          name: SHIPPING_OPTION,
          price_type: 'flat',
          provider_id: FULFILLMENT_PROVIDER,
          service_zone_id: fulfillmentSet.service_zones[0].id,
          shipping_profile_id: shippingProfile.id,
          type: {
            label: 'Standard',
            description: 'Ships in 2-3 days.',
            code: 'standard',
          },
          prices: [
            { currency_code: CURRENCY, amount: 5 },
            { region_id: region.id, amount: 5 },
          ],
          rules: [
            { attribute: 'enabled_in_store', value: 'true', operator: 'eq' },
            { attribute: 'is_return', value: 'false', operator: 'eq' },
          ],
        },
      ],
    });
  }

  logger.info('[seed] publishable API key');
  const { data: keys } = await query.graph({
    entity: 'api_key',
    fields: ['id'],
    filters: { type: 'publishable' },
  });
  let apiKeyId: string | undefined = keys[0]?.id;
  if (!apiKeyId) {
    const { result } = await createApiKeysWorkflow(container).run({
      input: {
        api_keys: [{ title: 'Webshop', type: 'publishable', created_by: '' }],
      },
    });
    apiKeyId = result[0].id;
  }
  await linkSalesChannelsToApiKeyWorkflow(container).run({
    input: { id: apiKeyId, add: [salesChannel.id] },
  });

  logger.info('[seed] product and stock');
  const [product] = await products.listProducts({ handle: PRODUCT_HANDLE });
  if (!product) {
    await createProductsWorkflow(container).run({
      input: {
        products: [
          {
            title: 'Medusa T-Shirt',
            handle: PRODUCT_HANDLE,
            description: 'A cotton T-shirt.',
            weight: 400,
            status: ProductStatus.PUBLISHED,
            shipping_profile_id: shippingProfile.id,
            options: [{ title: 'Size', values: ['S', 'M', 'L'] }],
            variants: ['S', 'M', 'L'].map(size => ({
              title: size,
              sku: `SHIRT-${size}`,
              options: { Size: size },
              prices: [{ currency_code: CURRENCY, amount: 10 }],
            })),
            sales_channels: [{ id: salesChannel.id }],
          },
        ],
      },
    });
  }

  const { data: items } = await query.graph({
    entity: 'inventory_item',
    fields: ['id', 'location_levels.location_id'],
  });
  const unstocked = items.filter(
    item =>
      !(item.location_levels ?? []).some(
        level => level?.location_id === location.id,
      ),
  );
  if (unstocked.length) {
    await createInventoryLevelsWorkflow(container).run({
      input: {
        inventory_levels: unstocked.map(item => ({
          inventory_item_id: item.id,
          location_id: location.id,
          stocked_quantity: STOCK_PER_VARIANT,
        })),
      },
    });
  }

  logger.info('[seed] done');
}
