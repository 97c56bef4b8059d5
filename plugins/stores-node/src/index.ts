/**
 * Extension points, permission rules and types for modules of the stores plugin.
 *
 * @packageDocumentation
 */

export * from './engines';
export * from './permissions';
