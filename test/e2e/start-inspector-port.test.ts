// `npm start` gives wrangler dev a devtools port: its default (9229) when free, else any free
// one, so two gateways on one machine (two checkouts, a test run beside a dev session) both start.
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_INSPECTOR_PORT, inspectorPort } from "../../scripts/start-checks.ts";

const HOST = "127.0.0.1";
let held: Server | null = null;

afterEach(async () => {
  await new Promise<void>((done) => (held === null ? done() : held.close(() => done())));
  held = null;
});

function listening(port: number): Promise<Server | null> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(null));
    server.listen({ port, host: HOST, exclusive: true }, () => done(server));
  });
}

describe("the devtools port npm start gives wrangler dev", () => {
  it("is another free port while 9229 is taken", async () => {
    held = await listening(DEFAULT_INSPECTOR_PORT);
    // Taken by someone else already, or by us now: either way 9229 is not free.
    const port = await inspectorPort(HOST);
    expect(port).not.toBe(DEFAULT_INSPECTOR_PORT);
    expect(port).toBeGreaterThan(0);
    const probe = await listening(port);
    expect(probe).not.toBeNull();
    await new Promise<void>((done) => probe?.close(() => done()));
  });
});
