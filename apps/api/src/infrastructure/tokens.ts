export const BLOB_STORE = Symbol('BLOB_STORE');
export const REDIS = Symbol('REDIS');
