import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import * as yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Wait until a store is ready, writing its timeline to the task log',
    example: yaml.stringify({
      steps: [
        {
          id: 'wait',
          action: 'stores:wait',
          name: 'Wait until the store is ready',
          input: {
            name: 'my-shop',
          },
        },
      ],
    }),
  },
  {
    description: 'Wait at most 30 minutes, checking every 5 seconds',
    example: yaml.stringify({
      steps: [
        {
          id: 'wait',
          action: 'stores:wait',
          name: 'Wait until the store is ready',
          input: {
            name: 'my-shop',
            timeoutMinutes: 30,
            pollIntervalSeconds: 5,
          },
        },
      ],
    }),
  },
];
