/** Builds the process's one {@link MediaStorage} from its settings (today only the filesystem). */
import { FilesystemMediaStorage } from './filesystem.ts';
import type { MediaStorage } from './port.ts';

export interface MediaStorageSettings {
  /** STREAMHUB_DATA_DIR: the filesystem storage keeps media in `<dataDir>/media`. */
  dataDir: string;
}

/** The media storage a process runs on; every part of the process gets this one instance. */
export function createMediaStorage(settings: MediaStorageSettings): MediaStorage {
  return new FilesystemMediaStorage({ dataDir: settings.dataDir });
}
