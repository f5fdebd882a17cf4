// Values the global setup provides to tests (`inject("originPort")`). Mirrored in test/support
// and test/worker because each tsconfig sees only one of them.
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    originPort: number;
  }
}
