import { Content, Header, Page } from '@backstage/core-components';
import { useRouteRef, useRouteRefParams } from '@backstage/core-plugin-api';
import { rootRouteRef, storeRouteRef } from '../../routes';
import { StoreDetails } from '../StoreDetails';

/** The page of one store, at `/stores/:name`. */
export function StoreDetailPage() {
  const { name } = useRouteRefParams(storeRouteRef);
  const storesLink = useRouteRef(rootRouteRef);
  return (
    <Page themeId="tool">
      <Header title={name} type="Stores" typeLink={storesLink()} />
      <Content>
        {/* Keyed so that another store's page starts afresh instead of showing this one. */}
        <StoreDetails key={name} name={name} />
      </Content>
    </Page>
  );
}
