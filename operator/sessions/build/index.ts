// The pure builders of container sessions: inputs in, desired Kubernetes objects out, no I/O.
export * from './types.ts';
export * from './names.ts';
export * from './quantity.ts';
export * from './resources.ts';
export * from './data.ts';
export * from './pod.ts';
export * from './service.ts';
export * from './secret.ts';
export * from './networkpolicy.ts';
