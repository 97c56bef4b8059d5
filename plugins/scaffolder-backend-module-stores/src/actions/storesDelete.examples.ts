import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import * as yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Ask for the deletion of a store and end the step at once; the stores backend tears it down in the background',
    example: yaml.stringify({
      steps: [
        {
          id: 'delete',
          action: 'stores:delete',
          name: 'Delete store',
          input: {
            name: 'my-shop',
          },
        },
      ],
    }),
  },
  {
    description:
      'Delete a store and wait up to 15 minutes until its release and namespace are gone',
    example: yaml.stringify({
      steps: [
        {
          id: 'delete',
          action: 'stores:delete',
          name: 'Delete store',
          input: {
            name: 'my-shop',
            wait: true,
            timeoutMinutes: 15,
          },
        },
      ],
    }),
  },
];
