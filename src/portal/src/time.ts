// Times are shown in the viewer's local time, with the exact UTC time on hover.

const local = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function utc(iso: string): string {
  return new Date(iso).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function localTime(iso: string): string {
  return local.format(new Date(iso));
}

/** "in 42 min", "in 3 h", "5 min ago", "overdue by 2 h". */
export function relative(iso: string, now: number = Date.now()): string {
  const ms = new Date(iso).getTime() - now;
  const minutes = Math.round(Math.abs(ms) / 60000);
  const span = minutes < 1 ? "less than a minute" : minutes < 90 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.round(minutes / 60)} h` : `${Math.round(minutes / 1440)} days`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

/** A <time> element: local time, UTC in the title. */
export function timeElement(iso: string, text?: string): HTMLTimeElement {
  const element = document.createElement("time");
  element.dateTime = iso;
  element.title = utc(iso);
  element.textContent = text ?? localTime(iso);
  return element;
}
