export const BLOB_STORE = Symbol('BLOB_STORE');
export const ORIENTATION_DETECTOR = Symbol('ORIENTATION_DETECTOR');
export const REDIS = Symbol('REDIS');
