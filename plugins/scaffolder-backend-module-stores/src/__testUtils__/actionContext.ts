import { mockServices } from '@backstage/backend-test-utils';
import {
  ActionContext,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { JsonObject, JsonValue } from '@backstage/types';
import * as yaml from 'yaml';

/**
 * Checkpoints as the scaffolder keeps them for a task: a second run with the
 * same state gets the stored values instead of running the function again.
 */
export function createCheckpointState() {
  const values = new Map<string, JsonValue>();
  const checkpoint = async ({
    key,
    fn,
  }: {
    key: string;
    fn: () => Promise<JsonValue | void> | JsonValue | void;
  }) => {
    if (values.has(key)) {
      return values.get(key);
    }
    const value = await fn();
    values.set(key, value ?? {});
    return value;
  };
  return {
    values,
    checkpoint: checkpoint as ActionContext<JsonObject>['checkpoint'],
  };
}

/**
 * A mock action context with a logger whose calls tests can read, plus the
 * fields `createMockActionContext` does not take (dry run, checkpoints, signal).
 */
export function createContext<TInput extends JsonObject>(
  input: TInput,
  extra: Partial<ActionContext<TInput>> = {},
) {
  const logger = mockServices.logger.mock();
  const ctx: ActionContext<TInput, any> = {
    ...createMockActionContext<TInput>({ input, logger }),
    ...extra,
  };
  return { ctx, logger };
}

/** Everything written to the mock logger, one string per call. */
export function loggedLines(
  logger: ReturnType<typeof mockServices.logger.mock>,
) {
  return (['info', 'warn', 'error', 'debug'] as const).flatMap(level =>
    logger[level].mock.calls.map(([message]) => `${level}: ${message}`),
  );
}

/** The inputs of the steps of an action's examples that use that action. */
export function exampleInputs<TInput extends JsonObject>(
  action: TemplateAction<TInput, any, any>,
): Array<{ description: string; input: TInput }> {
  return (action.examples ?? []).flatMap(example => {
    const { steps } = yaml.parse(example.example) as {
      steps: Array<{ action: string; input: TInput }>;
    };
    return steps
      .filter(step => step.action === action.id)
      .map(step => ({ description: example.description, input: step.input }));
  });
}

/** Input and output properties of an action that lack a description. */
export function undescribedFields(action: TemplateAction<any, any, any>) {
  const missing: string[] = [];
  for (const [kind, schema] of Object.entries(action.schema ?? {})) {
    const properties = (schema as { properties?: Record<string, any> })
      ?.properties;
    for (const [name, property] of Object.entries(properties ?? {})) {
      if (!property.description) missing.push(`${kind}.${name}`);
    }
  }
  return missing;
}
