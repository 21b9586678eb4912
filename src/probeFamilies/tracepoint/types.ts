// The tracepoint family's data: the trace events of a kernel, each with the
// fields of its record (as /sys/kernel/tracing/events/CAT/EVENT/format
// describes them), and a tracepoint probe's part of the plan.

/** How a field holds its value in the record. */
export type FieldLayout =
  /** An integer or pointer of `size` bytes at `offset`. */
  | 'value'
  /** A fixed array (`char prev_comm[16]`): its address. */
  | 'array'
  /** A u32 at `offset`: low 16 bits the data's offset from the record's start, high 16 bits its length. */
  | 'dataLoc'
  /** The same, but the offset counts from the end of the u32 (newer kernels' __rel_loc). */
  | 'relLoc';

export interface TracepointField {
  name: string;
  /** The C type as the format file writes it (`pid_t`, `char[16]`, `__data_loc char[]`). */
  type: string;
  offset: number;
  size: number;
  signed: boolean;
  layout: FieldLayout;
  /** Its BTF type id, where the event's trace_event_raw_ struct gives one (member access through pointers). */
  typeId?: number;
  /** Syscall events: the syscall argument's own C type, which says how wide the value in its 8-byte slot is. */
  argType?: string;
}

export interface TracepointEvent {
  category: string;
  event: string;
  /** The fields after the common ones (common_pid, ...), in record order. */
  fields: TracepointField[];
  /** Bytes of the record every fixed field lies in (dynamic data follows). */
  fixedSize: number;
  /** The BTF struct (trace_event_raw_CLASS) the fields' types came from, when there is one. */
  btfStruct?: string;
}

export interface TracepointCatalog {
  events: TracepointEvent[];
  /** Where the events were read from, for messages. */
  source: string;
}

export interface TracepointPlacement {
  kind: 'tracepoint';
  category: string;
  event: string;
  /** Bytes of the record the probe's fields need: the runtime checks each record is that long. */
  fixedSize: number;
}
