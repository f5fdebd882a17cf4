// V8's Error.stackTraceLimit exists in workerd; @cloudflare/workers-types does not declare it.
interface ErrorConstructor {
  stackTraceLimit: number;
}
