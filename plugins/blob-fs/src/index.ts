import { blobFsPlugin } from './blob-fs.plugin.js';

export { FsBlobStore, type FsBlobStoreOptions } from './fs-blob-store.js';
export { blobFsConfigSchema, type BlobFsConfig } from './blob-fs.plugin.js';
export default blobFsPlugin;
