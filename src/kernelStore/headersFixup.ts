// Debian's headers are made to live in /usr/src: the arch-specific Makefile
// is the single line `include /usr/src/linux-headers-R-common/Makefile`
// (7.x adds `KBUILD_OUTPUT=/usr/src/linux-headers-R` before it), and
// /lib/modules/R/{build,source} are absolute symlinks into /usr/src (7.x's
// are relative already). The
// scripts/ and tools/ links are relative (../../lib/linux-kbuild-X.Y/...), so
// they already resolve inside the entry as long as the packages are extracted
// into one tree. Rewrite the absolute ones to relative so the entry works from
// wherever the store is, and `make -C <headersDir> M=... modules` just works.
import fs from 'node:fs';
import path from 'node:path';
import { InternalError } from '../errors.js';

/**
 * Fix up headers extracted under ROOT (a folder holding usr/ and lib/ as the
 * packages lay them out) for RELEASE.
 */
export function fixUpHeaders(root: string, release: string): void {
  const headersDir = path.join(root, 'usr', 'src', `linux-headers-${release}`);
  rewriteMakefileInclude(headersDir);
  for (const link of ['build', 'source']) {
    relativizeSymlink(path.join(root, 'lib', 'modules', release, link), root);
  }
  for (const link of ['scripts', 'tools']) {
    const target = path.join(headersDir, link);
    if (!fs.existsSync(target)) throw new InternalError(`${target} does not resolve inside the store entry; the headers layout changed`);
  }
}

const ABSOLUTE_INCLUDE = /^include\s+\/usr\/src\/(linux-headers-[^/\s]+)\/Makefile\s*$/m;
const ABSOLUTE_OUTPUT = /^KBUILD_OUTPUT\s*:?=\s*\/usr\/src\/(linux-headers-[^/\s]+)\s*$/m;

/**
 * `include /usr/src/X/Makefile` → an include relative to this Makefile's own
 * folder. MAKEFILE_LIST's last word is this Makefile while make reads it, so
 * the path holds wherever the entry is (and inside a VM that sees it at the
 * same path). The -common Makefile derives srctree from its own location.
 */
export function rewriteMakefileInclude(headersDir: string): void {
  const makefile = path.join(headersDir, 'Makefile');
  let text = fs.readFileSync(makefile, 'utf8');
  const out = ABSOLUTE_OUTPUT.exec(text);
  if (out) {
    if (out[1] !== path.basename(headersDir)) throw new InternalError(`${makefile} sets KBUILD_OUTPUT to ${out[1]}, not to itself`);
    // KBUILD_OUTPUT is this Makefile's own folder (made absolute: kbuild cds elsewhere).
    text = text.replace(
      ABSOLUTE_OUTPUT,
      `# Rewritten by guru: Debian's line was "${out[0].trim()}".\n` + 'KBUILD_OUTPUT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))',
    );
  }
  const m = ABSOLUTE_INCLUDE.exec(text);
  if (!m) {
    if (/^[^#\n]*\/usr\/src\//m.test(text)) throw new InternalError(`${makefile} refers to /usr/src in a way guru does not know how to relocate`);
    if (out) fs.writeFileSync(makefile, text);
    return; // Already relative (a re-run) or a layout without the indirection.
  }
  const common = m[1];
  if (!fs.existsSync(path.join(headersDir, '..', common, 'Makefile'))) {
    throw new InternalError(`${makefile} includes ${common}, which is not in the store entry`);
  }
  const relative =
    `# Rewritten by guru: Debian's line was "${m[0].trim()}".\n` +
    `include $(dir $(lastword $(MAKEFILE_LIST)))../${common}/Makefile\n`;
  fs.writeFileSync(makefile, text.replace(ABSOLUTE_INCLUDE, relative));
}

/** An absolute symlink LINK → /X becomes LINK → relative path to ROOT/X. */
export function relativizeSymlink(link: string, root: string): void {
  let target: string;
  try {
    target = fs.readlinkSync(link);
  } catch {
    return;
  }
  if (!path.isAbsolute(target)) return;
  const inside = path.join(root, target);
  fs.unlinkSync(link);
  fs.symlinkSync(path.relative(path.dirname(link), inside), link);
}
