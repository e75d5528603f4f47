// The cluster directory of `npm start`, `npm run cluster:*` and `npm run open`.
import { join, resolve } from 'node:path';

export const devClusterDir = resolve(process.env.DAAS_CLUSTER_DIR ?? join(process.cwd(), '.cluster', 'dev'));
