// The pass-through Worker: forwards the request to the origin unchanged and returns the origin's
// response as it comes. The gateway's admitted path is compared against this.
interface PassthroughEnv {
  ORIGIN_URL: string;
}

export default {
  fetch(request: Request, env: PassthroughEnv): Promise<Response> {
    const url = new URL(request.url);
    return fetch(`${env.ORIGIN_URL}${url.pathname}${url.search}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: "manual",
    });
  },
};
