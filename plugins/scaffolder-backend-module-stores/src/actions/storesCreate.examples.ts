import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import * as yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Create a WooCommerce store owned by the user who runs the template',
    example: yaml.stringify({
      steps: [
        {
          id: 'create',
          action: 'stores:create',
          name: 'Create store',
          input: {
            name: 'my-shop',
            engine: 'woocommerce',
          },
        },
      ],
    }),
  },
  {
    description:
      'Create a medium Medusa store owned by a team, in a chosen cluster',
    example: yaml.stringify({
      steps: [
        {
          id: 'create',
          action: 'stores:create',
          name: 'Create store',
          input: {
            name: 'team-shop',
            engine: 'medusa',
            owner: 'group:default/team-a',
            plan: 'medium',
            cluster: 'eu-1',
          },
        },
      ],
    }),
  },
  {
    description: 'Create a store and wait until it is ready',
    example: yaml.stringify({
      steps: [
        {
          id: 'create',
          action: 'stores:create',
          name: 'Create store',
          input: {
            name: 'my-shop',
            engine: 'woocommerce',
            plan: 'small',
          },
        },
        {
          id: 'wait',
          action: 'stores:wait',
          name: 'Wait until the store is ready',
          input: {
            name: '${{ steps.create.output.name }}',
          },
        },
      ],
    }),
  },
];
