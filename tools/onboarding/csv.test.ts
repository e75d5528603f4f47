import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.ts';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and keeps each row’s line', () => {
    const text = 'a,b\r\n1,"x, ""y""\nz"\n\n2,\n';
    expect(parseCsv(text)).toEqual([
      { line: 2, fields: { a: '1', b: 'x, "y"\nz' } },
      { line: 5, fields: { a: '2', b: '' } },
    ]);
  });

  it('names the line of what is wrong', () => {
    expect(() => parseCsv('a,b\n1\n')).toThrow('line 2: 1 fields, but the header names 2');
    expect(() => parseCsv('a,b\n1,"open\n')).toThrow('line 2: a quoted field is not closed');
    expect(() => parseCsv('a,a\n')).toThrow('line 1: the column "a" appears twice');
    expect(() => parseCsv('')).toThrow('line 1: the file is empty');
    expect(() => parseCsv('a\nx"y"\n')).toThrow('line 2: a quote inside an unquoted field');
  });
});
