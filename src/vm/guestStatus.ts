// The one line the guest init writes on the guru.status port (see
// guestInit.ts): how the command ended and how many bytes it wrote, or why
// the guest could not run it.
export type GuestStatus =
  | { kind: 'exit'; exitCode: number; stdoutBytes: number; stderrBytes: number }
  | { kind: 'error'; message: string };

/** Parse one status line; undefined if it is not one (noise is ignored). */
export function parseGuestStatus(line: string): GuestStatus | undefined {
  const exit = /^guru-exit (\d+) (\d*) (\d*)\s*$/.exec(line);
  if (exit) {
    return {
      kind: 'exit',
      exitCode: Number(exit[1]),
      // An empty count means debugfs could not tell; 0 makes the host wait only for what it has.
      stdoutBytes: Number(exit[2] || 0),
      stderrBytes: Number(exit[3] || 0),
    };
  }
  const error = /^guru-error (.*)$/.exec(line);
  if (error) return { kind: 'error', message: error[1].trim() };
  return undefined;
}
