/**
 * Types, validation and permissions shared by the stores plugins.
 *
 * @packageDocumentation
 */

export * from './types';
export * from './lifecycle';
export * from './storeName';
export * from './permissions';
export * from './signals';
export * from './storePage';
export * from './client';
