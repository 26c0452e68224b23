// Types of ./layers.js (plain JavaScript, so that eslint.config.js can load it).
export declare const LAYERS: string[][];
export declare function folderOf(rel: string): string;
export declare function isTestFile(rel: string): boolean;
export declare function isToolConfig(rel: string): boolean;
export declare function layerViolation(from: string, to: string): string | undefined;
export declare function resolveImport(root: string, fromAbs: string, spec: string): string | undefined;
