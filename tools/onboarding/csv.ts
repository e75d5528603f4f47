// A CSV reader for user-office exports (RFC 4180: quoted fields may hold commas, quotes doubled, and
// line breaks): rows of named fields, with the line each row starts on for error messages. Pure.

export interface CsvRow {
  /** The line of the file the row starts on (1-based; the header is line 1). */
  line: number;
  fields: Record<string, string>;
}

export class CsvError extends Error {
  constructor(line: number, message: string) {
    super(`line ${String(line)}: ${message}`);
    this.name = 'CsvError';
  }
}

/** The records of a CSV text, each a list of fields, with their starting lines. */
function records(text: string): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let touched = false;
  const endRecord = () => {
    if (touched || cells.length > 0) out.push({ line: start, cells: [...cells, cell] });
    cells = [];
    cell = '';
    touched = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"') {
      if (cell !== '') throw new CsvError(line, 'a quote inside an unquoted field (quote the whole field)');
      quoted = true;
      touched = true;
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
      touched = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else {
      cell += c;
      touched = true;
    }
  }
  if (quoted) throw new CsvError(start, 'a quoted field is not closed');
  endRecord();
  return out;
}

/** The rows of a CSV text with a header row, as records of named fields (blank lines skipped). */
export function parseCsv(text: string): CsvRow[] {
  const [header, ...rows] = records(text.replace(/^\uFEFF/, ''));
  if (!header) throw new CsvError(1, 'the file is empty (expected a header row)');
  const names = header.cells.map((n) => n.trim());
  const seen = new Set<string>();
  for (const n of names) {
    if (n === '') throw new CsvError(1, 'a column of the header has no name');
    if (seen.has(n)) throw new CsvError(1, `the column "${n}" appears twice`);
    seen.add(n);
  }
  return rows
    .filter((r) => r.cells.some((c) => c.trim() !== ''))
    .map((r) => {
      if (r.cells.length !== names.length)
        throw new CsvError(
          r.line,
          `${String(r.cells.length)} fields, but the header names ${String(names.length)}`,
        );
      return { line: r.line, fields: Object.fromEntries(names.map((n, i) => [n, r.cells[i] ?? ''])) };
    });
}
