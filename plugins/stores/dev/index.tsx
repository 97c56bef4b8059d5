import { createDevApp } from '@backstage/dev-utils';
import { storesPlugin, StoresPage } from '../src/plugin';

// Serves the stores pages on their own; they talk to the backend of `yarn start`.
createDevApp()
  .registerPlugin(storesPlugin)
  .addPage({
    element: <StoresPage />,
    title: 'Stores',
    path: '/stores',
  })
  .render();
