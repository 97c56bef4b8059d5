/**
 * Longest store name. The namespace `store-<name>` and the names the charts derive
 * from the release (such as `<name>-mysql-0` or `<name>-wordpress-<hash>`) must stay
 * within Kubernetes' 63 character limits.
 *
 * @public
 */
export const STORE_NAME_MAX_LENGTH = 30;

/**
 * What a store name may look like: a DNS label of lowercase letters, digits and
 * hyphens that starts with a letter and ends with a letter or digit.
 *
 * @public
 */
export const STORE_NAME_PATTERN = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks a requested store name. Returns a message a person can act on, or
 * undefined when the name is valid.
 *
 * @public
 */
export function validateStoreName(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) {
    return 'Store name is required';
  }
  if (name.length > STORE_NAME_MAX_LENGTH) {
    return `Store name must be at most ${STORE_NAME_MAX_LENGTH} characters, got ${name.length}`;
  }
  if (!STORE_NAME_PATTERN.test(name)) {
    return 'Store name must use lowercase letters, digits and hyphens, start with a letter and end with a letter or digit';
  }
  // DNS reserves `--` there for encoded names (`xn--` is punycode), which browsers show
  // as other characters: a store host could pass for another site.
  if (name.slice(2, 4) === '--') {
    return `Store name must not have '--' as its third and fourth characters, as in '${name}': host names like that are reserved for internationalised (punycode) names`;
  }
  return undefined;
}

/**
 * What every store's namespace name starts with. The portal chart's admission
 * policy (`rbac.storeNamespacePrefix`) limits the stores backend to namespaces
 * named so.
 *
 * @public
 */
export const STORE_NAMESPACE_PREFIX = 'store-';

/**
 * The namespace a store lives in.
 *
 * @public
 */
export function storeNamespace(name: string): string {
  return `${STORE_NAMESPACE_PREFIX}${name}`;
}

/**
 * Annotation on a store's catalog entity, and label on its Kubernetes objects,
 * that holds the store name.
 *
 * @public
 */
export const STORE_ANNOTATION = 'stores.backstage.io/store';
