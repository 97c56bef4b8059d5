//

export * from '../models/ClusterStatus.model';
export * from '../models/CreateStore200Response.model';
export * from '../models/CreateStoreDryRunResult.model';
export * from '../models/CreateStoreRequest.model';
export * from '../models/ErrorError.model';
export * from '../models/ErrorRequest.model';
export * from '../models/ErrorResponse.model';
export * from '../models/ForgetStoreRequest.model';
export * from '../models/GetHealth200Response.model';
export * from '../models/ListClusters200Response.model';
export * from '../models/ListEngines200Response.model';
export * from '../models/ListStoreEvents200Response.model';
export * from '../models/ModelError.model';
export * from '../models/Store.model';
export * from '../models/StoreCredentials.model';
export * from '../models/StoreEngineInfo.model';
export * from '../models/StoreEvent.model';
export * from '../models/StoreEventType.model';
export * from '../models/StoreList.model';
export * from '../models/StorePlan.model';
export * from '../models/StoreResource.model';
export * from '../models/StoreStatus.model';
