// The part of s3rver 3.7 (no types of its own) that the tests use.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    directory: string;
    silent?: boolean;
    resetOnClose?: boolean;
    /** `configs`: bucket configuration documents (a `<CORSConfiguration>`, a website). */
    configureBuckets?: { name: string; configs?: string[] }[];
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    /** The listening server, once `run` resolved. */
    httpServer: import('node:http').Server;
    close(): Promise<void>;
  }
}
