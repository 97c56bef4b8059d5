import { MetricsService } from '@backstage/backend-plugin-api/alpha';

/** The stores plugin's OpenTelemetry instruments. */
export function createStoresMetrics(
  metrics: MetricsService,
  countByStatus: () => Promise<Record<string, number>>,
) {
  const provisioningDuration = metrics.createHistogram<{ engine: string }>(
    'stores.provisioning.duration',
    {
      description: 'Time from a store being requested to ready',
      unit: 's',
      advice: { explicitBucketBoundaries: [15, 30, 60, 120, 300, 600, 1200] },
    },
  );
  const created = metrics.createCounter<{ engine: string }>('stores.created', {
    description: 'Stores requested through the API',
  });
  const failures = metrics.createCounter<{ engine: string; phase: string }>(
    'stores.failures',
    { description: 'Stores that failed to provision or to be deleted' },
  );
  const active = metrics.createObservableGauge<{ status: string }>(
    'stores.active',
    { description: 'Stores that are not deleted, by status' },
  );
  active.addCallback(async result => {
    for (const [status, count] of Object.entries(await countByStatus())) {
      result.observe(count, { status });
    }
  });
  return { provisioningDuration, created, failures };
}

export type StoresMetrics = ReturnType<typeof createStoresMetrics>;
