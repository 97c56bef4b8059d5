/*
 * The sign-in page: the providers the config enables for this auth environment.
 */
import { SignInPage, SignInProviderConfig } from '@backstage/core-components';
import {
  ConfigApi,
  configApiRef,
  SignInPageProps,
  useApi,
} from '@backstage/core-plugin-api';
import { oidcAuthApiRef } from './apis';

const oidcProvider: SignInProviderConfig = {
  id: 'oidc-auth-provider',
  title: 'Single sign-on',
  message: 'Sign in with your organisation account',
  apiRef: oidcAuthApiRef,
};

/**
 * OpenID Connect where auth.providers.oidc has a block for this auth environment
 * (app-config.production.yaml), guest in the development environment (app-config.yaml).
 */
export function signInProviders(
  config: ConfigApi,
): Array<'guest' | SignInProviderConfig> {
  const environment =
    config.getOptionalString('auth.environment') ?? 'development';
  return [
    ...(config.has(`auth.providers.oidc.${environment}`) ? [oidcProvider] : []),
    ...(environment === 'development' ? (['guest'] as const) : []),
  ];
}

export function PortalSignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  return <SignInPage {...props} auto providers={signInProviders(config)} />;
}
