// How wide the terminal a stream writes to is, for output that fills the
// line (histogram bars); undefined for a pipe or a file, whose readers get
// the fixed layout.
export function terminalColumns(stream: NodeJS.WritableStream): number | undefined {
  const tty = stream as Partial<NodeJS.WriteStream>;
  return tty.isTTY && tty.columns && tty.columns > 0 ? tty.columns : undefined;
}
