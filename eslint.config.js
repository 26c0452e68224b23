import path from "node:path";
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { layerViolation, resolveImport } from "./scripts/layers.js";

const root = import.meta.dirname;

/** kc/layers: an import against the direction of the layers (scripts/layers.js) is an error. */
const layers = {
  meta: { type: "problem", docs: { description: "imports go down the layers of scripts/layers.js" }, schema: [] },
  create(context) {
    const file = path.relative(root, context.filename);
    const check = (node, source) => {
      if (!source || typeof source.value !== "string") return;
      const to = resolveImport(root, context.filename, source.value);
      if (to === undefined) return;
      const why = layerViolation(file, to);
      if (why) context.report({ node, message: `import of ${to}: ${why}` });
    };
    return {
      ImportDeclaration: (n) => check(n, n.source),
      ExportNamedDeclaration: (n) => check(n, n.source),
      ExportAllDeclaration: (n) => check(n, n.source),
      ImportExpression: (n) => check(n, n.source),
    };
  },
};

export default tseslint.config(
  { ignores: ["node_modules/**", "store/**", "docker/**/build/**", ".cache/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Plain-JavaScript entry points run on Node.
  { files: ["**/*.js", "**/*.mjs"], languageOptions: { globals: { process: "readonly", console: "readonly" } } },
  {
    plugins: { kc: { rules: { layers } } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "off",
      "no-constant-condition": ["error", { checkLoops: false }],
      "kc/layers": "error",
    },
  },
);
