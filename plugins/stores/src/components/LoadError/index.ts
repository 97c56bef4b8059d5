export { LoadError } from './LoadError';
export { RefreshError } from './RefreshError';
