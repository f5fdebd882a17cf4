import { randomBase62 } from "../keys/key-format";

// An admin credential's secret: `gwadmin_<id part><secret part>`, 16 + 32 base62 characters
// (the secret part is 190 bits). The id part names the credential (`cred_<id part>`) so it is
// found without a search; the whole secret's digest is what is compared.
const PREFIX = "gwadmin_";
const ID_LENGTH = 16;
const SECRET_LENGTH = 32;
const SHAPE = /^gwadmin_([0-9A-Za-z]{16})[0-9A-Za-z]{32}$/;

export function generateAdminCredential(): { id: string; secret: string } {
  const idPart = randomBase62(ID_LENGTH);
  return { id: `cred_${idPart}`, secret: `${PREFIX}${idPart}${randomBase62(SECRET_LENGTH)}` };
}

/** The credential id a presented secret names, or null when it is not a secret's shape. */
export function parseAdminSecret(presented: string): string | null {
  if (presented.length !== PREFIX.length + ID_LENGTH + SECRET_LENGTH) return null;
  const match = SHAPE.exec(presented);
  return match === null ? null : `cred_${match[1]}`;
}

export const CREDENTIAL_ID = /^cred_[0-9A-Za-z]{16}$/;
