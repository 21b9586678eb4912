// Error classes and the exit codes they map to (docs/cli.md, "Conventions"): one top-level
// catch in cli.ts turns any of these into a message and an exit code.
import type { Diagnostic } from './diagnostics/diagnostic.js';

export const ExitCode = { ok: 0, user: 1, environment: 2, internal: 3 } as const;

/** Base class: everything guru throws on purpose. */
export abstract class GuruError extends Error {
  abstract readonly exitCode: number;
  /** Optional hint printed after the message. */
  hint?: string;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** The user asked for something wrong: bad spec, bad flag, unknown name. */
export class UserError extends GuruError {
  readonly exitCode = ExitCode.user;
}

/** A spec failed to parse, validate or resolve; carries located diagnostics. */
export class SpecError extends UserError {
  constructor(readonly diagnostics: Diagnostic[], readonly sourceText: string) {
    super(diagnostics.map((d) => d.message).join('; '));
  }
}

/** The machine lacks something (root, headers, qemu, a kernel feature). */
export class EnvironmentError extends GuruError {
  readonly exitCode = ExitCode.environment;
}

/** A guru bug: e.g. generated C that does not compile. */
export class InternalError extends GuruError {
  readonly exitCode = ExitCode.internal;
}
