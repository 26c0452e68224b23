import { describe, expect, it } from "vitest";
import { escapeHtml, escapeXml, html, join, jsonForScript, raw } from "./html.ts";

describe("html", () => {
  it("escapes interpolated values, keeps SafeHtml, joins arrays, drops null/undefined/false", () => {
    const evil = `<script>alert("x")</script>&'`;
    const out = html`<p title="${evil}">${evil}${raw("<b>ok</b>")}${[1, "<i>", html`<u>${"<"}</u>`]}${null}${undefined}${false}${0}</p>`.html;
    expect(out).toBe(
      `<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;<b>ok</b>1&lt;i&gt;<u>&lt;</u>0</p>`,
    );
    expect(join(["<a>", raw("<b>")], ",").html).toBe("&lt;a&gt;,<b>");
    expect(escapeHtml(42)).toBe("42");
  });

  it("embeds JSON that cannot close its script element", () => {
    const data = { s: "</script><script>alert(1)</script><!-- & \u2028" };
    const text = jsonForScript(data);
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual(data);
    expect(jsonForScript(undefined)).toBe("null");
  });

  it("escapes XML and replaces characters XML 1.0 cannot carry", () => {
    expect(escapeXml("a\u0001<b>\n")).toBe("a\uFFFD&lt;b&gt;\n");
  });
});
