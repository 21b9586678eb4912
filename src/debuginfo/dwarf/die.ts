// A debugging information entry: tag, attributes and children, plus the
// accessors that need its unit (strings, addresses, references).
import type { AttrValue } from './attrValue.js';
import { DW_AT } from './constants.js';
import type { DwarfUnit } from './unit.js';

export class Die {
  parent: Die | undefined;
  readonly children: Die[] = [];

  constructor(
    readonly unit: DwarfUnit,
    /** Absolute offset in .debug_info. */
    readonly offset: number,
    readonly tag: number,
    private readonly attrNames: readonly number[],
    private readonly attrValues: readonly AttrValue[],
  ) {}

  attr(name: number): AttrValue | undefined {
    const i = this.attrNames.indexOf(name);
    return i < 0 ? undefined : this.attrValues[i];
  }

  has(name: number): boolean {
    return this.attrNames.includes(name);
  }

  /** Attribute NAME as a string (any string form). */
  string(name: number): string | undefined {
    const v = this.attr(name);
    return v && this.unit.stringOf(v);
  }

  /** Attribute NAME as an unsigned/signed integer constant. */
  constant(name: number): bigint | undefined {
    const v = this.attr(name);
    return v?.form === 'constant' ? v.value : undefined;
  }

  number(name: number): number | undefined {
    const v = this.constant(name);
    return v === undefined ? undefined : Number(v);
  }

  flag(name: number): boolean {
    const v = this.attr(name);
    return v?.form === 'flag' ? v.value : false;
  }

  /** The DIE an attribute refers to (DW_AT_type, DW_AT_abstract_origin, ...). */
  ref(name: number): Die | undefined {
    const v = this.attr(name);
    return v?.form === 'ref' ? this.unit.dieAtAbsolute(v.offset) : undefined;
  }

  /**
   * The DIE that carries this one's declaration attributes: an inlined or
   * out-of-line instance points at its abstract origin, a definition at its
   * declaration (specification); follow such links until there are none.
   */
  origin(): Die {
    let d: Die = this;
    for (let guard = 0; guard < 8; guard++) {
      const next = d.ref(DW_AT.abstract_origin) ?? d.ref(DW_AT.specification);
      if (!next) break;
      d = next;
    }
    return d;
  }

  /** DW_AT_name here or on the origin. */
  get name(): string | undefined {
    return this.string(DW_AT.name) ?? (this.has(DW_AT.abstract_origin) || this.has(DW_AT.specification) ? this.origin().string(DW_AT.name) : undefined);
  }

  /** Attribute NAME here or, failing that, on the origin. */
  inherited(name: number): AttrValue | undefined {
    return this.attr(name) ?? this.origin().attr(name);
  }
}
