// The floor: an empty Worker on the same workerd as the gateway. It answers every request with
// a fixed 200 and does nothing else, so its requests/s is the most the runtime itself allows.
const BODY = '{"ok":true}';

export default {
  fetch(): Response {
    return new Response(BODY, {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  },
};
