// The noVNC client's ES modules, served from the installed @novnc/novnc package (core/ and vendor/
// only), and nothing else from disk.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';

const NOVNC_ROOT = dirname(dirname(createRequire(import.meta.url).resolve('@novnc/novnc')));
const SERVED_DIRECTORIES = ['core', 'vendor'];
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
};

/** The file under /novnc/<path> as { type, body }, or undefined for anything outside core/ and vendor/. */
export async function novncFile(path: string): Promise<{ type: string; body: Buffer } | undefined> {
  const relative = normalize(decodeURIComponent(path)).replace(/^([/\\])+/, '');
  const top = relative.split(sep)[0] ?? '';
  const extension = /\.[a-z]+$/.exec(relative)?.[0] ?? '';
  const type = TYPES[extension];
  if (!SERVED_DIRECTORIES.includes(top) || relative.includes('..') || !type) return undefined;
  try {
    return { type, body: await readFile(join(NOVNC_ROOT, relative)) };
  } catch {
    return undefined;
  }
}
