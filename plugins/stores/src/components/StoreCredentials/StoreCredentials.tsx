import { useApi } from '@backstage/core-plugin-api';
import { isError } from '@backstage/errors';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  Box,
  Button,
  CircularProgress,
  IconButton,
  InputAdornment,
  TextField,
  Typography,
} from '@material-ui/core';
import FileCopyIcon from '@material-ui/icons/FileCopy';
import LockOpenIcon from '@material-ui/icons/LockOpen';
import VisibilityIcon from '@material-ui/icons/Visibility';
import VisibilityOffIcon from '@material-ui/icons/VisibilityOff';
import { Alert } from '@material-ui/lab';
import {
  Store,
  storeCredentialsRevealPermission,
} from '@stores-for-backstage/plugin-stores-common';
import { ReactNode, RefObject, useEffect, useRef, useState } from 'react';
import { StoreAdminCredentials } from '@stores-for-backstage/plugin-stores-common';
import { storesApiRef } from '../../api';
import { hasAdminCredentials } from '../../lib/status';

/** What a user who does not own the store sees instead of the login. */
export const NOT_AN_OWNER =
  "Only the store's owners can see its admin credentials.";

/** How long "copied" stays on screen. */
const COPIED_NOTICE_MS = 4000;

type Reveal =
  | { kind: 'hidden' }
  | { kind: 'loading' }
  | { kind: 'shown'; credentials: StoreAdminCredentials }
  | { kind: 'refused' }
  | { kind: 'failed'; error: Error };

export interface StoreCredentialsProps {
  store: Pick<Store, 'id' | 'name' | 'status'>;
}

/**
 * The admin login of a ready store, behind a click. The backend reads it from
 * the cluster for each click; it lives in this component's state only.
 */
export function StoreCredentials(props: StoreCredentialsProps) {
  const { store } = props;
  if (!hasAdminCredentials(store)) {
    return null;
  }
  // Keyed and unmounted when the store leaves `ready`, so the password goes with the state that held it.
  return <CredentialsReveal key={store.id} id={store.id} name={store.name} />;
}

function CredentialsReveal(props: { id: string; name: string }) {
  const { id, name } = props;
  const storesApi = useApi(storesApiRef);
  // The backend asks the same of the permission policy, so non-owners get no button that can only fail.
  const permission = usePermission({
    permission: storeCredentialsRevealPermission,
    resourceRef: id,
  });
  const [reveal, setReveal] = useState<Reveal>({ kind: 'hidden' });
  const showButton = useRef<HTMLButtonElement>(null);
  const usernameInput = useRef<HTMLInputElement>(null);
  const focusOnShowButton = useRef(false);

  // The button that was clicked disappears; keep keyboard users where they were.
  useEffect(() => {
    if (reveal.kind === 'shown') {
      usernameInput.current?.focus();
    } else if (reveal.kind === 'hidden' && focusOnShowButton.current) {
      focusOnShowButton.current = false;
      showButton.current?.focus();
    }
  }, [reveal.kind]);

  const show = async () => {
    setReveal({ kind: 'loading' });
    try {
      const credentials = await storesApi.revealCredentials(name);
      setReveal({ kind: 'shown', credentials });
    } catch (e) {
      if (isError(e) && e.name === 'NotAllowedError') {
        setReveal({ kind: 'refused' });
      } else {
        setReveal({
          kind: 'failed',
          error: e instanceof Error ? e : new Error(String(e)),
        });
      }
    }
  };

  const hide = () => {
    focusOnShowButton.current = true;
    setReveal({ kind: 'hidden' });
  };

  if (reveal.kind === 'shown') {
    return (
      <RevealedCredentials
        name={name}
        credentials={reveal.credentials}
        usernameInput={usernameInput}
        onHide={hide}
      />
    );
  }
  if (permission.loading) {
    return null;
  }
  if (!permission.allowed) {
    return (
      <Typography variant="body2" color="textSecondary">
        {NOT_AN_OWNER}
      </Typography>
    );
  }
  // A 403 despite the permission, say when the store changed owners since the page decided.
  if (reveal.kind === 'refused') {
    return (
      <Typography variant="body2" color="textSecondary" role="alert">
        {NOT_AN_OWNER}
      </Typography>
    );
  }
  const loading = reveal.kind === 'loading';
  return (
    <Box display="flex" flexDirection="column" alignItems="flex-start">
      {reveal.kind === 'failed' && (
        <Box mb={1} alignSelf="stretch">
          <Alert severity="warning">
            Could not read the admin credentials: {reveal.error.message}
          </Alert>
        </Box>
      )}
      <Button
        ref={showButton}
        size="small"
        variant="outlined"
        onClick={show}
        disabled={loading}
        aria-busy={loading}
        startIcon={
          loading ? (
            <CircularProgress size={16} color="inherit" />
          ) : (
            <LockOpenIcon />
          )
        }
      >
        Show admin credentials
      </Button>
      <Typography variant="caption" color="textSecondary">
        For the store&apos;s owners; each reveal is recorded.
      </Typography>
    </Box>
  );
}

function RevealedCredentials(props: {
  name: string;
  credentials: StoreAdminCredentials;
  usernameInput: RefObject<HTMLInputElement>;
  onHide: () => void;
}) {
  const { name, credentials, usernameInput, onHide } = props;
  const [passwordVisible, setPasswordVisible] = useState(false);
  const [notice, setNotice] = useState('');

  useEffect(() => {
    if (!notice) {
      return undefined;
    }
    const timer = setTimeout(() => setNotice(''), COPIED_NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);

  const copy = async (what: Credential, text: string) => {
    try {
      // The async clipboard API only; the old fallbacks put the text in a prompt or a textarea.
      await navigator.clipboard.writeText(text);
      setNotice(`Copied the ${what} to the clipboard.`);
    } catch {
      setNotice(`Could not copy the ${what}; select it and copy it yourself.`);
    }
  };

  return (
    <Box
      display="flex"
      flexDirection="column"
      style={{ gap: 8 }}
      role="group"
      aria-label={`Admin credentials of ${name}`}
    >
      <CredentialField
        name={name}
        what="username"
        value={credentials.username}
        inputRef={usernameInput}
        onCopy={copy}
      />
      <CredentialField
        name={name}
        what="password"
        value={credentials.password}
        hidden={!passwordVisible}
        onCopy={copy}
      >
        <IconButton
          size="small"
          aria-label={passwordVisible ? 'Hide password' : 'Show password'}
          onClick={() => setPasswordVisible(v => !v)}
        >
          {passwordVisible ? (
            <VisibilityOffIcon fontSize="small" />
          ) : (
            <VisibilityIcon fontSize="small" />
          )}
        </IconButton>
      </CredentialField>
      <Box display="flex" alignItems="center" style={{ gap: 8 }}>
        <Button size="small" variant="outlined" onClick={onHide}>
          Hide
        </Button>
        <Typography variant="caption" color="textSecondary" role="status">
          {notice}
        </Typography>
      </Box>
    </Box>
  );
}

type Credential = 'username' | 'password';

const CREDENTIAL_LABELS: Record<Credential, string> = {
  username: 'Username',
  password: 'Password',
};

// No spell checking: browsers may send what is checked to a spelling service.
const CREDENTIAL_INPUT_PROPS = { spellCheck: false, autoComplete: 'off' };

/** One read-only credential with a copy button; `children` go before that button. */
function CredentialField(props: {
  name: string;
  what: Credential;
  value: string;
  hidden?: boolean;
  inputRef?: RefObject<HTMLInputElement>;
  onCopy: (what: Credential, text: string) => void;
  children?: ReactNode;
}) {
  const { name, what, value, hidden, inputRef, onCopy, children } = props;
  return (
    <TextField
      id={`store-${name}-admin-${what}`}
      label={CREDENTIAL_LABELS[what]}
      type={hidden ? 'password' : 'text'}
      value={value}
      size="small"
      variant="outlined"
      fullWidth
      inputRef={inputRef}
      inputProps={CREDENTIAL_INPUT_PROPS}
      InputProps={{
        readOnly: true,
        endAdornment: (
          <InputAdornment position="end">
            {children}
            <IconButton
              size="small"
              aria-label={`Copy ${what}`}
              onClick={() => onCopy(what, value)}
            >
              <FileCopyIcon fontSize="small" />
            </IconButton>
          </InputAdornment>
        ),
      }}
    />
  );
}
