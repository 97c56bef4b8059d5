import { Tooltip } from '@material-ui/core';
import { makeStyles } from '@material-ui/core/styles';
import { formatRelative, formatTimestamp } from '../../lib/time';
import { visuallyHidden } from '../../lib/a11y';

const useStyles = makeStyles({
  visuallyHidden,
});

/**
 * "5 minutes ago", with the exact time on hover; screen readers read both.
 */
export function RelativeTime(props: { value: string }) {
  const { value } = props;
  const classes = useStyles();
  const exact = formatTimestamp(value);
  return (
    <Tooltip title={exact}>
      <time dateTime={value}>
        {formatRelative(value)}
        <span className={classes.visuallyHidden}> ({exact})</span>
      </time>
    </Tooltip>
  );
}
