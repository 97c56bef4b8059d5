import { HumanDuration } from '@backstage/types';

export interface Config {
  /** Configuration of the stores backend plugin. */
  stores?: {
    /**
     * The Kubernetes clusters stores run in; the first is the default. Each cluster names
     * the stores backend's own identity, which creates store namespaces and installs
     * releases. It is never the Kubernetes plugin's identity: that one only reads, and
     * anything the plugin holds is reachable through its proxy. Give `url` with
     * `serviceAccountToken`, or `kubeconfig`; with neither, the default kubeconfig is used
     * (`KUBECONFIG`, `~/.kube/config`, or the pod's ServiceAccount in a cluster).
     * Default: one cluster named `local` with the default kubeconfig.
     */
    clusters?: Array<{
      /** Name shown to users and recorded on each store. */
      name: string;
      /** URL of the cluster's API server, with `serviceAccountToken`. */
      url?: string;
      /**
       * Token of the stores backend's ServiceAccount in this cluster, with `url`.
       * @visibility secret
       */
      serviceAccountToken?: string;
      /** Base64 PEM of the API server's CA, with `url`. */
      caData?: string;
      /** Path of the API server's CA file, with `url`. */
      caFile?: string;
      /** Path of a kubeconfig file for this cluster. */
      kubeconfig?: string;
      /** Context of that kubeconfig to use; default its current context. */
      context?: string;
      /**
       * A ClusterRole the backend binds to its own identity inside each store namespace
       * it creates (a RoleBinding made with the namespace and deleted with it), so its
       * power over a store's objects comes from that namespace alone. The
       * stores-portal chart creates the role and sets this; leave it unset for an
       * identity that already has those rights (e.g. an admin on a laptop cluster).
       */
      storeNamespaceRole?: string;
      /**
       * Base domain of store hosts in this cluster: a store is served at
       * `<name>.<baseDomain>`. Default `stores.baseDomain`.
       */
      baseDomain?: string;
      /** Store hosts are served over HTTPS in this cluster. Default `stores.tls`. */
      tls?: boolean;
    }>;

    /**
     * Base domain of store hosts: a store is served at `<name>.<baseDomain>`.
     * Default `127.0.0.1.nip.io`, a public wildcard name for 127.0.0.1 that suits a
     * laptop cluster with a port-mapped ingress controller.
     */
    baseDomain?: string;

    /**
     * Store hosts are served over HTTPS (the engine's values files enable TLS, e.g.
     * through cert-manager). Default false.
     */
    tls?: boolean;

    /** The helm CLI. Helm 3 and Helm 4 both work. */
    helm?: {
      /** Path of the helm binary; default `helm` from PATH. */
      binary?: string;
      /** How long one `helm upgrade --install` may take; default 10 minutes. */
      timeout?: HumanDuration | string;
    };

    /**
     * Chart and values per engine id (`woocommerce`, `medusa`, or an engine added by a
     * module). Engines without an entry here use the chart their module sets.
     */
    engines?: {
      [engineId: string]: {
        /** Chart directory (relative to the backend's working directory), packaged chart or repo reference. */
        chart?: string;
        /** Chart version, for charts from a repository. */
        version?: string;
        /** Values files passed to helm before the store's own values, e.g. `values-prod.yaml`. */
        valuesFiles?: string[];
        /** Set to false to hide the engine from users. Default true. */
        enabled?: boolean;
        /**
         * How long a state that waiting will not heal (image pull errors, crash loops,
         * unschedulable pods, refused pods, unbound claims, failed Jobs) may last while a
         * store is provisioned before it fails with that reason. Default: the engine's
         * own, else 3 minutes.
         */
        failureGracePeriod?: HumanDuration | string;
      };
    };

    /** How stores are brought up. */
    provisioning?: {
      /**
       * A store still requested or provisioning after this long is failed with a reason.
       * Default 20 minutes.
       */
      timeout?: HumanDuration | string;
      /**
       * How many stores are provisioned or deleted at once per backend replica. Default 20:
       * a worker mostly waits, on helm and on the cluster's watches, so twenty stores asked
       * for together do not queue. Each worker runs one helm process at a time (on the order
       * of 100 MB while it installs); lower it on a replica with little memory.
       */
      concurrency?: number;
      /**
       * Require the storefront URL to answer HTTP before a store is ready. Turn off where
       * the backend cannot reach store hosts. Default false.
       */
      checkStorefront?: boolean;
      /**
       * Keep the namespace and release of a store whose creation failed, for debugging.
       * Default false: a failed create uninstalls the release and deletes the namespace it made.
       */
      keepFailedStores?: boolean;
    };

    /** The loop that compares stores with the cluster. */
    reconciler?: {
      /** How often a full pass runs; work started through the API begins at once. Default 30 seconds. */
      frequency?: HumanDuration | string;
      /**
       * When a ready store's namespace or release is gone or failed, provision it again.
       * Default true; when false the store is marked failed with the drift as reason.
       */
      healDrift?: boolean;
      /**
       * How long a worker's claim on a store lasts without renewal (renewed every quarter
       * of it). When a backend dies mid-way, another replica resumes its stores after
       * this; a worker that cannot renew for half of it stops. Default 60 seconds.
       */
      leaseDuration?: HumanDuration | string;
    };

    /** Limits per user. */
    limits?: {
      /** Stores a user may have that are not deleted. Default 5. */
      maxStoresPerUser?: number;
      /** Stores a user may create within `createWindow`. Default 10. */
      maxCreatesPerWindow?: number;
      /** The window of `maxCreatesPerWindow` and `maxDryRunsPerWindow`. Default 1 hour. */
      createWindow?: HumanDuration | string;
      /**
       * Dry runs (`POST /stores?dryRun=true`, which render the chart with helm) a user may
       * make within `createWindow`; 429 beyond. Default 60.
       */
      maxDryRunsPerWindow?: number;
      /**
       * Dry runs rendering at once per backend replica, for all users together; more
       * at the same moment get 429 instead of waiting. Default 2.
       */
      dryRunConcurrency?: number;
    };

    /**
     * Who sees a store in lists and its summary: `owners` (its owners, the user or one
     * of their groups, and admins) or `all` (every signed-in user). A store's failure
     * detail and timeline are for its owners and admins either way. Applied by the
     * portal's permission policy. Default `owners`.
     */
    visibility?: 'owners' | 'all';

    /**
     * Names no store may take, because `<name>.<baseDomain>` would pass for one of the
     * organisation's own hosts. Replaces the default list (www, api, admin, portal,
     * mail, smtp, auth, login, sso, status, cdn, kubernetes, localhost and the like;
     * see `DEFAULT_RESERVED_NAMES` in src/config.ts).
     */
    reservedNames?: string[];

    /**
     * Live pages through Backstage signals: each change of a store (its status and each
     * timeline entry) is signalled to its owner (a group: its members) and requester, whose
     * open stores pages then refresh at once; without the signals plugin they poll.
     */
    signals?: {
      /**
       * More entity refs signalled of every store's changes, such as the platform team's
       * group, so that admins' open pages refresh too: `group:default/platform-team`.
       * They must match the signed-in users' ownership refs exactly. Default none.
       */
      alsoTo?: string[];
    };
  };
}
