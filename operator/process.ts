// How the operator's Node process is started wherever the project starts it (`npm run operator`,
// `npm start`, the benchmarks, and the container image): V8's --optimize-for-size, chosen by
// measurement (docs/performance.md). With 5,000 sessions it keeps the resident memory of a cold
// restart near 200 MiB instead of near 390 MiB, for CPU the operator has to spare: a reconcile reads
// caches and writes little. V8 reads these flags only at start, so they cannot be set from main.ts.
export const OPERATOR_NODE_FLAGS: readonly string[] = ['--optimize-for-size'];

/** The arguments for `node` that run the operator with `args`. */
export function operatorNodeArgs(main: string, args: readonly string[]): string[] {
  return [...OPERATOR_NODE_FLAGS, main, ...args];
}
