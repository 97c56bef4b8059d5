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
        <NewTabLink
          to={store.storefrontUrl}
          label="Storefront"
          storeName={store.name}
        />
      )}
      {store.adminUrl && (
        <NewTabLink to={store.adminUrl} label="Admin" storeName={store.name} />
      )}
    </Box>
  );
}

/** A link that opens in a new tab and says so to screen readers. */
function NewTabLink(props: { to: string; label: string; storeName: string }) {
  const { to, label, storeName } = props;
  return (
    <Link
      to={to}
      target="_blank"
      rel="noopener noreferrer"
      aria-label={`${label} of ${storeName} (opens in a new tab)`}
    >
      {label}
    </Link>
  );
}
