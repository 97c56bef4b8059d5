/**
 * The path of a store's page in the portal, where its timeline and retry
 * button are: the app mounts the stores pages at `/stores`. For links made
 * outside the app (scaffolder outputs, notifications).
 *
 * @public
 */
export function storePagePath(name: string): string {
  return `/stores/${name}`;
}
