import { EXPORT_MEDIA_TYPE, ExportTrailerSchema, exportHub, systemClock, type ExportTrailer } from '@switchboard/core';
import { HUB_VERSION, type HubParts } from '@switchboard/hub';
import { writeExportFile } from '@switchboard/import-switchboard';
import { EXIT, UsageError, type CliIo } from '../cli-io.js';

export const EXPORT_USAGE = `Usage:
  switchboard export [--out FILE] [--url URL] [--json]
      Writes the whole hub as JSON Lines (docs/export-format.md) to FILE (.gz: compressed), or
      to stdout. With --url (or SWITCHBOARD_URL) it downloads GET /v1/export from that running
      hub with the admin key in SWITCHBOARD_API_KEY; else it reads the hub's database directly.
      FILE appears only once complete (written as FILE.partial, then renamed).
  switchboard import FILE [--batch-size N] [--json]      (also: switchboard import-switchboard FILE)
      Restores an export into an EMPTY hub (its own queue 'default' is replaced by the file's),
      keeping ids, digests and order so every chain verifies. The file is verified whole first:
      a damaged line (reported with its number) or a cut file writes nothing.
`;

export interface ExportArgs {
  positionals: string[];
  out: string | undefined;
  url: string | undefined;
  json: boolean;
}

export const checkExportArgs = (args: ExportArgs): void => {
  if (args.positionals.length > 0) throw new UsageError(`export: unexpected argument ${args.positionals[0] ?? ''} (the file is given with --out)`, EXPORT_USAGE);
  if (args.url !== undefined && !/^https?:\/\/[^/]/.test(args.url)) throw new UsageError(`export: --url must be an http(s) URL of the hub, e.g. http://localhost:3000`, EXPORT_USAGE);
};

/** The hub to download from, if any: --url, else SWITCHBOARD_URL. */
export const exportUrl = (args: ExportArgs, io: CliIo): string | undefined => args.url ?? (io.env['SWITCHBOARD_URL'] || undefined);

/** Passes chunks through and keeps the text after the last line end but one: the trailer, once the stream has ended. */
const keepingLastLine = async function* (chunks: AsyncIterable<string | Uint8Array>, last: { text: string }): AsyncGenerator<string | Uint8Array> {
  const decoder = new TextDecoder();
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const tail = (last.text + text).slice(-65_536);
    last.text = tail;
    yield chunk;
  }
};

const trailerOf = (tail: string): ExportTrailer | null => {
  const lines = tail.split('\n').filter((line) => line.trim() !== '');
  try {
    const parsed = ExportTrailerSchema.safeParse(JSON.parse(lines.at(-1) ?? ''));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
};

const download = async function* (url: string, io: CliIo): AsyncGenerator<Uint8Array> {
  const key = io.env['SWITCHBOARD_API_KEY'];
  if (key === undefined || key === '') throw new Error('export --url: set SWITCHBOARD_API_KEY to an admin API key of that hub');
  const endpoint = new URL('/v1/export', url);
  const response = await fetch(endpoint, { headers: { authorization: `Bearer ${key}`, accept: EXPORT_MEDIA_TYPE } });
  if (!response.ok || response.body === null) {
    const text = await response.text().catch(() => '');
    let detail = text.slice(0, 500);
    try {
      const problem = JSON.parse(text) as { detail?: string; title?: string };
      detail = problem.detail ?? problem.title ?? detail;
    } catch {
      // not problem+json: the text as it came
    }
    throw new Error(`GET ${endpoint.href} answered ${response.status}${detail === '' ? '' : `: ${detail}`}`);
  }
  yield* response.body;
};

const INCOMPLETE = 'the export ended without its trailer: it is incomplete (the hub cut the answer?); no file was written';

/** Runs the export, through the HTTP API when a hub URL is given (`parts` is then not opened). */
export const runExport = async (parts: HubParts | null, args: ExportArgs, io: CliIo): Promise<number> => {
  const url = exportUrl(args, io);
  const source: AsyncIterable<string | Uint8Array> =
    url !== undefined ? download(url, io) : exportHub(requireParts(parts).store, { clock: systemClock, hubVersion: HUB_VERSION });
  const last = { text: '' };
  const chunks = keepingLastLine(source, last);
  let bytes = 0;
  if (args.out === undefined) {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      await (io.writeStdout ?? ((c: string | Uint8Array) => io.stdout(typeof c === 'string' ? c : Buffer.from(c).toString('utf8'))))(chunk);
    }
  } else {
    bytes = await writeExportFile(chunks, args.out, () => {
      if (trailerOf(last.text) === null) throw new Error(INCOMPLETE);
    });
  }
  const trailer = trailerOf(last.text);
  if (trailer === null) throw new Error(INCOMPLETE);
  const summary = { out: args.out ?? null, records: trailer.records, counts: trailer.counts, sha256: trailer.sha256, bytes, via: url === undefined ? 'database' : 'http' };
  if (args.json) io.stderr(`${JSON.stringify(summary)}\n`);
  else {
    const counts = Object.entries(trailer.counts).filter(([, n]) => n > 0).map(([type, n]) => `${n} ${type}`).join(', ');
    io.stderr(`Exported ${trailer.records} records${args.out === undefined ? '' : ` to ${args.out}`} (${counts || 'an empty hub'}); sha256 ${trailer.sha256}.\n`);
  }
  return EXIT.ok;
};

const requireParts = (parts: HubParts | null): HubParts => {
  if (parts === null) throw new Error('the hub parts were not opened');
  return parts;
};
