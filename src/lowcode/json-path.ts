/**
 * The response selection of low-code connectors: a restricted JSON path. `$` is the whole document, `.name` or
 * `['name']` a member, `[2]` an element and `[*]` every element (the rest of the path is applied to each).
 * Nothing else — no filters, no recursion, no scripts — so a path is checked when the connector is validated.
 */

/** One step of a parsed path. */
export type PathStep = { readonly member: string } | { readonly index: number } | { readonly every: true };

const STEP = /^(?:\.([A-Za-z_$][\w$-]*)|\['([^'\\]*)'\]|\[(\d+)\]|\[(\*)\])/;

/** The steps of `path`, or `undefined` when it is not a valid restricted JSON path. */
export function parseJsonPath(path: string): PathStep[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: PathStep[] = [];
  let rest = path.slice(1);
  while (rest !== '') {
    const match = STEP.exec(rest);
    if (!match) return undefined;
    if (match[1] !== undefined || match[2] !== undefined) steps.push({ member: match[1] ?? match[2] ?? '' });
    else if (match[3] !== undefined) steps.push({ index: Number(match[3]) });
    else steps.push({ every: true });
    rest = rest.slice(match[0].length);
  }
  return steps;
}

/** The value at `steps` in `value` (`undefined` when absent); after `[*]` an array of what each element gives. */
export function selectPath(value: unknown, steps: readonly PathStep[]): unknown {
  let current = value;
  for (const [i, step] of steps.entries()) {
    if (current === null || typeof current !== 'object') return undefined;
    if ('every' in step) {
      if (!Array.isArray(current)) return undefined;
      const rest = steps.slice(i + 1);
      return current.map((item) => selectPath(item, rest));
    }
    if ('index' in step) {
      current = Array.isArray(current) ? current[step.index] : undefined;
    } else {
      current = Object.prototype.hasOwnProperty.call(current, step.member)
        ? (current as Record<string, unknown>)[step.member]
        : undefined;
    }
  }
  return current;
}
