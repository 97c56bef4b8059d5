import { InfoCard } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { Grid, Typography } from '@material-ui/core';
import { makeStyles } from '@material-ui/core/styles';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { ReactNode } from 'react';
import { hasAdminCredentials } from '../../lib/status';
import { DeleteStoreButton } from '../StoreActions';
import { StoreCredentials } from '../StoreCredentials';
import { RelativeTime } from '../RelativeTime';
import { StoreStatusChip } from '../StoreStatusChip';
import { Link } from '@backstage/core-components';

const useStyles = makeStyles(theme => ({
  list: {
    margin: 0,
  },
  term: {
    color: theme.palette.text.secondary,
    fontWeight: theme.typography.fontWeightMedium as number,
  },
  definition: {
    margin: 0,
    wordBreak: 'break-word',
  },
}));

function Field(props: { term: string; children: ReactNode }) {
  const classes = useStyles();
  return (
    <>
      <Grid item xs={4} component="dt">
        <Typography variant="body2" className={classes.term}>
          {props.term}
        </Typography>
      </Grid>
      <Grid item xs={8} component="dd" className={classes.definition}>
        <Typography variant="body2" component="div">
          {props.children}
        </Typography>
      </Grid>
    </>
  );
}

function ExternalLink(props: { url?: string; label: string }) {
  if (!props.url) {
    return <>—</>;
  }
  return (
    <Link
      to={props.url}
      target="_blank"
      rel="noopener noreferrer"
      aria-label={`${props.label} (opens in a new tab)`}
    >
      {props.url}
    </Link>
  );
}

export interface StoreAboutCardProps {
  store: Store;
  engineTitle: string;
  onDelete: (store: Store) => void;
}

/** What a store is: where it runs, who owns it, how to reach it, when things happened. */
export function StoreAboutCard(props: StoreAboutCardProps) {
  const { store, engineTitle, onDelete } = props;
  const classes = useStyles();
  return (
    <InfoCard
      title="About"
      variant="gridItem"
      action={
        <DeleteStoreButton store={store} onClick={onDelete} variant="button" />
      }
    >
      <Grid container spacing={1} component="dl" className={classes.list}>
        <Field term="Status">
          <StoreStatusChip store={store} />
        </Field>
        <Field term="Engine">{engineTitle}</Field>
        <Field term="Plan">{store.plan}</Field>
        <Field term="Owner">
          <EntityRefLink entityRef={store.owner} defaultKind="group" />
        </Field>
        <Field term="Requested by">
          <EntityRefLink entityRef={store.requestedBy} defaultKind="user" />
        </Field>
        <Field term="Storefront">
          <ExternalLink
            url={store.storefrontUrl}
            label={`Storefront of ${store.name}`}
          />
        </Field>
        <Field term="Admin">
          <ExternalLink url={store.adminUrl} label={`Admin of ${store.name}`} />
        </Field>
        {hasAdminCredentials(store) && (
          <Field term="Admin login">
            <StoreCredentials store={store} />
          </Field>
        )}
        <Field term="Cluster">{store.cluster}</Field>
        <Field term="Namespace">
          <code>{store.namespace}</code>
        </Field>
        {store.chartVersion && (
          <Field term="Chart version">{store.chartVersion}</Field>
        )}
        <Field term="Created">
          <RelativeTime value={store.createdAt} />
        </Field>
        {store.readyAt && (
          <Field term="Ready">
            <RelativeTime value={store.readyAt} />
          </Field>
        )}
        <Field term="Status since">
          <RelativeTime value={store.statusChangedAt} />
        </Field>
        {store.deletedAt && (
          <Field term="Deleted">
            <RelativeTime value={store.deletedAt} />
          </Field>
        )}
      </Grid>
    </InfoCard>
  );
}
