// Progress lines on stderr, with the seconds since the run started (stdout keeps the tables).
const startedAt = Date.now();

export function progress(message: string): void {
  const elapsed = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(5);
  process.stderr.write(`bench ${elapsed}s: ${message}\n`);
}
