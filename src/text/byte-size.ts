/** The one byte formatter (table, Markdown, dashboard), so that one count never reads as two sizes. */

/** SI units, 1 kB = 1000 bytes: the lowercase k and the B cannot be misread as 1024-based K or as a count. */
const UNITS = ['kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** Bytes in at most 6 characters, SI units (1 kB = 1000 B): `512B`, `14.8kB`, `123MB`; `-` for no count. */
export function byteSize(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '-';
  if (n < 999.5) return `${Math.round(n)}B`;
  let value = n;
  for (let unit = 0; ; unit++) {
    value /= 1000;
    // Rounded first, then the unit checked: 999.96 kB reads 1.0MB, never 1000kB or 100.0kB.
    const text = value < 99.95 ? value.toFixed(1) : value.toFixed(0);
    if (Number(text) < 1000 || unit === UNITS.length - 1) return `${text}${UNITS[unit]}`;
  }
}

/** How a reader is told what the byte columns count, wherever they are explained (README, dashboard help). */
export const BYTE_UNITS_NOTE = 'bytes in SI units: 1 kB = 1000 B, 1 MB = 1000 kB';
