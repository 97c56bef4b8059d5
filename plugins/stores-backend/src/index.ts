export { storesPlugin as default } from './plugin';
