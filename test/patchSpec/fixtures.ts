// Locating spec fixtures. Diagnostics name files by their repository-relative
// path so snapshots do not depend on where the checkout lives.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const specsDir = fileURLToPath(new URL('../fixtures/specs/', import.meta.url));

export interface SpecFixture {
  /** Repository-relative path, used as the diagnostics' file name. */
  file: string;
  name: string;
  text: string;
}

export function specFixtures(group: 'good' | 'bad' | 'multi'): SpecFixture[] {
  return readdirSync(`${specsDir}${group}`)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({
      file: `test/fixtures/specs/${group}/${name}`,
      name,
      text: readFileSync(`${specsDir}${group}/${name}`, 'utf8'),
    }));
}

export function specFixture(group: 'good' | 'bad' | 'multi', name: string): SpecFixture {
  const fixture = specFixtures(group).find((f) => f.name === name);
  if (!fixture) throw new Error(`no fixture ${group}/${name}`);
  return fixture;
}
