import { Button, IconButton, Tooltip } from '@material-ui/core';
import DeleteIcon from '@material-ui/icons/DeleteOutline';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  canDelete,
  Store,
  storeDeletePermission,
} from '@stores-for-backstage/plugin-stores-common';

export interface DeleteStoreButtonProps {
  store: Store;
  onClick: (store: Store) => void;
  variant?: 'icon' | 'button';
}

/**
 * Starts deleting a store. Shown only when the caller may delete this store
 * and the store is not already going away.
 */
export function DeleteStoreButton(props: DeleteStoreButtonProps) {
  const { store, onClick, variant = 'icon' } = props;
  const { allowed } = usePermission({
    permission: storeDeletePermission,
    resourceRef: store.id,
  });
  if (!allowed || !canDelete(store.status)) {
    return null;
  }
  if (variant === 'button') {
    return (
      <Button
        variant="outlined"
        color="secondary"
        startIcon={<DeleteIcon />}
        onClick={() => onClick(store)}
      >
        Delete store
      </Button>
    );
  }
  const label = `Delete store ${store.name}`;
  return (
    <Tooltip title={label}>
      <IconButton
        aria-label={label}
        size="small"
        onClick={() => onClick(store)}
      >
        <DeleteIcon />
      </IconButton>
    </Tooltip>
  );
}
