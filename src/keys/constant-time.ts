/**
 * Constant-time equality of two strings (digests, tokens): every code unit is compared, with
 * no early exit, so a comparison leaks no prefix length through timing. Lengths are not secret
 * (digests have one length); a length mismatch is false.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
