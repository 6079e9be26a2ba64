/**
 * The rehearsal's S3-compatible bucket host: s3rver on `--address`:`--port`, its files in `--directory`,
 * with the bucket `--bucket`. Prints one JSON line once it listens.
 */
import { parseArgs } from 'node:util';
import S3rver from 's3rver';

const { values } = parseArgs({
  options: {
    address: { type: 'string' },
    port: { type: 'string', default: '9000' },
    directory: { type: 'string' },
    bucket: { type: 'string', default: 'streamhub-media' },
  },
});
if (!values.address || !values.directory) throw new Error('--address and --directory are required');
const server = new S3rver({
  address: values.address,
  port: Number(values.port),
  directory: values.directory,
  silent: true,
  configureBuckets: [{ name: values.bucket }],
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ msg: 's3 listening', address: values.address, port })}\n`);
