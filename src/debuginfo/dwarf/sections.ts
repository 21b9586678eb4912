// The .debug_* sections of an ELF file, each as a lazily read ByteSource.
import type { ElfFile } from '../elf.js';
import type { ByteSource } from '../fileRegion.js';
import { DebugInfoError } from '../debugInfoError.js';

export interface DwarfSections {
  info: ByteSource;
  abbrev: ByteSource;
  str: ByteSource | undefined;
  lineStr: ByteSource | undefined;
  strOffsets: ByteSource | undefined;
  addr: ByteSource | undefined;
  line: ByteSource | undefined;
  aranges: ByteSource | undefined;
  ranges: ByteSource | undefined;
  rnglists: ByteSource | undefined;
  loc: ByteSource | undefined;
  loclists: ByteSource | undefined;
}

export function dwarfSections(elf: ElfFile): DwarfSections {
  const get = (name: string): ByteSource | undefined => elf.sectionSource(name);
  const info = get('.debug_info');
  const abbrev = get('.debug_abbrev');
  if (!info || !abbrev) {
    throw new DebugInfoError(`${elf.path} has no DWARF debug information (.debug_info)`, 'install the debuginfo package (e.g. linux-image-<release>-dbg) or build with -g');
  }
  if (elf.type === 'rel' && elf.section('.rela.debug_info')) {
    // Unrelocated DWARF in an object file: addresses and string offsets would be wrong.
    throw new DebugInfoError(`${elf.path} is a relocatable object; DWARF is read from linked files (executables, vmlinux)`);
  }
  return {
    info,
    abbrev,
    str: get('.debug_str'),
    lineStr: get('.debug_line_str'),
    strOffsets: get('.debug_str_offsets'),
    addr: get('.debug_addr'),
    line: get('.debug_line'),
    aranges: get('.debug_aranges'),
    ranges: get('.debug_ranges'),
    rnglists: get('.debug_rnglists'),
    loc: get('.debug_loc'),
    loclists: get('.debug_loclists'),
  };
}
