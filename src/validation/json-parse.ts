import { GatewayError } from "../errors/gateway-error";
import { firstDuplicateKey } from "./duplicate-keys";

/** Deepest JSON accepted in a body; deeper input (already bounded in size) is refused after parsing. */
const MAX_JSON_DEPTH = 32;

function invalidBody(message: string, field?: string): GatewayError {
  return new GatewayError("invalid_body", {
    message,
    details: field === undefined ? {} : { field },
  });
}

function depthOf(value: unknown, depth = 0): number {
  if (depth > MAX_JSON_DEPTH || typeof value !== "object" || value === null) return depth;
  let deepest = depth;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, depth + 1));
    if (deepest > MAX_JSON_DEPTH) break;
  }
  return deepest;
}

/**
 * Parses a JSON request body the gateway validates; a body that is not JSON has no `field`
 * (contract 6a), a key given twice in one object is refused naming it.
 */
export function parseJsonBody(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw invalidBody("The request body is not valid UTF-8 JSON.");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidBody("The request body is not valid JSON.");
  }
  if (depthOf(value) > MAX_JSON_DEPTH) {
    throw invalidBody(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  const duplicate = typeof value === "object" && value !== null ? firstDuplicateKey(text) : null;
  if (duplicate !== null) {
    throw invalidBody(`The request body gives ${duplicate} more than once.`, duplicate);
  }
  return value;
}
