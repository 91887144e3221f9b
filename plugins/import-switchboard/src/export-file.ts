import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { ExportLines } from '@switchboard/core';

const gzipped = (path: string): boolean => path.endsWith('.gz');

/**
 * The lines of an export file (`.gz`: gunzipped on the fly), each without its line end, streamed:
 * the file is never held in memory. Each call reads the file anew, as a restore's two passes need.
 */
export const exportFileLines =
  (path: string): ExportLines =>
  () => {
    const file = createReadStream(path);
    const input = gzipped(path) ? file.pipe(createGunzip()) : file;
    // A read error (missing file, broken gzip) ends the line reader with that error.
    file.on('error', (error) => input.destroy(error));
    return createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  };

/**
 * Writes an export (its lines, or the bytes of an HTTP answer) to `path`: into `<path>.partial`
 * first, flushed to disk, then renamed, so `path` only ever holds a complete file. A failure
 * removes the partial file, as does `check` throwing once everything is written (e.g. when the
 * export lacks its trailer). Answers the bytes written (before compression).
 */
export const writeExportFile = async (chunks: AsyncIterable<string | Uint8Array>, path: string, check: () => void = () => {}): Promise<number> => {
  const partial = `${path}.partial`;
  let bytes = 0;
  const counted = Readable.from(
    (async function* () {
      for await (const chunk of chunks) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        bytes += buffer.length;
        yield buffer;
      }
    })(),
  );
  try {
    const out = createWriteStream(partial, { mode: 0o600 });
    if (gzipped(path)) await pipeline(counted, createGzip(), out);
    else await pipeline(counted, out);
    const handle = await open(partial, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    check();
    await rename(partial, path);
    return bytes;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
};
