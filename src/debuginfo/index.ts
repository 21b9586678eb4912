// Public surface of the debug-information readers: ELF (sections, symbols,
// notes/build-id), BTF (prototypes, struct members, tracepoint arguments)
// and DWARF (functions, statement lines, variables and their locations).
export { openElf, ElfFile } from './elf.js';
export type { ElfSection, ElfSegment, ElfSymbol, ElfSymbolType, ElfSymbolBind, ElfType } from './elf.js';
export { parseNotes, buildIdFromNotes, buildIdFromNotesFile, NT_GNU_BUILD_ID } from './elfNotes.js';
export type { ElfNote } from './elfNotes.js';
export { Btf, readBtf } from './btf.js';
export type { BtfPrototype, BtfMemberInfo, BtfNamedValue, BtfTypeRef, BtfType } from './btf.js';
export { openDwarf, DwarfInfo } from './dwarf/dwarfInfo.js';
export type {
  DwarfFunction,
  FunctionInstance,
  FunctionLine,
  LineAddress,
  LocatedRange,
  ScopeVariable,
  SourcePosition,
  OpenDwarfOptions,
  AddressRange,
} from './dwarf/dwarfInfo.js';
export { isWritable } from './dwarf/location.js';
export type { VariableLocation } from './dwarf/location.js';
export { DebugInfoError } from './debugInfoError.js';
