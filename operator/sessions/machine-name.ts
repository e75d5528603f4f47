// Friendly, DNS-safe machine names such as "zealous-hermann": easy to say over the phone to a local
// contact, stable for a session (derived from its UID), and unique per namespace (the caller retries
// with the next attempt number while a name is taken).
import { createHash } from 'node:crypto';

const adjectives = [
  'agile',
  'bold',
  'brave',
  'bright',
  'calm',
  'careful',
  'clever',
  'cosmic',
  'curious',
  'daring',
  'eager',
  'elegant',
  'epic',
  'fervent',
  'focused',
  'gallant',
  'gentle',
  'happy',
  'keen',
  'kind',
  'lucid',
  'lively',
  'loyal',
  'modest',
  'nimble',
  'noble',
  'patient',
  'placid',
  'precise',
  'quick',
  'quiet',
  'radiant',
  'serene',
  'sharp',
  'sincere',
  'steady',
  'sunny',
  'swift',
  'tender',
  'tidy',
  'upbeat',
  'vibrant',
  'vivid',
  'warm',
  'wise',
  'witty',
  'zealous',
  'zen',
] as const;

// Scientists of X-ray, neutron and laser science (and a few of their neighbours).
const scientists = [
  'bragg',
  'brockhouse',
  'chadwick',
  'compton',
  'curie',
  'debye',
  'ewald',
  'fermi',
  'franklin',
  'hodgkin',
  'hermann',
  'hubbard',
  'kendrew',
  'laue',
  'lonsdale',
  'maiman',
  'meitner',
  'moseley',
  'perutz',
  'planck',
  'roentgen',
  'rosalind',
  'scherrer',
  'schwinger',
  'shull',
  'siegbahn',
  'townes',
  'yonath',
  'zernike',
  'barkla',
  'bohr',
  'born',
  'dirac',
  'einstein',
  'feynman',
  'goeppert',
  'heisenberg',
  'klug',
  'lipscomb',
  'mossbauer',
  'noether',
  'pauli',
  'raman',
  'rutherford',
  'sommerfeld',
  'strickland',
  'thomson',
  'wilkins',
] as const;

/** The name for `seed` (a session UID) at `attempt` 0, 1, 2, …; attempts past the first add a number. */
export function machineName(seed: string, attempt = 0): string {
  const digest = createHash('sha256')
    .update(`${seed}/${String(attempt)}`)
    .digest();
  const adjective = adjectives[digest.readUInt16BE(0) % adjectives.length] ?? 'calm';
  const scientist = scientists[digest.readUInt16BE(2) % scientists.length] ?? 'curie';
  const base = `${adjective}-${scientist}`;
  return attempt < 8 ? base : `${base}-${String(attempt)}`;
}

/** The first name for `seed` that is not in `taken`. */
export function uniqueMachineName(seed: string, taken: ReadonlySet<string>): string {
  for (let attempt = 0; ; attempt++) {
    const name = machineName(seed, attempt);
    if (!taken.has(name)) return name;
  }
}
