// Errors with stable codes and messages that say what to do next. Exit codes: ./exit-codes.ts.

export class KcError extends Error {
  readonly code: string;
  readonly hint?: string;
  /** Extra context: a container's last log lines, a line number, ... */
  readonly details?: string;
  constructor(code: string, message: string, opts: { hint?: string; details?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = "KcError";
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }
  /** The message as a person should read it: what went wrong, context, what to do. */
  describe(): string {
    return [`${this.code}: ${this.message}`, this.details, this.hint && `→ ${this.hint}`].filter(Boolean).join("\n");
  }
}
