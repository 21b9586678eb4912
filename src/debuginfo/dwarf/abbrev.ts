// .debug_abbrev: each unit points at a table mapping abbreviation codes to
// (tag, has-children, [attribute, form]) shapes that its DIEs instantiate.
import { Cursor } from '../cursor.js';
import type { ByteSource } from '../fileRegion.js';
import { DW_FORM } from './constants.js';

export interface AbbrevAttr {
  name: number;
  form: number;
  /** DW_FORM_implicit_const keeps the value in the abbreviation, not the DIE. */
  implicitConst: bigint | undefined;
}

export interface Abbrev {
  code: number;
  tag: number;
  hasChildren: boolean;
  attrs: AbbrevAttr[];
}

export type AbbrevTable = Map<number, Abbrev>;

export function parseAbbrevTable(source: ByteSource, offset: number): AbbrevTable {
  const table: AbbrevTable = new Map();
  const c = new Cursor(source, offset);
  for (;;) {
    const code = c.uleb();
    if (code === 0) return table;
    const tag = c.uleb();
    const hasChildren = c.u8() !== 0;
    const attrs: AbbrevAttr[] = [];
    for (;;) {
      const name = c.uleb();
      const form = c.uleb();
      if (name === 0 && form === 0) break;
      attrs.push({ name, form, implicitConst: form === DW_FORM.implicit_const ? c.slebBig() : undefined });
    }
    table.set(code, { code, tag, hasChildren, attrs });
  }
}
