export interface Config {
  permission?: {
    /**
     * Entity refs of users or groups who may manage every store, for example
     * `group:default/platform-team`. Everyone else manages the stores they own.
     */
    admins?: string[];
  };
}
