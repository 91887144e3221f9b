import type { MergedAttribute } from './customer-merge.entity.js';
import type { Customer } from './customer.entity.js';

/** Which side's value an attribute both customers hold keeps. */
export type AttributeSide = 'survivor' | 'merged';

/**
 * How attribute conflicts are settled. The rule: the survivor's value wins (`prefer: 'survivor'`);
 * keys only the merged customer has are copied. `keys` overrides the rule per attribute.
 */
export interface AttributePolicy {
  prefer?: AttributeSide | undefined;
  keys?: Readonly<Record<string, AttributeSide>> | undefined;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The survivor's attributes after a merge, and each change made, so that unmerge can undo exactly those. */
export const mergeAttributes = (
  survivor: Pick<Customer, 'attributes'>,
  merged: Pick<Customer, 'attributes'>,
  policy: AttributePolicy = {},
): { attributes: Record<string, unknown>; changes: MergedAttribute[] } => {
  const attributes = { ...survivor.attributes };
  const changes: MergedAttribute[] = [];
  for (const [key, value] of Object.entries(merged.attributes)) {
    const hadBefore = Object.hasOwn(survivor.attributes, key);
    const side = policy.keys?.[key] ?? policy.prefer ?? 'survivor';
    if (hadBefore && (side === 'survivor' || same(survivor.attributes[key], value))) continue;
    changes.push({ key, hadBefore, before: hadBefore ? survivor.attributes[key] : null, after: value });
    attributes[key] = value;
  }
  return { attributes, changes };
};

/** The survivor's attributes after undoing `changes`: a value changed again since the merge stays. */
export const unmergeAttributes = (current: Record<string, unknown>, changes: readonly MergedAttribute[]): Record<string, unknown> => {
  const attributes = { ...current };
  for (const change of changes) {
    if (!Object.hasOwn(attributes, change.key) || !same(attributes[change.key], change.after)) continue;
    if (change.hadBefore) attributes[change.key] = change.before;
    else delete attributes[change.key];
  }
  return attributes;
};
