export * from './api';
export * from './media-type';
export * from './pipelines';
export * from './queues';
export * from './env';
export * from './flows';
export * from './providers';
