import type { z } from "zod";

/** One zod issue as the error JSON's `details` carry it. */
export interface IssueDetail {
  path: string;
  message: string;
  code: string;
}

/** `prefix` names where the validated value sits in the request (e.g. `["config"]`). */
export function issueDetails(error: z.ZodError, prefix: readonly PropertyKey[] = []): IssueDetail[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...i.path].map(String).join("."),
    message: i.message,
    code: i.code,
  }));
}

/** Every issue on one line, `path: message; ...` (`root` names an issue without a path). */
export function issueText(error: z.ZodError, root = ""): string {
  return error.issues
    .map((i) => `${i.path.join(".") || root}${i.path.length || root ? ": " : ""}${i.message}`)
    .join("; ");
}
