// Where to go after a sign-in or an action: only a path of this site, never another host (`//evil`,
// `/\evil`).
export const safeNext = (next: unknown) =>
  typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/proposals';
