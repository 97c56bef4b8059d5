export { StoreCredentials } from './StoreCredentials';
export type { StoreCredentialsProps } from './StoreCredentials';
