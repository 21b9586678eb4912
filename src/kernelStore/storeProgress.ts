// How a slow store operation tells the user where it is. On a TTY: one ora
// spinner on stderr whose text carries the download percentage. Otherwise:
// one plain line per step on stderr (no control characters in logs), and no
// per-percent chatter.
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
    return {
      step: (text) => stream.write(`guru: ${text}\n`),
      percent() {},
      end() {},
    };
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
