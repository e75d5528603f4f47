// `npm run onboard -- --from export.csv|json [--out dir]`: renders a user office's export of proposals
// as proposal namespaces and member RoleBindings (docs/tenancy.md). Every row is checked first: a bad
// row stops the command with its row and field named, before any file is written; --out writes each
// file beside its final name and renames it, so no file is left half-written.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { CsvError, parseCsv } from './csv.ts';
import { ExportError, csvRecord, jsonRows, readProposals, type ExportRow } from './export.ts';
import { renderFiles, renderStream } from './render.ts';

const USAGE = 'usage: npm run onboard -- --from export.csv|export.json [--out dir]';

/** The export's rows, by the file's extension. */
export function exportRows(path: string, text: string): ExportRow[] {
  switch (extname(path).toLowerCase()) {
    case '.csv':
      return parseCsv(text).map(csvRecord);
    case '.json': {
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (err) {
        throw new ExportError([`not JSON: ${(err as Error).message}`]);
      }
      return jsonRows(data);
    }
    default:
      throw new ExportError(['expected a .csv or .json file']);
  }
}

/** Runs the command; returns the exit code (2: bad arguments or a bad export). */
export async function onboard(
  argv: readonly string[],
  out: { write: (text: string) => void; error: (text: string) => void },
): Promise<number> {
  let values: { from?: string; out?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { from: { type: 'string' }, out: { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    out.error(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!values.from) {
    out.error(`--from is required\n${USAGE}\n`);
    return 2;
  }
  try {
    const text = await readFile(values.from, 'utf8').catch((err: unknown) => {
      throw new ExportError([`cannot read the file: ${(err as Error).message}`]);
    });
    const proposals = readProposals(exportRows(values.from, text));
    if (!values.out) {
      out.write(renderStream(proposals));
      return 0;
    }
    const files = renderFiles(proposals);
    await mkdir(values.out, { recursive: true });
    for (const [name, text] of files) {
      const final = join(values.out, name);
      await writeFile(`${final}.tmp`, text);
      await rename(`${final}.tmp`, final);
    }
    out.error(`wrote ${String(files.size - 1)} proposals and kustomization.yaml to ${values.out}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ExportError || err instanceof CsvError) {
      out.error(`${values.from}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

if (import.meta.main) {
  process.exitCode = await onboard(process.argv.slice(2), {
    write: (t) => process.stdout.write(t),
    error: (t) => process.stderr.write(t),
  });
}
