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

/** A select of one value or none ("any"), such as the engine or owner filter. */
function SingleSelectFilter(props: {
  id: string;
  label: string;
  anyLabel: string;
  value?: string;
  onChange: (value: string | undefined) => void;
  options: Array<{ value: string; label: string }>;
}) {
  const classes = useStyles();
  const labelId = `${props.id}-label`;
  return (
    <FormControl className={classes.control} size="small">
      <InputLabel id={labelId} shrink>
        {props.label}
      </InputLabel>
      <Select
        labelId={labelId}
        id={props.id}
        displayEmpty
        value={props.value ?? ''}
        onChange={event =>
          props.onChange((event.target.value as string) || undefined)
        }
      >
        <MenuItem value="">{props.anyLabel}</MenuItem>
        {props.options.map(option => (
          <MenuItem key={option.value} value={option.value}>
            {option.label}
          </MenuItem>
        ))}
      </Select>
    </FormControl>
  );
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

      <SingleSelectFilter
        id="stores-filter-engine"
        label="Engine"
        anyLabel="Any engine"
        value={value.engine}
        onChange={engine => onChange({ ...value, engine })}
        options={engineOptions.map(engine => ({
          value: engine.id,
          label: engine.title,
        }))}
      />

      <SingleSelectFilter
        id="stores-filter-owner"
        label="Owner"
        anyLabel="Any owner"
        value={value.owner}
        onChange={owner => onChange({ ...value, owner })}
        options={[
          { value: OWNER_MINE, label: 'Owned by me or my groups' },
          ...ownerOptions.map(owner => ({
            value: owner,
            label: ownerLabel(owner),
          })),
        ]}
      />

      {hasFilters(value) && (
        <Button size="small" onClick={() => onChange({ status: [] })}>
          Clear filters
        </Button>
      )}
    </Box>
  );
}
