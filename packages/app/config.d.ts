export interface Config {
  auth?: {
    providers?: {
      /** Backstage's generic OpenID Connect provider, one block per auth environment. */
      oidc?: {
        [authEnvironment: string]: {
          /**
           * The provider's discovery document. Visible to the app, which offers OpenID Connect
           * sign-in where this is set; the client secret stays with the backend.
           * @visibility frontend
           */
          metadataUrl: string;
        };
      };
    };
  };
}
