// The sample users of the demo sign-in (the members of proposal MX-2451 in examples/ and one
// facility admin). Only offered with --demo-sign-in, which `npm start` sets: never in production.
import { ADMINS_GROUP } from '../../crds/index.ts';

export interface DemoUser {
  user: string;
  groups: string[];
  about: string;
}

export const DEMO_USERS: readonly DemoUser[] = [
  { user: 'akowalska', groups: [], about: 'Scientist, member of proposal MX-2451' },
  { user: 'mkowalski', groups: [], about: 'Local contact, member of proposal MX-2451' },
  { user: 'jdupont', groups: [], about: 'Scientist, member of proposal MX-2451' },
  { user: 'lmartin', groups: [ADMINS_GROUP], about: `Facility admin (group ${ADMINS_GROUP})` },
];
