/*
 * How people sign in to the portal. In production through OpenID Connect (Backstage's
 * generic `oidc` provider; app-config.production.yaml configures it and its sign-in
 * resolver); the guest provider is for a developer's machine, and a production backend
 * that still has it refuses to start unless the config says so explicitly.
 */
import {
  coreServices,
  createBackendFeatureLoader,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import authModuleGuestProvider from '@backstage/plugin-auth-backend-module-guest-provider';
import authModuleOidcProvider from '@backstage/plugin-auth-backend-module-oidc-provider';

/** The guest provider's own switch for use outside development (it refuses guests without it). */
export const GUEST_OUTSIDE_DEVELOPMENT_FLAG =
  'auth.providers.guest.dangerouslyAllowOutsideDevelopment';

/**
 * Throws when NODE_ENV is production and the guest provider is configured without
 * {@link GUEST_OUTSIDE_DEVELOPMENT_FLAG}. Without the flag the guest provider would start and
 * then refuse every guest at sign-in, a portal whose only door is locked; with it, anyone who
 * reaches the portal signs in. Either way it must be a decision, made before the portal starts.
 */
export function assertNoGuestInProduction(
  config: Config,
  nodeEnv: string | undefined,
): void {
  if (nodeEnv !== 'production' || !config.has('auth.providers.guest')) return;
  if (config.getOptionalBoolean(GUEST_OUTSIDE_DEVELOPMENT_FLAG) === true) {
    return;
  }
  throw new Error(
    'The guest sign-in provider (auth.providers.guest) is configured and NODE_ENV is production. ' +
      'Guest sign-in is for local development: remove auth.providers.guest from the config ' +
      '(app-config.production.yaml sets it to null over app-config.yaml) and sign in through ' +
      'OpenID Connect (auth.providers.oidc). To let anyone who reaches the portal in as the guest ' +
      `user anyway, set ${GUEST_OUTSIDE_DEVELOPMENT_FLAG}: true.`,
  );
}

/** The auth backend's sign-in providers, as the config asks for them. */
export default createBackendFeatureLoader({
  deps: { config: coreServices.rootConfig, logger: coreServices.rootLogger },
  *loader({ config, logger }) {
    assertNoGuestInProduction(config, process.env.NODE_ENV);
    // Unused until auth.providers.oidc.<auth.environment> is configured.
    yield authModuleOidcProvider;
    // The guest module reads auth.providers.guest as it starts and fails where it's absent,
    // as in production.
    if (config.has('auth.providers.guest')) {
      if (process.env.NODE_ENV === 'production') {
        logger.warn(
          `Guest sign-in is enabled in production (${GUEST_OUTSIDE_DEVELOPMENT_FLAG}): anyone who reaches the portal can sign in`,
        );
      }
      yield authModuleGuestProvider;
    }
  },
});
