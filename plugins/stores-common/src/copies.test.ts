/*
 * The store name rule, the plans, the page sizes and the namespace prefix are
 * defined in this package. Files that cannot import it (the Create store
 * template, the engines' chart schemas and values, the portal chart, the
 * OpenAPI document) state them again; this test fails when a copy disagrees.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  STORE_NAME_MAX_LENGTH,
  STORE_NAME_PATTERN,
  STORE_NAMESPACE_PREFIX,
  validateStoreName,
} from './storeName';
import { STORE_PLANS, STORE_STATUSES, STORES_PAGE_SIZE } from './types';

const repo = path.resolve(__dirname, '../../..');

function read(file: string): any {
  const text = fs.readFileSync(path.join(repo, file), 'utf8');
  return file.endsWith('.json') ? JSON.parse(text) : parse(text);
}

const ENGINE_CHARTS = [
  'charts/woocommerce-store',
  'charts/medusa-store',
  'plugins/stores-backend-module-engine-static/chart',
];
const openapi = read('plugins/stores-backend/src/schema/openapi.yaml');
const schemas = openapi.components.schemas;
const template = read('templates/create-store/template.yaml');
const templateField = (name: string) =>
  template.spec.parameters.find((step: any) => step.properties?.[name])
    .properties[name];

describe('the store name rule', () => {
  const copies: Array<[string, { pattern: string; maxLength: number }]> = [
    ['the Create store template', templateField('name')],
    [
      'the OpenAPI CreateStoreRequest',
      schemas.CreateStoreRequest.properties.name,
    ],
    ...ENGINE_CHARTS.map(
      chart =>
        [
          `${chart} values.schema.json`,
          read(`${chart}/values.schema.json`).properties.store.properties.name,
        ] as [string, { pattern: string; maxLength: number }],
    ),
  ];

  it.each(copies)('in %s is the one in stores-common', (_where, copy) => {
    expect(copy.pattern).toBe(STORE_NAME_PATTERN.source);
    expect(copy.maxLength).toBe(STORE_NAME_MAX_LENGTH);
  });

  it('is what the template tells the person typing the name', () => {
    const name = templateField('name');
    expect(name['ui:help']).toContain(`at most ${STORE_NAME_MAX_LENGTH}`);
    expect(name.errorMessage.maxLength).toContain(`${STORE_NAME_MAX_LENGTH}`);
    // the pattern the form checks accepts what validateStoreName accepts
    for (const sample of ['a', 'spring-sale', 'a1', 'A', '1a', 'a-', 'a_b']) {
      expect(new RegExp(name.pattern).test(sample)).toBe(
        validateStoreName(sample) === undefined,
      );
    }
  });
});

describe('the plans', () => {
  const enums: Array<[string, string[]]> = [
    ['the OpenAPI StorePlan', schemas.StorePlan.enum],
    [
      'the Create store template',
      templateField('plan').oneOf.map((o: { const: string }) => o.const),
    ],
    ...ENGINE_CHARTS.flatMap(chart => {
      const schema = read(`${chart}/values.schema.json`);
      return [
        [`${chart} store.plan`, schema.properties.store.properties.plan.enum],
        [`${chart} plans (schema)`, schema.properties.plans.required],
        [
          `${chart} plans (values)`,
          Object.keys(read(`${chart}/values.yaml`).plans),
        ],
      ] as Array<[string, string[]]>;
    }),
  ];

  it.each(enums)('in %s are the ones in stores-common', (_where, plans) => {
    expect(plans).toEqual([...STORE_PLANS]);
  });

  it('default to the smallest', () => {
    expect(templateField('plan').default).toBe(STORE_PLANS[0]);
    expect(schemas.CreateStoreRequest.properties.plan.default).toBe(
      STORE_PLANS[0],
    );
  });
});

describe('the engines', () => {
  it("the template offers are the ones the portal's app-config sets up", () => {
    const offered = templateField('engine').oneOf.map(
      (o: { const: string }) => o.const,
    );
    const configured = Object.keys(read('app-config.yaml').stores.engines);
    expect([...offered].sort()).toEqual([...configured].sort());
  });
});

describe('the statuses', () => {
  it('in the OpenAPI document are the ones in stores-common', () => {
    expect(schemas.StoreStatus.enum).toEqual([...STORE_STATUSES]);
  });
});

describe('the page sizes of GET /stores', () => {
  it('in the OpenAPI document are the ones in stores-common', () => {
    const limit = openapi.paths['/stores'].get.parameters.find(
      (p: { name: string }) => p.name === 'limit',
    );
    expect(limit.schema).toMatchObject({
      minimum: 1,
      maximum: STORES_PAGE_SIZE.max,
      default: STORES_PAGE_SIZE.default,
    });
  });
});

describe('the namespace prefix', () => {
  it("is the one the portal chart's admission policy allows", () => {
    const values = read('charts/stores-portal/values.yaml');
    expect(values.rbac.storeNamespacePrefix).toBe(STORE_NAMESPACE_PREFIX);
  });

  it('is the one the template and the OpenAPI document name', () => {
    expect(templateField('name').description).toContain(
      `\`${STORE_NAMESPACE_PREFIX}NAME\``,
    );
    expect(schemas.Store.properties.name.description).toContain(
      `${STORE_NAMESPACE_PREFIX}<name>`,
    );
  });
});
