import { GatewayError } from "../errors/gateway-error";
import { readLimited } from "../http/read-limited";

export function bodyTooLarge(limitBytes: number): GatewayError {
  return new GatewayError("invalid_body", {
    status: 413,
    message: `The request body is larger than ${limitBytes} bytes.`,
    details: { reason: "body_too_large", limit_bytes: limitBytes },
  });
}

/** A declared Content-Length above the limit is refused before a byte is read. */
export function declaredLengthExceeds(request: Request, limitBytes: number): boolean {
  const declared = request.headers.get("Content-Length");
  if (declared === null) return false;
  const length = Number(declared);
  return !/^\d+$/.test(declared.trim()) || length > limitBytes;
}

/**
 * Reads the whole body, counting the bytes actually received (chunked or not), and stops
 * reading as soon as the limit is passed.
 */
export async function readBodyWithLimit(request: Request, limitBytes: number): Promise<Uint8Array> {
  if (declaredLengthExceeds(request, limitBytes)) throw bodyTooLarge(limitBytes);
  if (request.body === null) return new Uint8Array(0);
  let body: Uint8Array | null;
  try {
    body = await readLimited(request.body, limitBytes);
  } catch {
    // The body broke off (bad chunked framing, an upload cut short): the request is
    // incomplete, which is the client's error, not a fault inside the gateway.
    throw new GatewayError("invalid_body", { message: "The request body could not be read." });
  }
  if (body === null) throw bodyTooLarge(limitBytes);
  return body;
}
