import {
  Content,
  ContentHeader,
  EmptyState,
  Header,
  LinkButton,
  Page,
  Progress,
  ResponseErrorPanel,
  SupportButton,
} from '@backstage/core-components';
import {
  identityApiRef,
  useApi,
  useRouteRef,
} from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import { Box, Button, Typography } from '@material-ui/core';
import AddIcon from '@material-ui/icons/Add';
import {
  Store,
  storeCreatePermission,
} from '@stores-for-backstage/plugin-stores-common';
import { useCallback, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { useEngines } from '../../hooks/useEngines';
import { useDelayedFlag } from '../../hooks/usePolling';
import { useStoreList } from '../../hooks/useStoreList';
import {
  CREATE_STORE_TEMPLATE,
  createStoreTemplateRouteRef,
} from '../../routes';
import { ClusterBanner } from '../ClusterBanner';
import { LoadError, RefreshError } from '../LoadError';
import { DeleteStoreDialog } from '../StoreActions';
import {
  filtersToParams,
  hasFilters,
  OWNER_MINE,
  parseFilters,
  StoreListFilters,
} from './filters';
import { StoreFilters } from './StoreFilters';
import { StoresTable } from './StoresTable';

/** The "Create store" button; shown when the app binds the template route and the caller may create stores. */
function CreateStoreButton() {
  const templateLink = useRouteRef(createStoreTemplateRouteRef);
  const { allowed } = usePermission({ permission: storeCreatePermission });
  if (!templateLink || !allowed) {
    return null;
  }
  return (
    <LinkButton
      to={templateLink(CREATE_STORE_TEMPLATE)}
      variant="contained"
      color="primary"
      startIcon={<AddIcon />}
    >
      Create store
    </LinkButton>
  );
}

/** The stores list, at `/stores`. */
export function StoreListPage() {
  return (
    <Page themeId="tool">
      <Header
        title="Stores"
        subtitle="WooCommerce and Medusa stores on Kubernetes, from request to ready"
      />
      <Content>
        <ContentHeader title="Stores">
          <CreateStoreButton />
          <SupportButton>
            Every store you can see, with its status. A store becomes ready a
            few minutes after it is requested; this page follows it without a
            reload. Open a store for its steps and timeline.
          </SupportButton>
        </ContentHeader>
        <ClusterBanner />
        <StoreList />
      </Content>
    </Page>
  );
}

/** The filters, the table and the delete dialog; usable on other pages too. */
export function StoreList() {
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = parseFilters(searchParams);
  const identityApi = useApi(identityApiRef);
  const identity = useAsync(
    () => identityApi.getBackstageIdentity(),
    [identityApi],
  );

  if (identity.loading) {
    return <Progress />;
  }
  const onFiltersChange = (next: StoreListFilters) =>
    setSearchParams(filtersToParams(next), { replace: true });
  let owner: string[] | undefined;
  if (filters.owner === OWNER_MINE) {
    owner = identity.value?.ownershipEntityRefs;
    if (!owner?.length) {
      // Without refs the backend would list everyone's stores as "mine".
      return (
        <>
          <ResponseErrorPanel
            title="Could not tell which stores are yours"
            error={
              identity.error ??
              new Error('Your sign-in names no user or group that owns things')
            }
          />
          <Box mt={2}>
            <Button
              variant="outlined"
              onClick={() => onFiltersChange({ ...filters, owner: undefined })}
            >
              Show stores of any owner
            </Button>
          </Box>
        </>
      );
    }
  } else if (filters.owner) {
    owner = [filters.owner];
  }
  return (
    <StoreListContent
      filters={filters}
      owner={owner}
      onFiltersChange={onFiltersChange}
    />
  );
}

function StoreListContent(props: {
  filters: StoreListFilters;
  /** The owner filter resolved to entity refs. */
  owner?: string[];
  onFiltersChange: (filters: StoreListFilters) => void;
}) {
  const { filters, owner, onFiltersChange } = props;
  const filterKey = JSON.stringify(filters);
  // "Load more" counts for the filters it was pressed for only.
  const [more, setMore] = useState({ filterKey, pages: 1 });
  const pages = more.filterKey === filterKey ? more.pages : 1;
  const { value, error, loading, reloading, refresh } = useStoreList(
    {
      status: filters.status,
      engine: filters.engine ? [filters.engine] : undefined,
      owner,
    },
    pages,
  );
  const slowReload = useDelayedFlag(reloading);
  const { engines, engineTitle } = useEngines();
  const [toDelete, setToDelete] = useState<Store>();
  const onDelete = useCallback((store: Store) => setToDelete(store), []);

  // Owners seen so far stay offered after the owner filter narrows the list.
  const seenOwners = useRef(new Set<string>());
  value?.items.forEach(store => seenOwners.current.add(store.owner));

  if (loading) {
    return <Progress />;
  }
  if (!value) {
    return (
      <LoadError
        title="Could not load the stores"
        error={error}
        onRetry={refresh}
      />
    );
  }

  const filtered = hasFilters(filters);
  const emptyContent = filtered ? (
    <Box p={3} textAlign="center">
      <Typography paragraph>No stores match these filters.</Typography>
      <Button
        variant="outlined"
        onClick={() => onFiltersChange({ status: [] })}
      >
        Clear filters
      </Button>
    </Box>
  ) : (
    // Others' stores may exist but be hidden (stores.visibility), so this never claims there are none.
    <EmptyState
      missing="content"
      title="No stores you can see"
      description="The list shows your stores and your groups' stores, and others' when the portal shares them. Create a WooCommerce or Medusa store with the Create store button: it shows up here within seconds and becomes ready in a few minutes."
      action={<CreateStoreButton />}
    />
  );

  return (
    <>
      <StoreFilters
        value={filters}
        onChange={onFiltersChange}
        engines={engines}
        owners={Array.from(seenOwners.current)}
      />
      {error && (
        <Box mb={2}>
          <RefreshError
            what="the stores"
            shownIn="list"
            error={error}
            onRetry={refresh}
          />
        </Box>
      )}
      <StoresTable
        title={`Stores (${value.totalCount})`}
        stores={value.items}
        engineTitle={engineTitle}
        onDelete={onDelete}
        emptyContent={emptyContent}
        isLoading={slowReload}
      />
      {value.hasMore && (
        <Box mt={2} display="flex" justifyContent="center">
          <Button
            variant="outlined"
            onClick={() => setMore({ filterKey, pages: pages + 1 })}
          >
            Load more stores
          </Button>
        </Box>
      )}
      <DeleteStoreDialog
        store={toDelete}
        onClose={() => setToDelete(undefined)}
        onDeleted={refresh}
      />
    </>
  );
}
