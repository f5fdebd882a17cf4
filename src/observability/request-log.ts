import { jsonString } from "../encoding/json-string";

/** The fields of the one JSON line per request (contract section 7). */
export interface RequestLogLine {
  requestId: string;
  method: string;
  path: string;
  status: number;
  code: string | null;
  accountId: string | null;
  keyId: string | null;
  decision: string;
  totalMs: number;
  originMs: number | null;
  /** Internal detail for operators; never rendered on the wire. */
  reason: string | null;
}

const MAX_LOGGED_PATH = 512;

function text(value: string | null): string {
  return value === null ? "null" : jsonString(value);
}

/**
 * Writes the line. Only ids and outcomes are logged: never a key, never the Authorization
 * header, never a query string (it may carry secrets). Built by concatenation: the fields and
 * their order are fixed, and that is cheaper than stringifying an object per request.
 */
export function writeRequestLog(line: RequestLogLine): void {
  const reason = line.reason === null ? "" : `,"reason":${text(line.reason)}`;
  console.log(
    `{"request_id":${text(line.requestId)},"method":${text(line.method)},"path":${text(
      line.path.slice(0, MAX_LOGGED_PATH),
    )},"status":${line.status},"code":${text(line.code)},"account_id":${text(
      line.accountId,
    )},"key_id":${text(line.keyId)},"decision":${text(line.decision)},"total_ms":${
      line.totalMs
    },"origin_ms":${line.originMs === null ? "null" : line.originMs}${reason}}`,
  );
}
