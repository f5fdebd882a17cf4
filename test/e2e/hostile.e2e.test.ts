// Hostile traffic over real HTTP: the gateway under `wrangler dev` (workerd) in front of a real
// origin process, spoken to with raw sockets for what fetch refuses to send (conflicting
// framing, control characters, odd methods, half-open connections, clients that vanish).
// Whatever the HTTP layer in front of the Worker refuses never reaches the origin; whatever
// reaches the Worker gets its envelope; nothing is admitted that was not answered; and the
// gateway keeps serving.
import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestOrigin, type TestOrigin } from "../support/origin.ts";
import { type RunningGateway, startGateway } from "./support/wrangler-gateway.ts";

const ADMIN_TOKEN = "e2e-hostile-admin-token";
const ORIGIN_TIMEOUT_MS = 1000;
let origin: TestOrigin;
let gateway: RunningGateway;
let port: number;
let key: string;
let accountId: string;
let tagCounter = 0;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits what came back on a connection into responses (Content-Length or chunked bodies). */
function parseResponses(raw: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = raw;
  while (rest.startsWith("HTTP/")) {
    const end = rest.indexOf("\r\n\r\n");
    if (end === -1) break;
    const [statusLine = "", ...lines] = rest.slice(0, end).split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    rest = rest.slice(end + 4);
    let body = "";
    if (headers["transfer-encoding"] === "chunked") {
      for (;;) {
        const lineEnd = rest.indexOf("\r\n");
        const size = Number.parseInt(rest.slice(0, lineEnd), 16);
        rest = rest.slice(lineEnd + 2);
        if (!(size > 0)) {
          rest = rest.slice(2);
          break;
        }
        body += rest.slice(0, size);
        rest = rest.slice(size + 2);
      }
    } else {
      const length = Number(headers["content-length"] ?? 0);
      body = rest.slice(0, length);
      rest = rest.slice(length);
    }
    responses.push({ status: Number(statusLine.split(" ")[1]), headers, body });
  }
  return responses;
}

/** Writes raw bytes on a fresh connection; resolves with everything read until it closes. */
function rawExchange(
  text: string | Buffer,
  options: { endAfterMs?: number; maxMs?: number } = {},
): Promise<{ raw: string; responses: RawResponse[] }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let raw = "";
    socket.on("data", (chunk: Buffer) => {
      raw += chunk.toString("latin1");
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(limit);
      resolve({ raw, responses: parseResponses(raw) });
    });
    const limit = setTimeout(() => socket.destroy(), options.maxMs ?? 5_000);
    socket.write(text);
    if (options.endAfterMs !== undefined) setTimeout(() => socket.end(), options.endAfterMs);
  });
}

function tag(): string {
  tagCounter += 1;
  return `hostile-e2e-${Date.now()}-${tagCounter}`;
}

async function originCount(
  t: string,
): Promise<{ count: number; creates: number; in_flight: number }> {
  const res = await fetch(`${origin.url}/__test/stats?tag=${encodeURIComponent(t)}`);
  return (await res.json()) as { count: number; creates: number; in_flight: number };
}

async function minuteUsed(): Promise<number> {
  const res = await fetch(`${gateway.url}/_gateway/admin/accounts/${accountId}`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const json = (await res.json()) as { usage: { minute: { used: number } } };
  return json.usage.minute.used;
}

async function activeUsage(): Promise<{ used: number; submissions: string[] }> {
  const res = await fetch(`${gateway.url}/_gateway/admin/accounts/${accountId}`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return ((await res.json()) as { usage: { active: { used: number; submissions: string[] } } })
    .usage.active;
}

async function submissionIds(): Promise<string[]> {
  const res = await fetch(`${gateway.url}/v1/submissions?limit=100`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { id: string }[] }).data.map((s) => s.id);
}

async function expectHealthy(): Promise<void> {
  const health = await fetch(`${gateway.url}/_gateway/health`);
  expect(health.status).toBe(200);
  const read = await fetch(`${gateway.url}/__test/fast`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  expect(read.status).toBe(200);
  expect(await read.json()).toEqual({ ok: true });
}

/** The gateway's envelope, parsed from a raw response. */
function envelopeOf(res: RawResponse): {
  code: string;
  details: Record<string, unknown>;
  request_id: string;
} {
  expect(res.headers["content-type"]).toBe("application/json");
  expect(res.headers["cache-control"]).toBe("no-store");
  const parsed = JSON.parse(res.body) as {
    error: { code: string; message: string; details: Record<string, unknown>; request_id: string };
  };
  expect(Object.keys(parsed.error).sort()).toEqual(["code", "details", "message", "request_id"]);
  expect(parsed.error.request_id).toBe(res.headers["x-request-id"]);
  return parsed.error;
}

const auth = () => `Authorization: Bearer ${key}\r\n`;

beforeAll(async () => {
  origin = await startTestOrigin();
  gateway = await startGateway({
    ORIGIN_URL: origin.url,
    ADMIN_TOKEN,
    ORIGIN_TIMEOUT_MS: String(ORIGIN_TIMEOUT_MS),
  });
  port = Number(new URL(gateway.url).port);
  accountId = `hostile-e2e-${Date.now()}`;
  const admin = { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" };
  const account = await fetch(`${gateway.url}/_gateway/admin/accounts`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({ id: accountId, tier: "pro" }),
  });
  expect(account.status).toBe(201);
  const created = await fetch(`${gateway.url}/_gateway/admin/keys`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({
      account_id: accountId,
      scopes: ["submissions:read", "submissions:write"],
    }),
  });
  expect(created.status).toBe(201);
  key = ((await created.json()) as { key: string }).key;
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await origin?.close();
});

describe("malformed HTTP framing", () => {
  it("refuses conflicting Content-Length headers before the Worker: nothing admitted, nothing proxied", async () => {
    const t = tag();
    const before = await minuteUsed();
    const { responses } = await rawExchange(
      `POST /v1/submissions HTTP/1.1\r\nHost: gw\r\n${auth()}X-Test-Tag: ${t}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}`,
    );
    expect(responses[0]?.status).toBe(400);
    expect((await originCount(t)).count).toBe(0);
    expect(await minuteUsed()).toBe(before);
    await expectHealthy();
  });

  it("treats bytes past the declared Content-Length as a separate request that must authenticate itself", async () => {
    const t = tag();
    const smuggled = `GET /_gateway/admin/accounts/${accountId} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n`;
    const { responses } = await rawExchange(
      `POST /v1/submissions HTTP/1.1\r\nHost: gw\r\n${auth()}X-Test-Tag: ${t}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}${smuggled}`,
    );
    expect(responses.map((r) => r.status)).toEqual([201, 401]);
    const second = responses[1] as RawResponse;
    expect(envelopeOf(second).code).toBe("missing_credentials");
    expect(second.headers["www-authenticate"]).toBe("Bearer");
    expect((await originCount(t)).creates).toBe(1);
  });

  it("answers Content-Length together with Transfer-Encoding without a 5xx, and closes the connection", async () => {
    const t = tag();
    const { responses, raw } = await rawExchange(
      `POST /v1/submissions HTTP/1.1\r\nHost: gw\r\n${auth()}X-Test-Tag: ${t}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
    );
    expect(responses).toHaveLength(1);
    expect(responses[0]?.status).toBeLessThan(500);
    expect(raw).toMatch(/\r\nConnection: close\r\n/i);
    expect((await originCount(t)).creates).toBeLessThanOrEqual(1);
    await expectHealthy();
  });

  for (const [name, framing, endAfterMs] of [
    ["invalid chunk sizes", "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", undefined],
    ["a body cut short of its Content-Length", "Content-Length: 100\r\n\r\n{}", 300],
  ] as const) {
    it(`never proxies or admits a create with ${name}, and stays healthy`, async () => {
      const t = tag();
      const before = await minuteUsed();
      const { responses } = await rawExchange(
        `POST /v1/submissions HTTP/1.1\r\nHost: gw\r\n${auth()}X-Test-Tag: ${t}\r\nContent-Type: application/json\r\nConnection: close\r\n${framing}`,
        endAfterMs === undefined ? {} : { endAfterMs },
      );
      const [res] = responses;
      // The Worker answers 400 invalid_body for a body that breaks off (pinned in workerd by
      // bad-input-corpus.test.ts); under `wrangler dev` the dev-only entry worker in front of it
      // may answer the broken upload itself with a plain-text 500 before the Worker replies.
      if (res !== undefined && res.headers["content-type"] === "application/json") {
        expect(res.status).toBe(400);
        expect(envelopeOf(res).code).toBe("invalid_body");
      } else if (res !== undefined) {
        expect(res.status).toBeGreaterThanOrEqual(400);
      }
      expect((await originCount(t)).count).toBe(0);
      expect(await minuteUsed()).toBe(before);
      await expectHealthy();
    });
  }

  it("refuses a chunked body over 1 MiB on a proxied route with 413, never reaching the origin", async () => {
    const t = tag();
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${gateway.url}/__test/fast`,
        { method: "POST", headers: { Authorization: `Bearer ${key}`, "X-Test-Tag": t } },
        (response) => {
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            body += chunk;
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 17; i++) req.write(chunk);
      req.end();
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error).toMatchObject({
      code: "invalid_body",
      details: { reason: "body_too_large", limit_bytes: 1024 * 1024 },
    });
    expect((await originCount(t)).count).toBe(0);
  });
});

describe("odd request lines and headers", () => {
  it("leaves unknown method tokens, lowercase methods, obs-fold and garbage to the HTTP layer", async () => {
    const t = tag();
    const cases = [
      [`FROB /v1/submissions HTTP/1.1\r\nHost: gw\r\n${auth()}X-Test-Tag: ${t}\r\n\r\n`, 501],
      [`get /v1/submissions HTTP/1.1\r\nHost: gw\r\n${auth()}X-Test-Tag: ${t}\r\n\r\n`, 501],
      [
        `GET /v1/submissions HTTP/1.1\r\nHost: gw\r\n${auth()}X-Test-Tag: ${t}\r\nX-Fold: a\r\n b\r\n\r\n`,
        400,
      ],
      ["\u0000\u0001\u0002 hello\r\n\r\n", 400],
    ] as const;
    for (const [text, status] of cases) {
      const { responses } = await rawExchange(text);
      expect(responses[0]?.status, JSON.stringify(text)).toBe(status);
    }
    expect((await originCount(t)).count).toBe(0);
    await expectHealthy();
  });

  it("leaves CONNECT to workerd, which refuses it before any Worker code runs, and reaches no origin", async () => {
    const t = tag();
    const before = await minuteUsed();
    const { responses } = await rawExchange(
      `CONNECT 127.0.0.1:${origin.port} HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n${auth()}X-Test-Tag: ${t}\r\n\r\n`,
    );
    // No tunnel: the runtime answers 500 itself (the Worker exports no connect handler).
    expect(responses[0]?.status).toBe(500);
    expect(responses[0]?.body).not.toContain("x-gateway");
    expect((await originCount(t)).count).toBe(0);
    expect(await minuteUsed()).toBe(before);
    await expectHealthy();
  });

  it("answers a forwarded header with a control character with its 400 envelope, before admission", async () => {
    const t = tag();
    const before = await minuteUsed();
    const { responses } = await rawExchange(
      `GET /__test/fast HTTP/1.1\r\nHost: gw\r\n${auth()}X-Test-Tag: ${t}\r\nX-Custom: a\u0001b\r\nConnection: close\r\n\r\n`,
    );
    const [res] = responses;
    expect(res?.status).toBe(400);
    expect(envelopeOf(res as RawResponse)).toMatchObject({
      code: "invalid_parameter",
      details: { field: "x-custom" },
    });
    expect((await originCount(t)).count).toBe(0);
    expect(await minuteUsed()).toBe(before);
  });

  it("answers a 70 KB header without a key with 401 in the envelope", async () => {
    const { responses } = await rawExchange(
      `GET /v1/submissions HTTP/1.1\r\nHost: gw\r\nX-Big: ${"x".repeat(70_000)}\r\nConnection: close\r\n\r\n`,
    );
    const [res] = responses;
    expect(res?.status).toBe(401);
    expect(envelopeOf(res as RawResponse).code).toBe("missing_credentials");
  });

  it("sends an absolute-form target with a foreign host to the configured origin only", async () => {
    const { responses } = await rawExchange(
      `GET http://evil.example/__test/echo/absolute HTTP/1.1\r\nHost: evil.example\r\n${auth()}Connection: close\r\n\r\n`,
    );
    const [res] = responses;
    expect(res?.status).toBe(200);
    const echoed = JSON.parse((res as RawResponse).body) as {
      path: string;
      headers: Record<string, string>;
    };
    expect(echoed.path).toBe("/__test/echo/absolute");
    expect(echoed.headers.host).toBe(new URL(origin.url).host);
    expect(echoed.headers["x-gateway-account-id"]).toBe(accountId);
  });
});

describe("clients that misbehave on the connection", () => {
  it("keeps serving while many connections sit half-open", async () => {
    const sockets: Socket[] = [];
    for (let i = 0; i < 30; i++) {
      const socket = connect(port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.write(`GET /v1/submissions HTTP/1.1\r\nHost: gw\r\n${auth()}X-Slow: `);
      sockets.push(socket);
    }
    try {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(`${gateway.url}/__test/fast`, {
            headers: { Authorization: `Bearer ${key}` },
            signal: AbortSignal.timeout(5_000),
          }).then((r) => r.status),
        ),
      );
      expect(answers).toEqual(Array(10).fill(200));
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it("loses nothing when a client disconnects while the origin works: the retry replays or waits, one create", {
    timeout: 15_000,
  }, async () => {
    const t = tag();
    const idempotencyKey = `vanish-${t}`;
    const before = await submissionIds();
    const body = JSON.stringify({ name: "vanishing client", num_generations: 10 });
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write(
      `POST /v1/submissions HTTP/1.1\r\nHost: gw\r\n${auth()}X-Test-Tag: ${t}\r\nX-Test-Delay-Ms: 600\r\nIdempotency-Key: ${idempotencyKey}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    const deadline = Date.now() + 5_000;
    while ((await originCount(t)).in_flight < 1) {
      if (Date.now() > deadline) throw new Error("the create never reached the origin");
      await new Promise((r) => setTimeout(r, 20));
    }
    socket.destroy();

    // Retry until the key is no longer in progress: at worst its lock, timeout + 5 s.
    let retry: Response | undefined;
    const lockEnds = Date.now() + ORIGIN_TIMEOUT_MS + 5_000 + 2_000;
    for (;;) {
      retry = await fetch(`${gateway.url}/v1/submissions`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${key}`,
          "Content-Type": "application/json",
          "Idempotency-Key": idempotencyKey,
          "X-Test-Tag": t,
        },
        body,
      });
      if (retry.status !== 409 || Date.now() > lockEnds) break;
      expect(retry.headers.get("Retry-After")).toMatch(/^[1-9][0-9]*$/);
      await retry.arrayBuffer();
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(retry.status).toBe(201);
    const created = (await retry.json()) as { id: string };
    // Exactly one submission came of it, whichever way the runtime handled the disconnect:
    // finished anyway (the retry is a replay) or cut at the origin (the retry created it).
    const added = (await submissionIds()).filter((id) => !before.includes(id));
    expect(added).toEqual([created.id]);
    const replayed = retry.headers.get("Idempotent-Replayed") === "true";
    expect((await originCount(t)).creates).toBe(replayed ? 1 : 2);
    expect((await activeUsage()).submissions).toContain(created.id);
    await expectHealthy();
  });
});
