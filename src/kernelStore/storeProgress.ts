// How a slow store operation tells the user where it is. On a TTY: one ora
// spinner on stderr whose text carries the download percentage. Otherwise
// (a log, CI, a pipe): plain lines on stderr, no control characters: one per
// step, and for a download one every 10%, so a 1 GB download under
// `apply --vm` in a script shows it is moving.
import ora, { type Ora } from 'ora';

export interface StoreProgress {
  /** A new step begins (e.g. "extracting 4 packages"). */
  step(text: string): void;
  /** Download progress of the current step, 0..100. */
  percent(value: number): void;
  /** The operation finished (ok) or failed. */
  end(ok: boolean): void;
}

export const silentProgress: StoreProgress = { step() {}, percent() {}, end() {} };

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): StoreProgress {
  // A pty with no size (e.g. under script(1)) reports 0 columns, and ora then
  // loops forever clearing an "infinite" number of wrapped lines.
  if (!stream.isTTY || !(stream.columns > 0)) {
    return plainProgress(stream);
  }
  let spinner: Ora | undefined;
  let current = '';
  return {
    step(text) {
      if (spinner) spinner.succeed(current);
      current = text;
      spinner = ora({ text, stream }).start();
    },
    percent(value) {
      if (spinner) spinner.text = `${current} ${value.toFixed(0)}%`;
    },
    end(ok) {
      if (!spinner) return;
      if (ok) spinner.succeed(current);
      else spinner.fail(current);
      spinner = undefined;
    },
  };
}

/** Percent lines at most every PLAIN_STEP percent. */
const PLAIN_STEP = 10;

/** Progress as plain lines, for a stream that is not a terminal. */
export function plainProgress(stream: NodeJS.WritableStream): StoreProgress {
  let current = '';
  let shown = 0;
  return {
    step(text) {
      current = text;
      shown = 0;
      stream.write(`guru: ${text}\n`);
    },
    percent(value) {
      const reached = Math.floor(value / PLAIN_STEP) * PLAIN_STEP;
      if (reached <= shown || reached >= 100) return; // the next step's line says it finished
      shown = reached;
      stream.write(`guru: ${current}: ${reached}%\n`);
    },
    end() {},
  };
}
