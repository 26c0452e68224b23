// Escaping-by-default HTML building: every value interpolated into `html`...`` is escaped unless
// it is already SafeHtml. Cluster output and history values end up in the report, so a broker
// log line or a value like "<script>" must show as text, never run.

/** Markup that is already safe to insert as is. */
export class SafeHtml {
  readonly html: string;
  constructor(markup: string) {
    this.html = markup;
  }
  toString(): string {
    return this.html;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Marks trusted markup (built by this module's callers from constants) as safe. */
export const raw = (markup: string): SafeHtml => new SafeHtml(markup);

function piece(value: unknown): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.html;
  if (Array.isArray(value)) return value.map(piece).join("");
  return escapeHtml(value);
}

/** Template tag: escapes interpolations (arrays are joined, null/undefined/false vanish). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Joins fragments (each escaped unless SafeHtml) with a separator. */
export const join = (items: unknown[], sep = ""): SafeHtml => new SafeHtml(items.map(piece).join(sep));

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` become \u escapes so no
 * value can close the script element or open a comment.
 */
export function jsonForScript(data: unknown): string {
  return (JSON.stringify(data) ?? "null")
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Escapes text for XML (JUnit): as HTML, and drops characters XML 1.0 cannot carry. */
export function escapeXml(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return escapeHtml(value).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "\uFFFD");
}
