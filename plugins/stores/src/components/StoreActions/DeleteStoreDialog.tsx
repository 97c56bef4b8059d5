import {
  Button,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  TextField,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useApi } from '@backstage/core-plugin-api';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { storesApiRef } from '../../api';

export interface DeleteStoreDialogProps {
  /** The store to delete; the dialog is open while there is one. */
  store?: Store;
  onClose: () => void;
  /** Called with the store in status `deleting` once the backend accepted. */
  onDeleted?: (store: Store) => void;
}

/**
 * Asks to confirm a delete by typing the store's name: deleting a store
 * removes its namespace with the database, and can't be undone.
 */
export function DeleteStoreDialog(props: DeleteStoreDialogProps) {
  const { store, onClose } = props;
  return (
    <Dialog
      open={Boolean(store)}
      onClose={onClose}
      aria-labelledby="delete-store-dialog-title"
      aria-describedby="delete-store-dialog-description"
      maxWidth="sm"
      fullWidth
    >
      {/* Keyed so that each store starts with an empty confirmation. */}
      {store && <DeleteStoreForm key={store.id} {...props} store={store} />}
    </Dialog>
  );
}

function DeleteStoreForm(props: DeleteStoreDialogProps & { store: Store }) {
  const { store, onClose, onDeleted } = props;
  const storesApi = useApi(storesApiRef);
  const [confirmation, setConfirmation] = useState('');
  const [{ loading, error }, deleteStore] = useAsyncFn(async () => {
    // The store's status, now "deleting", tells that this worked; no toast needed.
    const deleting = await storesApi.deleteStore(store.name);
    onDeleted?.(deleting);
    onClose();
  }, [storesApi, store.name, onDeleted, onClose]);
  const confirmed = confirmation.trim() === store.name;

  return (
    <form
      onSubmit={event => {
        event.preventDefault();
        if (confirmed && !loading) deleteStore();
      }}
    >
      <DialogTitle id="delete-store-dialog-title">
        Delete store {store.name}?
      </DialogTitle>
      <DialogContent>
        <DialogContentText id="delete-store-dialog-description">
          This uninstalls the store's release and deletes the namespace{' '}
          <code>{store.namespace}</code> with everything in it: the database,
          uploaded files and orders. It can't be undone.
        </DialogContentText>
        <TextField
          id="delete-store-confirmation"
          // The dialog's one task starts here (WAI-ARIA dialog pattern).
          // eslint-disable-next-line jsx-a11y/no-autofocus
          autoFocus
          fullWidth
          variant="outlined"
          margin="dense"
          label={`Type ${store.name} to confirm`}
          value={confirmation}
          onChange={event => setConfirmation(event.target.value)}
          disabled={loading}
          inputProps={{ autoComplete: 'off', spellCheck: false }}
        />
        {error && (
          <Alert severity="error" role="alert">
            Could not delete the store: {error.message}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={loading}>
          Cancel
        </Button>
        <Button
          type="submit"
          variant="contained"
          color="secondary"
          disabled={!confirmed || loading}
          startIcon={loading ? <CircularProgress size={16} /> : undefined}
        >
          Delete store
        </Button>
      </DialogActions>
    </form>
  );
}
