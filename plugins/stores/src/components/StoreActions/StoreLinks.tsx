import { Link } from '@backstage/core-components';
import { Box, Typography } from '@material-ui/core';
import { Store } from '@stores-for-backstage/plugin-stores-common';

/** Links to a store's storefront and admin, opening in a new tab. */
export function StoreLinks(props: {
  store: Pick<Store, 'name' | 'storefrontUrl' | 'adminUrl'>;
}) {
  const { store } = props;
  if (!store.storefrontUrl && !store.adminUrl) {
    return (
      <Typography variant="body2" color="textSecondary">
        None yet
      </Typography>
    );
  }
  return (
    <Box display="flex" flexWrap="wrap" style={{ gap: 12 }}>
      {store.storefrontUrl && (
        <Link
          to={store.storefrontUrl}
          target="_blank"
          rel="noopener noreferrer"
          aria-label={`Storefront of ${store.name} (opens in a new tab)`}
        >
          Storefront
        </Link>
      )}
      {store.adminUrl && (
        <Link
          to={store.adminUrl}
          target="_blank"
          rel="noopener noreferrer"
          aria-label={`Admin of ${store.name} (opens in a new tab)`}
        >
          Admin
        </Link>
      )}
    </Box>
  );
}
