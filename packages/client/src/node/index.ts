export {
  FILE_STORE_CRASH_POINTS,
  FileStore,
  SimulatedCrashError,
  type FileStoreCrashPoint,
  type FileStoreOptions,
} from '../store/node/file-store.js';
