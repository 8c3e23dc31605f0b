export * from './blob-store';
export * from './filesystem-blob-store';
export * from './resolve-blob-root';
