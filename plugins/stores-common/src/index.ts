/**
 * Types, validation and permissions shared by the stores plugins.
 *
 * @packageDocumentation
 */

export * from './types';
export * from './storeName';
export * from './permissions';
