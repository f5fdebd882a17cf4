/**
 * A configuration value the gateway cannot run with: an environment variable, a field of
 * GATEWAY_POLICY or of the route document. The message names it (`GATEWAY_POLICY.tiers.free.
 * per_minute: must be a positive integer`), so a bad deployment stops with the cause in view.
 */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = "ConfigError";
  }
}
