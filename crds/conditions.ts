// The condition types of an AnalysisSession: one list, from which the CRD's description of
// status.conditions, the API reference and the operator's ordering all derive.

export interface ConditionDoc {
  type: string;
  /**
   * Ordered conditions are passed in this order while a session starts: the first one that is not
   * True says what the session waits for, and the ones after it are Unknown (reason Waiting).
   */
  ordered: boolean;
  /** What True means, in plain words. */
  description: string;
}

export const SESSION_CONDITIONS = [
  {
    type: 'Accepted',
    ordered: true,
    description: 'the image, the namespace and the request make sense together',
  },
  {
    type: 'QuotaAdmitted',
    ordered: true,
    description: 'the session fits every Quota that applies to it, and holds its share in their ledgers',
  },
  { type: 'DataReady', ordered: true, description: 'the proposal data is attached' },
  { type: 'Scheduled', ordered: true, description: 'a node was found' },
  { type: 'Ready', ordered: true, description: 'the environment is up' },
  { type: 'AccessReady', ordered: true, description: 'an endpoint to connect to is published' },
  {
    type: 'ExpiringSoon',
    ordered: false,
    description: "informational: the session expires soon, from the image's warning lead time until expiry",
  },
] as const satisfies readonly ConditionDoc[];

type Condition = (typeof SESSION_CONDITIONS)[number];
export type SessionConditionType = Condition['type'];
export type OrderedSessionCondition = Extract<Condition, { ordered: true }>['type'];

/** Every condition type a session reports, in the order of SESSION_CONDITIONS. */
export const SESSION_CONDITION_TYPES: readonly SessionConditionType[] = SESSION_CONDITIONS.map((c) => c.type);

/** The types of the ordered entries of a tuple of ConditionDocs, as a tuple in the same order. */
type OrderedTypes<T extends readonly unknown[]> = T extends readonly [infer Head, ...infer Rest]
  ? [...(Head extends { ordered: true; type: infer N } ? [N] : []), ...OrderedTypes<Rest>]
  : [];

/** The ordered conditions, in the order a session passes them. */
export const ORDERED_SESSION_CONDITIONS = SESSION_CONDITIONS.filter((c) => c.ordered).map(
  (c) => c.type,
) as readonly OrderedSessionCondition[] as Readonly<OrderedTypes<typeof SESSION_CONDITIONS>>;

/** One sentence per condition type, for the CRD's description of status.conditions. */
export function sessionConditionsDescription(): string {
  const ordered = SESSION_CONDITIONS.filter((c) => c.ordered);
  const others = SESSION_CONDITIONS.filter((c) => !c.ordered);
  return [
    `Conditions, in the order a session passes them: ${ordered.map((c) => `${c.type} (${c.description})`).join(', ')}; the first that is not True says what the session waits for, and the ones after it are Unknown with reason Waiting.`,
    `Not ordered: ${others.map((c) => `${c.type} (${c.description})`).join(', ')}.`,
  ].join(' ');
}

/** The conditions table of docs/api.md. */
export function conditionsTable(): string {
  return [
    '| Condition | Ordered | True means |',
    '| --- | --- | --- |',
    ...SESSION_CONDITIONS.map(
      (c: ConditionDoc) => `| \`${c.type}\` | ${c.ordered ? 'yes' : 'no'} | ${c.description} |`,
    ),
  ].join('\n');
}
