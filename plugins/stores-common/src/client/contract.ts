/**
 * The types in `../types.ts` are written by hand for their documentation; the
 * OpenAPI document is the contract. These checks fail the type check as soon
 * as the two differ in any field, optionality or enum value, so a change of the
 * document must come with the same change of the types (and the reverse).
 */
import * as Document from '../schema/openapi/generated';
import * as Types from '../types';
import { CreateStoreDryRunResult } from './StoresClient';

/** True when A and B are the same type, false otherwise. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B
  ? 1
  : 2
  ? true
  : false;

/** Fails to compile unless its argument is `true`. */
type Holds<T extends true> = T;

/** Compares the shapes, field by field, whatever the names of nested types. */
type Shape<T> = T extends readonly (infer E)[]
  ? Shape<E>[]
  : T extends object
  ? { [K in keyof T]: Shape<T[K]> }
  : T;

export type ContractHolds = [
  Holds<Same<Shape<Document.Store>, Shape<Types.Store>>>,
  Holds<Same<Document.StoreStatus, Types.StoreStatus>>,
  Holds<Same<Document.StoreEvent['type'], Types.StoreEventType>>,
  Holds<Same<Shape<Document.StoreEvent>, Shape<Types.StoreEvent>>>,
  Holds<Same<Shape<Document.StoreList>, Shape<Types.StoreList>>>,
  Holds<Same<Shape<Document.StoreEngineInfo>, Shape<Types.StoreEngineInfo>>>,
  Holds<
    Same<Shape<Document.StoreCredentials>, Shape<Types.StoreAdminCredentials>>
  >,
  Holds<Same<Shape<Document.ClusterStatus>, Shape<Types.ClusterStatus>>>,
  Holds<
    Same<Shape<Document.CreateStoreRequest>, Shape<Types.CreateStoreRequest>>
  >,
  Holds<
    Same<
      Shape<Document.CreateStoreDryRunResult>,
      Shape<CreateStoreDryRunResult>
    >
  >,
];
