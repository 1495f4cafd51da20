export { createApp } from './app.js';
export { createRegistry } from './registry.js';
export { startErrorReporting } from './reporting.js';
export * from '@hotel/format';
