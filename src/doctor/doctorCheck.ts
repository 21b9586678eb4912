// One line of `guru doctor`: what was checked, what was found, and when it
// is not fine, the command that fixes it.
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  /** Not needed to apply patches (BTF, debuginfo): a failure is a warning and does not fail doctor. */
  optional?: boolean;
}
