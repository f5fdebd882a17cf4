import { GatewayError } from "../errors/gateway-error";

const MAX_CURSOR_LENGTH = 256;

function invalidParameter(field: string, message: string): GatewayError {
  return new GatewayError("invalid_parameter", { message, details: { field } });
}

/** `GET /v1/submissions`: `limit` an integer 1–100, `cursor` at most 256 characters. */
export function validateListQuery(search: string): void {
  const query = new URLSearchParams(search);
  const limits = query.getAll("limit");
  if (limits.length > 1) throw invalidParameter("limit", "limit may be given once.");
  const limit = limits[0];
  if (limit !== undefined && (!/^[1-9]\d{0,2}$/.test(limit) || Number(limit) > 100)) {
    throw invalidParameter("limit", "limit must be an integer from 1 to 100.");
  }
  const cursors = query.getAll("cursor");
  if (cursors.length > 1) throw invalidParameter("cursor", "cursor may be given once.");
  const cursor = cursors[0];
  if (cursor !== undefined && cursor.length > MAX_CURSOR_LENGTH) {
    throw invalidParameter("cursor", `cursor must be at most ${MAX_CURSOR_LENGTH} characters.`);
  }
}
