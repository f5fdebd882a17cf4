// BENCH STAND-IN FOR WORKERS KV. workerd turns every call on a `kvNamespace` binding into an HTTP
// request to the service it names; this service answers that protocol from an in-memory Map
// (get, put, delete, list; expirations are ignored). Production KV is an edge cache in front of
// central storage, so a local read here is an optimistic (hot-cache) stand-in for a KV read.
interface Entry {
  value: ArrayBuffer;
  metadata: string | null;
}

const store = new Map<string, Entry>();

function keyOf(url: URL): string {
  const raw = url.pathname.slice(1);
  return url.searchParams.get("urlencoded")?.toLowerCase() === "true"
    ? decodeURIComponent(raw)
    : raw;
}

function list(url: URL): Response {
  const prefix = url.searchParams.get("prefix") ?? "";
  const limit = Number(url.searchParams.get("key_count_limit") ?? "1000");
  const names = [...store.keys()].filter((name) => name.startsWith(prefix)).sort();
  const keys = names.slice(0, limit).map((name) => ({
    name,
    metadata: store.get(name)?.metadata ?? undefined,
  }));
  return Response.json({ keys, list_complete: names.length <= limit, cacheStatus: null });
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/") return list(url);
    const key = keyOf(url);
    switch (request.method) {
      case "GET": {
        const entry = store.get(key);
        if (entry === undefined) return new Response("Not Found", { status: 404 });
        const headers = new Headers();
        if (entry.metadata !== null) headers.set("CF-KV-Metadata", entry.metadata);
        return new Response(entry.value, { headers });
      }
      case "PUT":
        store.set(key, {
          value: await request.arrayBuffer(),
          metadata: request.headers.get("CF-KV-Metadata"),
        });
        return new Response(null);
      case "DELETE":
        store.delete(key);
        return new Response(null);
      default:
        return new Response("Method Not Allowed", { status: 405 });
    }
  },
};
