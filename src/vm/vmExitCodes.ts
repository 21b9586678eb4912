// Exit codes of `guru vm` beyond the command's own, in a module of their
// own so the CLI can describe them without loading the VM code.
/** guru's exit code when the VM hit its timeout (as timeout(1) does). */
export const VM_TIMEOUT_EXIT_CODE = 124;
/** Exit code when the run was interrupted (SIGINT convention). */
export const VM_INTERRUPTED_EXIT_CODE = 130;
