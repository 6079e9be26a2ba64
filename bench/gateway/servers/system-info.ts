/** The body the non-gateway servers return: the same shape and values as the gateway's `/api/v1/system/info`. */
import { runtime, runtimeVersion, streamhubVersion } from '@streamhub/api/runtime-info';
import type { SystemInfo } from '@streamhub/contracts/system';

export const systemInfo = (): SystemInfo => ({
  name: 'streamhub',
  version: streamhubVersion,
  runtime,
  runtimeVersion,
  drivers: { database: 'postgres', infra: 'memory' },
  // The gateway's defaults, so that the bodies are the same size.
  publicUrl: 'http://localhost:3000',
  ingest: { rtmpUrl: 'rtmp://localhost:1935/live' },
});
