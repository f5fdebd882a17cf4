// The route document wrangler.toml's `[alias]` names (vitest.config.ts reads the same alias).
// Typed unknown on purpose: it is checked when it is compiled, not trusted for its shape.
declare module "gateway:routes" {
  const document: unknown;
  export default document;
}
