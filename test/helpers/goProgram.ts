// Go programs for the tests, built as seed 003's talk builds them:
// `go build -gcflags "-N -l"` (no optimisation, no inlining), offline (the
// fixture imports only the standard library) and with the Go cache in the
// build's own folder, so nothing is left in $HOME. Debian's golang-go is in
// scripts/setup.sh; a machine without it fails here with the command that
// installs it.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/** Builds the Go module in SOURCE_DIR (relative to the repository) into DIR; returns the binary's path. */
export async function buildGoProgram(sourceDir: string, dir: string, name = 'stap', ldflags?: string): Promise<string> {
  const go = await execa('go', ['version'], { reject: false });
  if (go.exitCode !== 0) throw new Error('the Go tests need Go (Debian: golang-go): run bash scripts/setup.sh, or apt-get install golang-go');
  const out = path.join(dir, name);
  const cache = path.join(dir, '.go-cache');
  fs.mkdirSync(cache, { recursive: true });
  await execa('go', ['build', '-gcflags', '-N -l', ...(ldflags ? ['-ldflags', ldflags] : []), '-o', out, '.'], {
    cwd: path.resolve(sourceDir),
    env: { HOME: dir, GOCACHE: cache, GOPATH: path.join(dir, '.go'), GOFLAGS: '-mod=mod', GOPROXY: 'off', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
    extendEnv: true,
  });
  fs.rmSync(cache, { recursive: true, force: true });
  return out;
}
