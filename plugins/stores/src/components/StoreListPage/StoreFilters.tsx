import { parseEntityRef } from '@backstage/catalog-model';
import { humanizeEntityRef } from '@backstage/plugin-catalog-react';
import {
  Box,
  Button,
  Checkbox,
  FormControl,
  InputLabel,
  ListItemText,
  MenuItem,
  Select,
} from '@material-ui/core';
import { makeStyles } from '@material-ui/core/styles';
import {
  STORE_STATUSES,
  StoreEngineInfo,
  StoreStatus,
} from '@stores-for-backstage/plugin-stores-common';
import { STATUS_LABELS } from '../../lib/status';
import { hasFilters, OWNER_MINE, StoreListFilters } from './filters';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-end',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(2),
  },
  control: {
    minWidth: 200,
  },
}));

function ownerLabel(ref: string): string {
  try {
    return humanizeEntityRef(
      parseEntityRef(ref, {
        defaultKind: 'group',
        defaultNamespace: 'default',
      }),
      { defaultKind: 'group' },
    );
  } catch {
    return ref;
  }
}

export interface StoreFiltersProps {
  value: StoreListFilters;
  onChange: (filters: StoreListFilters) => void;
  engines: StoreEngineInfo[];
  /** Owners to offer besides "owned by me", such as those of the stores seen. */
  owners: string[];
}

/** Status, engine and owner filters for the stores list. */
export function StoreFilters(props: StoreFiltersProps) {
  const { value, onChange, engines, owners } = props;
  const classes = useStyles();
  const engineIds = new Set(engines.map(e => e.id));
  const engineOptions = [
    ...engines,
    // Keep a filter from the URL visible even when the engine list did not load.
    ...(value.engine && !engineIds.has(value.engine)
      ? [{ id: value.engine, title: value.engine, description: '' }]
      : []),
  ];
  const ownerOptions = Array.from(
    new Set([
      ...owners,
      ...(value.owner && value.owner !== OWNER_MINE ? [value.owner] : []),
    ]),
  ).sort();

  return (
    <Box className={classes.root} role="search" aria-label="Filter stores">
      <FormControl className={classes.control} size="small">
        <InputLabel id="stores-filter-status-label" shrink>
          Status
        </InputLabel>
        <Select
          labelId="stores-filter-status-label"
          id="stores-filter-status"
          multiple
          displayEmpty
          value={value.status}
          onChange={event =>
            onChange({ ...value, status: event.target.value as StoreStatus[] })
          }
          renderValue={selected =>
            (selected as StoreStatus[]).length
              ? (selected as StoreStatus[])
                  .map(s => STATUS_LABELS[s])
                  .join(', ')
              : 'Any status but deleted'
          }
        >
          {STORE_STATUSES.map(status => (
            <MenuItem key={status} value={status}>
              <Checkbox
                size="small"
                checked={value.status.includes(status)}
                inputProps={{ 'aria-hidden': true }}
                tabIndex={-1}
              />
              <ListItemText primary={STATUS_LABELS[status]} />
            </MenuItem>
          ))}
        </Select>
      </FormControl>

      <FormControl className={classes.control} size="small">
        <InputLabel id="stores-filter-engine-label" shrink>
          Engine
        </InputLabel>
        <Select
          labelId="stores-filter-engine-label"
          id="stores-filter-engine"
          displayEmpty
          value={value.engine ?? ''}
          onChange={event =>
            onChange({
              ...value,
              engine: (event.target.value as string) || undefined,
            })
          }
        >
          <MenuItem value="">Any engine</MenuItem>
          {engineOptions.map(engine => (
            <MenuItem key={engine.id} value={engine.id}>
              {engine.title}
            </MenuItem>
          ))}
        </Select>
      </FormControl>

      <FormControl className={classes.control} size="small">
        <InputLabel id="stores-filter-owner-label" shrink>
          Owner
        </InputLabel>
        <Select
          labelId="stores-filter-owner-label"
          id="stores-filter-owner"
          displayEmpty
          value={value.owner ?? ''}
          onChange={event =>
            onChange({
              ...value,
              owner: (event.target.value as string) || undefined,
            })
          }
        >
          <MenuItem value="">Any owner</MenuItem>
          <MenuItem value={OWNER_MINE}>Owned by me or my groups</MenuItem>
          {ownerOptions.map(owner => (
            <MenuItem key={owner} value={owner}>
              {ownerLabel(owner)}
            </MenuItem>
          ))}
        </Select>
      </FormControl>

      {hasFilters(value) && (
        <Button size="small" onClick={() => onChange({ status: [] })}>
          Clear filters
        </Button>
      )}
    </Box>
  );
}
