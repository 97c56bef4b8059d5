import { Link, Table, TableColumn } from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { ReactNode, useMemo } from 'react';
import { STATUS_LABELS } from '../../lib/status';
import { storeRouteRef } from '../../routes';
import { DeleteStoreButton, StoreLinks } from '../StoreActions';
import { RelativeTime } from '../RelativeTime';
import { StoreStatusChip } from '../StoreStatusChip';

export interface StoresTableProps {
  stores: Store[];
  title: string;
  engineTitle: (id: string) => string;
  onDelete: (store: Store) => void;
  emptyContent: ReactNode;
  /** Shows the table's loading overlay, for slow reloads after a filter change. */
  isLoading?: boolean;
}

export function StoresTable(props: StoresTableProps) {
  const { stores, title, engineTitle, onDelete, emptyContent, isLoading } =
    props;
  const storeLink = useRouteRef(storeRouteRef);

  // Stable columns keep material-table's sort and search across polls.
  const columns = useMemo(
    (): TableColumn<Store>[] => [
      {
        title: 'Name',
        field: 'name',
        highlight: true,
        render: store => (
          <Link to={storeLink({ name: store.name })}>{store.name}</Link>
        ),
      },
      {
        title: 'Engine',
        field: 'engine',
        render: store => engineTitle(store.engine),
      },
      {
        title: 'Status',
        field: 'status',
        customSort: (a, b) =>
          STATUS_LABELS[a.status].localeCompare(STATUS_LABELS[b.status]),
        render: store => <StoreStatusChip store={store} />,
      },
      {
        title: 'Owner',
        field: 'owner',
        render: store => (
          <EntityRefLink entityRef={store.owner} defaultKind="group" />
        ),
      },
      {
        title: 'Links',
        sorting: false,
        searchable: false,
        render: store => <StoreLinks store={store} />,
      },
      {
        title: 'Created',
        field: 'createdAt',
        searchable: false,
        defaultSort: 'desc',
        customSort: (a, b) =>
          new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime(),
        render: store => <RelativeTime value={store.createdAt} />,
      },
      {
        title: 'Actions',
        sorting: false,
        searchable: false,
        width: '80px',
        render: store => <DeleteStoreButton store={store} onClick={onDelete} />,
      },
    ],
    [storeLink, engineTitle, onDelete],
  );

  return (
    <Table<Store>
      title={title}
      columns={columns}
      data={stores}
      isLoading={isLoading}
      emptyContent={emptyContent}
      options={{
        paging: false,
        search: true,
        padding: 'dense',
        draggable: false,
      }}
    />
  );
}
