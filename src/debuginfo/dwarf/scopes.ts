// Walking the DIE tree by address: which function (out-of-line or inlined
// copy) and which nested scopes contain a code address.
import { DW_TAG } from './constants.js';
import type { Die } from './die.js';
import { dieRanges, rangesContain } from './ranges.js';

const SCOPE_TAGS = new Set<number>([DW_TAG.subprogram, DW_TAG.lexical_block, DW_TAG.inlined_subroutine]);

/**
 * The chain of scope DIEs containing ADDRESS, outermost (a subprogram)
 * first, innermost last; empty if no function of UNIT contains it.
 */
export function scopeChainAt(unitRoot: Die, address: bigint): Die[] {
  const chain: Die[] = [];
  let candidates = unitRoot.children;
  for (;;) {
    const next = findContaining(candidates, address, chain.length === 0);
    if (!next) return chain;
    chain.push(next);
    candidates = next.children;
  }
}

function findContaining(dies: readonly Die[], address: bigint, topLevel: boolean): Die | undefined {
  for (const d of dies) {
    if (topLevel ? d.tag !== DW_TAG.subprogram : !SCOPE_TAGS.has(d.tag)) {
      // C allows nothing else to hold code, but namespaces/modules (C++) would: look inside them at top level.
      if (topLevel && d.children.length > 0 && d.tag !== DW_TAG.structure_type && d.tag !== DW_TAG.union_type) {
        const inner = findContaining(d.children, address, true);
        if (inner) return inner;
      }
      continue;
    }
    const ranges = dieRanges(d);
    if (ranges.length === 0) {
      // A lexical block without ranges wraps its children in the parent's scope (old GCC).
      if (d.tag === DW_TAG.lexical_block) {
        const inner = findContaining(d.children, address, false);
        if (inner) return inner;
      }
      continue;
    }
    if (rangesContain(ranges, address)) return d;
  }
  return undefined;
}

/** Is D a function instance (out-of-line subprogram or inlined copy)? */
export function isFunctionScope(d: Die): boolean {
  return d.tag === DW_TAG.subprogram || d.tag === DW_TAG.inlined_subroutine;
}

/** Call FN on every DIE under ROOT (depth first, pre-order). */
export function walkDies(root: Die, fn: (d: Die) => void): void {
  const stack: Die[] = [root];
  while (stack.length > 0) {
    const d = stack.pop()!;
    fn(d);
    for (let i = d.children.length - 1; i >= 0; i--) stack.push(d.children[i]!);
  }
}
