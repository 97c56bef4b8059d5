import {
  Store,
  StoreAdminCredentials,
} from '@stores-for-backstage/plugin-stores-common';

/** A shop's admin login. Held only while it is sent to its owner: never stored or logged. */
export type StoreCredentials = Pick<
  StoreAdminCredentials,
  'username' | 'password'
>;

/** Reads the admin login of a ready store from where its engine keeps it, on demand. */
export interface StoreCredentialsReader {
  read(store: Store): Promise<StoreCredentials>;
}
