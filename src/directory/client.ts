import type { AdminDirectory } from "./directory-object";

export type DirectoryStub = DurableObjectStub<AdminDirectory>;

/** The one directory object of a deployment. */
export function directoryStub(namespace: DurableObjectNamespace<AdminDirectory>): DirectoryStub {
  return namespace.get(namespace.idFromName("directory"));
}
