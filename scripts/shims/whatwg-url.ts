/**
 * Bundles only: the MongoDB driver parses connection strings with `whatwg-url`, a JavaScript
 * implementation of the WHATWG URL standard whose IDNA tables weigh ~300 KiB. Node's own `URL`
 * implements the same standard, so the bundle uses it instead (see docs/bundling.md).
 */
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;
