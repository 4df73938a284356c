export type { DownloadProgress } from './download.js';
export {
  HubAccessError,
  HubCacheMissError,
  HubCorruptCacheError,
  HubDiskFullError,
  HubNetworkError,
  HubNotFoundError,
  HubProtocolError,
} from './errors.js';
export {
  DEFAULT_REVISION,
  type ResolvedModel,
  type ResolveModelOptions,
  resolveModel,
} from './resolve-model.js';
export { type HubSettings, type HubSettingsOverrides, hubSettings } from './settings.js';
