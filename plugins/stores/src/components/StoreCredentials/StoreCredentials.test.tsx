import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  StoreStatus,
  STORE_STATUSES,
  storeCredentialsRevealPermission,
} from '@stores-for-backstage/plugin-stores-common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { useState } from 'react';
import { renderWithStores, STORES_URL } from '../../__testUtils__/render';
import { StoreCredentials } from './StoreCredentials';

jest.setTimeout(30_000);

const server = setupServer();
registerMswTestHooks(server);

const SHOP = { id: 'id-shop', name: 'shop', status: 'ready' } as const;

const CREDENTIALS = {
  username: 'shop-admin',
  password: 'correct-horse-battery',
  adminUrl: 'http://shop.stores.example.com/wp-admin',
};

/** Answers the credentials call like the backend, counting the calls. */
function answerCredentials(
  respond: () => Response = () =>
    HttpResponse.json(CREDENTIALS, {
      headers: { 'Cache-Control': 'no-store' },
    }),
) {
  const calls = { count: 0 };
  server.use(
    http.post(`${STORES_URL}/stores/shop/credentials`, () => {
      calls.count += 1;
      return respond();
    }),
  );
  return calls;
}

/** The store's status can change under the control, as polling does on the page. */
function StatusSwitch() {
  const [status, setStatus] = useState<StoreStatus>('ready');
  return (
    <>
      <button onClick={() => setStatus('deleting')}>Start deleting</button>
      <button onClick={() => setStatus('ready')}>Back to ready</button>
      <StoreCredentials store={{ ...SHOP, status }} />
    </>
  );
}

const password = () => screen.queryByLabelText('Password');

describe('StoreCredentials', () => {
  it('keeps the credentials hidden, and unasked for, until the click', async () => {
    const calls = answerCredentials();
    await renderWithStores(<StoreCredentials store={SHOP} />);

    expect(
      await screen.findByRole('button', { name: 'Show admin credentials' }),
    ).toBeEnabled();
    expect(password()).toBeNull();
    expect(screen.queryByText(CREDENTIALS.username)).toBeNull();
    expect(calls.count).toBe(0);
  });

  it('reveals the login on click, with a masked password, a toggle and copy', async () => {
    const user = userEvent.setup();
    // user-event's clipboard stub reads back through a FileReader that jsdom refuses.
    const writeText = jest
      .spyOn(navigator.clipboard, 'writeText')
      .mockResolvedValue(undefined);
    const calls = answerCredentials();
    await renderWithStores(<StoreCredentials store={SHOP} />);

    await user.click(
      await screen.findByRole('button', { name: 'Show admin credentials' }),
    );

    const username = await screen.findByLabelText('Username');
    expect(calls.count).toBe(1);
    expect(username).toHaveValue('shop-admin');
    expect(username).toHaveAttribute('readonly');
    // Keyboard users land on what they asked for, not on the page's top.
    expect(username).toHaveFocus();
    expect(
      screen.getByRole('group', { name: 'Admin credentials of shop' }),
    ).toBeInTheDocument();

    const field = password()!;
    expect(field).toHaveValue('correct-horse-battery');
    expect(field).toHaveAttribute('type', 'password');
    expect(field).toHaveAttribute('spellcheck', 'false');
    await user.click(screen.getByRole('button', { name: 'Show password' }));
    expect(field).toHaveAttribute('type', 'text');
    await user.click(screen.getByRole('button', { name: 'Hide password' }));
    expect(field).toHaveAttribute('type', 'password');

    await user.click(screen.getByRole('button', { name: 'Copy password' }));
    expect(writeText).toHaveBeenLastCalledWith('correct-horse-battery');
    expect(screen.getByRole('status')).toHaveTextContent(
      'Copied the password to the clipboard.',
    );
    await user.click(screen.getByRole('button', { name: 'Copy username' }));
    expect(writeText).toHaveBeenLastCalledWith('shop-admin');
    expect(screen.getByRole('status')).toHaveTextContent(
      'Copied the username to the clipboard.',
    );
  });

  it('says so when the clipboard is out of reach', async () => {
    const user = userEvent.setup();
    jest
      .spyOn(navigator.clipboard, 'writeText')
      .mockRejectedValue(new DOMException('Not allowed', 'NotAllowedError'));
    answerCredentials();
    await renderWithStores(<StoreCredentials store={SHOP} />);

    await user.click(
      await screen.findByRole('button', { name: 'Show admin credentials' }),
    );
    await user.click(
      await screen.findByRole('button', { name: 'Copy password' }),
    );
    expect(screen.getByRole('status')).toHaveTextContent(
      'Could not copy the password; select it and copy it yourself.',
    );
  });

  it('forgets the credentials on Hide and asks the backend again next time', async () => {
    const user = userEvent.setup();
    const calls = answerCredentials();
    await renderWithStores(<StoreCredentials store={SHOP} />);

    await user.click(
      await screen.findByRole('button', { name: 'Show admin credentials' }),
    );
    expect(await screen.findByLabelText('Password')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Hide' }));
    expect(password()).toBeNull();
    expect(screen.queryByDisplayValue('correct-horse-battery')).toBeNull();
    expect(
      screen.getByRole('button', { name: 'Show admin credentials' }),
    ).toHaveFocus();

    await user.click(
      await screen.findByRole('button', { name: 'Show admin credentials' }),
    );
    expect(await screen.findByLabelText('Password')).toBeInTheDocument();
    expect(calls.count).toBe(2);
  });

  it('drops the credentials when the store stops being ready', async () => {
    const user = userEvent.setup();
    const calls = answerCredentials();
    await renderWithStores(<StatusSwitch />);

    await user.click(
      await screen.findByRole('button', { name: 'Show admin credentials' }),
    );
    expect(await screen.findByLabelText('Password')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Start deleting' }));
    expect(password()).toBeNull();
    expect(
      screen.queryByRole('button', { name: 'Show admin credentials' }),
    ).toBeNull();

    // Back to ready, the control starts over instead of showing the old password.
    await user.click(screen.getByRole('button', { name: 'Back to ready' }));
    expect(
      await screen.findByRole('button', { name: 'Show admin credentials' }),
    ).toBeInTheDocument();
    expect(password()).toBeNull();
    expect(calls.count).toBe(1);
  });

  it('offers no button to those the permission policy refuses, and says why', async () => {
    const authorize = jest.fn((): AuthorizeResult.DENY => AuthorizeResult.DENY);
    const calls = answerCredentials();
    await renderWithStores(<StoreCredentials store={SHOP} />, {
      permission: authorize,
    });

    expect(
      await screen.findByText(
        "Only the store's owners can see its admin credentials.",
      ),
    ).toBeInTheDocument();
    expect(authorize).toHaveBeenCalledWith(
      expect.objectContaining({
        permission: storeCredentialsRevealPermission,
        resourceRef: 'id-shop',
      }),
    );
    expect(
      screen.queryByRole('button', { name: 'Show admin credentials' }),
    ).toBeNull();
    expect(calls.count).toBe(0);
  });

  it('tells those the backend refuses that only owners may see it', async () => {
    const user = userEvent.setup();
    answerCredentials(() =>
      HttpResponse.json(
        {
          error: {
            name: 'NotAllowedError',
            message: "Only the owners of store 'shop' can see its credentials",
          },
        },
        { status: 403 },
      ),
    );
    await renderWithStores(<StoreCredentials store={SHOP} />);

    await user.click(
      await screen.findByRole('button', { name: 'Show admin credentials' }),
    );

    expect(await screen.findByRole('alert')).toHaveTextContent(
      "Only the store's owners can see its admin credentials.",
    );
    expect(password()).toBeNull();
    // Asking again would get the same answer.
    expect(
      screen.queryByRole('button', { name: 'Show admin credentials' }),
    ).toBeNull();
  });

  it("shows the server's reason for other refusals and lets the user try again", async () => {
    const user = userEvent.setup();
    let ready = false;
    answerCredentials(() =>
      ready
        ? HttpResponse.json(CREDENTIALS)
        : HttpResponse.json(
            {
              error: {
                name: 'ConflictError',
                message: "Store 'shop' is not ready",
              },
            },
            { status: 409 },
          ),
    );
    await renderWithStores(<StoreCredentials store={SHOP} />);

    await user.click(
      await screen.findByRole('button', { name: 'Show admin credentials' }),
    );
    expect(
      await screen.findByText(
        "Could not read the admin credentials: Store 'shop' is not ready",
      ),
    ).toBeInTheDocument();

    ready = true;
    await user.click(
      await screen.findByRole('button', { name: 'Show admin credentials' }),
    );
    await waitFor(() => expect(password()).toHaveValue(CREDENTIALS.password));
    expect(screen.queryByText(/Could not read/)).toBeNull();
  });

  it.each(STORE_STATUSES.filter(status => status !== 'ready'))(
    'is not offered for a store that is %s',
    async status => {
      const calls = answerCredentials();
      await renderWithStores(<StoreCredentials store={{ ...SHOP, status }} />);

      expect(
        screen.queryByRole('button', { name: 'Show admin credentials' }),
      ).toBeNull();
      expect(calls.count).toBe(0);
    },
  );
});
