// Malformed or unsupported debug information (ELF, BTF, DWARF) is an
// environment problem, not a user error: the file on disk is what it is.
import { EnvironmentError } from '../errors.js';

export class DebugInfoError extends EnvironmentError {}
