// The gateway's production bundle (src/index.ts as `wrangler deploy --dry-run` builds it), as
// the counting entry sees it. The bundle is copied next to the entry at bench time.
declare const gateway: {
  fetch(request: Request, env: object, ctx: object): Response | Promise<Response>;
};
export default gateway;
export declare class AccountCoordinator {}
export declare class AdminDirectory {}
