/** A thrown value as one line for a log or an internal reason: `Name: message`. */
export function describeFault(fault: unknown): string {
  return fault instanceof Error ? `${fault.name}: ${fault.message}` : String(fault);
}
