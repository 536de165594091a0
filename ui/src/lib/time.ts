// Times as a person reads them: "3 minutes ago", with the exact time for a title.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

/** How long ago `ms` (unix milliseconds) was, from `now`: "just now", "3 minutes ago", "2 hours ago", "5 days ago"… */
export function ago(ms: number, now: number = Date.now()): string {
  const d = Math.max(0, now - ms);
  if (d < MINUTE) return 'just now';
  if (d < HOUR) return plural(Math.floor(d / MINUTE), 'minute');
  if (d < DAY) return plural(Math.floor(d / HOUR), 'hour');
  if (d < 60 * DAY) return plural(Math.floor(d / DAY), 'day');
  return `on ${new Date(ms).toLocaleDateString()}`;
}

/** The exact time, in the reader's locale and time zone: "14/03/2026, 10:42:07". */
export function exactTime(ms: number): string {
  return new Date(ms).toLocaleString();
}
