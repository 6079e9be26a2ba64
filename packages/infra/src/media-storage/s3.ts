/**
 * {@link MediaStorage} on S3-compatible object storage: the object `<key>` is `<prefix><key>` in one
 * bucket. Built for the smallest common S3 surface (s3rver, MinIO, Garage, AWS): Put/Get/Head/Copy/Delete
 * objects, ListObjectsV2, DeleteObjects and multipart Create/UploadPart/Complete, nothing else. Resumable
 * uploads keep their part list in a {@link MultipartLedger} (PostgreSQL) instead of asking ListParts, and
 * the tail below the 5 MiB part minimum in a hidden `.multipart/` object, so any gateway replica can go on
 * with an upload another one began. Local directories (ffmpeg) are private temporary copies, uploaded on
 * `sync`. See docs/storage.md.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import {
  assertMediaKey,
  assertMediaPrefix,
  InvalidMediaKeyError,
  isMediaKey,
  isRelativeName,
  type MediaKey,
  type MediaPrefix,
  VOD_SOURCE,
} from './keys.ts';
import type { MultipartLedger, MultipartPart, MultipartState } from './multipart-ledger.ts';
import { objectHeaders } from './object-headers.ts';
import {
  type ByteRange,
  type LocalDirectory,
  type MediaAccess,
  type MediaEntry,
  MediaNotFoundError,
  MediaRangeNotSatisfiableError,
  type MediaRead,
  type MediaStat,
  type MediaStorage,
  type OpenUploadOptions,
  type UploadWriter,
  type WriteOptions,
} from './port.ts';
import { objectUrl, presignGetUrl } from './s3-presign.ts';

/** S3's smallest part but the last. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** Parts of streamed whole-object writes: 10,000 of them hold 156 GiB. */
const STREAM_PART_SIZE = 16 * 1024 * 1024;
/**
 * Bytes a streamed part passes on to its request at a time: a write per received chunk (64 KiB) cost the
 * gateway more than the overlap needs.
 */
const STREAM_SLICE = 1024 * 1024;
/** S3's largest CopyObject; bigger objects are copied part by part. */
const MAX_COPY_SIZE = 5 * 1024 ** 3;
const COPY_PART_SIZE = 512 * 1024 ** 2;
/** Where upload tails live: a name no media key can start with, so never listed as media. */
const TAILS = '.multipart';
/**
 * Where public copies live: the only part of the bucket `publicBaseUrl` (a CDN, a bucket policy allowing
 * anonymous reads) may expose. Not a media collection, so never listed as media.
 */
const PUBLIC = 'public';

/** How to reach the bucket (the `S3_*` settings). */
export interface S3ConnectionSettings {
  /** Unset: AWS's endpoint for the region. */
  endpoint?: string;
  region: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO, s3rver, Garage). */
  forcePathStyle: boolean;
  /** Unset: the SDK's default chain (environment, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** An S3 client for the smallest common S3 surface. */
export function createS3Client(settings: S3ConnectionSettings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials,
    // Checksums only where the API demands them: many S3-compatible servers reject the newer headers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    logger: sdkLogger,
  });
}

/**
 * Silent, as the SDK's default logger is, but for the one warning that logger still prints on the
 * console: a streamed request that failed. An UploadPart streamed from a tus PATCH is aborted by design
 * when the client goes away (the upload writer keeps the bytes), and a stream the store failed is sent
 * again as bytes, so that warning would be noise on every dropped upload.
 */
const sdkLogger = { trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Where presigned URLs point: the bucket as viewers reach it (`S3_SIGNED_URL_ENDPOINT` or `S3_ENDPOINT`). */
export interface S3SignedUrlSettings {
  /** Unset: AWS's endpoint for the region. */
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
}

export interface S3MediaStorageOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every key (`streamhub/`), so one bucket can hold several installations. */
  prefix?: string;
  /**
   * Where a CDN (or the bucket itself) serves `<prefix>public/` publicly. Unset: the gateway serves
   * everything.
   */
  publicBaseUrl?: string;
  ledger: MultipartLedger;
  /**
   * Set: private media is handed out as presigned GET URLs into the bucket at `endpoint` (which viewers
   * must reach), instead of being streamed by the gateway (`MEDIA_PRIVATE_DELIVERY=signed`).
   */
  signedUrls?: S3SignedUrlSettings;
  /**
   * Where this process reaches the bucket (the client's own endpoint), for presigned URLs its own tools
   * read ({@link S3MediaStorage.toolUrl}: the upload probe). Unset: those tools get local copies.
   */
  toolUrls?: S3SignedUrlSettings;
  /** Bytes per multipart part (at least {@link MIN_PART_SIZE}). */
  partSize?: number;
  /** Where local directories are made (default: the OS temporary directory). */
  scratchDir?: string;
  /** Parts one upload writer sends at a time (default 2): the next part fills while others travel. */
  partConcurrency?: number;
  /** Bytes of stored upload tails kept in memory for the next PATCH on this instance (default 64 MiB). */
  heldTailBytes?: number;
}

export class S3MediaStorage implements MediaStorage {
  readonly kind = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly publicBaseUrl: string | undefined;
  private readonly ledger: MultipartLedger;
  private readonly signedUrls: S3SignedUrlSettings | undefined;
  private readonly toolUrls: S3SignedUrlSettings | undefined;
  private readonly partSize: number;
  private readonly scratchDir: string;
  private readonly partConcurrency: number;
  private readonly heldTails: HeldTails;
  /** Part buffers whose requests are over, for the next parts of any upload writer of this instance. */
  readonly partBuffers: PartBuffers;

  constructor(options: S3MediaStorageOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = prefix ? `${prefix}/` : '';
    this.publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, '');
    this.ledger = options.ledger;
    this.signedUrls = options.signedUrls;
    this.toolUrls = options.toolUrls;
    this.partSize = Math.max(MIN_PART_SIZE, options.partSize ?? MIN_PART_SIZE);
    this.scratchDir = options.scratchDir ?? tmpdir();
    this.partConcurrency = Math.max(1, options.partConcurrency ?? 2);
    this.heldTails = new HeldTails(options.heldTailBytes ?? 64 * 1024 * 1024);
    // Enough for a writer's parts in flight and the one filling, at their largest (a part cut to a PATCH's
    // end is up to part size + 5 MiB): a steady upload then allocates none, PATCH after PATCH.
    this.partBuffers = new PartBuffers((this.partConcurrency + 1) * (this.partSize + MIN_PART_SIZE));
  }

  async write(key: MediaKey, body: Uint8Array | Readable, options: WriteOptions = {}): Promise<void> {
    const name = this.objectName(key);
    if (body instanceof Uint8Array) {
      await this.put(name, key, body, body.byteLength, options);
      return;
    }
    // PutObject needs the length up front: a stream is read a part at a time, and sent as one PutObject
    // when it ends within the first part (playlists, thumbnails), else as a multipart upload (memory
    // stays at one part whatever the size, e.g. `streamhub media migrate` copying a source).
    const parts: { PartNumber: number; ETag: string }[] = [];
    let uploadId: string | undefined;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (chunk: Buffer) => {
      uploadId ??= await this.beginMultipart(name, key, options);
      parts.push({
        PartNumber: parts.length + 1,
        ETag: await this.uploadPart(name, uploadId, parts.length + 1, chunk),
      });
    };
    for await (const piece of body) {
      pending.push(Buffer.from(piece as Uint8Array));
      pendingBytes += (piece as Uint8Array).byteLength;
      if (pendingBytes >= STREAM_PART_SIZE) {
        await flush(Buffer.concat(pending, pendingBytes));
        pending = [];
        pendingBytes = 0;
      }
    }
    const rest = Buffer.concat(pending, pendingBytes);
    if (uploadId === undefined) {
      await this.put(name, key, rest, rest.byteLength, options);
      return;
    }
    if (rest.byteLength > 0) await flush(rest);
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: name,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  }

  async stat(key: MediaKey): Promise<MediaStat | undefined> {
    return this.head(this.objectName(key));
  }

  async read(key: MediaKey, options: { range?: ByteRange } = {}): Promise<MediaRead | undefined> {
    const name = this.objectName(key);
    const range = options.range;
    if (range && !isPlausibleRange(range)) {
      const found = await this.head(name);
      if (!found) return undefined;
      throw new MediaRangeNotSatisfiableError(found.size);
    }
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: name,
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      );
      const body = out.Body as Readable;
      const size = range ? sizeFromContentRange(out.ContentRange) : (out.ContentLength ?? 0);
      const found = { size, etag: out.ETag ?? '""', modified: out.LastModified ?? new Date(0) };
      const sent = range
        ? { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) }
        : { start: 0, end: size - 1 };
      return { stat: found, range: sent, body };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (statusOf(error) === 416) {
        const found = await this.head(name);
        if (!found) return undefined;
        throw new MediaRangeNotSatisfiableError(found.size);
      }
      throw error;
    }
  }

  async list(prefix: MediaPrefix): Promise<MediaEntry[]> {
    const entries: MediaEntry[] = [];
    for await (const object of this.listObjects(this.prefixName(prefix))) {
      const key = object.name.slice(this.prefix.length);
      if (isMediaKey(key)) entries.push({ key, size: object.size, modified: object.modified });
    }
    return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async listPrefixes(prefix: MediaPrefix): Promise<string[]> {
    const base = this.prefixName(prefix);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: base,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      for (const common of page.CommonPrefixes ?? []) {
        const name = (common.Prefix ?? '').slice(base.length, -1);
        if (isRelativeName(name) && !name.includes('/')) names.push(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names.sort();
  }

  async delete(key: MediaKey): Promise<void> {
    const name = this.objectName(key);
    await this.deleteNames([this.publicName(key)]);
    // An upload in progress is also its ledger entry and tail objects.
    if (key.startsWith('uploads/')) {
      this.heldTails.drop(key);
      await this.ledger.forget(key);
      await this.deleteNames(await this.names(this.tailPrefix(key)));
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: name }));
  }

  async deletePrefix(prefix: MediaPrefix): Promise<void> {
    await this.deleteNames(await this.names(this.prefixName(prefix)));
    await this.unpublish(prefix);
  }

  /**
   * Public media is copied under `public/` the first time the gateway hands it out as public, and served
   * from there; nothing else ever is, so private media cannot be fetched from the public URL (the gateway
   * asks for a public URL only after its own access checks). Objects rewritten in place (playlists, live
   * thumbnails) stay with the gateway: a copy would go stale.
   *
   * Signed access (the gateway asks after checking the viewer's token) is a presigned GET of the object
   * itself, when `signedUrls` is set; else undefined and the gateway streams it. Playlists and WebVTT are
   * never signed: the relative names in them would resolve into the bucket, unsigned.
   */
  async url(key: MediaKey, access: MediaAccess): Promise<string | undefined> {
    const name = this.objectName(key);
    if (access.kind === 'signed') {
      if (!this.signedUrls || !isSignable(key)) return undefined;
      return this.presign(this.signedUrls, name, access.expiresInSeconds);
    }
    if (!this.publicBaseUrl || !isPublishable(key)) return undefined;
    const copy = this.publicName(key);
    if (!(await this.head(copy))) {
      const found = await this.head(name);
      if (!found) return undefined;
      await this.copyName(name, copy, key, found.size);
    }
    return `${this.publicBaseUrl}/${key}`;
  }

  async unpublish(prefix: MediaPrefix): Promise<void> {
    await this.deleteNames(await this.names(`${this.prefix}${PUBLIC}/${assertMediaPrefix(prefix)}/`));
  }

  async localDirectory(
    prefix: MediaPrefix,
    options: { load?: boolean | readonly string[] } = {},
  ): Promise<LocalDirectory> {
    assertMediaPrefix(prefix);
    await mkdir(this.scratchDir, { recursive: true });
    const path = await mkdtemp(join(this.scratchDir, 'streamhub-s3-'));
    const directory = new S3LocalDirectory(this, path, prefix);
    try {
      if (options.load) await directory.load(options.load === true ? undefined : options.load);
    } catch (error) {
      await directory.release();
      throw error;
    }
    return directory;
  }

  async createUpload(key: MediaKey, options: { target?: MediaKey } = {}): Promise<void> {
    const name = this.objectName(key);
    this.heldTails.drop(key);
    // Straight into the target when it is known: completing is then the whole job, with no copy.
    const target = options.target ?? key;
    const object = this.objectName(target);
    const headers = objectHeaders(target);
    // An earlier upload's leftovers go while the new multipart upload is created: a multipart upload's
    // object appears only when it completes, so deleting the same name meanwhile cannot touch it.
    const cleared = this.names(this.tailPrefix(key)).then((tails) => this.deleteNames([name, ...tails]));
    const created = this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: object,
        ContentType: headers.contentType,
        CacheControl: headers.cacheControl,
      }),
    );
    const [, { UploadId }] = await Promise.all([cleared, created]);
    if (!UploadId) throw new Error(`The store gave no UploadId for ${key}`);
    await this.ledger.begin(key, UploadId, object);
  }

  async openUpload(key: MediaKey, offset: number, options: OpenUploadOptions = {}): Promise<UploadWriter> {
    assertMediaKey(key);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`Bad upload offset ${offset}`);
    const state = await this.ledger.find(key);
    if (!state) throw new MediaNotFoundError(key);
    // A short part is only ever the last one (sent by a `last` close): nothing may follow it.
    const contiguous = contiguousParts(state.parts, offset);
    const short = contiguous.findIndex((part) => part.size < MIN_PART_SIZE);
    const kept = short < 0 ? contiguous : contiguous.slice(0, short);
    const partsEnd = endOf(kept);
    const nextPart = kept.length + 1;
    // Bytes past `offset` are a dead writer's: its later parts are dropped, and the bytes
    // between the last whole part and `offset` come back from the tail that held them: from memory when
    // this instance stored it (the client's previous PATCH came here), else from the tail object.
    const need = offset - partsEnd;
    const held = this.heldTails.take(key, partsEnd, need);
    const carried = need > 0 ? (held ?? (await this.readTail(key, partsEnd, need))) : Buffer.alloc(0);
    // Only a dead writer's parts past the kept ones need forgetting (this PATCH holds the upload alone).
    if (state.parts.some((part) => part.partNumber >= nextPart)) await this.ledger.truncate(key, nextPart);
    // Tails a dead writer stored past `offset` stay until the upload completes or is deleted (both clear
    // the tail prefix): none is read again, since a tail is read only at the end of the kept parts, where
    // every writer that moved the offset stored (or carried) the bytes it answered. Not listing them here
    // saves a ListObjectsV2 per PATCH.
    return new MultipartWriter(this, key, state, {
      partsEnd,
      nextPart,
      carried,
      concurrency: this.partConcurrency,
      end: options.end,
      final: options.final,
    });
  }

  async completeUpload(key: MediaKey, target: MediaKey, options: { length?: number } = {}): Promise<void> {
    const targetName = this.objectName(target);
    const state = await this.ledger.find(key);
    if (!state) {
      // Completed before (a retry after a crash): the target is the result.
      if (await this.head(targetName)) return;
      throw new MediaNotFoundError(key);
    }
    // The multipart upload completes into the object named when it was created: the target itself when
    // createUpload was told, else the upload's own key, copied to the target afterwards.
    const staged = state.object;
    const parts = contiguousParts(state.parts, Number.POSITIVE_INFINITY);
    if (parts.length !== state.parts.length) throw new Error(`The parts of ${key} have a gap`);
    const partsEnd = endOf(parts);
    // A short last part is the tail, sent by the writer's `last` close: nothing is stored after it. Nor
    // past parts that reach the declared length (a `last` close sends a whole part as a part too).
    const last = parts.at(-1);
    const ended = (last !== undefined && last.size < MIN_PART_SIZE) || partsEnd === options.length;
    let size: number;
    try {
      const tail = ended ? Buffer.alloc(0) : await this.readTail(key, partsEnd);
      size = partsEnd + tail.length;
      if (parts.length === 0 && tail.length === 0) {
        await this.put(staged, target, new Uint8Array(), 0, {});
      } else {
        const all = parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag }));
        if (tail.length > 0) {
          const etag = await this.uploadPart(staged, state.uploadId, parts.length + 1, tail);
          all.push({ PartNumber: parts.length + 1, ETag: etag });
        }
        await this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: staged,
            UploadId: state.uploadId,
            MultipartUpload: { Parts: all },
          }),
        );
      }
    } catch (error) {
      // Completed before, and the ledger not yet cleared (a retry after a crash): the store no longer
      // knows the multipart upload, and the object is the result. Asked only then, so a completion costs
      // no HeadObject.
      const completed = await this.head(staged);
      if (!completed) throw error;
      size = completed.size;
    }
    if (staged !== targetName) await this.copyName(staged, targetName, target, size);
    this.heldTails.drop(key);
    // Forgotten first: a retry that found the tails gone but the ledger still there would take the upload
    // for one without its tail.
    await this.ledger.forget(key);
    const tails = await this.names(this.tailPrefix(key));
    await this.deleteNames(staged === targetName ? tails : [staged, ...tails]);
  }

  /**
   * A presigned GET through the endpoint this process uses (any object: the URL stays on this host, in a
   * tool's arguments, and lapses after `expiresInSeconds`).
   */
  async toolUrl(key: MediaKey, expiresInSeconds: number): Promise<string | undefined> {
    const name = this.objectName(key);
    return this.toolUrls ? this.presign(this.toolUrls, name, expiresInSeconds) : undefined;
  }

  // --- used by the local directory and the upload writer ---

  /** Uploads a local file as the object `key`. */
  async putFile(key: MediaKey, path: string, size: number): Promise<void> {
    await this.put(this.objectName(key), key, createReadStream(path), size, {});
  }

  /** Downloads the object `key` into `path`; false when there is none. */
  async getFile(key: MediaKey, path: string): Promise<boolean> {
    const read = await this.read(key);
    if (!read) return false;
    await mkdir(dirname(path), { recursive: true });
    await pipeline(read.body, createWriteStream(path));
    return true;
  }

  /**
   * Uploads one part: bytes, or a stream of `length` bytes (sent as it is written, with an unsigned payload:
   * SigV4 cannot hash what has not arrived, and the SDK does not retry a stream).
   */
  async uploadPart(
    name: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array | Readable,
    stream?: { length: number; abortSignal: AbortSignal },
  ): Promise<string> {
    const out = await this.client.send(
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: name,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body instanceof Uint8Array ? body.byteLength : stream?.length,
      }),
      stream ? { abortSignal: stream.abortSignal } : {},
    );
    if (!out.ETag) throw new Error(`The store gave no ETag for part ${partNumber} of ${name}`);
    return out.ETag;
  }

  recordParts(key: MediaKey, parts: readonly MultipartPart[]): Promise<void> {
    return this.ledger.recordParts(key, parts);
  }

  /** Stores the tail as an object (for any replica) and keeps it in memory (for this one). */
  async writeTail(key: MediaKey, start: number, bytes: Buffer): Promise<void> {
    this.heldTails.drop(key);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.tailName(key, start),
        Body: bytes,
        ContentLength: bytes.byteLength,
      }),
    );
    this.heldTails.hold(key, start, bytes);
  }

  objectName(key: MediaKey): string {
    return `${this.prefix}${assertMediaKey(key)}`;
  }

  get partBytes(): number {
    return this.partSize;
  }

  // --- internals ---

  private async presign(
    settings: S3SignedUrlSettings,
    name: string,
    expiresInSeconds: number,
  ): Promise<string> {
    // The client's own credentials, so the SDK's chain (an instance role, with its session token) serves.
    const credentials = await this.client.config.credentials();
    return presignGetUrl({
      url: objectUrl({ ...settings, bucket: this.bucket, objectName: name }),
      region: settings.region,
      credentials,
      expiresInSeconds,
    });
  }

  private prefixName(prefix: MediaPrefix): string {
    return `${this.prefix}${assertMediaPrefix(prefix)}/`;
  }

  private publicName(key: MediaKey): string {
    return `${this.prefix}${PUBLIC}/${assertMediaKey(key)}`;
  }

  private tailPrefix(key: MediaKey): string {
    return `${this.prefix}${TAILS}/${assertMediaKey(key)}/`;
  }

  private tailName(key: MediaKey, start: number): string {
    return `${this.tailPrefix(key)}${start}`;
  }

  /** The first `length` bytes (all, when unset) of the tail starting at `start`; empty when there is none. */
  private async readTail(key: MediaKey, start: number, length?: number): Promise<Buffer> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.tailName(key, start),
          Range: length === undefined ? undefined : `bytes=0-${length - 1}`,
        }),
      );
      const bytes = await collect(out.Body as Readable);
      if (length !== undefined && bytes.length < length) throw notDurable(key, start + length);
      return bytes;
    } catch (error) {
      if (!isNotFound(error) && statusOf(error) !== 416) throw error;
      if (length !== undefined) throw notDurable(key, start + length);
      return Buffer.alloc(0);
    }
  }

  private async put(
    name: string,
    key: MediaKey,
    body: Uint8Array | Readable,
    length: number,
    options: WriteOptions,
  ): Promise<void> {
    const headers = objectHeaders(key);
    // A rewritten object (a poster of a reprocessed video) is published again from its new content.
    if (this.publicBaseUrl && isPublishable(key)) await this.deleteNames([this.publicName(key)]);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: name,
        Body: body,
        ContentLength: length,
        ContentType: options.contentType ?? headers.contentType,
        CacheControl: options.cacheControl ?? headers.cacheControl,
      }),
    );
  }

  private async beginMultipart(name: string, key: MediaKey, options: WriteOptions): Promise<string> {
    const headers = objectHeaders(key);
    if (this.publicBaseUrl && isPublishable(key)) await this.deleteNames([this.publicName(key)]);
    const created = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: name,
        ContentType: options.contentType ?? headers.contentType,
        CacheControl: options.cacheControl ?? headers.cacheControl,
      }),
    );
    if (!created.UploadId) throw new Error(`The store gave no UploadId for ${key}`);
    return created.UploadId;
  }

  private async head(name: string): Promise<MediaStat | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: name }));
      return {
        size: out.ContentLength ?? 0,
        etag: out.ETag ?? '""',
        modified: out.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Copies `from` to `to` (stored as `key`), part by part above S3's CopyObject limit. */
  private async copyName(from: string, to: string, key: MediaKey, size: number): Promise<void> {
    const headers = objectHeaders(key);
    const source = `${this.bucket}/${from}`;
    if (size <= MAX_COPY_SIZE) {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          CopySource: source,
          MetadataDirective: 'REPLACE',
          ContentType: headers.contentType,
          CacheControl: headers.cacheControl,
        }),
      );
      return;
    }
    const created = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: to,
        ContentType: headers.contentType,
        CacheControl: headers.cacheControl,
      }),
    );
    const parts: { PartNumber: number; ETag: string | undefined }[] = [];
    for (let start = 0, number = 1; start < size; start += COPY_PART_SIZE, number++) {
      const end = Math.min(start + COPY_PART_SIZE, size) - 1;
      const out = await this.client.send(
        new UploadPartCopyCommand({
          Bucket: this.bucket,
          Key: to,
          UploadId: created.UploadId,
          PartNumber: number,
          CopySource: source,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      parts.push({ PartNumber: number, ETag: out.CopyPartResult?.ETag });
    }
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: to,
        UploadId: created.UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  }

  private async *listObjects(base: string): AsyncGenerator<{ name: string; size: number; modified: Date }> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) {
          yield { name: object.Key, size: object.Size ?? 0, modified: object.LastModified ?? new Date(0) };
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async names(base: string): Promise<string[]> {
    const names: string[] = [];
    for await (const object of this.listObjects(base)) names.push(object.name);
    return names;
  }

  private async deleteNames(names: readonly string[]): Promise<void> {
    for (let i = 0; i < names.length; i += 1000) {
      const batch = names.slice(i, i + 1000);
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        throw new Error(
          `Could not delete ${failed.length} objects (first: ${failed[0]?.Key}: ${failed[0]?.Code})`,
        );
      }
    }
  }
}

/**
 * Appends to a multipart upload. A part whose size is settled when it begins (a whole part, or the part
 * a declared end cuts) is streamed to the store as an UploadPart while its bytes arrive, so the store
 * receives a part while the client sends it rather than after it; up to `concurrency` parts are on their
 * way at a time. Every byte is also copied once into the part's buffer, which stands in for the stream
 * when it cannot finish: the body ended early (the request is aborted and the bytes are kept as below),
 * or the store failed the stream (the filled buffer is sent again, with the SDK's retries, which a
 * stream does not get). Parts become durable when `sync` records the finished ones in the ledger (one
 * statement per sync, not per part). The bytes of an unfinished part stay in memory; they are stored as
 * a tail object (so a writer on another gateway can take them back) only when the upload stalls (a sync
 * that finds no part finished since the last one: a slow or silent client) and when the writer closes
 * with less than a part minimum; a close with a part minimum or more, or a `last` close, sends them as a
 * part, so the completing upload never stores or reads a tail back.
 */
class MultipartWriter implements UploadWriter {
  /** The part being filled, and how much of it is. */
  private part: Buffer;
  private filled = 0;
  /** Where the part being filled starts in the upload; every byte before it is in a sent part. */
  private partStart: number;
  private nextPart: number;
  /** The part being filled, when it is also being streamed to the store. */
  private streaming: StreamedPart | undefined;
  /** Parts whose bytes are all on their way, in order; each settles to its ledger entry. */
  private sending: Sending[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** The end of the parts recorded in the ledger (durable). */
  private recordedEnd: number;
  /** The tail stored as an object (or carried from one), so an unchanged one is not stored again. */
  private storedTail: { start: number; size: number } | undefined;
  /** Parts finished since the last sync: none means the client is slow or silent. */
  private sentSinceSync = 0;
  private failure: { error: unknown } | undefined;
  private closed: Promise<number> | undefined;

  private readonly concurrency: number;
  /** Where the appends will stop, when the caller knows (a PATCH's declared length). */
  private readonly end: number | undefined;
  /** The appends up to `end` finish the upload: its last part may be short. */
  private readonly final: boolean;

  constructor(
    private readonly storage: S3MediaStorage,
    private readonly key: MediaKey,
    private readonly upload: MultipartState,
    start: {
      partsEnd: number;
      nextPart: number;
      carried: Buffer;
      concurrency: number;
      end?: number;
      final?: boolean;
    },
  ) {
    const { partsEnd, nextPart, carried } = start;
    this.concurrency = start.concurrency;
    this.end = start.end;
    this.final = start.final === true && start.end !== undefined;
    this.partStart = partsEnd;
    this.recordedEnd = partsEnd;
    this.nextPart = nextPart;
    this.part = storage.partBuffers.take(Math.max(storage.partBytes, carried.length));
    carried.copy(this.part);
    this.filled = carried.length;
    if (carried.length > 0) this.storedTail = { start: partsEnd, size: carried.length };
  }

  async append(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('The upload writer is closed');
    this.throwIfFailed();
    let from = 0;
    while (from < bytes.byteLength) {
      const size = this.partTarget();
      if (this.filled >= size) {
        // A carried tail as large as a part (stored while a long part stalled) goes as a part of its own.
        await this.send(this.part.subarray(0, this.filled));
        continue;
      }
      if (this.part.length < size) {
        // This part runs to the end: a buffer that holds it, for this one part.
        const larger = this.storage.partBuffers.take(size);
        this.part.copy(larger, 0, 0, this.filled);
        this.storage.partBuffers.give(this.part);
        this.part = larger;
      }
      if (!this.streaming && this.isStreamable(size)) await this.startStream(size);
      const take = Math.min(size - this.filled, bytes.byteLength - from);
      this.part.set(bytes.subarray(from, from + take), this.filled);
      this.filled += take;
      from += take;
      this.streaming?.advance(this.filled);
      if (this.filled < size) continue;
      if (this.streaming) this.streamed();
      else await this.send(this.part.subarray(0, this.filled));
    }
  }

  /**
   * The size of the part being filled: the part size, or, when the appends end within less than a part
   * minimum past it, everything up to that end (at most part size + 5 MiB − 1), so no tail is left over.
   * What is left below the minimum is a part only when it ends the upload (S3 allows a short last part);
   * otherwise it stays a tail.
   */
  private partTarget(): number {
    const partSize = this.storage.partBytes;
    if (this.end === undefined) return partSize;
    const left = this.end - this.partStart;
    if (left <= 0 || left >= partSize + MIN_PART_SIZE) return partSize;
    return left >= MIN_PART_SIZE || this.final ? left : partSize;
  }

  /**
   * Whether a part of `size` is exactly what will be sent if the appends reach its end: not a part size
   * the declared end falls short of (its bytes become a tail, so streaming them would be wasted).
   */
  private isStreamable(size: number): boolean {
    return this.end === undefined || this.partStart + size <= this.end;
  }

  async sync(): Promise<number> {
    this.throwIfFailed();
    const sent = this.sentSinceSync;
    this.sentSinceSync = 0;
    await this.recordSent();
    const stalled = sent === 0 && this.sentSinceSync === 0 && this.sending.length === 0;
    if (stalled && this.recordedEnd === this.partStart) await this.storeTail();
    this.throwIfFailed();
    return this.durableEnd();
  }

  close(options: { last?: boolean } = {}): Promise<number> {
    this.closed ??= this.finish(options.last === true);
    return this.closed;
  }

  private async finish(last: boolean): Promise<number> {
    // The body ended before the streamed part was full: its bytes are in the buffer, dealt with below.
    await this.abortStream();
    await Promise.all(this.sending.map((sending) => sending.done));
    this.throwIfFailed();
    // The final part may be short: S3 allows that of the last one only, and nothing follows. A fill of
    // the part minimum or more is a part as it is (a PATCH's end cut there), and no tail is stored.
    if (this.filled > 0 && (last || this.filled >= MIN_PART_SIZE)) {
      await this.send(this.part.subarray(0, this.filled), false);
      await Promise.all(this.sending.map((sending) => sending.done));
      this.throwIfFailed();
    }
    await this.recordSent();
    this.throwIfFailed();
    if (this.filled > 0) await this.storeTail();
    // The tail went as a copy: the buffer it was filled in serves the next writer.
    this.storage.partBuffers.give(this.part);
    this.part = Buffer.alloc(0);
    this.filled = 0;
    return this.durableEnd();
  }

  /** Waits while `concurrency` parts are on their way. */
  private async room(): Promise<void> {
    while (this.inFlight.size >= this.concurrency) {
      await Promise.race(this.inFlight);
      this.throwIfFailed();
    }
  }

  /**
   * Starts the UploadPart of the part being filled, `size` bytes long, with what it already holds (a
   * carried tail); the appends write the rest into it as they copy it into the buffer.
   */
  private async startStream(size: number): Promise<void> {
    await this.room();
    const number = this.nextPart;
    const start = this.partStart;
    const buffer = this.part;
    const body = new PassThrough();
    // A failed or aborted request destroys the body; a late write then must not throw.
    body.on('error', () => {});
    const abort = new AbortController();
    let filled = () => {};
    let dropped = (_: unknown) => {};
    const full = new Promise<void>((resolve, reject) => {
      filled = resolve;
      dropped = reject;
    });
    full.catch(() => {});
    const sending: Sending = { part: undefined, done: Promise.resolve() };
    const { object, uploadId } = this.upload;
    const streamed = this.storage
      .uploadPart(object, uploadId, number, body, { length: size, abortSignal: abort.signal })
      .catch(async (error: unknown) => {
        if (abort.signal.aborted) throw error;
        // The store failed the stream: once the buffer holds the whole part, it goes again as bytes.
        body.destroy();
        await full;
        return this.storage.uploadPart(object, uploadId, number, buffer.subarray(0, size));
      });
    sending.done = streamed.then(
      (etag) => {
        sending.part = { partNumber: number, start, size, etag };
        this.inFlight.delete(sending.done);
        this.storage.partBuffers.give(buffer);
      },
      (error: unknown) => {
        this.inFlight.delete(sending.done);
        // Aborted by `finish`: the bytes are still in the buffer, and go as a tail or a part from there.
        if (!abort.signal.aborted) this.failure ??= { error };
      },
    );
    this.inFlight.add(sending.done);
    let passed = 0;
    this.streaming = {
      sending,
      advance: (upTo) => {
        if (upTo - passed < STREAM_SLICE && upTo < size) return;
        if (!body.destroyed) body.write(buffer.subarray(passed, upTo));
        passed = upTo;
      },
      end: () => {
        body.end();
        filled();
      },
      abort: () => {
        abort.abort();
        body.destroy();
        dropped(new Error('The part was cut short'));
      },
    };
    this.streaming.advance(this.filled);
  }

  /** The streamed part is full: its request finishes on its own, and a new buffer takes the next bytes. */
  private streamed(): void {
    const streaming = this.streaming as StreamedPart;
    this.streaming = undefined;
    streaming.end();
    this.sending.push(streaming.sending);
    this.nextPart += 1;
    this.partStart += this.filled;
    this.sentSinceSync += 1;
    this.part = this.storage.partBuffers.take(this.storage.partBytes);
    this.filled = 0;
  }

  private async abortStream(): Promise<void> {
    const streaming = this.streaming;
    if (!streaming) return;
    this.streaming = undefined;
    streaming.abort();
    await streaming.sending.done;
  }

  /**
   * Sends `bytes` (the filled part) as the next part, then waits while `concurrency` parts are on their
   * way. `refill`: a new buffer takes the next bytes (the sent one goes with its request).
   */
  private async send(bytes: Buffer, refill = true): Promise<void> {
    const number = this.nextPart;
    const start = this.partStart;
    this.nextPart += 1;
    this.partStart += bytes.length;
    this.sentSinceSync += 1;
    const whole = this.part;
    this.part = refill ? this.storage.partBuffers.take(this.storage.partBytes) : Buffer.alloc(0);
    this.filled = 0;
    const sending: Sending = { part: undefined, done: Promise.resolve() };
    sending.done = this.storage.uploadPart(this.upload.object, this.upload.uploadId, number, bytes).then(
      (etag) => {
        sending.part = { partNumber: number, start, size: bytes.length, etag };
        this.inFlight.delete(sending.done);
        // The request is over: its buffer fills a later part (no new 5 MiB for the collector each time).
        this.storage.partBuffers.give(whole);
      },
      (error: unknown) => {
        this.failure ??= { error };
        this.inFlight.delete(sending.done);
      },
    );
    this.inFlight.add(sending.done);
    this.sending.push(sending);
    await this.room();
  }

  /** Records the parts that have arrived, in order up to the first still on its way. */
  private async recordSent(): Promise<void> {
    const arrived: MultipartPart[] = [];
    while (this.sending[0]?.part) {
      arrived.push(this.sending[0].part);
      this.sending.shift();
    }
    if (arrived.length === 0) return;
    await this.storage.recordParts(this.key, arrived);
    const last = arrived.at(-1) as MultipartPart;
    this.recordedEnd = last.start + last.size;
  }

  private async storeTail(): Promise<void> {
    const tail = { start: this.partStart, size: this.filled };
    const stored = this.storedTail;
    if (tail.size === 0 || (stored?.start === tail.start && stored.size === tail.size)) return;
    // A copy: appends go on filling the part (and its stream) while the tail travels.
    await this.storage.writeTail(this.key, tail.start, Buffer.from(this.part.subarray(0, tail.size)));
    this.storedTail = tail;
  }

  private durableEnd(): number {
    const tail = this.storedTail;
    return tail && tail.start === this.recordedEnd ? tail.start + tail.size : this.recordedEnd;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

/** The part being filled while its UploadPart streams it to the store. */
interface StreamedPart {
  /** Its ledger entry once the store has it; joins the writer's `sending` when the part is full. */
  sending: Sending;
  /**
   * The buffer is filled up to `upTo`: the bytes not yet passed on go to the request (no copy), once
   * they make a slice or the part is full.
   */
  advance(upTo: number): void;
  /** Every byte was written. */
  end(): void;
  /** The appends stopped short of the part's size: the request is dropped. */
  abort(): void;
}

/** A part on its way: its ledger entry once the store has it. */
interface Sending {
  part: MultipartPart | undefined;
  done: Promise<void>;
}

/** Part buffers kept for reuse, up to a byte budget; any that does not fit goes to the collector. */
class PartBuffers {
  private readonly free: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly budget: number) {}

  /** A buffer of at least `size` bytes: a kept one when one is large enough. */
  take(size: number): Buffer {
    const index = this.free.findIndex((buffer) => buffer.length >= size);
    if (index < 0) return Buffer.allocUnsafe(size);
    const [buffer] = this.free.splice(index, 1) as [Buffer];
    this.bytes -= buffer.length;
    return buffer;
  }

  /** Keeps `buffer` (nothing may use it any more) unless the budget is spent. */
  give(buffer: Buffer): void {
    if (buffer.length === 0 || this.bytes + buffer.length > this.budget) return;
    this.free.push(buffer);
    this.bytes += buffer.length;
  }
}

/**
 * Upload tails this instance stored, kept in memory up to a byte budget (oldest out first), so the next
 * PATCH of the same upload on this gateway takes its tail back without reading the object.
 */
class HeldTails {
  private readonly tails = new Map<string, { start: number; bytes: Buffer }>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  hold(key: string, start: number, bytes: Buffer): void {
    this.drop(key);
    if (bytes.length > this.budget) return;
    this.tails.set(key, { start, bytes });
    this.bytes += bytes.length;
    for (const [oldest, held] of this.tails) {
      if (this.bytes <= this.budget) break;
      this.tails.delete(oldest);
      this.bytes -= held.bytes.length;
    }
  }

  /** The first `length` bytes of the tail held for `key` at `start`, if this instance holds them. */
  take(key: string, start: number, length: number): Buffer | undefined {
    const held = this.tails.get(key);
    this.drop(key);
    if (!held || held.start !== start || held.bytes.length < length) return undefined;
    return held.bytes.subarray(0, length);
  }

  drop(key: string): void {
    const held = this.tails.get(key);
    if (!held) return;
    this.tails.delete(key);
    this.bytes -= held.bytes.length;
  }
}

/**
 * A private temporary directory standing for a prefix. `sync` mirrors files to objects: a file that is
 * new or changed since it was last synced is uploaded, one this directory synced (or loaded) that is gone
 * is deleted. Syncs run one at a time, in call order.
 */
class S3LocalDirectory implements LocalDirectory {
  readonly inPlace = false;
  /** Relative name → the size and time of the file as last synced. */
  private readonly synced = new Map<string, string>();
  private queue: Promise<void> = Promise.resolve();
  private released = false;

  constructor(
    private readonly storage: S3MediaStorage,
    readonly path: string,
    readonly prefix: MediaPrefix,
  ) {}

  async load(names: readonly string[] | undefined): Promise<void> {
    const wanted =
      names ?? (await this.storage.list(this.prefix)).map((entry) => entry.key.slice(this.prefix.length + 1));
    for (const name of wanted) {
      const key = this.keyOf(name);
      const file = join(this.path, name);
      if (await this.storage.getFile(key, file)) this.synced.set(name, await signature(file));
    }
  }

  sync(names?: readonly string[]): Promise<void> {
    try {
      for (const name of names ?? []) this.keyOf(name);
    } catch (error) {
      return Promise.reject(error);
    }
    const run = this.queue.then(() => this.syncNow(names));
    this.queue = run.catch(() => {});
    return run;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.queue;
    await rm(this.path, { recursive: true, force: true });
  }

  private async syncNow(names: readonly string[] | undefined): Promise<void> {
    if (this.released) throw new Error(`The local directory for ${this.prefix} was released`);
    if (names) {
      // In the caller's order, but each run of media files between two indexes (a live pass's new
      // segments of every rung) goes up together: an index (playlist, WebVTT) waits for what precedes it.
      for (let i = 0; i < names.length; ) {
        let end = i;
        while (end < names.length && !isIndex(names[end] as string)) end++;
        if (end > i) await mapLimited(names.slice(i, end), SYNC_CONCURRENCY, (name) => this.syncOne(name));
        if (end < names.length) await this.syncOne(names[end] as string);
        i = end + 1;
      }
      return;
    }
    const wanted = publishOrder(await this.files());
    for (const name of wanted) await this.syncOne(name);
    // A whole-directory sync also removes what left it (a live window's old segments).
    const present = new Set(wanted);
    for (const name of [...this.synced.keys()]) if (!present.has(name)) await this.syncOne(name);
  }

  private async syncOne(name: string): Promise<void> {
    const key = this.keyOf(name);
    const file = join(this.path, name);
    const now = await signature(file).catch(() => undefined);
    if (now === undefined) {
      if (this.synced.delete(name)) await this.storage.delete(key);
      return;
    }
    if (this.synced.get(name) === now) return;
    await this.storage.putFile(key, file, Number(now.split(':')[0]));
    this.synced.set(name, now);
  }

  /** Every file that may become an object: relative names, no hidden or half-written (`.tmp`) ones. */
  private async files(): Promise<string[]> {
    const found: string[] = [];
    const walk = async (dir: string, relative: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const name = relative ? `${relative}/${entry.name}` : entry.name;
        if (!isRelativeName(name) || entry.name.endsWith('.tmp')) continue;
        if (entry.isDirectory() && !relative) await walk(join(dir, entry.name), name);
        else if (entry.isFile()) found.push(name);
      }
    };
    await walk(this.path, '');
    return found;
  }

  private keyOf(name: string): MediaKey {
    if (!isRelativeName(name)) throw new InvalidMediaKeyError(`file name under ${this.prefix}`, name);
    return assertMediaKey(`${this.prefix}/${name}`);
  }
}

/**
 * Whether an object may be fetched from the bucket rather than through the gateway: never an upload or an
 * accepted source (never served), nor a text file naming others by relative URL (playlists, the
 * storyboard's WebVTT), whose names would then resolve into the bucket where the gateway has not
 * published (or signed) them.
 */
function isSignable(key: MediaKey): boolean {
  if (key.startsWith('uploads/') || key.endsWith(`/${VOD_SOURCE}`)) return false;
  return !key.endsWith('.m3u8') && !key.endsWith('.vtt');
}

/** Whether an object never changes under its key once written, so a public copy cannot go stale. */
function isPublishable(key: MediaKey): boolean {
  return isSignable(key) && !(key.startsWith('live/') && key.endsWith('/thumbnail.jpg'));
}

/** A file naming others (playlist, WebVTT): published only after what it names. */
const isIndex = (name: string) => name.endsWith('.m3u8') || name.endsWith('.vtt');

/** Files a `sync(names)` uploads at a time. */
const SYNC_CONCURRENCY = 4;

async function mapLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Segments and other files first, then variant playlists, the master playlist last. */
function publishOrder(names: string[]): string[] {
  const rank = (name: string) => (name === 'master.m3u8' ? 2 : name.endsWith('.m3u8') ? 1 : 0);
  return names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

async function signature(file: string): Promise<string> {
  const info = await stat(file);
  if (!info.isFile()) throw new Error(`${file} is not a file`);
  return `${info.size}:${info.mtimeMs}`;
}

/** The parts that tile `[0, end)` from the first, each ending at or before `limit`. */
function contiguousParts(parts: readonly MultipartPart[], limit: number): MultipartPart[] {
  const kept: MultipartPart[] = [];
  let end = 0;
  for (const part of parts) {
    if (part.partNumber !== kept.length + 1 || part.start !== end || part.start + part.size > limit) break;
    kept.push(part);
    end += part.size;
  }
  return kept;
}

const endOf = (parts: readonly MultipartPart[]): number => parts.reduce((end, part) => end + part.size, 0);

function notDurable(key: MediaKey, offset: number): RangeError {
  return new RangeError(`Offset ${offset} of ${key} is past its durable length`);
}

function isPlausibleRange(range: ByteRange): boolean {
  return (
    Number.isSafeInteger(range.start) &&
    range.start >= 0 &&
    (range.end === undefined || (Number.isSafeInteger(range.end) && range.end >= range.start))
  );
}

/** The total size from `Content-Range: bytes 2-5/10`. */
function sizeFromContentRange(header: string | undefined): number {
  const total = /\/(\d+)$/.exec(header ?? '')?.[1];
  if (total === undefined) throw new Error(`The store sent no usable Content-Range (${header})`);
  return Number(total);
}

async function collect(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

function isNotFound(error: unknown): boolean {
  return (
    statusOf(error) === 404 ||
    (error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound'))
  );
}
