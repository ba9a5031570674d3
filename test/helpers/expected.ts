/** A fixture folder's expected.json entry: the verdict and rule one evidence line must get. */
export interface ExpectedVerdict {
  file: string;
  line: number;
  verdict: string;
  rule: string;
}

/** The part of a flow's hop (its parse record) that says which line it came from. */
export interface HopSource {
  source: { file: string; line: number; pod?: string | null; namespace?: string | null };
}
