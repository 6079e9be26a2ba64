/**
 * Where the S3 media storage keeps the state of a resumable upload's multipart upload: its UploadId and
 * the parts uploaded so far with their ETags. An object store's own ListParts would do, but not every
 * S3-compatible server has it (s3rver lacks it and AbortMultipartUpload), and several gateway replicas
 * must see one state: `multipart-ledger.db.ts` keeps it in PostgreSQL (or PGlite).
 */

/** One uploaded part: bytes `[start, start + size)` of the upload. */
export interface MultipartPart {
  partNumber: number;
  start: number;
  size: number;
  etag: string;
}

/** The multipart upload behind one upload key, parts sorted by number (and so by offset). */
export interface MultipartState {
  uploadId: string;
  /** The object name the multipart upload completes into. */
  object: string;
  parts: MultipartPart[];
}

export interface MultipartLedger {
  /** Records a new multipart upload for `key`, forgetting any earlier one and its parts. */
  begin(key: string, uploadId: string, object: string): Promise<void>;
  /** The state for `key`, or undefined when none is open. */
  find(key: string): Promise<MultipartState | undefined>;
  /** Records uploaded parts (replacing any of the same numbers), in one statement. */
  recordParts(key: string, parts: readonly MultipartPart[]): Promise<void>;
  /** Forgets the parts numbered `fromPartNumber` and later: a resumed writer overwrites what they held. */
  truncate(key: string, fromPartNumber: number): Promise<void>;
  /** Forgets `key` (completed or deleted); a missing one is no error. */
  forget(key: string): Promise<void>;
}
